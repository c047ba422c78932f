"""Camera sessions: the pure `VideoSessionManager`, with an injected clock.

It turns facts ("camera on for member m in server g", "the gateway was lost")
into the records the store persists, and knows how far the bot can vouch for
the time it sees.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import discord.utils

from tracking.ledger import OpenSession
from tracking.records import Credit
from tracking.rules import (
    NO_RULES,
    CountingRules,
    day_seconds,
    reaches_minimum,
    within_daily_limit,
)
from tracking.server_settings import ZoneSince
from tracking.zones import ServerCalendar, calendar_for

SessionKey = tuple[int, int]
"""(guild id, member id)."""

ZonesOf = Callable[[int], tuple[ZoneSince, ...]]
"""A server's own time zones (`ServerSettings.zones`), by guild id."""


def no_zones(guild_id: int) -> tuple[ZoneSince, ...]:
    """Every server in the default zone (no settings)."""
    del guild_id
    return ()


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
    identified: bool = True
    """False while the bot cannot tell whether the member is a person (a lookup failed):
    the time accrues, but nothing is credited until the member turns out to be one."""
    paused_at: float | None = None
    """While counting is paused (too few people in the channel): since when; else None."""
    has_counted: bool = True
    """Whether counting ran at some moment (a session paused from start to end adds nothing)."""

    def elapsed(self, at: float) -> float:
        """Seconds that count up to monotonic instant `at` (paused time left out)."""
        if self.paused_at is not None:
            return self.offset
        return self.offset + max(0.0, at - self.base)


@dataclass(frozen=True, slots=True)
class Pending:
    """What a running session holds that the ledger does not have yet."""

    days: tuple[tuple[int, int], ...]
    """(local day, seconds) of the time not yet credited, split at local midnights."""
    session_day: int | None
    """The local day the session counts on, while it is not counted yet; else None."""

    @property
    def seconds(self) -> int:
        """All the seconds not yet credited."""
        return sum(seconds for _day, seconds in self.days)


