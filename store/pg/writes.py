"""How changes reach the PostgreSQL store: appended to the change log, then folded.

`append_batch` makes a batch durable with one INSERT into `change_log` (about one commit
per camera event), under the id the batch was given before its first try: a retry after
"commit status unknown" lands on the same rows and adds nothing. `fold` later applies the
logged changes of some shards to the figure tables, in order, in one transaction, and
deletes them; `replay` applies the rows not folded yet to an in-memory ledger, so a load
sees everything durable (as the JSON store replays its journal over its snapshot).

In the tables, a change is a `Write`: a session's credit (through `credit_session`, which
moves the session's watermark forward only: a replayed checkpoint or close credits 0 s),
figures added or removed (a manual adjustment, as the ledger applied it), a reset, or the
original format's totals tied to a server.

Blocking I/O (psycopg's sync API): call it from a worker thread.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import msgspec
import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from store.journal import encode
from store.pg.ids import session_id
from store.pg.shards import Shards
from tracking.ledger import Ledger
from tracking.records import Adjust, AttributeLegacy, Change, Credit, Reset, decode_change

log = logging.getLogger(__name__)

BATCHES_KEPT_DAYS = 7
"""How long a folded batch's id is kept: far longer than any retry of it."""
FOLD_LIMIT = 5_000
"""Changes folded in one transaction at most."""


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


def apply_write(connection: psycopg.Connection[TupleRow], write: Write) -> None:
    """Make the figure tables do what `write` says (inside the caller's transaction)."""
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


class Effect(msgspec.Struct, frozen=True):
    """What a manual adjustment did, as the ledger applied it: seconds per day, in total."""

    applied: int
    days: list[tuple[int, int]]


_effect_decoder = msgspec.json.Decoder(Effect)
_effect_encoder = msgspec.json.Encoder()


def encode_effect(effect: Effect) -> str:
    """An adjustment's effect as the change log keeps it."""
    return _effect_encoder.encode(effect).decode()


@dataclass(frozen=True, slots=True)
class LoggedChange:
    """One change as the change log keeps it: its journal line and its effect."""

    change: Change
    effect: Effect | None = None


_INSERT_LOGGED = (
    "INSERT INTO change_log (batch_id, item, guild_id, change, effect)"
    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (batch_id, item) DO NOTHING"
)


def _log_rows(
    batch_id: uuid.UUID, changes: Sequence[LoggedChange]
) -> list[tuple[uuid.UUID, int, int, str, str | None]]:
    return [
        (
            batch_id,
            item,
            logged.change.g,
            encode(msgspec.structs.replace(logged.change, seq=None)).decode(),
            None if logged.effect is None else encode_effect(logged.effect),
        )
        for item, logged in enumerate(changes)
    ]


def append_batch(
    connection: psycopg.Connection[TupleRow], batch_id: uuid.UUID, changes: Sequence[LoggedChange]
) -> None:
    """Make a batch of changes durable in the change log (a retry of the batch adds nothing).

    `connection` is in autocommit mode: one change is one statement, committed; more go in
    one transaction.
    """
    rows = _log_rows(batch_id, changes)
    if len(rows) == 1:
        connection.execute(_INSERT_LOGGED, rows[0])
        return
    with connection.transaction(), connection.cursor() as cursor:
        cursor.executemany(_INSERT_LOGGED, rows)


async def append_batch_async(
    connection: psycopg.AsyncConnection[TupleRow],
    batch_id: uuid.UUID,
    changes: Sequence[LoggedChange],
) -> None:
    """`append_batch` on an asynchronous connection (the writer's, on the event loop)."""
    rows = _log_rows(batch_id, changes)
    if len(rows) == 1:
        await connection.execute(_INSERT_LOGGED, rows[0])
        return
    async with connection.transaction(), connection.cursor() as cursor:
        await cursor.executemany(_INSERT_LOGGED, rows)


def is_written(connection: psycopg.Connection[TupleRow], batch_id: uuid.UUID) -> bool:
    """Whether a batch reached the database (logged, or logged and folded already)."""
    row = connection.execute(
        "SELECT EXISTS (SELECT 1 FROM change_log WHERE batch_id = %(id)s)"
        " OR EXISTS (SELECT 1 FROM applied_batches WHERE batch_id = %(id)s)",
        {"id": batch_id},
    ).fetchone()
    return bool(row and row[0])


