"""A JSON store's data moved into PostgreSQL in one transaction (`manage.py import-json`).

What moves: every member's all-time totals per server (`member_totals`), the per-day rows
(`member_days`) with the week and month rows summed from them (`member_weeks`,
`member_months`), the open sessions with their "credited until" watermark
(`camera_sessions`), the totals of the original file format not tied to a server
(`unattributed_totals`), the audit log (`admin_actions`, each entry under
`ids.action_id`) and the servers' settings and members' choices (`server_settings`,
`member_settings`). Rows that are all zero (a member reset to nothing) carry nothing and are
not written. The big tables go in through COPY's binary format, built with numpy.

The rules, so that running it twice changes nothing and nothing newer is lost:

- The import is one batch: its id (in `applied_batches`) is derived from everything it
  writes. Finding it there means this very data was imported before, and nothing is done,
  even if the bot has changed the database since (those changes came after the import).
- Otherwise the database must hold nothing yet for the servers the JSON store knows (no
  totals, day, week or month row, no session, no settings) and no unattributed totals for its
  members.
  If it does (the bot already ran on PostgreSQL, or another JSON store was imported), the
  import refuses (`ImportConflictError`) and writes nothing, unless `replace`: then the
  JSON store's figures replace those servers' rows (the others are deleted, closed sessions
  included) and those members' unattributed totals. Other servers are never touched.
- Audit entries are added by their id (ON CONFLICT DO NOTHING): an entry never lands twice,
  and the database's own entries stay.

Blocking I/O (psycopg's sync API): call it from a worker thread.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb

from store.audit import AuditEntry
from store.pg import ids
from store.pg.actions import ACTION_COLUMNS, ActionRow, action_row
from store.settings import SettingsTable
from tracking.ledger import SECONDS, SESSIONS, Ledger
from tracking.server_settings import settings_to_builtins

log = logging.getLogger(__name__)

CHUNK_ROWS = 100_000
"""Rows sent to COPY in one go (and between two progress reports)."""

Progress = Callable[[str, int, int], None]
"""Told (what, rows done, rows in all; 0 when not known ahead) before and after each chunk."""

_BIGINT, _DATE = ">i8", ">i4"
_PG_EPOCH = date(2000, 1, 1).toordinal()
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_TRAILER = b"\xff\xff"

_FIGURE_TABLES = ("member_totals", "member_days", "member_weeks", "member_months")
"""A server's figures, each indexed by server first."""
_SETTINGS_TABLES = ("server_settings", "member_settings")
_SERVER_TABLES = (*_FIGURE_TABLES, "camera_sessions", *_SETTINGS_TABLES)
"""Every table with a server's rows: what `replace` deletes for an imported server."""


