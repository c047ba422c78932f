"""The in-memory figures: credits, periods, rankings, resets and adjustments."""

from __future__ import annotations

import msgspec

from store.snapshot import copy_ledger
from tests.store_worker import credit as closed_session
from tracking.ledger import Ledger
from tracking.periods import DayRange
from tracking.records import Adjust, AttributeLegacy, Erase, Reset, decode_record, encode_record

GUILD, OTHER = 111111111111111111, 222222222222222222
ANA, BIA, CAU = 300000000000000001, 300000000000000002, 300000000000000003
DAY = 740_000


def credit(ledger, user, seconds, *, guild=GUILD, day=DAY, sessions=1, seq=None, open_=False):
    record = closed_session(guild, user, seconds, sessions, day=day)
    ledger.apply(msgspec.structs.replace(record, seq=seq, open=open_))


def test_ranking_orders_by_seconds_then_id():
    ledger = Ledger()
    credit(ledger, BIA, 50)
    credit(ledger, ANA, 50)
    credit(ledger, CAU, 90)
    top = ledger.standings(GUILD, None).top(10)
    assert [s.user_id for s in top] == [CAU, ANA, BIA]


def test_servers_never_mix():
    ledger = Ledger()
    credit(ledger, ANA, 100, guild=GUILD)
    credit(ledger, ANA, 7, guild=OTHER)
    assert ledger.member_stats(GUILD, ANA).seconds == 100
    assert ledger.member_stats(OTHER, ANA).seconds == 7


def test_a_record_is_never_applied_twice():
    ledger = Ledger()
    credit(ledger, ANA, 100, seq=1)
    credit(ledger, ANA, 100, seq=1)
    assert ledger.member_stats(GUILD, ANA).seconds == 100


def test_period_ranking_counts_only_days_in_range():
    ledger = Ledger()
    credit(ledger, ANA, 100, day=DAY - 10)
    credit(ledger, BIA, 30, day=DAY)
    week = ledger.standings(GUILD, DayRange(DAY - 6, DAY)).top(10)
    assert [(s.user_id, s.seconds, s.sessions) for s in week] == [(BIA, 30, 1)]


def test_live_sessions_are_added_at_query_time():
    ledger = Ledger()
    credit(ledger, ANA, 100)
    standings = ledger.standings(GUILD, None, live={BIA: (150, 1), ANA: (10, 0)})
    assert [(s.user_id, s.seconds, s.sessions) for s in standings.top(10)] == [
        (BIA, 150, 1),
        (ANA, 110, 1),
    ]


def test_removal_never_goes_below_zero_and_comes_off_recent_days_first():
    ledger = Ledger()
    credit(ledger, ANA, 100, day=DAY - 1)
    credit(ledger, ANA, 40, day=DAY)
    ledger.apply(Adjust(g=GUILD, u=ANA, s=-60, day=DAY))
    guild = ledger.guilds[GUILD]
    assert guild.stats(ANA).seconds == 80
    assert guild.seconds_by_day(DayRange(DAY - 1, DAY), ANA) == {DAY - 1: 80, DAY: 0}
    ledger.apply(Adjust(g=GUILD, u=ANA, s=-1000, day=DAY))
    assert guild.stats(ANA).seconds == 0


def test_reset_of_one_member_keeps_the_others():
    ledger = Ledger()
    credit(ledger, ANA, 100)
    credit(ledger, BIA, 50)
    ledger.apply(Reset(g=GUILD, u=ANA))
    assert [s.user_id for s in ledger.standings(GUILD, None).top(10)] == [BIA]


def test_reset_of_a_server_touches_no_other_server():
    ledger = Ledger()
    credit(ledger, ANA, 100, guild=GUILD)
    credit(ledger, ANA, 100, guild=OTHER)
    ledger.apply(Reset(g=GUILD))
    assert len(ledger.standings(GUILD, None)) == 0
    assert ledger.member_stats(OTHER, ANA).seconds == 100


