"""Admin tools: reset and adjust camera time, export it as CSV, show the audit log.

Every tool needs the Manage Server permission. Resets and adjustments are written
to the audit log (JSONL beside `DATA_FILE`, fsync'd, mode 0600) *before* they are
applied: if the log cannot be written nothing changes, so the log never misses an
action (a crash between the two can leave an entry for an action that did not land).
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from cogs.cooldowns import member_cooldown
from cogs.hybrid import hybrid_command, hybrid_group, subcommand
from database import AuditEntry
from tracking.periods import PERIOD_LABELS, Period
from tracking.records import Adjust, Change, Reset
from tracking.standings import days_of, now, period_standings
from ui import texts
from ui.audit import audit_line
from ui.converters import Duration, PeriodArgument, Person
from ui.csv_export import build_csv, export_rows, fill_missing_names
from ui.style import EMBED_COLOR
from ui.views import OwnerOnlyView
from utils import escape_name, format_seconds_to_time, plural, truncate_string

if TYPE_CHECKING:
    from bot import BatePonto

log = logging.getLogger(__name__)

Context = commands.Context["BatePonto"]

T = TypeVar("T")


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


CONFIRM_TIMEOUT_SECONDS = 60.0
"""How long the reset confirmation buttons wait for the admin."""

COMMIT_WAIT_SECONDS = 5.0
"""How long an admin command waits for its change to reach the disk before replying."""

MAX_ADJUST_SECONDS = 10_000 * 3600
"""The largest adjustment accepted in one go."""

AUDIT_SHOWN = 10
"""Entries shown by `!auditoriavideo`."""

EXPORT_COOLDOWN_SECONDS = 30.0


ADJUST_DURATION: int = commands.parameter(converter=Duration(limit=MAX_ADJUST_SECONDS))
"""The change `!ajustarvideo` makes: `+1h 30min`, `1h30`, `1,5h`, `-20min`... (may be words)."""

PERSON: discord.abc.User = commands.parameter(converter=Person())
"""A member (or a former member, by id) who is not a bot."""

EXPORT_PERIOD: Period = commands.parameter(converter=PeriodArgument(), default=Period.TOTAL)


def removable(requested: int, current: int) -> int:
    """The change an adjustment really makes: a removal never goes below zero.

    >>> removable(600, 100), removable(-600, 100), removable(-60, 100), removable(-60, 0)
    (600, -100, -60, 0)
    """
    if requested >= 0:
        return requested
    return -min(-requested, max(0, current))


# ------------------------------------------------------------ confirmation


class ResetConfirmView(OwnerOnlyView):
    """Zerar / Cancelar buttons for the admin who asked for a reset."""

    def __init__(
        self, cog: Admin, ctx: Context, target: discord.abc.User | None, reason: str | None
    ) -> None:
        """Confirm a reset of `target` (the whole server when None) for the author of `ctx`."""
        super().__init__(ctx.author.id, timeout=CONFIRM_TIMEOUT_SECONDS)
        self.cog = cog
        self.ctx = ctx
        self.target = target
        self.reason = reason
        self.finished = False

    def _end(self) -> None:
        """No more answers: disable the buttons and stop listening."""
        self.finished = True
        self.disable_all()
        self.stop()

    @discord.ui.button(label=texts.RESET_BUTTON_CONFIRM, style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[ResetConfirmView]
    ) -> None:
        """Do the reset."""
        del button
        if self.finished:
            return
        self._end()
        await interaction.response.defer()  # writing to disk may outlast Discord's 3 s
        content = await self.cog.reset(self.ctx, self.target, self.reason)
        await interaction.edit_original_response(content=content, view=self)

    @discord.ui.button(label=texts.RESET_BUTTON_CANCEL, style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[ResetConfirmView]
    ) -> None:
        """Leave everything as it is."""
        del button
        if self.finished:
            return
        self._end()
        await interaction.response.edit_message(content=texts.RESET_CANCELLED, view=self)

    async def on_timeout(self) -> None:
        """Nothing happens; say so and disable the buttons."""
        if self.finished:
            return
        self.finished = True
        self.disable_all()
        if self.message is None:
            return
        try:
            await self.message.edit(content=texts.RESET_TIMED_OUT, view=self)
        except discord.HTTPException as error:
            log.info(
                "Não foi possível fechar a confirmação de reset %s: %s", self.message.id, error
            )


# --------------------------------------------------------------------- cog


class Admin(commands.Cog):
    """Reset, adjust and export camera time; every change goes to the audit log."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot's store and sessions."""
        self.bot = bot

    def _entry(self, ctx: Context, action: str, **fields: Any) -> AuditEntry:
        assert ctx.guild is not None
        return AuditEntry(
            at=now(self.bot.sessions).isoformat(),
            guild_id=ctx.guild.id,
            admin_id=ctx.author.id,
            admin_name=ctx.author.display_name,
            action=action,
            **fields,
        )

    async def _audited_commit(self, entry: AuditEntry, record: Change) -> bool:
        """Audit, then apply a change; False (and nothing done) if the audit log failed.

        A reset also restarts the running sessions it covers in the same step
        (no await in between), so they cannot bring back time from before it.
        """
        try:
            await self.bot.store.audit_append(entry)
        except OSError:
            return False  # the store logged it
        if isinstance(record, Reset):
            guild_id = record.g
            keys = (
                [(guild_id, record.u)]
                if record.u is not None
                else self.bot.sessions.keys_in(guild_id)
            )
            for key in keys:
                self.bot.sessions.restart_session(*key)
        durable = self.bot.store.commit([record])
        try:
            await asyncio.wait_for(asyncio.shield(durable), COMMIT_WAIT_SECONDS)
        except TimeoutError:
            log.warning(
                "Alteração de administrador aplicada, mas ainda não gravada; o bot segue tentando"
            )
        return True

    async def reset(self, ctx: Context, target: discord.abc.User | None, reason: str | None) -> str:
        """Reset a member (or, with None, the whole server); the text to show the admin."""
        assert ctx.guild is not None
        guild_id = ctx.guild.id
        record = Reset(g=guild_id, u=target.id if target is not None else None)
        entry = self._entry(
            ctx,
            "reset",
            user_id=target.id if target else None,
            user_name=target.display_name if target else None,
            reason=reason,
        )
        if not await self._audited_commit(entry, record):
            return texts.AUDIT_WRITE_FAILED
        log.info(
            "Reset de %s no servidor %s feito por %s",
            target.id if target else "todos",
            guild_id,
            ctx.author.id,
        )
        if target is None:
            return texts.RESET_DONE_ALL
        return texts.RESET_DONE_MEMBER.format(name=escape_name(target.display_name))

    # ------------------------------------------------------------ commands

    @hybrid_group(
        name="resetvideo",
        fallback="membro",
        invoke_without_command=True,
        case_insensitive=True,
        usage=texts.USAGE_RESET,
        description=texts.DESCRIPTION_RESET,
        brief=texts.BRIEF_RESET,
        extras={"example": texts.EXAMPLE_RESET, "section": texts.HELP_SECTION_ADMINS},
    )
    @for_admins()
    @app_commands.describe(**texts.DESCRIBE_RESET)
    async def resetvideo(
        self, ctx: Context, membro: discord.abc.User = PERSON, *, motivo: str | None = None
    ) -> None:
        """Zera o tempo de câmera de um membro neste servidor, depois de confirmar."""
        await self._ask_reset(ctx, membro, motivo)

    @subcommand(
        resetvideo,
        name="tudo",
        usage=texts.USAGE_RESET_ALL,
        description=texts.DESCRIPTION_RESET_ALL,
    )
    @for_admins(slash_default=False)  # a subcommand takes its group's slash permissions
    @app_commands.describe(**texts.DESCRIBE_RESET_ALL)
    async def resetvideo_tudo(self, ctx: Context, *, motivo: str | None = None) -> None:
        """Zera o tempo de câmera de todos neste servidor, depois de confirmar."""
        await self._ask_reset(ctx, None, motivo)

    async def _ask_reset(
        self, ctx: Context, target: discord.abc.User | None, reason: str | None
    ) -> None:
        view = ResetConfirmView(self, ctx, target, reason)
        if target is None:
            question = texts.RESET_CONFIRM_ALL
        else:
            question = texts.RESET_CONFIRM_MEMBER.format(name=escape_name(target.display_name))
        view.message = await ctx.send(question, view=view)

    @hybrid_command(
        name="ajustarvideo",
        usage=texts.USAGE_ADJUST,
        description=texts.DESCRIPTION_ADJUST,
        brief=texts.BRIEF_ADJUST,
        extras={"example": texts.EXAMPLE_ADJUST, "section": texts.HELP_SECTION_ADMINS},
    )
    @for_admins()
    @app_commands.describe(**texts.DESCRIBE_ADJUST)
    async def ajustarvideo(
        self,
        ctx: Context,
        membro: discord.abc.User = PERSON,
        quantidade: int = ADJUST_DURATION,
        *,
        motivo: str,
    ) -> None:
        """Adiciona (+) ou remove (-) tempo de câmera de um membro, com motivo."""
        assert ctx.guild is not None
        requested = quantidade
        await ctx.defer()
        store = self.bot.store
        applied = removable(requested, store.member_stats(ctx.guild.id, membro.id).seconds)
        name = escape_name(membro.display_name)
        if applied == 0:
            await ctx.send(texts.ADJUST_NOTHING.format(name=name))
            return
        today = self.bot.sessions.day_of(ctx.guild.id)
        record = Adjust(g=ctx.guild.id, u=membro.id, s=applied, day=today)
        entry = self._entry(
            ctx,
            "adjust",
            user_id=membro.id,
            user_name=membro.display_name,
            seconds=requested,
            applied=applied,
            reason=motivo,
        )
        if not await self._audited_commit(entry, record):
            await ctx.send(texts.AUDIT_WRITE_FAILED)
            return
        total = format_seconds_to_time(store.member_stats(ctx.guild.id, membro.id).seconds)
        template = texts.ADJUST_ADDED if applied > 0 else texts.ADJUST_REMOVED
        await ctx.send(
            template.format(time=format_seconds_to_time(abs(applied)), name=name, total=total)
        )

    @hybrid_command(
        name="auditoriavideo",
        ignore_extra=False,
        description=texts.DESCRIPTION_AUDIT,
        brief=texts.BRIEF_AUDIT,
        extras={"section": texts.HELP_SECTION_ADMINS},
    )
    @for_admins()
    async def auditoriavideo(self, ctx: Context) -> None:
        """Mostra quem zerou ou ajustou tempo de câmera, quando e por quê."""
        assert ctx.guild is not None
        await ctx.defer()
        try:
            page = await self.bot.store.audit_latest(ctx.guild.id, AUDIT_SHOWN)
        except OSError:  # the disk or the database refused (the store logged why)
            await ctx.send(texts.AUDIT_READ_FAILED)
            return
        entries = page.entries
        if not entries:
            await ctx.send(texts.AUDIT_EMPTY)
            return
        embed = discord.Embed(
            title=texts.AUDIT_TITLE,
            color=EMBED_COLOR,
            description=truncate_string("\n".join(audit_line(e) for e in entries), 4000),
        )
        embed.set_author(
            name=ctx.guild.name, icon_url=ctx.guild.icon.url if ctx.guild.icon else None
        )
        footer = texts.AUDIT_FOOTER.format(shown=plural(len(entries), *texts.RECENT_ACTIONS))
        if page.unreadable == 1:
            footer += texts.AUDIT_UNREADABLE_ONE
        elif page.unreadable:
            footer += texts.AUDIT_UNREADABLE_MANY.format(count=page.unreadable)
        embed.set_footer(text=footer)
        await ctx.send(embed=embed)

    @hybrid_command(
        name="exportvideo",
        usage=texts.USAGE_EXPORT,
        ignore_extra=False,
        description=texts.DESCRIPTION_EXPORT,
        brief=texts.BRIEF_EXPORT,
        extras={"example": texts.EXAMPLE_EXPORT, "section": texts.HELP_SECTION_ADMINS},
    )
    @for_admins()
    @member_cooldown(1, EXPORT_COOLDOWN_SECONDS)
    @app_commands.describe(**texts.DESCRIBE_EXPORT)
    async def exportvideo(self, ctx: Context, periodo: Period = EXPORT_PERIOD) -> None:
        """Envia um CSV com o tempo de câmera de cada membro (hoje, semana, mes ou total)."""
        assert ctx.guild is not None
        period = periodo
        await ctx.defer()
        moment = now(self.bot.sessions)
        days = days_of(self.bot.sessions, ctx.guild.id, period)
        standings = period_standings(self.bot.store, self.bot.sessions, ctx.guild.id, days)
        label = PERIOD_LABELS[period]
        if not len(standings):
            await ctx.send(texts.EXPORT_EMPTY.format(period=label))
            return
        guild = ctx.guild

        def cached_name(user_id: int) -> str | None:
            member = guild.get_member(user_id)  # a cached bot is looked up, and so left out
            return None if member is None or member.bot else member.display_name

        # Work over every member runs in threads; the event loop only fetches a few names.
        rows, missing = await asyncio.to_thread(export_rows, standings, cached_name)
        rows = await fill_missing_names(self.bot.names, guild, rows, missing)
        data = await asyncio.to_thread(build_csv, rows)
        day = date.fromordinal(self.bot.sessions.day_of(guild.id, moment)).isoformat()
        filename = texts.EXPORT_FILENAME.format(period=period.value, day=day)
        await ctx.send(
            texts.EXPORT_DONE.format(period=label, members=plural(len(rows), *texts.MEMBERS)),
            file=discord.File(io.BytesIO(data), filename=filename),
        )


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(Admin(bot))
