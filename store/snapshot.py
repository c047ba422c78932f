"""Turning the ledger into files and back: the state snapshot and the `DATA_FILE` export.

Encoding runs in a worker thread over copies taken on the event loop. It works
in chunks of about a millisecond and hands the GIL over between them
(`time.sleep(0)`), so the event loop waits for at most one chunk instead of the
interpreter's 5 ms switch interval.
"""

from __future__ import annotations

import binascii
import functools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from database_lock import CorruptFileError, atomic_write_json
from tracking import records
from tracking.ledger import SECONDS, SESSIONS, DayTable, GuildLedger, Ledger, OpenSession, Table
from tracking.records import RecordError

STATE_VERSION = 2
"""Version 2 packs the integer columns (`records.Column`); version 1 states still load."""
PACK_CHUNK = 3 * 2**17
"""Bytes of a column turned into base64 in one go (about 0.5 ms; a multiple of 3, so the
chunks' base64 joins into the base64 of the whole)."""
EXPORT_CHUNK = 1_024
"""Members written to the export in one go (well under a millisecond)."""


@dataclass
class GuildCopy:
    """A thread-safe copy of one server's ledger."""

    member_keys: np.ndarray
    member_values: np.ndarray
    days: dict[int, tuple[np.ndarray, np.ndarray]]


@dataclass
class LedgerCopy:
    """A thread-safe copy of the whole ledger at one sequence number."""

    seq: int
    guilds: dict[int, GuildCopy]
    unattributed: dict[int, tuple[int, int]]
    open_sessions: dict[tuple[int, int], OpenSession]
    meta: dict[str, Any] = field(default_factory=dict)


def copy_ledger(ledger: Ledger) -> LedgerCopy:
    """Copy the ledger's arrays (cheap numpy copies) so another thread can encode them."""
    guilds = {}
    for guild_id, guild in ledger.guilds.items():
        keys, values = guild.members.snapshot()
        days = {day: table.snapshot() for day, table in guild.days.items() if table.size}
        guilds[guild_id] = GuildCopy(keys, values, days)
    return LedgerCopy(ledger.seq, guilds, dict(ledger.unattributed), dict(ledger.open_sessions))


class SteppedLedgerCopy:
    """What `copy_ledger` gives, taken a few rows per `step` while the ledger stays writable.

    The copy is the ledger as it was when this was made (see
    `tracking.ledger.SteppedCopy`), so the event loop can run between steps
    instead of waiting for a whole copy of a large ledger.
    """

    def __init__(self, ledger: Ledger) -> None:
        """Start copying `ledger` as it is now."""
        self.seq = ledger.seq
        self._unattributed = dict(ledger.unattributed)
        self._open_sessions = dict(ledger.open_sessions)
        self._copies = {guild_id: guild.start_copy() for guild_id, guild in ledger.guilds.items()}
        self._pending = list(self._copies.values())

    def step(self) -> bool:
        """Copy a few more rows; False once everything is copied."""
        while self._pending:
            if self._pending[0].step():
                return True
            self._pending.pop(0)
        return False

    def result(self) -> LedgerCopy:
        """The finished copy (the steps not yet taken are taken now)."""
        guilds = {}
        for guild_id, copy in self._copies.items():
            keys, values, days = copy.result()
            guilds[guild_id] = GuildCopy(keys, values, days)
        return LedgerCopy(self.seq, guilds, self._unattributed, self._open_sessions)

    def abandon(self) -> None:
        """Give the copy up: the ledger's writers stop keeping old values for it."""
        for copy in self._copies.values():
            copy.abandon()


# ----------------------------------------------------------------------- state


def _yield_gil() -> None:
    """Let a thread waiting for the GIL (the event loop) run now."""
    time.sleep(0)


def _column(values: np.ndarray) -> Iterator[str]:
    """A packed column (`records.Column`): `["<i4","<base64>"]`, in GIL-sized chunks."""
    dtype = records.narrowest_dtype(values)
    packed = memoryview(np.ascontiguousarray(values.astype(dtype, copy=False)).data).cast("B")
    yield f'["{dtype}","'
    for start in range(0, len(packed), PACK_CHUNK):
        if start:
            _yield_gil()
        yield binascii.b2a_base64(packed[start : start + PACK_CHUNK], newline=False).decode()
    yield '"]'


