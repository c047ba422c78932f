"""`manage.py import-legacy` on PostgreSQL: original-format totals tied to one server.

One transaction, on a connection that holds the server's shard lock (so no bot owns
the server meanwhile: `ShardsInUseError` otherwise). The file's totals go into
`unattributed_totals`, then the bot's own `AttributeLegacy` write
(`store.pg.writes.AttributeUnattributed`) adds them to the server's `member_totals`, so
the rule is the one a bot applies with `LEGACY_GUILD_ID`. Refused, with nothing
changed, when the database already holds unattributed totals (they would be tied to
this server too), when the server has changes not folded yet (a bot stopped during an
outage: start it once first), or when members already have figures in the server and
`add` is False (`store.legacy`).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import TupleRow

from store import legacy
from store.legacy import Progress, Totals
from store.pg.shards import Shards
from store.pg.store import connect, take_shards
from store.pg.writes import AttributeUnattributed, apply_write


class LegacyPendingError(Exception):
    """The database holds something the import would mix with (nothing was changed)."""

    def __init__(self, unattributed: int, unfolded: int) -> None:
        """How many unattributed totals, and the server's changes not folded yet."""
        super().__init__(unattributed, unfolded)
        self.unattributed, self.unfolded = unattributed, unfolded


class LegacyConflictError(Exception):
    """Members of the file already have figures in the server (nothing was changed)."""

    def __init__(self, members: list[int]) -> None:
        """The members, by id."""
        super().__init__(len(members))
        self.members = members


@dataclass(frozen=True)
class LegacyImport:
    """What an import did."""

    members: int
    added_to: int
    """Members whose existing figures in the server were added to."""


def import_legacy(
    url: str, guild_id: int, totals: Totals, *, shard_count: int, add: bool, progress: Progress
) -> LegacyImport:
    """Tie the file's totals to the server, in one transaction (blocking).

    Raises:
        ShardsInUseError: a bot owns the server's shard now.
        LegacyPendingError: unattributed totals or unfolded changes of the server exist.
        LegacyConflictError: members already have figures there and `add` is False.
        psycopg.Error: the database refused.
    """
    shards = Shards(shard_count, ((guild_id >> 22) % shard_count,))
    with connect(url) as connection:
        take_shards(connection, shards)
        with connection.transaction():
            connection.execute("LOCK TABLE unattributed_totals IN SHARE ROW EXCLUSIVE MODE")
            unattributed = _count(connection, "SELECT count(*) FROM unattributed_totals")
            unfolded = _count(
                connection, "SELECT count(*) FROM change_log WHERE guild_id = %s", guild_id
            )
            if unattributed or unfolded:
                raise LegacyPendingError(unattributed, unfolded)
            connection.execute(
                "CREATE TEMPORARY TABLE import_legacy (user_id bigint PRIMARY KEY,"
                " seconds bigint NOT NULL, sessions bigint NOT NULL) ON COMMIT DROP"
            )
            with connection.cursor().copy(
                "COPY import_legacy (user_id, seconds, sessions) FROM STDIN"
            ) as copy:
                for done, (user_id, (seconds, sessions)) in enumerate(
                    sorted(totals.items()), start=1
                ):
                    copy.write_row((user_id, seconds, sessions))
                    if done % legacy.PROGRESS_EVERY == 0 or done == len(totals):
                        progress("membros do arquivo", done, len(totals))
            rows = connection.execute(
                "SELECT user_id FROM member_totals JOIN import_legacy USING (user_id)"
                " WHERE guild_id = %s AND (member_totals.seconds <> 0"
                " OR member_totals.sessions <> 0) ORDER BY user_id",
                (guild_id,),
            ).fetchall()
            existing = [int(user_id) for (user_id,) in rows]
            if existing and not add:
                raise LegacyConflictError(existing)
            connection.execute(
                "INSERT INTO unattributed_totals (user_id, seconds, sessions)"
                " SELECT user_id, seconds, sessions FROM import_legacy"
            )
            apply_write(connection, AttributeUnattributed(guild_id))
    return LegacyImport(len(totals), len(existing))


def _count(connection: psycopg.Connection[TupleRow], query: str, *parameters: object) -> int:
    row = connection.execute(query, parameters or None).fetchone()
    return int(row[0]) if row else 0
