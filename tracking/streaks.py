"""Streaks: runs of consecutive local days with at least the server's minimum on camera.

Pure and vectorised. The history comes as one (day, member rows, seconds) entry
per local day, oldest first; one numpy pass per day keeps, for every member row,
the last qualifying day, the run ending there and the longest run. A server's
whole ranking costs O(days + day rows), never a Python loop over its members.

A streak is not broken until its day is over: the current streak is the run
ending today, or the one ending yesterday while today does not qualify yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

NEVER = np.iinfo(np.int64).min // 2
"""The last qualifying day of a member who never had one (far from any real day)."""

DayRows = tuple[int, np.ndarray, np.ndarray]
"""One local day (ordinal): the member rows it has figures for (each once) and their seconds."""


@dataclass(frozen=True, slots=True)
class Streaks:
    """A server's members (ids) with their current and best streak, in days (aligned arrays)."""

    user_ids: np.ndarray
    current: np.ndarray
    best: np.ndarray

    def of(self, user_id: int) -> tuple[int, int]:
        """A member's (current, best) streak; (0, 0) when unknown.

        >>> Streaks(np.array([7, 9]), np.array([2, 0]), np.array([5, 1])).of(9)
        (0, 1)
        """
        where = np.flatnonzero(self.user_ids == user_id)
        if not len(where):
            return 0, 0
        return int(self.current[where[0]]), int(self.best[where[0]])


@dataclass(frozen=True, slots=True)
class Runs:
    """Per member row, over the days looked at so far: last qualifying day, its run, the best run.

    `through` is the last day looked at. `advanced` returns new arrays, so a
    `Runs` kept for later (the days that are over) is never changed.
    """

    through: int
    last: np.ndarray
    run: np.ndarray
    best: np.ndarray

    @classmethod
    def empty(cls, size: int, before: int) -> Runs:
        """No qualifying day yet for `size` rows, nothing looked at up to day `before`."""
        return cls(
            before,
            np.full(size, NEVER, dtype=np.int64),
            np.zeros(size, dtype=np.int64),
            np.zeros(size, dtype=np.int64),
        )

    def advanced(self, history: Iterable[DayRows], size: int, minimum: int, through: int) -> Runs:
        """These runs for `size` rows (new rows start empty), after the days of `history`.

        Only days after `self.through` and up to `through` are looked at; `history`
        is oldest first. A day qualifies with at least `minimum` seconds (at least
        one second when `minimum` is 0).
        """
        grow = max(0, size - len(self.last))
        last = np.concatenate([self.last, np.full(grow, NEVER, dtype=np.int64)])
        run = np.concatenate([self.run, np.zeros(grow, dtype=np.int64)])
        best = np.concatenate([self.best, np.zeros(grow, dtype=np.int64)])
        threshold = max(1, minimum)
        for day, rows, seconds in history:
            if day <= self.through:
                continue
            if day > through:
                break
            rows = rows[seconds >= threshold]
            if not len(rows):
                continue
            continued = last[rows] == day - 1
            run[rows] = np.where(continued, run[rows] + 1, 1)
            last[rows] = day
            best[rows] = np.maximum(best[rows], run[rows])
        return Runs(max(through, self.through), last, run, best)

    def streaks(self, user_ids: np.ndarray, today: int) -> Streaks:
        """The streaks at `today` of the members of `user_ids` (its rows are these rows).

        A run ending yesterday is still current: today is not over.
        """
        size = len(user_ids)
        current = np.where(self.last[:size] >= today - 1, self.run[:size], 0)
        return Streaks(user_ids, current, self.best[:size].copy())


def streaks(history: Iterable[DayRows], user_ids: np.ndarray, minimum: int, today: int) -> Streaks:
    """The current and best streak of each member, from per-day seconds of their rows.

    Rows index `user_ids`. `history` is oldest day first and may skip days (nobody
    had time then); days after `today` are not looked at. A day qualifies with
    at least `minimum` seconds (at least one second when `minimum` is 0).

    >>> ids = np.array([42])
    >>> one = lambda day, seconds: (day, np.array([0]), np.array([seconds]))
    >>> s = streaks([one(1, 900), one(2, 900), one(3, 900)], ids, 900, today=3)
    >>> s.of(42)
    (3, 3)
    >>> streaks([one(1, 900), one(2, 900), one(3, 900)], ids, 900, today=4).of(42)  # 4 not over
    (3, 3)
    >>> streaks([one(1, 900), one(2, 900), one(3, 900)], ids, 900, today=5).of(42)  # 4 missed
    (0, 3)
    >>> streaks([one(1, 900), one(2, 899), one(3, 900)], ids, 900, today=3).of(42)  # 2 too short
    (1, 1)
    """
    size = len(user_ids)
    runs = Runs.empty(size, before=NEVER).advanced(history, size, minimum, today)
    return runs.streaks(user_ids, today)


def with_live(
    history: Iterable[DayRows], live: Mapping[int, Mapping[int, int]]
) -> Iterable[DayRows]:
    """`history` with seconds not yet credited added: `live` maps day to {member row: seconds}.

    Days only `live` has are inserted in order.

    >>> base = [(1, np.array([0, 1]), np.array([10, 20]))]
    >>> [(d, r.tolist(), s.tolist()) for d, r, s in with_live(base, {1: {1: 5, 2: 7}, 2: {0: 3}})]
    [(1, [0, 1, 2], [10, 25, 7]), (2, [0], [3])]
    """
    pending = sorted(live.items())
    for day, rows, seconds in history:
        while pending and pending[0][0] < day:
            yield _live_day(*pending.pop(0))
        if pending and pending[0][0] == day:
            extra = pending.pop(0)[1]
            yield day, *_merge(rows, seconds, extra)
        else:
            yield day, rows, seconds
    for day, extra in pending:
        yield _live_day(day, extra)


def _live_day(day: int, extra: Mapping[int, int]) -> DayRows:
    rows = np.fromiter(extra.keys(), dtype=np.int64, count=len(extra))
    seconds = np.fromiter(extra.values(), dtype=np.int64, count=len(extra))
    return day, rows, seconds


def _merge(
    rows: np.ndarray, seconds: np.ndarray, extra: Mapping[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """A day's rows and seconds with `extra` seconds of some rows added (new rows appended).

    One pass over the day: `extra` holds only the members on camera now.
    """
    _, extra_rows, extra_seconds = _live_day(0, extra)
    known = np.isin(rows, extra_rows)
    stored = dict(zip(rows[known].tolist(), seconds[known].tolist(), strict=True))
    extra_seconds += np.fromiter(
        (stored.get(row, 0) for row in extra_rows.tolist()), dtype=np.int64, count=len(extra_rows)
    )
    return np.concatenate([rows[~known], extra_rows]), np.concatenate(
        [seconds[~known], extra_seconds]
    )