class ImportConflictError(Exception):
    """The database already holds data for servers or members of the JSON store."""

    def __init__(self, servers: Sequence[int], members: int) -> None:
        """Name the servers that have rows, and count the members with unattributed totals."""
        super().__init__(f"{len(servers)} servers and {members} members already have data")
        self.servers = list(servers)
        self.members = members


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import wrote (or, when `already_imported`, found written before)."""

    servers: int
    members: int
    days: int
    weeks: int | None
    """Week rows written (None when `already_imported`: nothing was)."""
    months: int | None
    open_sessions: int
    audit_entries: int
    """Audit entries of the JSON store that the database can hold."""
    audit_added: int
    """Of those, how many were not in the database yet."""
    audit_skipped: int
    """Audit entries the database cannot hold (an adjustment naming no member or seconds)."""
    unattributed: int
    settings: int
    """Servers with settings of their own, plus members with choices of their own."""
    replaced: int
    """Servers whose rows in the database were replaced (`replace`)."""
    already_imported: bool


# ------------------------------------------------------------------ COPY rows


def binary_rows(columns: Sequence[tuple[np.ndarray, str]]) -> bytes:
    """Rows in COPY's binary format (no header or trailer) from parallel non-null columns.

    Each column is (values, numpy big-endian kind): `>i8` for a bigint, `>i4` for a date
    given as days since 2000-01-01.

    >>> binary_rows([(np.array([1]), ">i8")]).hex()
    '0001000000080000000000000001'
    """
    layout: list[tuple[str, str]] = [("fields", ">i2")]
    for number, (_, kind) in enumerate(columns):
        layout += [(f"size{number}", ">i4"), (f"value{number}", kind)]
    rows = np.empty(len(columns[0][0]), dtype=np.dtype(layout))
    rows["fields"] = len(columns)
    for number, (values, kind) in enumerate(columns):
        rows[f"size{number}"] = np.dtype(kind).itemsize
        rows[f"value{number}"] = values
    return rows.tobytes()


@dataclass(frozen=True, slots=True)
class _Chunk:
    rows: int
    data: bytes


def _totals(ledger: Ledger, chunk_rows: int) -> Iterator[_Chunk]:
    """`member_totals` rows: (guild, user, seconds, sessions, longest, adjusted), non-zero."""
    for guild_id, guild in sorted(ledger.guilds.items()):
        size = guild.members.size
        users = guild.members.keys[:size]
        values = guild.members.values[:, :size]
        keep = np.flatnonzero((values != 0).any(axis=0))
        for start in range(0, len(keep), chunk_rows):
            rows = keep[start : start + chunk_rows]
            columns = [(np.full(len(rows), guild_id, dtype=np.int64), _BIGINT)]
            columns.append((users[rows], _BIGINT))
            columns += [(column[rows], _BIGINT) for column in values]
            yield _Chunk(len(rows), binary_rows(columns))


def _days(ledger: Ledger, chunk_rows: int) -> Iterator[_Chunk]:
    """`member_days` rows: (guild, user, day, seconds, sessions), non-zero, in chunks."""
    pending: list[bytes] = []
    count = 0
    for guild_id, guild in sorted(ledger.guilds.items()):
        users = guild.members.keys
        for day, table in sorted(guild.days.items()):
            seconds, sessions = table.column(SECONDS), table.column(SESSIONS)
            keep = np.flatnonzero((seconds > 0) | (sessions > 0))
            if not len(keep):
                continue
            columns: list[tuple[np.ndarray, str]] = [
                (np.full(len(keep), guild_id, dtype=np.int64), _BIGINT),
                (users[table.keys[: table.size][keep]], _BIGINT),
                (np.full(len(keep), day - _PG_EPOCH, dtype=np.int32), _DATE),
                (seconds[keep], _BIGINT),
                (sessions[keep], _BIGINT),
            ]
            pending.append(binary_rows(columns))
            count += len(keep)
            if count >= chunk_rows:
                yield _Chunk(count, b"".join(pending))
                pending, count = [], 0
    if count:
        yield _Chunk(count, b"".join(pending))


def week_of(day: int) -> int:
    """The Monday a local day's week starts on (ordinals), as `date_trunc('week', day)`.

    >>> date.fromordinal(week_of(date(2026, 1, 1).toordinal()))
    datetime.date(2025, 12, 29)
    """
    return day - date.fromordinal(day).weekday()


def month_of(day: int) -> int:
    """The 1st of a local day's month (ordinals), as `date_trunc('month', day)`.

    >>> date.fromordinal(month_of(date(2026, 2, 17).toordinal()))
    datetime.date(2026, 2, 1)
    """
    return date.fromordinal(day).replace(day=1).toordinal()


def _periods(ledger: Ledger, start_of: Callable[[int], int], chunk_rows: int) -> Iterator[_Chunk]:
    """Week or month rows (guild, user, first day, seconds, sessions): sums of the days."""
    pending: list[bytes] = []
    count = 0
    for guild_id, guild in sorted(ledger.guilds.items()):
        size = guild.members.size
        periods: dict[int, list[int]] = {}
        for day in sorted(guild.days):
            periods.setdefault(start_of(day), []).append(day)
        for first, days in sorted(periods.items()):
            seconds = np.zeros(size, dtype=np.int64)
            sessions = np.zeros(size, dtype=np.int64)
            for day in days:
                table = guild.days[day]
                rows = table.keys[: table.size]  # each member at most once per day
                seconds[rows] += table.column(SECONDS)
                sessions[rows] += table.column(SESSIONS)
            keep = np.flatnonzero((seconds > 0) | (sessions > 0))
            if not len(keep):
                continue
            columns: list[tuple[np.ndarray, str]] = [
                (np.full(len(keep), guild_id, dtype=np.int64), _BIGINT),
                (guild.members.keys[keep], _BIGINT),
                (np.full(len(keep), first - _PG_EPOCH, dtype=np.int32), _DATE),
                (seconds[keep], _BIGINT),
                (sessions[keep], _BIGINT),
            ]
            pending.append(binary_rows(columns))
            count += len(keep)
            if count >= chunk_rows:
                yield _Chunk(count, b"".join(pending))
                pending, count = [], 0
    if count:
        yield _Chunk(count, b"".join(pending))


def _unattributed(ledger: Ledger) -> _Chunk:
    """`unattributed_totals` rows: (user, seconds, sessions), by user."""
    items = sorted(ledger.unattributed.items())
    users = np.array([user for user, _ in items], dtype=np.int64)
    seconds = np.array([figures[0] for _, figures in items], dtype=np.int64)
    sessions = np.array([figures[1] for _, figures in items], dtype=np.int64)
    if not items:
        return _Chunk(0, b"")
    return _Chunk(
        len(items), binary_rows([(users, _BIGINT), (seconds, _BIGINT), (sessions, _BIGINT)])
    )


SessionRow = tuple[uuid.UUID, int, int, datetime, int]


def _sessions(ledger: Ledger) -> list[SessionRow]:
    """`camera_sessions` rows of the open sessions: (id, guild, user, started at, credited)."""
    return [
        (
            ids.session_id(guild_id, user_id, session.started_at),
            guild_id,
            user_id,
            datetime.fromisoformat(session.started_at),
            session.credited,
        )
        for (guild_id, user_id), session in sorted(ledger.open_sessions.items())
    ]


def storable(entry: AuditEntry) -> bool:
    """Whether `admin_actions` can hold an entry (an adjustment names a member and seconds).

    >>> storable(AuditEntry("2026-01-01T00:00:00+00:00", 1, 2, "a", "adjust", 3, None, 60))
    True
    >>> storable(AuditEntry("2026-01-01T00:00:00+00:00", 1, 2, "a", "adjust", 3, None, 0))
    False
    """
    if entry.action != "adjust":
        return True
    return entry.user_id is not None and entry.seconds is not None and entry.seconds != 0


def _actions(entries: Sequence[AuditEntry]) -> list[ActionRow]:
    """`admin_actions` rows, one per distinct entry (an entry's id is its content)."""
    rows: dict[uuid.UUID, ActionRow] = {}
    for entry in entries:
        row = action_row(entry)
        rows.setdefault(row[0], row)
    return list(rows.values())


# -------------------------------------------------------------------- import


@dataclass
class _Plan:
    """Everything one import writes, and the batch id derived from it."""

    servers: list[int]
    sessions: list[SessionRow]
    actions: list[ActionRow]
    audit_skipped: int
    unattributed: _Chunk
    totals_rows: int
    days_rows: int
    members: int
    settings: SettingsTable
    batch_id: uuid.UUID


def plan(
    ledger: Ledger,
    entries: Sequence[AuditEntry],
    chunk_rows: int = CHUNK_ROWS,
    settings: SettingsTable | None = None,
) -> _Plan:
    """Read what an import of `ledger`, `entries` and `settings` writes; derive its batch id."""
    settings = settings or SettingsTable()
    servers = sorted(
        set(ledger.guilds)
        | {guild for guild, _ in ledger.open_sessions}
        | set(settings.servers)
        | set(settings.members)
    )
    sessions = _sessions(ledger)
    kept = [entry for entry in entries if storable(entry)]
    actions = _actions(kept)
    unattributed = _unattributed(ledger)
    digest = hashlib.sha256()
    digest.update(np.array(servers, dtype=">i8").tobytes())
    totals_rows = days_rows = 0
    member_ids = [np.array(sorted(ledger.unattributed), dtype=np.int64)]
    for chunk in _totals(ledger, chunk_rows):
        totals_rows += chunk.rows
        digest.update(chunk.data)
    for chunk in _days(ledger, chunk_rows):
        days_rows += chunk.rows
        digest.update(chunk.data)
    for guild in ledger.guilds.values():
        values = guild.members.values[:, : guild.members.size]
        member_ids.append(guild.members.keys[: guild.members.size][(values != 0).any(axis=0)])
    digest.update(b"unattributed" + unattributed.data)
    digest.update(repr(sessions).encode())
    digest.update(repr(sorted(row[0] for row in actions)).encode())
    digest.update(b"settings" + settings.encode())
    return _Plan(
        servers=servers,
        sessions=sessions,
        actions=actions,
        audit_skipped=len(entries) - len(kept),
        unattributed=unattributed,
        totals_rows=totals_rows,
        days_rows=days_rows,
        members=len(np.unique(np.concatenate(member_ids))),
        settings=settings,
        batch_id=uuid.uuid5(ids.NAMESPACE, f"import-json:{digest.hexdigest()}"),
    )


def import_ledger(
    conninfo: str,
    ledger: Ledger,
    entries: Sequence[AuditEntry],
    *,
    replace: bool = False,
    progress: Progress | None = None,
    chunk_rows: int | None = None,
    settings: SettingsTable | None = None,
) -> ImportSummary:
    """Write `ledger`, the audit `entries` and `settings` into the migrated database.

    One transaction: on any error nothing is written. See the module's rules.

    Raises:
        ImportConflictError: the database holds data for the JSON store's servers or
            unattributed members, and `replace` is False.
        psycopg.Error: the database refused (nothing was written).
    """
    chunk_rows = chunk_rows or CHUNK_ROWS
    work = plan(ledger, entries, chunk_rows, settings)
    report = progress or (lambda what, done, total: None)
    with psycopg.connect(conninfo) as connection, connection.transaction():
        connection.execute("SET LOCAL lock_timeout = '60s'")
        # Room to sort a million rows in memory when an index is built again (the default
        # 64 MB spills to disk).
        connection.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Writers of these tables wait for the import, so what is checked stays true.
        connection.execute(
            "LOCK TABLE member_totals, member_days, member_weeks, member_months, "
            "camera_sessions, unattributed_totals, applied_batches, server_settings, "
            "member_settings IN SHARE ROW EXCLUSIVE MODE"
        )
        done_before = connection.execute(
            "SELECT 1 FROM applied_batches WHERE batch_id = %s", (work.batch_id,)
        ).fetchone()
        if done_before is not None and not replace:
            return _summary(work, weeks=None, months=None, audit_added=0, replaced=0, again=True)
        _stage_unattributed(connection, work.unattributed)
        busy, members = _busy(connection, work.servers)
        if (busy or members) and not replace:
            raise ImportConflictError(busy, members)
        for table in _SERVER_TABLES:
            connection.execute(f"DELETE FROM {table} WHERE guild_id = ANY(%s)", (busy,))
        _bulk_copy(
            connection,
            "member_totals",
            "guild_id, user_id, seconds, sessions, longest, adjusted",
            _totals(ledger, chunk_rows),
            lambda done: report("totais por membro", done, work.totals_rows),
        )
        _bulk_copy(
            connection,
            "member_days",
            "guild_id, user_id, day, seconds, sessions",
            _days(ledger, chunk_rows),
            lambda done: report("histórico por dia", done, work.days_rows),
        )
        weeks = _bulk_copy(
            connection,
            "member_weeks",
            "guild_id, user_id, week, seconds, sessions",
            _periods(ledger, week_of, chunk_rows),
            lambda done: report("semanas", done, 0),
        )
        months = _bulk_copy(
            connection,
            "member_months",
            "guild_id, user_id, month, seconds, sessions",
            _periods(ledger, month_of, chunk_rows),
            lambda done: report("meses", done, 0),
        )
        _write_sessions(connection, work.sessions)
        connection.execute(
            "INSERT INTO unattributed_totals AS t (user_id, seconds, sessions) "
            "SELECT user_id, seconds, sessions FROM import_unattributed "
            "ON CONFLICT (user_id) DO UPDATE "
            "SET seconds = EXCLUDED.seconds, sessions = EXCLUDED.sessions"
        )
        audit_added = _write_actions(connection, work.actions)
        _write_settings(connection, work.settings)
        connection.execute(
            "INSERT INTO applied_batches (batch_id) VALUES (%s) ON CONFLICT DO NOTHING",
            (work.batch_id,),
        )
    return _summary(
        work, weeks=weeks, months=months, audit_added=audit_added, replaced=len(busy), again=False
    )


def _summary(
    work: _Plan,
    *,
    weeks: int | None,
    months: int | None,
    audit_added: int,
    replaced: int,
    again: bool,
) -> ImportSummary:
    return ImportSummary(
        servers=len(work.servers),
        members=work.members,
        days=work.days_rows,
        weeks=weeks,
        months=months,
        open_sessions=len(work.sessions),
        audit_entries=len(work.actions),
        audit_added=audit_added,
        audit_skipped=work.audit_skipped,
        unattributed=work.unattributed.rows,
        settings=len(work.settings.servers)
        + sum(len(choices) for choices in work.settings.members.values()),
        replaced=replaced,
        already_imported=again,
    )


def _copy_chunks(
    connection: psycopg.Connection[TupleRow],
    target: str,
    chunks: Iterator[_Chunk],
    report: Callable[[int], None],
) -> int:
    """COPY binary chunks into `target` ("table (columns)"), reporting after each; the rows."""
    done = 0
    report(done)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {target} FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_COPY_SIGNATURE)
            for chunk in chunks:
                copy.write(chunk.data)
                done += chunk.rows
                report(done)
            copy.write(_COPY_TRAILER)
    return done


