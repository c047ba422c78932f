"""A server's counting rules as the session manager applies them: one place for each.

Pure. `!configvideo minimo`, `limite` and `companhia` are decided here (and
`ignorar` where the voice events are read, in `events.py`, since only they know
channels): the records a session writes and the figures the views show for a
running session both go through these functions, so what is shown is what will
be stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from tracking.periods import DayRange
from tracking.server_settings import DEFAULT_SERVER, ServerSettings


class CountingRules(Protocol):
    """Where the session manager reads a server's rules and what a member's day holds.

    Both stores answer it (`database.RankingStore`); `NO_RULES` stands for none.
    """

    def server_settings(self, guild_id: int) -> ServerSettings:
        """A server's settings (the defaults when it has none)."""
        ...

    def seconds_by_day(self, guild_id: int, user_id: int | None, days: DayRange) -> dict[int, int]:
        """Seconds per local day of a server (or of one member) within `days`."""
        ...


class _NoRules:
    """Every server at the defaults, nothing stored yet (a manager used on its own)."""

    def server_settings(self, guild_id: int) -> ServerSettings:
        del guild_id
        return DEFAULT_SERVER

    def seconds_by_day(self, guild_id: int, user_id: int | None, days: DayRange) -> dict[int, int]:
        del guild_id, user_id, days
        return {}


NO_RULES: CountingRules = _NoRules()


def reaches_minimum(seconds: float, minimum: int) -> bool:
    """Whether a session of `seconds` so far counts under `!configvideo minimo`.

    Whole seconds, as they are credited; once it does, the whole session counts.

    >>> reaches_minimum(59.9, 60), reaches_minimum(60.0, 60), reaches_minimum(0.2, 0)
    (False, True, True)
    """
    return int(seconds) >= minimum


def has_company(people: int, company: int) -> bool:
    """Whether `people` in a channel (not bots, the member included) are enough to count.

    >>> has_company(1, 1), has_company(1, 2), has_company(3, 2)
    (True, False, True)
    """
    return people >= company


def within_daily_limit(
    days: Iterable[tuple[int, int]], limit: int | None, stored: Callable[[int], int]
) -> list[tuple[int, int]]:
    """(local day, seconds) parts cut so no day goes beyond `limit` (None: no limit).

    `stored(day)` is what the member's day already holds: time credited earlier
    that day stays (a limit lowered mid-day takes effect from then on), and only
    what still fits is added. Parts that add nothing are left out.

    >>> within_daily_limit([(1, 600), (2, 600)], 1000, lambda day: {1: 700}.get(day, 0))
    [(1, 300), (2, 600)]
    >>> within_daily_limit([(1, 600)], 500, lambda day: 900)
    []
    >>> within_daily_limit([(1, 600)], None, lambda day: 10**6)
    [(1, 600)]
    """
    if limit is None:
        return [(day, seconds) for day, seconds in days if seconds > 0]
    parts = []
    for day, seconds in days:
        fits = min(seconds, max(0, limit - stored(day)))
        if fits > 0:
            parts.append((day, fits))
    return parts


def day_seconds(rules: CountingRules, guild_id: int, user_id: int, day: int) -> int:
    """What a member's local day holds in the store (adjustments included)."""
    return rules.seconds_by_day(guild_id, user_id, DayRange(day, day)).get(day, 0)
