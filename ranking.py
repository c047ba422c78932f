"""Building ranking pages: which members, in what order, shown how. Pure apart from name lookup."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from ledger import Standing, Standings

NameLookup = Callable[[Iterable[int]], Awaitable[dict[int, str | None]]]
"""Resolves member ids to display names; None for members who left."""


@dataclass(frozen=True, slots=True)
class RankedMember:
    """One line of a ranking."""

    position: int
    user_id: int
    name: str
    seconds: int
    sessions: int


@dataclass(frozen=True, slots=True)
class RankingPage:
    """A page of a ranking, with what is needed to show and page through it."""

    entries: list[RankedMember]
    page: int
    pages: int
    members: int


async def visible_top(
    standings: Standings, count: int, names: NameLookup, known_departed: set[int]
) -> list[tuple[Standing, str]]:
    """The first `count` members still in the server, skipping those who left.

    Looks up names in widening windows so that a few departed members near the
    top cost a few lookups, not a pass over the whole server.
    """
    window = count + 10
    while True:
        candidates = [s for s in standings.top(window) if s.user_id not in known_departed]
        resolved = await names(s.user_id for s in candidates)
        for user_id, name in resolved.items():
            if name is None:
                known_departed.add(user_id)
        visible = [(s, resolved[s.user_id]) for s in candidates if resolved[s.user_id] is not None]
        if len(visible) >= count or window >= len(standings):
            return [(s, name) for s, name in visible[:count] if name is not None]
        window *= 2


async def build_page(
    standings: Standings,
    page: int,
    page_size: int,
    names: NameLookup,
    known_departed: set[int],
) -> RankingPage:
    """Page `page` (1-based) of a ranking of visible members."""
    shown = await visible_top(standings, page * page_size, names, known_departed)
    hidden = standings.count_in(known_departed)
    members = max(len(shown), len(standings) - hidden)
    pages = max(1, math.ceil(members / page_size))
    start = (page - 1) * page_size
    entries = [
        RankedMember(start + i + 1, s.user_id, name, s.seconds, s.sessions)
        for i, (s, name) in enumerate(shown[start : start + page_size])
    ]
    return RankingPage(entries, page, pages, members)


def position_of(standings: Standings, user_id: int, known_departed: set[int]) -> int | None:
    """1-based position of a member among visible members; None if unranked."""
    if standings.seconds_of(user_id) <= 0:
        return None
    ahead = standings.ahead_of(user_id)
    if known_departed:
        ahead = [uid for uid in ahead.tolist() if uid not in known_departed]
    return len(ahead) + 1
