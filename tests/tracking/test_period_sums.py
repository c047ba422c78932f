"""The sums of a range of days a server keeps at hand, and the ranking's top without a sort."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tests.store_worker import credit
from tracking import ledger as ledger_module
from tracking.ledger import DayTable, GuildLedger, Ledger, Standings, Table
from tracking.periods import DayRange
from tracking.records import Adjust, Credit, Reset

GUILD = 111111111111111111
ANA, BIA, CAU = 300000000000000001, 300000000000000002, 300000000000000003
DAY = 740_000
WEEK = DayRange(DAY - 6, DAY)


def fresh_columns(guild: GuildLedger, days: DayRange) -> tuple[list[int], list[int]]:
    """The period's columns summed from the day tables, without any kept sums."""
    seconds = np.zeros(guild.members.size, dtype=np.int64)
    sessions = np.zeros(guild.members.size, dtype=np.int64)
    for day, table in guild.days.items():
        if day in days:
            rows = table.keys[: table.size]
            seconds[rows] += table.column(0)
            sessions[rows] += table.column(1)
    return seconds.tolist(), sessions.tolist()


def week_of(ledger: Ledger) -> tuple[list[int], list[int]]:
    seconds, sessions = ledger.guilds[GUILD].columns(WEEK)
    return seconds.tolist(), sessions.tolist()


def assert_exact(ledger: Ledger) -> None:
    assert week_of(ledger) == fresh_columns(ledger.guilds[GUILD], WEEK)


def warmed() -> Ledger:
    """A ledger whose week sums are kept (asked for once)."""
    ledger = Ledger()
    ledger.apply(credit(GUILD, ANA, 100, day=DAY - 2))
    ledger.apply(credit(GUILD, BIA, 40, day=DAY))
    assert week_of(ledger) == ([100, 40], [1, 1])
    assert WEEK in ledger.guilds[GUILD]._sums
    return ledger


def test_a_credit_to_today_is_in_the_kept_sums():
    ledger = warmed()
    ledger.apply(credit(GUILD, BIA, 5, day=DAY))
    assert week_of(ledger) == ([100, 45], [1, 2])
    assert_exact(ledger)


def test_a_late_credit_to_a_finished_day_is_in_the_kept_sums():
    ledger = warmed()
    ledger.apply(credit(GUILD, ANA, 7, day=DAY - 5))
    assert week_of(ledger) == ([107, 40], [2, 1])
    assert_exact(ledger)


def test_a_credit_for_a_new_member_and_a_new_day_is_in_the_kept_sums():
    ledger = warmed()
    ledger.apply(credit(GUILD, CAU, 9, day=DAY - 1))  # DAY - 1 had no table yet
    for number in range(40):  # grows the member table past the sums' arrays
        ledger.apply(credit(GUILD, 400000000000000000 + number, 1, day=DAY))
    seconds, sessions = week_of(ledger)
    assert seconds[:3] == [100, 40, 9] and sum(seconds) == 189 and sum(sessions) == 43
    assert_exact(ledger)


def test_a_credit_outside_the_range_leaves_the_kept_sums_alone():
    ledger = warmed()
    ledger.apply(credit(GUILD, ANA, 1000, day=DAY - 7))
    assert week_of(ledger) == ([100, 40], [1, 1])


def test_a_credit_split_across_midnight_counts_both_days():
    ledger = warmed()
    ledger.apply(
        Credit(g=GUILD, u=CAU, s=30, n=1, days=[(DAY - 7, 10), (DAY - 6, 20)], day=DAY - 7)
    )
    assert week_of(ledger) == ([100, 40, 20], [1, 1, 0])
    assert_exact(ledger)


@pytest.mark.parametrize("seconds", [25, -30, -1000])
def test_an_adjustment_is_in_the_kept_sums(seconds):
    ledger = warmed()
    ledger.apply(Adjust(g=GUILD, u=ANA, s=seconds, day=DAY))
    expected = {25: 125, -30: 70, -1000: 0}[seconds]
    assert week_of(ledger)[0] == [expected, 40]
    assert_exact(ledger)


def test_a_member_reset_is_in_the_kept_sums():
    ledger = warmed()
    ledger.apply(Reset(g=GUILD, u=ANA))
    assert week_of(ledger) == ([0, 40], [0, 1])
    assert_exact(ledger)


