"""What one change does to the PostgreSQL store, and the transaction that writes a batch once.

A `Write` is a change as the database applies it: a session's credit (through
`credit_session`, which moves the session's watermark forward only), figures added or
removed (a manual adjustment, as the ledger applied it), a reset, or the original format's
totals tied to a server. `write_batch` applies a batch in one transaction under the id the
batch was given before its first try: a retry after "commit status unknown" finds that id
in `applied_batches` and applies nothing.

Blocking I/O (psycopg's sync API): call it from a worker thread.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg.rows import TupleRow

from store.pg.ids import session_id
from tracking.records import Credit

BATCHES_KEPT_DAYS = 7
"""How long a written batch's id is kept: far longer than any retry of it."""


@dataclass(frozen=True, slots=True)
class AddFigures:
    """Seconds (per local day) and sessions added to a member; negative seconds remove."""

    guild_id: int
    user_id: int
    seconds: int
    sessions: int = 0
    longest: int = 0
    adjusted: int = 0
    days: tuple[tuple[int, int], ...] = ()
    session_day: int | None = None


@dataclass(frozen=True, slots=True)
class CreditSession:
    """A camera session's credit: its new watermark and what the credit adds."""

    credit: Credit


@dataclass(frozen=True, slots=True)
class ResetFigures:
    """A member's figures (or, when `user_id` is None, a whole server's) erased."""

    guild_id: int
    user_id: int | None


@dataclass(frozen=True, slots=True)
class AttributeUnattributed:
    """The original format's totals tied to one server."""

    guild_id: int


Write = AddFigures | CreditSession | ResetFigures | AttributeUnattributed


def _dates(days: Sequence[tuple[int, int]]) -> tuple[list[date], list[int]]:
    return [date.fromordinal(day) for day, _ in days], [seconds for _, seconds in days]


def _apply(connection: psycopg.Connection[TupleRow], write: Write) -> None:
    match write:
        case CreditSession(credit=credit):
            assert credit.start is not None
            days, seconds = _dates(credit.days)
            connection.execute(
                "SELECT credit_session(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    session_id(credit.g, credit.u, credit.start),
                    credit.g,
                    credit.u,
                    datetime.fromisoformat(credit.start),
                    credit.credited,
                    credit.open,
                    credit.s,
                    credit.n,
                    credit.long,
                    days,
                    seconds,
                    None if credit.day is None else date.fromordinal(credit.day),
                ),
            )
        case AddFigures():
            days, seconds = _dates(write.days)
            session_day = write.session_day
            connection.execute(
                "SELECT add_member_figures(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    write.guild_id,
                    write.user_id,
                    write.seconds,
                    write.sessions,
                    write.longest,
                    write.adjusted,
                    days,
                    seconds,
                    None if session_day is None else date.fromordinal(session_day),
                ),
            )
        case ResetFigures(guild_id=guild_id, user_id=None):
            for table in ("member_totals", "member_days", "member_weeks", "member_months"):
                connection.execute(f"DELETE FROM {table} WHERE guild_id = %s", (guild_id,))
            connection.execute(
                "UPDATE camera_sessions SET is_open = false,"
                " ended_at = started_at + make_interval(secs => credited_seconds)"
                " WHERE guild_id = %s AND is_open",
                (guild_id,),
            )
        case ResetFigures(guild_id=guild_id, user_id=user_id):
            for table in ("member_totals", "member_days", "member_weeks", "member_months"):
                connection.execute(
                    f"DELETE FROM {table} WHERE guild_id = %s AND user_id = %s",
                    (guild_id, user_id),
                )
            connection.execute("SELECT end_other_sessions(%s, %s, NULL)", (guild_id, user_id))
        case AttributeUnattributed(guild_id=guild_id):
            connection.execute(
                "WITH taken AS (DELETE FROM unattributed_totals RETURNING *)"
                " INSERT INTO member_totals AS t (guild_id, user_id, seconds, sessions)"
                " SELECT %s, user_id, seconds, sessions FROM taken"
                " ON CONFLICT (guild_id, user_id) DO UPDATE SET"
                " seconds = t.seconds + EXCLUDED.seconds,"
                " sessions = t.sessions + EXCLUDED.sessions, updated_at = now()",
                (guild_id,),
            )


def write_batch(
    connection: psycopg.Connection[TupleRow],
    batch_id: uuid.UUID,
    writes: Sequence[Write],
    *,
    owner: str,
    shards: Sequence[int],
) -> bool:
    """Apply `writes` in one transaction, unless batch `batch_id` was applied already.

    The owner's heartbeat for each of its shards is written in the same transaction.
    Returns False when the batch had been applied before (nothing changed now).
    """
    with connection.transaction(), connection.pipeline():
        fresh = connection.execute(
            "INSERT INTO applied_batches (batch_id) VALUES (%s)"
            " ON CONFLICT (batch_id) DO NOTHING RETURNING true",
            (batch_id,),
        ).fetchone()
        if fresh is None:
            return False
        for write in writes:
            _apply(connection, write)
        beat(connection, owner, shards)
    return True


def beat(connection: psycopg.Connection[TupleRow], owner: str, shards: Sequence[int]) -> None:
    """Record the owner's sign of life for each of its shards (in the caller's transaction)."""
    connection.execute(
        "INSERT INTO shard_heartbeats (shard_id, owner) SELECT unnest(%s::integer[]), %s"
        " ON CONFLICT (shard_id) DO UPDATE SET owner = EXCLUDED.owner, beat_at = now()",
        (list(shards), owner),
    )


def forget_old_batches(connection: psycopg.Connection[TupleRow]) -> None:
    """Drop the ids of batches written more than `BATCHES_KEPT_DAYS` ago."""
    with connection.transaction():
        connection.execute(
            "DELETE FROM applied_batches WHERE applied_at < now() - make_interval(days => %s)",
            (BATCHES_KEPT_DAYS,),
        )
