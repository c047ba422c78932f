"""Camera tracking: voice-state facts, the session manager, and the listener cog.

The cog only turns Discord events into facts ("camera went on in this server");
`VideoSessionManager` (pure, with an injected clock) decides what a fact means
and produces the ledger records the store persists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

import discord
from discord.ext import commands

from ledger import OpenSession, Record
from periods import local_day, split_by_local_day

if TYPE_CHECKING:
    from bot import BatePonto

log = logging.getLogger(__name__)

SessionKey = tuple[int, int]
"""(guild id, member id)."""


class Clock(Protocol):
    """Where sessions read time: monotonic for durations, UTC for the calendar."""

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps."""
        ...

    def now(self) -> datetime:
        """The aware UTC instant."""
        ...


class SystemClock:
    """The real clocks (the ones simulated Discord environments control in tests)."""

    def monotonic(self) -> float:
        """`time.monotonic()`."""
        return time.monotonic()

    def now(self) -> datetime:
        """`discord.utils.utcnow()`."""
        return discord.utils.utcnow()


# ------------------------------------------------------------------- facts


def is_on_camera(state: discord.VoiceState | None, afk_channel_id: int | None) -> bool:
    """Whether a voice state counts as camera time: connected, video on, not in AFK."""
    if state is None or state.channel is None or not state.self_video:
        return False
    return state.channel.id != afk_channel_id


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


# ----------------------------------------------------------------- sessions


@dataclass(slots=True)
class Session:
    """One member's camera session in one server."""

    guild_id: int
    user_id: int
    started_at: datetime
    base: float
    offset: float = 0.0
    credited: int = 0
    counted: bool = False

    def elapsed(self, at: float) -> float:
        """Seconds on camera up to monotonic instant `at`."""
        return self.offset + max(0.0, at - self.base)


class VideoSessionManager:
    """Open camera sessions, keyed by (guild, member); pure Python.

    Every method returns the records to persist; the caller commits them. A
    session is counted (sessions + 1) in its first record, so a checkpointed
    session that is later resumed after a crash is never counted twice.

    The manager also knows whether the bot can vouch for what it sees: after
    the gateway is lost, a server's camera time counts only up to the loss
    until that server's voice states have been read again (`guild_verified`).
    """

    def __init__(self, clock: Clock, zone: ZoneInfo) -> None:
        """Track sessions with `clock`, splitting days in `zone`."""
        self.clock = clock
        self.zone = zone
        self.sessions: dict[SessionKey, Session] = {}
        self.lost_at: float | None = None
        self._verified: set[int] = set()

    # ------------------------------------------------------------ connection

    def connection_lost(self) -> bool:
        """The gateway went away now; False if it was already lost."""
        if self.lost_at is not None:
            return False
        self.lost_at = self.clock.monotonic()
        self._verified.clear()
        return True

    def guild_verified(self, guild_id: int) -> None:
        """A server's voice states were read again: its camera time is live again."""
        if self.lost_at is not None:
            self._verified.add(guild_id)

    def connection_restored(self) -> None:
        """Every server was read again after a loss."""
        self.lost_at = None
        self._verified.clear()

    def vouched_until(self, guild_id: int) -> float:
        """The latest monotonic instant the bot can vouch for camera time in a server."""
        if self.lost_at is not None and guild_id not in self._verified:
            return self.lost_at
        return self.clock.monotonic()

    # -------------------------------------------------------------- sessions

    def has_session(self, guild_id: int, user_id: int) -> bool:
        """Whether the member has a session running in the server."""
        return (guild_id, user_id) in self.sessions

    def start_session(self, guild_id: int, user_id: int, saved: OpenSession | None = None) -> bool:
        """Start a session now; False if one is already running.

        With `saved` (a session persisted by an earlier run and never closed),
        that session continues: its credited time and its count carry over, and
        the time in between is not counted.
        """
        key = (guild_id, user_id)
        if key in self.sessions:
            return False
        now = self.clock.monotonic()
        if saved is None:
            self.sessions[key] = Session(guild_id, user_id, self.clock.now(), now)
        else:
            self.sessions[key] = Session(
                guild_id,
                user_id,
                datetime.fromisoformat(saved.started_at),
                now,
                offset=float(saved.credited),
                credited=saved.credited,
                counted=True,
            )
        return True

    def end_session(self, guild_id: int, user_id: int, at: float | None = None) -> Record | None:
        """End a session; its closing record.

        It ends at monotonic instant `at`, by default the latest instant the bot
        can vouch for (see `vouched_until`).
        """
        session = self.sessions.pop((guild_id, user_id), None)
        if session is None:
            return None
        until = self.vouched_until(guild_id) if at is None else at
        return self._record(session, until, closing=True)

    def restart_session(self, guild_id: int, user_id: int) -> bool:
        """Drop a running session without crediting it and start it afresh now (after a reset).

        Returns False when the member had no session running.
        """
        if self.sessions.pop((guild_id, user_id), None) is None:
            return False
        return self.start_session(guild_id, user_id)

    def end_all(self, at: float | None = None) -> list[Record]:
        """End every session (see `end_session` for `at`); their closing records."""
        return [r for key in list(self.sessions) if (r := self.end_session(*key, at=at))]

    def checkpoint(self) -> list[Record]:
        """Records crediting the time every open session accrued so far (as far as vouched)."""
        records = []
        for session in self.sessions.values():
            record = self._record(session, self.vouched_until(session.guild_id), closing=False)
            if record is not None:
                records.append(record)
        return records

    def live(self, guild_id: int) -> dict[int, tuple[int, int]]:
        """Per member of a server: (seconds not yet credited, sessions not yet counted)."""
        now = self.clock.monotonic()
        return {
            s.user_id: (int(s.elapsed(now)) - s.credited, 0 if s.counted else 1)
            for s in self.sessions.values()
            if s.guild_id == guild_id
        }

    def current(self, guild_id: int, user_id: int) -> tuple[datetime, int] | None:
        """(start, whole seconds so far) of a running session."""
        session = self.sessions.get((guild_id, user_id))
        if session is None:
            return None
        return session.started_at, int(session.elapsed(self.clock.monotonic()))

    def keys_in(self, guild_id: int) -> list[SessionKey]:
        """Keys of the sessions running in a server."""
        return [key for key in self.sessions if key[0] == guild_id]

    def keys(self) -> list[SessionKey]:
        """Keys of every running session."""
        return list(self.sessions)

    def _record(self, session: Session, at: float, *, closing: bool) -> Record | None:
        total = max(session.credited, int(session.elapsed(at)))
        delta = total - session.credited
        if not closing and delta == 0 and session.counted:
            return None
        until = self.clock.now() - timedelta(seconds=max(0.0, self.clock.monotonic() - at))
        record: Record = {
            "op": "credit",
            "g": session.guild_id,
            "u": session.user_id,
            "s": delta,
            "n": 0 if session.counted else 1,
            "days": [list(p) for p in split_by_local_day(until, -delta, 0, self.zone)],
            "day": local_day(session.started_at, self.zone),
            "long": total,
            "open": not closing,
            "start": session.started_at.isoformat(),
            "credited": total,
        }
        session.credited = total
        session.counted = True
        return record


