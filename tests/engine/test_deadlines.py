"""Deadline computation (procedures/engine/deadlines.py).

Every expected date below was worked out by hand from the law's text; comments give the
reasoning. 民法 140 条: first day not counted; 戸籍法 43 条: counted for 戸籍 notifications;
民法 143 条 2 項: a period in months ends the day before the day in the last month that
corresponds to the starting day, or on that month's last day if it has none. A last day on a
closed day moves to the next open day (地方自治法 4 条の 2 第 4 項, 国税通則法 10 条 2 項,
民事訴訟法 95 条 3 項).
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import jpholiday
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procedures.engine import deadlines
from procedures.engine.deadlines import (
    Calendar,
    DeadlineRule,
    DeadlineRuleError,
    deadline_for,
    describe_deadline,
    period_end,
)

D = date.fromisoformat

# Catalogue-like rules
SHIBO_TODOKE = DeadlineRule(days=7, count_first_day=True)  # 戸籍法 86 条 + 43 条
SHUSSEI_TODOKE = DeadlineRule(days=14, count_first_day=True)  # 戸籍法 49 条 + 43 条
TENNYU_TODOKE = DeadlineRule(days=14, from_="move_in_date")  # 住民基本台帳法 22 条 + 民法 140 条
SOZOKU_HOKI = DeadlineRule(months=3, calendar="national")  # 民法 915 条, 家庭裁判所
JUN_KAKUTEI = DeadlineRule(months=4, calendar="national")  # 所得税法 124 条/125 条, 税務署
SOZOKUZEI = DeadlineRule(months=10, calendar="national")  # 相続税法 27 条, 税務署

MIRAI_CLOSED = frozenset({D("2026-11-02")})  # the example municipality's own closed day (a Monday)


def weekday(day: str) -> str:
    return D(day).strftime("%a")


# --- the contract's examples ---------------------------------------------------------------------


def test_contract_death_notification():
    # Death 2026-01-01, 7 days counting the first day: 1/1 is day 1, 1/7 is day 7 (a Wednesday).
    assert weekday("2026-01-07") == "Wed" and jpholiday.is_holiday_name(D("2026-01-07")) is None
    assert deadline_for(SHIBO_TODOKE, D("2026-01-01"), municipal_closed_days=MIRAI_CLOSED) == D("2026-01-07")


def test_contract_birth_notification_over_golden_week():
    # Birth 2026-04-20, 14 days counting the first day: day 14 is 5/3 (Sunday, 憲法記念日);
    # 5/4 みどりの日, 5/5 こどもの日, 5/6 振替休日 for 5/3 → Thursday 5/7.
    assert period_end(SHUSSEI_TODOKE, D("2026-04-20")) == D("2026-05-03")
    assert weekday("2026-05-03") == "Sun"
    assert jpholiday.is_holiday_name(D("2026-05-03")) == "憲法記念日"
    assert jpholiday.is_holiday_name(D("2026-05-04")) == "みどりの日"
    assert jpholiday.is_holiday_name(D("2026-05-05")) == "こどもの日"
    assert jpholiday.is_holiday_name(D("2026-05-06")) == "憲法記念日 振替休日"
    assert deadline_for(SHUSSEI_TODOKE, D("2026-04-20")) == D("2026-05-07")


def test_contract_moving_in_over_silver_week():
    # 転入 2026-09-08, 14 days not counting the first day: 9/8 + 14 = 9/22, a 国民の休日 (between
    # 敬老の日 9/21 and 秋分の日 9/23) → Thursday 9/24.
    assert period_end(TENNYU_TODOKE, D("2026-09-08")) == D("2026-09-22")
    assert jpholiday.is_holiday_name(D("2026-09-21")) == "敬老の日"
    assert jpholiday.is_holiday_name(D("2026-09-22")) == "国民の休日"
    assert jpholiday.is_holiday_name(D("2026-09-23")) == "秋分の日"
    assert deadline_for(TENNYU_TODOKE, D("2026-09-08")) == D("2026-09-24")


def test_contract_quasi_final_return():
    # Death 2026-01-31: the period starts 2/1; 4 months later the corresponding day is 6/1, so it
    # ends the day before, 5/31 (所得税法 125 条「4月を経過した日の前日」) — a Sunday → Monday 6/1.
    assert period_end(JUN_KAKUTEI, D("2026-01-31")) == D("2026-05-31")
    assert weekday("2026-05-31") == "Sun"
    assert jpholiday.is_holiday_name(D("2026-06-01")) is None
    assert deadline_for(JUN_KAKUTEI, D("2026-01-31")) == D("2026-06-01")


# --- periods in months (民法 143 条) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("death", "rule", "end", "due"),
    [
        # Death on a 31st: the period starts on the 1st of the next month, i.e. whole months.
        # 2026-01-31 → from 2/1: 3 months → 5/1 corresponds → 4/30 (Thu).
        ("2026-01-31", SOZOKU_HOKI, "2026-04-30", "2026-04-30"),
        # 4 months → 6/1 corresponds → 5/31 (Sun) → 6/1 (Mon).
        ("2026-01-31", JUN_KAKUTEI, "2026-05-31", "2026-06-01"),
        # 10 months → 12/1 corresponds → 11/30 (Mon).
        ("2026-01-31", SOZOKUZEI, "2026-11-30", "2026-11-30"),
        # Death 2027-02-28 (not a leap year): from 3/1.
        # 3 months → 6/1 → 5/31 (Mon).
        ("2027-02-28", SOZOKU_HOKI, "2027-05-31", "2027-05-31"),
        # 4 months → 7/1 → 6/30 (Wed).
        ("2027-02-28", JUN_KAKUTEI, "2027-06-30", "2027-06-30"),
        # 10 months → 2028-01-01 → 2027-12-31 (Fri, 年末年始); 1/1 Sat 元日, 1/2 Sun, 1/3 Mon
        # (年末年始) → Tue 2028-01-04.
        ("2027-02-28", SOZOKUZEI, "2027-12-31", "2028-01-04"),
        # Death 2028-02-29 (leap day): from 3/1, the same as above one year later.
        # 3 months → 5/31 (Wed).
        ("2028-02-29", SOZOKU_HOKI, "2028-05-31", "2028-05-31"),
        # 4 months → 6/30 (Fri).
        ("2028-02-29", JUN_KAKUTEI, "2028-06-30", "2028-06-30"),
        # 10 months → 2029-01-01 → 2028-12-31 (Sun); 2029-01-01 Mon 元日, 1/2 and 1/3 年末年始
        # → Thu 2029-01-04.
        ("2028-02-29", SOZOKUZEI, "2028-12-31", "2029-01-04"),
        # Death 2028-02-28 (leap year): the period starts on 2/29.
        # 3 months → 5/29 corresponds → 5/28 (Sun) → 5/29 (Mon).
        ("2028-02-28", SOZOKU_HOKI, "2028-05-28", "2028-05-29"),
        # 4 months → 6/29 → 6/28 (Wed).
        ("2028-02-28", JUN_KAKUTEI, "2028-06-28", "2028-06-28"),
        # 10 months → 12/29 → 12/28 (Thu), the last open day of the year.
        ("2028-02-28", SOZOKUZEI, "2028-12-28", "2028-12-28"),
        # The period starts on a 31st and the last month has no 31st (143 条 2 項ただし書).
        # Death 2026-08-30 → from 8/31; 3 months: November has no 31st → 11/30 (Mon).
        ("2026-08-30", SOZOKU_HOKI, "2026-11-30", "2026-11-30"),
        # Death 2026-08-31 → from 9/1, whole months → 11/30 too.
        ("2026-08-31", SOZOKU_HOKI, "2026-11-30", "2026-11-30"),
        # Death 2026-08-29 → from 8/30; 11/30 corresponds → 11/29 (Sun) → 11/30 (Mon).
        ("2026-08-29", SOZOKU_HOKI, "2026-11-29", "2026-11-30"),
        # Into February. Death 2026-10-30 → from 10/31; 4 months: Feb 2027 has no 31st → 2/28
        # (Sun) → 3/1 (Mon).
        ("2026-10-30", JUN_KAKUTEI, "2027-02-28", "2027-03-01"),
        # Death 2026-10-28 → from 10/29; Feb 2027 has no 29th → 2/28 (Sun) → 3/1.
        ("2026-10-28", JUN_KAKUTEI, "2027-02-28", "2027-03-01"),
        # Death 2026-10-27 → from 10/28; 2/28 exists → 2/27 (Sat) → 3/1 (Mon).
        ("2026-10-27", JUN_KAKUTEI, "2027-02-27", "2027-03-01"),
        # Death 2027-10-30 → from 10/31; Feb 2028 has no 31st → its last day, 2/29 (Tue).
        ("2027-10-30", JUN_KAKUTEI, "2028-02-29", "2028-02-29"),
        # Death 2027-10-28 → from 10/29; 2028-02-29 exists → the day before, 2/28 (Mon).
        ("2027-10-28", JUN_KAKUTEI, "2028-02-28", "2028-02-28"),
    ],
)
def test_months_follow_minpo_143(death, rule, end, due):
    assert period_end(rule, D(death)) == D(end)
    assert deadline_for(rule, D(death)) == D(due)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        # Counting the first day (a period starting at 0:00): the start day is the 起算日.
        # From 2026-01-31, 1 month: February has no 31st → 2/28.
        ("2026-01-31", 1, "2026-02-28"),
        # From 2026-01-30: no 2/30 → 2/28.
        ("2026-01-30", 1, "2026-02-28"),
        # From 2026-01-28: 2/28 corresponds → 2/27.
        ("2026-01-28", 1, "2026-02-27"),
        # From the 1st of a month: whole calendar months (143 条 1 項) → 2/28.
        ("2026-02-01", 1, "2026-02-28"),
        # From 2028-01-29 (leap year): 2/29 corresponds → 2/28.
        ("2028-01-29", 1, "2028-02-28"),
        # Across the year: from 2026-11-15, 3 months → 2027-02-15 corresponds → 2/14.
        ("2026-11-15", 3, "2027-02-14"),
        # 12 months from 2028-02-29: Feb 2029 has no 29th → 2029-02-28.
        ("2028-02-29", 12, "2029-02-28"),
    ],
)
def test_months_counting_first_day(start, months, end):
    rule = DeadlineRule(months=months, count_first_day=True, calendar="none")
    assert period_end(rule, D(start)) == D(end)


def test_zero_means_the_start_day_itself():
    for rule in (
        DeadlineRule(days=0),
        DeadlineRule(days=0, count_first_day=True),
        DeadlineRule(months=0),
        DeadlineRule(months=0, count_first_day=True),
    ):
        assert period_end(rule, D("2026-06-10")) == D("2026-06-10")


def test_days_counting():
    # 民法 140 条: day 1 is the next day; 戸籍法 43 条: day 1 is the day itself.
    assert period_end(DeadlineRule(days=1), D("2026-06-10")) == D("2026-06-11")
    assert period_end(DeadlineRule(days=1, count_first_day=True), D("2026-06-10")) == D("2026-06-10")
    assert period_end(DeadlineRule(days=14), D("2026-06-10")) == D("2026-06-24")
    assert period_end(DeadlineRule(days=14, count_first_day=True), D("2026-06-10")) == D("2026-06-23")


# --- shifting past closed days -----------------------------------------------------------------


def test_golden_week_shift():
    # A deadline on Saturday 2026-05-02: 5/2 Sat, 5/3 Sun 憲法記念日, 5/4, 5/5, 5/6 振替休日 → 5/7.
    assert weekday("2026-05-02") == "Sat" and weekday("2026-05-07") == "Thu"
    assert Calendar().next_open_day(D("2026-05-02")) == D("2026-05-07")
    # 転入 on 4/18 + 14 days = 5/2.
    assert deadline_for(TENNYU_TODOKE, D("2026-04-18")) == D("2026-05-07")


def test_year_end_shift():
    # 12/29–12/31 and 1/1–1/3 closed (1/1 元日, 1/2 Sat, 1/3 Sun anyway); 2027-01-04 is a Monday
    # and not a holiday (成人の日 2027 is 1/11).
    assert weekday("2027-01-04") == "Mon"
    assert jpholiday.is_holiday_name(D("2027-01-04")) is None
    assert jpholiday.is_holiday_name(D("2027-01-11")) == "成人の日"
    assert Calendar().next_open_day(D("2026-12-29")) == D("2027-01-04")
    # 転入 on 2026-12-15 + 14 days = 12/29 (a Tuesday, but 年末年始).
    assert weekday("2026-12-29") == "Tue"
    assert deadline_for(TENNYU_TODOKE, D("2026-12-15")) == D("2027-01-04")
    for calendar in ("municipality", "national"):
        rule = DeadlineRule(days=14, calendar=calendar)
        assert deadline_for(rule, D("2026-12-15")) == D("2027-01-04")


def test_municipal_closed_day_moves_only_municipal_deadlines():
    # 2026-10-19 + 14 days = 11/2, a Monday the municipality is closed; 11/3 is 文化の日 → 11/4.
    assert weekday("2026-11-02") == "Mon" and jpholiday.is_holiday_name(D("2026-11-02")) is None
    assert jpholiday.is_holiday_name(D("2026-11-03")) == "文化の日"
    municipal = DeadlineRule(days=14, calendar="municipality")
    national = DeadlineRule(days=14, calendar="national")
    start = D("2026-10-19")
    assert deadline_for(municipal, start, municipal_closed_days=MIRAI_CLOSED) == D("2026-11-04")
    assert deadline_for(national, start, municipal_closed_days=MIRAI_CLOSED) == D("2026-11-02")
    # Without the municipality's days, a municipal deadline stays on 11/2.
    assert deadline_for(municipal, start) == D("2026-11-02")
    # Any iterable of dates is accepted.
    assert deadline_for(municipal, start, municipal_closed_days={D("2026-11-02")}) == D("2026-11-04")


def test_calendar_none_never_shifts():
    rule = DeadlineRule(months=4, calendar="none")
    assert deadline_for(rule, D("2026-01-31")) == D("2026-05-31")  # a Sunday, kept
    rule = DeadlineRule(days=14, calendar="none")
    assert deadline_for(rule, D("2026-12-15"), municipal_closed_days=frozenset({D("2026-12-29")})) == D("2026-12-29")
    assert deadline_for(rule, D("2026-10-19"), municipal_closed_days=MIRAI_CLOSED) == D("2026-11-02")


def test_calendar_is_closed():
    cal = Calendar([D("2026-11-02")])
    closed = {
        "2026-06-06": "Saturday",
        "2026-06-07": "Sunday",
        "2026-02-11": "建国記念の日",
        "2026-05-06": "振替休日",
        "2026-09-22": "国民の休日",
        "2026-12-29": "年末",
        "2026-12-31": "年末",
        "2027-01-01": "元日",
        "2027-01-03": "年始",
        "2027-03-22": "春分の日 振替休日",
        "2026-11-02": "the municipality's own day",
    }
    for day, why in closed.items():
        assert cal.is_closed(D(day)), why
    for day in ("2026-06-05", "2026-12-28", "2027-01-04", "2026-11-04"):
        assert not cal.is_closed(D(day)), day
    assert not Calendar().is_closed(D("2026-11-02"))
    assert jpholiday.is_holiday_name(D("2027-03-22")) == "春分の日 振替休日"
    # the day itself when open
    assert cal.next_open_day(D("2026-06-05")) == D("2026-06-05")
    # a datetime is read as its date
    assert cal.is_closed(datetime(2026, 6, 6, 12, 0))
    assert cal.next_open_day(datetime(2026, 6, 6, 12, 0)) == D("2026-06-08")


def test_calendar_gives_up_on_an_endless_closure():
    start = D("2026-01-01")
    cal = Calendar(start + timedelta(days=i) for i in range(400))
    with pytest.raises(ValueError, match="no open day"):
        cal.next_open_day(start)


def test_holiday_lookups_are_cached(monkeypatch):
    calls = []
    real = jpholiday.is_holiday

    def counting(day):
        calls.append(day)
        return real(day)

    monkeypatch.setattr(jpholiday, "is_holiday", counting)
    deadlines._nationally_closed.cache_clear()
    rules = [SHIBO_TODOKE, SHUSSEI_TODOKE, TENNYU_TODOKE, SOZOKU_HOKI, JUN_KAKUTEI, SOZOKUZEI]
    starts = [D("2026-01-01") + timedelta(days=i) for i in range(30)]
    began = time.perf_counter()
    for _ in range(6):  # 6 × 6 × 30 = 1080 items
        for rule in rules:
            for start in starts:
                deadline_for(rule, start, municipal_closed_days=MIRAI_CLOSED)
    elapsed = time.perf_counter() - began
    assert len(calls) == len(set(calls))  # each day asked of jpholiday at most once
    assert elapsed < 1.0


# --- DeadlineRule from / to the catalogue -------------------------------------------------------


def test_from_dict_full_and_defaults():
    rule = DeadlineRule.from_dict(
        {"days": 14, "from": "event_date", "count_first_day": True, "calendar": "municipality"}
    )
    assert rule == DeadlineRule(days=14, count_first_day=True)
    assert DeadlineRule.from_dict({"months": 3}) == DeadlineRule(
        months=3, from_="event_date", count_first_day=False, calendar="municipality"
    )
    assert DeadlineRule.from_dict({"days": None, "months": 3, "calendar": "national"}) == SOZOKU_HOKI
    assert DeadlineRule.from_dict({"days": 14, "from": "move_in_date"}).from_ == "move_in_date"


@pytest.mark.parametrize(
    "rule",
    [
        SHIBO_TODOKE,
        SHUSSEI_TODOKE,
        TENNYU_TODOKE,
        SOZOKU_HOKI,
        JUN_KAKUTEI,
        SOZOKUZEI,
        DeadlineRule(days=0, calendar="none"),
    ],
)
def test_to_dict_round_trip(rule):
    data = rule.to_dict()
    unit = "days" if rule.days is not None else "months"
    assert list(data) == [unit, "from", "count_first_day", "calendar"]
    assert DeadlineRule.from_dict(data) == rule
    assert DeadlineRule.from_dict(data).to_dict() == data


def test_to_dict_shape():
    assert TENNYU_TODOKE.to_dict() == {
        "days": 14,
        "from": "move_in_date",
        "count_first_day": False,
        "calendar": "municipality",
    }
    assert SOZOKUZEI.to_dict() == {
        "months": 10,
        "from": "event_date",
        "count_first_day": False,
        "calendar": "national",
    }


def _error(data) -> DeadlineRuleError:
    with pytest.raises(DeadlineRuleError) as info:
        DeadlineRule.from_dict(data)
    assert isinstance(info.value, ValueError)
    return info.value


def test_error_both_days_and_months():
    err = _error({"days": 14, "months": 3})
    assert err.field == "days/months" and "exactly one" in str(err) and "both" in str(err)


def test_error_neither_days_nor_months():
    err = _error({"from": "event_date", "calendar": "national"})
    assert err.field == "days/months" and "neither" in str(err)


def test_error_negative():
    assert _error({"days": -1}).field == "days"
    err = _error({"months": -3})
    assert err.field == "months" and ">= 0" in str(err)


def test_error_not_an_integer():
    err = _error({"days": "14"})
    assert err.field == "days" and "'14'" in str(err)
    assert _error({"months": 1.5}).field == "months"
    assert _error({"days": 14.0}).field == "days"


def test_error_bool_is_not_an_integer():
    err = _error({"days": True})
    assert err.field == "days" and "True" in str(err)


def test_error_unknown_calendar():
    err = _error({"days": 14, "calendar": "prefecture"})
    assert err.field == "calendar" and "'prefecture'" in str(err) and "municipality" in str(err)


def test_error_unknown_key():
    err = _error({"days": 14, "from_": "event_date", "count_first_days": True})
    assert err.field == "from_"
    assert "'from_'" in str(err) and "'count_first_days'" in str(err) and "allowed" in str(err)


def test_error_count_first_day_not_a_bool():
    assert _error({"days": 14, "count_first_day": "yes"}).field == "count_first_day"
    assert _error({"days": 14, "count_first_day": 1}).field == "count_first_day"


def test_error_bad_from():
    assert _error({"days": 14, "from": ""}).field == "from"
    assert _error({"days": 14, "from": 20260101}).field == "from"
    assert _error({"days": 14, "from": "move in date"}).field == "from"


def test_error_not_a_mapping():
    err = _error([("days", 14)])
    assert err.field is None and "mapping" in str(err)


def test_direct_construction_is_validated_too():
    with pytest.raises(DeadlineRuleError):
        DeadlineRule()
    with pytest.raises(DeadlineRuleError):
        DeadlineRule(days=14, calendar="Municipality")


# --- words ---------------------------------------------------------------------------------------


def test_describe_ja():
    assert describe_deadline(SHUSSEI_TODOKE, lang="ja") == "出来事の日から14日以内（初日を含む）"
    assert describe_deadline(TENNYU_TODOKE, lang="ja", from_label="転入した日") == "転入した日から14日以内"
    assert describe_deadline(SOZOKU_HOKI, lang="ja") == "出来事の日から3か月以内"
    assert describe_deadline(DeadlineRule(days=0), lang="ja") == "出来事の日のうちに"
    assert describe_deadline(TENNYU_TODOKE, lang="ja") == "基準の日から14日以内"


def test_describe_en():
    assert describe_deadline(SHUSSEI_TODOKE, lang="en") == "within 14 days of the event (counting the day itself)"
    assert (
        describe_deadline(TENNYU_TODOKE, lang="en", from_label="the day you moved in")
        == "within 14 days of the day you moved in"
    )
    assert describe_deadline(SOZOKU_HOKI, lang="en") == "within 3 months of the event"
    assert describe_deadline(DeadlineRule(months=1), lang="en") == "within 1 month of the event"
    assert describe_deadline(DeadlineRule(days=1), lang="en") == "within 1 day of the event"
    assert describe_deadline(DeadlineRule(days=0), lang="en") == "on the day of the event"
    assert (
        describe_deadline(DeadlineRule(days=0, from_="move_in_date"), lang="en", from_label="the move-in date")
        == "on the move-in date"
    )


def test_describe_easy():
    assert (
        describe_deadline(SHUSSEI_TODOKE, lang="easy")
        == "できごとの 日から 14日の あいだに（その 日も 1日目と かぞえます）"
    )
    assert (
        describe_deadline(TENNYU_TODOKE, lang="easy", from_label="ひっこして きた 日")
        == "ひっこして きた 日から 14日の あいだに"
    )
    assert describe_deadline(SOZOKU_HOKI, lang="easy") == "できごとの 日から 3か月の あいだに"
    assert describe_deadline(DeadlineRule(days=0), lang="easy") == "できごとの 日の うちに"


def test_describe_unknown_language():
    with pytest.raises(ValueError, match="lang"):
        describe_deadline(SHIBO_TODOKE, lang="fr")


# --- properties ----------------------------------------------------------------------------------

CALENDAR_NAMES = st.sampled_from(["municipality", "national", "none"])
rules = st.one_of(
    st.builds(DeadlineRule, days=st.integers(0, 400), count_first_day=st.booleans(), calendar=CALENDAR_NAMES),
    st.builds(DeadlineRule, months=st.integers(0, 24), count_first_day=st.booleans(), calendar=CALENDAR_NAMES),
)
starts = st.dates(min_value=D("2020-01-01"), max_value=D("2035-12-31"))


@settings(max_examples=300, deadline=None)
@given(rule=rules, start=starts)
def test_shift_lands_on_the_first_open_day(rule, start):
    end = period_end(rule, start)
    due = deadline_for(rule, start, municipal_closed_days=MIRAI_CLOSED)
    assert due >= end >= start
    if rule.calendar == "none":
        assert due == end
        return
    cal = Calendar(MIRAI_CLOSED if rule.calendar == "municipality" else ())
    assert not cal.is_closed(due)
    day = end
    while day < due:
        assert cal.is_closed(day)
        day += timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(rule=rules, start=starts)
def test_later_start_never_ends_earlier(rule, start):
    assert period_end(rule, start + timedelta(days=1)) >= period_end(rule, start)


@settings(max_examples=300, deadline=None)
@given(months=st.integers(1, 24), count_first_day=st.booleans(), start=starts)
def test_month_end_matches_the_wording(months, count_first_day, start):
    # 143 条 2 項 read literally: the day after the end is the corresponding day of the last month,
    # or, when that month has no such day, the end is that month's last day.
    rule = DeadlineRule(months=months, count_first_day=count_first_day)
    begin = start if count_first_day else start + timedelta(days=1)
    end = period_end(rule, start)
    nxt = end + timedelta(days=1)
    month_index = begin.year * 12 + begin.month - 1 + months
    if nxt.day == begin.day:
        assert nxt.year * 12 + nxt.month - 1 == month_index
    else:
        assert begin.day > end.day and nxt.day == 1
        assert end.year * 12 + end.month - 1 == month_index
