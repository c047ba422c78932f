"""`!configvideo`: a server's own counting rules, shown and changed by its admins.

Each change is written to the audit log first (as resets and adjustments are) and then
saved through the store: if either refuses, the admin is told and nothing changes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
import msgspec
from discord import app_commands
from discord.ext import commands

from cogs.audited import change_settings
from cogs.checks import for_admins, missing_permissions
from cogs.hybrid import hybrid_group, subcommand
from tracking.server_settings import ServerSettings
from tracking.standings import now
from tracking.zones import ZoneSpan, calendar_for, zone_change
from ui import texts
from ui.converters import (
    DailyLimit,
    Length,
    PostChannel,
    PostChoice,
    PostFrequency,
    UsageError,
    VoicePlace,
    VoicePlaceArgument,
    ZoneArgument,
)
from ui.posts import missing_permissions_reply, post_setting
from ui.server_settings import (
    company_text,
    ignored_text,
    limit_text,
    settings_embed,
    shown_day,
)
from utils import format_seconds_to_time

if TYPE_CHECKING:
    from bot import BatePonto

log = logging.getLogger(__name__)

Context = commands.Context["BatePonto"]

MAX_STREAK_MINIMUM = 24 * 3600
"""A day cannot need more than the whole day for a streak."""

STREAK_MINIMUM: int = commands.parameter(converter=Length(limit=MAX_STREAK_MINIMUM))

ZONE: str = commands.parameter(converter=ZoneArgument())

MAX_SESSION_MINIMUM = 24 * 3600
"""The longest minimum a session may need to count (a day)."""
SESSION_MINIMUM: int = commands.parameter(converter=Length(limit=MAX_SESSION_MINIMUM))

MAX_DAILY_LIMIT = 24 * 3600
"""A day's limit beyond the whole day would limit nothing."""
DAILY_LIMIT: int | None = commands.parameter(
    converter=DailyLimit(limit=MAX_DAILY_LIMIT, none_words=("nenhum", "nenhuma"))
)

PLACE: VoicePlace = commands.parameter(converter=VoicePlaceArgument())
COUNTED_PLACE: VoicePlace | discord.Object = commands.parameter(
    converter=VoicePlaceArgument(gone_ok=True)
)
"""`contar` also takes the id of an ignored channel that was deleted since."""

People = commands.Range[int, 1, 99]
POST_CHANNEL: discord.TextChannel | None = commands.parameter(converter=PostChannel(), default=None)
"""Where to post; left out to turn posting off (`!configvideo postagem desligada`)."""

