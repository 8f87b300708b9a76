"""Legal deadlines: when a procedure's period ends, and on which day it is really due.

Plain Python (no Django), so the rules can be tested and reused anywhere.

A deadline rule (``DeadlineRule``) is data from the catalogue::

    deadline: {days: 14, from: event_date, count_first_day: false, calendar: municipality}

Three steps turn it into a date:

1. **Where the period starts** (初日の算入).
   民法 140 条: a period in days, weeks, months or years does not count the first day
   (初日不算入), unless the period starts at 0:00. 戸籍法 43 条 1 項 makes an exception for
   notifications under the 戸籍法: the period runs from the day the notification's cause arose,
   *counting* that day (出生届 14 日: 戸籍法 49 条; 死亡届 7 日: 戸籍法 86 条).
   ``count_first_day: true`` means the start date is day 1; ``false`` means the next day is.

2. **Where it ends** (満了点).
   Days: with the first day counted, day N is ``start + N - 1``; without, ``start + N``.
   ``days: 0`` means the start date itself.
   Months: 民法 143 条 1 項: counted by the calendar (暦に従って計算する). 143 条 2 項: when the
   period does not start at the beginning of a month, it ends on the day before the day of the
   last month that corresponds to the starting day (起算日に応当する日の前日); if the last month
   has no such day, it ends on the last day of that month. When the starting day is the 1st, the
   period is whole calendar months and ends on the last day of the N-th month; "the day before
   the 1st of the following month" gives the same day, so one formula covers both.
   E.g. death on 2026-01-31, 4 months (所得税法 124 条/125 条, 準確定申告: 「知った日の翌日から
   4 月を経過した日の前日」): the period starts 2026-02-01, the corresponding day in June is
   2026-06-01, so it ends 2026-05-31.

3. **Closed days** (期限の特例).
   If the last day falls on a day the office is closed, the deadline becomes the next open day.
   Municipal procedures: 地方自治法 4 条の 2 第 4 項 (the municipality's holidays set by ordinance
   under 4 条の 2 第 1 項/第 2 項: Sundays, Saturdays, 国民の祝日に関する法律 holidays, the year-end
   days the ordinance names, usually 12/29–1/3, and days added under 第 3 項; the catalogue's
   ``closed_days`` should list only such days). National offices: 行政機関の休日に関する法律 1 条/2 条
   (same days without the municipal ones); for tax 国税通則法 10 条 2 項 with 施行令 2 条; for
   the family court 民事訴訟法 95 条 3 項 (applied by 家事事件手続法 34 条 4 項); generally
   民法 142 条. ``calendar: none`` means no shift.

Holidays (国民の祝日, 振替休日 under 同法 3 条 2 項, 国民の休日 under 3 条 3 項) come from
``jpholiday``; there is no hand-written holiday table here. Note that 春分の日 and 秋分の日 are
fixed only when the 国立天文台 publishes them in the 官報 each February for the following
year; ``jpholiday`` computes them astronomically, which has matched so far.
"""

from __future__ import annotations

import calendar as _stdcalendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import jpholiday

__all__ = [
    "CALENDARS",
    "Calendar",
    "DeadlineRule",
    "DeadlineRuleError",
    "deadline_for",
    "describe_deadline",
    "period_end",
]

EVENT_DATE = "event_date"
CALENDARS = ("municipality", "national", "none")
LANGUAGES = ("ja", "en", "easy")
_ALLOWED_KEYS = ("days", "months", "from", "count_first_day", "calendar")
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ONE_DAY = timedelta(days=1)
# The longest run of closed days in practice is about 9 (year end + weekends + a municipal day);
# anything longer than a year means the calendar is broken, not that the office is closed.
_MAX_SHIFT_DAYS = 366


