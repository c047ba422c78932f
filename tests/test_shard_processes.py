"""Several `python bot.py` processes on one PostgreSQL database, each owning its shards.

Real processes with the stand-in (`tests/standin`): simcord attached in each, sharded as the
bot is, one server per owned shard with a member on camera from the start. The virtual
clock moves only when a process is told to (its start, then SIGUSR1 steps), so every
figure below follows from the timings.
"""

from __future__ import annotations

import signal
import time

import psycopg
import pytest

import bot
from store.pg.load import Shards, load_ledger
from store.pg.store import SHARD_LOCK_CLASS
from tests.test_process import (  # noqa: F401 (start_bot is a fixture)
    READY,
    BotProcess,
    assert_one_clear_error,
    run_bot,
    slow,
    start_bot,
)
from tracking.ledger import Ledger

pytestmark = slow

CHECKPOINT = 60
"""CHECKPOINT_SECONDS of every process here: a kill -9 loses what ran since the last one."""
STEP = 40
"""Virtual seconds a process moves on for each SIGUSR1."""


@pytest.fixture
def start_shard(start_bot, pg_url, tmp_path):  # noqa: F811 (start_bot is the fixture)
    """Start a process owning some shards of 2 on the test's database.

    `start_shard(shard_ids, seconds)`: its member is on camera for `seconds`, then READY.
    Each process has its own DATA_FILE, as the README says (where an outage's leftovers go).
    """

    def start(shard_ids: str, seconds: int) -> BotProcess:
        return start_bot(
            DATABASE_URL=pg_url,
            DATA_FILE=str(tmp_path / f"video_ranking-shard{shard_ids}.json"),
            SHARD_COUNT="2",
            SHARD_IDS=shard_ids,
            CHECKPOINT_SECONDS=str(CHECKPOINT),
            STANDIN_SIMCORD=str(seconds),
            STANDIN_STEP=str(STEP),
        )

    return start


def ready_ids(running: BotProcess) -> dict[str, int]:
    """`guild.<shard>` and `member.<shard>` ids from the READY line."""
    line = running.wait_for(READY)
    return {key: int(value) for key, value in (pair.split("=") for pair in line.split()[2:])}


def step(running: BotProcess, total: int) -> None:
    """Move a process's virtual clock on by STEP seconds, to `total` since its start."""
    running.process.send_signal(signal.SIGUSR1)
    running.wait_for(f"STANDIN ADVANCED {total}")


def stop(running: BotProcess) -> None:
    running.process.send_signal(signal.SIGTERM)
    assert running.wait() == 0, running.output
    assert "Traceback" not in running.output, running.output


def database(pg_url: str) -> Ledger:
    """Every shard's figures, as the database holds them now."""
    with psycopg.connect(pg_url) as connection:
        return load_ledger(connection, Shards.every(2))


def figures(ledger: Ledger, ids: dict[str, int], shard: int) -> tuple[int, int]:
    stats = ledger.member_stats(ids[f"guild.{shard}"], ids[f"member.{shard}"])
    return stats.seconds, stats.sessions


def wait_until_shard_is_free(pg_url: str, shard_id: int) -> float:
    """Seconds until no connection holds the shard's lock (a killed process's goes with it)."""
    started = time.monotonic()
    with psycopg.connect(pg_url, autocommit=True) as connection:
        while True:
            held = connection.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s"
                " AND objid = %s AND objsubid = 2 AND granted AND database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())",
                (SHARD_LOCK_CLASS, shard_id),
            ).fetchone()
            if held == (0,):
                return time.monotonic() - started
            assert time.monotonic() - started < 10, f"shard {shard_id} still locked"
            time.sleep(0.05)


