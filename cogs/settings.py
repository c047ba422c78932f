"""`!configvideo`: a server's own counting rules, shown and changed by its admins.

Each change is written to the audit log first (as resets and adjustments are) and then
saved through the store: if either refuses, the admin is told and nothing changes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import msgspec
from discord import app_commands
from discord.ext import commands

from cogs.admin import for_admins
from cogs.hybrid import hybrid_group, subcommand
from database import AuditEntry
from tracking.server_settings import ServerSettings
from tracking.standings import now
from ui import texts
from ui.converters import Length
from ui.server_settings import settings_embed
from utils import format_seconds_to_time

if TYPE_CHECKING:
    from bot import BatePonto

log = logging.getLogger(__name__)

Context = commands.Context["BatePonto"]

MAX_STREAK_MINIMUM = 24 * 3600
"""A day cannot need more than the whole day for a streak."""

STREAK_MINIMUM: int = commands.parameter(converter=Length(limit=MAX_STREAK_MINIMUM))


class ServerSettingsCog(commands.Cog, name="Configuração"):
    """`!configvideo` and its subcommands (Manage Server, viewing included)."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot."""
        self.bot = bot

    def current(self, guild_id: int) -> ServerSettings:
        """A server's settings as the store has them now."""
        return self.bot.store.server_settings(guild_id)

    async def change(
        self,
        ctx: Context,
        settings: ServerSettings,
        *,
        setting: str,
        before: str,
        after: str,
    ) -> bool:
        """Audit, then save a server's new settings; False (admin told) if either failed.

        `setting` names the subcommand; `before` and `after` are the values as admins read
        them (they go to the audit log).
        """
        assert ctx.guild is not None
        entry = AuditEntry(
            at=now(self.bot.sessions).isoformat(),
            guild_id=ctx.guild.id,
            admin_id=ctx.author.id,
            admin_name=ctx.author.display_name,
            action="config",
            setting=setting,
            change=f"{before} → {after}",
        )
        try:
            await self.bot.store.audit_append(entry)
            await self.bot.store.save_server_settings(ctx.guild.id, settings)
        except OSError:  # the disk or the database refused (the store logged why)
            await ctx.send(texts.SETTINGS_SAVE_FAILED)
            return False
        return True

    @hybrid_group(
        name="configvideo",
        fallback="ver",
        usage=texts.USAGE_SETTINGS,
        description=texts.DESCRIPTION_SETTINGS,
        brief=texts.BRIEF_SETTINGS,
        invoke_without_command=True,
        extras={"example": texts.EXAMPLE_SETTINGS, "section": texts.HELP_SECTION_ADMINS},
    )
    @for_admins()
    async def configvideo(self, ctx: Context) -> None:
        """Mostra as configurações deste servidor."""
        assert ctx.guild is not None
        embed = settings_embed(
            self.current(ctx.guild.id),
            guild_name=ctx.guild.name,
            prefix=self.bot.settings.command_prefix,
        )
        await ctx.send(embed=embed)

    @subcommand(
        configvideo,
        name="sequencia",
        usage=texts.USAGE_SETTINGS_STREAK,
        description=texts.DESCRIPTION_SETTINGS_STREAK,
    )
    @for_admins(slash_default=False)  # a subcommand takes its group's slash permissions
    @app_commands.describe(**texts.DESCRIBE_SETTINGS_STREAK)
    async def configvideo_sequencia(self, ctx: Context, duracao: int = STREAK_MINIMUM) -> None:
        """Muda o tempo mínimo de câmera num dia para ele contar na sequência."""
        assert ctx.guild is not None
        settings = self.current(ctx.guild.id)
        before = format_seconds_to_time(settings.streak_minimum)
        after = format_seconds_to_time(duracao)
        if duracao == settings.streak_minimum:
            await ctx.send(
                texts.SETTINGS_UNCHANGED.format(setting=texts.SETTINGS_STREAK_NAME, value=after)
            )
            return
        changed = msgspec.structs.replace(settings, streak_minimum=duracao)
        if await self.change(ctx, changed, setting="sequencia", before=before, after=after):
            await ctx.send(texts.SETTINGS_STREAK_SET.format(value=after, before=before))


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(ServerSettingsCog(bot))
