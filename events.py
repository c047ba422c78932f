"""The voice-state listener: turns Discord events into camera facts for the session manager.

The cog only reads `before`/`after` states and server events; what a fact
means is decided by `tracking.sessions.VideoSessionManager` (pure), which
returns the records the store persists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from tracking.records import AttributeLegacy, Change, Credit
from tracking.rules import has_company
from tracking.sessions import SessionKey
from utils import LOOKUP_ERRORS, plural

if TYPE_CHECKING:
    from bot import BatePonto

log = logging.getLogger(__name__)

LOOKUP_RETRY_FIRST_SECONDS = 2.0
"""Pause before a failed member lookup is tried again; it doubles up to the maximum."""
LOOKUP_RETRY_MAX_SECONDS = 300.0

# ------------------------------------------------------------------- facts


CameraChannel = discord.VoiceChannel | discord.StageChannel
"""A channel where camera time is counted."""


def is_ignored(channel: CameraChannel, ignored: Collection[int]) -> bool:
    """Whether a channel's camera time does not count: it, or its category, is ignored."""
    return channel.id in ignored or (
        channel.category_id is not None and channel.category_id in ignored
    )


def is_on_camera(
    state: discord.VoiceState | None,
    afk_channel_id: int | None,
    ignored: Collection[int] = (),
) -> bool:
    """Whether a voice state counts as camera time: connected, video on, not in AFK.

    Nor in a channel the server ignores (`!configvideo ignorar`), by itself or by
    its category.
    """
    if state is None or state.channel is None or not state.self_video:
        return False
    channel = state.channel
    return channel.id != afk_channel_id and not is_ignored(channel, ignored)


def people_in(channel: CameraChannel) -> int:
    """How many people (not bots) are connected to a voice channel.

    A member the cache does not know counts as a person until a lookup says
    otherwise (the voice events that follow bring the member).
    """
    guild = channel.guild
    count = 0
    for user_id in channel.voice_states:
        member = guild.get_member(user_id)
        if member is None or not member.bot:
            count += 1
    return count


def forget_voice_states(guild: discord.Guild) -> None:
    """Drop the voice states cached for a server (see `VoiceTracker.on_guild_unavailable`)."""
    guild._voice_states.clear()  # discord.py offers no public way to do this


def video_states(guild: discord.Guild) -> dict[int, discord.VoiceState]:
    """Voice states with video on in a server's voice and stage channels, by member id."""
    channels: list[discord.VoiceChannel | discord.StageChannel] = [
        *guild.voice_channels,
        *guild.stage_channels,
    ]
    return {
        user_id: state
        for channel in channels
        for user_id, state in channel.voice_states.items()
        if state.self_video
    }


# ---------------------------------------------------------------------- cog


