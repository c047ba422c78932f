"""The in-memory ranking state: camera seconds per server, member and local day.

Pure and synchronous. Every change arrives as a *record* (a `records.Change`),
so applying a record live and replaying it after a restart are one code path;
`apply` is the only writer, and reads never create anything. Storage is
columnar (numpy) so that a camera event costs O(1) and a top-10 over a million
members is one vectorised pass.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from tracking.periods import DayRange
from tracking.records import Adjust, AttributeLegacy, Change, Credit, Erase, Reset
from tracking.streaks import NEVER, DayRows, Runs, Streaks, with_live

SECONDS, SESSIONS, LONGEST, ADJUSTED = 0, 1, 2, 3
"""Member columns: total seconds, sessions, longest session, net manual adjustment (signed)."""


class _Rows:
    """Rows of int64 columns in numpy arrays that double in size when full."""

    __slots__ = ("keys", "values", "size")

    def __init__(self, columns: int, capacity: int = 16) -> None:
        """Create an empty table with `columns` int64 columns."""
        self.keys = np.zeros(capacity, dtype=np.int64)
        self.values = np.zeros((columns, capacity), dtype=np.int64)
        self.size = 0

    def _fill(self, keys: Iterable[int], columns: tuple[Iterable[int], ...]) -> np.ndarray:
        """Load parallel sequences (numpy arrays are taken as they are); returns the keys.

        Raises:
            ValueError: the sequences differ in length.
        """
        key_array = _int64(keys)
        size = len(key_array)
        self.keys = np.zeros(max(16, size), dtype=np.int64)
        self.values = np.zeros((len(columns), max(16, size)), dtype=np.int64)
        self.keys[:size] = key_array
        for column, values in enumerate(columns):
            array = _int64(values)
            if len(array) != size:
                raise ValueError(f"column {column} has {len(array)} values for {size} keys")
            self.values[column, :size] = array
        self.size = size
        return key_array

    def _append(self, key: int) -> int:
        row = self.size
        if row == len(self.keys):
            self._grow()
        self.keys[row] = key
        self.size += 1
        return row

    def column(self, column: int) -> np.ndarray:
        """A view of one column over the used rows."""
        return self.values[column, : self.size]

    def _grow(self) -> None:
        capacity = len(self.keys) * 2
        keys = np.zeros(capacity, dtype=np.int64)
        keys[: self.size] = self.keys[: self.size]
        values = np.zeros((self.values.shape[0], capacity), dtype=np.int64)
        values[:, : self.size] = self.values[:, : self.size]
        self.keys, self.values = keys, values

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the used keys and values, safe to read from another thread."""
        return self.keys[: self.size].copy(), self.values[:, : self.size].copy()


def _int64(values: Iterable[int]) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values.astype(np.int64, copy=False)
    return np.fromiter(values, dtype=np.int64)


class Table(_Rows):
    """Rows keyed by a sparse id (a member id): a dict finds the row."""

    __slots__ = ("index",)

    def __init__(self, columns: int, capacity: int = 16) -> None:
        """Create an empty table with `columns` int64 columns."""
        super().__init__(columns, capacity)
        self.index: dict[int, int] = {}

    @classmethod
    def from_columns(cls, keys: Iterable[int], *columns: Iterable[int]) -> Table:
        """Build a table from parallel sequences of keys and column values.

        Raises:
            ValueError: the sequences differ in length.
        """
        table = cls(len(columns))
        key_array = table._fill(keys, columns)
        table.index = dict(zip(key_array.tolist(), range(table.size), strict=True))
        return table

    def row(self, key: int) -> int:
        """The row of `key`, appended (zeroed) when new."""
        row = self.index.get(key)
        if row is None:
            row = self.index[key] = self._append(key)
        return row

    def has_duplicate_keys(self) -> bool:
        """Whether a key appears on two rows (only a damaged file can cause it)."""
        return len(self.index) != self.size


