"""How `!configvideo` shows a server's settings: one field per setting, defaults named."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import discord

from tracking.server_settings import ServerSettings
from tracking.zones import calendar_for
from ui import texts
from ui.posts import post_setting
from ui.style import EMBED_COLOR
from utils import escape_name, format_seconds_to_time, plural


def zone_field(settings: ServerSettings, default_zone: ZoneInfo, moment: datetime) -> str:
    """The server's zone at `moment`, and the switch set for a later day, if any.

    >>> from tracking.server_settings import ZoneSince
    >>> lisbon = ServerSettings(zones=(ZoneSince("2026-03-02T03:00:00+00:00", "Europe/Lisbon"),))
    >>> print(zone_field(lisbon, ZoneInfo("America/Sao_Paulo"), datetime.fromisoformat(
    ...     "2026-03-01T12:00:00+00:00")))
    America/Sao_Paulo
    → Europe/Lisbon a partir de 02/03/2026
    """
    calendar = calendar_for(settings.zones, default_zone)
    zone = calendar.zone_at(moment).key
    pending = calendar.pending(moment)
    if pending is None:
        return zone
    return texts.SETTINGS_ZONE_PENDING.format(
        zone=zone, pending=pending.zone.key, day=shown_day(pending.first_day)
    )


def shown_day(day: int) -> str:
    """A local day as admins read it.

    >>> shown_day(date(2026, 12, 3).toordinal())
    '03/12/2026'
    """
    return date.fromordinal(day).strftime("%d/%m/%Y")


def settings_fields(
    settings: ServerSettings, *, default_zone: ZoneInfo, moment: datetime
) -> list[tuple[str, str]]:
    """(name, value) of every setting at `moment`, in the order `!configvideo` lists them.

    >>> settings_fields(ServerSettings(streak_minimum=1800), default_zone=ZoneInfo("UTC"),
    ...     moment=datetime.fromisoformat("2026-03-01T12:00:00+00:00"))[:2]
    [('Fuso horário', 'UTC'), ('Sequência (mínimo por dia)', '30min')]
    >>> dict(settings_fields(ServerSettings(ignored=(5, 7)), default_zone=ZoneInfo("UTC"),
    ...     moment=datetime.fromisoformat("2026-03-01T12:00:00+00:00")))["Canais ignorados"]
    '<#5>, <#7>'
    """
    roles = len(settings.roles)
    return [
        (texts.SETTINGS_FIELD_ZONE, zone_field(settings, default_zone, moment)),
        (texts.SETTINGS_FIELD_STREAK, format_seconds_to_time(settings.streak_minimum)),
        (texts.SETTINGS_FIELD_IGNORED, ignored_text(settings)),
        (texts.SETTINGS_FIELD_MINIMUM, format_seconds_to_time(settings.minimum)),
        (texts.SETTINGS_FIELD_LIMIT, limit_text(settings.daily_limit)),
        (texts.SETTINGS_FIELD_COMPANY, company_text(settings.company)),
        (texts.SETTINGS_FIELD_POST, post_setting(settings.post_channel, settings.post_every)),
        (
            texts.SETTINGS_FIELD_ROLES,
            plural(roles, *texts.ROLE_REWARDS) if roles else texts.SETTINGS_ROLES_NONE,
        ),
    ]


def ignored_text(settings: ServerSettings) -> str:
    """The ignored channels and categories, by mention (`nenhum` without any).

    >>> ignored_text(ServerSettings()), ignored_text(ServerSettings(ignored=(5,)))
    ('nenhum', '<#5>')
    """
    if not settings.ignored:
        return texts.SETTINGS_IGNORED_NONE
    return ", ".join(f"<#{place}>" for place in settings.ignored)


def limit_text(limit: int | None) -> str:
    """A daily limit as admins read it.

    >>> limit_text(None), limit_text(4 * 3600)
    ('nenhum', '4h')
    """
    return texts.SETTINGS_LIMIT_NONE if limit is None else format_seconds_to_time(limit)


def company_text(company: int) -> str:
    """A company rule as admins read it.

    >>> company_text(1), company_text(3)
    ('1 pessoa', '3 pessoas')
    """
    return plural(company, "pessoa", "pessoas")


def settings_embed(
    settings: ServerSettings,
    *,
    default_zone: ZoneInfo,
    moment: datetime,
    guild_name: str,
    prefix: str,
) -> discord.Embed:
    """The `!configvideo` embed of a server (its zone as at `moment`)."""
    embed = discord.Embed(
        title=texts.SETTINGS_TITLE.format(guild=escape_name(guild_name)), color=EMBED_COLOR
    )
    for name, value in settings_fields(settings, default_zone=default_zone, moment=moment):
        embed.add_field(name=name, value=value, inline=True)
    embed.set_footer(text=texts.SETTINGS_FOOTER.format(prefix=prefix))
    return embed
