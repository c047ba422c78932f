"""VideoSessionManager on its own, with an injected clock: the decisions behind camera time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tracking.ledger import Ledger, OpenSession
from tracking.sessions import VideoSessionManager

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
GUILD, OTHER_GUILD = 111111111111111111, 222222222222222222
ANA, BIA = 333333333333333333, 444444444444444444


class FakeClock:
    """Monotonic seconds and the UTC instant, moved together by `advance`."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)) -> None:
        self.mono = 1000.0
        self.start = start
        self.elapsed = 0.0

    def monotonic(self) -> float:
        return self.mono + self.elapsed

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def manager(clock):
    return VideoSessionManager(clock, SAO_PAULO)


def applied(*records) -> Ledger:
    ledger = Ledger()
    for record in records:
        ledger.apply(record)
    return ledger


def test_closing_a_session_credits_its_whole_seconds_and_one_session(manager, clock):
    manager.start_session(GUILD, ANA)
    clock.advance(90.7)
    record = manager.end_session(GUILD, ANA)
    assert (record.s, record.n, record.open) == (90, 1, False)
    stats = applied(record).member_stats(GUILD, ANA)
    assert (stats.seconds, stats.sessions, stats.longest) == (90, 1, 90)


def test_a_running_session_is_not_started_twice(manager, clock):
    assert manager.start_session(GUILD, ANA) is True
    clock.advance(30)
    assert manager.start_session(GUILD, ANA) is False
    clock.advance(30)
    assert manager.end_session(GUILD, ANA).s == 60


def test_ending_without_a_session_records_nothing(manager):
    assert manager.end_session(GUILD, ANA) is None


def test_sessions_are_kept_apart_by_server(manager, clock):
    manager.start_session(GUILD, ANA)
    clock.advance(10)
    manager.start_session(OTHER_GUILD, ANA)
    clock.advance(10)
    first = manager.end_session(GUILD, ANA)
    clock.advance(10)
    second = manager.end_session(OTHER_GUILD, ANA)
    assert (first.g, first.s) == (GUILD, 20)
    assert (second.g, second.s) == (OTHER_GUILD, 20)


def test_a_checkpoint_credits_the_time_so_far_and_counts_the_session_once(manager, clock):
    manager.start_session(GUILD, ANA)
    clock.advance(60.5)
    (first,) = manager.checkpoint()
    clock.advance(60)
    (second,) = manager.checkpoint()
    clock.advance(9.9)
    closing = manager.end_session(GUILD, ANA)
    assert [(r.s, r.n, r.open) for r in (first, second, closing)] == [
        (60, 1, True),
        (60, 0, True),
        (10, 0, False),
    ]
    stats = applied(first, second, closing).member_stats(GUILD, ANA)
    assert (stats.seconds, stats.sessions) == (130, 1)


def test_a_checkpoint_with_nothing_new_records_nothing(manager, clock):
    manager.start_session(GUILD, ANA)
    clock.advance(5)
    assert len(manager.checkpoint()) == 1
    clock.advance(0.5)
    assert manager.checkpoint() == []


def test_a_checkpointed_session_is_saved_as_open(manager, clock):
    manager.start_session(GUILD, ANA)
    clock.advance(42)
    ledger = applied(*manager.checkpoint())
    assert ledger.open_sessions[(GUILD, ANA)] == OpenSession(clock.start.isoformat(), 42)


def test_continuing_a_saved_session_neither_recounts_it_nor_counts_the_gap(manager, clock):
    saved = OpenSession(clock.start.isoformat(), 120)
    clock.advance(3600)  # the bot was down for an hour
    manager.start_session(GUILD, ANA, saved=saved)
    clock.advance(30)
    record = manager.end_session(GUILD, ANA)
    assert (record.s, record.n, record.credited) == (30, 0, 150)


def test_closing_a_saved_session_at_once_adds_nothing(manager):
    manager.start_session(GUILD, ANA, saved=OpenSession("2026-03-02T15:00:00+00:00", 120))
    record = manager.end_session(GUILD, ANA)
    assert (record.s, record.n, record.open) == (0, 0, False)


def test_a_session_ending_while_the_gateway_is_lost_ends_at_the_loss(manager, clock):
    manager.start_session(GUILD, ANA)
    clock.advance(50)
    manager.connection_lost()
    clock.advance(100)
    assert manager.end_session(GUILD, ANA).s == 50


def test_a_server_read_again_after_the_loss_counts_live_again(manager, clock):
    manager.start_session(GUILD, ANA)
    manager.start_session(OTHER_GUILD, BIA)
    clock.advance(50)
    manager.connection_lost()
    clock.advance(100)
    manager.guild_verified(GUILD)
    clock.advance(10)
    assert manager.end_session(GUILD, ANA).s == 160
    assert manager.end_session(OTHER_GUILD, BIA).s == 50


def test_the_first_loss_is_the_one_that_counts(manager, clock):
    manager.start_session(GUILD, ANA)
    clock.advance(50)
    assert manager.connection_lost() is True
    clock.advance(20)
    assert manager.connection_lost() is False
    assert manager.end_session(GUILD, ANA).s == 50


def test_after_the_connection_is_restored_time_counts_until_now(manager, clock):
    manager.start_session(GUILD, ANA)
    clock.advance(50)
    manager.connection_lost()
    clock.advance(100)
    manager.connection_restored()
    clock.advance(10)
    assert manager.end_session(GUILD, ANA).s == 160


def test_checkpoints_while_the_gateway_is_lost_stop_at_the_loss(manager, clock):
    manager.start_session(GUILD, ANA)
    clock.advance(50)
    manager.connection_lost()
    clock.advance(100)
    (record,) = manager.checkpoint()
    assert record.credited == 50
    assert manager.checkpoint() == []


def test_end_all_closes_every_session(manager, clock):
    manager.start_session(GUILD, ANA)
    manager.start_session(OTHER_GUILD, BIA)
    clock.advance(15)
    records = manager.end_all()
    assert sorted((r.g, r.u, r.s) for r in records) == [
        (GUILD, ANA, 15),
        (OTHER_GUILD, BIA, 15),
    ]
    assert manager.keys() == []


def test_live_reports_uncredited_time_and_uncounted_sessions(manager, clock):
    manager.start_session(GUILD, ANA)
    clock.advance(70)
    manager.checkpoint()
    clock.advance(5)
    manager.start_session(GUILD, BIA)
    clock.advance(3)
    manager.start_session(OTHER_GUILD, ANA)
    assert manager.live(GUILD) == {ANA: (8, 0), BIA: (3, 1)}


def test_a_session_across_local_midnight_counts_on_both_days(clock):
    clock.start = datetime(2026, 3, 3, 2, 30, tzinfo=UTC)  # 23:30 on 2 March in São Paulo
    manager = VideoSessionManager(clock, SAO_PAULO)
    manager.start_session(GUILD, ANA)
    clock.advance(3600)
    record = manager.end_session(GUILD, ANA)
    days = {date.fromordinal(day): seconds for day, seconds in record.days}
    assert days == {date(2026, 3, 2): 1800, date(2026, 3, 3): 1800}
    assert date.fromordinal(record.day) == date(2026, 3, 2)
