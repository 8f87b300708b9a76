"""When reminders go out: pure functions of the policy (settings), the items and `now`.

No database and no clock: every function is given the time, so a test can walk a checklist from
its creation to its last deadline (and the claim and sweep use the same `now`).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Policy:
    days_before: tuple[int, ...]
    send_at: time
    quiet_start: time
    quiet_end: time


def _time(text: str) -> time:
    return time.fromisoformat(text)


def policy_for(municipality: str | None = None) -> Policy:
    """The settings' policy, with the municipality's overrides (REMINDER_MUNICIPALITY_POLICY)."""
    data = {
        "days_before": settings.REMINDER_DAYS_BEFORE,
        "send_at": settings.REMINDER_SEND_AT,
        "quiet_hours": settings.REMINDER_QUIET_HOURS,
    }
    data.update(settings.REMINDER_MUNICIPALITY_POLICY.get(municipality or "", {}))
    quiet_start, quiet_end = data["quiet_hours"]
    return Policy(
        days_before=tuple(sorted({int(d) for d in data["days_before"]}, reverse=True)),
        send_at=_time(data["send_at"]),
        quiet_start=_time(quiet_start),
        quiet_end=_time(quiet_end),
    )


def is_quiet(moment: datetime, policy: Policy) -> bool:
    t = moment.astimezone(TOKYO).time()
    if policy.quiet_start <= policy.quiet_end:
        return policy.quiet_start <= t < policy.quiet_end
    return t >= policy.quiet_start or t < policy.quiet_end


def not_quiet(moment: datetime, policy: Policy) -> datetime:
    """The moment itself, or the end of the quiet hours it falls in (21:00–08:00 → 08:00)."""
    if not is_quiet(moment, policy):
        return moment
    local = moment.astimezone(TOKYO)
    end = datetime.combine(local.date(), policy.quiet_end, TOKYO)
    if end <= local:
        end += timedelta(days=1)
    return end


def reminder_days(deadlines: Iterable[date], policy: Policy) -> set[date]:
    """The days a digest is due: each deadline minus each of the policy's days before."""
    return {d - timedelta(days=n) for d in deadlines for n in policy.days_before}


def digest_schedule(deadlines: Iterable[date], *, now: datetime, policy: Policy) -> dict[date, datetime]:
    """Day → when its digest goes out, for the days still to come.

    Today's digest still goes if its sending time has passed but the evening's quiet hours have
    not begun (a resident who opts in at noon hears about tomorrow's deadline today); a day whose
    digest could only go out after its quiet hours began is skipped: the next day's digest
    lists what is then due.
    """
    today = now.astimezone(TOKYO).date()
    schedule = {}
    for day in sorted(reminder_days(deadlines, policy)):
        if day < today:
            continue
        at = datetime.combine(day, policy.send_at, TOKYO)
        if day == today and at < now:
            at = now
        at = not_quiet(at, policy)
        if at.astimezone(TOKYO).date() != day:
            continue
        schedule[day] = at
    return schedule


def deadlines_on(day: date, policy: Policy) -> set[date]:
    """The deadlines a day's digest reminds of."""
    return {day + timedelta(days=n) for n in policy.days_before}


def due_on(items: Iterable, day: date, policy: Policy) -> list:
    """The items a day's digest lists: not done, with a deadline the policy reminds of that day."""
    wanted = deadlines_on(day, policy)
    return [i for i in items if not i.done and i.deadline is not None and i.deadline in wanted]


def retry_at(attempts: int, *, now: datetime, base_seconds: int, rng: random.Random | None = None) -> datetime:
    """Exponential backoff with full jitter: somewhere in [base, base · 2^(attempts-1)] seconds from now."""
    ceiling = base_seconds * 2 ** max(attempts - 1, 0)
    return now + timedelta(seconds=(rng or random).uniform(base_seconds, max(ceiling, base_seconds)))
