"""The schema of everything the store reads back from disk, validated in one step.

Journal records, the state file, the `DATA_FILE` export and audit log lines are
decoded with msgspec into typed, strict Structs: a field of the wrong type (text
or a bool where a number goes, a string id), a missing field, an unknown `op`, a
number out of range (negative seconds, an id beyond 64 bits, `1e309`), NaN or
Infinity (not JSON at all) or a timestamp without a time zone makes the whole
record fail with `RecordError`, so it is never applied. Unknown extra fields are
ignored. The on-disk format is the one the bot always wrote (one-letter keys).

Every change is built as one of these Structs (`Credit`, `Adjust`, `Reset`, `Erase`,
`AttributeLegacy`; the journal's header is `Base`), and `encode_record` writes it.

>>> record = decode_record(b'{"seq":3,"op":"reset","g":5}')
>>> record
Reset(g=5, u=None, seq=3)
>>> decode_record(b'{"seq":3,"op":"reset","g":"5"}')
Traceback (most recent call last):
...
tracking.records.RecordError: Expected `int`, got `str` - at `$.g`
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
import numpy as np
from msgspec import Meta, Struct

MAX_ID = 2**63 - 1
"""Ids and totals are kept as signed 64-bit integers (Discord ids fit until 2084)."""
MAX_RECORD_SECONDS = 100 * 366 * 86_400
"""No single record moves more than a century of seconds: int64 totals cannot wrap."""
SNOWFLAKE_MIN = 10**16
"""The smallest 17-digit id: `DATA_FILE` keys are Discord snowflakes (17 to 20 digits)."""

Id = Annotated[int, Meta(ge=1, le=MAX_ID)]
Snowflake = Annotated[int, Meta(ge=SNOWFLAKE_MIN, le=MAX_ID)]
Seq = Annotated[int, Meta(ge=1, le=MAX_ID)]
SnapshotSeq = Annotated[int, Meta(ge=0, le=MAX_ID)]
Seconds = Annotated[int, Meta(ge=0, le=MAX_RECORD_SECONDS)]
SignedSeconds = Annotated[int, Meta(ge=-MAX_RECORD_SECONDS, le=MAX_RECORD_SECONDS)]
Ordinal = Annotated[int, Meta(ge=1, le=date.max.toordinal())]
Total = Annotated[int, Meta(ge=0, le=MAX_ID)]
SignedTotal = Annotated[int, Meta(ge=-MAX_ID, le=MAX_ID)]
Row = Annotated[int, Meta(ge=0, le=2**31 - 1)]
Sha256 = Annotated[str, Meta(pattern="^[0-9a-f]{64}$")]
Figure = Total | Annotated[float, Meta(ge=0.0, le=float(2**62))]
"""A `DATA_FILE` figure: hand-edited files may hold finite floats (truncated on load)."""


class RecordError(ValueError):
    """Bytes or values that are not a valid record of the given kind."""


def check_timestamp(text: str) -> None:
    """Raise `ValueError` unless `text` is an ISO-8601 time with a time zone.

    >>> check_timestamp("2026-01-01T00:00:00+00:00")
    >>> check_timestamp("2026-01-01T00:00:00")
    Traceback (most recent call last):
    ...
    ValueError: timestamp '2026-01-01T00:00:00' has no time zone
    """
    if datetime.fromisoformat(text).tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")


# ---------------------------------------------------------------- journal records


class Credit(Struct, tag="credit", tag_field="op", kw_only=True, frozen=True):
    """Camera seconds (split by local day) and maybe one session, for one member."""

    g: Id
    u: Id
    s: Seconds
    n: Literal[0, 1]
    days: list[tuple[Ordinal, Seconds]] = []
    day: Ordinal | None = None
    long: Seconds = 0
    open: bool = False
    start: str | None = None
    credited: Seconds = 0
    seq: Seq | None = None

    def __post_init__(self) -> None:
        """An open session names its aware start time."""
        if self.start is not None:
            check_timestamp(self.start)
        elif self.open:
            raise ValueError("an open session needs its start time")


class Adjust(Struct, tag="adjust", tag_field="op", kw_only=True, frozen=True):
    """Seconds added (or, when negative, removed) by hand on a local day."""

    g: Id
    u: Id
    s: SignedSeconds
    day: Ordinal
    seq: Seq | None = None

    def __post_init__(self) -> None:
        """An adjustment changes something."""
        if self.s == 0:
            raise ValueError("an adjustment of zero seconds")


class Reset(Struct, tag="reset", tag_field="op", kw_only=True, frozen=True):
    """A member's figures (or, without `u`, a whole server's) erased."""

    g: Id
    u: Id | None = None
    seq: Seq | None = None


class Erase(Struct, tag="erase", tag_field="op", kw_only=True, frozen=True):
    """A member's figures and per-day history in one server deleted, at their request.

    Unlike a reset, which leaves the member known at zero, nothing of the member stays
    in the server's figures: the next snapshot (JSON) or fold (PostgreSQL) holds no row
    of theirs, and their running session ends uncounted.
    """

    g: Id
    u: Id
    seq: Seq | None = None


class AttributeLegacy(Struct, tag="attribute_legacy", tag_field="op", kw_only=True, frozen=True):
    """Totals of the original file format tied to one server."""

    g: Id
    seq: Seq | None = None


class Base(Struct, tag="base", tag_field="op", kw_only=True, frozen=True):
    """The journal's header: the exports (seq, SHA-256) `DATA_FILE` may hold."""

    snapshots: list[tuple[SnapshotSeq, Sha256]] = []


