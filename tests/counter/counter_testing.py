"""Cases, staff and posted interviews for the counter tests."""

from datetime import date

from counter.services import case_create, case_personal_save
from tests.staff.staff_testing import make_staff

FAMILY = [
    {"relation": "self", "age": 38, "insurance": "national"},
    {"relation": "spouse", "age": 36, "insurance": "national"},
    {"relation": "child", "age": 6, "insurance": "national"},
]
MOVE_IN = {"move_type": "in_from_other", "moved_in_on": "2026-09-08", "wants_seal_registration": True}
PEOPLE = {
    "m1": {
        "name": "山田 太郎",
        "kana": "やまだ たろう",
        "birth_date": "1988-05-01",
        "sex": "男",
        "relationship": "世帯主",
    },
    "m2": {"name": "山田 花子", "kana": "やまだ はなこ", "birth_date": "1990-07-15", "sex": "女", "relationship": "妻"},
    "m3": {
        "name": "山田 一郎",
        "kana": "やまだ いちろう",
        "birth_date": "2020-03-03",
        "sex": "男",
        "relationship": "子",
    },
}
DETAILS = {
    "old_address": "東京都千代田区霞が関1-1-1",
    "new_address": "みらい市中央町2-3-4 みらいハイツ101",
    "moved_in_on": "2026-09-08",
    "moved_out_on": "",
    "phone": "090-1234-5678",
}


def verified(user):
    user.is_verified = lambda: True
    return user


def clerk(username="clerk.suzuki"):
    from django.contrib.auth.models import User

    user = User.objects.filter(username=username).first() or make_staff(username, "clerk")
    return verified(user)


def family_case(actor=None, **changes):
    actor = actor or clerk()
    fields = {
        "life_events": ["moving"],
        "event_date": date(2026, 9, 8),
        "answers": dict(MOVE_IN),
        "members": [dict(m) for m in FAMILY],
    }
    fields.update(changes)
    return case_create(actor=actor, **fields)


def with_personal(case, actor=None):
    case_personal_save(actor=actor or clerk("clerk.tanaka"), case=case, people=PEOPLE, details=DETAILS)
    case.refresh_from_db()
    return case


def interview_post(**extra):
    """The interview form as a browser posts it: a family of three moving in."""
    data = {
        "life_events": ["moving"],
        "event_date": "2026-09-08",
        "a-move_type": "in_from_other",
        "a-moved_in_on": "2026-09-08",
        "a-wants_seal_registration": "true",
        "members": "3",
        "m0-key": "",
        "m0-relation": "self",
        "m0-age": "38",
        "m0-insurance": "national",
        "m1-key": "",
        "m1-relation": "spouse",
        "m1-age": "36",
        "m1-insurance": "national",
        "m2-key": "",
        "m2-relation": "child",
        "m2-age": "6",
        "m2-insurance": "national",
    }
    data.update(extra)
    return data