class DayTable(_Rows):
    """One local day of a server: seconds and sessions, keyed by the member's row.

    Rows are found through a dense array of positions indexed by member row
    (4 bytes per member of the server), built when the day is first written to.
    Days that are over drop it (`forget_positions`), so a long history costs
    only its rows; lookups in them are one vectorised scan.

    >>> day = DayTable()
    >>> day.values[SECONDS, day.row(7)] += 30
    >>> day.find(7), day.find(3)
    (0, None)
    >>> day.forget_positions()
    >>> day.find(7), day.row(7), day.row(2)
    (0, 0, 1)
    """

    __slots__ = ("_positions",)

    def __init__(self, capacity: int = 16) -> None:
        """Create an empty day."""
        super().__init__(2, capacity)
        self._positions: np.ndarray | None = None

    @classmethod
    def from_columns(
        cls, rows: Iterable[int], seconds: Iterable[int], sessions: Iterable[int]
    ) -> DayTable:
        """Build a day from parallel sequences of member rows, seconds and sessions.

        Raises:
            ValueError: the sequences differ in length.
        """
        table = cls()
        table._fill(rows, (seconds, sessions))
        return table

    def find(self, member_row: int) -> int | None:
        """The row of a member in this day, None when absent."""
        positions = self._positions
        if positions is None:
            hits = np.flatnonzero(self.keys[: self.size] == member_row)
            return int(hits[0]) if len(hits) else None
        if member_row >= len(positions):
            return None
        row = int(positions[member_row])
        return row if row >= 0 else None

    def row(self, member_row: int) -> int:
        """The row of a member in this day, appended (zeroed) when new."""
        positions = self._positions
        if positions is None or member_row >= len(positions):
            positions = self._build_positions(member_row)
        row = int(positions[member_row])
        if row < 0:
            row = self._append(member_row)
            positions[member_row] = row
        return row

    def _build_positions(self, member_row: int) -> np.ndarray:
        """A new positions array with room for `member_row` (at least twice the old one)."""
        used = self.keys[: self.size]
        needed = max(member_row, int(used.max()) if self.size else 0) + 1
        old = 0 if self._positions is None else len(self._positions)
        positions = np.full(max(16, needed, 2 * old), -1, dtype=np.int32)
        positions[used] = np.arange(self.size, dtype=np.int32)
        self._positions = positions
        return positions

    def forget_positions(self) -> None:
        """Free the positions array (rebuilt on the next write)."""
        self._positions = None

    def has_duplicate_keys(self) -> bool:
        """Whether a member appears on two rows (only a damaged file can cause it)."""
        rows = np.sort(self.keys[: self.size])
        return bool((rows[1:] == rows[:-1]).any())


@dataclass(frozen=True, slots=True)
class OpenSession:
    """A camera session that was still running at its last durable record."""

    started_at: str
    credited: int


@dataclass(frozen=True, slots=True)
class MemberStats:
    """One member's all-time figures in one server."""

    seconds: int
    """Total camera seconds, manual adjustments included."""
    sessions: int
    longest: int
    adjusted: int = 0
    """Net seconds added (or, when negative, removed) by hand."""

    @property
    def session_seconds(self) -> int:
        """Seconds that come from real camera sessions (the total without adjustments).

        >>> MemberStats(seconds=40, sessions=1, longest=100, adjusted=-60).session_seconds
        100
        """
        return max(0, self.seconds - self.adjusted)


PERIOD_SUMS_KEPT = 4
"""Ranges of days (this week, this month, ...) whose sums a server keeps at hand."""