Change = Credit | Adjust | Reset | Erase | AttributeLegacy
"""A record that changes the ledger."""
Record = Change | Base
"""Any journal line."""

_record_decoder = msgspec.json.Decoder(Record, strict=True)


def _error(error: Exception) -> RecordError:
    return RecordError(str(error))


def decode_record(raw: bytes) -> Record:
    """One journal line, validated; every change on disk carries its sequence number.

    Raises:
        RecordError: not valid JSON, or not a valid record.
    """
    try:
        record = _record_decoder.decode(raw)
    except (msgspec.DecodeError, RecursionError) as error:
        raise _error(error) from error
    if not isinstance(record, Base) and record.seq is None:
        raise RecordError("a journal record without its sequence number")
    return record


def decode_change(raw: bytes) -> Change:
    """One journal line that must be a change (not the header), validated.

    >>> decode_change(b'{"seq":1,"op":"base"}')
    Traceback (most recent call last):
    ...
    tracking.records.RecordError: a journal change was expected, not its header

    Raises:
        RecordError: not valid JSON, or not a valid change with its sequence number.
    """
    record = decode_record(raw)
    if isinstance(record, Base):
        raise RecordError("a journal change was expected, not its header")
    return record


_encoder = msgspec.json.Encoder()


def encode_record(record: Record) -> bytes:
    """One journal line, without its newline, in the format the bot always wrote.

    The sequence number comes first, then `op`, then the fields that hold a value
    (None is left out), in schema order: the bytes the dict records of earlier
    versions were written as. Encoding does not validate; `decode_record` does.

    >>> encode_record(Reset(g=5, seq=1))
    b'{"seq":1,"op":"reset","g":5}'
    >>> encode_record(Adjust(g=5, u=7, s=-60, day=739000, seq=2))
    b'{"seq":2,"op":"adjust","g":5,"u":7,"s":-60,"day":739000}'
    >>> encode_record(Base(snapshots=[(3, "ab")]))
    b'{"op":"base","snapshots":[[3,"ab"]]}'
    """
    line: dict[str, Any] = {}
    seq = getattr(record, "seq", None)
    if seq is not None:
        line["seq"] = seq
    line["op"] = record.__struct_config__.tag
    for name, value in zip(record.__struct_fields__, msgspec.structs.astuple(record), strict=True):
        if value is not None and name != "seq":
            line[name] = value
    return _encoder.encode(line)


# -------------------------------------------------------------------- state file


class DayState(Struct, frozen=True):
    """One local day of a server, as member rows and parallel figures."""

    rows: list[Row]
    seconds: list[Total]
    sessions: list[Total]

    def __post_init__(self) -> None:
        """Columns align and a member appears once."""
        if not len(self.rows) == len(self.seconds) == len(self.sessions):
            raise ValueError("day columns differ in length")
        if len(set(self.rows)) != len(self.rows):
            raise ValueError("a day lists a member row twice")


class GuildState(Struct, frozen=True):
    """One server's members as parallel columns, and its days."""

    users: list[Id]
    seconds: list[Total]
    sessions: list[Total]
    longest: list[Total]
    days: dict[date, DayState]
    adjusted: list[SignedTotal] | None = None
    """Absent in states written before manual adjustments were kept apart (zeros)."""

    def __post_init__(self) -> None:
        """Columns align, a member appears once, days name known rows only."""
        size = len(self.users)
        columns = (self.seconds, self.sessions, self.longest, self.adjusted or self.users)
        if any(len(column) != size for column in columns):
            raise ValueError("member columns differ in length")
        if len(set(self.users)) != size:
            raise ValueError("a member is listed twice")
        for day, table in self.days.items():
            if table.rows and max(table.rows) >= size:
                raise ValueError(f"day {day} names a member row that does not exist")


