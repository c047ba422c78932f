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
from collections.abc import Iterable
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
    """

    def __init__(self, clock: Clock, zone: ZoneInfo) -> None:
        """Track sessions with `clock`, splitting days in `zone`."""
        self.clock = clock
        self.zone = zone
        self.sessions: dict[SessionKey, Session] = {}

    def has_session(self, guild_id: int, user_id: int) -> bool:
        """Whether the member has a session running in the server."""
        return (guild_id, user_id) in self.sessions

    def start_session(self, guild_id: int, user_id: int) -> bool:
        """Start a session now; False if one is already running."""
        key = (guild_id, user_id)
        if key in self.sessions:
            return False
        self.sessions[key] = Session(guild_id, user_id, self.clock.now(), self.clock.monotonic())
        return True

    def resume_session(self, guild_id: int, user_id: int, saved: OpenSession) -> None:
        """Continue a session persisted by an earlier run (the time in between is not counted)."""
        self.sessions[(guild_id, user_id)] = Session(
            guild_id,
            user_id,
            datetime.fromisoformat(saved.started_at),
            self.clock.monotonic(),
            offset=float(saved.credited),
            credited=saved.credited,
            counted=True,
        )

    def end_session(self, guild_id: int, user_id: int, at: float | None = None) -> Record | None:
        """End a session (at monotonic instant `at`, default now); its closing record."""
        session = self.sessions.pop((guild_id, user_id), None)
        if session is None:
            return None
        return self._record(session, self.clock.monotonic() if at is None else at, closing=True)

    def restart_session(self, guild_id: int, user_id: int) -> bool:
        """Drop a running session without crediting it and start it afresh now (after a reset).

        Returns False when the member had no session running.
        """
        if self.sessions.pop((guild_id, user_id), None) is None:
            return False
        return self.start_session(guild_id, user_id)

    def end_all(self, at: float | None = None) -> list[Record]:
        """End every session; their closing records."""
        return [r for key in list(self.sessions) if (r := self.end_session(*key, at=at))]

    def checkpoint(self) -> list[Record]:
        """Records crediting the time accrued so far by every open session."""
        now = self.clock.monotonic()
        records = []
        for session in self.sessions.values():
            record = self._record(session, now, closing=False)
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
        self._lost_gateway_at: float | None = None
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
            if self._lost_gateway_at is None:
                self._commit(self.sessions.checkpoint())

    # ------------------------------------------------------------ listeners

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """Start or end a session when the camera state of a member changes."""
        if member.bot:
            return
        del before  # only the state now matters, which makes replays harmless
        afk = member.guild.afk_channel.id if member.guild.afk_channel else None
        self._apply(member.guild.id, member.id, is_on_camera(after, afk), name=member.display_name)

    def _apply(self, guild_id: int, user_id: int, on_camera: bool, *, name: str) -> None:
        if on_camera and self.sessions.start_session(guild_id, user_id):
            log.info("📹 %s ligou a câmera (servidor %s)", name, guild_id)
        elif not on_camera and (record := self.sessions.end_session(guild_id, user_id)):
            self._commit([record])
            log.info("📹 %s desligou - %ss gravados", name, record["credited"])

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        """Remember when the gateway was lost: sessions that end unseen end there."""
        if self._lost_gateway_at is None:
            self._lost_gateway_at = time.monotonic()
            log.warning("Gateway connection lost; camera sessions are on hold")

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
        """A server came back from an outage: re-check its voice states."""
        if self.bot.is_ready():
            await self.reconcile([guild], full=False)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot left a server: close the sessions running there."""
        for key in self.sessions.keys_in(guild.id):
            self._commit([r for r in [self.sessions.end_session(*key)] if r])

    @commands.Cog.listener()
    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        """The AFK channel may have changed: re-check who is on camera."""
        if before.afk_channel != after.afk_channel:
            await self.reconcile([after], full=False)

    # ------------------------------------------------------------ reconcile

    async def reconcile(self, guilds: Iterable[discord.Guild], *, full: bool = True) -> None:
        """Make open sessions match who Discord says is on camera now.

        Idempotent. Sessions of members no longer on camera end at the moment the
        gateway was lost (if it was), so unseen time is never counted. With
        `full`, sessions (live or saved by an earlier run) in servers the bot is
        not in any more are closed too.
        """
        lost_at, self._lost_gateway_at = self._lost_gateway_at, None
        guilds = list(guilds)
        for guild in guilds:
            on_camera = await self._members_on_camera(guild)
            for key in self.sessions.keys_in(guild.id):
                if key[1] not in on_camera:
                    self._commit([r for r in [self.sessions.end_session(*key, at=lost_at)] if r])
            saved = self.bot.store.ledger.open_sessions
            for user_id, name in on_camera.items():
                key = (guild.id, user_id)
                if self.sessions.has_session(*key):
                    continue
                if key in saved:
                    self.sessions.resume_session(guild.id, user_id, saved[key])
                    log.info("📹 %s continua com a câmera ligada (sessão retomada)", name)
                else:
                    self._apply(guild.id, user_id, True, name=name)
        self._close_saved_sessions_not_running({g.id for g in guilds} if not full else None)
        await self._attribute_legacy_totals()

    def _close_saved_sessions_not_running(self, only_guilds: set[int] | None) -> None:
        """Saved sessions with no live counterpart: the member left while the bot was away."""
        for (guild_id, user_id), saved in list(self.bot.store.ledger.open_sessions.items()):
            if only_guilds is not None and guild_id not in only_guilds:
                continue
            if not self.sessions.has_session(guild_id, user_id):
                self.sessions.resume_session(guild_id, user_id, saved)
                self._commit([r for r in [self.sessions.end_session(guild_id, user_id)] if r])

    async def _members_on_camera(self, guild: discord.Guild) -> dict[int, str]:
        """Ids (and names) of the humans on camera in a server, from its voice states."""
        afk = guild.afk_channel.id if guild.afk_channel else None
        found: dict[int, str] = {}
        channels: list[discord.VoiceChannel | discord.StageChannel] = [
            *guild.voice_channels,
            *guild.stage_channels,
        ]
        for channel in channels:
            for user_id, state in channel.voice_states.items():
                if not is_on_camera(state, afk):
                    continue
                member = guild.get_member(user_id)
                if member is None:
                    try:
                        member = await guild.fetch_member(user_id)
                    except discord.HTTPException:
                        log.warning("Could not look up member %s of %s; skipped", user_id, guild.id)
                        continue
                if not member.bot:
                    found[user_id] = member.display_name
        return found

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