def encode_state(snapshot: LedgerCopy) -> Iterator[bytes]:
    """The state file (version 2, columns packed), as chunks of compact JSON."""

    def pieces() -> Iterator[str]:
        head = {"version": STATE_VERSION, "seq": snapshot.seq, **snapshot.meta}
        yield json.dumps(head)[:-1]
        yield ',"unattributed":' + json.dumps(
            {str(uid): list(v) for uid, v in snapshot.unattributed.items()}
        )
        yield ',"open_sessions":' + json.dumps(
            [[g, u, s.started_at, s.credited] for (g, u), s in snapshot.open_sessions.items()]
        )
        yield ',"guilds":{'
        for number, (guild_id, guild) in enumerate(snapshot.guilds.items()):
            yield ("," if number else "") + f'"{guild_id}":{{"users":'
            yield from _column(guild.member_keys)
            for name, column in (("seconds", 0), ("sessions", 1), ("longest", 2), ("adjusted", 3)):
                yield f',"{name}":'
                yield from _column(guild.member_values[column])
            yield ',"days":{'
            for day_number, (day, (rows, values)) in enumerate(sorted(guild.days.items())):
                yield ("," if day_number else "") + f'"{date.fromordinal(day).isoformat()}":'
                yield '{"rows":'
                yield from _column(rows)
                yield ',"seconds":'
                yield from _column(values[SECONDS])
                yield ',"sessions":'
                yield from _column(values[SESSIONS])
                yield "}"
            yield "}}"
        yield "}}\n"

    buffer: list[str] = []
    size = 0
    for piece in pieces():
        buffer.append(piece)
        size += len(piece)
        if size >= 1 << 20:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    yield "".join(buffer).encode()


def decode_state(raw: bytes) -> tuple[Ledger, list[tuple[int, str]]]:
    """Rebuild a ledger from a state file's bytes (any known version); also its exports.

    Every value is validated by `records.decode_state` before any is used.

    Raises:
        CorruptFileError: not a valid state file of a known version.
    """
    try:
        state = records.decode_state(raw)
    except RecordError as error:
        raise CorruptFileError(f"state file has unexpected content: {error}") from error
    ledger = Ledger()
    ledger.seq = state.seq
    ledger.unattributed = dict(state.unattributed)
    ledger.open_sessions = {
        (guild_id, user_id): OpenSession(start, credited)
        for guild_id, user_id, start, credited in state.open_sessions
    }
    if isinstance(state, records.StateFileV2):
        for guild_id, packed in state.guilds.items():
            ledger.guilds[guild_id] = _unpack_guild(packed)
    else:
        for guild_id, saved in state.guilds.items():
            ledger.guilds[guild_id] = _guild_from_lists(saved)
    return ledger, state.export_list()


def _unpack_guild(packed: records.PackedGuild) -> GuildLedger:
    """A server's ledger from a version 2 state (numpy reads the packed bytes directly)."""
    members = Table.from_columns(
        packed.users.values(),
        packed.seconds.values(),
        packed.sessions.values(),
        packed.longest.values(),
        packed.adjusted.values(),
    )
    days = {
        day.toordinal(): DayTable.from_columns(
            table.rows.values(), table.seconds.values(), table.sessions.values()
        )
        for day, table in packed.days.items()
    }
    return GuildLedger.from_tables(members, days)


def _guild_from_lists(saved: records.GuildState) -> GuildLedger:
    """A server's ledger from a version 1 state (columns as JSON lists)."""
    # States written before manual adjustments were kept apart have no "adjusted".
    adjusted = saved.adjusted if saved.adjusted is not None else [0] * len(saved.users)
    members = Table.from_columns(
        saved.users, saved.seconds, saved.sessions, saved.longest, adjusted
    )
    days = {
        day.toordinal(): DayTable.from_columns(table.rows, table.seconds, table.sessions)
        for day, table in saved.days.items()
    }
    return GuildLedger.from_tables(members, days)


# ---------------------------------------------------------------------- export


def export_ledger(ledger: Ledger, target: Path) -> int:
    """Write a ledger's totals to `target` in `DATA_FILE`'s format, atomically, mode 0600.

    Blocking. Returns how many members the file lists.

    Raises:
        OSError: `target` could not be written (nothing is left half-written).
    """
    copy = copy_ledger(ledger)
    atomic_write_json(target, encode_export(copy))
    members = set(copy.unattributed)
    for guild in copy.guilds.values():
        values = guild.member_values
        listed = (values[SECONDS] > 0) | (values[SESSIONS] > 0)
        members.update(guild.member_keys[listed].tolist())
    return len(members)


