"""The PostgreSQL store's measurements, on a throw-away database of the server the PG* variables
(or `BENCH_DATABASE_URL`) name: `make bench` starts one with Debian's `pg_virtualenv`.

The same synthetic members as the JSON store's measurements (the ledgers `bench.run`
builds) are loaded into the store's tables as `manage.py import-json` loads them. Measured:

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

from bench.data import GUILD_ID, NOW, TODAY, WEEK
from bench.measure import Samples, commit_latency
from bench.report import Row, duration, members
from store.pg.importer import import_ledger
from store.pg.migrate import migrate
from store.pg.shards import Shards
from store.pg.store import PgStore
from tracking.ledger import Ledger
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


def load(url: str, ledger: Ledger) -> None:
    """Put a ledger's figures into the tables, as `manage.py import-json` does."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "TRUNCATE member_totals, member_days, member_weeks, member_months, camera_sessions,"
            " change_log, applied_batches"
        )
    import_ledger(url, ledger, [], replace=True)
    with psycopg.connect(url, autocommit=True) as connection:
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


def measure_size(url: str, ledger: Ledger, repeats: int) -> PgSize:
    """Start-up and the reads at the ledger's number of members (one server)."""
    load(url, ledger)
    guild = ledger.guilds[GUILD_ID]
    result = PgSize(guild.members.size)
    store, result.startup = timed_open(url, Shards())
    asyncio.run(store.close())
    week = date.fromordinal(WEEK.first)
    result.total_top = query_latency(url, TOP_TOTAL, (GUILD_ID,), repeats)
    result.week_top = query_latency(url, TOP_WEEK, (GUILD_ID, week), repeats)
    middle = int(guild.members.keys[guild.members.size // 2])
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


async def _latency(url: str, records: list[Credit], warm_up: int) -> Samples:
    store, _ = timed_open(url, Shards())
    try:
        return await commit_latency(store, records, warm_up)
    finally:
        await store.close()


def measure_writes(
    results: PgResults, url: str, records: list[Credit], *, warm_up: int, seconds: float
) -> None:
    """Event latency (one process) and durable events/s (4 processes), into `results`."""
    results.latency = asyncio.run(_latency(url, records, warm_up))
    results.throughput = durable_throughput(url, seconds)


# ----------------------------------------------------------------------- table


def rows(results: PgResults, sizes: tuple[int, ...]) -> list[Row]:
    """The PostgreSQL store's lines of the benchmark table."""
    floor = results.floor.p50
    out = [
        Row("PostgreSQL: 1-row INSERT commit (floor)", "-", duration(floor)),
        Row(
            "PostgreSQL: event latency p50 (durable)",
            "-",
            duration(results.latency.p50),
            target=f"<= 2x floor ({duration(2 * floor)})",
            passed=results.latency.p50 <= 2 * floor,
        ),
        Row("PostgreSQL: event latency p99 (durable)", "-", duration(results.latency.p99)),
        Row(
            f"PostgreSQL: durable events/s, {WRITER_PROCESSES} writer processes",
            "-",
            f"{results.throughput:,.0f}/s",
        ),
    ]
    for size in sizes:
        measured = results.sizes.get(size)
        if measured is None:
            continue
        assert measured.total_top and measured.week_top and measured.position
        week_limit = 0.010 if size == max(sizes) else None
        out += [
            Row(
                "PostgreSQL: top-10, all time (SQL, p50)",
                members(size),
                duration(measured.total_top.p50),
            ),
            Row(
                "PostgreSQL: top-10, this week (SQL, p50)",
                members(size),
                duration(measured.week_top.p50),
                target="" if week_limit is None else f"<= {duration(week_limit)}",
                passed=None if week_limit is None else measured.week_top.p50 <= week_limit,
            ),
            Row(
                "PostgreSQL: a member's position (SQL, p50)",
                members(size),
                duration(measured.position.p50),
            ),
            Row("PostgreSQL: start-up (PgStore.open)", members(size), duration(measured.startup)),
        ]
    return out


def notes(results: PgResults) -> list[str]:
    """What the PostgreSQL lines measure."""
    return [
        f"PostgreSQL: {results.server}. Event latency = PgStore.commit() until PostgreSQL "
        "committed it (one INSERT into the change log); floor = one single-row INSERT, "
        f"autocommit, same server. Events/s: {WRITER_PROCESSES} processes, each owning one "
        f"shard of {WRITER_PROCESSES}, {TASKS_PER_PROCESS} tasks each. The bot's own rankings "
        "on PostgreSQL come from its in-memory ledger (the JSON lines' top-10 figures); the "
        "SQL lines are the indexed tables' answers, for tools and other processes.",
    ]