POST_FREQUENCY: PostChoice | None = commands.parameter(converter=PostFrequency(), default=None)
"""How often to post; None only when it was not given (then the admin is told)."""


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
        return await change_settings(
            self.bot, ctx, settings, setting=setting, before=before, after=after
        )

    @hybrid_group(
        name="configvideo",
        fallback="ver",
        usage=texts.USAGE_SETTINGS,
        description=texts.DESCRIPTION_SETTINGS,
        brief=texts.BRIEF_SETTINGS,
        invoke_without_command=True,
        extras={
            "example": texts.EXAMPLE_SETTINGS,
            "section": texts.HELP_SECTION_ADMINS,
            "list_subcommands": True,  # `!ajuda` lists each setting with its usage
        },
    )
    @for_admins()
    async def configvideo(self, ctx: Context) -> None:
        """Mostra as configurações deste servidor."""
        assert ctx.guild is not None
        embed = settings_embed(
            self.current(ctx.guild.id),
            default_zone=self.bot.sessions.default_zone,
            moment=now(self.bot.sessions),
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

    # ------------------------------------------------------------ time zone

    @subcommand(
        configvideo,
        name="fuso",
        usage=texts.USAGE_SETTINGS_ZONE,
        description=texts.DESCRIPTION_SETTINGS_ZONE,
    )
    @for_admins(slash_default=False)
    @app_commands.describe(**texts.DESCRIBE_SETTINGS_ZONE)
    async def configvideo_fuso(self, ctx: Context, *, zona: str = ZONE) -> None:
        """Muda o fuso horário do servidor a partir do próximo dia local."""
        assert ctx.guild is not None
        settings = self.current(ctx.guild.id)
        default = self.bot.sessions.default_zone
        moment = now(self.bot.sessions)
        calendar = calendar_for(settings.zones, default)
        current = calendar.zone_at(moment).key
        pending = calendar.pending(moment)
        zones = zone_change(settings.zones, default, moment, zona)
        if zones == settings.zones:
            if pending is None:
                reply = texts.SETTINGS_UNCHANGED.format(
                    setting=texts.SETTINGS_ZONE_NAME, value=zona
                )
            else:
                reply = texts.SETTINGS_ZONE_ALREADY.format(
                    zone=zona, day=shown_day(pending.first_day)
                )
            await ctx.send(reply)
            return
        scheduled = calendar_for(zones, default).pending(moment)
        before = current if pending is None else switch_text(pending)
        after = current if scheduled is None else switch_text(scheduled)
        changed = msgspec.structs.replace(settings, zones=zones)
        if not await self.change(ctx, changed, setting="fuso", before=before, after=after):
            return
        if scheduled is None:  # back to the zone in force: the pending switch is dropped
            assert pending is not None
            reply = texts.SETTINGS_ZONE_KEPT.format(
                day=shown_day(pending.first_day), pending=pending.zone.key, zone=current
            )
        else:
            reply = texts.SETTINGS_ZONE_SET.format(
                day=shown_day(scheduled.first_day), zone=zona, before=current
            )
        await ctx.send(reply)

    # ------------------------------------------------- ignored channels

    @subcommand(
        configvideo,
        name="ignorar",
        usage=texts.USAGE_SETTINGS_PLACE,
        description=texts.DESCRIPTION_SETTINGS_IGNORE,
    )
    @for_admins(slash_default=False)
    @app_commands.describe(**texts.DESCRIBE_SETTINGS_PLACE)
    async def configvideo_ignorar(self, ctx: Context, canal: VoicePlace = PLACE) -> None:
        """Para de contar a câmera num canal de voz ou numa categoria inteira."""
        assert ctx.guild is not None
        settings = self.current(ctx.guild.id)
        if canal.id in settings.ignored:
            await ctx.send(texts.SETTINGS_ALREADY_IGNORED.format(place=canal.mention))
            return
        changed = msgspec.structs.replace(settings, ignored=(*settings.ignored, canal.id))
        await self._change_ignored(ctx, settings, changed, "ignorar", canal)

    @subcommand(
        configvideo,
        name="contar",
        usage=texts.USAGE_SETTINGS_PLACE,
        description=texts.DESCRIPTION_SETTINGS_COUNT,
    )
    @for_admins(slash_default=False)
    @app_commands.describe(**texts.DESCRIBE_SETTINGS_PLACE)
    async def configvideo_contar(
        self, ctx: Context, canal: VoicePlace | discord.Object = COUNTED_PLACE
    ) -> None:
        """Volta a contar a câmera num canal ou categoria ignorado."""
        assert ctx.guild is not None
        settings = self.current(ctx.guild.id)
        if canal.id not in settings.ignored:
            category = canal.category if isinstance(canal, discord.abc.GuildChannel) else None
            if category is not None and category.id in settings.ignored:
                reply = texts.SETTINGS_IGNORED_BY_CATEGORY.format(
                    place=f"<#{canal.id}>",
                    category=category.mention,
                    prefix=self.bot.settings.command_prefix,
                )
            else:
                reply = texts.SETTINGS_NOT_IGNORED.format(place=f"<#{canal.id}>")
            await ctx.send(reply)
            return
        left = tuple(place for place in settings.ignored if place != canal.id)
        changed = msgspec.structs.replace(settings, ignored=left)
        await self._change_ignored(ctx, settings, changed, "contar", canal)

    async def _change_ignored(
        self,
        ctx: Context,
        settings: ServerSettings,
        changed: ServerSettings,
        setting: str,
        place: VoicePlace | discord.Object,
    ) -> None:
        before, after = ignored_text(settings), ignored_text(changed)
        if await self.change(ctx, changed, setting=setting, before=before, after=after):
            done = (
                texts.SETTINGS_IGNORED_SET if setting == "ignorar" else texts.SETTINGS_COUNTED_SET
            )
            await ctx.send(done.format(place=f"<#{place.id}>"))

    # ------------------------------------------------- session minimum

    @subcommand(
        configvideo,
        name="minimo",
        usage=texts.USAGE_SETTINGS_MINIMUM,
        description=texts.DESCRIPTION_SETTINGS_MINIMUM,
    )
    @for_admins(slash_default=False)
    @app_commands.describe(**texts.DESCRIBE_SETTINGS_MINIMUM)
    async def configvideo_minimo(self, ctx: Context, duracao: int = SESSION_MINIMUM) -> None:
        """Muda a duração mínima de uma sessão para ela contar."""
        assert ctx.guild is not None
        settings = self.current(ctx.guild.id)
        before = format_seconds_to_time(settings.minimum)
        after = format_seconds_to_time(duracao)
        if duracao == settings.minimum:
            await ctx.send(
                texts.SETTINGS_UNCHANGED.format(setting=texts.SETTINGS_MINIMUM_NAME, value=after)
            )
            return
        changed = msgspec.structs.replace(settings, minimum=duracao)
        if await self.change(ctx, changed, setting="minimo", before=before, after=after):
            done = texts.SETTINGS_MINIMUM_SET if duracao else texts.SETTINGS_MINIMUM_OFF
            await ctx.send(done.format(value=after, before=before))

    # ------------------------------------------------- daily limit

    @subcommand(
        configvideo,
        name="limite",
        usage=texts.USAGE_SETTINGS_LIMIT,
        description=texts.DESCRIPTION_SETTINGS_LIMIT,
    )
    @for_admins(slash_default=False)
    @app_commands.describe(**texts.DESCRIBE_SETTINGS_LIMIT)
    async def configvideo_limite(self, ctx: Context, duracao: int | None = DAILY_LIMIT) -> None:
        """Muda o máximo de câmera que conta por membro num dia (nenhum: sem limite)."""
        assert ctx.guild is not None
        settings = self.current(ctx.guild.id)
        before, after = limit_text(settings.daily_limit), limit_text(duracao)
        if duracao == settings.daily_limit:
            await ctx.send(
                texts.SETTINGS_UNCHANGED.format(setting=texts.SETTINGS_LIMIT_NAME, value=after)
            )
            return
        changed = msgspec.structs.replace(settings, daily_limit=duracao)
        if await self.change(ctx, changed, setting="limite", before=before, after=after):
            done = texts.SETTINGS_LIMIT_OFF if duracao is None else texts.SETTINGS_LIMIT_SET
            await ctx.send(done.format(value=after, before=before))

    # ------------------------------------------------- company

    @subcommand(
        configvideo,
        name="companhia",
        usage=texts.USAGE_SETTINGS_COMPANY,
        description=texts.DESCRIPTION_SETTINGS_COMPANY,
    )
    @for_admins(slash_default=False)
    @app_commands.describe(**texts.DESCRIBE_SETTINGS_COMPANY)
    async def configvideo_companhia(self, ctx: Context, pessoas: People) -> None:
        """Muda quantas pessoas precisam estar no canal para a câmera contar."""
        assert ctx.guild is not None
        settings = self.current(ctx.guild.id)
        before, after = company_text(settings.company), company_text(pessoas)
        if pessoas == settings.company:
            await ctx.send(
                texts.SETTINGS_UNCHANGED.format(setting=texts.SETTINGS_COMPANY_NAME, value=after)
            )
            return
        changed = msgspec.structs.replace(settings, company=pessoas)
        if await self.change(ctx, changed, setting="companhia", before=before, after=after):
            done = texts.SETTINGS_COMPANY_OFF if pessoas == 1 else texts.SETTINGS_COMPANY_SET
            await ctx.send(done.format(value=after, before=before))

    # ------------------------------------------------- automatic ranking posts

    @subcommand(
        configvideo,
        name="postagem",
        usage=texts.USAGE_SETTINGS_POST,
        description=texts.DESCRIPTION_SETTINGS_POST,
        ignore_extra=False,
    )
    @for_admins(slash_default=False)
    @app_commands.describe(**texts.DESCRIBE_SETTINGS_POST)
    async def configvideo_postagem(
        self,
        ctx: Context,
        canal: discord.TextChannel | None = POST_CHANNEL,
        frequencia: PostChoice | None = POST_FREQUENCY,
    ) -> None:
        """Posta o top 10 da semana ou do mês que terminou num canal (ou desliga)."""
        assert ctx.guild is not None
        if frequencia is None:
            raise UsageError(texts.POST_FREQUENCY_MISSING)
        settings = self.current(ctx.guild.id)
        before = post_setting(settings.post_channel, settings.post_every)
        if frequencia == "desligada":
            changed = msgspec.structs.replace(
                settings, post_channel=None, post_every=None, post_since=None
            )
        elif canal is None:
            raise UsageError(texts.POST_CHANNEL_MISSING)
        else:
            missing = missing_permissions(canal)
            if missing:
                await ctx.send(missing_permissions_reply(canal.mention, missing))
                return
            changed = msgspec.structs.replace(
                settings,
                post_channel=canal.id,
                post_every=frequencia,
                post_since=now(self.bot.sessions).isoformat(),
            )
        after = post_setting(changed.post_channel, changed.post_every)
        if after == before:
            await ctx.send(
                texts.SETTINGS_UNCHANGED.format(setting=texts.SETTINGS_POST_NAME, value=after)
            )
            return
        if not await self.change(ctx, changed, setting="postagem", before=before, after=after):
            return
        if canal is None or changed.post_channel is None:
            await ctx.send(texts.SETTINGS_POST_OFF.format(before=before))
        elif frequencia == "semanal":
            await ctx.send(
                texts.SETTINGS_POST_SET_WEEKLY.format(channel=canal.mention, before=before)
            )
        else:
            await ctx.send(
                texts.SETTINGS_POST_SET_MONTHLY.format(channel=canal.mention, before=before)
            )


def switch_text(span: ZoneSpan) -> str:
    """A zone switch as the audit log names it: `America/Manaus a partir de 03/12/2026`."""
    return texts.SETTINGS_ZONE_AUDIT_FROM.format(zone=span.zone.key, day=shown_day(span.first_day))


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(ServerSettingsCog(bot))
