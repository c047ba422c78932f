"""Member commands: the camera-time ranking (`!rankingvideo`) and `!meutempo`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs.cooldowns import member_cooldown
from cogs.hybrid import hybrid_command
from tracking.periods import PERIOD_LABELS, Period
from tracking.standings import days_of, period_standings
from ui import texts
from ui.converters import PeriodArgument, Person
from ui.personal import member_time, member_time_embed
from ui.ranking import (
    RankingPage,
    build_page,
    names_in,
    position_of,
    ranking_embed,
)
from ui.style import RANKING_PAGE_SIZE
from ui.views import OwnerOnlyView
from utils import escape_name, plural

if TYPE_CHECKING:
    from bot import BatePonto

Context = commands.Context["BatePonto"]

OPTIONAL_MEMBER: discord.Member | None = commands.parameter(
    converter=Person(member_only=True), default=None
)
"""An optional member argument whose text must name a member who is not a bot: not
`Optional[Member]`, which would quietly fall back to the default when nobody matches."""

RANKING_PERIOD: Period = commands.parameter(
    converter=PeriodArgument(before_number=True), default=Period.TOTAL
)
"""The ranking's period; a number in its place is the page (`!rankingvideo 2`)."""

PERIOD_CHOICES = [app_commands.Choice(name=p.value, value=p.value) for p in Period]


class RankingView(OwnerOnlyView):
    """◀ ▶ buttons that page through a ranking, for the member who asked only."""

    def __init__(self, cog: Ranking, owner_id: int, guild_id: int, period: Period) -> None:
        """Page through `period`'s ranking of a server for member `owner_id`."""
        super().__init__(owner_id)
        self.cog = cog
        self.guild_id = guild_id
        self.period = period
        self.page = 1

    def show(self, ranking: RankingPage) -> None:
        """Enable only the buttons that lead somewhere from this page."""
        self.page = ranking.page
        self.previous.disabled = ranking.page <= 1
        self.next.disabled = ranking.page >= ranking.pages

    @discord.ui.button(label=texts.RANKING_PREVIOUS, style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        """Show the page before."""
        await self._turn(interaction, -1)

    @discord.ui.button(label=texts.RANKING_NEXT, style=discord.ButtonStyle.secondary)
    async def next(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        """Show the page after."""
        await self._turn(interaction, +1)

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        guild = interaction.guild
        if guild is None:
            return
        page, embed = await self.cog.render(
            guild, self.period, max(1, self.page + step), self.owner_id
        )
        if embed is None:  # the ranking shrank under us: go back to its first page
            page, embed = await self.cog.render(guild, self.period, 1, self.owner_id)
        self.show(page)
        await interaction.response.edit_message(embed=embed, view=self)


class Ranking(commands.Cog):
    """The camera-time ranking of a server and each member's own figures."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot."""
        self.bot = bot

    # ---------------------------------------------------- who is still here

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """A member who comes back shows up in rankings again."""
        self.bot.names.seen(member.guild.id, member.id, member.display_name)

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        """A member who leaves is hidden from rankings (the data stays)."""
        self.bot.names.left(member.guild.id, member.id)

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """Someone in voice is in the server, whatever was known before."""
        del before, after
        self.bot.names.seen(member.guild.id, member.id, member.display_name)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Forget the names of a server the bot left."""
        self.bot.names.forget_guild(guild.id)

    # ------------------------------------------------------------ ranking

    async def render(
        self, guild: discord.Guild, period: Period, page: int, asker_id: int
    ) -> tuple[RankingPage, discord.Embed | None]:
        """A page of a period's ranking and its embed (None when the page is empty)."""
        days = days_of(self.bot.sessions, guild.id, period)
        standings = period_standings(self.bot.store, self.bot.sessions, guild.id, days)
        departed = self.bot.names.departed(guild.id)
        ranking = await build_page(
            standings, page, RANKING_PAGE_SIZE, names_in(guild, self.bot.names), departed
        )
        if not ranking.entries:
            return ranking, None
        embed = ranking_embed(
            guild_name=guild.name,
            icon_url=guild.icon.url if guild.icon else None,
            period=period,
            ranking=ranking,
            placing=position_of(standings, asker_id, departed),
            live=bool(self.bot.sessions.keys_in(guild.id)),
        )
        return ranking, embed

    @hybrid_command(
        name="rankingvideo",
        usage=texts.USAGE_RANKING,
        ignore_extra=False,
        description=texts.DESCRIPTION_RANKING,
        brief=texts.BRIEF_RANKING,
        extras={"example": texts.EXAMPLE_RANKING},
    )
    @commands.guild_only()
    @member_cooldown()
    @app_commands.describe(**texts.DESCRIBE_RANKING)
    @app_commands.choices(periodo=PERIOD_CHOICES)
    async def rankingvideo(
        self,
        ctx: Context,
        periodo: Period = RANKING_PERIOD,
        pagina: commands.Range[int, 1] = 1,
    ) -> None:
        """Top 10 por tempo de câmera (hoje, semana, mes ou total), com páginas."""
        assert ctx.guild is not None
        period, page = periodo, pagina
        self.bot.names.seen(ctx.guild.id, ctx.author.id, ctx.author.display_name)
        ranking, embed = await self.render(ctx.guild, period, page, ctx.author.id)
        if embed is None:
            if page == 1:
                await ctx.send(texts.RANKING_EMPTY.format(period=PERIOD_LABELS[period]))
            else:
                pages = plural(ranking.pages, *texts.PAGES)
                await ctx.send(texts.RANKING_PAGE_EMPTY.format(page=page, pages=pages))
            return
        if ranking.pages == 1:
            await ctx.send(embed=embed)
            return
        view = RankingView(self, ctx.author.id, ctx.guild.id, period)
        view.show(ranking)
        view.message = await ctx.send(embed=embed, view=view)

    # ----------------------------------------------------------- meutempo

    @hybrid_command(
        name="meutempo",
        usage=texts.USAGE_MEUTEMPO,
        ignore_extra=False,
        description=texts.DESCRIPTION_MEUTEMPO,
        brief=texts.BRIEF_MEUTEMPO,
        extras={"example": texts.EXAMPLE_MEUTEMPO},
    )
    @commands.guild_only()
    @member_cooldown()
    @app_commands.describe(**texts.DESCRIBE_MEUTEMPO)
    async def meutempo(
        self,
        ctx: Context,
        membro: discord.Member | None = OPTIONAL_MEMBER,
    ) -> None:
        """Total, sessões, média, maior sessão, hoje/semana/mês, posição e sessão atual."""
        assert ctx.guild is not None
        target = membro or ctx.author
        self.bot.names.seen(ctx.guild.id, target.id, target.display_name)
        figures = member_time(
            self.bot.store,
            self.bot.sessions,
            ctx.guild.id,
            target.id,
            self.bot.names.departed(ctx.guild.id),
        )
        if figures.is_empty:
            if target.id == ctx.author.id:
                await ctx.send(texts.MEUTEMPO_NONE_SELF)
            else:
                name = escape_name(target.display_name)
                await ctx.send(texts.MEUTEMPO_NONE_OTHER.format(name=name))
            return
        embed = member_time_embed(
            figures,
            name=target.display_name,
            avatar_url=target.display_avatar.url,
            guild_name=ctx.guild.name,
        )
        await ctx.send(embed=embed)


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(Ranking(bot))
