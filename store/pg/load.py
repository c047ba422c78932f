"""Reading a PostgreSQL store's figures into an in-memory `Ledger`, for the shards a process owns.

The figure tables are read, then the change log rows not folded into them yet are replayed:
the ledger holds everything durable.

A server belongs to shard `(guild_id >> 22) % shard_count` (Discord's rule), and only the
process owning that shard writes it: its ledger is the truth for its servers while it runs,
and the database is where that truth lasts. Totals and days come out as one binary value per
column, read straight into numpy arrays.

Blocking I/O (psycopg's sync API): call it from a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC

import numpy as np
import psycopg
from psycopg import sql
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from psycopg.pq import Format
from psycopg.rows import TupleRow

from store.pg.shards import Shards
from store.pg.writes import replay
from tracking.ledger import DayTable, GuildLedger, Ledger, OpenSession, Table

log = logging.getLogger(__name__)

_DAY_ORDINAL = "day - date '0001-01-01' + 1"
"""A day as `date.toordinal()` numbers it (0001-01-01 is day 1)."""


class _RawArray(Loader):
    """Loads a binary array value as its bytes, for numpy to read."""

    format = Format.BINARY

    def load(self, data: Buffer) -> bytes:
        """The value as it came from the server."""
        return bytes(data)


def _array_values(raw: bytes) -> np.ndarray:
    """The elements of a one-dimensional bigint[] in PostgreSQL's binary format (no NULLs).

    The format: dimensions, a has-NULLs flag and the element type (3 x int32), then per
    dimension its length and lower bound (2 x int32), then per element its length (int32, 8)
    and its value (int64), all big-endian.
    """
    dimensions, has_nulls = int.from_bytes(raw[0:4], "big"), int.from_bytes(raw[4:8], "big")
    if dimensions == 0:
        return np.zeros(0, dtype=np.int64)
    if dimensions != 1 or has_nulls:
        raise ValueError("expected a one-dimensional bigint[] without NULLs")
    elements = np.frombuffer(raw, dtype=np.dtype([("length", ">i4"), ("value", ">i8")]), offset=20)
    if (elements["length"] != 8).any():
        raise ValueError("expected 8-byte bigint elements")
    return elements["value"].astype(np.int64)


def int64_columns(
    connection: psycopg.Connection[TupleRow],
    columns: Sequence[str],
    source: sql.Composable,
    order: Sequence[int],
) -> np.ndarray:
    """Bigint columns of many rows, each read as one binary array, sorted by `order`.

    Each column comes back as one `array_agg` in PostgreSQL's binary format, read with
    `np.frombuffer`: a million rows cost milliseconds of Python. Returns an int64 array
    shaped (columns, rows), its rows sorted by the columns numbered in `order` (the first is
    the primary key of the sort).
    """
    aggregates = sql.SQL(", ").join(
        sql.SQL("coalesce(array_agg(({})::bigint), '{{}}'::bigint[])").format(
            sql.SQL(column)  # the callers' fixed column expressions
        )
        for column in columns
    )
    with connection.cursor(binary=True) as cursor:
        int8_array = cursor.adapters.types["int8"].array_oid
        cursor.adapters.register_loader(int8_array, _RawArray)  # this cursor only
        row = cursor.execute(sql.SQL("SELECT {} FROM {}").format(aggregates, source)).fetchone()
    assert row is not None
    values = np.stack([_array_values(raw) for raw in row])
    if values.shape[1]:
        values = values[:, np.lexsort([values[index] for index in reversed(order)])]
    return values


def load_ledger(connection: psycopg.Connection[TupleRow], shards: Shards) -> Ledger:
    """The figures of the servers of `shards`, the open sessions, and the unattributed totals."""
    where = shards.condition()
    ledger = Ledger()
    totals = int64_columns(
        connection,
        ["guild_id", "user_id", "seconds", "sessions", "longest", "adjusted"],
        sql.SQL("member_totals WHERE {}").format(where),
        order=(0, 1),
    )
    days = int64_columns(
        connection,
        [
            "guild_id",
            _DAY_ORDINAL,
            "user_id",
            "seconds",
            "sessions",
        ],
        sql.SQL("member_days WHERE {}").format(where),
        order=(0, 1, 2),
    )
    for guild_id, members, guild_days in _per_guild(totals, days):
        ledger.guilds[guild_id] = _guild_ledger(guild_id, members, guild_days)
    rows = connection.execute(
        sql.SQL(
            "SELECT guild_id, user_id, started_at, credited_seconds FROM camera_sessions"
            " WHERE is_open AND {}"
        ).format(where)
    ).fetchall()
    for guild_id, user_id, started_at, credited in rows:
        start = started_at.astimezone(UTC).isoformat()
        ledger.open_sessions[(int(guild_id), int(user_id))] = OpenSession(start, int(credited))
    unattributed = connection.execute(
        "SELECT user_id, seconds, sessions FROM unattributed_totals ORDER BY user_id"
    ).fetchall()
    ledger.unattributed = {int(u): (int(s), int(n)) for u, s, n in unattributed}
    replayed = replay(connection, shards, ledger)
    if replayed:
        log.info("PostgreSQL: %d alteração(ões) do registro ainda não consolidadas", replayed)
    return ledger


def _per_guild(
    totals: np.ndarray, days: np.ndarray
) -> Sequence[tuple[int, np.ndarray, np.ndarray]]:
    """(guild id, its totals' columns, its days' columns) for every server in either."""
    guild_ids = np.union1d(_distinct_sorted(totals[0]), _distinct_sorted(days[0]))
    result = []
    for guild_id in guild_ids.tolist():
        lo, hi = np.searchsorted(totals[0], [guild_id, guild_id + 1])
        day_lo, day_hi = np.searchsorted(days[0], [guild_id, guild_id + 1])
        result.append((int(guild_id), totals[1:, lo:hi], days[1:, day_lo:day_hi]))
    return result


def _distinct_sorted(values: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array (one pass, no hashing)."""
    if not len(values):
        return values
    return values[np.r_[True, values[1:] != values[:-1]]]


