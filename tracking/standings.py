"""The one rule for a period's figures: what the store holds plus what running sessions add.

Every view (`!rankingvideo`, `!meutempo`, `!exportvideo`, `!graficovideo`) reads
its figures here, so a period shows the same seconds everywhere: the time not
yet credited is split at local midnights exactly as its record will split it,
and a session counts on the day it started. Pure; one clock, the manager's.
The committed figures come from any `StoredFigures` (the store's reads, see
`database.RankingStore`; the in-memory `Ledger` answers them too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tracking.ledger import MemberStats, Standings
from tracking.periods import DayRange, Period
from tracking.sessions import VideoSessionManager


class StoredFigures(Protocol):
    """The committed figures of the servers, addressed by plain ids (running sessions aside)."""

    def standings(
        self,
        guild_id: int,
        days: DayRange | None,
        live: Mapping[int, tuple[int, int]] | None = None,
    ) -> Standings:
        """A server's members ranked over `days` (all time when None).

        `live` maps member id to (seconds, sessions) to add: those of running sessions.
        """
        ...

    def member_stats(self, guild_id: int, user_id: int) -> MemberStats:
        """A member's all-time figures in a server (zeros when unknown)."""
        ...

    def seconds_by_day(self, guild_id: int, user_id: int | None, days: DayRange) -> dict[int, int]:
        """Seconds per local day of a server (or of one member) within `days`."""
        ...


def now(manager: VideoSessionManager) -> datetime:
    """The instant every figure of a reply is taken at."""
    return manager.clock.now()


def days_of(manager: VideoSessionManager, guild_id: int, period: Period) -> DayRange | None:
    """The local days `period` covers now in a server (its own zone); None for all time."""
    return manager.calendar(guild_id).period_days(period, now(manager))


def live_figures(
    manager: VideoSessionManager, guild_id: int, days: DayRange | None
) -> dict[int, tuple[int, int]]:
    """Per member: (seconds running sessions add within `days`, sessions they add there)."""
    live: dict[int, tuple[int, int]] = {}
    for user_id, pending in manager.pending(guild_id).items():
        if days is None:
            seconds = pending.seconds
        else:
            seconds = sum(part for day, part in pending.days if day in days)
        day = pending.session_day
        counts = day is not None and (days is None or day in days)
        live[user_id] = (seconds, 1 if counts else 0)
    return live


def period_standings(
    store: StoredFigures, manager: VideoSessionManager, guild_id: int, days: DayRange | None
) -> Standings:
    """A server's standings over `days` (all time when None), running sessions included."""
    return store.standings(guild_id, days, live=live_figures(manager, guild_id, days))


def seconds_by_day(
    store: StoredFigures,
    manager: VideoSessionManager,
    guild_id: int,
    user_id: int | None,
    days: DayRange,
) -> dict[int, int]:
    """Seconds per local day of a server (or of one member), running sessions included."""
    by_day = dict(store.seconds_by_day(guild_id, user_id, days))
    for member_id, pending in manager.pending(guild_id).items():
        if user_id is not None and member_id != user_id:
            continue
        for day, seconds in pending.days:
            if day in days:
                by_day[day] = by_day.get(day, 0) + seconds
    return by_day


@dataclass(frozen=True, slots=True)
class MemberFigures:
    """One member's all-time figures in a server, the running session included."""

    seconds: int
    """Everything, manual adjustments included."""
    sessions: int
    longest: int
    adjusted: int
    """Net seconds added (or removed) by hand."""

    @property
    def average(self) -> int:
        """Whole seconds per real session (adjustments are not sessions; 0 without any).

        >>> MemberFigures(seconds=3700, sessions=2, longest=60, adjusted=3600).average
        50
        """
        if not self.sessions:
            return 0
        return max(0, self.seconds - self.adjusted) // self.sessions


def member_figures(
    store: StoredFigures, manager: VideoSessionManager, guild_id: int, user_id: int
) -> MemberFigures:
    """A member's all-time figures now."""
    stats = store.member_stats(guild_id, user_id)
    seconds, sessions = live_figures(manager, guild_id, None).get(user_id, (0, 0))
    current = manager.current(guild_id, user_id)
    return MemberFigures(
        seconds=stats.seconds + seconds,
        sessions=stats.sessions + sessions,
        longest=max(stats.longest, current[1] if current else 0),
        adjusted=stats.adjusted,
    )
