"""`manage.py backup` and `restore` for the JSON store: a consistent copy, placed back safely.

A backup is a folder holding a copy of each of the store's files (every file of
`StorePaths.files` that exists, except the lock and the export being written) and a
`manifest.json` listing them with their sizes and SHA-256, the sequence number the
copy holds and its totals. The manifest is written last: a folder without one is not
a backup.

Copying runs beside the bot, without its lock. Each file is read whole from an open
descriptor (the store replaces files by rename, so a copy is never a mix of two
versions); the journal only grows between compactions, and a line cut short at its
end is one the bot never acknowledged. A snapshot that runs while the files are
copied could pair a state with a journal compacted past it, so each attempt notes the
identity of the snapshot files and of the journal before and after copying and starts
again when one changed. The copy is then loaded by the store's own recovery
(`store.recovery.recover`) in a staging folder, and refused unless the journal
records after the loaded snapshot follow it without a gap; only then are the files
moved into the backup folder and the manifest written.

Restoring verifies every file of the backup against the manifest before anything is
touched, copies them beside `DATA_FILE` under temporary names (checking the digests
again), then moves every file of the store that exists (the lock aside) to
`<name>.before-restore-<UTC>`, never deleting one, and renames the copies into place.
The caller holds the store's lock meanwhile, so no bot can start half-way.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from database_lock import FILE_MODE, fsync_dir, temp_name
from store.journal import read_journal
from store.recovery import StorePaths, recover
from tracking.ledger import SECONDS, SESSIONS, Ledger
from tracking.records import Base

MANIFEST = "manifest.json"
FORMAT = 1
FOLDER_MODE = 0o700
ATTEMPTS = 8
"""Copies tried before giving up when snapshots keep racing them."""
CHUNK = 1 << 20
STAGING = ".backup-partial"
"""The folder inside the backup folder where an attempt is copied and checked."""

Progress = Callable[[str, int, int], None]
"""Told (what, bytes done, bytes in all) while a file is copied."""


class BackupError(Exception):
    """No consistent copy could be made, or the backup folder cannot be used."""


class DamagedBackupError(Exception):
    """The backup folder is not a whole backup: nothing was changed."""


class Totals(msgspec.Struct, frozen=True, kw_only=True):
    """What a copy holds, to compare with `manage.py export-totals`."""

    servers: int
    members: int
    seconds: int
    sessions: int


class FileEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One copied file."""

    size: int
    sha256: str


class Manifest(msgspec.Struct, frozen=True, kw_only=True):
    """`manifest.json` of a backup folder."""

    format: int
    created: str
    """When the copy was taken (UTC, ISO 8601)."""
    source: str
    """The `DATA_FILE` that was copied."""
    data_file: str
    """Its name: the other files are named after it."""
    seq: int
    """The sequence number of the last change the copy holds."""
    totals: Totals
    files: dict[str, FileEntry]


def _noop(what: str, done: int, total: int) -> None:
    """No progress wanted."""


def ledger_totals(ledger: Ledger) -> Totals:
    """Servers, distinct members, seconds and sessions of a ledger (original-format ones too)."""
    members: set[int] = set(ledger.unattributed)
    seconds = sum(figures[0] for figures in ledger.unattributed.values())
    sessions = sum(figures[1] for figures in ledger.unattributed.values())
    for guild in ledger.guilds.values():
        table = guild.members
        members.update(table.index)
        seconds += int(table.values[SECONDS, : table.size].sum())
        sessions += int(table.values[SESSIONS, : table.size].sum())
    return Totals(
        servers=len(ledger.guilds), members=len(members), seconds=seconds, sessions=sessions
    )


def copied_files(paths: StorePaths) -> list[Path]:
    """The store's files a backup holds, in the order they are copied.

    Snapshots first (state, then `DATA_FILE`), then the journal, every other file of
    the store, and the audit log last: its entries are written before their changes,
    so a later copy holds an entry for every change the earlier files hold.
    """
    first = [paths.state, StorePaths.backup(paths.state), paths.data, StorePaths.backup(paths.data)]
    first.append(paths.journal)
    skipped = {paths.lock, paths.export_temp, paths.audit, *first}
    others = [path for path in paths.files if path not in skipped]
    return [*first, *others, paths.audit]