class StateFile(Struct, frozen=True, tag=1, tag_field="version"):
    """The full state snapshot (`video_ranking.state.json`), version 1: numbers as JSON lists.

    Written until columns became packed (`StateFileV2`); still read, so no upgrade loses data.
    """

    seq: SnapshotSeq
    unattributed: dict[Id, tuple[Total, Total]]
    open_sessions: list[tuple[Id, Id, str, Total]]
    guilds: dict[Id, GuildState]
    exports: list[tuple[SnapshotSeq, Sha256] | Sha256] = []
    """(seq, SHA-256) of the exports `DATA_FILE` may hold; older states listed bare digests."""

    def __post_init__(self) -> None:
        """Open sessions start at aware times."""
        for _, _, start, _ in self.open_sessions:
            check_timestamp(start)

    def export_list(self) -> list[tuple[int, str]]:
        """The exports as (seq, digest); a bare digest was written at the state's own seq."""
        return [(self.seq, entry) if isinstance(entry, str) else entry for entry in self.exports]


# The columns of a version 2 state: little-endian integers, base64 inside the JSON.

ColumnDtype = Literal["<i1", "<i2", "<i4", "<i8"]
COLUMN_DTYPES: tuple[ColumnDtype, ...] = ("<i1", "<i2", "<i4", "<i8")
"""Widths a packed column may use; the encoder picks the narrowest that holds its values."""


class Column(Struct, array_like=True, frozen=True):
    """A packed column: `[dtype, base64 of the little-endian values]`.

    >>> import numpy as np
    >>> column = Column.pack(np.array([3, -1, 300]))
    >>> column.dtype, column.values().tolist()
    ('<i2', [3, -1, 300])
    >>> msgspec.json.encode(column)
    b'["<i2","AwD//ywB"]'
    """

    dtype: ColumnDtype
    data: bytes

    def __post_init__(self) -> None:
        """The bytes hold whole values."""
        if len(self.data) % np.dtype(self.dtype).itemsize:
            raise ValueError(f"a {self.dtype} column of {len(self.data)} bytes")

    @classmethod
    def pack(cls, values: np.ndarray) -> Column:
        """Pack int64 values in the narrowest width that holds them all."""
        dtype = narrowest_dtype(values)
        return cls(dtype, values.astype(dtype).tobytes())

    def values(self) -> np.ndarray:
        """The values, read-only, in their packed width (no copy)."""
        return np.frombuffer(self.data, dtype=self.dtype)

    def __len__(self) -> int:
        return len(self.data) // np.dtype(self.dtype).itemsize


def narrowest_dtype(values: np.ndarray) -> ColumnDtype:
    """The narrowest of `COLUMN_DTYPES` that holds every value.

    >>> import numpy as np
    >>> narrowest_dtype(np.array([0, 127])), narrowest_dtype(np.array([-129]))
    ('<i1', '<i2')
    >>> narrowest_dtype(np.array([2**40])), narrowest_dtype(np.array([], dtype=np.int64))
    ('<i8', '<i1')
    """
    if not len(values):
        return COLUMN_DTYPES[0]
    low, high = int(values.min()), int(values.max())
    for dtype in COLUMN_DTYPES:
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return dtype
    return COLUMN_DTYPES[-1]


def _check_range(column: Column, low: int, high: int, what: str) -> None:
    values = column.values()
    if len(values) and (int(values.min()) < low or int(values.max()) > high):
        raise ValueError(f"{what} out of range ({low} to {high})")


def _check_unique(values: np.ndarray, what: str) -> None:
    ordered = np.sort(values)
    if bool((ordered[1:] == ordered[:-1]).any()):
        raise ValueError(f"{what} listed twice")


class PackedDay(Struct, frozen=True):
    """One local day of a server, packed: member rows and parallel figures."""

    rows: Column
    seconds: Column
    sessions: Column

    def __post_init__(self) -> None:
        """Columns align, rows and figures are in range, a member appears once."""
        if not len(self.rows) == len(self.seconds) == len(self.sessions):
            raise ValueError("day columns differ in length")
        _check_range(self.rows, 0, 2**31 - 1, "a day's member row")
        _check_range(self.seconds, 0, MAX_ID, "a day's seconds")
        _check_range(self.sessions, 0, MAX_ID, "a day's sessions")
        _check_unique(self.rows.values(), "a day's member row")


