"""Which date decides the version, and the switch at 00:00 JST on the 施行日 with no job running.

The clock is moved with time-machine across midnight in Tokyo; the version is looked up per
request, so nothing else has to happen for the new one to take effect.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from studio_testing import CODE, approver, change_rule, editor, new_draft

from navi.services import checklist_build, checklist_create
from procedures.selectors import catalogue_version_for_case, catalogue_version_in_force
from studio import services

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
# A 施行日 well after the shipped catalogue's, in the future whenever the suite runs.
EFFECTIVE = date(date.today().year + 2, 4, 1)
EVE = datetime.combine(EFFECTIVE - timedelta(days=1), datetime.min.time(), TOKYO).replace(hour=23, minute=59, second=59)
MIDNIGHT = datetime.combine(EFFECTIVE, datetime.min.time(), TOKYO).replace(second=1)
MEMBERS = [{"relation": "deceased", "age": 67, "insurance": "national"}, {"relation": "spouse", "age": 64}]


def publish(version_by: str):
    """Published the evening before: 65 → 70 for 介護保険の資格喪失, in force from EFFECTIVE."""
    author, checker = editor(), approver()
    draft = change_rule(author, new_draft(author))
    draft = services.draft_story_accept(
        actor=author, draft=draft, revision=draft.revision, name="death_on_the_31st_self_employed", reason="改正"
    )
    draft = services.draft_submit(
        actor=author, draft=draft, revision=draft.revision, reason="改正", effective_from=EFFECTIVE,
        version_by=version_by,
    )  # fmt: skip
    draft = services.draft_approve(actor=checker, draft=draft, revision=draft.revision)
    return services.draft_publish(actor=checker, draft=draft).version


def build(event_date: date):
    return checklist_build(life_events=["death"], event_date=event_date, answers={}, members=MEMBERS, language="ja")


def keys(built) -> set[str]:
    return {row["procedure_code"] for row in built.items}


def test_the_new_version_takes_effect_at_midnight_in_tokyo():
    with time_machine.travel(EVE - timedelta(hours=1), tick=False):
        old = catalogue_version_in_force()
        new = publish("build_date")
    with time_machine.travel(EVE, tick=False):
        assert catalogue_version_in_force() == old
        assert CODE in keys(build(EFFECTIVE - timedelta(days=1)))
    with time_machine.travel(MIDNIGHT, tick=False):
        assert catalogue_version_in_force() == new
        built = build(EFFECTIVE)
        assert built.version == new
        assert CODE not in keys(built), "the deceased was 67: 70 and over only from today"
        # by the build date: an event of yesterday follows today's version too
        assert build(EFFECTIVE - timedelta(days=1)).version == new


def test_by_event_date_a_death_before_the_change_follows_the_old_rule():
    with time_machine.travel(EVE - timedelta(hours=1), tick=False):
        old = catalogue_version_in_force()
        new = publish("event_date")
        assert new.version_by == "event_date"
    with time_machine.travel(MIDNIGHT, tick=False):
        before = build(EFFECTIVE - timedelta(days=1))
        assert before.version == old
        assert CODE in keys(before)
        after = build(EFFECTIVE)
        assert after.version == new
        assert CODE not in keys(after)
        # the service stores the version it used
        view = checklist_create(
            life_events=["death"], event_date=EFFECTIVE - timedelta(days=3), answers={}, members=MEMBERS
        )
        assert view.catalogue_version == old.content_hash
    with time_machine.travel(MIDNIGHT + timedelta(days=400), tick=False):
        assert catalogue_version_for_case(event_date=EFFECTIVE - timedelta(days=1)) == old
        assert catalogue_version_for_case(event_date=EFFECTIVE + timedelta(days=1)) == new
