"""A member's own camera figures (`!meutempo`): computed and shown in pure code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import discord

from tracking.periods import Period
from tracking.sessions import VideoSessionManager
from tracking.standings import (
    StoredFigures,
    days_of,
    member_figures,
    period_standings,
    seconds_by_day,
)
from ui import texts
from ui.ranking import Placing, position_of
from ui.style import EMBED_COLOR
from utils import escape_name, format_seconds_to_time


@dataclass(frozen=True, slots=True)
class MemberTime:
    """Everything `!meutempo` shows about one member in one server."""

    total: int
    """All the member's seconds, manual adjustments included."""
    sessions: int
    longest: int
    today: int
    week: int
    month: int
    placing: Placing | None
    ranked: int
    live_since: datetime | None = None
    live_seconds: int = 0
    adjusted: int = 0
    """Net seconds added (or, when negative, removed) by hand."""

    @property
    def average(self) -> int:
        """Whole seconds per real session: manual adjustments are not sessions.

        >>> MemberTime(100, 3, 50, 0, 0, 0, None, 0).average
        33
        >>> MemberTime(3700, 2, 60, 0, 0, 0, None, 0, adjusted=3600).average
        50
        """
        if not self.sessions:
            return 0
        return max(0, self.total - self.adjusted) // self.sessions

    @property
    def is_empty(self) -> bool:
        """Whether there is nothing at all to show."""
        return self.total <= 0 and self.live_since is None and self.sessions == 0


def member_time(
    store: StoredFigures,
    manager: VideoSessionManager,
    guild_id: int,
    user_id: int,
    known_departed: set[int],
) -> MemberTime:
    """A member's figures now, the session running now included."""

    def in_period(period: Period) -> int:
        days = days_of(manager, guild_id, period)
        assert days is not None
        return sum(seconds_by_day(store, manager, guild_id, user_id, days).values())

    figures = member_figures(store, manager, guild_id, user_id)
    current = manager.current(guild_id, user_id)
    standings = period_standings(store, manager, guild_id, None)
    return MemberTime(
        total=figures.seconds,
        sessions=figures.sessions,
        longest=figures.longest,
        today=in_period(Period.TODAY),
        week=in_period(Period.WEEK),
        month=in_period(Period.MONTH),
        placing=position_of(standings, user_id, known_departed),
        ranked=len(standings) - standings.count_in(known_departed),
        live_since=current[0] if current else None,
        live_seconds=current[1] if current else 0,
        adjusted=figures.adjusted,
    )


def member_time_embed(
    figures: MemberTime, *, name: str, avatar_url: str | None, guild_name: str
) -> discord.Embed:
    """The `!meutempo` embed of one member."""
    embed = discord.Embed(
        title=texts.MEUTEMPO_TITLE.format(name=escape_name(name)), color=EMBED_COLOR
    )
    embed.set_author(name=guild_name)
    if avatar_url:
        embed.set_thumbnail(url=avatar_url)
    fields = [
        (texts.MEUTEMPO_TOTAL, format_seconds_to_time(figures.total)),
        (texts.MEUTEMPO_SESSIONS, str(figures.sessions)),
        (texts.MEUTEMPO_AVERAGE, format_seconds_to_time(figures.average)),
        (texts.MEUTEMPO_LONGEST, format_seconds_to_time(figures.longest)),
        (texts.MEUTEMPO_TODAY, format_seconds_to_time(figures.today)),
        (texts.MEUTEMPO_WEEK, format_seconds_to_time(figures.week)),
        (texts.MEUTEMPO_MONTH, format_seconds_to_time(figures.month)),
        (
            texts.MEUTEMPO_POSITION,
            texts.MEUTEMPO_POSITION_VALUE.format(
                position=figures.placing.position, members=figures.ranked
            )
            if figures.placing is not None
            else texts.MEUTEMPO_NOT_RANKED,
        ),
    ]
    if figures.adjusted:
        sign = "+" if figures.adjusted > 0 else "-"
        adjusted = texts.MEUTEMPO_ADJUSTED_VALUE.format(
            change=f"{sign}{format_seconds_to_time(abs(figures.adjusted))}"
        )
        fields.insert(1, (texts.MEUTEMPO_ADJUSTED, adjusted))
    for label, value in fields:
        embed.add_field(name=label, value=value, inline=True)
    if figures.live_since is not None:
        now_value = texts.MEUTEMPO_LIVE.format(
            time=format_seconds_to_time(figures.live_seconds),
            since=discord.utils.format_dt(figures.live_since, "t"),
        )
    else:
        now_value = texts.MEUTEMPO_OFFLINE
    embed.add_field(name=texts.MEUTEMPO_NOW, value=now_value, inline=False)
    return embed
