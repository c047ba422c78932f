"""Building ranking pages: which members, in what order, shown how.

Everything here is pure; member names come through a `NameLookup` (in the bot,
`utils.MemberNames`). A ranking costs one O(n) numpy pass over the server
(`Ledger.standings`) plus name lookups for the members of the page asked for.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass

import discord
import numpy as np

from tracking.ledger import Standing, Standings
from tracking.periods import PERIOD_LABELS, Period
from ui import texts
from ui.names import MemberNames
from ui.style import EMBED_COLOR
from utils import escape_name, format_seconds_to_time, plural

NameLookup = Callable[[Iterable[int]], Awaitable[dict[int, str | None]]]
"""Resolves member ids to display names; None for members who left."""


# ------------------------------------------------------------------ figures


@dataclass(frozen=True, slots=True)
class RankedMember:
    """One line of a ranking.

    In the ranking of streaks (`Period.STREAK`), `seconds` is the current streak
    in days and `sessions` the best one (see `tracking.standings.streak_standings`).
    """

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


@dataclass(frozen=True, slots=True)
class Placing:
    """Where one member stands in a ranking."""

    position: int
    seconds: int


# ----------------------------------------------------------------- ordering


async def visible_top(
    standings: Standings, count: int, names: NameLookup, known_departed: set[int]
) -> list[tuple[Standing, str]]:
    """The first `count` members still in the server, skipping those who left.

    Looks up names in widening windows so that a few departed members near the
    top cost a few lookups, not a pass over the whole server. Members found to
    have left are added to `known_departed`.
    """
    window = count + 10
    while True:
        candidates = [s for s in standings.top(window) if s.user_id not in known_departed]
        resolved = await names(s.user_id for s in candidates)
        for user_id, name in resolved.items():
            if name is None:
                known_departed.add(user_id)
        visible = [(s, name) for s in candidates if (name := resolved.get(s.user_id)) is not None]
        if len(visible) >= count or window >= len(standings):
            return visible[:count]
        window *= 2


async def build_page(
    standings: Standings,
    page: int,
    page_size: int,
    names: NameLookup,
    known_departed: set[int],
) -> RankingPage:
    """Page `page` (1-based) of a ranking of the members still in the server."""
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


def position_of(standings: Standings, user_id: int, known_departed: set[int]) -> Placing | None:
    """Where a member stands among members not known to have left; None if unranked.

    One vectorised pass, whatever the size of the server.
    """
    seconds = standings.seconds_of(user_id)
    if seconds <= 0:
        return None
    ahead = standings.ahead_of(user_id)
    if known_departed:
        departed = np.fromiter(known_departed, dtype=np.int64, count=len(known_departed))
        ahead = ahead[~np.isin(ahead, departed)]
    return Placing(len(ahead) + 1, seconds)


# ---------------------------------------------------------------- showing


def your_position_line(placing: Placing | None, period: Period = Period.TOTAL) -> str:
    """The last line of a ranking, for the member who asked.

    >>> your_position_line(Placing(12, 3725))
    'Sua posição: #12 — 1h 2min 5s'
    >>> your_position_line(Placing(3, 5), Period.STREAK)
    'Sua posição: #3 — 5 dias'
    >>> your_position_line(None)
    'Você ainda não aparece neste ranking.'
    """
    if placing is None:
        return texts.RANKING_NOT_RANKED
    if period is Period.STREAK:
        return texts.RANKING_STREAK_YOUR_POSITION.format(
            position=placing.position, days=plural(placing.seconds, *texts.DAYS)
        )
    return texts.RANKING_YOUR_POSITION.format(
        position=placing.position, time=format_seconds_to_time(placing.seconds)
    )


def ranking_line(entry: RankedMember, period: Period = Period.TOTAL) -> str:
    r"""One member's line: position, escaped name, time and sessions (days for streaks).

    >>> ranking_line(RankedMember(1, 7, "*ana*", 3665, 2))
    '**1.** \\*ana\\* — 1h 1min 5s (2 sessões)'
    >>> ranking_line(RankedMember(2, 7, "bia", 1, 4), Period.STREAK)
    '**2.** bia — 1 dia (melhor: 4 dias)'
    """
    name = escape_name(entry.name)
    if period is Period.STREAK:
        return texts.RANKING_STREAK_LINE.format(
            position=entry.position,
            name=name,
            days=plural(entry.seconds, *texts.DAYS),
            best=plural(entry.sessions, *texts.DAYS),
        )
    return texts.RANKING_LINE.format(
        position=entry.position,
        name=name,
        time=format_seconds_to_time(entry.seconds),
        sessions=plural(entry.sessions, *texts.SESSIONS),
    )


def ranking_embed(
    *,
    guild_name: str,
    icon_url: str | None,
    period: Period,
    ranking: RankingPage,
    placing: Placing | None,
    live: bool,
    note: str | None = None,
) -> discord.Embed:
    """The embed of one ranking page, ending with the asking member's position.

    `note`, when given, is a line above the ranking (what the ranking counts).
    """
    lines = [note, ""] if note else []
    lines += [ranking_line(entry, period) for entry in ranking.entries]
    lines += ["", your_position_line(placing, period)]
    embed = discord.Embed(
        title=texts.RANKING_TITLE.format(period=PERIOD_LABELS[period]),
        color=EMBED_COLOR,
        description="\n".join(lines),
    )
    embed.set_author(name=guild_name, icon_url=icon_url)
    footer = texts.RANKING_FOOTER.format(
        page=ranking.page, pages=ranking.pages, members=plural(ranking.members, *texts.MEMBERS)
    )
    if live:
        footer += f" • {texts.RANKING_LIVE_NOTE}"
    embed.set_footer(text=footer)
    return embed


def names_in(
    guild: discord.Guild, directory: MemberNames, hidden: Collection[int] = ()
) -> NameLookup:
    """A `NameLookup` for one server, through `directory`.

    Members in `hidden` (`ui.names.hidden_members`) are named `texts.HIDDEN_MEMBER`;
    those who left stay None.
    """

    async def names(user_ids: Iterable[int]) -> dict[int, str | None]:
        found = await directory.lookup(guild, user_ids)
        return {
            user_id: texts.HIDDEN_MEMBER if name is not None and user_id in hidden else name
            for user_id, name in found.items()
        }

    return names
