"""`!metavideo`: a member's own daily or weekly goal of camera time, set, shown and removed.

The goal is one of the member's choices in the server (`MemberSettings.goal` and
`goal_period`), kept by the store; `!meutempo` shows the progress toward it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from discord import app_commands
from discord.ext import commands

from cogs.hybrid import hybrid_command
from tracking.goals import MAX_GOAL_SECONDS, goal_progress
from tracking.server_settings import GoalPeriod, MemberSettings
from ui import texts
from ui.converters import REMOVE_GOAL, GoalLength, GoalPeriodArgument, UsageError, shown
from ui.personal import goal_line
from utils import format_seconds_to_time

if TYPE_CHECKING:
    from bot import BatePonto

Context = commands.Context["BatePonto"]

GOAL: int | None = commands.parameter(
    converter=GoalLength(limit=max(MAX_GOAL_SECONDS.values())), default=None
)
"""The goal's seconds, `REMOVE_GOAL` for `nenhuma`; None when not given (show the goal)."""

GOAL_PERIOD: GoalPeriod | None = commands.parameter(converter=GoalPeriodArgument(), default=None)
"""`dia` or `semana`; None when not given (a daily goal)."""

GOAL_PERIOD_CHOICES = [app_commands.Choice(name=p, value=p) for p in MAX_GOAL_SECONDS]


class Goals(commands.Cog, name="Metas"):
    """Each member's own goal of camera time in a server."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot."""
        self.bot = bot

    def progress(self, guild_id: int, user_id: int, choices: MemberSettings) -> str:
        """The progress line of a member's goal, running time included."""
        progress = goal_progress(self.bot.store, self.bot.sessions, guild_id, user_id, choices)
        assert progress is not None  # only asked for a member with a goal
        return goal_line(progress)

    @hybrid_command(
        name="metavideo",
        usage=texts.USAGE_GOAL,
        ignore_extra=False,
        description=texts.DESCRIPTION_GOAL,
        brief=texts.BRIEF_GOAL,
        extras={"example": texts.EXAMPLE_GOAL},
    )
    @commands.guild_only()
    @app_commands.describe(**texts.DESCRIBE_GOAL)
    @app_commands.choices(periodo=GOAL_PERIOD_CHOICES)
    async def metavideo(
        self, ctx: Context, meta: int | None = GOAL, periodo: GoalPeriod | None = GOAL_PERIOD
    ) -> None:
        """Define (por dia ou semana), mostra ou remove a sua meta de tempo de câmera."""
        assert ctx.guild is not None
        guild_id, user_id = ctx.guild.id, ctx.author.id
        choices = self.bot.store.member_settings(guild_id, user_id)
        prefix = self.bot.settings.command_prefix
        if meta is None:
            if periodo is not None:
                raise UsageError(texts.MISSING_ARGUMENT.format(what=texts.ARGUMENT_NAMES["meta"]))
            await self._show(ctx, choices, prefix)
        elif meta == REMOVE_GOAL:
            if periodo is not None:
                raise UsageError(texts.EXTRA_WORDS.format(extra=shown(periodo)), periodo)
            await self._remove(ctx, choices, prefix)
        else:
            await self._set(ctx, choices, meta, periodo or "dia")

    async def _show(self, ctx: Context, choices: MemberSettings, prefix: str) -> None:
        assert ctx.guild is not None
        if choices.goal is None:
            await ctx.send(texts.GOAL_NONE.format(prefix=prefix), ephemeral=True)
            return
        await ctx.send(
            texts.GOAL_SHOW.format(
                goal=format_seconds_to_time(choices.goal),
                per=texts.GOAL_PER[choices.goal_period],
                progress=self.progress(ctx.guild.id, ctx.author.id, choices),
            ),
            ephemeral=True,
        )

    async def _remove(self, ctx: Context, choices: MemberSettings, prefix: str) -> None:
        if choices.goal is None:
            await ctx.send(texts.GOAL_NOTHING_TO_REMOVE, ephemeral=True)
            return
        changed = msgspec.structs.replace(choices, goal=None, goal_period="dia")
        if await self._save(ctx, changed):
            await ctx.send(texts.GOAL_REMOVED.format(prefix=prefix), ephemeral=True)

    async def _set(
        self, ctx: Context, choices: MemberSettings, goal: int, period: GoalPeriod
    ) -> None:
        assert ctx.guild is not None
        if goal > MAX_GOAL_SECONDS[period]:
            argument = format_seconds_to_time(goal)
            raise UsageError(texts.GOAL_DAY_TOO_LONG.format(argument=argument), argument)
        changed = msgspec.structs.replace(choices, goal=goal, goal_period=period)
        fields = {
            "goal": format_seconds_to_time(goal),
            "per": texts.GOAL_PER[period],
            "progress": self.progress(ctx.guild.id, ctx.author.id, changed),
        }
        if changed == choices:
            await ctx.send(texts.GOAL_UNCHANGED.format(**fields), ephemeral=True)
        elif await self._save(ctx, changed):
            await ctx.send(texts.GOAL_SET.format(**fields), ephemeral=True)

    async def _save(self, ctx: Context, choices: MemberSettings) -> bool:
        """Save a member's new choices; False (member told) if the store refused."""
        assert ctx.guild is not None
        try:
            await self.bot.store.save_member_settings(ctx.guild.id, ctx.author.id, choices)
        except OSError:  # the disk or the database refused (the store logged why)
            await ctx.send(texts.GOAL_SAVE_FAILED, ephemeral=True)
            return False
        return True


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(Goals(bot))
