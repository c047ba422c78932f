"""A member's rights over their own data (LGPD art. 18): `!meusdados` and `!apagarmeusdados`.

`!meusdados` sends the member a JSON file with everything stored about them in the
server (by DM; in the channel when their DMs are closed; as an ephemeral reply to the
slash command). `!apagarmeusdados`, once the member confirms, deletes their figures and
per-day history in the server in both stores (`tracking.records.Erase`): their running
session ends uncounted (if the camera is still on, counting starts again from now), the
erasure is audited by id only, and every earlier audit entry loses their name.
"""

from __future__ import annotations

import io
import logging
from datetime import date
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from cogs.audited import audited_commit
from cogs.cooldowns import member_cooldown
from cogs.hybrid import hybrid_command
from database import AuditEntry
from tracking.periods import local_day
from tracking.records import Erase
from tracking.standings import now
from ui import texts
from ui.my_data import MyData, RunningSession, encode_my_data
from ui.views import ConfirmView
from utils import escape_name

if TYPE_CHECKING:
    from bot import BatePonto

log = logging.getLogger(__name__)

Context = commands.Context["BatePonto"]

MEUSDADOS_COOLDOWN_SECONDS = 30.0
"""`!meusdados` reads the whole audit log: once per member every this many seconds."""


class Privacy(commands.Cog):
    """What a member may see of, and do with, their own data in a server."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot's store and sessions."""
        self.bot = bot

    # ------------------------------------------------------------ meusdados

    async def gather(self, guild: discord.Guild, user_id: int) -> MyData:
        """Everything stored about a member in a server, with their running session.

        Raises:
            OSError: the audit log could not be read (the store logged why).
        """
        store, sessions = self.bot.store, self.bot.sessions
        running = None
        current = sessions.current(guild.id, user_id)
        if current is not None:
            started_at, seconds = current
            pending = sessions.pending(guild.id).get(user_id)
            running = RunningSession(started_at, seconds, pending.seconds if pending else 0)
        return MyData(
            guild_id=guild.id,
            guild_name=guild.name,
            user_id=user_id,
            generated_at=now(sessions),
            stats=store.member_stats(guild.id, user_id),
            days=store.member_days(guild.id, user_id),
            running=running,
            audit=await store.audit_member(guild.id, user_id),
        )

    @hybrid_command(
        name="meusdados",
        ignore_extra=False,
        description=texts.DESCRIPTION_MEUSDADOS,
        brief=texts.BRIEF_MEUSDADOS,
    )
    @commands.guild_only()
    @member_cooldown(1, MEUSDADOS_COOLDOWN_SECONDS)
    async def meusdados(self, ctx: Context) -> None:
        """Manda um arquivo com tudo o que o bot guarda sobre você neste servidor."""
        assert ctx.guild is not None
        await ctx.defer(ephemeral=True)
        try:
            data = await self.gather(ctx.guild, ctx.author.id)
        except OSError:
            await ctx.send(texts.AUDIT_READ_FAILED, ephemeral=True)
            return
        day = date.fromordinal(local_day(data.generated_at, self.bot.sessions.zone))
        name = texts.MEUSDADOS_FILENAME.format(guild_id=ctx.guild.id, day=day.isoformat())
        raw = encode_my_data(data)

        def attachment() -> discord.File:
            return discord.File(io.BytesIO(raw), filename=name)

        if ctx.interaction is not None:
            await ctx.send(texts.MEUSDADOS_HERE, file=attachment(), ephemeral=True)
            return
        try:
            await ctx.author.send(
                texts.MEUSDADOS_DM.format(guild=escape_name(ctx.guild.name)),
                file=attachment(),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.Forbidden:
            log.info("DMs fechadas: os dados de %s vão no canal", ctx.author.id)
            await ctx.send(texts.MEUSDADOS_DM_CLOSED, file=attachment())
            return
        await ctx.send(texts.MEUSDADOS_SENT)

    # ------------------------------------------------------- apagarmeusdados

    async def erase(self, guild_id: int, user_id: int) -> str:
        """Delete a member's data in a server; the text to show them."""
        entry = AuditEntry(
            at=now(self.bot.sessions).isoformat(),
            guild_id=guild_id,
            admin_id=user_id,
            admin_name=None,
            action="erase",
            user_id=user_id,
        )
        if not await audited_commit(self.bot, entry, Erase(g=guild_id, u=user_id)):
            return texts.AUDIT_WRITE_FAILED
        log.info("Um membro apagou os próprios dados do servidor %s", guild_id)
        try:
            await self.bot.store.audit_forget_names(guild_id, user_id)
        except OSError:
            return texts.ERASE_NAMES_FAILED
        return texts.ERASE_DONE

    @hybrid_command(
        name="apagarmeusdados",
        ignore_extra=False,
        description=texts.DESCRIPTION_ERASE,
        brief=texts.BRIEF_ERASE,
    )
    @commands.guild_only()
    async def apagarmeusdados(self, ctx: Context) -> None:
        """Apaga seu tempo de câmera e seu histórico neste servidor, depois de confirmar."""
        assert ctx.guild is not None
        guild_id, user_id = ctx.guild.id, ctx.author.id
        view = ConfirmView(
            user_id, texts.ERASE_BUTTON_CONFIRM, lambda: self.erase(guild_id, user_id)
        )
        view.message = await ctx.send(texts.ERASE_CONFIRM, view=view, ephemeral=True)


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(Privacy(bot))