def _identity(path: Path) -> tuple[int, int, int] | None:
    """(inode, modification time, size) of a file; None when absent."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _snapshot_identities(paths: StorePaths) -> list[tuple[int, ...] | None]:
    """What changes when a snapshot runs: the snapshot files, and the journal's inode."""
    files = [paths.state, StorePaths.backup(paths.state), paths.data, StorePaths.backup(paths.data)]
    identities: list[tuple[int, ...] | None] = [_identity(path) for path in files]
    journal = _identity(paths.journal)
    identities.append(None if journal is None else journal[:1])
    return identities


def _copy(source: Path, target: Path, progress: Progress) -> FileEntry | None:
    """Copy one file (not following links) to `target`, mode 0600, fsync'd; None if absent."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(fd, "rb") as reader:
        if not stat.S_ISREG(os.fstat(reader.fileno()).st_mode):
            raise BackupError(f"{source} não é um arquivo comum / is not a regular file")
        total = os.fstat(reader.fileno()).st_size
        out = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
        with os.fdopen(out, "wb") as writer:
            os.fchmod(writer.fileno(), FILE_MODE)
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                writer.write(chunk)
                size += len(chunk)
                progress(source.name, size, max(total, size))
            writer.flush()
            os.fsync(writer.fileno())
    return FileEntry(size=size, sha256=digest.hexdigest())


def _gap(paths: StorePaths, base_seq: int) -> str | None:
    """Why the journal copied does not follow the snapshot it is loaded on (None: it does)."""
    contents = read_journal(paths.journal)
    newer = sorted(
        record.seq or 0
        for record in contents.records
        if not isinstance(record, Base) and (record.seq or 0) > base_seq
    )
    listed = [seq for r in contents.records if isinstance(r, Base) for seq, _ in r.snapshots]
    last = max([*newer, *listed, base_seq])
    if newer != list(range(base_seq + 1, last + 1)):
        return f"o journal não continua o snapshot do seq {base_seq}"
    return None


def _attempt(paths: StorePaths, staging: Path, progress: Progress) -> Manifest | str:
    """One copy into `staging`: its manifest, or why it is not consistent."""
    before = _snapshot_identities(paths)
    files: dict[str, FileEntry] = {}
    for path in copied_files(paths):
        entry = _copy(path, staging / path.name, progress)
        if entry is not None:
            files[path.name] = entry
    if _snapshot_identities(paths) != before:
        return "um snapshot foi gravado durante a cópia"
    copy = StorePaths(staging / paths.data.name)
    with _quiet(logging.getLogger(recover.__module__)):
        recovery = recover(copy, read_journal(copy.journal))
    gap = _gap(copy, recovery.base_seq)
    if gap is not None:
        return gap
    if sorted(path.name for path in staging.iterdir()) != sorted(files):
        return "a cópia não pôde ser carregada inteira (arquivos separados como corrompidos)"
    return Manifest(
        format=FORMAT,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        source=str(paths.data),
        data_file=paths.data.name,
        seq=recovery.ledger.seq,
        totals=ledger_totals(recovery.ledger),
        files=files,
    )


@contextlib.contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    """Only warnings and errors from `logger` meanwhile: loading the copy is no news."""
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


def _write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write `manifest.json` (0600) atomically: the backup is whole from then on."""
    target = folder / MANIFEST
    temp = temp_name(target)
    fd = os.open(temp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)
        handle.write(msgspec.json.format(msgspec.json.encode(manifest)) + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, target)
    fsync_dir(folder)


def prepare_folder(folder: Path) -> Path:
    """The absolute backup folder, created 0700 if new.

    Raises:
        BackupError: it is not a folder, or not empty.
    """
    folder = folder.expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"{folder} não é uma pasta / is not a folder")
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(
            f"{folder} não está vazia; escolha uma pasta nova ou vazia para o backup / is not "
            "empty, choose a new or empty folder"
        )
    os.chmod(folder, FOLDER_MODE)
    return folder


def backup_json_store(
    paths: StorePaths, folder: Path, *, progress: Progress = _noop, attempts: int = ATTEMPTS
) -> Manifest:
    """Copy the JSON store at `paths` into the empty `folder` (blocking); its manifest.

    Safe while the bot runs (see the module's docstring).

    Raises:
        BackupError: the folder cannot be used, the store has no file, or no attempt
            gave a consistent copy (the folder is left empty).
        OSError: a file could not be read or written.
    """
    if not any(path.exists() for path in copied_files(paths)):
        raise BackupError(f"{paths.data} não existe: nada para copiar / nothing to back up")
    folder = prepare_folder(folder)
    staging = folder / STAGING
    reason = ""
    try:
        for _ in range(max(1, attempts)):
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(mode=FOLDER_MODE)
            manifest = _attempt(paths, staging, progress)
            if isinstance(manifest, Manifest):
                for name in manifest.files:
                    os.replace(staging / name, folder / name)
                fsync_dir(folder)
                _write_manifest(folder, manifest)
                return manifest
            reason = manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    raise BackupError(
        f"Não foi possível obter uma cópia consistente de {paths.data} em {attempts} "
        f"tentativas ({reason}); tente de novo / no consistent copy could be made"
    )


