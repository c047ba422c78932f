"""An append-only, fsync'd journal of ledger records, one JSON line each.

Appends are grouped: while one batch is being written and fsync'd in a worker
thread, new records queue up and go out together in the next batch (group
commit), so the cost per record stays at the disk's floor under bursts.

When the disk refuses a write (full, read-only, failing), the batch is kept in
memory and tried again with a growing pause; the error is logged once per
outage and the records' futures complete when they finally reach the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from database_lock import FILE_MODE, fsync_dir, temp_name
from tracking.records import Base, Record, RecordError, decode_record, encode_record

log = logging.getLogger(__name__)

RETRY_FIRST_SECONDS = 1.0
"""Pause before the first retry of a failed write; it doubles up to the maximum."""
RETRY_MAX_SECONDS = 30.0
YIELD_EVERY = 256
LOGGED_REJECTS = 20
"""Rejected journal lines logged one by one at start-up; the rest are counted in one line."""
"""Lines parsed or encoded between two hand-overs of the GIL (about a millisecond)."""


class JournalClosedError(RuntimeError):
    """Records were handed to a journal that is closed."""


def encode(record: Record) -> bytes:
    r"""One journal line (see `records.encode_record`).

    >>> from tracking.records import Reset
    >>> encode(Reset(g=5, seq=1))
    b'{"seq":1,"op":"reset","g":5}\n'
    """
    return encode_record(record) + b"\n"


@dataclass
class Rejected:
    """A journal line that is not a valid record: where it was and why."""

    number: int
    """1-based line number in the file (counted from where the reading started)."""
    raw: bytes
    reason: str


@dataclass
class JournalContents:
    """What a journal file held when it was read."""

    records: list[Record] = field(default_factory=list)
    valid_bytes: int = 0
    torn_tail: bool = False
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def corrupt_lines(self) -> int:
        """How many lines were not valid records."""
        return len(self.rejected)


def _lines(raw: bytes) -> Iterator[tuple[int, bytes, int]]:
    """(1-based number, line, offset after it) of each whole line; a torn tail is not one."""
    offset = 0
    lines = raw.split(b"\n")
    for number, line in enumerate(lines[:-1]):
        offset += len(line) + 1
        if number % YIELD_EVERY == YIELD_EVERY - 1:
            _yield_gil()
        yield number + 1, line, offset


def _read(path: Path, start: int, end: int | None) -> bytes:
    try:
        with path.open("rb") as handle:
            handle.seek(start)
            return handle.read() if end is None else handle.read(max(0, end - start))
    except FileNotFoundError:
        return b""


def read_journal(path: Path, start: int = 0, end: int | None = None) -> JournalContents:
    r"""Parse a journal, tolerating a torn last line (a write cut short by a crash).

    A last line without its newline is torn even if it parses: records are
    acknowledged only once their whole batch, newline included, is on disk.
    Every line is validated (`records.decode_record`); one that is not a valid
    record is listed in `rejected`, byte for byte, and skipped. `start` and `end`
    limit the reading to a byte range (from a line start).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "j.jsonl"
    ...     good = b'{"seq":1,"op":"reset","g":5}\n'
    ...     _ = path.write_bytes(good + b'{"seq":2,"op":"reset","g":"5"}\n' + good[:9])
    ...     contents = read_journal(path)
    >>> [r.seq for r in contents.records], contents.torn_tail, contents.valid_bytes
    ([1], True, 60)
    >>> [(r.number, r.reason) for r in contents.rejected]
    [(2, 'Expected `int`, got `str` - at `$.g`')]
    """
    contents = JournalContents()
    raw = _read(path, start, end)
    contents.torn_tail = not raw.endswith(b"\n") and bool(raw)
    for number, line, offset in _lines(raw):
        contents.valid_bytes = offset
        if not line.strip():
            continue  # an empty line holds nothing to lose
        try:
            contents.records.append(decode_record(line))
        except RecordError as error:
            contents.rejected.append(Rejected(number, line, str(error)))
    return contents


def _yield_gil() -> None:
    """Let a thread waiting for the GIL (the event loop, when this runs in a worker) run now."""
    time.sleep(0)


def _identity(path: Path) -> tuple[int, int, int] | None:
    """(device, inode, size) of the file at `path`, None when there is none."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_size


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Journal:
    """The durable, append-only half of the store."""

    def __init__(self, path: Path, rejected: Path | None = None) -> None:
        """Use the journal at `path`; `load` reads it and opens it for appending.

        Lines that are not valid records are kept in `rejected` (by default
        `<journal stem>.rejected.jsonl` beside it).
        """
        self.path = path
        self.rejected_path = rejected or path.with_name(f"{path.stem}.rejected{path.suffix}")
        self._io = threading.Lock()
        self._fd: int | None = None
        self._pending: list[bytes] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._writer: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._closing = False
        self._closed = False
        self.failing_since: float | None = None
        self.last_write: float | None = None
        """When (`time.monotonic()`) the last batch was fsync'd; None: not yet."""
        self.on_write: Callable[[float], None] | None = None
        """Called on the event loop with each batch's write + fsync duration (seconds)."""
        self._rejected_seen: set[bytes] = set()

    def load(self) -> JournalContents:
        """Read the existing records and make the file ready for appends (blocking).

        A line that is not a valid record is appended, byte for byte, to the
        rejected file, logged at ERROR with its line number and skipped (the next
        compaction drops it from the journal). A torn last line is dropped, logged
        and cut off the file, so the next append starts on a clean line.

        Raises:
            OSError: the rejected lines could not be kept aside (nothing was cut).
        """
        contents = read_journal(self.path)
        if contents.rejected:
            self._keep_rejected(contents.rejected)
        if contents.torn_tail:
            log.warning(
                "O journal %s terminava numa linha incompleta (gravação interrompida por uma "
                "queda); ela foi ignorada e cortada",
                self.path,
            )
        self._open(truncate_to=contents.valid_bytes if contents.torn_tail else None)
        return contents

    def _keep_rejected(self, rejected: list[Rejected]) -> None:
        """Append the rejected lines to the rejected file (fsync'd, 0600) and log each."""
        created = not self.rejected_path.exists()
        fd = os.open(self.rejected_path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            _write_all(fd, b"".join(line.raw + b"\n" for line in rejected))
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.rejected_path.parent)
        self._rejected_seen.update(line.raw for line in rejected)
        for line in rejected[:LOGGED_REJECTS]:
            log.error(
                "Linha %d do journal %s rejeitada (%s): não foi aplicada; guardada em %s",
                line.number,
                self.path,
                line.reason,
                self.rejected_path,
            )
        if len(rejected) > LOGGED_REJECTS:
            log.error(
                "Outras linhas rejeitadas do journal %s, também guardadas em %s: %d",
                self.path,
                self.rejected_path,
                len(rejected) - LOGGED_REJECTS,
            )

    def _open(self, truncate_to: int | None = None) -> None:
        existed = self.path.exists()
        fd = os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            if truncate_to is not None:
                os.ftruncate(fd, truncate_to)
                os.fsync(fd)
            if not existed:
                fsync_dir(self.path.parent)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    # ------------------------------------------------------------------ appends

    def append(self, records: Iterable[Record]) -> asyncio.Future[None]:
        """Queue records for the disk; the future completes once they are fsync'd.

        Raises:
            JournalClosedError: the journal was closed.
        """
        return self.append_lines([encode(record) for record in records])

    def append_lines(self, lines: Iterable[bytes]) -> asyncio.Future[None]:
        """Queue encoded records (`encode`, newline included); see `append`.

        Raises:
            JournalClosedError: the journal was closed.
        """
        if self._closing or self._closed:
            raise JournalClosedError(f"{self.path} is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.extend(lines)
        self._waiters.append(future)
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_loop(), name="journal-writer")
        return future

    async def _write_loop(self) -> None:
        delay = RETRY_FIRST_SECONDS
        while self._pending and not self._closed:
            batch, waiters = self._pending, self._waiters
            self._pending, self._waiters = [], []
            try:
                duration = await asyncio.to_thread(self._write, b"".join(batch))
            except JournalClosedError:
                return  # closed under us (the process is going away)
            except OSError as error:
                self._pending = batch + self._pending
                self._waiters = waiters + self._waiters
                self._report_failure(error)
                if self._closing:
                    return  # `close` settles what is left
                await self._pause(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                continue
            if self.failing_since is not None:
                log.warning(
                    "O journal %s voltou a aceitar gravações; registros pendentes salvos", self.path
                )
                self.failing_since = None
            delay = RETRY_FIRST_SECONDS
            self.last_write = time.monotonic()
            if self.on_write is not None:
                self.on_write(duration)
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def _report_failure(self, error: OSError) -> None:
        if self.failing_since is None:
            self.failing_since = asyncio.get_running_loop().time()
            log.error(
                "Não foi possível gravar o journal %s (%s); os registros pendentes (%d) ficam "
                "na memória e serão salvos quando a gravação voltar a funcionar",
                self.path,
                error,
                len(self._pending),
            )

    async def _pause(self, seconds: float) -> None:
        """Sleep before a retry; `close` cuts it short."""
        if self._wake is None:
            self._wake = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def _write(self, data: bytes) -> float:
        """Append `data` and fsync it (blocking); how long that took, in seconds."""
        with self._io:
            if self._closed:
                raise JournalClosedError(f"{self.path} is closed")
            if self._fd is None:
                self._open()
            assert self._fd is not None
            start = os.lseek(self._fd, 0, os.SEEK_END)
            started = time.perf_counter()
            try:
                _write_all(self._fd, data)
                os.fsync(self._fd)
            except OSError:
                # Never leave half a batch behind: a later retry appends it whole.
                try:
                    os.ftruncate(self._fd, start)
                except OSError:
                    self._drop_fd()
                raise
            return time.perf_counter() - started

    def _drop_fd(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = None

    # --------------------------------------------------------------- compaction

    def compact(self, keep_after: int, header: Base) -> None:
        """Rewrite the journal keeping `header` and the records with seq > `keep_after`.

        Blocking and crash-safe (temp file, fsync, rename, fsync of the folder);
        safe to run in a worker thread while appends continue. The records on
        disk are read, filtered and written out before the lock is taken; under
        it only the lines appended meanwhile are, so appends wait for a rename,
        not for a parse of the whole journal.
        """

        def kept(start: int = 0, end: int | None = None) -> bytes:
            lines, unseen = [], []
            for number, line, _ in _lines(_read(self.path, start, end)):
                if not line.strip():
                    continue
                try:
                    record = decode_record(line)
                except RecordError as error:
                    if line not in self._rejected_seen:  # damaged since start-up: keep it too
                        unseen.append(Rejected(number, line, str(error)))
                    continue
                if not isinstance(record, Base) and (record.seq or 0) > keep_after:
                    lines.append(line + b"\n")  # byte for byte, as it was written
            if unseen:
                self._keep_rejected(unseen)
            return b"".join(lines)

        with self._io:
            if self._closed:
                raise JournalClosedError(f"{self.path} is closed")
            before = _identity(self.path)
        temp = temp_name(self.path, "compact")
        fd = os.open(temp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            # Appends only add whole batches after `before`; a failed one cuts back to its start.
            _write_all(fd, encode(header) + (kept(0, before[2]) if before else b""))
            os.fsync(fd)
            with self._io:
                if self._closed:
                    raise JournalClosedError(f"{self.path} is closed")
                now = _identity(self.path)
                if before and now and now[:2] == before[:2] and now[2] >= before[2]:
                    _write_all(fd, kept(before[2]))
                else:  # the file changed under us: start again, whole
                    os.ftruncate(fd, 0)
                    os.lseek(fd, 0, os.SEEK_SET)
                    _write_all(fd, encode(header) + kept())
                os.fsync(fd)
                os.close(fd)
                fd = -1
                os.replace(temp, self.path)
                self._drop_fd()
                fsync_dir(self.path.parent)
                self._open()
        except BaseException:
            if fd >= 0:
                os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise

    # ------------------------------------------------------------------ closing

    async def shutdown(self, *, covered: bool) -> int:
        """Write what is queued, then close; how many records never reached the journal.

        A healthy writer finishes its queue. A failing one gets one more try and
        then gives up: its records' futures complete normally when `covered`
        (they were saved another way, in a snapshot), and fail otherwise.
        """
        self._closing = True
        if self._wake is not None:
            self._wake.set()
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
        unsaved = len(self._pending)
        waiters, self._pending, self._waiters = self._waiters, [], []
        for waiter in waiters:
            if waiter.done():
                continue
            if covered:
                waiter.set_result(None)
            else:
                waiter.set_exception(OSError(f"{self.path}: records could not be written"))
                waiter.exception()  # reported by `Store.close`; no "never retrieved" noise
        self.close()
        return unsaved

    def close(self) -> None:
        """Close the file handle now; nothing queued is written after this (blocking)."""
        with self._io:
            self._closed = True
            self._drop_fd()
