from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .permissions import Role
from .services import clean_roles

User = get_user_model()


class StaffForm(forms.Form):
    """Japanese labels read better without Django's trailing colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("ユーザー名またはパスワードが正しくありません。"),
        "inactive": _("このアカウントは無効になっています。監督者に問い合わせてください。"),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("ユーザー名")
        self.fields["password"].label = _("パスワード")


class TokenForm(StaffForm):
    token = forms.CharField(
        label=_("確認コード"),
        help_text=_("認証アプリに表示されている6桁の数字、またはリカバリーコードを入力してください。"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class EnrolmentForm(StaffForm):
    token = forms.CharField(
        label=_("確認コード"),
        help_text=_("アプリに表示されている6桁の数字を入力してください。"),
        max_length=8,
        validators=[RegexValidator(r"^\d{6,8}$", _("アプリに表示されている6桁の数字を、そのまま入力してください。"))],
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class StaffPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("現在のパスワード")
        self.fields["new_password1"].label = _("新しいパスワード")
        self.fields["new_password2"].label = _("新しいパスワード（確認）")
        self.fields["new_password1"].help_text = _password_help()


def _password_help() -> str:
    return " ".join(str(text) for text in password_validators_help_texts())


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=Role.choices, label=_("役割"), **kwargs)


class StaffUpdateForm(StaffForm):
    roles = RolesField()
    department = forms.ChoiceField(
        label=_("担当課"), required=False, help_text=_("役割が「担当課職員」のときだけ選びます。")
    )
    is_active = forms.BooleanField(
        label=_("有効"), required=False, help_text=_("外すとログインできなくなります（記録は残ります）。")
    )

    def __init__(self, *args, departments: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—"), *((name, name) for name in departments)]

    def clean(self):
        cleaned = super().clean()
        if "roles" in cleaned:
            try:
                cleaned["roles"], cleaned["department"] = clean_roles(cleaned["roles"], cleaned.get("department", ""))
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned


class StaffCreateForm(StaffUpdateForm):
    username = forms.CharField(
        label=_("ユーザー名"),
        max_length=150,
        help_text=_("ログインに使う名前です（半角英数字と @ . + - _）。"),
        validators=[User.username_validator],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    last_name = forms.CharField(label=_("姓"), max_length=150, required=False)
    first_name = forms.CharField(label=_("名"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("初期パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("初期パスワード（確認）"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ["username", "last_name", "first_name", "password1", "password2", "roles", "department"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["is_active"]
        self.fields["password1"].help_text = _password_help()

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("このユーザー名はすでに使われています。"))
        return username

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("2つのパスワードが一致しません。"))
        elif password1:
            user = User(username=cleaned.get("username", ""), first_name=cleaned.get("first_name", ""))
            try:
                validate_password(password1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