class VoiceTracker(commands.Cog):
    """Listens to voice states and keeps camera sessions and the store in step.

    On a sharded bot (`discord.AutoShardedClient`) the connection's loss, its
    return and the reconcile are per shard (`on_shard_*`): one shard's
    reconnect never touches the sessions of another shard's servers. discord.py
    also dispatches the global `disconnect`/`resumed` for every shard; those are
    ignored there, so each loss is handled once, by its shard.
    """

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot's store and session manager."""
        self.bot = bot
        self.sessions = bot.sessions
        self.sharded = isinstance(bot, discord.AutoShardedClient)
        self._owned: frozenset[int] | None = None
        """The shards this process connects (None: all of them)."""
        if isinstance(bot, discord.AutoShardedClient):
            if bot.shard_count is not None:
                self.sessions.shard_count = bot.shard_count
            if bot.shard_ids is not None:
                self._owned = frozenset(bot.shard_ids)
        self._checkpointer: asyncio.Task[None] | None = None
        self._lookups: dict[SessionKey, asyncio.Task[None]] = {}

    async def cog_load(self) -> None:
        """Start the checkpoint loop."""
        self._checkpointer = asyncio.create_task(self._checkpoint_loop(), name="checkpoints")

    async def cog_unload(self) -> None:
        """Stop the checkpoint loop and the member lookups still being retried."""
        tasks = [*self._lookups.values()]
        if self._checkpointer is not None:
            tasks.append(self._checkpointer)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._lookups.clear()

    def _commit(self, records: Iterable[Change]) -> None:
        """Hand records to the store; then tell the cogs whose time was credited.

        Listeners of `camera_credited` get the (server, member) keys of the credits.
        """
        records = list(records)
        if records:
            self.bot.store.commit(records)
            keys = [(record.g, record.u) for record in records if isinstance(record, Credit)]
            if keys:
                self.bot.dispatch("camera_credited", keys)

    async def _checkpoint_loop(self) -> None:
        while True:
            await asyncio.sleep(self.bot.settings.checkpoint_seconds)
            records = self.sessions.checkpoint()
            self.bot.metrics.camera_event("credit", len(records))
            self._commit(records)

    def _context(
        self, event: str, guild_id: int | None = None, user_id: int | None = None
    ) -> dict[str, object]:
        """What a log line passes as `extra=`: the JSON log format shows it (the text one not)."""
        context: dict[str, object] = {"event": event}
        if guild_id is not None:
            context["server"] = guild_id
            if self.sharded:
                context["shard"] = self.sessions.shard_of(guild_id)
        if user_id is not None:
            context["member"] = user_id
        return context

    def _owns(self, guild_id: int) -> bool:
        """Whether the server is on a shard this process owns (always, unsharded)."""
        return self.bot.owns(guild_id)

    def _owns_shard(self, shard_id: int) -> bool:
        return self._owned is None or shard_id in self._owned

    # ---------------------------------------------------------------- facts

    def _camera_on(
        self,
        guild_id: int,
        user_id: int,
        name: str,
        *,
        identified: bool = True,
        counting: bool = True,
    ) -> None:
        """The member is on camera: start a session, or continue one saved by an earlier run.

        With `counting` False (too few people in the channel) a new session starts paused.
        A member who stopped being counted in the server (`!privacidade parar`) is not on
        camera as far as counting goes: a session still running ends now, none starts.
        """
        if self.bot.store.member_settings(guild_id, user_id).paused:
            self._camera_off(guild_id, user_id, name)
            return
        saved = self.bot.store.open_session(guild_id, user_id)
        started = self.sessions.start_session(
            guild_id, user_id, saved=saved, identified=identified, counting=counting
        )
        if not started:
            if identified:
                self.sessions.identify(guild_id, user_id)
            return
        self.bot.metrics.camera_event("start")
        if saved is None:
            context = self._context("camera_on", guild_id, user_id)
            log.info("📹 %s ligou a câmera (servidor %s)", name, guild_id, extra=context)
        else:
            log.info(
                "📹 %s continua com a câmera ligada (sessão retomada, servidor %s)",
                name,
                guild_id,
                extra=self._context("camera_resumed", guild_id, user_id),
            )

    def _camera_off(self, guild_id: int, user_id: int, name: str) -> None:
        """The member is not on camera: end the session, if one is running."""
        running = self.sessions.is_identified(guild_id, user_id)
        record = self.sessions.end_session(guild_id, user_id)
        if record is None:
            if running:
                log.info(
                    "📹 %s desligou a câmera - sessão não contada: mais curta que o mínimo do "
                    "servidor, ou sem companhia (servidor %s)",
                    name,
                    guild_id,
                    extra=self._context("camera_off_uncounted", guild_id, user_id),
                )
            return
        self.bot.metrics.camera_event("close")
        self._commit([record])
        log.info(
            "📹 %s desligou a câmera - sessão de %ss (servidor %s)",
            name,
            record.credited,
            guild_id,
            extra=self._context("camera_off", guild_id, user_id),
        )

    # ------------------------------------------------------------ listeners

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """Start or end a session when the camera state of a member changes.

        Only the state now decides the member's own session, which makes replays
        harmless; `before` only names the channel left, whose company is re-counted.
        """
        self._apply_state(member, after, left=before.channel)

    @commands.Cog.listener()
    async def on_member_choices_changed(self, member: discord.Member) -> None:
        """A member stopped or started being counted (`!privacidade`): apply it at once."""
        self._apply_state(member, member.voice)

    def _apply_state(
        self,
        member: discord.Member,
        after: discord.VoiceState | None,
        *,
        left: CameraChannel | None = None,
    ) -> None:
        """Start or end the member's session by their voice state now.

        `left` is the channel they just left, if any: its company is counted again.
        """
        guild = member.guild
        if not self._owns(guild.id):
            return
        if member.bot:
            if self.sessions.discard(guild.id, member.id):
                log.info("%s é um bot: a sessão iniciada sem identificação foi descartada", member)
            return
        afk = guild.afk_channel.id if guild.afk_channel else None
        settings = self.bot.store.server_settings(guild.id)
        if after is not None and is_on_camera(after, afk, settings.ignored):
            assert after.channel is not None
            counting = settings.company <= 1 or has_company(
                people_in(after.channel), settings.company
            )
            self._camera_on(guild.id, member.id, member.display_name, counting=counting)
        else:
            self.sessions.identify(guild.id, member.id)
            self._camera_off(guild.id, member.id, member.display_name)
        if settings.company > 1:
            # Someone came or went: the cameras in the channels they left and joined may
            # have company now, or lost it. Only those channels are looked at.
            for channel in {left, after.channel if after is not None else None}:
                if channel is not None:
                    self._apply_company(channel, settings.company)

    def _apply_company(self, channel: CameraChannel, company: int) -> None:
        """Pause or resume the sessions in a channel by how many people are there now."""
        guild_id = channel.guild.id
        counting = has_company(people_in(channel), company)
        records = [
            record
            for user_id in channel.voice_states
            if (record := self.sessions.set_counting(guild_id, user_id, counting)) is not None
        ]
        self._commit(records)

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        """Remember when the gateway was lost: sessions that end unseen end there.

        Sharded, `on_shard_disconnect` does it for the shard that was lost.
        """
        if self.sharded:
            return
        if self.sessions.connection_lost():
            log.warning(
                "Conexão com o Discord perdida; o tempo de câmera fica em espera até ela voltar",
                extra=self._context("connection_lost"),
            )

    @commands.Cog.listener()
    async def on_shard_disconnect(self, shard_id: int) -> None:
        """A shard's connection was lost: its servers' sessions that end unseen end there."""
        if not self.sharded or not self._owns_shard(shard_id):
            return
        if self.sessions.shard_lost(shard_id):
            log.warning(
                "Conexão do shard %s com o Discord perdida; o tempo de câmera nos servidores "
                "dele fica em espera até ela voltar",
                shard_id,
                extra={"event": "connection_lost", "shard": shard_id},
            )

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Reconcile with the voice states Discord reports (runs on every READY).

        Sharded, every shard was reconciled on its own READY (`on_shard_ready`).
        """
        if self.sharded:
            await self._attribute_legacy_totals()
            return
        await self.reconcile(self.bot.guilds)

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """A shard identified (again): reconcile its servers, and only those."""
        await self.reconcile_shard(shard_id)

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        """After a resumed session, re-check what the cache now says.

        Sharded, `on_shard_resumed` does it for the shard that resumed.
        """
        if self.sharded:
            return
        await self.reconcile(self.bot.guilds)

    @commands.Cog.listener()
    async def on_shard_resumed(self, shard_id: int) -> None:
        """A shard resumed its session: re-check its servers, and only those."""
        await self.reconcile_shard(shard_id)

    @commands.Cog.listener()
    async def on_guild_unavailable(self, guild: discord.Guild) -> None:
        """A server went away (an outage on Discord's side): a lost connection for it alone.

        Its sessions count only up to now until it is back. discord.py keeps the
        server's cached voice states and, when the server returns, merges the
        new ones into them without dropping any: a member who left meanwhile
        would still look connected. They are dropped now, so what the server
        reports on its return is all the bot goes by.
        """
        if not self._owns(guild.id):
            return
        if self.sessions.guild_lost(guild.id):
            log.warning(
                "Servidor %s indisponível; o tempo de câmera nele fica em espera até ele voltar",
                guild.id,
            )
        forget_voice_states(guild)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A server came back (after a reconnect or an outage): re-check its voice states."""
        if self.bot.is_ready() and self._owns(guild.id):
            await self.reconcile([guild], full=False)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """The bot joined a server: members already on camera there start counting now."""
        if not self._owns(guild.id):
            return
        await self.reconcile([guild], full=False)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot left a server: close the sessions running there."""
        if not self._owns(guild.id):
            return
        for guild_id, user_id in self.sessions.keys_in(guild.id):
            self._camera_off(guild_id, user_id, self._name(guild, user_id))

    @commands.Cog.listener()
    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        """The AFK channel may have changed: re-check who is on camera."""
        if before.afk_channel != after.afk_channel and self._owns(after.id):
            await self.reconcile([after], full=False)

    @commands.Cog.listener()
    async def on_server_settings_changed(self, guild: discord.Guild) -> None:
        """A server's counting rules changed (`!configvideo`): re-check who is on camera."""
        if self._owns(guild.id) and not guild.unavailable:
            await self.reconcile([guild], full=False)

    # ------------------------------------------------------------ reconcile

    async def reconcile_shard(self, shard_id: int) -> None:
        """`reconcile` for one shard: its servers, its saved sessions, its loss (if owned)."""
        if not self.sharded or not self._owns_shard(shard_id):
            return
        guilds = [guild for guild in self.bot.guilds if guild.shard_id == shard_id]
        await self.reconcile(guilds, shard_id=shard_id)

    async def reconcile(
        self, guilds: Iterable[discord.Guild], *, full: bool = True, shard_id: int | None = None
    ) -> None:
        """Make open sessions match who Discord says is on camera now.

        Idempotent. Sessions of members no longer on camera end at the latest
        moment the bot can vouch for (the gateway loss, if there was one), so
        unseen time is never counted. With `full` (a READY or RESUMED: every
        server was re-read), sessions live or saved by an earlier run in servers
        the bot is not in any more are closed too, and the loss is over.
        Servers still unavailable stay on hold until they come back. With
        `shard_id`, `guilds` are that shard's and `full` applies to it alone.
        """
        for guild in list(guilds):
            if guild.unavailable:
                self.sessions.guild_lost(guild.id)
                continue
            fetched = await self._fetch_uncached_video_members(guild)
            # No await from here on: what is applied is what the cache says now.
            current = self.bot.get_guild(guild.id)
            if current is not None and not current.unavailable:
                self._reconcile_guild(current, fetched)
        if full:
            present = {guild.id for guild in self.bot.guilds}

            def gone(guild_id: int) -> bool:
                if guild_id in present or not self._owns(guild_id):
                    return False
                return shard_id is None or self.sessions.shard_of(guild_id) == shard_id

            gone_sessions = {key for key in self.sessions.keys() if gone(key[0])}
            for guild_id, user_id in gone_sessions:
                self._camera_off(guild_id, user_id, str(user_id))
            self.bot.metrics.reconciled(gone_sessions, set())
            self._close_saved_sessions(gone)
            if shard_id is None:
                self.sessions.connection_restored()
            else:
                self.sessions.shard_restored(shard_id)
        await self._attribute_legacy_totals()

    def _reconcile_guild(self, guild: discord.Guild, fetched: dict[int, discord.Member]) -> None:
        """Apply one server's voice states; `fetched` has members missing from the cache.

        A member on camera whose lookup failed still starts (or keeps) a session
        at once, unidentified: its time accrues from now and is credited once a
        retried lookup shows a person (a bot's session is dropped).
        """
        before = set(self.sessions.keys_in(guild.id))
        afk = guild.afk_channel.id if guild.afk_channel else None
        settings = self.bot.store.server_settings(guild.id)
        on_camera: dict[int, str] = {}
        unknown: set[int] = set()
        where: dict[int, CameraChannel] = {}
        for user_id, state in video_states(guild).items():
            if not is_on_camera(state, afk, settings.ignored):
                continue
            assert state.channel is not None
            where[user_id] = state.channel
            member = guild.get_member(user_id) or fetched.get(user_id)
            if member is None:
                unknown.add(user_id)
            elif not member.bot:
                on_camera[user_id] = member.display_name
            elif self.sessions.discard(guild.id, user_id):
                log.info("%s é um bot: a sessão iniciada sem identificação foi descartada", member)
        for guild_id, user_id in self.sessions.keys_in(guild.id):
            if user_id not in on_camera and user_id not in unknown:
                self._camera_off(guild_id, user_id, self._name(guild, user_id))
        channels = {channel.id: channel for channel in where.values()}
        company = {
            channel_id: has_company(people_in(channel), settings.company)
            for channel_id, channel in channels.items()
        }
        for user_id, name in on_camera.items():
            self._camera_on(guild.id, user_id, name, counting=company[where[user_id].id])
        for user_id in unknown:
            counting = company[where[user_id].id]
            self._camera_on(guild.id, user_id, str(user_id), identified=False, counting=counting)
            if not self.sessions.is_identified(guild.id, user_id):
                self._identify_later(guild.id, user_id)
        for channel in channels.values():  # sessions that went on: paused or resumed now
            self._apply_company(channel, settings.company)
        self.bot.metrics.reconciled(before, set(self.sessions.keys_in(guild.id)))
        self._close_saved_sessions(lambda guild_id: guild_id == guild.id)
        self.sessions.guild_verified(guild.id)

    def _close_saved_sessions(self, where: Callable[[int], bool]) -> None:
        """Close saved sessions with no live one: the member left while the bot was away.

        The saved session is continued and closed at once, so it adds no time
        and is not counted again; it just stops being open.
        """
        for (guild_id, user_id), saved in self.bot.store.open_sessions().items():
            if where(guild_id) and not self.sessions.has_session(guild_id, user_id):
                self.sessions.start_session(guild_id, user_id, saved=saved)
                record = self.sessions.end_session(guild_id, user_id)
                self._commit([record] if record else [])

    async def _fetch_uncached_video_members(
        self, guild: discord.Guild
    ) -> dict[int, discord.Member]:
        """Fetch the members with video on that the cache does not know.

        The bot runs without the members intent, so at start-up the cache may
        have voice states but not who they belong to; one of them could be a bot.
        """
        fetched: dict[int, discord.Member] = {}
        for user_id in video_states(guild):
            if guild.get_member(user_id) is not None or (guild.id, user_id) in self._lookups:
                continue
            try:
                fetched[user_id] = await guild.fetch_member(user_id)
            except discord.NotFound:
                continue  # not a member any more: the next voice event settles it
            except LOOKUP_ERRORS as error:
                log.warning(
                    "Não foi possível identificar o membro %s do servidor %s (%s); o tempo "
                    "dele conta desde agora e a consulta será repetida",
                    user_id,
                    guild.id,
                    error,
                )
        return fetched

    def _identify_later(self, guild_id: int, user_id: int) -> None:
        """Retry the lookup of an unidentified member in the background, with backoff."""
        key = (guild_id, user_id)
        if key not in self._lookups:
            self._lookups[key] = asyncio.create_task(
                self._retry_lookup(guild_id, user_id), name=f"lookup-{guild_id}-{user_id}"
            )

    async def _retry_lookup(self, guild_id: int, user_id: int) -> None:
        delay = LOOKUP_RETRY_FIRST_SECONDS
        try:
            while self.sessions.has_session(guild_id, user_id) and not (
                self.sessions.is_identified(guild_id, user_id)
            ):
                await asyncio.sleep(delay)
                delay = min(delay * 2, LOOKUP_RETRY_MAX_SECONDS)
                guild = self.bot.get_guild(guild_id)
                if guild is None or not self.sessions.has_session(guild_id, user_id):
                    return
                member = guild.get_member(user_id)
                try:
                    member = member or await guild.fetch_member(user_id)
                except discord.NotFound:
                    self.sessions.discard(guild_id, user_id)
                    return
                except LOOKUP_ERRORS as error:
                    log.debug("Nova falha ao identificar %s: %s", user_id, error)
                    continue
                if member.bot:
                    self.sessions.discard(guild_id, user_id)
                    log.info(
                        "%s é um bot: a sessão iniciada sem identificação foi descartada", member
                    )
                else:
                    self.sessions.identify(guild_id, user_id)
                    log.info(
                        "📹 %s identificado (servidor %s): todo o tempo de câmera da sessão conta",
                        member.display_name,
                        guild_id,
                        extra=self._context("member_identified", guild_id, user_id),
                    )
        finally:
            self._lookups.pop((guild_id, user_id), None)

    def _sees_every_server(self) -> bool:
        """Whether this process hears from every shard (not so with `SHARD_IDS`)."""
        return self._owned is None

    @staticmethod
    def _name(guild: discord.Guild, user_id: int) -> str:
        member = guild.get_member(user_id)
        return member.display_name if member is not None else str(user_id)

    async def _attribute_legacy_totals(self) -> None:
        """Tie totals from the original file format to the only server, when unambiguous."""
        store = self.bot.store
        if not store.has_unattributed:
            return
        target = self.bot.settings.legacy_guild_id
        if target is None and self.sharded and not self.bot.is_ready():
            return  # until every shard is in (`on_ready`), the bot's servers are not all known
        if target is None and len(self.bot.guilds) == 1 and self._sees_every_server():
            target = self.bot.guilds[0].id
        if target is None:
            log.warning(
                "Os totais de %s vindos do formato original do arquivo ainda não pertencem a "
                "nenhum servidor (o bot está em %d servidores). Eles continuam no total geral de "
                "cada membro; defina LEGACY_GUILD_ID com o servidor de onde vieram",
                plural(store.unattributed_count(), "membro", "membros"),
                len(self.bot.guilds),
            )
            return
        count = store.unattributed_count()
        store.commit([AttributeLegacy(g=target)])
        log.info(
            "Totais de %s do formato original do arquivo atribuídos ao servidor %s",
            plural(count, "membro", "membros"),
            target,
        )


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(VoiceTracker(bot))
