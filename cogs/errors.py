"""The one place command errors are answered: a short line for expected ones, else an apology.

Errors are told apart by their type. Anything a command could not use in its
arguments gets one sentence saying what, then the command's usage line (from
its own `usage`/signature); such a failed attempt does not use up the cooldown.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from ui import texts
from ui.converters import BotTarget, UsageError, shown
from utils import format_seconds_to_time

if TYPE_CHECKING:
    from bot import BatePonto

log = logging.getLogger(__name__)

Context = commands.Context["BatePonto"]

EXPECTED = (
    commands.CommandNotFound,
    commands.CheckFailure,
    commands.CommandOnCooldown,
    commands.UserInputError,
)
"""Errors that are part of normal use: answered with a short line, never logged as failures."""


def unwrap(error: Exception) -> Exception:
    """The error a hybrid command raised, whether it ran as a prefix or a slash command."""
    if isinstance(error, commands.HybridCommandError):
        return error.original
    return error


def is_expected(error: Exception) -> bool:
    """Whether an error is part of normal use (not a bug to log with its traceback)."""
    return isinstance(unwrap(error), EXPECTED)


def usage(ctx: Context) -> str:
    """The correct usage of the command being invoked, e.g. `!rankingvideo [periodo]`."""
    command = ctx.command
    if command is None:
        return ctx.clean_prefix
    return f"{ctx.clean_prefix}{command.qualified_name} {command.signature}".strip()


def argument_name(name: str | None) -> str:
    """How a parameter is named to members.

    >>> argument_name("motivo"), argument_name(None)
    ('o motivo', 'os argumentos')
    """
    return texts.ARGUMENT_NAMES.get(name or "", texts.ARGUMENTS_FALLBACK)


def leftover(ctx: Context) -> str:
    """The words after the last argument a command read."""
    view = ctx.view
    return view.buffer[view.index :].strip()


def problem(ctx: Context, error: commands.UserInputError) -> str:
    """One sentence saying what a command could not use in its arguments."""
    parameter = ctx.current_parameter.name if ctx.current_parameter else None
    argument = shown(ctx.current_argument or "")
    match error:
        case UsageError():
            return error.problem
        case commands.MemberNotFound() | commands.UserNotFound():
            return texts.MEMBER_NOT_FOUND.format(argument=shown(error.argument))
        case commands.MissingRequiredArgument():
            return texts.MISSING_ARGUMENT.format(what=argument_name(error.param.name))
        case commands.TooManyArguments():
            return texts.EXTRA_WORDS.format(extra=shown(leftover(ctx)))
        case commands.RangeError(maximum=None):
            what = argument_name(parameter)
            return texts.OUT_OF_RANGE_MIN.format(
                what=what, minimum=error.minimum, argument=argument
            )
        case commands.RangeError():
            what = argument_name(parameter)
            return texts.OUT_OF_RANGE.format(
                what=what, minimum=error.minimum, maximum=error.maximum, argument=argument
            )
    return texts.NOT_UNDERSTOOD.format(what=argument_name(parameter), argument=argument)


def cooldown_reply(ctx: Context, error: commands.CommandOnCooldown) -> str:
    """How long to wait, and the moment the command can be used again."""
    wait = max(1, math.ceil(error.retry_after))
    sent = ctx.message.created_at.timestamp()
    return texts.COOLDOWN.format(
        wait=format_seconds_to_time(wait), at=math.ceil(sent + error.retry_after)
    )


def reply_for(ctx: Context, error: Exception) -> str | None:
    """What to tell the member about an error; None for errors that deserve no reply."""
    error = unwrap(error)
    match error:
        case commands.CommandNotFound():
            return None
        case commands.NoPrivateMessage():
            return texts.GUILD_ONLY
        case commands.CommandOnCooldown():
            return cooldown_reply(ctx, error)
        case commands.NotOwner():
            return texts.OWNER_ONLY
        case commands.CheckFailure():
            return texts.NO_PERMISSION
        case BotTarget():
            return error.problem
        case commands.UserInputError():
            return texts.USAGE_LINE.format(problem=problem(ctx, error), usage=usage(ctx))
    return texts.GENERIC_ERROR


class ErrorHandler(commands.Cog):
    """Answers every failed command once, in Portuguese."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot."""
        self.bot = bot

    @commands.Cog.listener()
    async def on_command_error(self, ctx: Context, error: commands.CommandError) -> None:
        """Reply to the member; log unexpected errors with their traceback."""
        if isinstance(unwrap(error), commands.UserInputError) and ctx.command is not None:
            ctx.command.reset_cooldown(ctx)  # a mistyped command does not use up the cooldown
        if not is_expected(error):
            log.error("O comando %s falhou", ctx.command, exc_info=error)
        reply = reply_for(ctx, error)
        if reply is None:
            return
        try:
            await ctx.send(reply, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            log.warning("Não foi possível enviar a resposta de erro de %s", ctx.command)


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(ErrorHandler(bot))
