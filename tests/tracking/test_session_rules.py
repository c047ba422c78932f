"""VideoSessionManager under a server's counting rules: minimum, daily limit, pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.tracking.test_sessions import ANA, GUILD, SAO_PAULO, FakeClock, applied
from tracking.ledger import Ledger
from tracking.periods import DayRange
from tracking.server_settings import ServerSettings
from tracking.sessions import VideoSessionManager


class Rules:
    """One server's settings, and a ledger for what its days hold."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.ledger = Ledger()

    def server_settings(self, guild_id: int) -> ServerSettings:
        return self.settings

    def seconds_by_day(self, guild_id: int, user_id: int | None, days: DayRange) -> dict[int, int]:
        return self.ledger.seconds_by_day(guild_id, user_id, days)

    def commit(self, records) -> None:
        for record in records:
            if record is not None:
                self.ledger.apply(record)


@pytest.fixture
def clock():
    return FakeClock()


def manager_with(clock, **settings):
    rules = Rules(ServerSettings(**settings))
    return VideoSessionManager(clock, SAO_PAULO, rules=rules), rules


def test_a_session_below_the_minimum_ends_with_no_record(clock):
    manager, _rules = manager_with(clock, minimum=60)
    manager.start_session(GUILD, ANA)
    clock.advance(59.9)
    assert manager.checkpoint() == []
    assert manager.pending(GUILD) == {}
    assert manager.end_session(GUILD, ANA) is None


def test_the_first_record_past_the_minimum_holds_the_whole_session(clock):
    manager, _rules = manager_with(clock, minimum=60)
    manager.start_session(GUILD, ANA)
    clock.advance(75)
    (record,) = manager.checkpoint()
    assert (record.s, record.n, record.open) == (75, 1, True)


def test_a_paused_session_accrues_nothing_and_counts_once(clock):
    manager, rules = manager_with(clock)
    manager.start_session(GUILD, ANA)
    clock.advance(30)
    rules.commit([manager.set_counting(GUILD, ANA, False)])
    clock.advance(500)
    assert manager.set_counting(GUILD, ANA, True) is None
    clock.advance(20)
    rules.commit([manager.end_session(GUILD, ANA)])
    stats = rules.ledger.member_stats(GUILD, ANA)
    assert (stats.seconds, stats.sessions) == (50, 1)


def test_a_session_paused_from_its_start_to_its_end_is_not_counted(clock):
    manager, _rules = manager_with(clock)
    manager.start_session(GUILD, ANA, counting=False)
    clock.advance(300)
    assert manager.end_session(GUILD, ANA) is None


def test_time_before_a_pause_stays_on_its_day_across_midnight():
    clock = FakeClock(datetime(2026, 3, 3, 2, 50, tzinfo=UTC))  # 23:50 local
    manager, rules = manager_with(clock)
    manager.start_session(GUILD, ANA)
    clock.advance(300)  # until 23:55
    rules.commit([manager.set_counting(GUILD, ANA, False)])
    clock.advance(900)  # paused past midnight
    manager.set_counting(GUILD, ANA, True)
    clock.advance(60)
    rules.commit([manager.end_session(GUILD, ANA)])
    first, second = date(2026, 3, 2).toordinal(), date(2026, 3, 3).toordinal()
    by_day = rules.ledger.seconds_by_day(GUILD, ANA, DayRange(first, second))
    assert by_day == {first: 300, second: 60}


def test_the_daily_limit_holds_records_and_pending_alike(clock):
    manager, rules = manager_with(clock, daily_limit=100)
    manager.start_session(GUILD, ANA)
    clock.advance(80)
    rules.commit(manager.checkpoint())
    clock.advance(50)
    assert manager.live(GUILD) == {ANA: (20, 0)}
    record = manager.end_session(GUILD, ANA)
    assert (record.s, record.credited) == (20, 130)
    assert applied(record).member_stats(GUILD, ANA).sessions == 0  # counted by the first one
