"""The one place command errors are answered: a short line for expected ones, else an apology."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

import texts

if TYPE_CHECKING:
    from bot import BatePonto

log = logging.getLogger(__name__)


def usage(ctx: commands.Context[BatePonto]) -> str:
    """The correct usage of the command being invoked, e.g. `!rankingvideo [periodo]`."""
    command = ctx.command
    if command is None:
        return ctx.clean_prefix
    return f"{ctx.clean_prefix}{command.qualified_name} {command.signature}".strip()


def reply_for(ctx: commands.Context[BatePonto], error: Exception) -> str | None:
    """What to tell the member about an error; None for errors that deserve no reply."""
    if isinstance(error, commands.HybridCommandError):
        error = error.original
    if isinstance(error, commands.CommandNotFound):
        return None
    if isinstance(error, commands.NoPrivateMessage):
        return texts.GUILD_ONLY
    if isinstance(error, commands.CommandOnCooldown):
        return texts.COOLDOWN.format(seconds=max(1, round(error.retry_after)))
    if isinstance(error, commands.NotOwner):
        return texts.OWNER_ONLY
    if isinstance(error, commands.MissingPermissions | commands.CheckFailure):
        return texts.NO_PERMISSION
    if isinstance(error, commands.UserInputError):
        what = getattr(error, "what", None) or "os argumentos"
        return texts.BAD_ARGUMENT.format(what=what, usage=usage(ctx))
    return texts.GENERIC_ERROR


class ErrorHandler(commands.Cog):
    """Answers every failed command once, in Portuguese."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot."""
        self.bot = bot

    @commands.Cog.listener()
    async def on_command_error(
        self, ctx: commands.Context[BatePonto], error: commands.CommandError
    ) -> None:
        """Reply to the member; log unexpected errors with their traceback."""
        reply = reply_for(ctx, error)
        if reply is None:
            return
        if reply == texts.GENERIC_ERROR:
            log.error("Command %s failed", ctx.command, exc_info=error)
        try:
            await ctx.send(reply, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            log.warning("Could not send the error reply for %s", ctx.command)


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(ErrorHandler(bot))
