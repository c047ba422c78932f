"""A process that uses a `Store`, for the process-level tests (and records shared by them).

Run from the repository root:

- `python -m tests.store_worker increment DATA_FILE COUNT` — COUNT times: open the
  store (waiting for the lock), commit one one-second credit, close. Prints `done`.
- `python -m tests.store_worker hammer DATA_FILE` — open the store, print
  `start <seq> <seconds> <sessions>`, then commit one-second credits as fast as it
  can (several in flight, so the journal groups them) and print `ack <seq>` once
  each is durable, snapshotting every few milliseconds, until killed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Literal

import database
from database import Store
from tracking.ledger import Ledger
from tracking.records import Credit

GUILDS = (111111111111111111, 222222222222222222)
USERS = tuple(300000000000000000 + number for number in range(40))
DAY = date(2026, 1, 1).toordinal()
IN_FLIGHT = 16


def credit(
    guild_id: int, user_id: int, seconds: int = 1, sessions: Literal[0, 1] = 1, *, day: int = DAY
) -> Credit:
    """A closed camera session of one local day, as `VideoSessionManager` records it."""
    return Credit(
        g=guild_id,
        u=user_id,
        s=seconds,
        n=sessions,
        days=[(day, seconds)],
        day=day,
        long=seconds,
        open=False,
        start="2026-01-01T00:00:00+00:00",
        credited=seconds,
    )


def ledger_totals(ledger: Ledger) -> tuple[int, int]:
    """(seconds, sessions) over every server and the unattributed totals."""
    seconds = sum(s for s, _ in ledger.unattributed.values())
    sessions = sum(n for _, n in ledger.unattributed.values())
    for guild in ledger.guilds.values():
        size = guild.members.size
        seconds += int(guild.members.values[0, :size].sum())
        sessions += int(guild.members.values[1, :size].sum())
    return seconds, sessions


async def increment(data_file: Path, count: int) -> None:
    for _ in range(count):
        store = await asyncio.to_thread(Store.open, data_file, lock_timeout=120.0)
        await store.commit([credit(GUILDS[0], USERS[0])])
        await store.close()
    _say("done")


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _ack(seq: int, future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is None:
        _say(f"ack {seq}")


async def hammer(data_file: Path) -> None:
    database.SNAPSHOT_MIN_SECONDS = 0.002
    store = await asyncio.to_thread(Store.open, data_file)
    seconds, sessions = ledger_totals(store.ledger)
    _say(f"start {store.ledger.seq} {seconds} {sessions}")
    in_flight: set[asyncio.Future[None]] = set()
    number = 0
    while True:
        while len(in_flight) < IN_FLIGHT:
            future = store.commit([credit(GUILDS[number % 2], USERS[number % len(USERS)])])
            future.add_done_callback(functools.partial(_ack, store.ledger.seq))
            in_flight.add(future)
            number += 1
        _, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    command, data_file = argv[0], Path(argv[1])
    if command == "increment":
        asyncio.run(increment(data_file, int(argv[2])))
    elif command == "hammer":
        asyncio.run(hammer(data_file))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