class DeadlineRuleError(ValueError):
    """A deadline rule in the catalogue is malformed.

    ``field`` names the offending key as written in the YAML (``days``, ``months``, ``from``,
    ``count_first_day``, ``calendar``, ``days/months`` or an unknown key); ``str(error)`` starts
    with it.
    """

    def __init__(self, field: str | None, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


def _is_int(value: object) -> bool:
    # bool is a subclass of int: `days: true` must not mean one day.
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class DeadlineRule:
    """How a procedure's deadline is computed (catalogue key ``deadline``).

    Exactly one of ``days`` / ``months`` is set (an integer >= 0). ``from_`` (``from`` in the
    YAML) is ``event_date`` or the key of a date question. ``count_first_day``: 戸籍法 43 条
    (true for 出生届, 死亡届) vs 民法 140 条 (false, the default). ``calendar``: which closed
    days move the deadline (``municipality``, ``national`` or ``none``).
    """

    days: int | None = None
    months: int | None = None
    from_: str = EVENT_DATE
    count_first_day: bool = False
    calendar: str = "municipality"

    def __post_init__(self) -> None:
        if (self.days is None) == (self.months is None):
            which = "both are" if self.days is not None else "neither is"
            raise DeadlineRuleError("days/months", f"exactly one of days or months is required ({which} set)")
        for name in ("days", "months"):
            value = getattr(self, name)
            if value is None:
                continue
            if not _is_int(value):
                raise DeadlineRuleError(name, f"must be an integer >= 0, got {value!r}")
            if value < 0:
                raise DeadlineRuleError(name, f"must be an integer >= 0, got {value}")
        if not isinstance(self.from_, str) or not _KEY_RE.match(self.from_):
            raise DeadlineRuleError("from", f"must be 'event_date' or the key of a date question, got {self.from_!r}")
        if not isinstance(self.count_first_day, bool):
            raise DeadlineRuleError("count_first_day", f"must be true or false, got {self.count_first_day!r}")
        if not isinstance(self.calendar, str) or self.calendar not in CALENDARS:
            raise DeadlineRuleError("calendar", f"must be one of {', '.join(CALENDARS)}, got {self.calendar!r}")

    @classmethod
    def from_dict(cls, data: Mapping) -> DeadlineRule:
        """Build a rule from the catalogue dict ``{days|months, from, count_first_day, calendar}``.

        ``from``, ``count_first_day`` and ``calendar`` may be left out (defaults: ``event_date``,
        ``false``, ``municipality``); the exporter always writes them. An explicit ``null`` for
        the unused one of days/months is accepted. Raises ``DeadlineRuleError`` naming the field.
        """
        if not isinstance(data, Mapping):
            raise DeadlineRuleError(None, f"a deadline must be a mapping or null, got {type(data).__name__}")
        unknown = [key for key in data if key not in _ALLOWED_KEYS]
        if unknown:
            names = ", ".join(repr(key) for key in unknown)
            raise DeadlineRuleError(str(unknown[0]), f"unknown key(s) {names}; allowed: {', '.join(_ALLOWED_KEYS)}")
        return cls(
            days=data.get("days"),
            months=data.get("months"),
            from_=data.get("from", EVENT_DATE),
            count_first_day=data.get("count_first_day", False),
            calendar=data.get("calendar", "municipality"),
        )

    def to_dict(self) -> dict:
        """The canonical dict: ``days`` or ``months``, then ``from``, ``count_first_day``, ``calendar``."""
        out: dict = {"days": self.days} if self.days is not None else {"months": self.months}
        out["from"] = self.from_
        out["count_first_day"] = self.count_first_day
        out["calendar"] = self.calendar
        return out


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    raise TypeError(f"expected a date, got {type(value).__name__}")


@lru_cache(maxsize=16384)
def _nationally_closed(day: date) -> bool:
    """Closed at every public office: Sat, Sun, national holidays, 12/29–1/3."""
    if day.weekday() >= 5:  # 土曜日・日曜日
        return True
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):  # 年末年始
        return True
    # 国民の祝日に関する法律: 祝日 (2 条), 振替休日 (3 条 2 項), 国民の休日 (3 条 3 項)
    return jpholiday.is_holiday(day)


class Calendar:
    """Which days an office is closed.

    Always closed: Saturdays, Sundays, holidays under 国民の祝日に関する法律 (incl. 振替休日 and
    国民の休日, via ``jpholiday``) and 12/29–1/3 (行政機関の休日に関する法律 1 条; 地方自治法
    4 条の 2 第 2 項). ``extra_closed_days`` are further days, e.g. a municipality's own closed
    days. Lookups are cached.
    """

    __slots__ = ("_cache", "extra_closed_days")

    def __init__(self, extra_closed_days: Iterable[date] = ()):
        self.extra_closed_days: frozenset[date] = frozenset(_as_date(d) for d in extra_closed_days)
        self._cache: dict[date, bool] = {}

    def __repr__(self) -> str:
        days = ", ".join(sorted(d.isoformat() for d in self.extra_closed_days))
        return f"Calendar(extra_closed_days=[{days}])"

    def is_closed(self, day: date) -> bool:
        try:
            return self._cache[day]
        except KeyError:
            pass
        d = _as_date(day)
        closed = d in self.extra_closed_days or _nationally_closed(d)
        self._cache[day] = closed
        return closed

    def next_open_day(self, day: date) -> date:
        """``day`` itself if the office is open, else the first open day after it."""
        d = _as_date(day)
        for _ in range(_MAX_SHIFT_DAYS):
            if not self.is_closed(d):
                return d
            d += _ONE_DAY
        raise ValueError(f"no open day within {_MAX_SHIFT_DAYS} days after {day.isoformat()}")


