"""Which servers a process owns: Discord's shard of a server, as SQL and in Python."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql


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
