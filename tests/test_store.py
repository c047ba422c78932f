"""The store: the DATA_FILE format, original-format files, recovery, modes, a failing disk."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import stat
import threading

import portalocker
import pytest

import database
import database_lock
from bot import create_bot
from database import RankingStore, Store, StoreClosedError, StorePaths
from database_lock import FILE_MODE
from store import journal as journal_module
from store import snapshot
from store.audit import AuditEntry, AuditLog, AuditPage
from store.journal import read_journal
from store.snapshot import copy_ledger, encode_export
from tests.failing_disk import FailingOs
from tests.helpers import errors, open_store, packed, stop_bot, unpacked
from tests.store_worker import credit
from tracking import ledger as ledger_module
from tracking.ledger import GuildLedger, Ledger
from tracking.records import AttributeLegacy

G1, G2 = 111111111111111111, 222222222222222222
ANA, BIA = 123456789012345678, 234567890123456789
LEGACY = {str(ANA): {"total_seconds": 3665, "sessions": 5}, str(BIA): {"total_seconds": 59}}


def crash(store: Store) -> None:
    """What kill -9 leaves behind: no final snapshot, no more writes, the lock gone."""
    if store._snapshot_task is not None:
        store._snapshot_task.cancel()
    store.journal.close()
    store._lock.release()


def seconds(store: Store, guild_id: int, user_id: int) -> int:
    return store.member_stats(guild_id, user_id).seconds


def exported(data_file) -> dict:
    return json.loads(data_file.read_text(encoding="utf-8"))


def kept_aside(data_file) -> list:
    return sorted(data_file.parent.glob(f"{data_file.stem}*.corrupt-*"))


async def history(data_file) -> None:
    """Two snapshots and a journal tail, then a crash.

    state.bak: ana 100 (seq 1); state and DATA_FILE: ana 120 (seq 2);
    journal: seq 2 and 3 (bia 3). The right totals are ana 120, bia 3.
    """
    store = await open_store(data_file)
    await store.commit([credit(G1, ANA, 100)])
    assert await store.snapshot()
    await store.commit([credit(G1, ANA, 20)])
    assert await store.snapshot()
    await store.commit([credit(G1, BIA, 3)])
    crash(store)


async def assert_history_recovered(data_file) -> Store:
    store = await open_store(data_file)
    assert (seconds(store, G1, ANA), seconds(store, G1, BIA)) == (120, 3)
    return store


# -------------------------------------------------------------- the interface


def test_the_json_store_offers_everything_the_interface_names():
    names = {name for name in dir(RankingStore) if not name.startswith("_")}
    assert names == {
        "audit_append",
        "audit_forget_names",
        "audit_latest",
        "audit_member",
        "close",
        "commit",
        "has_unattributed",
        "health",
        "member_days",
        "member_settings",
        "member_stats",
        "members_with_settings",
        "open_session",
        "open_sessions",
        "save_member_settings",
        "save_server_settings",
        "seconds_by_day",
        "server_settings",
        "servers_with_settings",
        "standings",
        "streaks",
        "unattributed_count",
    }
    assert names <= set(dir(Store))


async def test_reads_of_an_unknown_server_find_nothing_and_create_nothing(data_file):
    store = await open_store(data_file)
    assert store.member_stats(G1, ANA).seconds == 0
    assert store.open_session(G1, ANA) is None and store.open_sessions() == {}
    assert len(store.standings(G1, None)) == 0
    assert not store.ledger.guilds
    await store.close()


# ----------------------------------------------------------------- the format


def random_ledger(rng: random.Random) -> tuple[Ledger, dict]:
    """A ledger of random figures, and the DATA_FILE content the SPEC asks for it."""
    ledger = Ledger()
    guilds = [rng.randrange(10**16, 2**63) for _ in range(rng.randint(0, 4))]
    users = [rng.randrange(10**16, 2**63) for _ in range(rng.randint(0, 12))]
    for guild_id in guilds:
        for user_id in rng.sample(users, rng.randint(0, len(users))):
            figures = rng.choice([(0, 0), (0, 1), (rng.randint(1, 10**9), rng.randint(0, 10**4))])
            guild = ledger.guilds.setdefault(guild_id, GuildLedger())
            guild.credit(user_id, *figures, (), 0, None)
            if rng.random() < 0.1:
                guild.reset_member(user_id)
    for user_id in rng.sample(users, rng.randint(0, len(users))):
        ledger.unattributed[user_id] = (rng.randint(1, 10**6), rng.randint(0, 50))
    data = {}
    for user_id in sorted(set(users)):
        per_guild = {}
        for guild_id in sorted(set(guilds)):
            stats = ledger.member_stats(guild_id, user_id)
            if stats.seconds or stats.sessions:
                per_guild[str(guild_id)] = {
                    "total_seconds": stats.seconds,
                    "sessions": stats.sessions,
                }
        extra = ledger.unattributed.get(user_id)
        if not per_guild and extra is None:
            continue
        extra = extra or (0, 0)
        data[str(user_id)] = {
            "total_seconds": sum(g["total_seconds"] for g in per_guild.values()) + extra[0],
            "sessions": sum(g["sessions"] for g in per_guild.values()) + extra[1],
            "guilds": per_guild,
        }
    return ledger, data


@pytest.mark.parametrize("chunk", [1, 3, snapshot.EXPORT_CHUNK])
def test_the_export_is_what_json_dumps_writes_for_the_same_data(monkeypatch, chunk):
    monkeypatch.setattr(snapshot, "EXPORT_CHUNK", chunk)
    rng = random.Random(chunk)
    for _ in range(150):
        ledger, data = random_ledger(rng)
        text = b"".join(encode_export(copy_ledger(ledger))).decode("utf-8")
        assert text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"


async def test_the_data_file_has_the_documented_layout(data_file):
    store = await open_store(data_file)
    sessions = [credit(G1, ANA, 1200)] * 3 + [credit(G1, ANA, 30), credit(G1, ANA, 35)]
    store.commit([*sessions, credit(G2, BIA, 7)])
    await store.close()
    raw = data_file.read_bytes()
    data = json.loads(raw.decode("utf-8"))
    assert raw == (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    assert data == {
        str(ANA): {
            "total_seconds": 3665,
            "sessions": 5,
            "guilds": {str(G1): {"total_seconds": 3665, "sessions": 5}},
        },
        str(BIA): {
            "total_seconds": 7,
            "sessions": 1,
            "guilds": {str(G2): {"total_seconds": 7, "sessions": 1}},
        },
    }


# ------------------------------------------------------ the original format


async def test_an_original_format_file_loads_every_second_as_unattributed(data_file):
    data_file.write_text(json.dumps(LEGACY, indent=2))
    store = await open_store(data_file)
    assert store.ledger.unattributed == {ANA: (3665, 5), BIA: (59, 0)}
    assert store.has_unattributed
    await store.close()


async def test_decimal_figures_of_a_hand_edited_file_load_without_their_fraction(data_file):
    data_file.write_text(json.dumps({str(ANA): {"total_seconds": 3665.9, "sessions": 5.0}}))
    store = await open_store(data_file)
    assert store.ledger.unattributed == {ANA: (3665, 5)}
    await store.close()


async def test_unattributed_totals_stay_at_the_top_level_of_the_data_file(data_file):
    data_file.write_text(json.dumps(LEGACY, indent=2))
    store = await open_store(data_file)
    store.commit([credit(G1, ANA, 10)])
    await store.close()
    assert exported(data_file)[str(ANA)] == {
        "total_seconds": 3675,
        "sessions": 6,
        "guilds": {str(G1): {"total_seconds": 10, "sessions": 1}},
    }
    assert exported(data_file)[str(BIA)] == {"total_seconds": 59, "sessions": 0, "guilds": {}}


async def test_original_totals_tied_to_a_server_show_under_it(data_file):
    data_file.write_text(json.dumps(LEGACY, indent=2))
    store = await open_store(data_file)
    store.commit([AttributeLegacy(g=G1)])
    await store.close()
    assert exported(data_file)[str(ANA)] == {
        "total_seconds": 3665,
        "sessions": 5,
        "guilds": {str(G1): {"total_seconds": 3665, "sessions": 5}},
    }
    store = await open_store(data_file)
    assert not store.has_unattributed
    assert seconds(store, G1, ANA) == 3665
    await store.close()


async def test_an_original_format_file_survives_a_crash_right_after_start(data_file):
    data_file.write_text(json.dumps(LEGACY, indent=2))
    store = await open_store(data_file)
    await store.commit([credit(G1, ANA, 10)])
    crash(store)
    store = await open_store(data_file)
    assert store.ledger.unattributed[ANA] == (3665, 5)
    assert seconds(store, G1, ANA) == 10
    await store.close()


async def test_the_bot_in_one_server_ranks_a_member_from_an_original_format_file(
    simcord_env, data_file
):
    env = simcord_env
    guild = env.create_guild("Estudos")
    channel = guild.create_text_channel("geral")
    ana = guild.add_member(env.create_user("ana"))
    await stop_bot(env)
    for path in data_file.parent.iterdir():
        path.unlink()
    data_file.write_text(json.dumps({str(ana.id): {"total_seconds": 3665, "sessions": 5}}))
    await env.restart_bot(create_bot())

    await ana.send(channel, "!rankingvideo")
    embed = channel.last_message.embeds[0]
    text = json.dumps(embed.to_dict(), ensure_ascii=False)
    assert "ana" in text and "1h 1min 5s" in text
    await stop_bot(env)
    assert exported(data_file)[str(ana.id)]["guilds"] == {
        str(guild.id): {"total_seconds": 3665, "sessions": 5}
    }


async def test_legacy_guild_id_ties_original_totals_to_that_server(
    simcord_env, data_file, monkeypatch
):
    env = simcord_env
    other = env.create_guild("Outro")
    guild = env.create_guild("Estudos")
    ana_user = env.create_user("ana")
    other.add_member(ana_user)
    ana = guild.add_member(ana_user)
    await stop_bot(env)
    for path in data_file.parent.iterdir():
        path.unlink()
    data_file.write_text(json.dumps({str(ana.id): {"total_seconds": 3665, "sessions": 5}}))
    monkeypatch.setenv("LEGACY_GUILD_ID", str(guild.id))
    await env.restart_bot(create_bot())
    await stop_bot(env)
    assert exported(data_file)[str(ana.id)] == {
        "total_seconds": 3665,
        "sessions": 5,
        "guilds": {str(guild.id): {"total_seconds": 3665, "sessions": 5}},
    }


async def test_a_data_file_edited_outside_the_bot_is_adopted(data_file, caplog):
    await history(data_file)
    edited = exported(data_file)
    edited[str(ANA)] = {"total_seconds": 500, "sessions": 9, "guilds": {}}
    data_file.write_text(json.dumps(edited, indent=2))
    with caplog.at_level(logging.WARNING, logger="database"):
        store = await open_store(data_file)
    assert seconds(store, G1, ANA) == 0
    assert store.ledger.unattributed[ANA] == (500, 9)
    assert seconds(store, G1, BIA) == 3  # newer than the snapshot the file came from
    assert any("alterado fora do bot" in r.getMessage() for r in caplog.records)
    await store.commit([credit(G1, ANA, 1)])
    crash(store)
    store = await open_store(data_file)
    assert (store.ledger.unattributed[ANA], seconds(store, G1, ANA)) == ((500, 9), 1)
    await store.close()


# ------------------------------------------------------------- file modes


async def test_every_file_the_store_writes_is_private(data_file):
    data_file.write_text(json.dumps(LEGACY))
    os.chmod(data_file, 0o644)
    paths = StorePaths(data_file)
    paths.state.write_text("{not json")
    os.chmod(paths.state, 0o644)
    store = await open_store(data_file)
    await store.commit([credit(G1, ANA, 5)])
    assert await store.snapshot()
    await store.close()
    names = {p.name for p in data_file.parent.iterdir()}
    expected = {
        "video_ranking.json",
        "video_ranking.bak.json",
        "video_ranking.state.json",
        "video_ranking.state.bak.json",
        "video_ranking.journal.jsonl",
        "video_ranking.lock",
    }
    assert expected <= names and len(kept_aside(data_file)) == 1
    for path in data_file.parent.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == FILE_MODE, path.name


async def test_the_lock_is_a_separate_file_that_is_never_replaced(data_file):
    lock = StorePaths(data_file).lock
    store = await open_store(data_file)
    inode = lock.stat().st_ino
    for number in range(3):
        await store.commit([credit(G1, ANA, number + 1)])
        assert await store.snapshot()
    await store.close()
    store = await open_store(data_file)
    assert lock.stat().st_ino == inode
    await store.close()


@pytest.fixture
def lock_calls(monkeypatch):
    """Every portalocker acquire/release, with whether an event loop ran in that thread."""
    calls: list[tuple[str, bool]] = []

    def loop_running() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    for name in ("acquire", "release"):
        real = getattr(portalocker.Lock, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):
            calls.append((_name, loop_running()))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(portalocker.Lock, name, spy)
    return calls


async def test_portalocker_is_never_called_on_the_event_loop(lock_calls, simcord_env, data_file):
    await stop_bot(simcord_env)
    assert [name for name, _ in lock_calls] == ["acquire", "release"]
    assert not any(on_loop for _, on_loop in lock_calls)


# ------------------------------------------------- damaged files, recovery


async def test_a_corrupt_state_is_kept_aside_and_recovered_from_its_backup(data_file, caplog):
    await history(data_file)
    state = StorePaths(data_file).state
    state.write_bytes(b'{"version": 1, "seq": 2, "gui')
    caplog.set_level(logging.ERROR)
    store = await assert_history_recovered(data_file)
    await store.close()
    (kept,) = kept_aside(data_file)
    assert kept.name.startswith("video_ranking.state.corrupt-")
    assert kept.read_bytes() == b'{"version": 1, "seq": 2, "gui'
    assert len(errors(caplog)) == 1 and str(kept) in errors(caplog)[0]


async def test_a_corrupt_data_file_is_kept_aside_and_rewritten_from_the_state(data_file, caplog):
    await history(data_file)
    data_file.write_bytes(b"\xff\xfe not utf-8")
    caplog.set_level(logging.ERROR)
    store = await assert_history_recovered(data_file)
    assert exported(data_file)[str(ANA)]["total_seconds"] == 120
    assert exported(data_file)[str(BIA)]["total_seconds"] == 3
    await store.close()
    (kept,) = kept_aside(data_file)
    assert kept.read_bytes() == b"\xff\xfe not utf-8"
    assert len(errors(caplog)) == 1


async def test_with_both_state_files_bad_the_data_file_is_adopted(data_file, caplog):
    await history(data_file)
    paths = StorePaths(data_file)
    paths.state.write_bytes(b"")
    StorePaths.backup(paths.state).write_bytes(b"[]")
    caplog.set_level(logging.ERROR)
    store = await assert_history_recovered(data_file)
    await store.close()
    assert len(kept_aside(data_file)) == 2
    assert len(errors(caplog)) == 2


async def test_with_every_newer_file_bad_the_oldest_good_copy_and_the_journal_suffice(
    data_file, caplog
):
    await history(data_file)
    paths = StorePaths(data_file)
    for path in (paths.state, StorePaths.backup(paths.state), paths.data):
        path.write_bytes(b"\x00" * 10)
    caplog.set_level(logging.ERROR)
    store = await assert_history_recovered(data_file)
    await store.close()
    assert len(kept_aside(data_file)) == 3


INVALID_DATA = {
    "negative seconds": json.dumps({str(ANA): {"total_seconds": -5, "sessions": 1}}),
    "name as key": json.dumps({"ana": {"total_seconds": 5, "sessions": 1}}),
    "short id as key": json.dumps({"12345": {"total_seconds": 5, "sessions": 1}}),
    "id too large": json.dumps({"99999999999999999999": {"total_seconds": 5}}),
    "seconds as text": json.dumps({str(ANA): {"total_seconds": "5", "sessions": 1}}),
    "not a number": '{"' + str(ANA) + '": {"total_seconds": NaN, "sessions": 1}}',
    "infinity": '{"' + str(ANA) + '": {"total_seconds": Infinity, "sessions": 1}}',
    "1e309": '{"' + str(ANA) + '": {"total_seconds": 1e309, "sessions": 1}}',
    "huge int": json.dumps({str(ANA): {"total_seconds": 10**30}}),
    "bool as sessions": json.dumps({str(ANA): {"total_seconds": 5, "sessions": True}}),
    "negative server seconds": json.dumps(
        {str(ANA): {"total_seconds": 5, "guilds": {str(G1): {"total_seconds": -5}}}}
    ),
    "a list": "[1, 2, 3]",
    "bad server key": json.dumps({str(ANA): {"total_seconds": 5, "guilds": {"x": {}}}}),
}


@pytest.mark.parametrize("content", INVALID_DATA.values(), ids=INVALID_DATA.keys())
async def test_a_data_file_with_invalid_content_is_kept_aside_not_reset(data_file, caplog, content):
    await history(data_file)
    paths = StorePaths(data_file)
    paths.state.unlink()
    StorePaths.backup(paths.state).unlink()
    data_file.write_text(content)
    caplog.set_level(logging.ERROR)
    store = await assert_history_recovered(data_file)  # from the .bak and the journal
    await store.close()
    (kept,) = kept_aside(data_file)
    assert kept.read_text() == content
    assert len(errors(caplog)) == 1


def break_state(state: dict, how: str) -> None:
    guild = state["guilds"][str(G1)]
    if how == "negative seconds":
        guild["seconds"] = packed([-1, *unpacked(guild["seconds"])[1:]])
    elif how == "name as user id":
        guild["users"] = ["<i8", "ana"]
    elif how == "columns of different lengths":
        guild["sessions"] = packed([*unpacked(guild["sessions"]), 1])
    elif how == "unknown version":
        state["version"] = 99
    elif how == "day naming a missing member":
        day = next(iter(guild["days"].values()))
        day["rows"] = packed([7, *unpacked(day["rows"])[1:]])
    elif how == "member listed twice":
        for column in ("users", "seconds", "sessions", "longest", "adjusted"):
            values = unpacked(guild[column])
            guild[column] = packed([*values, values[0]])


@pytest.mark.parametrize(
    "how",
    [
        "negative seconds",
        "name as user id",
        "columns of different lengths",
        "unknown version",
        "day naming a missing member",
        "member listed twice",
    ],
)
async def test_a_state_with_invalid_content_is_kept_aside_not_reset(data_file, caplog, how):
    await history(data_file)
    state_file = StorePaths(data_file).state
    state = json.loads(state_file.read_text())
    break_state(state, how)
    state_file.write_text(json.dumps(state))
    caplog.set_level(logging.ERROR)
    store = await assert_history_recovered(data_file)
    await store.close()
    (kept,) = kept_aside(data_file)
    assert json.loads(kept.read_text()) == state
    assert len(errors(caplog)) == 1


async def test_an_unreadable_file_with_no_good_copy_is_kept_and_reported(data_file, caplog):
    data_file.write_bytes(b"{ broken")
    caplog.set_level(logging.ERROR)
    store = await open_store(data_file)
    store.commit([credit(G1, ANA, 1)])
    await store.close()
    (kept,) = kept_aside(data_file)
    assert kept.read_bytes() == b"{ broken"
    assert "não pôde ser usado" in errors(caplog)[0]


# ------------------------------------------------------ journal and replay


async def test_a_record_counts_once_however_often_the_store_restarts(data_file):
    store = await open_store(data_file)
    await store.commit([credit(G1, ANA, 7), credit(G1, ANA, 8)])
    crash(store)
    for _ in range(3):
        store = await open_store(data_file)
        assert seconds(store, G1, ANA) == 15
        crash(store)
    store = await open_store(data_file)
    await store.close()
    store = await open_store(data_file)
    assert seconds(store, G1, ANA) == 15
    await store.close()


async def test_journal_records_already_in_the_state_are_not_applied_again(data_file):
    store = await open_store(data_file)
    await store.commit([credit(G1, ANA, 7)])
    assert await store.snapshot()
    crash(store)
    assert [r.seq for r in read_journal(StorePaths(data_file).journal).records[1:]] == [1]
    store = await open_store(data_file)
    assert seconds(store, G1, ANA) == 7
    await store.close()


async def test_the_store_opens_after_a_torn_journal_tail(data_file, caplog):
    store = await open_store(data_file)
    await store.commit([credit(G1, ANA, 7)])
    crash(store)
    with StorePaths(data_file).journal.open("ab") as journal:
        journal.write(b'{"seq":2,"op":"credit","g":1')
    caplog.set_level(logging.WARNING)
    store = await open_store(data_file)
    assert seconds(store, G1, ANA) == 7
    await store.commit([credit(G1, ANA, 1)])
    crash(store)
    store = await open_store(data_file)
    assert seconds(store, G1, ANA) == 8
    await store.close()
    assert any("linha incompleta" in r.getMessage() for r in caplog.records)
    assert not errors(caplog)


async def test_the_backup_and_the_journal_stay_complete_after_a_restart(data_file):
    store = await open_store(data_file)
    await store.commit([credit(G1, ANA, 100)])
    assert await store.snapshot()
    await store.commit([credit(G1, ANA, 20)])
    crash(store)
    store = await open_store(data_file)  # replays the 20
    await store.commit([credit(G1, ANA, 3)])
    assert await store.snapshot()
    crash(store)
    StorePaths(data_file).state.write_text("{}")
    store = await open_store(data_file)  # only the .bak state and the journal are left
    assert seconds(store, G1, ANA) == 123
    await store.close()


# ------------------------------------------------------------ failing disk


@pytest.fixture
def disk(monkeypatch):
    """A disk that can fill up under the journal and the snapshot writer."""
    failing = FailingOs()
    monkeypatch.setattr(journal_module, "os", failing)
    monkeypatch.setattr(database_lock, "os", failing)
    monkeypatch.setattr(journal_module, "RETRY_FIRST_SECONDS", 0.01)
    monkeypatch.setattr(journal_module, "RETRY_MAX_SECONDS", 0.02)
    monkeypatch.setattr(database, "SNAPSHOT_MIN_SECONDS", 0.01)
    return failing


async def wait_for(condition, seconds: float = 3.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


def total_on_disk(data_file) -> int | None:
    try:
        return exported(data_file)[str(ANA)]["total_seconds"]
    except (FileNotFoundError, KeyError, ValueError):
        return None


async def test_a_full_disk_keeps_changes_in_memory_and_saves_them_once_it_frees_up(
    data_file, disk, caplog
):
    store = await open_store(data_file)
    await store.commit([credit(G1, ANA, 10)])
    await wait_for(lambda: total_on_disk(data_file) == 10)
    caplog.set_level(logging.WARNING)
    disk.full = True
    durable = store.commit([credit(G1, ANA, 30)])

    def error_loggers() -> list[str]:
        return sorted(r.name for r in caplog.records if r.levelno == logging.ERROR)

    # The snapshot writer waits 10x the cost of its last snapshot (fsync-bound, noisy).
    await wait_for(lambda: disk.refused >= 6 and len(error_loggers()) >= 2)
    assert not durable.done()
    assert seconds(store, G1, ANA) == 40
    assert total_on_disk(data_file) == 10
    await asyncio.sleep(0.1)  # both writers kept trying...
    assert error_loggers() == ["database", "store.journal"]  # ...and each said so once

    disk.full = False
    await asyncio.wait_for(durable, 2)
    await wait_for(lambda: total_on_disk(data_file) == 40)
    # The writer thread replaces the file before the event loop logs the recovery.
    await wait_for(lambda: any("voltaram a funcionar" in r.getMessage() for r in caplog.records))
    assert any("voltou a aceitar gravações" in r.getMessage() for r in caplog.records)
    await store.close()
    store = await open_store(data_file)
    assert seconds(store, G1, ANA) == 40
    await store.close()


async def test_closing_on_a_full_disk_returns_and_says_what_was_lost(data_file, disk, caplog):
    store = await open_store(data_file)
    disk.full = True
    durable = store.commit([credit(G1, ANA, 30)])
    await asyncio.sleep(0.05)
    caplog.set_level(logging.ERROR)
    await asyncio.wait_for(store.close(), 5)
    with pytest.raises(OSError):
        await durable
    assert any("não gravadas antes de fechar" in m for m in errors(caplog))
    disk.full = False
    store = await open_store(data_file)  # the lock was released all the same
    await store.close()


async def test_a_journal_file_that_refuses_writes_is_covered_by_the_final_snapshot(
    data_file, monkeypatch
):
    store = await open_store(data_file)
    failing = FailingOs()
    real_write, real_fsync = failing.write, failing.fsync

    def write(fd: int, data) -> int:  # only the journal file itself refuses
        return real_write(fd, data) if fd == store.journal._fd else os.write(fd, data)

    def fsync(fd: int) -> None:
        return real_fsync(fd) if fd == store.journal._fd else os.fsync(fd)

    failing.write, failing.fsync = write, fsync
    monkeypatch.setattr(journal_module, "os", failing)
    monkeypatch.setattr(journal_module, "RETRY_FIRST_SECONDS", 0.01)
    failing.full = True
    durable = store.commit([credit(G1, ANA, 30)])
    await asyncio.sleep(0.05)
    assert failing.refused and not durable.done()
    await asyncio.wait_for(store.close(), 5)
    await durable  # saved by the snapshot instead
    failing.full = False
    store = await open_store(data_file)
    assert seconds(store, G1, ANA) == 30
    await store.close()


# ----------------------------------------------------------------- closing


async def test_changes_after_close_are_refused_loudly(data_file, caplog):
    store = await open_store(data_file)
    await store.close()
    caplog.set_level(logging.ERROR)
    refused = store.commit([credit(G1, ANA, 30)])
    with pytest.raises(StoreClosedError):
        await refused
    assert any("depois que" in m and "foi fechado" in m for m in errors(caplog))


async def test_close_never_writes_a_snapshot_over_one_in_progress(data_file, monkeypatch):
    writing, release = threading.Event(), threading.Event()
    active, most = [0], [0]
    real_encode_state = database.encode_state

    def slow_encode_state(copy):
        active[0] += 1
        most[0] = max(most[0], active[0])
        writing.set()
        release.wait(5)
        yield from real_encode_state(copy)
        active[0] -= 1

    monkeypatch.setattr(database, "encode_state", slow_encode_state)
    monkeypatch.setattr(database, "SNAPSHOT_MIN_SECONDS", 0.0)
    store = await open_store(data_file)
    store.commit([credit(G1, ANA, 30)])
    await asyncio.to_thread(writing.wait, 5)
    store.commit([credit(G1, ANA, 5)])  # the final snapshot has something to write
    closing = asyncio.ensure_future(store.close())
    await asyncio.sleep(0.1)
    release.set()
    await asyncio.wait_for(closing, 5)
    assert most[0] == 1
    store = await open_store(data_file)
    assert seconds(store, G1, ANA) == 35
    await store.close()


def _files(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


async def test_release_lets_go_of_the_files_without_writing_them(data_file):
    store = Store.open(data_file)
    await store.commit([credit(G1, ANA, 30)])
    assert await store.snapshot()
    await store.commit([credit(G1, ANA, 12)])
    crash(store)
    before = _files(data_file.parent)

    store = Store.open(data_file)  # replays the journal's last record
    assert store.member_stats(G1, ANA).seconds == 42
    store.release()

    assert _files(data_file.parent) == before
    again = Store.open(data_file)  # the lock is free, and the journal still holds the record
    assert again.member_stats(G1, ANA).seconds == 42
    await again.close()


async def test_release_after_a_commit_is_refused(data_file):
    store = Store.open(data_file)
    await store.commit([credit(G1, ANA, 30)])

    with pytest.raises(RuntimeError):
        store.release()
    await store.close()
    again = Store.open(data_file)
    assert again.member_stats(G1, ANA).seconds == 30
    await again.close()


def test_the_whole_audit_log_reads_in_order_counting_unreadable_lines(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    assert log.read_all() == AuditPage([])
    first = AuditEntry("2026-01-01T00:00:00+00:00", G1, ANA, "ana", "reset", user_id=BIA)
    second = AuditEntry("2026-01-02T00:00:00+00:00", G2, ANA, "ana", "reset")
    log.append(first)
    with log.path.open("ab") as handle:
        handle.write(b'{"at": "yesterday"}\n\n{torn')
    log.append(second)

    assert log.read_all() == AuditPage([first, second], unreadable=2)


async def test_changes_committed_while_a_snapshot_copies_the_ledger_stay_out_of_it(
    data_file, monkeypatch
):
    monkeypatch.setattr(ledger_module, "COPY_STEP_ROWS", 1)  # one row per turn of the loop
    store = await open_store(data_file)
    await store.commit([credit(G1, ANA, 10), credit(G1, BIA, 20)])
    taking = asyncio.ensure_future(store.snapshot())
    await asyncio.sleep(0)  # the copy has begun: two member rows and two day rows to go
    assert not taking.done()
    later = [store.commit([credit(G1, ANA, 1), credit(G1, BIA, 1)])]
    for _ in range(3):
        await asyncio.sleep(0)
        later.append(store.commit([credit(G1, ANA, 1)]))
    assert await taking
    await asyncio.gather(*later)
    state = json.loads(StorePaths(data_file).state.read_text())
    guild = state["guilds"][str(G1)]
    day = next(iter(guild["days"].values()))
    assert state["seq"] == 2
    assert unpacked(guild["seconds"]) == [10, 20] and unpacked(day["seconds"]) == [10, 20]
    assert unpacked(guild["sessions"]) == [1, 1]
    crash(store)
    store = await open_store(data_file)  # the state at seq 2, then the journal after it
    assert (seconds(store, G1, ANA), seconds(store, G1, BIA)) == (14, 21)
    await store.close()