def encode_export(snapshot: LedgerCopy) -> Iterator[bytes]:
    """`DATA_FILE` in the documented format (2-space indent), as chunks.

    Byte for byte what `json.dumps(data, indent=2)` gives for the same data.
    """
    if len(snapshot.guilds) == 1 and not snapshot.unattributed:
        ((guild_id, guild),) = snapshot.guilds.items()
        yield from _export_one_server(guild_id, guild)
        return
    user_parts, guild_parts, seconds_parts, sessions_parts = [], [], [], []
    for guild_id, guild in snapshot.guilds.items():
        values = guild.member_values
        keep = (values[SECONDS] > 0) | (values[SESSIONS] > 0)
        user_parts.append(guild.member_keys[keep])
        guild_parts.append(np.full(int(keep.sum()), guild_id, dtype=np.int64))
        seconds_parts.append(values[SECONDS][keep])
        sessions_parts.append(values[SESSIONS][keep])
    if snapshot.unattributed:
        items = sorted(snapshot.unattributed.items())
        user_parts.append(np.array([u for u, _ in items], dtype=np.int64))
        guild_parts.append(np.full(len(items), -1, dtype=np.int64))
        seconds_parts.append(np.array([v[0] for _, v in items], dtype=np.int64))
        sessions_parts.append(np.array([v[1] for _, v in items], dtype=np.int64))
    if not user_parts:
        yield b"{}\n"
        return
    # Each step below is one numpy pass over every row (a few ms at a million): the GIL
    # is handed over between them.
    users, guilds = np.concatenate(user_parts), np.concatenate(guild_parts)
    _yield_gil()
    if len(user_parts) == 1:
        order = np.argsort(users)  # one server: ids are unique, any sort gives one order
    else:
        order = np.lexsort((guilds, users))
    _yield_gil()
    users, guilds = users[order], guilds[order]
    _yield_gil()
    seconds = np.concatenate(seconds_parts)[order]
    sessions = np.concatenate(sessions_parts)[order]
    _yield_gil()
    if not len(users):
        yield b"{}\n"
        return
    # One (id, seconds, sessions) triple per member, each followed by its servers' triples,
    # in file order; a member's rows without a server (-1) count in its totals only.
    first_rows = np.r_[True, users[1:] != users[:-1]]
    starts = np.flatnonzero(first_rows)
    owner = np.cumsum(first_rows) - 1
    _yield_gil()
    listed_rows = np.flatnonzero(guilds >= 0)
    listed = np.bincount(owner[listed_rows], minlength=len(starts))
    headers = np.arange(len(starts)) + np.cumsum(listed) - listed
    _yield_gil()
    triples = np.empty((len(starts) + len(listed_rows), 3), dtype=np.int64)
    triples[headers, 0] = users[starts]
    triples[headers, 1] = np.add.reduceat(seconds, starts)
    _yield_gil()
    triples[headers, 2] = np.add.reduceat(sessions, starts)
    _yield_gil()
    at = np.arange(len(listed_rows)) + owner[listed_rows] + 1
    triples[at, 0] = guilds[listed_rows]
    _yield_gil()
    triples[at, 1] = seconds[listed_rows]
    _yield_gil()
    triples[at, 2] = sessions[listed_rows]
    _yield_gil()
    # Text for EXPORT_CHUNK members at a time, one `%` over a template made for them:
    # the GIL is never held for long.
    ends = np.r_[headers[1:], len(triples)]
    yield b"{"
    for begin in range(0, len(starts), EXPORT_CHUNK):
        end = min(begin + EXPORT_CHUNK, len(starts))
        if begin:
            _yield_gil()
        counts = listed[begin:end]
        rows = triples[headers[begin] : ends[end - 1]]
        if counts.min() == counts.max() == 1 and _one_value(rows[1::2, 0]):
            # The usual case: every member in one and the same server, named in the template.
            template = _member_template(1, int(rows[1, 0])) * (end - begin)
            values = rows.reshape(-1, 6)[:, [0, 1, 2, 4, 5]]
        elif counts.min() == counts.max():
            template = _member_template(int(counts[0])) * (end - begin)
            values = rows
        else:
            template = "".join([_member_template(k) for k in counts.tolist()])
            values = rows
        text = template % tuple(values.ravel().tolist())
        yield (text[1:] if begin == 0 else text).encode()
    yield b"\n}\n"


