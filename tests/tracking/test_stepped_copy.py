"""A copy of a server's tables taken in steps is the state at its start, whatever is written."""

from __future__ import annotations

import random

import pytest

from tests.store_worker import credit
from tracking import ledger as ledger_module
from tracking.ledger import DayTable, Ledger, Table
from tracking.records import Adjust, AttributeLegacy, Credit, Reset

GUILD = 111111111111111111
DAY = 740_000
USERS = [300000000000000000 + n for n in range(60)]


def tables(guild) -> tuple:
    """Plain-list picture of a server's used rows."""
    keys, values = guild.members.snapshot()
    days = {d: tuple(a.tolist() for a in t.snapshot()) for d, t in guild.days.items() if t.size}
    return keys.tolist(), values.tolist(), days


def picture(result) -> tuple:
    keys, values, days = result
    return (
        keys.tolist(),
        values.tolist(),
        {d: (r.tolist(), v.tolist()) for d, (r, v) in days.items()},
    )


def random_change(rng: random.Random):
    user, day = rng.choice(USERS), DAY - rng.randint(0, 6)
    kind = rng.random()
    if kind < 0.7:
        return credit(GUILD, user, rng.randint(1, 900), day=day)
    if kind < 0.8:
        return Credit(g=GUILD, u=user, s=50, n=1, days=[(day - 1, 20), (day, 30)], day=day, long=50)
    if kind < 0.92:
        return Adjust(g=GUILD, u=user, s=rng.choice([-700, -2, 5, 400]), day=day)
    if kind < 0.98:
        return Reset(g=GUILD, u=user)
    return AttributeLegacy(g=GUILD)


@pytest.mark.parametrize("seed", range(6))
def test_writes_during_the_copy_never_reach_it(monkeypatch, seed):
    monkeypatch.setattr(ledger_module, "COPY_STEP_ROWS", 3)
    rng = random.Random(seed)
    ledger = Ledger()
    for _ in range(150):
        ledger.apply(random_change(rng))
    ledger.unattributed = {USERS[0]: (5, 1)}
    guild = ledger.guilds[GUILD]
    before = tables(guild)
    copy = guild.start_copy()
    for _ in range(120):  # new members, new days, every writer, between the steps
        ledger.apply(random_change(rng))
        if rng.random() < 0.5:
            copy.step()
    assert picture(copy.result()) == before
    assert guild._copy is None  # the writers stopped keeping old values


def test_tables_assigned_during_the_copy_leave_it_as_it_started(monkeypatch):
    monkeypatch.setattr(ledger_module, "COPY_STEP_ROWS", 1)
    ledger = Ledger()
    for user in USERS[:5]:
        ledger.apply(credit(GUILD, user, 10, day=DAY))
    guild = ledger.guilds[GUILD]
    before = tables(guild)
    copy = guild.start_copy()
    copy.step()
    guild.members = Table.from_columns(USERS[:1], [99], [1], [99], [0])
    guild.days = {DAY: DayTable.from_columns([0], [99], [1])}
    ledger.apply(credit(GUILD, USERS[0], 7, day=DAY))
    assert picture(copy.result()) == before


def test_an_abandoned_copy_stops_costing_the_writers():
    ledger = Ledger()
    ledger.apply(credit(GUILD, USERS[0], 10, day=DAY))
    guild = ledger.guilds[GUILD]
    copy = guild.start_copy()
    copy.abandon()
    ledger.apply(credit(GUILD, USERS[0], 10, day=DAY))
    assert guild._copy is None and not copy._saved