# ---------------------------------------------------------------------- restore


def read_manifest(folder: Path) -> Manifest:
    """The backup folder's manifest, every file in it checked against it.

    Raises:
        DamagedBackupError: no readable manifest, or a file missing, of another size,
            or with another SHA-256.
    """
    try:
        manifest = msgspec.json.decode((folder / MANIFEST).read_bytes(), type=Manifest)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as error:
        raise DamagedBackupError(
            f"{folder / MANIFEST} não pôde ser lido ({error}); não é um backup inteiro / "
            "is not a whole backup"
        ) from error
    if manifest.format != FORMAT or Path(manifest.data_file).name != manifest.data_file:
        raise DamagedBackupError(f"{folder / MANIFEST}: formato desconhecido / unknown format")
    for name, entry in manifest.files.items():
        if Path(name).name != name or name in {".", ".."}:
            raise DamagedBackupError(f"{folder / MANIFEST}: nome inválido {name!r}")
        found = _digest(folder / name)
        if found != (entry.size, entry.sha256):
            problem = "ausente" if found is None else "conteúdo diferente"
            raise DamagedBackupError(
                f"{folder / name} não confere com o manifesto ({problem}); backup "
                "danificado, nada foi alterado / does not match the manifest; nothing "
                "was changed"
            )
    return manifest


def _digest(path: Path) -> tuple[int, str] | None:
    """(size, SHA-256) of a regular file; None if absent or not a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def placed_name(manifest: Manifest, name: str, paths: StorePaths) -> Path:
    """Where a backup file goes for the store at `paths` (named after its `DATA_FILE`).

    Raises:
        DamagedBackupError: the name is not one of the store's files.
    """
    stem = Path(manifest.data_file).stem
    target = paths.data.with_name(paths.data.stem + name[len(stem) :])
    store_files = set(paths.files) - {paths.lock, paths.export_temp}
    if not name.startswith(stem) or target not in store_files:
        raise DamagedBackupError(f"{name} não é um arquivo do store / is not a store file")
    return target


@dataclass(frozen=True)
class Restored:
    """What `restore_json_store` did."""

    manifest: Manifest
    placed: list[Path]
    kept: list[tuple[Path, Path]]
    """(file of the store, where it was moved) for each file replaced or set aside."""


def restore_json_store(
    folder: Path, manifest: Manifest, paths: StorePaths, *, progress: Progress = _noop
) -> Restored:
    """Place the backup in `folder` as the store at `paths` (blocking; hold its lock).

    `manifest` is the folder's, from `read_manifest` (the files were checked against it);
    each file's digest is checked again as it is copied.

    Raises:
        DamagedBackupError: the backup is not whole (nothing was changed).
        OSError: a file could not be written (files not yet moved are as they were).
    """
    targets = {name: placed_name(manifest, name, paths) for name in manifest.files}
    temps: dict[Path, Path] = {}
    try:
        for name, target in targets.items():
            temp = temp_name(target, "restore")
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            entry = _copy(folder / name, temp, progress)
            temps[target] = temp
            if entry != manifest.files[name]:
                raise DamagedBackupError(
                    f"{folder / name} mudou durante a cópia; nada foi alterado / changed while "
                    "being copied, nothing was changed"
                )
        fsync_dir(paths.data.parent)
        kept = _set_aside(p for p in paths.files if p not in {paths.lock, *temps.values()})
        for target, temp in temps.items():
            os.replace(temp, target)
        temps.clear()
        fsync_dir(paths.data.parent)
    finally:
        for temp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    return Restored(manifest, list(targets.values()), kept)


def _set_aside(files: Iterable[Path]) -> list[tuple[Path, Path]]:
    """Rename each existing file to `<name>.before-restore-<UTC>` (never over another)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = []
    for path in files:
        if not path.exists():
            continue
        aside = path.with_name(f"{path.name}.before-restore-{stamp}")
        counter = 1
        while aside.exists():
            counter += 1
            aside = path.with_name(f"{path.name}.before-restore-{stamp}-{counter}")
        os.replace(path, aside)
        kept.append((path, aside))
    return kept
