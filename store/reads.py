"""The reads both stores answer from their in-memory ledger (`LedgerReads`).

Each store keeps the truth of its servers in a `tracking.ledger.Ledger` while it runs
(the JSON store for its `DATA_FILE`, the PostgreSQL store for its shards) and makes
changes durable its own way; what the layers above read is the same code for both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from store.snapshot import export_ledger
from tracking.ledger import Ledger, MemberStats, OpenSession, Standings
from tracking.periods import DayRange
from tracking.sessions import SessionKey
from tracking.streaks import Streaks


class LedgerReads:
    """`RankingStore`'s reads, over `self.ledger`."""

    ledger: Ledger

    def standings(
        self,
        guild_id: int,
        days: DayRange | None,
        live: Mapping[int, tuple[int, int]] | None = None,
    ) -> Standings:
        """A server's members ranked over `days` (all time when None), plus `live`."""
        return self.ledger.standings(guild_id, days, live)

    def member_stats(self, guild_id: int, user_id: int) -> MemberStats:
        """A member's all-time figures in a server (zeros when unknown)."""
        return self.ledger.member_stats(guild_id, user_id)

    def seconds_by_day(self, guild_id: int, user_id: int | None, days: DayRange) -> dict[int, int]:
        """Seconds per local day of a server (or of one member) within `days`."""
        return self.ledger.seconds_by_day(guild_id, user_id, days)

    def streaks(
        self,
        guild_id: int,
        minimum: int,
        today: int,
        live: Mapping[int, Iterable[tuple[int, int]]] | None = None,
    ) -> Streaks:
        """Every member's current and best streak of local days with `minimum` seconds."""
        return self.ledger.streaks(guild_id, minimum, today, live)

    def member_days(self, guild_id: int, user_id: int) -> list[tuple[int, int, int]]:
        """A member's (local day ordinal, seconds, sessions) rows in a server, oldest first."""
        return self.ledger.member_days(guild_id, user_id)

    def open_session(self, guild_id: int, user_id: int) -> OpenSession | None:
        """The session a member had running at its last durable record, if any."""
        return self.ledger.open_sessions.get((guild_id, user_id))

    def open_sessions(self) -> dict[SessionKey, OpenSession]:
        """Every session still running at its last durable record (a copy)."""
        return dict(self.ledger.open_sessions)

    def unattributed_count(self) -> int:
        """How many members have totals of the original file format not tied to a server."""
        return len(self.ledger.unattributed)

    @property
    def has_unattributed(self) -> bool:
        """Whether totals from the original file format still wait for a server."""
        return bool(self.ledger.unattributed)

    def export_totals(self, target: Path) -> int:
        """Write the totals to `target` in `DATA_FILE`'s format, atomically, mode 0600 (blocking).

        Everything committed counts (journal records newer than the last snapshot, or
        change log rows not folded yet, included). Returns how many members the file lists.

        Raises:
            OSError: `target` could not be written (nothing is left half-written).
        """
        return export_ledger(self.ledger, target)
