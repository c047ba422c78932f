"""Damaged or hostile files: bad journal lines set aside, never applied, never a crash."""

from __future__ import annotations

import json
import logging
import os
import stat

import msgspec
import pytest

from database import DataFileError, Store, StorePaths
from database_lock import FILE_MODE
from store.audit import AuditEntry, AuditLog
from store.journal import encode, read_journal
from tests.helpers import SIMCORD, Server, errors, open_store
from tests.store_worker import DAY, credit
from tracking.records import Adjust, RecordError
from ui import texts

G1, G2 = 111111111111111111, 222222222222222222
ANA, BIA = 123456789012345678, 234567890123456789


def line(**fields) -> bytes:
    """A journal line written by hand (json.dumps writes NaN and Infinity as given)."""
    return (json.dumps(fields, separators=(",", ":")) + "\n").encode()


def good(seq: int, user_id: int, seconds: int) -> bytes:
    return encode(msgspec.structs.replace(credit(G1, user_id, seconds), seq=seq))


def bad_credit(**changes) -> dict:
    fields = json.loads(good(2, ANA, 500))
    fields.update(changes)
    return fields


def without(name: str) -> dict:
    fields = bad_credit()
    del fields[name]
    return fields


BAD_LINES = {
    "missing field": line(**without("s")),
    "missing sequence number": line(**without("seq")),
    "NaN": line(**bad_credit(s=float("nan"))),
    "Infinity": line(**bad_credit(s=float("inf"))),
    "1e309": line(**bad_credit()).replace(b'"s":500', b'"s":1e309'),
    "huge int": line(**bad_credit(s=10**30)),
    "text in a number": line(**bad_credit(s="500")),
    "decimal seconds": line(**bad_credit(s=500.5)),
    "string ids": line(**bad_credit(g=str(G1), u=str(ANA))),
    "negative credit": line(**bad_credit(s=-500)),
    "unknown op": line(**bad_credit(op="bonus")),
    "bad timestamp": line(**bad_credit(start="ontem")),
    "timestamp without zone": line(**bad_credit(start="2026-01-01T00:00:00")),
    "non-object line": b"[2, 500]\n",
    "bool where an int goes": line(**bad_credit(n=True)),
    "id of zero": line(**bad_credit(u=0)),
    "adjust of zero": line(seq=2, op="adjust", g=G1, u=ANA, s=0, day=DAY),
    "binary garbage": b"\x00\xff\xfe garbage\n",
}


def write_journal(data_file, bad: bytes) -> bytes:
    """Good lines 1 and 3 (ana 10 s, bia 5 s) around a bad line 2; the file's bytes."""
    raw = good(1, ANA, 10) + bad + good(3, BIA, 5)
    StorePaths(data_file).journal.write_bytes(raw)
    return raw


def figures(store: Store) -> dict:
    return {
        (guild_id, user_id): store.member_stats(guild_id, user_id)
        for guild_id, guild in store.ledger.guilds.items()
        for user_id in guild.members.index
    }


@pytest.mark.parametrize("bad", BAD_LINES.values(), ids=BAD_LINES.keys())
async def test_a_bad_journal_line_is_kept_aside_logged_and_skipped(data_file, caplog, bad):
    write_journal(data_file, bad)
    caplog.set_level(logging.ERROR)
    store = await open_store(data_file)
    try:
        stats = figures(store)
        assert set(stats) == {(G1, ANA), (G1, BIA)}
        assert (stats[G1, ANA].seconds, stats[G1, ANA].sessions) == (10, 1)
        assert (stats[G1, BIA].seconds, stats[G1, BIA].sessions) == (5, 1)
        assert store.ledger.seq == 3
    finally:
        await store.close()
    assert StorePaths(data_file).rejected.read_bytes() == bad
    (message,) = errors(caplog)
    assert "Linha 2 " in message and str(StorePaths(data_file).rejected) in message


async def test_string_ids_never_make_a_second_server(data_file):
    write_journal(data_file, BAD_LINES["string ids"])
    store = await open_store(data_file)
    assert list(store.ledger.guilds) == [G1]
    assert store.member_stats(G1, ANA).seconds == 10
    await store.close()
    exported = json.loads(data_file.read_text(encoding="utf-8"))
    assert exported[str(ANA)]["guilds"] == {str(G1): {"total_seconds": 10, "sessions": 1}}


async def test_the_rejected_file_is_private_and_named_after_the_data_file(data_file):
    write_journal(data_file, BAD_LINES["NaN"])
    store = await open_store(data_file)
    await store.close()
    rejected = data_file.with_name("video_ranking.journal.rejected.jsonl")
    assert rejected.exists()
    assert stat.S_IMODE(rejected.stat().st_mode) == FILE_MODE