class _PeriodSums:
    """The seconds and sessions of every member row summed over one range of days.

    Kept exact by the writers (`GuildLedger.credit` adds to it; adjustments and
    resets drop it), and checked against the day tables it covers at every read.
    """

    __slots__ = ("days", "tables", "seconds", "sessions")

    def __init__(self, days: DayRange, tables: dict[int, DayTable], size: int) -> None:
        """Sum `tables` (the days of `days`) over `size` member rows."""
        self.days = days
        self.tables = tables
        self.seconds = np.zeros(max(16, size), dtype=np.int64)
        self.sessions = np.zeros(max(16, size), dtype=np.int64)
        for table in tables.values():
            if table.size:
                rows = table.keys[: table.size]  # each member at most once per day
                self.seconds[rows] += table.column(SECONDS)
                self.sessions[rows] += table.column(SESSIONS)

    def add(self, row: int, column: int, amount: int) -> None:
        """Add to one member row's seconds (`SECONDS`) or sessions (`SESSIONS`)."""
        if row >= len(self.seconds):
            capacity = max(row + 1, 2 * len(self.seconds))
            self.seconds = np.concatenate(
                [self.seconds, np.zeros(capacity - len(self.seconds), dtype=np.int64)]
            )
            self.sessions = np.concatenate(
                [self.sessions, np.zeros(capacity - len(self.sessions), dtype=np.int64)]
            )
        (self.seconds if column == SECONDS else self.sessions)[row] += amount

    def columns(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the sums of the first `size` member rows (zeros past the known ones)."""
        seconds = np.zeros(size, dtype=np.int64)
        sessions = np.zeros(size, dtype=np.int64)
        known = min(size, len(self.seconds))
        seconds[:known] = self.seconds[:known]
        sessions[:known] = self.sessions[:known]
        return seconds, sessions


COPY_STEP_ROWS = 65_536
"""Rows copied in one step of a `SteppedCopy` (about a millisecond)."""


class SteppedCopy:
    """A copy of one server's tables as they were at one instant, taken a few rows per step.

    While it is under way the server stays writable: each writer saves the old
    values of a row it is about to change (the first time only), and `result`
    puts them back over whatever the steps copied later. So the copy is the
    state at `GuildLedger.start_copy`, without holding anything for long.
    """

    __slots__ = (
        "_guild",
        "_members",
        "_size",
        "_keys",
        "_values",
        "_days",
        "_saved",
        "_saved_days",
        "_steps",
    )

    def __init__(self, guild: GuildLedger) -> None:
        """Plan the copy of `guild`'s used rows (nothing is copied yet)."""
        self._guild = guild
        self._members = members = guild.members
        self._size = members.size
        self._keys = np.empty(self._size, dtype=np.int64)
        self._values = np.empty((members.values.shape[0], self._size), dtype=np.int64)
        self._days = {
            day: (table, np.empty(table.size, dtype=np.int64), np.empty((2, table.size), np.int64))
            for day, table in guild.days.items()
            if table.size
        }
        self._saved: dict[int, np.ndarray] = {}
        self._saved_days: dict[tuple[int, int], np.ndarray] = {}
        self._steps = self._plan()

    def _plan(self) -> Iterator[None]:
        members = self._members  # the table object, even if the server is given another
        for start in range(0, self._size, COPY_STEP_ROWS):
            end = min(start + COPY_STEP_ROWS, self._size)
            self._keys[start:end] = members.keys[start:end]
            self._values[:, start:end] = members.values[:, start:end]
            yield
        for table, keys, values in self._days.values():
            for start in range(0, len(keys), COPY_STEP_ROWS):
                end = min(start + COPY_STEP_ROWS, len(keys))
                keys[start:end] = table.keys[start:end]
                values[:, start:end] = table.values[:, start:end]
                yield

    def step(self) -> bool:
        """Copy the next rows; False once everything is copied."""
        return next(self._steps, False) is None

    def before_member_write(self, row: int) -> None:
        """Keep a member row's values as they were, before a writer changes them."""
        if row < self._size and row not in self._saved:
            self._saved[row] = self._members.values[:, row].copy()

    def before_day_write(self, day: int, table: DayTable, day_row: int) -> None:
        """Keep a day row's values as they were, before a writer changes them."""
        planned = self._days.get(day)
        if planned is None or planned[0] is not table or day_row >= len(planned[1]):
            return  # a day or a row that did not exist when the copy started
        if (day, day_row) not in self._saved_days:
            self._saved_days[day, day_row] = table.values[:, day_row].copy()

    def result(self) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]]:
        """Member keys, member values and each day's (rows, values), as at the start.

        Takes the steps not yet taken first; the server stops saving old values.
        """
        while self.step():
            pass
        for row, values in self._saved.items():
            self._values[:, row] = values
        for (day, day_row), values in self._saved_days.items():
            self._days[day][2][:, day_row] = values
        self.abandon()
        days = {day: (keys, values) for day, (_, keys, values) in self._days.items()}
        return self._keys, self._values, days

    def abandon(self) -> None:
        """Stop the copy (if under way): the server's writers stop saving old values."""
        if self._guild._copy is self:
            self._guild._copy = None


