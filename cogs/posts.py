"""Automatic ranking posts: the finished week's or month's top 10, posted once per period.

One task on the bot's loop sleeps until the next local Monday 00:00 (or 1st of the month)
of the servers that post, then posts what is due (`tracking.posts.due`). Each post is
made at most once, across restarts, downtime and processes:

1. the period is *claimed* in the server's settings (saved through the store) before the
   post is sent, and marked *done* once it was;
2. a period found claimed but not done (a crash, or a failure, between the two) is looked
   for among the channel's recent messages: the bot's own post with that period's title
   counts as done, otherwise the post is sent then;
3. only the process with the server in its guild cache and its store (the one owning the
   server's shard) posts for it; a bot that was down at the boundary posts the most recent
   finished period when it comes back, never a backlog.

A channel that is gone or closed to the bot is logged once and that period given up (the
next one is tried); Discord's own failures (5xx, network) are retried a few minutes later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import aiohttp
import discord
import msgspec
from discord.ext import commands

from cogs.checks import POST_PERMISSIONS, missing_permissions
from tracking.posts import FinishedPeriod, claimed, due, marker_state, next_end, with_marker
from tracking.standings import now, period_standings
from ui.names import MemberNames, hidden_members
from ui.posts import post_embed, post_title
from ui.ranking import build_page, names_in
from ui.style import RANKING_PAGE_SIZE

if TYPE_CHECKING:
    from bot import BatePonto

log = logging.getLogger(__name__)

RETRY_SECONDS = 300.0
"""How long a post that Discord or the store refused waits before it is tried again."""

MAX_PAUSE_SECONDS = 3600.0
"""The longest the task sleeps between checks (a safety net; changes wake it at once)."""

MIN_PAUSE_SECONDS = 1.0

HISTORY_CHECKED = 50
"""How many of a channel's recent messages are searched for a post already made."""

EVERYONE = 0
"""The viewer of a public post: no member, so every hidden member stays hidden."""

TRANSIENT = (aiohttp.ClientError, asyncio.TimeoutError)
"""Network failures: they say nothing about the channel, so the post is tried again later
(as is any 5xx answer from Discord)."""


def is_transient(error: Exception) -> bool:
    """Whether a failure to reach Discord is worth trying again soon."""
    if isinstance(error, discord.HTTPException):
        return error.status >= 500
    return isinstance(error, TRANSIENT)


