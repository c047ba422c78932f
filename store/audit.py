"""The audit log: a JSONL record of every manual reset and adjustment, and every erasure.

Blocking I/O; the cogs call it from a worker thread. Each line is fsync'd before
the change it describes is applied. Entries are only ever appended, except that a
member who erases their data is no longer named in any entry of that server
(`AuditLog.forget_names`: the file is rewritten atomically without their names).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from database_lock import FILE_MODE, atomic_write_json, fsync_dir
from tracking.records import AuditLine, RecordError, decode_audit

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One manual change: who did it, when, to whom, what and why.

    A name is None when its member erased their data (`AuditLog.forget_names`).
    """

    at: str
    guild_id: int
    admin_id: int
    admin_name: str | None
    action: str
    user_id: int | None = None
    user_name: str | None = None
    seconds: int | None = None
    applied: int | None = None
    reason: str | None = None
    setting: str | None = None
    change: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON object (one audit log line)."""
        data: dict[str, Any] = {"at": self.at, "g": self.guild_id, "by": self.admin_id}
        if self.admin_name is not None:
            data["by_name"] = self.admin_name
        data["action"] = self.action
        optional = {
            "u": self.user_id,
            "name": self.user_name,
            "s": self.seconds,
            "applied": self.applied,
            "reason": self.reason,
            "setting": self.setting,
            "change": self.change,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        return data

    @classmethod
    def from_line(cls, line: AuditLine) -> AuditEntry:
        """An entry from a validated audit log line (`records.decode_audit`)."""
        return cls(
            at=line.at,
            guild_id=line.g,
            admin_id=line.by,
            admin_name=line.by_name,
            action=line.action,
            user_id=line.u,
            user_name=line.name,
            seconds=line.s,
            applied=line.applied,
            reason=line.reason,
            setting=line.setting,
            change=line.change,
        )


@dataclass(frozen=True, slots=True)
class AuditPage:
    """The newest entries of a server, and how many unreadable lines were passed over."""

    entries: list[AuditEntry]
    unreadable: int = 0


class AuditLog:
    """An append-only JSONL file of manual changes. Blocking: call it from a worker thread."""

    def __init__(self, path: Path) -> None:
        """Use the audit log at `path` (created on the first append, mode 0600)."""
        self.path = path
        self._lock = threading.Lock()

    def append(self, entry: AuditEntry) -> None:
        """Append one entry and fsync it; a failed write leaves no partial line behind.

        The entry always starts a line of its own: after a torn last line (a
        write cut short by a power loss) a newline is written first, so the torn
        line stays as it was (unreadable, skipped and reported) and the new
        entry stays readable.

        Raises:
            OSError: the entry could not be made durable.
        """
        line = (json.dumps(entry.to_json(), ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            created = not self.path.exists()
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR | os.O_APPEND, FILE_MODE)
            try:
                start = os.lseek(fd, 0, os.SEEK_END)
                if start and os.pread(fd, 1, start - 1) != b"\n":
                    line = b"\n" + line
                try:
                    view = memoryview(line)
                    while view:
                        view = view[os.write(fd, view) :]
                    os.fsync(fd)
                except OSError:
                    try:
                        os.ftruncate(fd, start)
                    except OSError:
                        log.warning("Não foi possível cortar uma linha incompleta de %s", self.path)
                    raise
            finally:
                os.close(fd)
            if created:
                fsync_dir(self.path.parent)

    def forget_names(self, guild_id: int, user_id: int) -> int:
        """Drop a member's names from every entry of a server (by them or about them).

        The log is rewritten atomically (temporary file, fsync, rename, fsync of the
        folder), each other line byte for byte, unreadable ones included. Returns how
        many entries lost a name.

        Raises:
            OSError: the log could not be read or rewritten (it is left as it was).
        """
        with self._lock:
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                return 0
            lines = raw.split(b"\n")
            changed = 0
            for number, line in enumerate(lines):
                renamed = _without_names(line, guild_id, user_id)
                if renamed is not None:
                    lines[number] = renamed
                    changed += 1
            if changed:
                atomic_write_json(self.path, [b"\n".join(lines)])
            return changed

    def member_entries(self, guild_id: int, user_id: int) -> list[AuditEntry]:
        """Every readable entry of a server by or about a member, oldest first.

        Raises:
            OSError: the log exists but could not be read.
        """
        return [
            entry
            for entry in self.read_all().entries
            if entry.guild_id == guild_id and user_id in (entry.admin_id, entry.user_id)
        ]

    def latest(self, guild_id: int, count: int, *, block: int = 1 << 16) -> AuditPage:
        """The newest `count` entries of a server, newest first (reads the file from its end).

        Lines that are not valid entries are skipped, counted in the page and
        logged at ERROR.
        """
        entries: list[AuditEntry] = []
        unreadable = 0
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return AuditPage(entries)
        with handle:
            end = handle.seek(0, os.SEEK_END)
            carry = b""
            while end > 0 and len(entries) < count:
                start = max(0, end - block)
                handle.seek(start)
                lines = (handle.read(end - start) + carry).split(b"\n")
                carry = lines.pop(0) if start > 0 else b""
                for entry in _entries(reversed(lines)):
                    if entry is None:
                        unreadable += 1
                    elif entry.guild_id == guild_id:
                        entries.append(entry)
                        if len(entries) == count:
                            break
                end = start
        if unreadable:
            log.error(
                "Linhas ilegíveis ignoradas no registro de auditoria %s: %d", self.path, unreadable
            )
        return AuditPage(entries, unreadable)

    def read_all(self) -> AuditPage:
        """Every entry of the log, oldest first, and how many unreadable lines were passed over.

        Reads the whole file (the audit log of manual changes stays small). Unreadable
        lines are skipped and counted, as in `latest`, without being logged here.

        Raises:
            OSError: the file exists but could not be read.
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return AuditPage([])
        entries: list[AuditEntry] = []
        unreadable = 0
        for entry in _entries(raw.split(b"\n")):
            if entry is None:
                unreadable += 1
            else:
                entries.append(entry)
        return AuditPage(entries, unreadable)


def _without_names(line: bytes, guild_id: int, user_id: int) -> bytes | None:
    """An entry's line without the member's names; None when it names nothing of theirs."""
    if not line.strip():
        return None
    try:
        entry = AuditEntry.from_line(decode_audit(line))
    except RecordError:
        return None  # kept byte for byte, as every reader skips it
    if entry.guild_id != guild_id:
        return None
    data = json.loads(line)
    dropped = False
    if entry.admin_id == user_id and data.pop("by_name", None) is not None:
        dropped = True
    if entry.user_id == user_id and data.pop("name", None) is not None:
        dropped = True
    return (json.dumps(data, ensure_ascii=False)).encode("utf-8") if dropped else None


def _entries(lines: Iterable[bytes]) -> Iterator[AuditEntry | None]:
    """Entries from raw lines, skipping blank ones; None for each unreadable one."""
    for line in lines:
        if not line.strip():
            continue
        try:
            yield AuditEntry.from_line(decode_audit(line))
        except RecordError:
            yield None