class GuildLedger:
    """Camera time of the members of one server.

    Build one from stored rows with `from_tables` (or assign `members` and `days`):
    afterwards change it only through its methods, which keep the sums of
    ranges of days it caches (`columns`) exact. Assigning `members` or `days`
    drops those sums.
    """

    __slots__ = ("_members", "_days", "_sums", "_copy", "_runs")

    def __init__(self) -> None:
        """Start with no members."""
        self._members = Table(4)
        self._days: dict[int, DayTable] = {}
        self._sums: dict[DayRange, _PeriodSums] = {}
        self._copy: SteppedCopy | None = None
        self._runs: tuple[int, Runs] | None = None

    def start_copy(self) -> SteppedCopy:
        """Begin a copy of the tables as they are now, taken in steps (see `SteppedCopy`).

        One copy at a time: starting another abandons the one under way.
        """
        if self._copy is not None:
            self._copy.abandon()
        self._copy = SteppedCopy(self)
        return self._copy

    @classmethod
    def from_tables(cls, members: Table, days: dict[int, DayTable]) -> GuildLedger:
        """A server's ledger over tables built from stored rows.

        `members` comes from `Table.from_columns`, `days` maps local day
        ordinals to tables from `DayTable.from_columns`.
        """
        ledger = cls()
        ledger._members = members
        ledger._days = days
        return ledger

    @property
    def members(self) -> Table:
        """Every member's all-time figures (columns `SECONDS` to `ADJUSTED`)."""
        return self._members

    @members.setter
    def members(self, table: Table) -> None:
        self._members = table
        self._sums.clear()
        self._runs = None
        self._copy = None  # a copy under way goes on from the tables it started with

    @property
    def days(self) -> dict[int, DayTable]:
        """The local days (ordinals) this server has figures for, with their tables."""
        return self._days

    @days.setter
    def days(self, days: dict[int, DayTable]) -> None:
        self._days = days
        self._sums.clear()
        self._runs = None
        self._copy = None  # a copy under way goes on from the tables it started with

    def _add_to_sums(self, day: int, row: int, column: int, amount: int) -> None:
        for sums in self._sums.values():
            if day in sums.days:
                sums.add(row, column, amount)

    def _drop_sums(self, covering: DayRange | None = None) -> None:
        """Forget the sums of ranges that overlap `covering` (all of them when None)."""
        if covering is None:
            self._sums.clear()
            return
        for days in list(self._sums):
            if days.first <= covering.last and covering.first <= days.last:
                del self._sums[days]

    def credit(
        self,
        user_id: int,
        seconds: int,
        sessions: int,
        days: Iterable[Iterable[int]],
        longest: int,
        session_day: int | None,
    ) -> None:
        """Add seconds (split by local day) and sessions (on `session_day`) to a member."""
        row = self._members.row(user_id)
        copy = self._copy
        if copy is not None:
            copy.before_member_write(row)
        values = self._members.values
        values[SECONDS, row] += seconds
        values[SESSIONS, row] += sessions
        if longest > values[LONGEST, row]:
            values[LONGEST, row] = longest
        for day, day_seconds in days:
            table = self._day(day)
            day_row = table.row(row)  # may grow the arrays: index them after
            if copy is not None:
                copy.before_day_write(day, table, day_row)
            table.values[SECONDS, day_row] += day_seconds
            if self._sums:
                self._add_to_sums(day, row, SECONDS, day_seconds)
            self._forget_runs(day)
        if sessions and session_day is not None:
            table = self._day(session_day)
            day_row = table.row(row)
            if copy is not None:
                copy.before_day_write(session_day, table, day_row)
            table.values[SESSIONS, day_row] += sessions
            if self._sums:
                self._add_to_sums(session_day, row, SESSIONS, sessions)

    def _day(self, day: int) -> DayTable:
        table = self._days.get(day)
        if table is None:
            if self._days and day > max(self._days):
                # A new day begins: days before yesterday are done being written to.
                for past, done in self._days.items():
                    if past < day - 1:
                        done.forget_positions()
            table = self._days[day] = DayTable()
            for sums in self._sums.values():
                if day in sums.days:
                    sums.tables[day] = table
        return table

    def adjust(self, user_id: int, seconds: int, day: int) -> int:
        """Add (or remove) seconds by hand; returns the change actually applied.

        A removal never takes a member below zero: it comes off the given day
        first, then off earlier days, newest first.
        """
        row = self._members.row(user_id)
        copy = self._copy
        if copy is not None:
            copy.before_member_write(row)
        values = self._members.values
        # Rare and may touch many days: the cached sums it changes are rebuilt on the next read.
        self._drop_sums(DayRange(day, day) if seconds >= 0 else DayRange(0, day))
        self._forget_runs(day if seconds >= 0 else None)
        if seconds >= 0:
            values[SECONDS, row] += seconds
            values[ADJUSTED, row] += seconds
            table = self._day(day)
            day_row = table.row(row)
            if copy is not None:
                copy.before_day_write(day, table, day_row)
            table.values[SECONDS, day_row] += seconds
            return seconds
        applied = -min(-seconds, int(values[SECONDS, row]))
        values[SECONDS, row] += applied
        values[ADJUSTED, row] += applied
        remaining = -applied
        for past in sorted((d for d in self.days if d <= day), reverse=True):
            if remaining <= 0:
                break
            table = self.days[past]
            found = table.find(row)
            if found is None:
                continue
            taken = min(remaining, int(table.values[SECONDS, found]))
            if copy is not None:
                copy.before_day_write(past, table, found)
            table.values[SECONDS, found] -= taken
            remaining -= taken
        return applied

    def reset_member(self, user_id: int) -> None:
        """Erase a member's figures (the member stays known, at zero)."""
        row = self._members.index.get(user_id)
        if row is None:
            return
        self._drop_sums()
        self._forget_runs()
        copy = self._copy
        if copy is not None:
            copy.before_member_write(row)
        self._members.values[:, row] = 0
        for day, table in self._days.items():
            day_row = table.find(row)
            if day_row is not None:
                if copy is not None:
                    copy.before_day_write(day, table, day_row)
                table.values[:, day_row] = 0

    def erase_member(self, user_id: int) -> None:
        """Delete a member: their row and their rows in every day are gone, not zeroed.

        The other members' rows move up by one. The tables are built anew (a pass over
        the server's rows, for an action members take rarely), so a copy under way
        (`start_copy`) goes on from the tables it started with.
        """
        members = self._members
        row = members.index.get(user_id)
        if row is None:
            return
        keep = np.ones(members.size, dtype=bool)
        keep[row] = False
        self.members = Table.from_columns(
            members.keys[: members.size][keep],
            *(members.column(column)[keep] for column in range(members.values.shape[0])),
        )
        days: dict[int, DayTable] = {}
        for day, table in self._days.items():
            rows = table.keys[: table.size]
            kept = rows != row
            if not kept.any():
                continue
            moved = rows[kept] - (rows[kept] > row)
            days[day] = DayTable.from_columns(
                moved, table.column(SECONDS)[kept], table.column(SESSIONS)[kept]
            )
        self.days = days

    def member_days(self, user_id: int) -> list[tuple[int, int, int]]:
        """A member's (local day, seconds, sessions) rows, oldest first (empty when unknown)."""
        row = self.members.index.get(user_id)
        if row is None:
            return []
        found = []
        for day in sorted(self.days):
            table = self.days[day]
            day_row = table.find(row)
            if day_row is not None:
                seconds, sessions = (int(v) for v in table.values[:, day_row])
                if seconds or sessions:
                    found.append((day, seconds, sessions))
        return found

    def stats(self, user_id: int) -> MemberStats:
        """All-time figures of a member (zeros when unknown)."""
        row = self.members.index.get(user_id)
        if row is None:
            return MemberStats(0, 0, 0)
        seconds, sessions, longest, adjusted = (int(v) for v in self.members.values[:, row])
        return MemberStats(seconds, sessions, longest, adjusted)

    def member_seconds_in(self, user_id: int, days: DayRange) -> int:
        """A member's seconds within a range of local days."""
        return sum(self.seconds_by_day(days, user_id).values())

    def seconds_by_day(self, days: DayRange, user_id: int | None = None) -> dict[int, int]:
        """Seconds per local day in a range, for the whole server or one member."""
        row = None if user_id is None else self.members.index.get(user_id)
        result: dict[int, int] = {}
        if days.first == days.last:  # one day (a daily limit's check): no pass over the days
            one = self.days.get(days.first)
            days_in = {days.first: one} if one is not None else {}
        else:
            days_in = self.days
        for day, table in days_in.items():
            if day not in days:
                continue
            if user_id is None:
                result[day] = int(table.column(SECONDS).sum())
            elif row is not None and (day_row := table.find(row)) is not None:
                result[day] = int(table.values[SECONDS, day_row])
        return result

    def history(self, after: int = NEVER) -> Iterator[DayRows]:
        """Each local day after `after` with figures, oldest first: (day, member rows, seconds).

        The arrays are views: use them before the next change to the server.
        """
        for day in sorted(d for d in self._days if d > after):
            table = self._days[day]
            if table.size:
                yield day, table.keys[: table.size], table.column(SECONDS)

    def closed_runs(self, minimum: int, through: int) -> Runs:
        """Streak runs of every member row over the days up to `through` (see `tracking.streaks`).

        Kept for the next call: days that are over change only by hand (adjustments
        and resets drop what is kept), so asking again the same day costs a lookup,
        and the next day one more day's pass.
        """
        kept = self._runs
        if kept is None or kept[0] != minimum or kept[1].through > through:
            runs = Runs.empty(0, before=NEVER)
        else:
            runs = kept[1]
        if runs.through < through or len(runs.last) < self._members.size:
            runs = runs.advanced(
                self.history(after=runs.through), self._members.size, minimum, through
            )
        self._runs = (minimum, runs)
        return runs

    def _forget_runs(self, day: int | None = None) -> None:
        """Drop the kept streak runs if they cover `day` (whatever they cover when None)."""
        if self._runs is not None and (day is None or day <= self._runs[1].through):
            self._runs = None

    def columns(self, days: DayRange | None) -> tuple[np.ndarray, np.ndarray]:
        """Seconds and sessions of every member row (aligned with `members`).

        All-time when `days` is None, else summed over the local days in range.
        The sums of a range are kept (up to `PERIOD_SUMS_KEPT` ranges) and kept
        exact by the writers, so asking again costs a copy, not a pass over every
        day's table.
        """
        members = self._members
        if days is None:
            return members.column(SECONDS).copy(), members.column(SESSIONS).copy()
        tables = {day: table for day, table in self._days.items() if day in days}
        sums = self._sums.get(days)
        if sums is None or sums.tables != tables:
            if sums is None and len(self._sums) >= PERIOD_SUMS_KEPT:
                del self._sums[next(iter(self._sums))]  # the oldest one asked for
            sums = self._sums[days] = _PeriodSums(days, tables, members.size)
        return sums.columns(members.size)


