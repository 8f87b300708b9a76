from django import forms
from django.utils.translation import gettext_lazy as _


class AuditSearchForm(forms.Form):
    """The supervisor's search: one person, a range of days (both optional, both ends inclusive)."""

    username = forms.CharField(
        label=_("職員のユーザー名"),
        required=False,
        max_length=150,
        help_text=_("完全に一致するユーザー名で探します（大文字と小文字は区別しません）。空欄なら全員です。"),
    )
    date_from = forms.DateField(
        label=_("開始日"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("この日を含みます。例：2026-04-01"),
    )
    date_to = forms.DateField(
        label=_("終了日"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("この日を含みます。例：2026-04-30"),
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("終了日は開始日と同じ日か、それより後の日にしてください。"))
        return data
