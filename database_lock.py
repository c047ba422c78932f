"""File locking (portalocker) and crash-safe JSON file I/O.

Everything here blocks (fsync, lock waits): call it from a worker thread, never
from the event loop.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import logging
import os
import stat
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import portalocker

log = logging.getLogger(__name__)

FILE_MODE = 0o600


class FileLockError(RuntimeError):
    """The lock could not be taken in time."""


class CorruptFileError(ValueError):
    """A data file exists but cannot be read as the JSON it should hold."""


LOCK_CHECK_SECONDS = 0.01
"""How often a waiting `acquire_file_lock` tries the lock again."""


def _open_lock_file(lock_path: Path) -> None:
    fd = os.open(lock_path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def acquire_file_lock(lock_path: Path, *, timeout: float = 0.0) -> portalocker.Lock:
    """Take an exclusive lock on a dedicated, never-replaced lock file and return it.

    The caller releases it with `.release()`. With `timeout=0` a held lock fails
    at once; otherwise the lock is tried again every `LOCK_CHECK_SECONDS` until
    `timeout` seconds have passed (the OS call itself never blocks).

    Raises:
        FileLockError: another process holds the lock.
    """
    _open_lock_file(lock_path)
    lock = portalocker.Lock(
        lock_path,
        mode="a",
        timeout=max(0.0, timeout),
        check_interval=LOCK_CHECK_SECONDS,
        fail_when_locked=False,
        flags=portalocker.LockFlags.EXCLUSIVE | portalocker.LockFlags.NON_BLOCKING,
    )
    try:
        lock.acquire()
    except portalocker.exceptions.LockException as error:
        raise FileLockError(f"{lock_path} is locked by another process") from error
    return lock


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_name(path: Path, purpose: str = "") -> Path:
    """The temporary file beside `path` used while writing it.

    Hidden, named after `path`, ending in `.tmp`, so `remove_temp_files` finds
    the ones a crash left behind.

    >>> temp_name(Path("/d/video_ranking.json"), "export").name
    '.video_ranking.json.export.tmp'
    """
    return path.with_name(f".{path.name}.{purpose or os.getpid()}.tmp")


def remove_temp_files(folder: Path, prefixes: Iterable[str]) -> list[Path]:
    """Delete the `*.tmp` files in `folder` whose names start with one of `prefixes`.

    Leftovers of writes cut short by a crash. Only safe while holding the lock
    of the files they belong to. A folder of such a name is left alone (and
    logged). Returns what was removed.
    """
    removed = []
    for prefix in prefixes:
        for temp in folder.glob(glob.escape(prefix) + "*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                if stat.S_ISDIR(temp.lstat().st_mode):
                    log.warning("%s é uma pasta, não um arquivo temporário do bot; mantida", temp)
                    continue
                temp.unlink()
                removed.append(temp)
    return removed


def write_synced(path: Path, chunks: Iterable[bytes]) -> str:
    """Write `chunks` to `path` (mode 0600, truncated first) and fsync it; its SHA-256.

    On failure the partial file is removed.
    """
    digest = hashlib.sha256()
    fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            for chunk in chunks:
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        raise
    return digest.hexdigest()


def atomic_write_json(path: Path, chunks: Iterable[bytes], *, backup: Path | None = None) -> str:
    """Replace `path` with `chunks` (a JSON encoder's output) so readers never see a mix.

    Temp file in the same folder, flush + fsync, optional hard-link backup of the
    old file, `os.replace`, fsync of the folder. Returns the SHA-256 of what was written.
    """
    temp = temp_name(path)
    digest = write_synced(temp, chunks)
    try:
        replace_with_backup(temp, path, backup)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    return digest


def replace_with_backup(source: Path, target: Path, backup: Path | None) -> None:
    """`os.replace(source, target)`, first keeping the old target as `backup` (a hard link).

    The folder is fsync'd after the renames, so they survive a power loss.
    """
    if backup is not None and target.exists():
        link = temp_name(backup)
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        os.link(target, link)
        os.chmod(link, FILE_MODE)
        os.replace(link, backup)
    os.replace(source, target)
    fsync_dir(target.parent)


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file's bytes, or None when it does not exist."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def quarantine(path: Path, *, copy: bool = False) -> Path:
    """Move (or copy) a bad file aside, byte for byte, under a name that says why.

    `video_ranking.json` becomes `video_ranking.corrupt-20261126T065326Z.json`
    (mode 0600). The name carries the real UTC time of the move, so it can be
    matched with the log line that reports it.
    """
    now = datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.corrupt-{stamp}{path.suffix}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.stem}.corrupt-{stamp}-{counter}{path.suffix}")
    if copy:
        atomic_write_json(target, [path.read_bytes()])
    else:
        os.replace(path, target)
        os.chmod(target, FILE_MODE)
        fsync_dir(path.parent)
    return target