class RankingPosts(commands.Cog, name="Postagens"):
    """Posts each finished week's or month's top 10 in the channel a server chose."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot."""
        self.bot = bot
        self._task: asyncio.Task[None] | None = None
        self._sleeping = False
        """Whether the task is between checks (it may then be restarted at once)."""
        self._again = False
        """A setting changed during a check: check again right after it."""
        self._given_up: set[tuple[int, str]] = set()
        """(server, period) whose post was given up and logged, so it is logged once."""

    async def cog_load(self) -> None:
        """Start the posting task."""
        self._start()

    async def cog_unload(self) -> None:
        """Stop the posting task."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ranking-posts")

    @commands.Cog.listener()
    async def on_server_settings_changed(self, guild: discord.Guild) -> None:
        """A server's settings changed (its posting may have): look again now."""
        del guild
        self.wake()

    def wake(self) -> None:
        """Look again now: a server's posting setting changed."""
        if not self._sleeping or self._task is None:
            self._again = True
            return
        self._sleeping = False
        self._task.cancel()  # it was only sleeping: a new one checks at once
        self._start()

    def zone(self, guild_id: int) -> ZoneInfo:
        """The time zone of a server's weeks and months now (the one place posts read it)."""
        return self.bot.sessions.zone_of(guild_id)

    # ------------------------------------------------------------ the task

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        while True:
            self._again = False
            try:
                pause = await self.post_due()
            except Exception:  # one bad server must not stop every server's posts
                log.exception("Falha ao verificar as postagens automáticas do ranking")
                pause = RETRY_SECONDS
            if self._again:
                continue
            self._sleeping = True
            await asyncio.sleep(pause)
            self._sleeping = False

    async def post_due(self) -> float:
        """Post every period due now; the seconds until something may be due again."""
        at = now(self.bot.sessions)
        pause = MAX_PAUSE_SECONDS
        for guild_id in self.bot.store.servers_with_settings():
            settings = self.bot.store.server_settings(guild_id)
            if settings.post_every is None:
                continue
            guild = self.bot.get_guild(guild_id)
            if guild is None or not self.bot.owns(guild_id):  # another process posts it
                continue
            zone = self.zone(guild_id)
            period = due(settings, at, zone)
            if period is not None and (guild.unavailable or not await self._try(guild, period)):
                pause = min(pause, RETRY_SECONDS)
            until = (next_end(settings.post_every, at, zone) - at).total_seconds()
            pause = min(pause, until)
        return max(MIN_PAUSE_SECONDS, pause)

    # ------------------------------------------------------------- one post

    async def _try(self, guild: discord.Guild, period: FinishedPeriod) -> bool:
        """`post`, with anything unforeseen logged and retried: other servers still post."""
        try:
            return await self.post(guild, period)
        except Exception:
            log.exception("Falha ao postar o ranking %s no servidor %s", period.key, guild.id)
            return False

    async def post(self, guild: discord.Guild, period: FinishedPeriod) -> bool:
        """Post a server's ranking of `period`, once; False when it must be tried again."""
        settings = self.bot.store.server_settings(guild.id)
        channel = guild.get_channel(settings.post_channel or 0)
        if not isinstance(channel, discord.TextChannel):
            return await self._give_up(guild, period, "o canal não existe mais")
        if missing_permissions(channel, POST_PERMISSIONS):
            return await self._give_up(guild, period, "o bot não tem permissão no canal")
        if marker_state(settings.posted, period.key) == "claimed":
            try:
                if await self._already_posted(channel, period):
                    return await self._mark(guild.id, period.key)
            except (discord.HTTPException, *TRANSIENT) as error:
                if not is_transient(error):
                    raise
                log.warning("Discord falhou ao ler o canal %s: %s", channel.id, error)
                return False
        elif not await self._mark(guild.id, claimed(period.key)):
            return False
        embed = await self._embed(guild, period)
        try:
            await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
        except (discord.HTTPException, *TRANSIENT) as error:
            if is_transient(error):
                log.warning(
                    "Discord falhou ao postar o ranking %s (servidor %s): %s; tento de novo "
                    "daqui a pouco",
                    period.key,
                    guild.id,
                    error,
                )
                return False
            # 403, 404: the channel is closed to the bot or gone
            return await self._give_up(guild, period, f"Discord recusou ({error})")
        log.info("Ranking %s postado no canal %s (servidor %s)", period.key, channel.id, guild.id)
        return await self._mark(guild.id, period.key)

    async def _embed(self, guild: discord.Guild, period: FinishedPeriod) -> discord.Embed:
        """The period's top 10, with the figures `!rankingvideo` had for it."""
        standings = period_standings(self.bot.store, self.bot.sessions, guild.id, period.days)
        names: MemberNames = self.bot.names
        hidden = hidden_members(self.bot.store, guild.id, EVERYONE)  # a post is for everyone
        ranking = await build_page(
            standings,
            1,
            RANKING_PAGE_SIZE,
            names_in(guild, names, hidden),
            names.departed(guild.id),
        )
        return post_embed(
            period,
            ranking,
            guild_name=guild.name,
            icon_url=guild.icon.url if guild.icon else None,
            prefix=self.bot.settings.command_prefix,
        )

    async def _already_posted(self, channel: discord.TextChannel, period: FinishedPeriod) -> bool:
        """Whether the bot's own post of `period` is among the channel's recent messages."""
        me = self.bot.user
        title = post_title(period)
        try:
            async for message in channel.history(limit=HISTORY_CHECKED):
                if me is not None and message.author.id == me.id:
                    if any(embed.title == title for embed in message.embeds):
                        return True
        except discord.Forbidden:  # the history cannot be read: better twice than never
            return False
        return False

    async def _mark(self, guild_id: int, marker: str) -> bool:
        """Save a period's marker in the server's settings; False if the store refused."""
        settings = self.bot.store.server_settings(guild_id)
        changed = msgspec.structs.replace(settings, posted=with_marker(settings.posted, marker))
        try:
            await self.bot.store.save_server_settings(guild_id, changed)
        except OSError:  # the store logged why; the post is tried again later
            return False
        return True

    async def _give_up(self, guild: discord.Guild, period: FinishedPeriod, reason: str) -> bool:
        """Log once that a period cannot be posted, and settle it: the next one is tried."""
        if (guild.id, period.key) not in self._given_up:
            self._given_up.add((guild.id, period.key))
            log.warning(
                "Não foi possível postar o ranking %s no servidor %s: %s; "
                "tento de novo no próximo período",
                period.key,
                guild.id,
                reason,
            )
        return await self._mark(guild.id, period.key)


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(RankingPosts(bot))
