"""How an automatic ranking post looks: its title names the finished week or month.

The title is also how the bot recognises its own post for a period in the channel's
recent messages (after a crash between sending it and noting it as sent).
"""

from __future__ import annotations

from datetime import date

import discord

from tracking.posts import FinishedPeriod
from tracking.server_settings import PostEvery
from ui import texts
from ui.ranking import RankingPage, ranking_line
from ui.style import EMBED_COLOR
from utils import plural


def post_title(period: FinishedPeriod) -> str:
    """The title of a period's post.

    >>> from tracking.periods import DayRange
    >>> from datetime import UTC, datetime
    >>> end = datetime(2026, 11, 30, 3, tzinfo=UTC)
    >>> week = DayRange(date(2026, 11, 23).toordinal(), date(2026, 11, 29).toordinal())
    >>> post_title(FinishedPeriod("semanal", "semanal:2026-11-23", week, end))
    '🏆 Ranking de câmera — semana de 23/11 a 29/11/2026'
    >>> month = DayRange(date(2026, 11, 1).toordinal(), date(2026, 11, 30).toordinal())
    >>> post_title(FinishedPeriod("mensal", "mensal:2026-11", month, end))
    '🏆 Ranking de câmera — novembro de 2026'
    """
    first, last = date.fromordinal(period.days.first), date.fromordinal(period.days.last)
    if period.every == "mensal":
        return texts.POST_MONTH_TITLE.format(
            month=texts.POST_MONTHS[first.month - 1], year=first.year
        )
    start = f"{first:%d/%m}" if first.year == last.year else f"{first:%d/%m/%Y}"
    return texts.POST_WEEK_TITLE.format(first=start, last=f"{last:%d/%m/%Y}")


def post_embed(
    period: FinishedPeriod,
    ranking: RankingPage,
    *,
    guild_name: str,
    icon_url: str | None,
    prefix: str,
) -> discord.Embed:
    """A finished period's top 10, as posted in the server's channel."""
    lines = [ranking_line(entry) for entry in ranking.entries] or [texts.POST_EMPTY]
    embed = discord.Embed(title=post_title(period), color=EMBED_COLOR, description="\n".join(lines))
    embed.set_author(name=guild_name, icon_url=icon_url)
    members = plural(ranking.members, *texts.MEMBERS)
    embed.set_footer(text=texts.POST_FOOTER.format(members=members, prefix=prefix))
    return embed


def post_setting(channel_id: int | None, every: PostEvery | None) -> str:
    """How `!configvideo` and the audit log show the posting setting.

    >>> post_setting(5, "semanal"), post_setting(None, None)
    ('semanal em <#5>', 'desligada')
    """
    if channel_id is None or every is None:
        return texts.POST_OFF
    return texts.POST_SETTING_VALUE.format(
        every=texts.POST_EVERY_NAMES[every], channel=f"<#{channel_id}>"
    )


def missing_permissions_reply(channel: str, missing: list[str]) -> str:
    """What an admin is told when the bot lacks permissions (by name) in the chosen channel.

    >>> missing_permissions_reply("#a", ["embed_links"])[:60]
    '⚠️ Não consigo postar em #a: me falta a permissão **Inserir '
    >>> "**Enviar mensagens** e **Inserir links**" in missing_permissions_reply(
    ...     "#a", ["send_messages", "embed_links"]
    ... )
    True
    """
    names = [f"**{texts.POST_PERMISSION_NAMES[name]}**" for name in missing]
    if len(names) == 1:
        return texts.POST_MISSING_PERMISSION.format(channel=channel, permissions=names[0])
    listed = f"{', '.join(names[:-1])} e {names[-1]}"
    return texts.POST_MISSING_PERMISSIONS.format(channel=channel, permissions=listed)
