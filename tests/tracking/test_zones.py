"""A server's local days over its time zones: switches at local midnights, days never back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tracking.periods import Period, split_by_local_day
from tracking.server_settings import ZoneSince
from tracking.zones import calendar_for, zone_change

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NOON = datetime(2026, 3, 1, 15, tzinfo=UTC)  # 12:00 in Sao Paulo


def day(ordinal):
    return date.fromordinal(ordinal)


def test_a_change_starts_at_the_next_local_midnight_of_the_zone_in_force():
    (change,) = zone_change((), SAO_PAULO, NOON, "Asia/Tokyo")
    assert change == ZoneSince("2026-03-02T03:00:00+00:00", "Asia/Tokyo")
    calendar = calendar_for((change,), SAO_PAULO)
    assert day(calendar.day_of(NOON)) == date(2026, 3, 1)
    assert calendar.zone_at(NOON).key == "America/Sao_Paulo"


def test_a_second_change_before_the_switch_replaces_the_pending_one():
    zones = zone_change((), SAO_PAULO, NOON, "Asia/Tokyo")
    assert zone_change(zones, SAO_PAULO, NOON + timedelta(hours=1), "Europe/Lisbon") == (
        ZoneSince("2026-03-02T03:00:00+00:00", "Europe/Lisbon"),
    )


def test_a_change_after_the_switch_keeps_the_history():
    zones = zone_change((), SAO_PAULO, NOON, "Asia/Tokyo")
    later = NOON + timedelta(days=2)
    zones = zone_change(zones, SAO_PAULO, later, "Europe/Lisbon")
    assert [z.zone for z in zones] == ["Asia/Tokyo", "Europe/Lisbon"]
    assert calendar_for(zones, SAO_PAULO).zone_at(NOON).key == "America/Sao_Paulo"


def test_days_never_go_backwards_across_a_switch_to_the_west():
    zones = zone_change((), ZoneInfo("Pacific/Kiritimati"), NOON, "Pacific/Pago_Pago")  # +14 to -11
    calendar = calendar_for(zones, ZoneInfo("Pacific/Kiritimati"))
    moments = [NOON + timedelta(minutes=10 * step) for step in range(6 * 24 * 3)]
    days = [calendar.day_of(moment) for moment in moments]
    assert days == sorted(days)
    # Mar 3rd starts at Kiritimati's midnight and lasts until Pago Pago's next one (49 h).
    assert sorted({day(d).day for d in days}) == [2, 3, 4]


def test_a_split_across_a_switch_gives_each_second_the_day_it_is_counted_on():
    zones = zone_change((), ZoneInfo("UTC"), NOON, "America/Sao_Paulo")  # from 2026-03-02 00:00
    calendar = calendar_for(zones, ZoneInfo("UTC"))
    start = datetime(2026, 3, 1, 23, tzinfo=UTC)
    parts = calendar.split(start, 0, 6 * 3600)
    assert [(day(d).day, s) for d, s in parts] == [(1, 3600), (2, 5 * 3600)]


def test_without_zones_of_its_own_a_server_splits_as_the_default_zone():
    calendar = calendar_for((), SAO_PAULO)
    start = datetime(2026, 5, 10, 2, 30, tzinfo=UTC)
    assert calendar.split(start, -7200, 7200) == split_by_local_day(start, -7200, 7200, SAO_PAULO)


def test_periods_follow_the_servers_own_day():
    zones = zone_change((), SAO_PAULO, NOON, "Asia/Tokyo")
    calendar = calendar_for(zones, SAO_PAULO)
    sunday_night_in_tokyo = datetime(2026, 3, 8, 16, tzinfo=UTC)  # Monday 01:00 in Tokyo
    week = calendar.period_days(Period.WEEK, sunday_night_in_tokyo)
    assert week is not None and day(week.first) == date(2026, 3, 9)