async def test_a_rejected_line_leaves_the_journal_and_is_not_reported_again(data_file, caplog):
    write_journal(data_file, BAD_LINES["negative credit"])
    store = await open_store(data_file)
    await store.close()
    assert not read_journal(StorePaths(data_file).journal).rejected
    caplog.clear()
    store = await open_store(data_file)
    assert store.member_stats(G1, ANA).seconds == 10
    await store.close()
    assert not errors(caplog)
    assert StorePaths(data_file).rejected.read_bytes() == BAD_LINES["negative credit"]


async def test_a_line_damaged_after_start_up_is_kept_aside_by_the_next_compaction(data_file):
    store = await open_store(data_file)
    await store.commit([credit(G1, ANA, 10)])
    with StorePaths(data_file).journal.open("ab") as journal:
        journal.write(BAD_LINES["text in a number"])
    await store.commit([credit(G1, ANA, 1)])
    assert await store.snapshot()
    await store.close()
    assert StorePaths(data_file).rejected.read_bytes() == BAD_LINES["text in a number"]


async def test_many_bad_lines_are_logged_one_by_one_up_to_a_limit(data_file, caplog):
    raw = good(1, ANA, 10) + BAD_LINES["unknown op"] * 30 + good(3, BIA, 5)
    StorePaths(data_file).journal.write_bytes(raw)
    caplog.set_level(logging.ERROR)
    store = await open_store(data_file)
    await store.close()
    messages = errors(caplog)
    assert len(messages) == 21 and "Linha 21 " in messages[19] and ": 10" in messages[20]
    assert StorePaths(data_file).rejected.read_bytes() == BAD_LINES["unknown op"] * 30


async def test_a_change_the_schema_refuses_is_neither_applied_nor_journaled(data_file):
    store = await open_store(data_file)
    with pytest.raises(RecordError):
        store.commit([credit(G1, ANA, 10), msgspec.structs.replace(credit(G1, BIA, 5), g=str(G1))])
    assert store.ledger.seq == 0 and not store.ledger.guilds
    await store.commit([credit(G1, ANA, 10)])
    await store.close()
    (kept,) = read_journal(StorePaths(data_file).journal).records[1:]
    assert (kept.seq, kept.u, kept.s) == (1, ANA, 10)
    store = await open_store(data_file)
    assert store.member_stats(G1, ANA).seconds == 10
    await store.close()


# ------------------------------------------------------------- the state file


async def test_a_state_with_negative_manual_adjustments_loads_them(data_file):
    store = await open_store(data_file)
    await store.commit([credit(G1, ANA, 100)])
    await store.commit([Adjust(g=G1, u=ANA, s=-40, day=DAY)])
    await store.close()
    store = await open_store(data_file)
    stats = store.member_stats(G1, ANA)
    assert (stats.seconds, stats.adjusted) == (60, -40)
    await store.close()


async def state_with(data_file, change) -> None:
    """A state (and its .bak) to break, from two snapshots: ana 100 then 120."""
    store = await open_store(data_file)
    await store.commit([credit(G1, ANA, 100)])
    assert await store.snapshot()
    await store.commit([credit(G1, ANA, 20)])
    await store.close()
    state_file = StorePaths(data_file).state
    state = json.loads(state_file.read_text())
    change(state, state["guilds"][str(G1)])
    state_file.write_text(json.dumps(state))


STATE_BREAKS = {
    "adjusted of another length": lambda s, g: g.update(adjusted=[0, 0]),
    "adjusted as text": lambda s, g: g.update(adjusted=["0"]),
    "a bool as sessions": lambda s, g: g.update(sessions=[True]),
    "infinite seconds": lambda s, g: g.update(seconds=[float("inf")]),
    "string sequence number": lambda s, g: s.update(seq="2"),
    "open session without time zone": lambda s, g: s.update(
        open_sessions=[[G1, BIA, "2026-01-01T00:00:00", 5]]
    ),
    "bad day key": lambda s, g: g.update(
        days={"ontem": {"rows": [], "seconds": [], "sessions": []}}
    ),
}


@pytest.mark.parametrize("change", STATE_BREAKS.values(), ids=STATE_BREAKS.keys())
async def test_a_state_the_schema_refuses_is_kept_aside_and_the_backup_used(
    data_file, caplog, change
):
    await state_with(data_file, change)
    caplog.set_level(logging.ERROR)
    store = await open_store(data_file)  # the .bak (ana 100) and the journal (ana +20)
    assert store.member_stats(G1, ANA).seconds == 120
    await store.close()
    assert len(list(data_file.parent.glob("video_ranking.state.corrupt-*.json"))) == 1
    assert len(errors(caplog)) == 1


# ------------------------------------------------ files that are not files


def snapshot_of(folder) -> dict:
    """Name, mode and content of everything under `folder`."""
    found = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        content = path.read_bytes() if stat.S_ISREG(info.st_mode) else None
        found[str(path.relative_to(folder))] = (stat.S_IMODE(info.st_mode), content)
    return found