@dataclass(frozen=True, slots=True)
class Standing:
    """A member's place in a ranking."""

    user_id: int
    seconds: int
    sessions: int


TOP_BLOCK = 1_024
"""Members per block when `Standings.top` bounds the cut-off from the blocks' maxima."""


class Standings:
    """An ordering of a server's members by seconds (desc), ties by id (asc).

    Only members with positive seconds are ranked. The arrays are taken as they
    are (not copied): the caller hands over arrays nobody changes afterwards.
    """

    def __init__(self, user_ids: np.ndarray, seconds: np.ndarray, sessions: np.ndarray) -> None:
        """Rank members with positive seconds; the arrays are aligned."""
        self._all_ids = user_ids
        self._all_seconds = seconds
        self._all_sessions = sessions
        self._ranked: tuple[np.ndarray, np.ndarray] | None = None

    def _ids_and_seconds(self) -> tuple[np.ndarray, np.ndarray]:
        """Ids and seconds of the ranked members only (computed once)."""
        if self._ranked is None:
            keep = self._all_seconds > 0
            self._ranked = self._all_ids[keep], self._all_seconds[keep]
        return self._ranked

    def __len__(self) -> int:
        return int(np.count_nonzero(self._all_seconds > 0))

    def top(self, count: int) -> list[Standing]:
        """The first `count` members, in order."""
        seconds, ids = self._all_seconds, self._all_ids
        if count <= 0 or len(seconds) == 0:
            return []
        picked = np.flatnonzero(seconds >= max(1, self._cut_bound(count)))
        if count < len(picked):
            # Take everything tied with the cut-off so the id tie-break stays exact.
            values = seconds[picked]
            cut = np.partition(values, len(values) - count)[len(values) - count]
            picked = picked[values >= cut]
        order = picked[np.lexsort((ids[picked], -seconds[picked]))][:count]
        return [Standing(int(ids[i]), int(seconds[i]), int(self._all_sessions[i])) for i in order]

    def _cut_bound(self, count: int) -> int:
        """A value at or below the `count`-th highest seconds (0 when none is cheap to find).

        The maxima of `count` disjoint blocks are `count` distinct members, so
        the `count`-th highest maximum is at most the `count`-th highest value:
        one pass over the blocks leaves only a few candidates to sort.
        """
        blocks = len(self._all_seconds) // TOP_BLOCK
        if blocks < 4 * count:
            return 0
        maxima = self._all_seconds[: blocks * TOP_BLOCK].reshape(blocks, TOP_BLOCK).max(axis=1)
        return int(np.partition(maxima, blocks - count)[blocks - count])

    def ahead_of(self, user_id: int) -> np.ndarray:
        """Ids of the members ranked before `user_id` (all of them if it is unranked)."""
        ids, seconds = self._ids_and_seconds()
        where = np.flatnonzero(ids == user_id)
        if len(where) == 0:
            return ids.copy()
        mine = seconds[where[0]]
        ahead = (seconds > mine) | ((seconds == mine) & (ids < user_id))
        found: np.ndarray = ids[ahead]
        return found

    def count_in(self, user_ids: Collection[int]) -> int:
        """How many of `user_ids` are ranked."""
        if not user_ids:
            return 0
        ids, _ = self._ids_and_seconds()
        return int(np.isin(ids, np.fromiter(user_ids, dtype=np.int64)).sum())

    def seconds_of(self, user_id: int) -> int:
        """A member's seconds in this ranking (0 when absent)."""
        ids, seconds = self._ids_and_seconds()
        where = np.flatnonzero(ids == user_id)
        return int(seconds[where[0]]) if len(where) else 0


