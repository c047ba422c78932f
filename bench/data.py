"""Synthetic but realistic data: members, their last week, camera events, store files.

One server holds every member. Each member was on camera on a few of the last
seven local days (each day independently with probability 3/7, at least one),
for 5 minutes to 4 hours a day. Events are the records the real session manager
writes when a member turns the camera off.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import numpy as np

from database_lock import atomic_write_json
from store.journal import encode
from store.recovery import StorePaths
from store.snapshot import copy_ledger, encode_export, encode_state
from tracking.ledger import Ledger
from tracking.periods import DayRange, Period, local_day, period_days
from tracking.records import Base, Credit
from tracking.sessions import VideoSessionManager

GUILD_ID = 900_000_000_000_000_001
ZONE = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 1, 4, 20, 0, tzinfo=UTC)
"""A Sunday evening in São Paulo: this week's ranking covers all seven days of history."""
TODAY = local_day(NOW, ZONE)
WEEK: DayRange = period_days(Period.WEEK, NOW, ZONE) or DayRange(TODAY - 6, TODAY)
HISTORY_DAYS = 7
ACTIVE_DAY_CHANCE = 3 / 7


def member_ids(count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` distinct snowflake-shaped member ids (17 to 19 digits), shuffled."""
    low, high = 10**16 * 2, 2**62
    step = (high - low) // max(count, 1)
    ids = low + np.arange(count, dtype=np.int64) * step + rng.integers(0, step, count)
    rng.shuffle(ids)
    return ids


class History:
    """Each member's seconds on camera on each of the last seven days (0 when away)."""

    def __init__(self, user_ids: np.ndarray, rng: np.random.Generator) -> None:
        """Draw the history of `user_ids`."""
        count = len(user_ids)
        active = rng.random((count, HISTORY_DAYS)) < ACTIVE_DAY_CHANCE
        idle = ~active.any(axis=1)
        active[idle, rng.integers(0, HISTORY_DAYS, int(idle.sum()))] = True
        seconds = rng.integers(300, 4 * 3600, (count, HISTORY_DAYS))
        self.user_ids = user_ids
        self.seconds = np.where(active, seconds, 0)

    def totals(self) -> np.ndarray:
        """Each member's seconds over the week."""
        totals: np.ndarray = self.seconds.sum(axis=1)
        return totals

    def records(self) -> list[Credit]:
        """One closed session per member and active day (as a replay would apply them)."""
        first_day = TODAY - HISTORY_DAYS + 1
        records = []
        for user_id, row in zip(self.user_ids.tolist(), self.seconds.tolist(), strict=True):
            for offset, seconds in enumerate(row):
                if not seconds:
                    continue
                records.append(
                    Credit(
                        g=GUILD_ID,
                        u=user_id,
                        s=seconds,
                        n=1,
                        days=[(first_day + offset, seconds)],
                        day=first_day + offset,
                        long=seconds,
                        open=False,
                        start=NOW.isoformat(),
                        credited=0,
                    )
                )
        return records


def build_ledger(history: History) -> Ledger:
    """A ledger holding `history`, built the way the bot builds it: `Ledger.apply`."""
    ledger = Ledger()
    for record in history.records():
        ledger.apply(record)
    return ledger


class ManualClock:
    """A clock the benchmark moves by hand, so event records are built ahead of time."""

    def __init__(self) -> None:
        """Start at `NOW`."""
        self.now_value = NOW
        self.monotonic_value = 1_000.0

    def monotonic(self) -> float:
        """Seconds on the manual monotonic clock."""
        return self.monotonic_value

    def now(self) -> datetime:
        """The manual UTC instant."""
        return self.now_value

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        self.monotonic_value += seconds
        self.now_value += timedelta(seconds=seconds)


def camera_off_records(user_ids: np.ndarray, count: int, rng: np.random.Generator) -> list[Credit]:
    """`count` records of members (drawn from `user_ids`) ending a camera session.

    Built by the real `VideoSessionManager`: each session starts, runs 1 to 60
    minutes and ends.
    """
    clock = ManualClock()
    manager = VideoSessionManager(clock, ZONE)
    picks = rng.choice(user_ids, count).tolist()
    lengths = rng.integers(60, 3600, count).tolist()
    records = []
    for user_id, length in zip(picks, lengths, strict=True):
        manager.start_session(GUILD_ID, user_id)
        clock.advance(length)
        record = manager.end_session(GUILD_ID, user_id)
        assert record is not None
        records.append(record)
        clock.now_value, clock.monotonic_value = NOW, 1_000.0
    return records


def write_store_files(data_file: Path, ledger: Ledger, journal_tail: list[Credit]) -> None:
    """Leave the files a running bot leaves: a snapshot of `ledger` plus a journal tail.

    The snapshot is written with the store's own encoders (as `Store` does), and
    `journal_tail` holds records newer than it, which start-up must replay.
    """
    paths = StorePaths(data_file)
    copy = copy_ledger(ledger)
    digest = atomic_write_json(paths.data, encode_export(copy))
    copy.meta = {"exports": [[ledger.seq, digest]]}
    atomic_write_json(paths.state, encode_state(copy))
    lines = [encode(Base(snapshots=[(ledger.seq, digest)]))]
    lines += [
        encode(msgspec.structs.replace(r, seq=ledger.seq + i))
        for i, r in enumerate(journal_tail, 1)
    ]
    atomic_write_json(paths.journal, lines)
