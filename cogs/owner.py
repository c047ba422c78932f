"""Tools for the bot's owner: registering the slash commands with Discord (`!sync`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from discord.ext import commands

from cogs.hybrid import hybrid_command
from ui import texts

if TYPE_CHECKING:
    from bot import BatePonto

log = logging.getLogger(__name__)

Context = commands.Context["BatePonto"]


class Owner(commands.Cog):
    """Commands only the owner of the bot application may use."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot."""
        self.bot = bot

    @hybrid_command(
        name="sync",
        ignore_extra=False,
        description=texts.DESCRIPTION_SYNC,
        brief=texts.BRIEF_SYNC,
        extras={"section": texts.HELP_SECTION_OWNER},
    )
    @commands.is_owner()
    async def sync(self, ctx: Context) -> None:
        """Registra os comandos de barra (não é feito ao iniciar, para poupar limites)."""
        await ctx.defer(ephemeral=True)
        synced = await self.bot.tree.sync()
        log.info(
            "Comandos de barra registrados no Discord: %d (pedido de %s)", len(synced), ctx.author
        )
        await ctx.send(texts.SYNC_DONE.format(count=len(synced)), ephemeral=True)


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(Owner(bot))