class Ledger:
    """Camera time of every server, plus legacy totals not yet tied to one."""

    def __init__(self) -> None:
        """Start empty, at sequence number 0."""
        self.guilds: dict[int, GuildLedger] = {}
        self.unattributed: dict[int, tuple[int, int]] = {}
        self.open_sessions: dict[tuple[int, int], OpenSession] = {}
        self.seq = 0

    def _writable(self, guild_id: int) -> GuildLedger:
        """The ledger of a server to change, created on first use (only `apply` writes)."""
        ledger = self.guilds.get(guild_id)
        if ledger is None:
            ledger = self.guilds[guild_id] = GuildLedger()
        return ledger

    def apply(self, record: Change) -> None:
        """Apply one record; records at or below the current sequence number are skipped."""
        seq = record.seq or 0
        if seq and seq <= self.seq:
            return
        match record:
            case Credit():
                self._apply_credit(record)
            case Adjust(g=guild_id, u=user_id, s=seconds, day=day):
                self._writable(guild_id).adjust(user_id, seconds, day)
            case Reset(g=guild_id, u=user_id):
                self._apply_reset(guild_id, user_id)
            case Erase(g=guild_id, u=user_id):
                guild = self.guilds.get(guild_id)
                if guild is not None:
                    guild.erase_member(user_id)
                self.open_sessions.pop((guild_id, user_id), None)
            case AttributeLegacy(g=guild_id):
                self._apply_attribute_legacy(guild_id)
        if seq:
            self.seq = seq

    def _apply_credit(self, record: Credit) -> None:
        guild_id, user_id = record.g, record.u
        self._writable(guild_id).credit(
            user_id, record.s, record.n, record.days, record.long, record.day
        )
        key = (guild_id, user_id)
        if record.open and record.start is not None:
            self.open_sessions[key] = OpenSession(record.start, record.credited)
        else:
            self.open_sessions.pop(key, None)

    def _apply_reset(self, guild_id: int, user_id: int | None) -> None:
        if user_id is None:
            self.guilds[guild_id] = GuildLedger()
            stale = [key for key in self.open_sessions if key[0] == guild_id]
        else:
            self._writable(guild_id).reset_member(user_id)
            stale = [(guild_id, user_id)]
        for key in stale:
            self.open_sessions.pop(key, None)

    def _apply_attribute_legacy(self, guild_id: int) -> None:
        ledger = self._writable(guild_id)
        for user_id, (seconds, sessions) in self.unattributed.items():
            ledger.credit(user_id, seconds, sessions, (), 0, None)
        self.unattributed.clear()

    # ------------------------------------------------------------------ reads

    def member_stats(self, guild_id: int, user_id: int) -> MemberStats:
        """A member's all-time figures in a server (zeros when unknown)."""
        ledger = self.guilds.get(guild_id)
        return ledger.stats(user_id) if ledger is not None else MemberStats(0, 0, 0)

    def member_days(self, guild_id: int, user_id: int) -> list[tuple[int, int, int]]:
        """A member's (local day, seconds, sessions) rows in a server, oldest first."""
        ledger = self.guilds.get(guild_id)
        return ledger.member_days(user_id) if ledger is not None else []

    def seconds_by_day(self, guild_id: int, user_id: int | None, days: DayRange) -> dict[int, int]:
        """Seconds per local day of a server (or of one member) within `days`."""
        ledger = self.guilds.get(guild_id)
        return ledger.seconds_by_day(days, user_id) if ledger is not None else {}

    def streaks(
        self,
        guild_id: int,
        minimum: int,
        today: int,
        live: Mapping[int, Iterable[tuple[int, int]]] | None = None,
    ) -> Streaks:
        """Every member's current and best streak of days with `minimum` seconds, at `today`.

        `live` maps member id to the (local day, seconds) not yet credited of the
        session running now (see `tracking.streaks`).
        """
        ledger = self.guilds.get(guild_id) or GuildLedger()
        members = ledger.members
        ids = members.keys[: members.size]
        extra = [uid for uid in live or () if uid not in members.index]
        if extra:
            ids = np.concatenate([ids, np.array(extra, dtype=np.int64)])
        position = {uid: members.size + i for i, uid in enumerate(extra)}
        by_day: dict[int, dict[int, int]] = {}
        for uid, parts in (live or {}).items():
            row = members.index.get(uid)
            if row is None:
                row = position[uid]
            for day, seconds in parts:
                day_rows = by_day.setdefault(day, {})
                day_rows[row] = day_rows.get(row, 0) + seconds
        # Days before yesterday are over (unless a running session still adds to one).
        closed = min([today - 2, *(day - 1 for day in by_day)])
        runs = ledger.closed_runs(minimum, closed)
        recent = with_live(ledger.history(after=closed), by_day)
        return runs.advanced(recent, len(ids), minimum, today).streaks(ids, today)

    def standings(
        self,
        guild_id: int,
        days: DayRange | None,
        live: Mapping[int, tuple[int, int]] | None = None,
    ) -> Standings:
        """Rank a server's members over a range of days (or all time).

        `live` maps member id to (seconds not yet credited, sessions not yet
        counted) of sessions running now.
        """
        ledger = self.guilds.get(guild_id) or GuildLedger()
        members = ledger.members
        ids = members.keys[: members.size]
        seconds, sessions = ledger.columns(days)
        if live:
            extra = [uid for uid in live if uid not in members.index]
            if extra:
                ids = np.concatenate([ids, np.array(extra, dtype=np.int64)])
                seconds = np.concatenate([seconds, np.zeros(len(extra), dtype=np.int64)])
                sessions = np.concatenate([sessions, np.zeros(len(extra), dtype=np.int64)])
            position = {uid: members.size + i for i, uid in enumerate(extra)}
            for uid, (live_seconds, live_sessions) in live.items():
                row = members.index.get(uid, position.get(uid))
                seconds[row] += live_seconds
                sessions[row] += live_sessions
        return Standings(ids, seconds, sessions)