class VideoSessionManager:
    """Open camera sessions, keyed by (guild, member); pure Python.

    Every method returns the records to persist; the caller commits them. A
    session is counted (sessions + 1) in its first record, so a checkpointed
    session that is later resumed after a crash is never counted twice.

    The manager also knows whether the bot can vouch for what it sees: after
    a shard's gateway connection is lost, the camera time of a server on that
    shard counts only up to the loss until that server's voice states have
    been read again (`guild_verified`). Other shards' servers are untouched.
    A server that becomes unavailable is the same loss for that server alone
    (`guild_lost`). An unsharded bot is shard 0 of 1: `connection_lost` and
    `connection_restored` are that shard's loss and return.
    """

    def __init__(
        self,
        clock: Clock,
        zone: ZoneInfo,
        shard_count: int = 1,
        *,
        zones_of: ZonesOf = no_zones,
        rules: CountingRules = NO_RULES,
    ) -> None:
        """Track sessions with `clock`, servers on `shard_count` shards.

        Local days are those of each server's zones (`zones_of`, e.g. the store's
        settings), in `zone` (`TIMEZONE`) before and without any. `rules` are the
        servers' counting rules (`!configvideo minimo`, `limite`): the bot hands its
        store over once it is open (`tracking.rules`).
        """
        self.clock = clock
        self.default_zone = zone
        self.zones_of = zones_of
        self.rules = rules
        self.shard_count = shard_count
        """How many shards the servers are spread over (Discord's formula, see `shard_of`)."""
        self.sessions: dict[SessionKey, Session] = {}
        self._shards_lost: dict[int, float] = {}
        """Shards whose gateway connection is lost, and when."""
        self._lost: dict[int, float] = {}
        """Servers lost on their own (unavailable), and when."""
        self._verified: set[int] = set()
        """Servers on a lost shard whose voice states were read again since the loss."""

    # ------------------------------------------------------------- calendar

    def calendar(self, guild_id: int) -> ServerCalendar:
        """A server's local days: its zones over time (see `tracking.zones`)."""
        return calendar_for(self.zones_of(guild_id), self.default_zone)

    def zone_of(self, guild_id: int, moment: datetime | None = None) -> ZoneInfo:
        """A server's time zone at an aware instant (now by default)."""
        return self.calendar(guild_id).zone_at(self.clock.now() if moment is None else moment)

    def day_of(self, guild_id: int, moment: datetime | None = None) -> int:
        """A server's local day (`date.toordinal()`) at an aware instant (now by default)."""
        return self.calendar(guild_id).day_of(self.clock.now() if moment is None else moment)

    # ------------------------------------------------------------ connection

    def shard_of(self, guild_id: int) -> int:
        """The shard a server is on: `(guild_id >> 22) % shard_count` (Discord's formula)."""
        return (guild_id >> 22) % self.shard_count

    @property
    def lost_at(self) -> float | None:
        """When the gateway was first lost, on any shard still lost (None while all connected)."""
        return min(self._shards_lost.values(), default=None)

    def shard_lost(self, shard_id: int) -> bool:
        """A shard's gateway connection went away now; False if it was already lost."""
        if shard_id in self._shards_lost:
            return False
        self._shards_lost[shard_id] = self.clock.monotonic()
        self._verified = {g for g in self._verified if self.shard_of(g) != shard_id}
        return True

    def shard_restored(self, shard_id: int) -> None:
        """Every available server of a shard was read again after its loss.

        Servers still unavailable stay lost until they are read again.
        """
        self._shards_lost.pop(shard_id, None)
        self._verified = {g for g in self._verified if self.shard_of(g) != shard_id}

    def connection_lost(self) -> bool:
        """The (only) gateway connection went away now; False if it was already lost."""
        return self.shard_lost(0)

    def connection_restored(self) -> None:
        """Every available server was read again after a gateway loss (all shards)."""
        self._shards_lost.clear()
        self._verified.clear()

    def guild_lost(self, guild_id: int) -> bool:
        """One server became unavailable now; False if it was already lost."""
        if guild_id in self._lost:
            return False
        self._lost[guild_id] = self.vouched_until(guild_id)
        self._verified.discard(guild_id)
        return True

    def guild_verified(self, guild_id: int) -> None:
        """A server's voice states were read again: its camera time is live again."""
        self._lost.pop(guild_id, None)
        if self.shard_of(guild_id) in self._shards_lost:
            self._verified.add(guild_id)

    def vouched_until(self, guild_id: int) -> float:
        """The latest monotonic instant the bot can vouch for camera time in a server."""
        lost = self._lost.get(guild_id)
        if lost is not None:
            return lost
        shard_lost = self._shards_lost.get(self.shard_of(guild_id))
        if shard_lost is not None and guild_id not in self._verified:
            return shard_lost
        return self.clock.monotonic()

    # -------------------------------------------------------------- sessions

    def has_session(self, guild_id: int, user_id: int) -> bool:
        """Whether the member has a session running in the server."""
        return (guild_id, user_id) in self.sessions

    def start_session(
        self,
        guild_id: int,
        user_id: int,
        saved: OpenSession | None = None,
        *,
        identified: bool = True,
        counting: bool = True,
    ) -> bool:
        """Start a session now; False if one is already running.

        With `saved` (a session persisted by an earlier run and never closed),
        that session continues: its credited time and its count carry over, and
        the time in between is not counted. With `identified` False the member
        may still turn out to be a bot (see `identify` and `discard`). With
        `counting` False it starts paused (see `set_counting`).
        """
        key = (guild_id, user_id)
        if key in self.sessions:
            return False
        now = self.clock.monotonic()
        if saved is None:
            session = Session(guild_id, user_id, self.clock.now(), now)
        else:
            session = Session(
                guild_id,
                user_id,
                datetime.fromisoformat(saved.started_at),
                now,
                offset=float(saved.credited),
                credited=saved.credited,
                counted=True,
            )
        session.identified = identified
        if not counting:
            session.paused_at = now
            session.has_counted = False
        self.sessions[key] = session
        return True

    def set_counting(self, guild_id: int, user_id: int, counting: bool) -> Credit | None:
        """Pause or resume the counting of a running session (`!configvideo companhia`).

        The session goes on either way and is counted once. Pausing credits the
        time so far (the record, if any, to persist), so what is not credited yet
        always ends where counting last ran and is split by local day exactly.
        """
        session = self.sessions.get((guild_id, user_id))
        if session is None or (session.paused_at is None) == counting:
            return None
        now = self.clock.monotonic()
        if counting:
            session.paused_at = None
            session.base = now
            session.has_counted = True
            return None
        at = min(now, self.vouched_until(guild_id))
        record = None
        if session.identified and self._qualifies(session, at):
            record = self._record(session, at, closing=False)
        session.offset = session.elapsed(at)
        session.paused_at = at
        return record

    def is_identified(self, guild_id: int, user_id: int) -> bool:
        """Whether a running session is known to belong to a person (False if none runs)."""
        session = self.sessions.get((guild_id, user_id))
        return session is not None and session.identified

    def identify(self, guild_id: int, user_id: int) -> None:
        """The member of a running session is a person: its time can be credited."""
        session = self.sessions.get((guild_id, user_id))
        if session is not None:
            session.identified = True

    def discard(self, guild_id: int, user_id: int) -> bool:
        """Drop a session without crediting anything (its member is a bot); False if none."""
        return self.sessions.pop((guild_id, user_id), None) is not None

    def end_session(self, guild_id: int, user_id: int, at: float | None = None) -> Credit | None:
        """End a session; its closing record (None for no session or an unidentified one).

        It ends at monotonic instant `at`, by default the latest instant the bot
        can vouch for (see `vouched_until`).
        """
        session = self.sessions.pop((guild_id, user_id), None)
        if session is None or not session.identified:
            return None
        until = self.vouched_until(guild_id) if at is None else at
        if not self._qualifies(session, until):
            return None  # shorter than the server's minimum (or never counting): not counted
        return self._record(session, until, closing=True)

    def restart_session(self, guild_id: int, user_id: int) -> bool:
        """Drop a running session without crediting it and start it afresh now (after a reset).

        Returns False when the member had no session running.
        """
        session = self.sessions.pop((guild_id, user_id), None)
        if session is None:
            return False
        return self.start_session(
            guild_id,
            user_id,
            identified=session.identified,
            counting=session.paused_at is None,
        )

    def end_all(self, at: float | None = None) -> list[Credit]:
        """End every session (see `end_session` for `at`); their closing records."""
        return [r for key in list(self.sessions) if (r := self.end_session(*key, at=at))]

    def checkpoint(self) -> list[Credit]:
        """Records crediting the time every open session accrued so far (as far as vouched).

        The sessions stay open: after a stop they continue when the bot is back
        and the member is still on camera. Unidentified sessions are left out, and
        so are sessions still shorter than their server's minimum: their time is
        credited, all of it, once they reach it; a crash or a stop before then
        keeps nothing of them, which is right, since they do not count yet.
        """
        records = []
        for session in self.sessions.values():
            if not session.identified:
                continue
            at = self.vouched_until(session.guild_id)
            if not self._qualifies(session, at):
                continue
            record = self._record(session, at, closing=False)
            if record is not None:
                records.append(record)
        return records

    def unidentified(self) -> list[SessionKey]:
        """Keys of the sessions whose member is not identified yet."""
        return [key for key, session in self.sessions.items() if not session.identified]

    def pending(self, guild_id: int) -> dict[int, Pending]:
        """Per member of a server: the time of the running session not yet credited.

        Split by local day and held to the server's daily limit exactly as its
        next record will be, up to the latest instant the bot can vouch for.
        Unidentified sessions are left out, and so are sessions that would not be
        counted if they ended now (shorter than the server's minimum).
        """
        at = self.vouched_until(guild_id)
        calendar = self.calendar(guild_id)
        result: dict[int, Pending] = {}
        for session in self.sessions.values():
            if session.guild_id != guild_id or not session.identified:
                continue
            if not self._qualifies(session, at):
                continue
            _total, days = self._uncredited(session, at, calendar)
            session_day = None if session.counted else calendar.day_of(session.started_at)
            result[session.user_id] = Pending(tuple(days), session_day)
        return result

    def live(self, guild_id: int) -> dict[int, tuple[int, int]]:
        """Per member of a server: (seconds not yet credited, sessions not yet counted)."""
        return {
            user_id: (pending.seconds, 0 if pending.session_day is None else 1)
            for user_id, pending in self.pending(guild_id).items()
        }

    def current(self, guild_id: int, user_id: int) -> tuple[datetime, int] | None:
        """(start, whole seconds so far, as far as vouched) of a running, identified session."""
        session = self.sessions.get((guild_id, user_id))
        if session is None or not session.identified:
            return None
        at = self.vouched_until(guild_id)
        if not self._qualifies(session, at):
            return None
        return session.started_at, int(session.elapsed(at))

    def keys_in(self, guild_id: int) -> list[SessionKey]:
        """Keys of the sessions running in a server."""
        return [key for key in self.sessions if key[0] == guild_id]

    def keys(self) -> list[SessionKey]:
        """Keys of every running session."""
        return list(self.sessions)

    def _qualifies(self, session: Session, at: float) -> bool:
        """Whether a session counts if it ends at `at` (`!configvideo minimo`, `companhia`)."""
        if session.counted:
            return True
        if not session.has_counted:
            return False
        minimum = self.rules.server_settings(session.guild_id).minimum
        return reaches_minimum(session.elapsed(at), minimum)

    def _uncredited(
        self, session: Session, at: float, calendar: ServerCalendar
    ) -> tuple[int, list[tuple[int, int]]]:
        """(whole seconds at `at`, the part not yet credited that counts, by local day).

        The time not yet credited ends where counting last ran (now, the latest
        instant vouched for, or the pause) and is split at local midnights; each
        day then gets only what still fits under the server's daily limit.
        """
        total = max(session.credited, int(session.elapsed(at)))
        delta = total - session.credited
        if session.paused_at is not None:
            at = min(at, session.paused_at)
        until = self.clock.now() - timedelta(seconds=max(0.0, self.clock.monotonic() - at))
        days = calendar.split(until, -delta, 0)
        guild_id, user_id = session.guild_id, session.user_id
        limit = self.rules.server_settings(guild_id).daily_limit
        if limit is not None:
            days = within_daily_limit(
                days, limit, lambda day: day_seconds(self.rules, guild_id, user_id, day)
            )
        return total, days

    def _record(self, session: Session, at: float, *, closing: bool) -> Credit | None:
        calendar = self.calendar(session.guild_id)
        total, days = self._uncredited(session, at, calendar)
        if not closing and total == session.credited and session.counted:
            return None
        record = Credit(
            g=session.guild_id,
            u=session.user_id,
            s=sum(seconds for _day, seconds in days),
            n=0 if session.counted else 1,
            days=days,
            day=calendar.day_of(session.started_at),
            long=total,
            open=not closing,
            start=session.started_at.isoformat(),
            credited=total,
        )
        session.credited = total
        session.counted = True
        return record
