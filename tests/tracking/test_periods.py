"""Local days, weeks and months in the configured time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from tracking.periods import Period, period_days, split_by_local_day

SP = ZoneInfo("America/Sao_Paulo")


def day(ordinal: int) -> date:
    return date.fromordinal(ordinal)


def test_week_starts_on_monday_in_local_time():
    sunday_night = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)  # 23:30 Sunday local
    week = period_days(Period.WEEK, sunday_night, SP)
    assert day(week.first) == date(2026, 11, 16)
    monday_early = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)  # 00:30 Monday local
    week = period_days(Period.WEEK, monday_early, SP)
    assert day(week.first) == date(2026, 11, 23)
    assert day(week.last) == date(2026, 11, 23)


def test_month_and_today_follow_the_local_calendar():
    new_year_utc = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)  # 22:00 on Dec 31 local
    month = period_days(Period.MONTH, new_year_utc, SP)
    assert (day(month.first), day(month.last)) == (date(2025, 12, 1), date(2025, 12, 31))
    today = period_days(Period.TODAY, new_year_utc, SP)
    assert day(today.first) == day(today.last) == date(2025, 12, 31)


def test_total_has_no_day_range():
    assert period_days(Period.TOTAL, datetime(2026, 1, 1, tzinfo=UTC), SP) is None


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("hoje", Period.TODAY),
        ("SEMANA", Period.WEEK),
        ("mês", Period.MONTH),
        ("total", Period.TOTAL),
    ],
)
def test_period_names_members_type_are_understood(text, period):
    assert Period.parse(text) is period


def test_session_across_midnight_is_split_without_losing_a_second():
    start = datetime(2026, 5, 10, 2, 0, 0, 400_000, tzinfo=UTC)  # 23:00:00.4 local
    parts = split_by_local_day(start, 0, 7201, SP)
    assert sum(seconds for _, seconds in parts) == 7201
    assert [day(d) for d, _ in parts] == [date(2026, 5, 9), date(2026, 5, 10)]


def test_long_session_spans_several_days():
    start = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
    parts = split_by_local_day(start, 0, 3 * 86_400, SP)
    assert len(parts) == 4
    assert sum(seconds for _, seconds in parts) == 3 * 86_400
