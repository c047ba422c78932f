"""Locking and crash-safe files: lock waits, atomic replacement, files kept aside, modes."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest

import database_lock
from database_lock import (
    FILE_MODE,
    FileLockError,
    acquire_file_lock,
    atomic_write_json,
    quarantine,
    remove_temp_files,
)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_held_lock_fails_at_once_without_a_timeout(tmp_path):
    lock_path = tmp_path / "data.lock"
    held = acquire_file_lock(lock_path)
    try:
        started = time.monotonic()
        with pytest.raises(FileLockError):
            acquire_file_lock(lock_path)
        assert time.monotonic() - started < 0.5
    finally:
        held.release()


def test_a_held_lock_is_waited_for_up_to_the_timeout_and_no_longer(tmp_path):
    lock_path = tmp_path / "data.lock"
    held = acquire_file_lock(lock_path)
    outcome: list[BaseException | None] = []

    def wait_for_it() -> None:
        try:
            acquire_file_lock(lock_path, timeout=0.3).release()
            outcome.append(None)
        except FileLockError as error:
            outcome.append(error)

    waiter = threading.Thread(target=wait_for_it, daemon=True)
    started = time.monotonic()
    waiter.start()
    waiter.join(5)
    elapsed = time.monotonic() - started
    held.release()
    assert not waiter.is_alive(), "acquire_file_lock blocked past its timeout"
    assert isinstance(outcome[0], FileLockError)
    assert 0.25 <= elapsed < 2


def test_a_lock_released_while_waiting_is_taken(tmp_path):
    lock_path = tmp_path / "data.lock"
    held = acquire_file_lock(lock_path)
    threading.Timer(0.2, held.release).start()
    started = time.monotonic()
    acquire_file_lock(lock_path, timeout=5).release()
    assert 0.15 <= time.monotonic() - started < 2


def test_the_lock_file_is_private_even_if_it_existed_with_another_mode(tmp_path):
    lock_path = tmp_path / "data.lock"
    lock_path.touch(mode=0o644)
    os.chmod(lock_path, 0o644)
    acquire_file_lock(lock_path).release()
    assert mode(lock_path) == FILE_MODE


def test_atomic_write_syncs_a_temp_file_in_the_same_folder_then_renames_and_syncs_the_folder(
    tmp_path, monkeypatch
):
    target = tmp_path / "data.json"
    target.write_bytes(b"old\n")
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(source, destination) -> None:
        events.append(("replace", f"{source} -> {destination}"))
        real_replace(source, destination)

    monkeypatch.setattr(database_lock.os, "fsync", fsync)
    monkeypatch.setattr(database_lock.os, "replace", replace)
    atomic_write_json(target, [b"new ", b"content\n"])
    monkeypatch.undo()

    assert target.read_bytes() == b"new content\n"
    (_, synced_temp), (_, renamed), (_, synced_folder) = events
    temp = os.path.basename(synced_temp)
    assert os.path.dirname(synced_temp) == str(tmp_path)
    assert temp.startswith(".data.json.") and temp.endswith(".tmp")
    assert renamed == f"{synced_temp} -> {target}"
    assert synced_folder == str(tmp_path)
    assert [kind for kind, _ in events] == ["fsync", "replace", "fsync"]


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "data.json"
    target.write_bytes(b"old\n")

    def chunks():
        yield b"half of the "
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write_json(target, chunks())
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json"]


def test_atomic_write_creates_private_files_and_private_backups(tmp_path):
    previous = os.umask(0)
    try:
        target = tmp_path / "data.json"
        target.write_bytes(b"first\n")
        os.chmod(target, 0o644)
        backup = tmp_path / "data.bak.json"
        atomic_write_json(target, [b"second\n"], backup=backup)
    finally:
        os.umask(previous)
    assert mode(target) == FILE_MODE
    assert mode(backup) == FILE_MODE
    assert backup.read_bytes() == b"first\n"


def test_a_file_kept_aside_keeps_its_bytes_and_becomes_private(tmp_path):
    bad = tmp_path / "video_ranking.json"
    content = b'{"123": \xff garbage'
    bad.write_bytes(content)
    os.chmod(bad, 0o644)
    kept = quarantine(bad)
    assert not bad.exists()
    assert kept.read_bytes() == content
    assert mode(kept) == FILE_MODE
    assert kept.name.startswith("video_ranking.corrupt-") and kept.suffix == ".json"


def test_two_files_kept_aside_in_the_same_second_do_not_overwrite_each_other(tmp_path):
    bad = tmp_path / "video_ranking.json"
    bad.write_bytes(b"one")
    first = quarantine(bad)
    bad.write_bytes(b"two")
    second = quarantine(bad)
    assert first != second
    assert (first.read_bytes(), second.read_bytes()) == (b"one", b"two")


def test_a_copy_kept_aside_leaves_the_original_in_place(tmp_path):
    journal = tmp_path / "video_ranking.journal.jsonl"
    journal.write_bytes(b"line\n")
    kept = quarantine(journal, copy=True)
    assert journal.read_bytes() == kept.read_bytes() == b"line\n"
    assert mode(kept) == FILE_MODE


def test_only_leftover_temp_files_of_the_named_files_are_removed(tmp_path):
    leftovers = [".video_ranking.json.export.tmp", ".video_ranking.state.json.812.tmp"]
    others = [".video_ranking.x.json.9.tmp", "video_ranking.json", ".other.tmp"]
    for name in leftovers + others:
        (tmp_path / name).write_bytes(b"")
    removed = remove_temp_files(tmp_path, [".video_ranking.json.", ".video_ranking.state.json."])
    assert sorted(p.name for p in removed) == sorted(leftovers)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(others)