def _export_one_server(guild_id: int, guild: GuildCopy) -> Iterator[bytes]:
    """`encode_export` of a bot in one server, with no totals waiting for one (fewer passes)."""
    values = guild.member_values
    keep = (values[SECONDS] > 0) | (values[SESSIONS] > 0)
    if bool(keep.all()):
        users, seconds, sessions = guild.member_keys, values[SECONDS], values[SESSIONS]
    else:
        users, seconds, sessions = (
            guild.member_keys[keep],
            values[SECONDS][keep],
            values[SESSIONS][keep],
        )
    _yield_gil()
    if not len(users):
        yield b"{}\n"
        return
    order = np.argsort(users)  # ids are unique in a server: any sort gives the one order
    _yield_gil()
    # Per member: id, total seconds, total sessions, then the same two for its one server.
    rows = np.empty((len(users), 5), dtype=np.int64)
    rows[:, 0] = users[order]
    _yield_gil()
    rows[:, 1] = seconds[order]
    rows[:, 3] = rows[:, 1]
    _yield_gil()
    rows[:, 2] = sessions[order]
    rows[:, 4] = rows[:, 2]
    _yield_gil()
    template = _member_template(1, guild_id)
    full = template * EXPORT_CHUNK
    yield b"{"
    for begin in range(0, len(rows), EXPORT_CHUNK):
        end = min(begin + EXPORT_CHUNK, len(rows))
        if begin:
            _yield_gil()
        chunk = full if end - begin == EXPORT_CHUNK else template * (end - begin)
        text = chunk % tuple(rows[begin:end].ravel().tolist())
        yield (text[1:] if begin == 0 else text).encode()
    yield b"\n}\n"


def _one_value(values: np.ndarray) -> bool:
    return bool(values.min() == values.max())


@functools.lru_cache(maxsize=256)
def _member_template(servers: int, server_id: int | None = None) -> str:
    r"""The `%d` template of one member listed with `servers` servers, after a comma.

    With `server_id` (and one server) the server's id is written in, not a `%d`:

    >>> _member_template(1, 5) % (7, 3, 1, 3, 1) == _member_template(1) % (7, 3, 1, 5, 3, 1)
    True
    >>> print(_member_template(1) % (7, 3, 1, 5, 3, 1))
    ,
      "7": {
        "total_seconds": 3,
        "sessions": 1,
        "guilds": {
          "5": {
            "total_seconds": 3,
            "sessions": 1
          }
        }
      }
    >>> _member_template(0).endswith('"guilds": {}\n  }')
    True
    """
    name = "%d" if server_id is None else str(server_id)
    block = f'      "{name}": {{\n        "total_seconds": %d,\n        "sessions": %d\n      }}'
    guilds = "{\n" + ",\n".join([block] * servers) + "\n    }" if servers else "{}"
    return (
        ',\n  "%d": {\n    "total_seconds": %d,\n    "sessions": %d,\n'
        f'    "guilds": {guilds}\n  }}'
    )


def decode_export(raw: bytes) -> Ledger:
    """Read a `DATA_FILE`'s bytes (current or original format) into a ledger.

    Every value is validated by `records.decode_export` first. Per-server
    totals go to their server. Totals with no server breakdown (the original
    format), and any part of a top-level total not covered by the breakdown,
    are kept as *unattributed* until the bot can tie them to one. Figures
    written as decimals (hand-edited files) lose their fraction.

    Raises:
        CorruptFileError: the content is not a ranking in either format.
    """
    try:
        entries = records.decode_export(raw)
    except RecordError as error:
        raise CorruptFileError(f"ranking file has unexpected content: {error}") from error
    ledger = Ledger()
    for user_id, entry in entries.items():
        covered_seconds = covered_sessions = 0
        for guild_id, figures in (entry.guilds or {}).items():
            guild_seconds, guild_sessions = int(figures.total_seconds), int(figures.sessions)
            guild = ledger.guilds.setdefault(guild_id, GuildLedger())
            guild.credit(user_id, guild_seconds, guild_sessions, (), 0, None)
            covered_seconds += guild_seconds
            covered_sessions += guild_sessions
        rest = (
            max(0, int(entry.total_seconds) - covered_seconds),
            max(0, int(entry.sessions) - covered_sessions),
        )
        if rest != (0, 0):
            ledger.unattributed[user_id] = rest
    return ledger
