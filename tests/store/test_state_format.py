"""The state file: version 2 packs its columns, version 1 states still load without loss."""

from __future__ import annotations

import base64
import json
import random
from datetime import date
from pathlib import Path

import pytest

from database_lock import CorruptFileError
from store import snapshot
from store.recovery import StorePaths
from store.snapshot import copy_ledger, decode_state, encode_state
from tests.helpers import open_store, packed, unpacked
from tracking.ledger import Ledger, OpenSession
from tracking.periods import DayRange
from tracking.records import Adjust, Credit, Reset

FIXTURES = Path(__file__).parent / "fixtures"
V1_STATE = FIXTURES / "state-v1.json"
"""Written by the version 1 encoder (the code before packed columns) for the ledger below."""

G1, G2 = 111111111111111111, 222222222222222222
ANA, BIA, CAU = 123456789012345678, 234567890123456789, 345678901234567890
DAY1, DAY2 = date(2026, 1, 1).toordinal(), date(2026, 1, 2).toordinal()
BOTH_DAYS = DayRange(DAY1, DAY2)


def assert_fixture_ledger(ledger) -> None:
    """The figures `state-v1.json` holds, every one of them."""
    assert ledger.seq == 5
    assert ledger.unattributed == {CAU: (500, 2)}
    assert ledger.open_sessions == {(G2, ANA): OpenSession("2026-01-02T10:00:00+00:00", 45)}
    ana, bia = ledger.member_stats(G1, ANA), ledger.member_stats(G1, BIA)
    assert (ana.seconds, ana.sessions, ana.longest, ana.adjusted) == (3600, 1, 3600, 0)
    assert (bia.seconds, bia.sessions, bia.longest, bia.adjusted) == (50, 1, 70, -20)
    cau = ledger.member_stats(G2, CAU)
    assert (cau.seconds, cau.adjusted) == (300, 300)
    assert ledger.seconds_by_day(G1, ANA, BOTH_DAYS) == {DAY1: 3000, DAY2: 600}
    assert ledger.seconds_by_day(G1, BIA, BOTH_DAYS) == {DAY2: 50}
    assert ledger.seconds_by_day(G2, None, BOTH_DAYS) == {DAY1: 300, DAY2: 45}
    assert [s.user_id for s in ledger.standings(G1, BOTH_DAYS).top(10)] == [ANA, BIA]


def test_a_version_1_state_loads_every_figure():
    ledger, exports = decode_state(V1_STATE.read_bytes())
    assert_fixture_ledger(ledger)
    assert exports == [(3, "ab" * 32), (5, "cd" * 32)]


def test_an_older_version_1_state_without_adjustments_or_export_seqs_loads():
    state = json.loads(V1_STATE.read_text())
    for guild in state["guilds"].values():
        del guild["adjusted"]
    state["exports"] = ["ef" * 32]
    ledger, exports = decode_state(json.dumps(state).encode())
    assert ledger.member_stats(G1, BIA).adjusted == 0
    assert ledger.member_stats(G1, BIA).seconds == 50
    assert exports == [(5, "ef" * 32)]


async def test_opening_a_version_1_state_upgrades_it_without_losing_anything(data_file):
    paths = StorePaths(data_file)
    paths.state.write_bytes(V1_STATE.read_bytes())
    store = await open_store(data_file)
    assert_fixture_ledger(store.ledger)
    await store.close()
    assert json.loads(paths.state.read_text())["version"] == 2
    store = await open_store(data_file)
    assert_fixture_ledger(store.ledger)
    await store.close()


def random_ledger(rng: random.Random) -> Ledger:
    ledger = Ledger()
    users = [rng.randrange(1, 2**63) for _ in range(rng.randint(0, 40))]
    seq = 0
    for _ in range(rng.randint(0, 120)):
        if not users:
            break
        seq += 1
        guild, user, day = rng.choice([G1, G2]), rng.choice(users), DAY1 + rng.randint(0, 5)
        kind = rng.random()
        if kind < 0.8:
            seconds = rng.choice([1, 59, 3600, 40_000, 10**9])
            record = Credit(
                g=guild, u=user, s=seconds, n=1, days=[(day, seconds)], day=day, long=seconds
            )
        elif kind < 0.95:
            record = Adjust(g=guild, u=user, s=rng.choice([-(10**6), -5, 7, 10**8]), day=day)
        else:
            record = Reset(g=guild, u=user)
        ledger.apply(record)
    ledger.seq = seq
    return ledger


