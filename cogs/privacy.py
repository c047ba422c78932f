"""A member's rights over their own data (LGPD art. 18), server by server.

`!privacidade oculto|visivel` hides the member from everyone else (counted, but named
"membro oculto": the rule is `ui.names.is_hidden_from`); `!privacidade parar|voltar`
stops counting them and starts again (the voice listener applies it, `events`);
`!privacidade` alone shows both choices. `!meusdados` sends the member a JSON file with
everything stored about them in the server (by DM; in the channel when their DMs are
closed; as an ephemeral reply to the slash command). `!apagarmeusdados`, once the member
confirms, deletes their figures and per-day history in the server in both stores
(`tracking.records.Erase`) and their choices: their running session ends uncounted (if
the camera is still on, counting starts again from now), the erasure is audited by id
only, and every earlier audit entry loses their name.
"""

from __future__ import annotations

import io
import logging
from datetime import date
from typing import TYPE_CHECKING

import discord
import msgspec
from discord.ext import commands

from cogs.audited import audited_commit
from cogs.cooldowns import member_cooldown
from cogs.hybrid import hybrid_command, hybrid_group, subcommand
from database import AuditEntry
from tracking.records import Erase
from tracking.server_settings import DEFAULT_MEMBER, MemberSettings
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
            choices=store.member_settings(guild.id, user_id),
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
        day = date.fromordinal(self.bot.sessions.day_of(ctx.guild.id, data.generated_at))
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

    async def erase(self, member: discord.Member) -> str:
        """Delete a member's data in their server; the text to show them."""
        guild_id, user_id = member.guild.id, member.id
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
        store = self.bot.store
        finished = True
        try:
            await store.audit_forget_names(guild_id, user_id)
        except OSError:
            finished = False  # the store logged why
        if not store.member_settings(guild_id, user_id).is_default:
            try:
                await store.save_member_settings(guild_id, user_id, DEFAULT_MEMBER)
            except OSError:
                finished = False
            else:
                self._choices_changed(member)
        return texts.ERASE_DONE if finished else texts.ERASE_UNFINISHED

    @hybrid_command(
        name="apagarmeusdados",
        ignore_extra=False,
        description=texts.DESCRIPTION_ERASE,
        brief=texts.BRIEF_ERASE,
    )
    @commands.guild_only()
    async def apagarmeusdados(self, ctx: Context) -> None:
        """Apaga seu tempo de câmera e seu histórico neste servidor, depois de confirmar."""
        member = ctx.author
        assert isinstance(member, discord.Member)  # guild_only
        view = ConfirmView(member.id, texts.ERASE_BUTTON_CONFIRM, lambda: self.erase(member))
        view.message = await ctx.send(texts.ERASE_CONFIRM, view=view, ephemeral=True)

    # ------------------------------------------------------------ privacidade

    def _choices_changed(self, member: discord.Member) -> None:
        """Let the voice listener apply a member's new choices to their voice state now."""
        self.bot.dispatch("member_choices_changed", member)

    async def _choose(self, ctx: Context, **choice: bool) -> None:
        """Save one of the member's choices and tell them; unchanged choices are said so."""
        assert ctx.guild is not None
        guild_id, user_id = ctx.guild.id, ctx.author.id
        current = self.bot.store.member_settings(guild_id, user_id)
        ((field, value),) = choice.items()
        reply = texts.PRIVACY_REPLIES[field, value]
        if getattr(current, field) == value:
            await ctx.send(texts.PRIVACY_ALREADY.format(state=reply[0]), ephemeral=True)
            return
        changed = msgspec.structs.replace(current, **choice)
        try:
            await self.bot.store.save_member_settings(guild_id, user_id, changed)
        except OSError:  # the disk or the database refused (the store logged why)
            await ctx.send(texts.SETTINGS_SAVE_FAILED, ephemeral=True)
            return
        if field == "paused" and isinstance(ctx.author, discord.Member):
            self._choices_changed(ctx.author)
        await ctx.send(reply[1], ephemeral=True)

    @hybrid_group(
        name="privacidade",
        fallback="ver",
        usage=texts.USAGE_PRIVACY,
        description=texts.DESCRIPTION_PRIVACY,
        brief=texts.BRIEF_PRIVACY,
        invoke_without_command=True,
        case_insensitive=True,
        ignore_extra=False,
        extras={"example": texts.EXAMPLE_PRIVACY},
    )
    @commands.guild_only()
    async def privacidade(self, ctx: Context) -> None:
        """Mostra suas escolhas de privacidade neste servidor."""
        assert ctx.guild is not None
        await ctx.send(
            privacy_summary(self.bot.store.member_settings(ctx.guild.id, ctx.author.id)),
            ephemeral=True,
        )

    @subcommand(
        privacidade, name="oculto", ignore_extra=False, description=texts.DESCRIPTION_PRIVACY_HIDE
    )
    @commands.guild_only()
    async def privacidade_oculto(self, ctx: Context) -> None:
        """Continua contando, mas não mostra seu nome nem seu tempo para os outros."""
        await self._choose(ctx, hidden=True)

    @subcommand(
        privacidade, name="visivel", ignore_extra=False, description=texts.DESCRIPTION_PRIVACY_SHOW
    )
    @commands.guild_only()
    async def privacidade_visivel(self, ctx: Context) -> None:
        """Volta a mostrar seu nome e seu tempo para os outros."""
        await self._choose(ctx, hidden=False)

    @subcommand(
        privacidade, name="parar", ignore_extra=False, description=texts.DESCRIPTION_PRIVACY_PAUSE
    )
    @commands.guild_only()
    async def privacidade_parar(self, ctx: Context) -> None:
        """Para de contar seu tempo de câmera neste servidor (a sessão atual conta até agora)."""
        await self._choose(ctx, paused=True)

    @subcommand(
        privacidade, name="voltar", ignore_extra=False, description=texts.DESCRIPTION_PRIVACY_RESUME
    )
    @commands.guild_only()
    async def privacidade_voltar(self, ctx: Context) -> None:
        """Volta a contar seu tempo de câmera neste servidor."""
        await self._choose(ctx, paused=False)


def privacy_summary(choices: MemberSettings) -> str:
    """How `!privacidade` shows a member's choices.

    >>> print(privacy_summary(MemberSettings(hidden=True)))
    🔒 Suas escolhas neste servidor:
    • Para os outros: **oculto** (aparece como “membro oculto”)
    • Contagem: **ativa**
    """
    return texts.PRIVACY_SUMMARY.format(
        hidden=texts.PRIVACY_HIDDEN if choices.hidden else texts.PRIVACY_VISIBLE,
        paused=texts.PRIVACY_PAUSED if choices.paused else texts.PRIVACY_COUNTING,
    )


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(Privacy(bot))
