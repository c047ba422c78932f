"""The store across real processes: one owner per DATA_FILE, contention, kill -9 under load."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from database import Store
from tests.store_worker import GUILDS, USERS, ledger_totals

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
KILLS = 200

SECOND_OPEN = """
import sys, time
from pathlib import Path
from database import Store, StoreLockedError
started = time.monotonic()
try:
    Store.open(Path(sys.argv[1]))
except StoreLockedError as error:
    print(f"{time.monotonic() - started:.3f}")
    print(error)
    sys.exit(3)
print("opened")
"""


def worker(*args: str, **options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store_worker", *args], cwd=REPO, **options
    )


def second_open(data_file: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SECOND_OPEN, str(data_file)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_a_second_process_cannot_open_a_data_file_in_use(data_file):
    store = await asyncio.to_thread(Store.open, data_file)
    try:
        refused = await asyncio.to_thread(second_open, data_file)
    finally:
        await store.close()
    assert refused.returncode == 3, refused.stderr
    waited, message = refused.stdout.splitlines()
    assert float(waited) < 1.0
    assert "já está em uso por outro processo" in message
    assert "already in use by another bot process" in message
    assert str(data_file) in message


async def test_the_data_file_can_be_opened_again_once_its_owner_closed_it(data_file):
    store = await asyncio.to_thread(Store.open, data_file)
    await store.close()
    opened = await asyncio.to_thread(second_open, data_file)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.strip() == "opened"


@pytest.mark.slow
async def test_four_processes_with_250_updates_each_end_with_exact_totals(data_file):
    workers = [
        worker("increment", str(data_file), "250", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    results = [await asyncio.to_thread(w.communicate, timeout=240) for w in workers]
    for process, (out, err) in zip(workers, results, strict=True):
        assert process.returncode == 0, err.decode()
        assert out.decode().split() == ["done"]
        assert b"ERROR" not in err
    store = await asyncio.to_thread(Store.open, data_file)
    try:
        assert store.ledger.seq == 1000
        assert store.member_stats(GUILDS[0], USERS[0]).seconds == 1000
        assert store.member_stats(GUILDS[0], USERS[0]).sessions == 1000
    finally:
        await store.close()


def leftover_temp_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


def wait_until_started(out_file: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while b"start" not in out_file.read_bytes():
        assert process.poll() is None, "the worker stopped by itself"
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.005)


def read_run(out_file: Path) -> tuple[tuple[int, int, int] | None, int]:
    """What a killed hammer worker printed: its start line and the highest acknowledged seq."""
    start, acked = None, 0
    for line in out_file.read_text().splitlines():
        words = line.split()
        if words[:1] == ["start"] and len(words) == 4:
            start = (int(words[1]), int(words[2]), int(words[3]))
        elif words[:1] == ["ack"] and len(words) == 2:
            acked = max(acked, int(words[1]))
    return start, acked


@pytest.mark.slow
def test_kill_9_under_load_never_loses_or_doubles_a_credit(data_file, tmp_path):
    """Every credit adds exactly one second and one session, so totals must equal seq."""
    rng = random.Random(20260101)
    logs = tmp_path / "logs"
    logs.mkdir()
    acked = loaded = killed_mid_write = 0
    for run in range(KILLS):
        out_file, err_file = logs / f"{run}.out", logs / f"{run}.err"
        with out_file.open("wb") as out, err_file.open("wb") as err:
            process = worker("hammer", str(data_file), stdout=out, stderr=err)
            if run % 5:  # under load, often right in a snapshot
                wait_until_started(out_file, process)
                time.sleep(rng.uniform(0.0, 0.15))
            else:  # anywhere, start-up and recovery included
                time.sleep(rng.uniform(0.05, 0.35))
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        errors = err_file.read_text()
        assert process.returncode == -signal.SIGKILL, errors
        assert "ERROR" not in errors and "Traceback" not in errors, errors
        start, run_acked = read_run(out_file)
        if start is not None:
            loaded += 1
            seq, seconds, sessions = start
            assert seq >= acked, f"run {run}: acknowledged seq {acked} lost (loaded {seq})"
            assert seconds == sessions == seq, f"run {run}: {start} counts a credit twice or not"
        acked = max(acked, run_acked)
        killed_mid_write += bool(leftover_temp_files(data_file.parent))

    store = Store.open(data_file)
    try:
        assert store.ledger.seq >= acked > 0
        assert ledger_totals(store.ledger) == (store.ledger.seq, store.ledger.seq)
    finally:
        asyncio.run(store.close())
    assert loaded >= KILLS * 4 // 5, loaded
    assert killed_mid_write > 0, "no kill landed during a snapshot"
    log.info(
        "%d of %d runs loaded; %d killed mid-write; seq %d", loaded, KILLS, killed_mid_write, acked
    )
    assert not list(data_file.parent.glob("*corrupt*"))
    assert not leftover_temp_files(data_file.parent)
