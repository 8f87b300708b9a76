"""The resident journey's funnel: privacy-preserving events in, drop-off per question and completion out.

Recording is one INSERT of four columns (navi.models.JourneyEvent says what is kept and why so
little). It never fails the resident's request: a database error is logged and the page goes on,
inside a savepoint when the request is in a transaction, so that the transaction stays usable.

Why a journey id at all: the questions asked differ from journey to journey (show_if), and Back,
Change links and reloads show a page again, so counts of pages alone cannot tell how many people
reached a question or where they stopped. The id is random, lives only in the server-side
session next to the answers and goes with them when the checklist is made; it is not the session
key, and no checklist, token or address is stored with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from .models import JourneyEvent

logger = logging.getLogger(__name__)

START = "start"
HOUSEHOLD = "household"
CHECK = "check"

_INSERT = "INSERT INTO navi_journeyevent (day, kind, step, journey) VALUES (%s, %s, %s, %s)"


def funnel_record(*, kind: str, step: str = "", journey: str | None = None) -> None:
    """Count one step; never raises."""
    try:
        params = [connection.ops.adapt_datefield_value(timezone.localdate()), kind, step[:64], journey]
        if connection.in_atomic_block:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_INSERT, params)
        else:
            with connection.cursor() as cursor:
                cursor.execute(_INSERT, params)
    except Exception:
        logger.warning("journey event not recorded (%s %s)", kind, step, exc_info=True)


def journey_events_purge(*, today: date | None = None) -> int:
    """Delete the events older than the retention period of checklists (CHECKLIST_RETENTION_DAYS)."""
    cutoff = (today or timezone.localdate()) - timedelta(days=settings.CHECKLIST_RETENTION_DAYS)
    deleted, _ = JourneyEvent.objects.filter(day__lt=cutoff).delete()
    return deleted


# --- the report ------------------------------------------------------------------------------


def percent_text(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio * 100:.1f} %"


@dataclass(frozen=True)
class StepRow:
    step: str
    label: str
    reached: int  # journeys that saw the page
    answered: int  # journeys that answered it
    skipped: int  # journeys that left it for the counter
    left: int  # journeys that saw it last and made no checklist

    @property
    def drop_off(self) -> float | None:
        return self.left / self.reached if self.reached else None

    @property
    def drop_off_text(self) -> str:
        return percent_text(self.drop_off)


@dataclass(frozen=True)
class FunnelReport:
    date_from: date
    date_to: date
    visits: int  # start page shown, with or without a journey after it
    started: int  # journeys begun (life events chosen) in the range
    created: int  # of those, journeys that made their checklist (on any day)
    revised: int  # checklists rebuilt on new answers, in the range
    ticked: int  # items ticked, in the range
    steps: list[StepRow]

    @property
    def completion(self) -> float | None:
        return self.created / self.started if self.started else None

    @property
    def completion_text(self) -> str:
        return percent_text(self.completion)

    @property
    def abandoned(self) -> int:
        return self.started - self.created


def funnel_report(*, date_from: date, date_to: date, labels: dict[str, str]) -> FunnelReport:
    """The journeys begun between two Japan dates (inclusive), followed to their end.

    ``labels`` names the steps in the order to list them (start, household, the questions in the
    catalogue's order, check); steps met in the events but not named follow in key order.
    """
    in_range = JourneyEvent.objects.filter(day__gte=date_from, day__lte=date_to)
    begun = in_range.filter(kind=JourneyEvent.ANSWER, step=START, journey__isnull=False).values("journey")
    events = JourneyEvent.objects.filter(journey__in=begun)
    made = events.filter(kind=JourneyEvent.CREATED).values("journey")
    per_step: dict[tuple[str, str], int] = {
        (r["step"], r["kind"]): r["n"]
        for r in events.filter(kind__in=[JourneyEvent.PAGE, JourneyEvent.ANSWER, JourneyEvent.SKIP])
        .values("step", "kind")
        .annotate(n=Count("journey", distinct=True))
    }
    last_pages = events.filter(kind=JourneyEvent.PAGE).values("journey").annotate(last=Max("id")).values("last")
    left = dict(
        JourneyEvent.objects.filter(id__in=last_pages)
        .exclude(journey__in=made)
        .values("step")
        .annotate(n=Count("id"))
        .values_list("step", "n")
    )
    kinds = {
        r["kind"]: r["n"]
        for r in in_range.filter(kind__in=[JourneyEvent.REVISED, JourneyEvent.TICKED])
        .values("kind")
        .annotate(n=Count("id"))
    }
    started = begun.distinct().count()
    seen = {step for step, _ in per_step}
    order = list(labels) + sorted(seen - set(labels))
    steps = [
        StepRow(
            step=step,
            label=labels.get(step, step),
            reached=started if step == START else per_step.get((step, JourneyEvent.PAGE), 0),
            answered=per_step.get((step, JourneyEvent.ANSWER), 0),
            skipped=per_step.get((step, JourneyEvent.SKIP), 0),
            left=left.get(step, 0),
        )
        for step in order
        if step in seen or step in (START, HOUSEHOLD, CHECK)
    ]
    return FunnelReport(
        date_from=date_from,
        date_to=date_to,
        visits=in_range.filter(kind=JourneyEvent.PAGE, step=START).count(),
        started=started,
        created=made.distinct().count(),
        revised=kinds.get(JourneyEvent.REVISED, 0),
        ticked=kinds.get(JourneyEvent.TICKED, 0),
        steps=steps,
    )
