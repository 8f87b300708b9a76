"""Every rule studio URL, role by role: editors edit, only approvers approve and publish.

Written out here, not derived from staff.permissions, so a slip in the capability table shows.
"""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from staff_testing import make_role_user, sign_in
from studio_testing import CODE, change_rule, editor, national_draft, new_draft

from procedures.selectors import catalogue_version_in_force, today
from staff.permissions import ROLES
from studio import services
from studio.models import Preview

STUDIO = frozenset({"catalogue_editor", "catalogue_approver"})
APPROVER = frozenset({"catalogue_approver"})


def allowed(roles, ok=200):
    return {role: ok if role in roles else 403 for role in ROLES}


def _submitted(draft, author):
    return services.draft_submit(
        actor=author, draft=draft, revision=draft.revision, reason="r", effective_from=today() + timedelta(days=9),
        version_by="build_date",
    )  # fmt: skip


# (url name, method, state the draft is in, posted data, expected status per role)
PAGES = [
    ("studio:home", "get", "draft", None, allowed(STUDIO)),
    ("studio:draft-create", "post", "draft", {"title": "新しい変更"}, allowed(STUDIO, 302)),
    ("studio:draft", "get", "draft", None, allowed(STUDIO)),
    ("studio:procedure", "get", "draft", None, allowed(STUDIO)),
    ("studio:question", "get", "draft", None, allowed(STUDIO)),
    ("studio:law", "get", "draft", None, allowed(STUDIO)),
    ("studio:counter", "get", "draft", None, allowed(STUDIO)),
    ("studio:diff", "get", "draft", None, allowed(STUDIO)),
    (
        "studio:submit",
        "post",
        "draft",
        {"revision": 2, "reason": "r", "effective_from": "2099-01-01", "version_by": "build_date"},
        allowed(STUDIO, 302),
    ),
    ("studio:withdraw", "post", "submitted", {}, allowed(STUDIO, 302)),
    ("studio:approve", "post", "submitted", {"revision": 2}, allowed(APPROVER, 302)),
    ("studio:publish", "post", "submitted", {}, allowed(APPROVER, 302)),
    ("studio:discard", "post", "draft", {}, allowed(STUDIO, 302)),
    ("studio:stories", "get", "draft", None, allowed(STUDIO)),
    ("studio:story-accept", "post", "draft", {"revision": 2, "name": "x", "reason": "r"}, allowed(STUDIO, 302)),
    ("studio:story-add", "get", "draft", None, allowed(STUDIO)),
    ("studio:preview", "get", "draft", None, allowed(STUDIO)),
    ("studio:preview", "post", "draft", {}, allowed(STUDIO, 302)),
    ("studio:preview-status", "get", "draft", None, allowed(STUDIO)),
    ("studio:history", "get", "draft", None, allowed(STUDIO)),
    ("studio:national", "get", "national", None, allowed(STUDIO)),
    ("studio:conflict", "get", "national", None, allowed(STUDIO)),
    ("studio:conflict", "post", "national", {"resolution": "ours"}, allowed(STUDIO, 400)),
    ("studio:versions", "get", "draft", None, allowed(STUDIO)),
    ("studio:version-restore", "post", "draft", {}, allowed(STUDIO, 302)),
    ("studio:version-download", "get", "draft", None, allowed(STUDIO)),
    ("studio:draft-download", "get", "draft", None, allowed(STUDIO)),
    ("studio:draft-import", "post", "draft", {"import-title": "no file"}, allowed(STUDIO, 400)),
    ("studio:national-update", "post", "draft", {"national-title": "no file"}, allowed(STUDIO, 400)),
]


def _url(name, draft, preview):
    kwargs = {
        "studio:procedure": {"pk": draft.pk, "code": CODE},
        "studio:question": {"pk": draft.pk, "key": "deceased_was_head"},
        "studio:law": {"pk": draft.pk, "key": "koseki_ho"},
        "studio:counter": {"pk": draft.pk, "code": "resident_registry"},
        "studio:preview-status": {"pk": draft.pk, "preview_id": preview.pk},
        "studio:conflict": {"pk": draft.pk, "index": 0},
        "studio:version-restore": {"version_id": catalogue_version_in_force().pk},
        "studio:version-download": {"version_id": catalogue_version_in_force().pk},
    }.get(name)
    if kwargs is None:
        kwargs = (
            {}
            if name
            in (
                "studio:home",
                "studio:draft-create",
                "studio:draft-import",
                "studio:national-update",
                "studio:versions",
            )
            else {"pk": draft.pk}
        )
    return reverse(name, kwargs=kwargs)


def _studio_url_names():
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "studio":
                names.add(f"studio:{pattern.name}")

    walk(get_resolver().url_patterns, None)
    return names


def test_the_table_covers_every_studio_url():
    assert _studio_url_names() == {name for name, *_ in PAGES}


@pytest.fixture
def setting(db):
    author = editor("author.editor")
    draft = change_rule(author, new_draft(author))
    preview = Preview.objects.create(draft=draft, revision=draft.revision, requested_by=author)
    return author, draft, preview


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "state", "data", "expected"), PAGES, ids=[f"{p[1]} {p[0]}" for p in PAGES])
def test_role_reaches_only_its_studio_pages(client, setting, role, name, method, state, data, expected):
    author, draft, preview = setting
    if state == "submitted":
        draft = _submitted(draft, author)
    if state == "national":
        draft = national_draft(author)
    sign_in(client, make_role_user(role))
    url = _url(name, draft, preview)
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == expected[role], response.content[:500]


@pytest.mark.parametrize(("name", "method", "state", "data", "expected"), PAGES[:4], ids=[p[0] for p in PAGES[:4]])
def test_anonymous_goes_to_the_staff_login(client, setting, name, method, state, data, expected):
    _, draft, preview = setting
    url = _url(name, draft, preview)
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('staff:login')}?{urlencode({'next': url}, safe='/')}"


def test_an_editor_without_the_second_factor_is_sent_to_it(client, setting):
    _, draft, _ = setting
    sign_in(client, make_role_user("catalogue_editor", "no.otp"), second_factor=False)
    response = client.get(reverse("studio:draft", kwargs={"pk": draft.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:2fa-verify"))