@pytest.mark.parametrize("chunk", [3, 9, snapshot.PACK_CHUNK])
def test_a_version_2_state_gives_back_the_same_ledger(monkeypatch, chunk):
    monkeypatch.setattr(snapshot, "PACK_CHUNK", chunk)
    rng = random.Random(chunk)
    for _ in range(60):
        ledger = random_ledger(rng)
        raw = b"".join(encode_state(copy_ledger(ledger)))
        assert json.loads(raw)["version"] == 2
        back, _ = decode_state(raw)
        assert back.seq == ledger.seq
        assert back.guilds.keys() == ledger.guilds.keys()
        for guild_id, guild in ledger.guilds.items():
            keys, values = guild.members.snapshot()
            back_keys, back_values = back.guilds[guild_id].members.snapshot()
            assert back_keys.tolist() == keys.tolist()
            assert back_values.tolist() == values.tolist()
            days = {d: t.snapshot() for d, t in guild.days.items() if t.size}
            back_days = {d: t.snapshot() for d, t in back.guilds[guild_id].days.items()}
            assert back_days.keys() == days.keys()
            for day, (rows, day_values) in days.items():
                assert back_days[day][0].tolist() == rows.tolist()
                assert back_days[day][1].tolist() == day_values.tolist()
            assert back.guilds[guild_id].members.index == guild.members.index


def break_packed_state(state: dict, how: str) -> None:
    guild = state["guilds"][str(G1)]
    day = guild["days"]["2026-01-02"]
    if how == "negative seconds":
        guild["seconds"] = packed([-1, *unpacked(guild["seconds"])[1:]])
    elif how == "a zero member id":
        guild["users"] = packed([0, *unpacked(guild["users"])[1:]])
    elif how == "text that is not base64":
        guild["users"][1] = "ana"
    elif how == "bytes that are not whole values":
        guild["users"][1] = base64.b64encode(b"\1\2\3").decode()
    elif how == "an unknown width":
        guild["users"][0] = "<i3"
    elif how == "columns of different lengths":
        guild["sessions"] = packed([*unpacked(guild["sessions"]), 1])
    elif how == "day naming a missing member":
        day["rows"] = packed([7, *unpacked(day["rows"])[1:]])
    elif how == "member listed twice":
        for name in ("users", "seconds", "sessions", "longest", "adjusted"):
            values = unpacked(guild[name])
            guild[name] = packed([*values, values[0]])
    elif how == "a day listing a member twice":
        for name in ("rows", "seconds", "sessions"):
            values = unpacked(day[name])
            day[name] = packed([*values, values[0]])
    elif how == "a bare export digest":
        state["exports"] = ["ab" * 32]


BROKEN = [
    "negative seconds",
    "a zero member id",
    "text that is not base64",
    "bytes that are not whole values",
    "an unknown width",
    "columns of different lengths",
    "day naming a missing member",
    "member listed twice",
    "a day listing a member twice",
    "a bare export digest",
]


@pytest.mark.parametrize("how", BROKEN)
def test_a_version_2_state_with_invalid_content_is_refused(how):
    ledger, _ = decode_state(V1_STATE.read_bytes())
    state = json.loads(b"".join(encode_state(copy_ledger(ledger))))
    decode_state(json.dumps(state).encode())  # intact, it loads
    break_packed_state(state, how)
    with pytest.raises(CorruptFileError):
        decode_state(json.dumps(state).encode())


def test_each_column_takes_the_narrowest_width_that_holds_it():
    ledger, _ = decode_state(V1_STATE.read_bytes())
    state = json.loads(b"".join(encode_state(copy_ledger(ledger))))
    guild = state["guilds"][str(G1)]
    widths = {name: guild[name][0] for name in ("users", "seconds", "sessions", "adjusted")}
    assert widths == {"users": "<i8", "seconds": "<i2", "sessions": "<i1", "adjusted": "<i1"}