def as_write(change: Change, effect: Effect | None) -> Write:
    """What the figure tables must do for a logged change."""
    match change:
        case Credit(start=str()):
            return CreditSession(change)
        case Credit():
            return AddFigures(
                change.g,
                change.u,
                change.s,
                change.n,
                change.long,
                days=tuple(change.days),
                session_day=change.day,
            )
        case Adjust(g=guild_id, u=user_id):
            applied = effect.applied if effect is not None else change.s
            days = tuple(effect.days) if effect is not None else ((change.day, change.s),)
            return AddFigures(guild_id, user_id, applied, adjusted=applied, days=days)
        case Reset(g=guild_id, u=user_id):
            return ResetFigures(guild_id, user_id)
        case AttributeLegacy(g=guild_id):
            return AttributeUnattributed(guild_id)


_Row = tuple[int, uuid.UUID, str, str | None]


def _unfolded(
    connection: psycopg.Connection[TupleRow], shards: Shards, *, lock: bool, limit: int
) -> list[_Row]:
    query = sql.SQL(
        "SELECT position, batch_id, change, effect FROM change_log WHERE {}"
        " ORDER BY position LIMIT {}" + (" FOR UPDATE" if lock else "")
    ).format(shards.condition(), sql.Literal(limit))
    rows = connection.execute(query).fetchall()
    return [(int(p), b, c, e) for p, b, c, e in rows]


def _decoded(row: _Row) -> tuple[Change, Effect | None]:
    _, _, change, effect = row
    return decode_change_line(change), None if effect is None else _effect_decoder.decode(effect)


def decode_change_line(line: str) -> Change:
    """A change log row's change (logged without a sequence number)."""
    change = decode_change(_with_seq(line))
    return msgspec.structs.replace(change, seq=None)


def _with_seq(line: str) -> bytes:
    # Journal lines are validated with their sequence number: the log's lines have none.
    return b'{"seq":1,' + line.encode()[1:]


def fold(
    connection: psycopg.Connection[TupleRow],
    shards: Shards,
    *,
    owner: str,
    limit: int = FOLD_LIMIT,
) -> int:
    """Apply the oldest logged changes of `shards` to the figure tables; how many were.

    One transaction: the changes are applied in order, their batches listed as folded, their
    rows deleted, and the owner's heartbeat written. A change the database refuses (a CHECK,
    say) is kept in `rejected_changes` with the reason, and the others still apply.
    """
    with connection.transaction():
        rows = _unfolded(connection, shards, lock=True, limit=limit)
        if rows:
            try:
                with connection.transaction():
                    for row in rows:
                        apply_write(connection, as_write(*_decoded(row)))
            except psycopg.errors.DatabaseError as error:
                if isinstance(error, psycopg.OperationalError):
                    raise
                _apply_one_by_one(connection, rows)
            positions = [position for position, *_ in rows]
            connection.execute(
                "INSERT INTO applied_batches (batch_id) SELECT DISTINCT batch_id FROM change_log"
                " WHERE position = ANY(%s) ON CONFLICT (batch_id) DO NOTHING",
                (positions,),
            )
            connection.execute("DELETE FROM change_log WHERE position = ANY(%s)", (positions,))
        beat(connection, owner, shards.ids)
    return len(rows)


def _apply_one_by_one(connection: psycopg.Connection[TupleRow], rows: list[_Row]) -> None:
    """The slow path of `fold`: each change in a savepoint, refused ones set aside."""
    for row in rows:
        try:
            with connection.transaction():
                apply_write(connection, as_write(*_decoded(row)))
        except psycopg.errors.DatabaseError as error:
            if isinstance(error, psycopg.OperationalError):
                raise
            position, batch_id, change, effect = row
            reason = " ".join(str(error).split())
            log.error(
                "PostgreSQL recusou uma alteração (%s); ela fica em rejected_changes: %s",
                reason,
                change,
            )
            connection.execute(
                "INSERT INTO rejected_changes (position, batch_id, change, effect, reason)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (position) DO NOTHING",
                (position, batch_id, change, effect, reason),
            )


def replay(connection: psycopg.Connection[TupleRow], shards: Shards, ledger: Ledger) -> int:
    """Apply the logged changes of `shards` not folded yet to `ledger`; how many there were."""
    rows = _unfolded(connection, shards, lock=False, limit=2**62)
    for row in rows:
        change, _ = _decoded(row)
        ledger.apply(change)
    return len(rows)


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