def test_a_server_reset_is_in_the_kept_sums():
    ledger = warmed()
    ledger.apply(Reset(g=GUILD))
    ledger.apply(credit(GUILD, CAU, 3, day=DAY))
    assert week_of(ledger) == ([3], [1])


def test_assigning_the_tables_drops_the_kept_sums():
    ledger = warmed()
    guild = ledger.guilds[GUILD]
    guild.members = Table.from_columns([ANA], [8], [1], [8], [0])
    guild.days = {DAY: DayTable.from_columns([0], [8], [1])}
    assert week_of(ledger) == ([8], [1])


def test_replacing_a_day_table_in_place_is_noticed():
    ledger = warmed()
    guild = ledger.guilds[GUILD]
    guild.days[DAY - 2] = DayTable.from_columns([1], [11], [1])
    assert week_of(ledger) == ([0, 51], [0, 2])


def test_a_ledger_built_from_tables_ranks_its_days():
    guild = GuildLedger.from_tables(
        Table.from_columns([ANA, BIA], [10, 20], [1, 1], [10, 20], [0, 0]),
        {DAY: DayTable.from_columns([0, 1], [10, 20], [1, 1])},
    )
    ledger = Ledger()
    ledger.guilds[GUILD] = guild
    assert [s.user_id for s in ledger.standings(GUILD, WEEK).top(10)] == [BIA, ANA]
    ledger.apply(credit(GUILD, ANA, 15, day=DAY))
    assert [s.user_id for s in ledger.standings(GUILD, WEEK).top(10)] == [ANA, BIA]


def test_only_a_few_ranges_are_kept():
    ledger = warmed()
    guild = ledger.guilds[GUILD]
    for first in range(ledger_module.PERIOD_SUMS_KEPT + 3):
        guild.columns(DayRange(DAY - first, DAY))
    assert len(guild._sums) == ledger_module.PERIOD_SUMS_KEPT


def test_random_writes_keep_every_kept_range_exact():
    rng = random.Random(7)
    ledger = Ledger()
    ranges = [WEEK, DayRange(DAY - 29, DAY), DayRange(DAY, DAY)]
    users = [300000000000000000 + n for n in range(30)]
    for step in range(600):
        day = DAY - rng.randint(0, 35)
        user = rng.choice(users)
        kind = rng.random()
        if kind < 0.85:
            ledger.apply(credit(GUILD, user, rng.randint(1, 500), day=day))
        elif kind < 0.97:
            ledger.apply(Adjust(g=GUILD, u=user, s=rng.choice([-400, -3, 9, 250]), day=day))
        else:
            ledger.apply(Reset(g=GUILD, u=user))
        guild = ledger.guilds[GUILD]
        days = ranges[step % len(ranges)]
        seconds, sessions = guild.columns(days)
        assert (seconds.tolist(), sessions.tolist()) == fresh_columns(guild, days)


def slow_top(ids, seconds, sessions, count):
    """The ranking's order, spelled out: positive seconds desc, then id asc."""
    columns = zip(ids.tolist(), seconds.tolist(), sessions.tolist(), strict=True)
    rows = sorted(((i, s, n) for i, s, n in columns if s > 0), key=lambda r: (-r[1], r[0]))
    return rows[:count]


@pytest.mark.parametrize("size", [0, 5, 4_000, 60_000])
@pytest.mark.parametrize("spread", [3, 1_000_000])
def test_top_matches_a_full_sort(size, spread):
    rng = np.random.default_rng(size + spread)
    ids = rng.permutation(np.arange(10**17, 10**17 + size, dtype=np.int64))
    seconds = rng.integers(-1, spread, size)  # few distinct values: many ties at the cut
    sessions = rng.integers(0, 9, size)
    standings = Standings(ids, seconds, sessions)
    assert len(standings) == int((seconds > 0).sum())
    for count in (1, 10, 57):
        top = [(s.user_id, s.seconds, s.sessions) for s in standings.top(count)]
        assert top == slow_top(ids, seconds, sessions, count)


def test_top_finds_the_leaders_when_they_share_one_block():
    size = 50_000
    seconds = np.zeros(size, dtype=np.int64)
    seconds[100:112] = np.arange(1, 13)  # all the leaders in the first block of members
    ids = np.arange(1, size + 1, dtype=np.int64)
    top = Standings(ids, seconds, np.zeros(size, dtype=np.int64)).top(10)
    assert [s.seconds for s in top] == list(range(12, 2, -1))