def _bulk_copy(
    connection: psycopg.Connection[TupleRow],
    table: str,
    columns: str,
    chunks: Iterator[_Chunk],
    report: Callable[[int], None] | None = None,
) -> int:
    """COPY chunks into one of the figure tables; the rows written.

    Into an empty table (a first import), its indexes are dropped first and built again
    after the rows are in, as pg_restore does: building an index once costs a fraction
    of updating it row by row. Inside the transaction, so nobody sees the table without.
    """
    empty = connection.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})").fetchone()
    rebuild = _drop_indexes(connection, table) if empty is not None and empty[0] else []
    rows = _copy_chunks(connection, f"{table} ({columns})", chunks, report or (lambda done: None))
    if rebuild:
        started = time.perf_counter()
        for statement in rebuild:
            connection.execute(statement)
        log.info(
            "PostgreSQL: índices de %s criados de novo depois da carga (%.1f s)",
            table,
            time.perf_counter() - started,
        )
    return rows


def _drop_indexes(
    connection: psycopg.Connection[TupleRow], table: str
) -> list[sql.Composed | sql.SQL]:
    """Drop a table's indexes (its primary key too); the statements that create them again."""
    rebuild: list[sql.Composed | sql.SQL] = []
    constraints = connection.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY conname",
        (table,),
    ).fetchall()
    indexes = connection.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index AS i "
        "JOIN pg_class AS c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass AND NOT "
        "EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid) "
        "ORDER BY c.relname",
        (table,),
    ).fetchall()
    for name, definition in constraints:
        connection.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
        rebuild.append(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
            )
        )
    for name, definition in indexes:
        connection.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        rebuild.append(sql.SQL(definition))
    return rebuild


