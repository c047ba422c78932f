"""Member commands: the camera-time ranking."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

import texts
from config import EMBED_COLOR, RANKING_PAGE_SIZE
from periods import PERIOD_LABELS, Period, period_days
from ranking import RankingPage, build_page
from utils import escape_name, format_duration, plural, resolve_names

if TYPE_CHECKING:
    from bot import BatePonto

Context = commands.Context["BatePonto"]


class RankingArgumentError(commands.BadArgument):
    """The period or page given to the ranking could not be read."""

    what = texts.RANKING_USAGE_WHAT


def parse_ranking_args(periodo: str | None, pagina: int | None) -> tuple[Period, int]:
    """Read `[hoje|semana|mes|total] [página]`, also accepting just a page number.

    >>> parse_ranking_args(None, None)
    (<Period.TOTAL: 'total'>, 1)
    >>> parse_ranking_args("2", None)
    (<Period.TOTAL: 'total'>, 2)
    >>> parse_ranking_args("semana", 3)
    (<Period.WEEK: 'semana'>, 3)
    """
    period = Period.TOTAL
    page = pagina if pagina is not None else 1
    if periodo is not None:
        if periodo.isdigit() and pagina is None:
            page = int(periodo)
        else:
            parsed = Period.parse(periodo)
            if parsed is None:
                raise RankingArgumentError(periodo)
            period = parsed
    if page < 1:
        raise RankingArgumentError(str(page))
    return period, page


class Ranking(commands.Cog):
    """The camera-time ranking of a server."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot."""
        self.bot = bot
        self.departed: dict[int, set[int]] = {}

    def known_departed(self, guild_id: int) -> set[int]:
        """Members seen to have left a server (hidden from its rankings)."""
        return self.departed.setdefault(guild_id, set())

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """A member who comes back shows up in rankings again."""
        self.known_departed(member.guild.id).discard(member.id)

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        """A member who leaves is hidden from rankings (the data stays)."""
        self.known_departed(member.guild.id).add(member.id)

    async def ranking_page(self, guild: discord.Guild, period: Period, page: int) -> RankingPage:
        """A page of the server's ranking for a period, live sessions included."""
        days = period_days(period, discord.utils.utcnow(), self.bot.settings.timezone)
        standings = self.bot.store.ledger.standings(
            guild.id, days, live=self.bot.sessions.live(guild.id)
        )

        async def names(user_ids: Iterable[int]) -> dict[int, str | None]:
            return await resolve_names(guild, user_ids)

        return await build_page(
            standings, page, RANKING_PAGE_SIZE, names, self.known_departed(guild.id)
        )

    def ranking_embed(
        self, guild: discord.Guild, period: Period, ranking: RankingPage
    ) -> discord.Embed:
        """The embed of one ranking page."""
        embed = discord.Embed(
            title=texts.RANKING_TITLE.format(period=PERIOD_LABELS[period]),
            color=EMBED_COLOR,
            description="\n".join(
                texts.RANKING_LINE.format(
                    position=entry.position,
                    name=escape_name(entry.name),
                    time=format_duration(entry.seconds),
                    sessions=plural(entry.sessions, "sessão", "sessões"),
                )
                for entry in ranking.entries
            ),
        )
        embed.set_author(name=guild.name, icon_url=guild.icon.url if guild.icon else None)
        footer = texts.RANKING_FOOTER.format(
            page=ranking.page, pages=ranking.pages, members=ranking.members
        )
        if self.bot.sessions.keys_in(guild.id):
            footer += f" • {texts.RANKING_LIVE_NOTE}"
        embed.set_footer(text=footer)
        return embed

    @commands.hybrid_command(
        name="rankingvideo",
        description="Ranking de tempo com a câmera ligada neste servidor",
    )
    @commands.guild_only()
    async def rankingvideo(
        self, ctx: Context, periodo: str | None = None, pagina: int | None = None
    ) -> None:
        """Mostra o top 10 de tempo de câmera (hoje, semana, mes ou total)."""
        assert ctx.guild is not None
        period, page = parse_ranking_args(periodo, pagina)
        ranking = await self.ranking_page(ctx.guild, period, page)
        if not ranking.entries:
            if page == 1:
                await ctx.send(texts.RANKING_EMPTY.format(period=PERIOD_LABELS[period]))
            else:
                await ctx.send(texts.RANKING_PAGE_EMPTY.format(page=page, pages=ranking.pages))
            return
        await ctx.send(embed=self.ranking_embed(ctx.guild, period, ranking))


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(Ranking(bot))