class PackedGuild(Struct, frozen=True):
    """One server's members as packed parallel columns, and its days."""

    users: Column
    seconds: Column
    sessions: Column
    longest: Column
    adjusted: Column
    days: dict[date, PackedDay]

    def __post_init__(self) -> None:
        """Columns align, values are in range, a member appears once, days name known rows."""
        size = len(self.users)
        if any(len(c) != size for c in (self.seconds, self.sessions, self.longest, self.adjusted)):
            raise ValueError("member columns differ in length")
        _check_range(self.users, 1, MAX_ID, "a member id")
        for name in ("seconds", "sessions", "longest"):
            _check_range(getattr(self, name), 0, MAX_ID, f"a member's {name}")
        _check_range(self.adjusted, -MAX_ID, MAX_ID, "a member's adjustment")
        _check_unique(self.users.values(), "a member")
        for day, table in self.days.items():
            if len(table.rows) and int(table.rows.values().max()) >= size:
                raise ValueError(f"day {day} names a member row that does not exist")


class StateFileV2(Struct, frozen=True, tag=2, tag_field="version"):
    """The full state snapshot, version 2: the big integer columns packed (`Column`).

    Loads without turning millions of numbers into Python objects one by one.
    """

    seq: SnapshotSeq
    unattributed: dict[Id, tuple[Total, Total]]
    open_sessions: list[tuple[Id, Id, str, Total]]
    guilds: dict[Id, PackedGuild]
    exports: list[tuple[SnapshotSeq, Sha256]] = []
    """(seq, SHA-256) of the exports `DATA_FILE` may hold."""

    def __post_init__(self) -> None:
        """Open sessions start at aware times."""
        for _, _, start, _ in self.open_sessions:
            check_timestamp(start)

    def export_list(self) -> list[tuple[int, str]]:
        """The exports as (seq, digest)."""
        return list(self.exports)


AnyState = StateFile | StateFileV2
"""A state file of any version the store can read."""

_state_decoder = msgspec.json.Decoder(AnyState, strict=True)


def decode_state(raw: bytes) -> AnyState:
    """A state file's bytes (any known version), validated.

    Raises:
        RecordError: not valid JSON, or not a valid state.
    """
    try:
        return _state_decoder.decode(raw)
    except (msgspec.DecodeError, RecursionError) as error:
        raise _error(error) from error


# ------------------------------------------------------------------ DATA_FILE


class ExportFigures(Struct, frozen=True):
    """A member's totals in one server."""

    total_seconds: Figure = 0
    sessions: Figure = 0


class ExportEntry(Struct, frozen=True):
    """A member's totals over every server; `guilds` is absent in the original format."""

    total_seconds: Figure = 0
    sessions: Figure = 0
    guilds: dict[Snowflake, ExportFigures] | None = None


_export_decoder = msgspec.json.Decoder(dict[Snowflake, ExportEntry], strict=True)


def decode_export(raw: bytes) -> dict[int, ExportEntry]:
    """A `DATA_FILE`'s bytes (current or original format), validated, keyed by user id.

    >>> decode_export(b'{"123456789012345678": {"total_seconds": 5}}')
    {123456789012345678: ExportEntry(total_seconds=5, sessions=0, guilds=None)}

    Raises:
        RecordError: not valid JSON, or not a ranking.
    """
    try:
        return _export_decoder.decode(raw)
    except (msgspec.DecodeError, RecursionError) as error:
        raise _error(error) from error


# -------------------------------------------------------------------- audit log


AuditAction = Literal["adjust", "reset", "config", "erase"]
"""What an audit entry records: an adjustment, a reset, a settings change, a member's erasure."""


class AuditLine(Struct, kw_only=True, frozen=True):
    """One audit log line: who changed what, when and why."""

    at: str
    g: Id
    by: Id
    action: AuditAction
    by_name: str | None = None
    u: Id | None = None
    name: str | None = None
    s: SignedSeconds | None = None
    applied: SignedSeconds | None = None
    reason: str | None = None
    setting: str | None = None
    """The setting a `config` entry changed (`sequencia`, `fuso`, ...)."""
    change: str | None = None
    """What a `config` entry changed, as shown to admins (`15min → 30min`)."""

    def __post_init__(self) -> None:
        """The time of the change is aware."""
        check_timestamp(self.at)


_audit_decoder = msgspec.json.Decoder(AuditLine, strict=True)


def decode_audit(raw: bytes) -> AuditLine:
    """One audit log line, validated.

    Raises:
        RecordError: not valid JSON, or not an audit entry.
    """
    try:
        return _audit_decoder.decode(raw)
    except (msgspec.DecodeError, RecursionError) as error:
        raise _error(error) from error