def _stage_unattributed(connection: psycopg.Connection[TupleRow], rows: _Chunk) -> None:
    """The JSON store's unattributed totals in a temporary table, for the check and upsert."""
    connection.execute(
        "CREATE TEMPORARY TABLE import_unattributed "
        "(user_id bigint PRIMARY KEY, seconds bigint, sessions bigint) ON COMMIT DROP"
    )
    _copy_chunks(
        connection,
        "import_unattributed (user_id, seconds, sessions)",
        iter([rows] if rows.rows else []),
        lambda done: None,
    )


def _busy(connection: psycopg.Connection[TupleRow], servers: list[int]) -> tuple[list[int], int]:
    """The servers with rows already, and how many members have unattributed totals."""
    busy: set[int] = set()
    for table in _FIGURE_TABLES:
        rows = connection.execute(
            f"SELECT g FROM unnest(%s::bigint[]) AS g "
            f"WHERE EXISTS (SELECT 1 FROM {table} WHERE guild_id = g)",
            (servers,),
        ).fetchall()
        busy.update(guild for (guild,) in rows)
    for table in ("camera_sessions", *_SETTINGS_TABLES):
        rows = connection.execute(
            f"SELECT DISTINCT guild_id FROM {table} WHERE guild_id = ANY(%s)", (servers,)
        ).fetchall()
        busy.update(guild for (guild,) in rows)
    found = connection.execute(
        "SELECT count(*) FROM unattributed_totals JOIN import_unattributed USING (user_id)"
    ).fetchone()
    return sorted(busy), int(found[0]) if found is not None else 0


