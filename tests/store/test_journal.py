"""The journal: torn and damaged lines, group commit, retries, compaction, closing."""

from __future__ import annotations

import asyncio
import logging
import os
import stat

import pytest

from database_lock import FILE_MODE
from store import journal as journal_module
from store.journal import Journal, JournalClosedError, encode, read_journal
from tests.failing_disk import FailingOs
from tracking.records import Base, Credit, Record, Reset


def lines(*records: Record) -> bytes:
    return b"".join(encode(r) for r in records)


def rec(seq: int) -> Credit:
    return Credit(seq=seq, g=1, u=2, s=seq, n=1)


def test_records_are_written_in_the_format_the_bot_always_wrote():
    closing = Credit(
        seq=7,
        g=111111111111111111,
        u=300000000000000001,
        s=90,
        n=1,
        days=[(740000, 30), (740001, 60)],
        day=740000,
        long=90,
        open=False,
        start="2026-01-01T23:59:30+00:00",
        credited=90,
    )
    assert encode(closing) == (
        b'{"seq":7,"op":"credit","g":111111111111111111,"u":300000000000000001,"s":90,'
        b'"n":1,"days":[[740000,30],[740001,60]],"day":740000,"long":90,"open":false,'
        b'"start":"2026-01-01T23:59:30+00:00","credited":90}\n'
    )
    assert encode(Reset(seq=8, g=5)) == b'{"seq":8,"op":"reset","g":5}\n'
    assert encode(Base(snapshots=[])) == b'{"op":"base","snapshots":[]}\n'


@pytest.fixture
def disk(monkeypatch):
    failing = FailingOs()
    monkeypatch.setattr(journal_module, "os", failing)
    monkeypatch.setattr(journal_module, "RETRY_FIRST_SECONDS", 0.01)
    monkeypatch.setattr(journal_module, "RETRY_MAX_SECONDS", 0.02)
    return failing


def test_a_torn_last_line_is_ignored_logged_and_cut_off(tmp_path, caplog):
    path = tmp_path / "j.jsonl"
    whole = lines(rec(1), rec(2))
    path.write_bytes(whole + b'{"seq":3,"op":"cre')
    journal = Journal(path)
    with caplog.at_level(logging.WARNING, logger="store.journal"):
        contents = journal.load()
    journal.close()
    assert [r.seq for r in contents.records] == [1, 2]
    assert path.read_bytes() == whole
    assert any("linha incompleta" in r.getMessage() for r in caplog.records)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)


