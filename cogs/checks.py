"""Who may use a command and what the bot may do in a channel: checks shared by the cogs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands
from discord.ext import commands

T = TypeVar("T")

POST_PERMISSIONS = ("view_channel", "send_messages", "embed_links")
"""What the bot needs in a channel to post a ranking there."""

SETUP_PERMISSIONS = (*POST_PERMISSIONS, "read_message_history")
"""What `!configvideo postagem` asks for: also reading the channel, to find its own post."""


def for_admins(*, slash_default: bool = True) -> Callable[[T], T]:
    """Only in a server, only for members with Manage Server (the one rule of these commands).

    With `slash_default`, the slash command is also hidden from other members by default.
    """

    def decorate(func: T) -> T:
        func = commands.has_guild_permissions(manage_guild=True)(func)
        func = commands.guild_only()(func)
        if slash_default:
            func = app_commands.default_permissions(manage_guild=True)(func)
        return func

    return decorate


def missing_permissions(
    channel: discord.TextChannel, wanted: tuple[str, ...] = SETUP_PERMISSIONS
) -> list[str]:
    """The permissions of `wanted` the bot lacks in `channel`."""
    granted = channel.permissions_for(channel.guild.me)
    return [name for name in wanted if not getattr(granted, name)]
