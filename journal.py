"""An append-only, fsync'd journal of ledger records, one JSON line each.

Appends are grouped: while one batch is being written and fsync'd in a worker
thread, new records queue up and go out together in the next batch (group
commit), so the cost per record stays at the disk's floor under bursts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from database_lock import FILE_MODE, fsync_dir, quarantine

log = logging.getLogger(__name__)

Record = dict[str, Any]

RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0


def encode(record: Record) -> bytes:
    r"""One journal line.

    >>> encode({"seq": 1, "op": "reset", "g": 5})
    b'{"seq":1,"op":"reset","g":5}\n'
    """
    return (json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


@dataclass
class JournalContents:
    """What a journal file held when it was read."""

    records: list[Record] = field(default_factory=list)
    valid_bytes: int = 0
    torn_tail: bool = False
    corrupt_lines: int = 0


def read_journal(path: Path) -> JournalContents:
    """Parse a journal, tolerating a torn last line (a write cut short by a crash)."""
    contents = JournalContents()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return contents
    offset = 0
    lines = raw.split(b"\n")
    for number, line in enumerate(lines):
        last = number == len(lines) - 1
        if last and not line:
            break
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or "op" not in record:
                raise ValueError("not a record")
        except ValueError:
            if last:
                contents.torn_tail = True
                break
            contents.corrupt_lines += 1
            offset += len(line) + 1
            contents.valid_bytes = offset
            continue
        if last:
            # A complete JSON object without its newline: the crash came between
            # the two. The record was never acknowledged; drop it as torn.
            contents.torn_tail = True
            break
        contents.records.append(record)
        offset += len(line) + 1
        contents.valid_bytes = offset
    return contents


class Journal:
    """The durable, append-only half of the store."""

    def __init__(self, path: Path) -> None:
        """Open (creating if needed) the journal at `path` for appending."""
        self.path = path
        self._io = threading.Lock()
        self._fd: int | None = None
        self._pending: list[bytes] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._writer: asyncio.Task[None] | None = None
        self.failing_since: float | None = None
        self.unsaved = 0

    def load(self) -> list[Record]:
        """Read the existing records and make the file ready for appends (blocking)."""
        contents = read_journal(self.path)
        if contents.corrupt_lines:
            kept = quarantine(self.path, copy=True)
            log.error(
                "Journal %s had %d unreadable line(s); a copy was kept as %s and the "
                "readable records were used",
                self.path,
                contents.corrupt_lines,
                kept,
            )
        if contents.torn_tail:
            log.warning(
                "Journal %s ended in a torn line (a write cut short by a crash); it was ignored",
                self.path,
            )
        self._open(truncate_to=contents.valid_bytes if contents.torn_tail else None)
        return contents.records

    def _open(self, truncate_to: int | None = None) -> None:
        existed = self.path.exists()
        self._fd = os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, FILE_MODE)
        if truncate_to is not None:
            os.ftruncate(self._fd, truncate_to)
            os.fsync(self._fd)
        if not existed:
            fsync_dir(self.path.parent)

    # ------------------------------------------------------------------ appends

    def append(self, records: Iterable[Record]) -> asyncio.Future[None]:
        """Queue records for the disk; the future completes once they are fsync'd."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.extend(encode(record) for record in records)
        self._waiters.append(future)
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_loop(), name="journal-writer")
        return future

    async def flush(self) -> None:
        """Wait until everything queued so far is durable."""
        if self._waiters:
            await asyncio.gather(*self._waiters, return_exceptions=True)

    @property
    def pending(self) -> int:
        """Records queued but not yet durable."""
        return len(self._pending) + self.unsaved

    async def _write_loop(self) -> None:
        delay = RETRY_FIRST_SECONDS
        while self._pending:
            batch, waiters = self._pending, self._waiters
            self._pending, self._waiters = [], []
            self.unsaved = len(batch)
            try:
                await asyncio.to_thread(self._write, b"".join(batch))
            except OSError as error:
                self._pending = batch + self._pending
                self._waiters = waiters + self._waiters
                self.unsaved = 0
                if self.failing_since is None:
                    self.failing_since = asyncio.get_running_loop().time()
                    log.error(
                        "Cannot write the journal %s (%s); %d record(s) are kept in memory "
                        "and will be saved when writing works again",
                        self.path,
                        error,
                        len(self._pending),
                    )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                continue
            self.unsaved = 0
            if self.failing_since is not None:
                log.warning("Journal %s is writable again; pending records saved", self.path)
                self.failing_since = None
            delay = RETRY_FIRST_SECONDS
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def _write(self, data: bytes) -> None:
        with self._io:
            if self._fd is None:
                self._open()
            assert self._fd is not None
            start = os.lseek(self._fd, 0, os.SEEK_END)
            try:
                view = memoryview(data)
                while view:
                    written = os.write(self._fd, view)
                    view = view[written:]
                os.fsync(self._fd)
            except OSError:
                # Never leave half a batch behind: a later retry appends it whole.
                try:
                    os.ftruncate(self._fd, start)
                except OSError:
                    self._reopen_after_failure()
                raise

    def _reopen_after_failure(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
        self._fd = None

    # --------------------------------------------------------------- compaction

    def compact(self, keep_after: int, header: Record) -> None:
        """Rewrite the journal keeping `header` and the records with seq > `keep_after`.

        Blocking; safe to run in a worker thread while appends continue.
        """
        with self._io:
            contents = read_journal(self.path)
            kept = [header] + [r for r in contents.records if r.get("seq", 0) > keep_after]
            temp = self.path.with_name(f".{self.path.name}.compact.tmp")
            fd = os.open(temp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, FILE_MODE)
            try:
                os.write(fd, b"".join(encode(r) for r in kept))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, self.path)
            fsync_dir(self.path.parent)
            if self._fd is not None:
                os.close(self._fd)
            self._fd = None
            self._open()

    def close(self) -> None:
        """Close the file handle (pending records should be flushed first)."""
        with self._io:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
