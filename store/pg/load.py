"""Reading a PostgreSQL store's figures into an in-memory `Ledger`, for the shards a process owns.

A server belongs to shard `(guild_id >> 22) % shard_count` (Discord's rule), and only the
process owning that shard writes it: its ledger is the truth for its servers while it runs,
and the database is where that truth lasts. Totals and days come out with a binary COPY
read straight into numpy arrays, so a million members load in about a second.

Blocking I/O (psycopg's sync API): call it from a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC

import numpy as np
import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from tracking.ledger import DayTable, GuildLedger, Ledger, OpenSession, Table

log = logging.getLogger(__name__)

_EPOCH_ORDINAL = 1
"""`date.toordinal()` of 0001-01-01: days are read as `day - '0001-01-01' + 1`."""


@dataclass(frozen=True, slots=True)
class Shards:
    """Which servers a process owns: those on `ids`, of `count` shards."""

    count: int = 1
    ids: tuple[int, ...] = (0,)

    @classmethod
    def every(cls, count: int | None) -> Shards:
        """All the shards of `count` (one when None)."""
        total = count or 1
        return cls(total, tuple(range(total)))

    def condition(self) -> sql.Composable:
        """A SQL condition on `guild_id` that holds for the servers of these shards."""
        if set(self.ids) >= set(range(self.count)):
            return sql.SQL("true")
        return sql.SQL("((guild_id >> 22) % {count}) = ANY({ids})").format(
            count=sql.Literal(self.count), ids=sql.Literal(list(self.ids))
        )

    def owns(self, guild_id: int) -> bool:
        """Whether a server is on one of these shards."""
        return (guild_id >> 22) % self.count in self.ids


def copy_int64_rows(
    connection: psycopg.Connection[TupleRow], query: sql.Composable, columns: int
) -> np.ndarray:
    """The rows of a query whose `columns` columns are all non-null bigint, as an array.

    Returns an int64 array shaped (columns, rows). Read with COPY ... (FORMAT BINARY): each
    row is a 16-bit field count, then per field a 32-bit length (8) and the big-endian value.
    """
    statement = sql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(query)
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        data = b"".join(bytes(block) for block in copy)
    header_extension = int.from_bytes(data[15:19], "big")
    body = data[19 + header_extension : -2]  # the trailer is a field count of -1
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for column in range(columns):
        fields += [(f"length{column}", ">i4"), (f"value{column}", ">i8")]
    rows = np.frombuffer(body, dtype=np.dtype(fields))
    if (rows["count"] != columns).any() or any(
        (rows[f"length{column}"] != 8).any() for column in range(columns)
    ):
        raise ValueError("COPY returned a row that is not all non-null bigint")
    return np.stack([rows[f"value{column}"].astype(np.int64) for column in range(columns)])


def load_ledger(connection: psycopg.Connection[TupleRow], shards: Shards) -> Ledger:
    """The figures of the servers of `shards`, the open sessions, and the unattributed totals."""
    where = shards.condition()
    ledger = Ledger()
    totals = copy_int64_rows(
        connection,
        sql.SQL(
            "SELECT guild_id, user_id, seconds, sessions, longest, adjusted FROM member_totals"
            " WHERE {} ORDER BY guild_id, user_id"
        ).format(where),
        6,
    )
    days = copy_int64_rows(
        connection,
        sql.SQL(
            "SELECT guild_id, (day - date '0001-01-01' + {})::bigint, user_id, seconds, sessions"
            " FROM member_days WHERE {} ORDER BY guild_id, day, user_id"
        ).format(sql.Literal(_EPOCH_ORDINAL), where),
        5,
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
    return ledger


def _per_guild(
    totals: np.ndarray, days: np.ndarray
) -> Sequence[tuple[int, np.ndarray, np.ndarray]]:
    """(guild id, its totals' columns, its days' columns) for every server in either."""
    guild_ids = np.union1d(np.unique(totals[0]), np.unique(days[0]))
    result = []
    for guild_id in guild_ids.tolist():
        lo, hi = np.searchsorted(totals[0], [guild_id, guild_id + 1])
        day_lo, day_hi = np.searchsorted(days[0], [guild_id, guild_id + 1])
        result.append((int(guild_id), totals[1:, lo:hi], days[1:, day_lo:day_hi]))
    return result


def _guild_ledger(guild_id: int, members: np.ndarray, days: np.ndarray) -> GuildLedger:
    """One server's ledger from its totals and its days.

    `members` rows: user, seconds, sessions, longest, adjusted (sorted by user); `days`
    rows: day, user, seconds, sessions (sorted by day).
    """
    users = members[0]
    missing = np.setdiff1d(np.unique(days[1]), users)
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
    guild = GuildLedger()
    guild.members = Table.from_columns(users, members[1], members[2], members[3], members[4])
    rows = np.searchsorted(users, days[1])
    size = days.shape[1]
    starts: list[int] = (
        np.flatnonzero(np.r_[True, days[0][1:] != days[0][:-1]]).tolist() if size else []
    )
    bounds = [*starts, size]
    for begin, end in zip(bounds, bounds[1:], strict=False):
        guild.days[int(days[0][begin])] = DayTable.from_columns(
            rows[begin:end], days[2][begin:end], days[3][begin:end]
        )
    return guild
