"""The PostgreSQL store's measurements, on a throw-away database of the server the PG* variables
(or `BENCH_DATABASE_URL`) name: `make bench` starts one with Debian's `pg_virtualenv`.

The same synthetic members as the JSON store's measurements (`bench.data.History`) are
loaded with COPY into the store's tables. Measured:

- the floor: one single-row INSERT committed (autocommit), the cheapest durable write;
- event latency: `PgStore.commit` of one camera-off credit until its future completes
  (applied in memory, written and committed by the writer);
- durable events/s with 4 writer processes, each owning one shard of 4 of one database;
- start-up: `PgStore.open` (migrations checked, shard locks, the ledger loaded);
- top-10 all time and this week from the indexed tables (SQL), and a member's position.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import psycopg
from psycopg import sql

from bench.data import GUILD_ID, HISTORY_DAYS, NOW, TODAY, WEEK, History
from bench.measure import Samples
from store.pg.load import Shards
from store.pg.migrate import migrate
from store.pg.store import PgStore
from tracking.records import Credit

WRITER_PROCESSES = 4
TASKS_PER_PROCESS = 64


@dataclass
class PgSize:
    """What was measured at one number of members."""

    size: int
    startup: float = 0.0
    total_top: Samples | None = None
    week_top: Samples | None = None
    position: Samples | None = None


@dataclass
class PgResults:
    """The PostgreSQL side of a run."""

    server: str
    floor: Samples = field(default_factory=lambda: Samples.of([]))
    latency: Samples = field(default_factory=lambda: Samples.of([]))
    throughput: float = 0.0
    sizes: dict[int, PgSize] = field(default_factory=dict)


def server_url() -> str | None:
    """A URL of the server to measure on (without a database), or None when none answers."""
    base = os.environ.get("BENCH_DATABASE_URL", "")
    try:
        with psycopg.connect(base, autocommit=True, connect_timeout=5) as connection:
            version = connection.info.server_version
    except psycopg.OperationalError:
        return None
    del version
    return base


@contextmanager
def scratch_database(base: str) -> Iterator[str]:
    """A fresh database on the server of `base`, dropped afterwards; its URL."""
    name = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        info = connection.info
        params = {"host": info.host, "port": str(info.port), "user": info.user, "dbname": name}
        if info.password:
            params["password"] = info.password
    url = psycopg.conninfo.make_conninfo(**params)
    try:
        migrate(url)
        yield url
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def describe(base: str) -> str:
    """The server's version and where it runs, for the notes."""
    with psycopg.connect(base, autocommit=True) as connection:
        row = connection.execute("SHOW server_version").fetchone()
        fsync = connection.execute("SHOW synchronous_commit").fetchone()
        where = f"{connection.info.host}:{connection.info.port}"
    version = row[0] if row else "?"
    commit = fsync[0] if fsync else "?"
    return f"PostgreSQL {version} at {where}, synchronous_commit={commit}"


# ------------------------------------------------------------------------ data


def events(
    user_ids: np.ndarray, count: int, rng: np.random.Generator, guild_id: int
) -> list[Credit]:
    """`count` camera-off credits of sessions of 1 to 60 minutes, each its own session."""
    picks = rng.choice(user_ids, count).tolist()
    lengths = rng.integers(60, 3600, count).tolist()
    records = []
    for number, (user_id, length) in enumerate(zip(picks, lengths, strict=True)):
        start = NOW - timedelta(seconds=length) + timedelta(microseconds=number)
        records.append(
            Credit(
                g=guild_id,
                u=user_id,
                s=length,
                n=1,
                days=[(TODAY, length)],
                day=TODAY,
                long=length,
                open=False,
                start=start.isoformat(),
                credited=length,
            )
        )
    return records


def load_history(url: str, history: History) -> None:
    """COPY a history into the tables, as the store would have written it."""
    first_day = TODAY - HISTORY_DAYS + 1
    seconds = history.seconds
    users = history.user_ids
    active = seconds > 0
    with psycopg.connect(url, autocommit=True) as connection:
        with connection.cursor() as cursor:
            with cursor.copy(
                "COPY member_totals (guild_id, user_id, seconds, sessions, longest) FROM STDIN"
            ) as copy:
                for user, total, count, longest in zip(
                    users.tolist(),
                    seconds.sum(axis=1).tolist(),
                    active.sum(axis=1).tolist(),
                    seconds.max(axis=1).tolist(),
                    strict=True,
                ):
                    copy.write_row((GUILD_ID, user, total, count, longest))
            rows, offsets = np.nonzero(active)
            with cursor.copy(
                "COPY member_days (guild_id, user_id, day, seconds, sessions) FROM STDIN"
            ) as copy:
                for row, offset in zip(rows.tolist(), offsets.tolist(), strict=True):
                    day = date.fromordinal(first_day + offset)
                    copy.write_row((GUILD_ID, int(users[row]), day, int(seconds[row, offset]), 1))
        for table, unit in (("member_weeks", "week"), ("member_months", "month")):
            connection.execute(
                sql.SQL(
                    "INSERT INTO {table} (guild_id, user_id, {unit}, seconds, sessions)"
                    " SELECT guild_id, user_id, date_trunc({trunc}, day)::date,"
                    " sum(seconds), sum(sessions) FROM member_days GROUP BY 1, 2, 3"
                ).format(
                    table=sql.Identifier(table),
                    unit=sql.Identifier(unit),
                    trunc=sql.Literal(unit),
                )
            )
        connection.execute("VACUUM ANALYZE")