def test_two_processes_on_one_database_and_a_kill_9_keep_every_server_exact(start_shard, pg_url):
    a = start_shard("0", 125)  # checkpoints at 60 and 120
    b = start_shard("1", 100)  # checkpoint at 60
    a_ids, b_ids = ready_ids(a), ready_ids(b)
    assert set(a_ids) == {"guild.0", "member.0"} and set(b_ids) == {"guild.1", "member.1"}
    assert (a_ids["guild.0"] >> 22) % 2 == 0 and (b_ids["guild.1"] >> 22) % 2 == 1

    a.process.send_signal(signal.SIGKILL)
    assert a.wait() == -signal.SIGKILL
    killed = database(pg_url)
    assert figures(killed, a_ids, 0) == (120, 1)  # its last checkpoint: 5 s lost
    assert (a_ids["guild.0"], a_ids["member.0"]) in killed.open_sessions
    assert figures(killed, b_ids, 1) == (60, 1)

    step(b, 140)  # B goes on counting (a checkpoint at 120) while A is down
    assert figures(database(pg_url), b_ids, 1) == (120, 1)

    wait_until_shard_is_free(pg_url, 0)
    restarted = start_shard("0", 50)  # the same server, still on camera
    assert ready_ids(restarted) == a_ids
    assert "sessão retomada" in restarted.output
    stop(restarted)
    stop(b)

    final = database(pg_url)
    assert figures(final, a_ids, 0) == (120 + 50, 1)  # one session, continued
    assert figures(final, b_ids, 1) == (140, 1)
    # A stop credits the running sessions and leaves them open, for the next start to continue.
    assert {key: saved.credited for key, saved in final.open_sessions.items()} == {
        (a_ids["guild.0"], a_ids["member.0"]): 170,
        (b_ids["guild.1"], b_ids["member.1"]): 140,
    }
    assert a.error_lines() + b.error_lines() + restarted.error_lines() == []


@pytest.mark.parametrize("second_ids", ["0", "1,0"])
def test_a_second_process_for_a_shard_in_use_refuses_with_one_line_and_the_first_goes_on(
    start_bot,  # noqa: F811 (the fixture)
    start_shard,
    pg_url,
    second_ids,
):
    first = start_shard("0", 30)
    ids = ready_ids(first)
    second = run_bot(
        start_bot,
        DATABASE_URL=pg_url,
        SHARD_COUNT="2",
        SHARD_IDS=second_ids,
        STANDIN_SIMCORD="1",
    )
    assert_one_clear_error(second, "shard 0", "SHARD_IDS", "O shard 0 (de 2)")
    assert second.process.returncode == bot.EXIT_FAILURE
    assert "STANDIN READY" not in second.output

    step(first, 70)
    stop(first)
    assert figures(database(pg_url), ids, 0) == (70, 1)
    if second_ids == "1,0":  # shard 1, taken before shard 0 was found in use, was let go
        other = start_shard("1", 10)
        other_ids = ready_ids(other)
        stop(other)
        assert figures(database(pg_url), other_ids, 1) == (10, 1)


def test_a_process_with_another_shard_count_refuses_with_one_line(
    start_bot,  # noqa: F811 (the fixture)
    start_shard,
    pg_url,
):
    first = start_shard("0", 20)  # shard 0 of 2
    ids = ready_ids(first)
    # Shard 2 of 4 is a part of shard 0 of 2: its own lock id would not stop it.
    other = run_bot(
        start_bot, DATABASE_URL=pg_url, SHARD_COUNT="4", SHARD_IDS="2", STANDIN_SIMCORD="1"
    )
    assert_one_clear_error(other, "SHARD_COUNT=2", "SHARD_COUNT=4", "the same SHARD_COUNT")
    assert other.process.returncode == bot.EXIT_FAILURE
    step(first, 60)
    stop(first)
    assert figures(database(pg_url), ids, 0) == (60, 1)
    # Once no process uses 2 shards, the database may be split in 4.
    again = start_bot(DATABASE_URL=pg_url, SHARD_COUNT="4", SHARD_IDS="2", STANDIN_SIMCORD="1")
    again.wait_for(READY)
    stop(again)
