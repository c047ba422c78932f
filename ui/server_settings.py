"""How `!configvideo` shows a server's settings: one field per setting, defaults named."""

from __future__ import annotations

import discord

from tracking.server_settings import ServerSettings
from ui import texts
from ui.style import EMBED_COLOR
from utils import escape_name, format_seconds_to_time


def settings_fields(settings: ServerSettings) -> list[tuple[str, str]]:
    """(name, value) of every setting, in the order `!configvideo` lists them.

    >>> settings_fields(ServerSettings(streak_minimum=1800))
    [('Sequência (mínimo por dia)', '30min')]
    """
    return [
        (texts.SETTINGS_FIELD_STREAK, format_seconds_to_time(settings.streak_minimum)),
    ]


def settings_embed(settings: ServerSettings, *, guild_name: str, prefix: str) -> discord.Embed:
    """The `!configvideo` embed of a server."""
    embed = discord.Embed(
        title=texts.SETTINGS_TITLE.format(guild=escape_name(guild_name)), color=EMBED_COLOR
    )
    for name, value in settings_fields(settings):
        embed.add_field(name=name, value=value, inline=True)
    embed.set_footer(text=texts.SETTINGS_FOOTER.format(prefix=prefix))
    return embed