async def test_a_data_file_that_is_a_folder_is_refused_and_left_alone(data_file):
    data_file.mkdir(mode=0o755)
    (data_file / "notes.txt").write_text("minhas anotações")
    before = snapshot_of(data_file.parent)
    with pytest.raises(DataFileError, match=str(data_file)):
        await open_store(data_file)
    assert snapshot_of(data_file.parent) == before


@pytest.mark.parametrize("kind", ["folder", "fifo", "symlink to a file", "dangling symlink"])
@pytest.mark.parametrize("name", ["state", "journal", "lock", "audit", "backup"])
async def test_a_store_file_that_is_not_a_regular_file_is_refused(data_file, kind, name):
    paths = StorePaths(data_file)
    path = {
        "state": paths.state,
        "journal": paths.journal,
        "lock": paths.lock,
        "audit": paths.audit,
        "backup": StorePaths.backup(paths.data),
    }[name]
    elsewhere = data_file.parent / "elsewhere.txt"
    elsewhere.write_text("não é do bot")
    os.chmod(elsewhere, 0o644)
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink to a file":
        path.symlink_to(elsewhere)
    else:
        path.symlink_to(data_file.parent / "missing")
    before = snapshot_of(data_file.parent)
    with pytest.raises(DataFileError, match=path.name):
        await open_store(data_file)
    assert snapshot_of(data_file.parent) == before


# -------------------------------------------------------------- the audit log


def entry(guild_id: int = G1, minutes: int = 1) -> AuditEntry:
    return AuditEntry(
        at="2026-01-01T12:00:00+00:00",
        guild_id=guild_id,
        admin_id=ANA,
        admin_name="chefe",
        action="adjust",
        user_id=BIA,
        user_name="bia",
        seconds=60 * minutes,
        applied=60 * minutes,
        reason="bônus",
    )


def test_an_entry_after_a_torn_last_line_starts_its_own_line(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(entry(minutes=1))
    with log.path.open("ab") as handle:
        handle.write(b'{"at":"2026-01-01T12:00:00+00:00","g":1')  # power loss mid-write
    log.append(entry(minutes=2))
    page = log.latest(G1, 10)
    assert [e.seconds for e in page.entries] == [120, 60]
    assert page.unreadable == 1
    assert log.path.read_bytes().endswith(
        b'"g":1\n' + json.dumps(entry(minutes=2).to_json(), ensure_ascii=False).encode() + b"\n"
    )


def test_unreadable_audit_entries_are_skipped_and_counted(tmp_path, caplog):
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(entry(minutes=1))
    with log.path.open("ab") as handle:
        handle.write(b"\x00garbage\n")
        handle.write(json.dumps({**entry().to_json(), "g": str(G1)}).encode() + b"\n")
        handle.write(json.dumps({**entry().to_json(), "at": "ontem"}).encode() + b"\n")
    log.append(entry(minutes=3))
    caplog.set_level(logging.ERROR)
    page = log.latest(G1, 10)
    assert [e.seconds for e in page.entries] == [180, 60]
    assert page.unreadable == 3
    assert len(errors(caplog)) == 1 and ": 3" in errors(caplog)[0]


@SIMCORD
async def test_the_audit_command_lists_the_readable_entries_and_counts_the_rest(simcord_env):
    server = Server(simcord_env)
    await server.session(server.ana, 30)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +1h bônus")
    path = simcord_env.bot.store.paths.audit
    with path.open("ab") as handle:
        handle.write(b'{"at": NaN}\n{"g": "1"}\n')
    await server.admin.send(server.text, "!auditoriavideo")
    embed = server.text.last_message.embeds[0]
    assert "bônus" in embed.description
    assert embed.footer.text.endswith(texts.AUDIT_UNREADABLE_MANY.format(count=2))
    with path.open("ab") as handle:
        handle.write(b"{}")  # torn, then one more good entry on its own line
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +2min outro")
    await server.admin.send(server.text, "!auditoriavideo")
    embed = server.text.last_message.embeds[0]
    assert "+2min" in embed.description.splitlines()[0] and "outro" in embed.description
    assert embed.footer.text.endswith(texts.AUDIT_UNREADABLE_MANY.format(count=3))


async def test_a_folder_named_like_a_leftover_temporary_file_is_left_alone(data_file):
    folder = data_file.with_name(".video_ranking.state.json.4242.tmp")
    folder.mkdir()
    (folder / "nota.txt").write_text("minha")
    leftover = data_file.with_name(".video_ranking.json.export.tmp")
    leftover.write_text("{")
    store = await open_store(data_file)
    await store.close()
    assert (folder / "nota.txt").read_text() == "minha"
    assert not leftover.exists()