def test_a_complete_last_record_without_its_newline_counts_as_torn(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_bytes(lines(rec(1)) + encode(rec(2))[:-1])
    contents = read_journal(path)
    assert [r.seq for r in contents.records] == [1]
    assert contents.torn_tail


async def test_the_append_after_a_torn_tail_starts_on_a_clean_line(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_bytes(lines(rec(1)) + b'{"seq":2,"o')
    journal = Journal(path)
    journal.load()
    await journal.append([rec(2)])
    journal.close()
    contents = read_journal(path)
    assert [r.seq for r in contents.records] == [1, 2]
    assert not contents.torn_tail and not contents.corrupt_lines


def test_an_unreadable_middle_line_is_skipped_and_kept_aside_byte_for_byte(tmp_path, caplog):
    path = tmp_path / "j.jsonl"
    garbage = b"\x00\x00garbage"
    raw = lines(rec(1)) + garbage + b"\n" + lines(rec(3))
    path.write_bytes(raw)
    journal = Journal(path)
    with caplog.at_level(logging.ERROR, logger="store.journal"):
        contents = journal.load()
    journal.close()
    assert [r.seq for r in contents.records] == [1, 3]
    assert path.read_bytes() == raw  # the journal itself is left for the next compaction
    assert (tmp_path / "j.rejected.jsonl").read_bytes() == garbage + b"\n"
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert "Linha 2 " in caplog.records[0].getMessage()


async def test_compaction_drops_the_lines_that_were_kept_aside(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_bytes(lines(rec(1)) + b'{"seq":2,"op":"credit"}\n' + lines(rec(3)))
    journal = Journal(path)
    journal.load()
    journal.compact(keep_after=0, header=Base(snapshots=[]))
    journal.close()
    assert path.read_bytes() == lines(Base(snapshots=[]), rec(1), rec(3))
    assert (tmp_path / "j.rejected.jsonl").read_bytes() == b'{"seq":2,"op":"credit"}\n'


def test_an_empty_journal_line_is_neither_a_record_nor_an_error(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_bytes(lines(rec(1)) + b"\n" + lines(rec(2)))
    contents = read_journal(path)
    assert [r.seq for r in contents.records] == [1, 2]
    assert not contents.rejected and not contents.torn_tail


async def test_appends_queued_together_cost_one_fsync(tmp_path, disk, monkeypatch):
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.load()
    syncs = []
    monkeypatch.setattr(disk, "fsync", lambda fd: (syncs.append(fd), os.fsync(fd)), raising=False)
    durable = [journal.append([rec(seq)]) for seq in range(1, 50)]
    await asyncio.gather(*durable)
    journal.close()
    assert len(syncs) == 1
    assert [r.seq for r in read_journal(path).records] == list(range(1, 50))


async def test_the_journal_file_is_private(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.load()
    await journal.append([rec(1)])
    journal.close()
    assert stat.S_IMODE(path.stat().st_mode) == FILE_MODE


async def test_a_refused_write_is_retried_until_the_disk_takes_it(tmp_path, disk, caplog):
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.load()
    await journal.append([rec(1)])
    disk.full = True
    with caplog.at_level(logging.WARNING, logger="store.journal"):
        durable = journal.append([rec(2), rec(3)])
        await asyncio.sleep(0.2)
        assert not durable.done()
        assert disk.refused >= 3
        assert [r.seq for r in read_journal(path).records] == [1]
        disk.full = False
        await asyncio.wait_for(durable, 2)
    journal.close()
    assert [r.seq for r in read_journal(path).records] == [1, 2, 3]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "Não foi possível gravar o journal" in errors[0].getMessage()
    assert any("voltou a aceitar gravações" in r.getMessage() for r in caplog.records)


async def test_compaction_keeps_the_header_and_the_newer_records(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.load()
    await journal.append([rec(seq) for seq in range(1, 6)])
    header = Base(snapshots=[(3, "ab")])
    journal.compact(keep_after=3, header=header)
    await journal.append([rec(6)])
    journal.close()
    assert path.read_bytes() == lines(header, rec(4), rec(5), rec(6))
    assert stat.S_IMODE(path.stat().st_mode) == FILE_MODE


async def test_shutdown_on_a_failing_disk_gives_up_and_fails_the_waiting_records(tmp_path, disk):
    journal = Journal(tmp_path / "j.jsonl")
    journal.load()
    disk.full = True
    durable = journal.append([rec(1)])
    await asyncio.sleep(0.05)
    unsaved = await asyncio.wait_for(journal.shutdown(covered=False), 2)
    assert unsaved == 1
    with pytest.raises(OSError):
        await durable


async def test_shutdown_completes_records_that_were_saved_another_way(tmp_path, disk):
    journal = Journal(tmp_path / "j.jsonl")
    journal.load()
    disk.full = True
    durable = journal.append([rec(1)])
    await asyncio.sleep(0.05)
    assert await asyncio.wait_for(journal.shutdown(covered=True), 2) == 1
    await durable


async def test_shutdown_of_a_healthy_journal_writes_everything_first(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.load()
    durable = journal.append([rec(1), rec(2)])
    assert await journal.shutdown(covered=False) == 0
    assert durable.done() and durable.exception() is None
    assert [r.seq for r in read_journal(path).records] == [1, 2]
    with pytest.raises(JournalClosedError):
        journal.append([rec(3)])