def _write_sessions(connection: psycopg.Connection[TupleRow], sessions: list[SessionRow]) -> None:
    """The open sessions, each with its watermark."""
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY camera_sessions (session_id, guild_id, user_id, started_at, credited_seconds, "
            "is_open) FROM STDIN"
        ) as copy:
            for row in sessions:
                copy.write_row((*row, True))


def _write_actions(connection: psycopg.Connection[TupleRow], actions: list[ActionRow]) -> int:
    """The audit entries not in the database yet; how many were added."""
    columns = ACTION_COLUMNS
    connection.execute(
        "CREATE TEMPORARY TABLE import_actions ON COMMIT DROP AS"
        f" SELECT 0::bigint AS line, {columns} FROM admin_actions WITH NO DATA"
    )
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY import_actions (line, {columns}) FROM STDIN") as copy:
            for line, row in enumerate(actions):
                copy.write_row((line, *row))
    cursor = connection.execute(
        f"INSERT INTO admin_actions ({columns}) SELECT {columns} FROM import_actions "
        "ORDER BY line ON CONFLICT (action_id) DO NOTHING"  # in the audit log's order
    )
    return cursor.rowcount


def _write_settings(connection: psycopg.Connection[TupleRow], table: SettingsTable) -> None:
    """The servers' settings and the members' choices (their servers hold none yet)."""
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO server_settings (guild_id, settings) VALUES (%s, %s)",
            [(g, Jsonb(settings_to_builtins(s))) for g, s in sorted(table.servers.items())],
        )
        cursor.executemany(
            "INSERT INTO member_settings (guild_id, user_id, settings) VALUES (%s, %s, %s)",
            [
                (g, u, Jsonb(settings_to_builtins(c)))
                for g, choices in sorted(table.members.items())
                for u, c in sorted(choices.items())
            ],
        )