def test_erasure_removes_the_member_and_keeps_everyone_elses_days_exact():
    ledger = Ledger()
    credit(ledger, BIA, 40, day=DAY - 1)
    credit(ledger, ANA, 100, day=DAY - 1)
    credit(ledger, ANA, 60, day=DAY)
    credit(ledger, CAU, 30, day=DAY)
    week = DayRange(DAY - 6, DAY)
    ledger.standings(GUILD, week)  # the week's sums are kept from here on
    ledger.apply(Erase(g=GUILD, u=ANA))
    guild = ledger.guilds[GUILD]
    assert ANA not in guild.members.index and guild.members.size == 2
    assert ledger.member_days(GUILD, ANA) == []
    assert ledger.member_days(GUILD, BIA) == [(DAY - 1, 40, 1)]
    assert ledger.member_days(GUILD, CAU) == [(DAY, 30, 1)]
    top = ledger.standings(GUILD, week).top(10)
    assert [(s.user_id, s.seconds) for s in top] == [(BIA, 40), (CAU, 30)]
    credit(ledger, CAU, 15, day=DAY)  # rows moved up by one: new credits land right
    assert ledger.member_days(GUILD, CAU) == [(DAY, 45, 2)]
    assert ledger.member_stats(GUILD, BIA).seconds == 40


def test_erasure_drops_the_open_session_and_touches_no_other_server():
    ledger = Ledger()
    credit(ledger, ANA, 60, open_=True)
    credit(ledger, ANA, 7, guild=OTHER)
    ledger.apply(Erase(g=GUILD, u=ANA))
    assert (GUILD, ANA) not in ledger.open_sessions
    assert ledger.member_stats(OTHER, ANA).seconds == 7


def test_a_copy_taken_before_an_erasure_is_the_ledger_as_it_was():
    ledger = Ledger()
    credit(ledger, ANA, 100)
    credit(ledger, BIA, 50)
    copier = ledger.guilds[GUILD].start_copy()
    ledger.apply(Erase(g=GUILD, u=ANA))
    keys, values, _days = copier.result()
    assert sorted(keys.tolist()) == [ANA, BIA]
    assert copy_ledger(ledger).guilds[GUILD].member_keys.tolist() == [BIA]


def test_an_erasure_record_is_one_journal_line():
    line = encode_record(Erase(g=5, u=7, seq=3))
    assert line == b'{"seq":3,"op":"erase","g":5,"u":7}'
    assert decode_record(line) == Erase(g=5, u=7, seq=3)


def test_open_session_is_remembered_until_closed():
    ledger = Ledger()
    credit(ledger, ANA, 60, open_=True)
    assert (GUILD, ANA) in ledger.open_sessions
    credit(ledger, ANA, 5, sessions=0)
    assert (GUILD, ANA) not in ledger.open_sessions
    assert ledger.member_stats(GUILD, ANA).sessions == 1


def test_legacy_totals_are_attributed_once():
    ledger = Ledger()
    ledger.unattributed[ANA] = (3665, 5)
    ledger.apply(AttributeLegacy(g=GUILD))
    ledger.apply(AttributeLegacy(g=GUILD))
    assert ledger.member_stats(GUILD, ANA).seconds == 3665
    assert ledger.member_stats(GUILD, ANA).sessions == 5


def test_position_counts_members_ahead():
    ledger = Ledger()
    for number, user in enumerate((ANA, BIA, CAU)):
        credit(ledger, user, 100 * (number + 1))
    standings = ledger.standings(GUILD, None)
    assert set(standings.ahead_of(ANA).tolist()) == {BIA, CAU}
    assert len(standings.ahead_of(CAU)) == 0


def test_many_members_grow_the_table():
    ledger = Ledger()
    base = 10**17
    for user in range(base, base + 1000):
        credit(ledger, user, (user - base) % 250 + 1)
    top = ledger.standings(GUILD, None).top(3)
    assert [s.seconds for s in top] == [250, 250, 250]
    assert top[0].user_id < top[1].user_id < top[2].user_id


def test_reading_a_server_never_creates_it():
    ledger = Ledger()
    assert ledger.member_stats(GUILD, ANA).seconds == 0
    assert ledger.seconds_by_day(GUILD, None, DayRange(DAY - 6, DAY)) == {}
    assert len(ledger.standings(GUILD, None)) == 0
    assert not ledger.guilds