# ---------------------------------------------------------------------- cog


class VoiceTracker(commands.Cog):
    """Listens to voice states and keeps camera sessions and the store in step."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot's store and session manager."""
        self.bot = bot
        self.sessions = bot.sessions
        self._checkpointer: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        """Start the checkpoint loop."""
        self._checkpointer = asyncio.create_task(self._checkpoint_loop(), name="checkpoints")

    async def cog_unload(self) -> None:
        """Stop the checkpoint loop."""
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer

    def _commit(self, records: Iterable[Record]) -> None:
        records = list(records)
        if records:
            self.bot.store.commit(records)

    async def _checkpoint_loop(self) -> None:
        while True:
            await asyncio.sleep(self.bot.settings.checkpoint_seconds)
            self._commit(self.sessions.checkpoint())

    # ---------------------------------------------------------------- facts

    def _camera_on(self, guild_id: int, user_id: int, name: str) -> None:
        """The member is on camera: start a session, or continue one saved by an earlier run."""
        saved = self.bot.store.ledger.open_sessions.get((guild_id, user_id))
        if not self.sessions.start_session(guild_id, user_id, saved=saved):
            return
        if saved is None:
            log.info("📹 %s ligou a câmera (servidor %s)", name, guild_id)
        else:
            log.info(
                "📹 %s continua com a câmera ligada (sessão retomada, servidor %s)", name, guild_id
            )

    def _camera_off(self, guild_id: int, user_id: int, name: str) -> None:
        """The member is not on camera: end the session, if one is running."""
        record = self.sessions.end_session(guild_id, user_id)
        if record is None:
            return
        self._commit([record])
        log.info(
            "📹 %s desligou a câmera - sessão de %ss (servidor %s)",
            name,
            record["credited"],
            guild_id,
        )

    # ------------------------------------------------------------ listeners

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """Start or end a session when the camera state of a member changes."""
        if member.bot:
            return
        del before  # only the state now matters, which makes replays harmless
        guild = member.guild
        afk = guild.afk_channel.id if guild.afk_channel else None
        if is_on_camera(after, afk):
            self._camera_on(guild.id, member.id, member.display_name)
        else:
            self._camera_off(guild.id, member.id, member.display_name)

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        """Remember when the gateway was lost: sessions that end unseen end there."""
        if self.sessions.connection_lost():
            log.warning("Gateway connection lost; camera time is on hold until it is back")

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Reconcile with the voice states Discord reports (runs on every READY)."""
        await self.reconcile(self.bot.guilds)

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        """After a resumed session, re-check what the cache now says."""
        await self.reconcile(self.bot.guilds)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A server came back (after a reconnect or an outage): re-check its voice states."""
        if self.bot.is_ready():
            await self.reconcile([guild], full=False)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """The bot joined a server: members already on camera there start counting now."""
        await self.reconcile([guild], full=False)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot left a server: close the sessions running there."""
        for guild_id, user_id in self.sessions.keys_in(guild.id):
            self._camera_off(guild_id, user_id, self._name(guild, user_id))

    @commands.Cog.listener()
    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        """The AFK channel may have changed: re-check who is on camera."""
        if before.afk_channel != after.afk_channel:
            await self.reconcile([after], full=False)

    # ------------------------------------------------------------ reconcile

    async def reconcile(self, guilds: Iterable[discord.Guild], *, full: bool = True) -> None:
        """Make open sessions match who Discord says is on camera now.

        Idempotent. Sessions of members no longer on camera end at the latest
        moment the bot can vouch for (the gateway loss, if there was one), so
        unseen time is never counted. With `full` (a READY or RESUMED: every
        server was re-read), sessions live or saved by an earlier run in servers
        the bot is not in any more are closed too, and the loss is over.
        """
        for guild in list(guilds):
            if guild.unavailable:
                continue
            fetched = await self._fetch_uncached_video_members(guild)
            # No await from here on: what is applied is what the cache says now.
            current = self.bot.get_guild(guild.id)
            if current is not None:
                self._reconcile_guild(current, fetched)
        if full:
            present = {guild.id for guild in self.bot.guilds}
            for guild_id, user_id in self.sessions.keys():
                if guild_id not in present:
                    self._camera_off(guild_id, user_id, str(user_id))
            self._close_saved_sessions(lambda guild_id: guild_id not in present)
            self.sessions.connection_restored()
        await self._attribute_legacy_totals()

    def _reconcile_guild(self, guild: discord.Guild, fetched: dict[int, discord.Member]) -> None:
        """Apply one server's voice states; `fetched` has members missing from the cache."""
        afk = guild.afk_channel.id if guild.afk_channel else None
        on_camera: dict[int, str] = {}
        unknown: set[int] = set()
        for user_id, state in video_states(guild).items():
            if not is_on_camera(state, afk):
                continue
            member = guild.get_member(user_id) or fetched.get(user_id)
            if member is None:
                unknown.add(user_id)  # not identified: leave its session as it is
            elif not member.bot:
                on_camera[user_id] = member.display_name
        for guild_id, user_id in self.sessions.keys_in(guild.id):
            if user_id not in on_camera and user_id not in unknown:
                self._camera_off(guild_id, user_id, self._name(guild, user_id))
        for user_id, name in on_camera.items():
            self._camera_on(guild.id, user_id, name)
        self._close_saved_sessions(lambda guild_id: guild_id == guild.id)
        self.sessions.guild_verified(guild.id)

    def _close_saved_sessions(self, where: Callable[[int], bool]) -> None:
        """Close saved sessions with no live one: the member left while the bot was away.

        The saved session is continued and closed at once, so it adds no time
        and is not counted again; it just stops being open.
        """
        ledger = self.bot.store.ledger
        for (guild_id, user_id), saved in list(ledger.open_sessions.items()):
            if where(guild_id) and not self.sessions.has_session(guild_id, user_id):
                self.sessions.start_session(guild_id, user_id, saved=saved)
                record = self.sessions.end_session(guild_id, user_id)
                self._commit([record] if record else [])

    async def _fetch_uncached_video_members(
        self, guild: discord.Guild
    ) -> dict[int, discord.Member]:
        """Fetch the members with video on that the cache does not know.

        The bot runs without the members intent, so at start-up the cache has
        voice states but not who they belong to; one of them could be a bot.
        """
        fetched: dict[int, discord.Member] = {}
        for user_id in video_states(guild):
            if guild.get_member(user_id) is not None:
                continue
            try:
                fetched[user_id] = await guild.fetch_member(user_id)
            except discord.HTTPException:
                log.warning("Could not look up member %s of %s; skipped", user_id, guild.id)
        return fetched

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
        if target is None and len(self.bot.guilds) == 1:
            target = self.bot.guilds[0].id
        if target is None:
            log.warning(
                "%d member total(s) from the original file format are not tied to a server "
                "(the bot is in %d servers). They still count in each member's overall total; "
                "set LEGACY_GUILD_ID to the server they belong to",
                len(store.ledger.unattributed),
                len(self.bot.guilds),
            )
            return
        count = len(store.ledger.unattributed)
        store.commit([{"op": "attribute_legacy", "g": target}])
        log.info(
            "Totals of %d member(s) from the original file format attributed to server %s",
            count,
            target,
        )


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(VoiceTracker(bot))