def _guild_ledger(guild_id: int, members: np.ndarray, days: np.ndarray) -> GuildLedger:
    """One server's ledger from its totals and its days.

    `members` rows: user, seconds, sessions, longest, adjusted (sorted by user); `days`
    rows: day, user, seconds, sessions (sorted by day).
    """
    users = members[0]
    at = np.minimum(np.searchsorted(users, days[1]), max(len(users) - 1, 0))
    known = (users[at] == days[1]) if len(users) else np.zeros(len(days[1]), dtype=bool)
    missing = np.unique(days[1][~known])
    if len(missing):
        # Only a hand edit can leave days without totals: keep the days, totals at zero.
        log.warning(
            "PostgreSQL: %d membro(s) do servidor %d têm dias sem totais; totais zerados",
            len(missing),
            guild_id,
        )
        zeros = np.zeros((members.shape[0] - 1, len(missing)), dtype=np.int64)
        members = np.concatenate([members, np.vstack([missing, zeros])], axis=1)
        members = members[:, np.argsort(members[0], kind="stable")]
        users = members[0]
    table = Table.from_columns(users, members[1], members[2], members[3], members[4])
    rows = np.searchsorted(users, days[1])
    size = days.shape[1]
    starts: list[int] = (
        np.flatnonzero(np.r_[True, days[0][1:] != days[0][:-1]]).tolist() if size else []
    )
    bounds = [*starts, size]
    day_tables = {
        int(days[0][begin]): DayTable.from_columns(
            rows[begin:end], days[2][begin:end], days[3][begin:end]
        )
        for begin, end in zip(bounds, bounds[1:], strict=False)
    }
    return GuildLedger.from_tables(table, day_tables)