@lru_cache(maxsize=64)
def _calendar_for(extra_closed_days: frozenset[date]) -> Calendar:
    return Calendar(extra_closed_days)


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    y, m = divmod(month - 1 + n, 12)
    return year + y, m + 1


def period_end(rule: DeadlineRule, start: date) -> date:
    """The last day of the period, before any shift for closed days.

    Days: 戸籍法 43 条 (first day counted) → ``start + N - 1``; 民法 140 条 → ``start + N``;
    ``days: 0`` → ``start``. Months: 民法 143 条 (see the module docstring); ``months: 0`` →
    ``start``.
    """
    start = _as_date(start)
    if rule.days is not None:
        if rule.days == 0:
            return start
        return start + timedelta(days=rule.days - 1 if rule.count_first_day else rule.days)
    assert rule.months is not None
    if rule.months == 0:
        return start
    # 起算日: the start date itself (戸籍法 43 条 / period from 0:00) or the next day (民法 140 条).
    begin = start if rule.count_first_day else start + _ONE_DAY
    year, month = _add_months(begin.year, begin.month, rule.months)
    last_day = _stdcalendar.monthrange(year, month)[1]
    if begin.day > last_day:
        # 民法 143 条 2 項ただし書: no corresponding day in the last month → its last day.
        return date(year, month, last_day)
    # 民法 143 条 2 項本文: the day before the corresponding day (for begin.day == 1 this is the
    # last day of the N-th whole month, as 143 条 1 項 gives).
    return date(year, month, begin.day) - _ONE_DAY


def deadline_for(rule: DeadlineRule, start: date, *, municipal_closed_days: frozenset[date] = frozenset()) -> date:
    """The date a procedure is due: the period's end, moved past closed days of ``rule.calendar``.

    ``municipality``: national closures plus ``municipal_closed_days`` (地方自治法 4 条の 2 第 4
    項); ``national``: national closures only (行政機関の休日に関する法律 2 条, 国税通則法 10 条 2
    項, 民事訴訟法 95 条 3 項); ``none``: the period's end as is.
    """
    end = period_end(rule, start)
    if rule.calendar == "none":
        return end
    if rule.calendar == "municipality":
        extra = (
            municipal_closed_days if isinstance(municipal_closed_days, frozenset) else frozenset(municipal_closed_days)
        )
    else:
        extra = frozenset()
    return _calendar_for(extra).next_open_day(end)


# --- words -----------------------------------------------------------------------------------

_EVENT_LABEL = {"ja": "出来事の日", "en": "the event", "easy": "できごとの 日"}
_GENERIC_LABEL = {"ja": "基準の日", "en": "the relevant date", "easy": "その 日"}


def describe_deadline(rule: DeadlineRule, *, lang: str, from_label: str | None = None) -> str:
    """The rule in words, for ``lang`` ``ja``, ``en`` or ``easy`` (やさしい日本語).

    ``from_label`` names the start date in that language when ``rule.from_`` is a date question
    (a noun phrase such as 「転入した日」 / "the day you moved in"); without it a built-in label
    is used (「出来事の日」 / "the event" / 「できごとの 日」 for ``event_date``).

    ja: 「出来事の日から14日以内（初日を含む）」, 「転入した日から14日以内」, 「出来事の日から3か月以内」
    en: "within 14 days of the event (counting the day itself)", "within 3 months of the event"
    easy: 「できごとの 日から 14日の あいだに（その 日も 1日目と かぞえます）」
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    label = (from_label or "").strip()
    if not label:
        label = (_EVENT_LABEL if rule.from_ == EVENT_DATE else _GENERIC_LABEL)[lang]
    n = rule.days if rule.days is not None else rule.months
    assert n is not None
    unit_is_days = rule.days is not None

    if lang == "ja":
        if n == 0:
            return f"{label}のうちに"
        unit = "日" if unit_is_days else "か月"
        note = "（初日を含む）" if rule.count_first_day else ""
        return f"{label}から{n}{unit}以内{note}"

    if lang == "easy":
        if n == 0:
            return f"{label}の うちに"
        unit = "日" if unit_is_days else "か月"
        note = "（その 日も 1日目と かぞえます）" if rule.count_first_day else ""
        return f"{label}から {n}{unit}の あいだに{note}"

    # en
    if n == 0:
        return "on the day of the event" if label == _EVENT_LABEL["en"] else f"on {label}"
    unit = ("day" if n == 1 else "days") if unit_is_days else ("month" if n == 1 else "months")
    note = " (counting the day itself)" if rule.count_first_day else ""
    return f"within {n} {unit} of {label}{note}"
