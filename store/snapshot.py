"""Turning the ledger into files and back: the state snapshot and the `DATA_FILE` export.

Encoding runs in a worker thread over copies taken on the event loop. It works
in chunks of about a millisecond and hands the GIL over between them
(`time.sleep(0)`), so the event loop waits for at most one chunk instead of the
interpreter's 5 ms switch interval.
"""

from __future__ import annotations

import itertools
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

STATE_VERSION = 1
CHUNK = 4_096
"""Numbers turned into text in one go (about 0.5 ms)."""
EXPORT_CHUNK = 1_024
"""Members written to the export in one go (about 1.5 ms)."""


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


# ----------------------------------------------------------------------- state


def _yield_gil() -> None:
    """Let a thread waiting for the GIL (the event loop) run now."""
    time.sleep(0)


def _ints(values: np.ndarray) -> Iterator[str]:
    yield "["
    for start in range(0, len(values), CHUNK):
        if start:
            yield ","
            _yield_gil()
        yield ",".join(map(str, values[start : start + CHUNK].tolist()))
    yield "]"


def encode_state(snapshot: LedgerCopy) -> Iterator[bytes]:
    """The state file, as chunks of compact JSON."""

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
            yield from _ints(guild.member_keys)
            for name, column in (("seconds", 0), ("sessions", 1), ("longest", 2), ("adjusted", 3)):
                yield f',"{name}":'
                yield from _ints(guild.member_values[column])
            yield ',"days":{'
            for day_number, (day, (rows, values)) in enumerate(sorted(guild.days.items())):
                yield ("," if day_number else "") + f'"{date.fromordinal(day).isoformat()}":'
                yield '{"rows":'
                yield from _ints(rows)
                yield ',"seconds":'
                yield from _ints(values[SECONDS])
                yield ',"sessions":'
                yield from _ints(values[SESSIONS])
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
    """Rebuild a ledger from a state file's bytes; also the exports it lists.

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
    for guild_id, saved in state.guilds.items():
        guild = GuildLedger()
        # States written before manual adjustments were kept apart have no "adjusted".
        adjusted = saved.adjusted if saved.adjusted is not None else [0] * len(saved.users)
        guild.members = Table.from_columns(
            saved.users, saved.seconds, saved.sessions, saved.longest, adjusted
        )
        for day, table in saved.days.items():
            guild.days[day.toordinal()] = DayTable.from_columns(
                table.rows, table.seconds, table.sessions
            )
        ledger.guilds[guild_id] = guild
    return ledger, state.export_list()


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
    users, guilds = np.concatenate(user_parts), np.concatenate(guild_parts)
    order = np.lexsort((guilds, users))
    users, guilds = users[order], guilds[order]
    seconds = np.concatenate(seconds_parts)[order]
    sessions = np.concatenate(sessions_parts)[order]
    if not len(users):
        yield b"{}\n"
        return
    # Cut into chunks of about EXPORT_CHUNK rows, never inside one member's rows, and turn
    # one chunk at a time into Python values: the GIL is never held for long.
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    cuts = np.searchsorted(starts, np.arange(0, len(users), EXPORT_CHUNK))
    bounds = [*np.unique(starts[cuts[cuts < len(starts)]]).tolist(), len(users)]
    yield b"{"
    for number, (begin, end) in enumerate(itertools.pairwise(bounds)):
        _yield_gil()
        yield _export_members(
            users[begin:end].tolist(),
            guilds[begin:end].tolist(),
            seconds[begin:end].tolist(),
            sessions[begin:end].tolist(),
            first=number == 0,
        ).encode()
    yield b"\n}\n"


def _export_members(
    users: list[int], guilds: list[int], seconds: list[int], sessions: list[int], *, first: bool
) -> str:
    """The export text of whole members' rows (sorted by member, then server; -1 = none)."""
    out: list[str] = []
    index, count = 0, len(users)
    while index < count:
        user = users[index]
        end = index
        while end < count and users[end] == user:
            end += 1
        total = sum(seconds[index:end])
        total_sessions = sum(sessions[index:end])
        blocks = [
            f'      "{guilds[i]}": {{\n        "total_seconds": {seconds[i]},\n'
            f'        "sessions": {sessions[i]}\n      }}'
            for i in range(index, end)
            if guilds[i] >= 0
        ]
        guild_json = "{\n" + ",\n".join(blocks) + "\n    }" if blocks else "{}"
        out.append(
            ("\n" if first and index == 0 else ",\n")
            + f'  "{user}": {{\n    "total_seconds": {total},\n    "sessions": {total_sessions},\n'
            f'    "guilds": {guild_json}\n  }}'
        )
        index = end
    return "".join(out)


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