# --------------------------------------------------------------- measurements


def commit_floor(url: str, count: int) -> Samples:
    """One single-row INSERT per transaction, committed: the cheapest durable write."""
    samples = []
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS bench_floor (id bigint)")
        for number in range(count):
            started = time.perf_counter()
            connection.execute("INSERT INTO bench_floor VALUES (%s)", (number,))
            samples.append(time.perf_counter() - started)
        connection.execute("DROP TABLE bench_floor")
    return Samples.of(samples)


def timed_open(url: str, shards: Shards) -> tuple[PgStore, float]:
    """`PgStore.open` and its duration."""
    started = time.perf_counter()
    store = PgStore.open(url, shards)
    return store, time.perf_counter() - started


async def commit_latency(store: PgStore, records: list[Credit], warm_up: int) -> Samples:
    """Commit events one at a time, each awaited until PostgreSQL committed it."""
    for record in records[:warm_up]:
        await store.commit([record])
    samples = []
    for record in records[warm_up:]:
        started = time.perf_counter()
        await store.commit([record])
        samples.append(time.perf_counter() - started)
    return Samples.of(samples)


def query_latency(
    url: str, query: str, params: tuple[object, ...] | dict[str, object], repeats: int
) -> Samples:
    """Run one query `repeats` times on one connection (after one warm-up run)."""
    samples = []
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(query, params).fetchall()
        for _ in range(repeats):
            started = time.perf_counter()
            connection.execute(query, params).fetchall()
            samples.append(time.perf_counter() - started)
    return Samples.of(samples)


TOP_TOTAL = (
    "SELECT user_id, seconds, sessions FROM member_totals WHERE guild_id = %s"
    " ORDER BY seconds DESC, user_id LIMIT 10"
)
TOP_WEEK = (
    "SELECT user_id, seconds, sessions FROM member_weeks WHERE guild_id = %s AND week = %s"
    " ORDER BY seconds DESC, user_id LIMIT 10"
)
POSITION = (
    "WITH mine AS (SELECT seconds FROM member_totals WHERE guild_id = %(g)s AND user_id = %(u)s)"
    " SELECT count(*) + 1 FROM member_totals, mine WHERE member_totals.guild_id = %(g)s"
    " AND (member_totals.seconds > mine.seconds"
    " OR (member_totals.seconds = mine.seconds AND member_totals.user_id < %(u)s))"
)


def measure_size(url: str, history: History, repeats: int) -> PgSize:
    """Start-up and the reads at one number of members (the tables are emptied first)."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "TRUNCATE member_totals, member_days, member_weeks, member_months, camera_sessions"
        )
    load_history(url, history)
    result = PgSize(len(history.user_ids))
    store, result.startup = timed_open(url, Shards())
    asyncio.run(store.close())
    week = date.fromordinal(WEEK.first)
    result.total_top = query_latency(url, TOP_TOTAL, (GUILD_ID,), repeats)
    result.week_top = query_latency(url, TOP_WEEK, (GUILD_ID, week), repeats)
    middle = int(history.user_ids[len(history.user_ids) // 2])
    result.position = query_latency(url, POSITION, {"g": GUILD_ID, "u": middle}, repeats)
    return result


def _writer_process(url: str, shard: int, seconds: float, start_at: float) -> int:
    """One of the writer processes: owns shard `shard` of 4, commits for `seconds`."""
    guild_id = GUILD_ID - (GUILD_ID >> 22) % WRITER_PROCESSES * (1 << 22) + shard * (1 << 22)
    rng = np.random.default_rng(shard)
    users = rng.integers(10**17, 10**18, 10_000)
    records = events(users, 20_000, rng, guild_id)

    async def run() -> int:
        store = await asyncio.to_thread(PgStore.open, url, Shards(WRITER_PROCESSES, (shard,)))
        done = 0
        await asyncio.sleep(max(0.0, start_at - time.time()))
        deadline = time.perf_counter() + seconds

        async def task(offset: int) -> None:
            nonlocal done
            index = offset
            while time.perf_counter() < deadline:
                await store.commit([records[index % len(records)]])
                done += 1
                index += TASKS_PER_PROCESS

        await asyncio.gather(*(task(i) for i in range(TASKS_PER_PROCESS)))
        await store.close()
        return done

    return asyncio.run(run())


def durable_throughput(url: str, seconds: float) -> float:
    """Durable events/s of 4 processes, each owning one shard, committing at once."""
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 5.0  # every process opened its store by then
    with ProcessPoolExecutor(WRITER_PROCESSES, mp_context=context) as pool:
        futures = [
            pool.submit(_writer_process, url, shard, seconds, start_at)
            for shard in range(WRITER_PROCESSES)
        ]
        total = sum(future.result() for future in futures)
    return total / seconds


def measure(
    base: str,
    histories: dict[int, History],
    big_events: list[Credit],
    *,
    floor_samples: int,
    warm_up: int,
    repeats: int,
    throughput_seconds: float,
) -> PgResults:
    """Every PostgreSQL measurement, on one scratch database."""
    results = PgResults(describe(base))
    with scratch_database(base) as url:
        results.floor = commit_floor(url, floor_samples)
        for size, history in histories.items():
            results.sizes[size] = measure_size(url, history, repeats)
        store, _ = timed_open(url, Shards())

        async def latency() -> Samples:
            try:
                return await commit_latency(store, big_events, warm_up)
            finally:
                await store.close()

        results.latency = asyncio.run(latency())
        results.throughput = durable_throughput(url, throughput_seconds)
    return results
