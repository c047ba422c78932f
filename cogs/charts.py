"""`!graficovideo`: a bar chart of camera hours per day, for a server or one member.

The figures come from the one rule for period figures (`tracking.standings`),
running sessions included; `ui.chart` draws the PNG in a worker thread.
"""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.cooldowns import member_cooldown
from cogs.hybrid import hybrid_command
from tracking.periods import DayRange
from tracking.standings import seconds_by_day
from ui import texts
from ui.chart import ChartData, chart_data, chart_days, render_chart
from ui.converters import Person
from utils import escape_name, format_seconds_to_time

if TYPE_CHECKING:
    from bot import BatePonto

Context = commands.Context["BatePonto"]

DEFAULT_DAYS = 30
MAX_DAYS = 365
CHART_COOLDOWN_SECONDS = 20.0

CHART_MEMBER: discord.abc.User | None = commands.parameter(
    converter=Person(before_number=True), default=None
)
"""Whose chart (not a bot); a number in its place is the count of days (`!graficovideo 14`)."""


class Charts(commands.Cog):
    """Charts of camera time."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot."""
        self.bot = bot

    def series(self, guild_id: int, user_id: int | None, days: DayRange, who: str) -> ChartData:
        """Seconds per day of a server (or one of its members), running sessions included."""
        by_day = seconds_by_day(self.bot.store, self.bot.sessions, guild_id, user_id, days)
        return chart_data(who, by_day, days)

    @hybrid_command(
        name="graficovideo",
        usage=texts.USAGE_CHART,
        ignore_extra=False,
        description=texts.DESCRIPTION_CHART,
        brief=texts.BRIEF_CHART,
        extras={"example": texts.EXAMPLE_CHART},
    )
    @commands.guild_only()
    @member_cooldown(1, CHART_COOLDOWN_SECONDS)
    @app_commands.describe(**texts.DESCRIBE_CHART)
    async def graficovideo(
        self,
        ctx: Context,
        membro: discord.abc.User | None = CHART_MEMBER,
        dias: commands.Range[int, 1, MAX_DAYS] = DEFAULT_DAYS,
    ) -> None:
        """Gráfico de barras com as horas de câmera por dia."""
        assert ctx.guild is not None
        await ctx.defer()
        today = self.bot.sessions.day_of(ctx.guild.id)
        who = membro.display_name if membro is not None else ctx.guild.name
        data = self.series(
            ctx.guild.id, membro.id if membro else None, chart_days(dias, today), who
        )
        span = texts.CHART_SPAN_TODAY if dias == 1 else texts.CHART_SPAN_DAYS.format(days=dias)
        if data.total == 0:
            await ctx.send(texts.CHART_EMPTY.format(who=escape_name(who), span=span))
            return
        png = await asyncio.to_thread(render_chart, data)
        await ctx.send(
            texts.CHART_DONE.format(
                who=escape_name(who), span=span, total=format_seconds_to_time(data.total)
            ),
            file=discord.File(io.BytesIO(png), filename=texts.CHART_FILENAME),
        )


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(Charts(bot))
