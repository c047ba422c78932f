"""The store's interface (`RankingStore`) and the JSON store that implements it (`Store`).

Cogs and the bot reach the data only through `RankingStore`, addressed by plain
ids; a PostgreSQL store implements the same interface. The JSON store keeps the
ledger in memory, the journal on disk and snapshots in the background.

Files, all beside `DATA_FILE` and named after it (for `video_ranking.json`):

- `video_ranking.json` — the totals in the documented format (what users read and back up);
- `video_ranking.state.json` — the full state (totals, per-day history, open sessions);
- `video_ranking.journal.jsonl` — every change since the snapshot before last, fsync'd;
- `video_ranking.journal.rejected.jsonl` — journal lines that were not valid records,
  kept byte for byte (created only when there is one);
- `video_ranking.audit.jsonl` — the audit log of manual resets, adjustments, settings and
  erasures (rewritten atomically when a member erases their data, without their names);
- `video_ranking.settings.json` — per-server settings and per-member choices
  (`store.settings`; its previous copy is `video_ranking.settings.bak.json`);
- `video_ranking.lock` — held by the running bot, so a second one refuses to start;
- `*.bak.json` — the previous good copy of each snapshot file;
- `*.corrupt-<UTC time>.*` — files that could not be read, kept aside untouched.

All of them are mode 0600. Each must be absent or a regular file: a folder, a
device, a FIFO or a symbolic link in one of these names is refused with
`DataFileError` before anything is created, locked or moved (symbolic links are
not followed, because every write replaces the name and would break the link,
and a link could aim the store's writes and mode changes at someone else's file).
One bot process owns a `DATA_FILE`: `Store.open` takes the lock file (a separate
file that is never replaced) and fails at once with `StoreLockedError` if another
process holds it.

A change is durable once its journal line is fsync'd (O(1) per event). Snapshots
run off the event loop, in an order that leaves loadable files at every instant:

1. the export is written to a temporary file and fsync'd (its SHA-256 noted);
2. the state replaces the old one (kept as `.bak`), listing the export digests;
3. the journal is compacted to the records newer than the `.bak` state, under a
   header listing the same digests with their sequence numbers;
4. the export replaces `DATA_FILE` (the old one kept as `.bak`).

After a member's erasure (`tracking.records.Erase`) two snapshots follow, with or without
other activity and before the store closes: the second replaces the `.bak` files and trims
the journal past the erasure, so no file but the audit log (by id only) names the member.

Start-up loads the newest good state (the state file, else its `.bak`) and
replays journal records with a higher sequence number, so a record can never
count twice. A `DATA_FILE` whose digest the store never wrote was changed outside
the bot: its totals are adopted. With no good state, the newest good export is
the base, and its digest says which journal records are newer than it. Whatever
had to be repaired is saved again before `Store.open` returns.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Protocol

import msgspec
import portalocker
import psycopg

from config import Settings, SettingsError
from database_lock import (
    FileLockError,
    acquire_file_lock,
    atomic_write_json,
    remove_temp_files,
    replace_with_backup,
    write_synced,
)
from store.audit import AuditEntry, AuditLog, AuditPage
from store.health import StoreHealth, StoreHooks
from store.journal import Journal, encode
from store.pg.load import load_ledger
from store.pg.shards import Shards
from store.pg.store import DatabaseUnavailableError, PgStore, ShardsInUseError, UnsavedFileError
from store.reads import LedgerReads
from store.recovery import KEPT_EXPORTS, Export, StorePaths, recover
from store.settings import (
    SettingsFileError,
    SettingsReads,
    SettingsTable,
    load_settings,
    write_settings,
)
from store.snapshot import (
    LedgerCopy,
    SteppedLedgerCopy,
    copy_ledger,
    encode_export,
    encode_state,
    export_ledger,
)
from tracking.ledger import Ledger, OpenSession
from tracking.records import Base, Change, Erase, decode_change
from tracking.server_settings import MemberSettings, ServerSettings
from tracking.sessions import SessionKey
from tracking.standings import StoredFigures

__all__ = [
    "AuditEntry",
    "AuditPage",
    "DataFileError",
    "DatabaseUnavailableError",
    "PgStore",
    "RankingStore",
    "Store",
    "StoreClosedError",
    "StoreHealth",
    "StoreHooks",
    "StoreLockedError",
    "export_database_totals",
    "open_store",
    "store_location",
    "store_shards",
]
"""What the layers above use: the interface, the JSON store, and the types they exchange."""

log = logging.getLogger(__name__)

SNAPSHOT_MIN_SECONDS = 10.0
"""Shortest pause between snapshots; it grows with the cost of a snapshot."""
SNAPSHOTS_AFTER_ERASURE = 2
"""Snapshots written after a member's erasure, activity or not: the first leaves the state
without them, the second its `.bak` too, and trims the journal past the erasure."""


class StoreLockedError(FileLockError):
    """Another process is using the same `DATA_FILE`."""


class StoreClosedError(RuntimeError):
    """Changes were committed after the store was closed."""


class DataFileError(Exception):
    """`DATA_FILE` (or a file beside it) is not something the store can use."""


_KINDS = {
    stat.S_IFDIR: ("uma pasta", "a directory"),
    stat.S_IFLNK: ("um link simbólico", "a symbolic link"),
    stat.S_IFIFO: ("um FIFO", "a FIFO"),
    stat.S_IFSOCK: ("um socket", "a socket"),
    stat.S_IFCHR: ("um dispositivo", "a device"),
    stat.S_IFBLK: ("um dispositivo", "a device"),
}


def refuse_unusable_files(paths: StorePaths) -> None:
    """Raise `DataFileError` unless each of the store's files is absent or a regular file.

    Looks only (`os.lstat`): nothing is created, moved or changed.

    Raises:
        DataFileError: one of them is a folder, a device, a link or anything else.
        OSError: a file could not be looked at (e.g. the folder is a file).
    """
    for path in paths.files:
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode):
            pt, en = _KINDS.get(stat.S_IFMT(mode), ("outra coisa", "something else"))
            raise DataFileError(
                f"{path} é {pt}, não um arquivo comum: aponte DATA_FILE para um arquivo ou um "
                f"caminho livre; nada foi alterado / is {en}, not a regular file: point "
                f"DATA_FILE at a regular file or a free path; nothing was changed"
            )


# -------------------------------------------------------------------- interface


class RankingStore(StoredFigures, Protocol):
    """The store's interface: everything the bot and its cogs read and change.

    Addressed by plain ids (`guild_id`, `user_id`), never by Discord objects.
    Reads answer at once from what was committed; running sessions are added by
    `tracking.standings`, the one rule for a period's figures. From
    `StoredFigures` come the figure reads: `standings(guild_id, days, live)`,
    `member_stats(guild_id, user_id)`, `seconds_by_day(guild_id, user_id, days)` and
    `streaks(guild_id, minimum, today, live)`.
    Must be used on the event loop that opened it.
    """

    def commit(self, changes: Iterable[Change]) -> asyncio.Future[None]:
        """Apply changes now (every read shows them) and make them durable.

        The future completes once they are durable. Sequence numbers are the
        store's to give: a change's own `seq` is replaced.

        Raises:
            RecordError: a change is not valid; nothing was applied.
        """
        ...

    def open_session(self, guild_id: int, user_id: int) -> OpenSession | None:
        """The session a member had running at its last durable record, if any."""
        ...

    def open_sessions(self) -> dict[SessionKey, OpenSession]:
        """Every session still running at its last durable record (a copy)."""
        ...

    def unattributed_count(self) -> int:
        """How many members have totals of the original file format not tied to a server."""
        ...

    @property
    def has_unattributed(self) -> bool:
        """Whether totals from the original file format still wait for a server."""
        ...

    async def audit_append(self, entry: AuditEntry) -> None:
        """Write one entry to the audit log, durably, before its change is committed.

        Raises:
            OSError: the entry could not be written (the change must not be made).
        """
        ...

    def server_settings(self, guild_id: int) -> ServerSettings:
        """A server's settings (`ServerSettings()`, the defaults, when it has none)."""
        ...

    def servers_with_settings(self) -> list[int]:
        """The servers whose settings differ from the defaults."""
        ...

    async def save_server_settings(self, guild_id: int, settings: ServerSettings) -> None:
        """Replace a server's settings, durably; reads show them once this returns.

        Raises:
            OSError: they could not be saved (`DatabaseUnavailableError` is one); the old
                settings stay.
        """
        ...

    def member_settings(self, guild_id: int, user_id: int) -> MemberSettings:
        """A member's choices in a server (`MemberSettings()` when none)."""
        ...

    def members_with_settings(self, guild_id: int) -> Mapping[int, MemberSettings]:
        """The members of a server with a choice of their own (read-only)."""
        ...

    async def save_member_settings(
        self, guild_id: int, user_id: int, settings: MemberSettings
    ) -> None:
        """Replace a member's choices in a server, durably (the defaults remove them).

        Raises:
            OSError: they could not be saved; the old choices stay.
        """
        ...

    async def audit_latest(self, guild_id: int, count: int) -> AuditPage:
        """The newest `count` audit entries of a server, newest first."""
        ...

    async def audit_member(self, guild_id: int, user_id: int) -> list[AuditEntry]:
        """Every audit entry of a server by or about a member, oldest first.

        Raises:
            OSError: the audit log could not be read.
        """
        ...

    async def audit_forget_names(self, guild_id: int, user_id: int) -> None:
        """Drop a member's names from every audit entry of a server (they erased their data).

        The entries stay, naming the member by id only.

        Raises:
            OSError: the audit log could not be rewritten (it is left as it was).
        """
        ...

    def member_days(self, guild_id: int, user_id: int) -> list[tuple[int, int, int]]:
        """A member's (local day ordinal, seconds, sessions) rows in a server, oldest first."""
        ...

    async def close(self) -> None:
        """Make everything committed durable and let go of the data."""
        ...

    hooks: StoreHooks
    """Called after each durable write (the monitoring layer sets them)."""

    def health(self) -> StoreHealth:
        """Whether the store can write now, and when it last did."""
        ...


# ------------------------------------------------------------------------ store


class Store(LedgerReads, SettingsReads):
    """Owns the ranking data of one `DATA_FILE` for the life of the bot (a `RankingStore`)."""

    def __init__(
        self,
        data_file: Path,
        ledger: Ledger,
        journal: Journal,
        lock: portalocker.Lock,
        *,
        base_seq: int | None = None,
        exports: Iterable[Export] = (),
        settings: SettingsTable | None = None,
    ) -> None:
        """Use `Store.open` (it locks, loads and recovers)."""
        self.paths = StorePaths(data_file)
        self.ledger = ledger
        self.settings = settings or SettingsTable()
        self._settings_lock = asyncio.Lock()
        self.journal = journal
        self.audit = AuditLog(self.paths.audit)
        self._lock = lock
        self._base_seq = ledger.seq if base_seq is None else base_seq
        self._exports = list(exports)
        self._snapshot_task: asyncio.Task[None] | None = None
        self._snapshot_lock = asyncio.Lock()
        self._snapshot_cost = 0.0
        self._dirty = False
        self._snapshots_owed = 0
        """Snapshots still to write so that nothing of an erased member stays on disk."""
        self._erased_at = 0
        """The sequence number of the latest erasure: only snapshots from it on are owed."""
        self._closed = False
        self._opened_seq = ledger.seq
        self.snapshot_failing = False
        self.last_snapshot: float | None = None
        """When (`time.monotonic()`) the last good snapshot was written; None: not yet."""
        self.hooks = StoreHooks()
        journal.on_write = lambda seconds: self.hooks.wrote(seconds)

    def health(self) -> StoreHealth:
        """Failing while snapshots or journal appends fail; the last write and snapshot."""
        failing = None
        if self.journal.failing_since is not None:
            failing = "journal writes are failing"
        elif self.snapshot_failing:
            failing = "snapshots are failing"
        return StoreHealth(failing, self.journal.last_write, self.last_snapshot)

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, data_file: Path, *, lock_timeout: float = 0.0) -> Store:
        """Lock, load and recover the store (blocking: run it off the event loop).

        With `lock_timeout` > 0, wait that long for another process to let go.

        Raises:
            DataFileError: `DATA_FILE` or a file beside it is not a regular file.
            StoreLockedError: another process holds this `DATA_FILE`.
        """
        paths = StorePaths(data_file)
        refuse_unusable_files(paths)
        data_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            lock = acquire_file_lock(paths.lock, timeout=lock_timeout)
        except FileLockError as error:
            raise StoreLockedError(
                f"{data_file} já está em uso por outro processo do bot; pare-o antes ou use "
                f"outro DATA_FILE / is already in use by another bot process; stop it first "
                f"or use another DATA_FILE (lock: {paths.lock})"
            ) from error
        try:
            return cls._load(paths, lock)
        except BaseException:
            lock.release()
            raise

    @classmethod
    def _load(cls, paths: StorePaths, lock: portalocker.Lock) -> Store:
        remove_temp_files(paths.data.parent, paths.temp_prefixes)
        try:
            settings = load_settings(paths.settings)
        except SettingsFileError as error:
            raise DataFileError(str(error)) from error
        journal = Journal(paths.journal, paths.rejected)
        try:
            recovery = recover(paths, journal.load())
        except BaseException:
            journal.close()
            raise
        store = cls(
            paths.data,
            recovery.ledger,
            journal,
            lock,
            base_seq=recovery.base_seq,
            exports=recovery.exports,
            settings=settings,
        )
        if recovery.dirty:
            store._save_now()
        elif recovery.replayed:
            store._dirty = True  # a background snapshot (or close) writes them to the files
        return store

    def _save_now(self) -> None:
        """Blocking snapshot at start-up, so repairs are on disk before the bot runs."""
        try:
            self._write_snapshot(copy_ledger(self.ledger))
        except OSError as error:
            self._dirty = True
            self._snapshot_failed(error)
        else:
            self.last_snapshot = time.monotonic()

    # ------------------------------------------------------------------ changes

    def commit(self, changes: Iterable[Change]) -> asyncio.Future[None]:
        """Apply changes to the ledger now and make them durable.

        Must run on the event loop. The returned future completes when the
        changes are fsync'd (or saved in a snapshot); the ledger, and so every
        ranking, already shows them.

        Raises:
            RecordError: a change is not valid; nothing was applied or journaled.
        """
        changes = list(changes)
        if self._closed:
            return self._refuse(changes)
        seq = self.ledger.seq
        lines = [
            encode(msgspec.structs.replace(change, seq=seq + n))
            for n, change in enumerate(changes, 1)
        ]
        # Validated as a journal line is at replay (RecordError before anything changes):
        # what is applied now is exactly what a restart will apply again.
        for change in [decode_change(line) for line in lines]:
            self.ledger.apply(change)
            if isinstance(change, Erase):
                # The state is then clean, but its .bak and the journal still hold the member
                # until a second snapshot replaces the .bak and trims the journal past it.
                self._snapshots_owed = SNAPSHOTS_AFTER_ERASURE
                self._erased_at = self.ledger.seq
        self._dirty = True
        self._schedule_snapshot()
        return self.journal.append_lines(lines)

    def _refuse(self, changes: list[Change]) -> asyncio.Future[None]:
        log.error(
            "Alterações que chegaram depois que %s foi fechado não foram salvas: %d",
            self.paths.data,
            len(changes),
        )
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_exception(StoreClosedError(f"{self.paths.data} is closed"))
        future.exception()  # logged above; awaiting it still raises
        return future

    # ---------------------------------------------------------------- audit log

    async def audit_append(self, entry: AuditEntry) -> None:
        """Append one entry to the audit log, fsync'd, in a worker thread.

        Raises:
            OSError: the entry could not be written (logged here).
        """
        try:
            await asyncio.to_thread(self.audit.append, entry)
        except OSError as error:
            log.error(
                "Não foi possível gravar a auditoria %s (%s); alteração recusada",
                self.audit.path,
                error,
            )
            raise

    async def audit_latest(self, guild_id: int, count: int) -> AuditPage:
        """The newest `count` audit entries of a server, read in a worker thread."""
        return await asyncio.to_thread(self.audit.latest, guild_id, count)

    async def audit_member(self, guild_id: int, user_id: int) -> list[AuditEntry]:
        """Every audit entry of a server by or about a member, read in a worker thread.

        Raises:
            OSError: the audit log could not be read (logged here).
        """
        try:
            return await asyncio.to_thread(self.audit.member_entries, guild_id, user_id)
        except OSError as error:
            log.error("Não foi possível ler a auditoria %s (%s)", self.audit.path, error)
            raise

    async def audit_forget_names(self, guild_id: int, user_id: int) -> None:
        """Rewrite the audit log without a member's names, in a worker thread.

        Raises:
            OSError: the log could not be rewritten (logged here; it is left as it was).
        """
        try:
            await asyncio.to_thread(self.audit.forget_names, guild_id, user_id)
        except OSError as error:
            log.error(
                "Não foi possível tirar os nomes de um membro da auditoria %s (%s)",
                self.audit.path,
                error,
            )
            raise

    # ----------------------------------------------------------------- settings

    async def save_server_settings(self, guild_id: int, settings: ServerSettings) -> None:
        """Replace a server's settings in the settings file (fsync'd, in a worker thread).

        Raises:
            OSError: the file could not be written (logged here); the old settings stay.
        """
        await self._save_settings(lambda table: table.with_server(guild_id, settings))

    async def save_member_settings(
        self, guild_id: int, user_id: int, settings: MemberSettings
    ) -> None:
        """Replace a member's choices in the settings file (fsync'd, in a worker thread).

        Choices back at the defaults are removed, from the `.bak` copy as well (a member who
        erased their data, or took every choice back, leaves no copy of it behind).

        Raises:
            OSError: the file could not be written (logged here); the old choices stay.
        """
        await self._save_settings(
            lambda table: table.with_member(guild_id, user_id, settings),
            forget=settings.is_default,
        )

    async def _save_settings(
        self, change: Callable[[SettingsTable], SettingsTable], *, forget: bool = False
    ) -> None:
        if self._closed:
            raise StoreClosedError(f"{self.paths.data} is closed")
        async with self._settings_lock:
            table = change(self.settings)
            try:
                await asyncio.to_thread(write_settings, self.paths.settings, table, forget=forget)
            except OSError as error:
                log.error(
                    "Não foi possível gravar as configurações em %s (%s); nada foi alterado",
                    self.paths.settings,
                    error,
                )
                raise
            self.settings = table

    # ---------------------------------------------------------------- snapshots

    def _schedule_snapshot(self) -> None:
        if self._closed or (self._snapshot_task is not None and not self._snapshot_task.done()):
            return
        delay = max(SNAPSHOT_MIN_SECONDS, 10 * self._snapshot_cost)
        self._snapshot_task = asyncio.get_running_loop().create_task(
            self._snapshot_later(delay), name="store-snapshot"
        )

    async def _snapshot_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.snapshot()
        self._snapshot_task = None
        if self._dirty or self._snapshots_owed:
            self._schedule_snapshot()

    async def snapshot(self) -> bool:
        """Write both snapshot files and trim the journal; False if the disk refused.

        Runs in a worker thread. Cancelling the caller waits for the thread to
        finish, so two snapshots never write at once.
        """
        async with self._snapshot_lock:
            # Copied a few rows per turn of the event loop, as the ledger was right now.
            copier = SteppedLedgerCopy(self.ledger)
            self._dirty = False
            try:
                while copier.step():
                    await asyncio.sleep(0)
            except BaseException:
                copier.abandon()
                self._dirty = True
                raise
            copy = copier.result()
            started = time.perf_counter()
            write = asyncio.ensure_future(asyncio.to_thread(self._write_snapshot, copy))
            try:
                await asyncio.shield(write)
            except asyncio.CancelledError:
                await asyncio.wait([write])
                self._snapshot_done(write, started)
                raise
            except OSError:
                pass
            done = self._snapshot_done(write, started)
            if done and self._snapshots_owed and copy.seq >= self._erased_at:
                self._snapshots_owed -= 1
            return done

    def _snapshot_done(self, write: asyncio.Future[None], started: float) -> bool:
        error = write.exception()
        if error is None:
            if self.snapshot_failing:
                log.warning("Os snapshots de %s voltaram a funcionar", self.paths.data)
            self.snapshot_failing = False
            self._snapshot_cost = time.perf_counter() - started
            self.last_snapshot = time.monotonic()
            self.hooks.snapshot(self._snapshot_cost)
            return True
        self._dirty = True
        if not isinstance(error, OSError):
            raise error
        self._snapshot_failed(error)
        return False

    def _snapshot_failed(self, error: OSError) -> None:
        if not self.snapshot_failing:
            log.error(
                "Não foi possível gravar o snapshot de %s (%s); os dados ficam na memória e "
                "no journal e serão salvos quando a gravação voltar a funcionar",
                self.paths.data,
                error,
            )
        self.snapshot_failing = True

    def _write_snapshot(self, copy: LedgerCopy) -> None:
        """Blocking: export, state, journal compaction, export in place (see module doc)."""
        paths = self.paths
        digest = write_synced(paths.export_temp, encode_export(copy))
        exports = list(dict.fromkeys([*self._exports, (copy.seq, digest)]))[-KEPT_EXPORTS:]
        listed = [list(export) for export in exports]
        copy.meta = {"exports": listed}
        atomic_write_json(paths.state, encode_state(copy), backup=StorePaths.backup(paths.state))
        # From here on DATA_FILE may end up holding the new export: name it.
        self._exports = exports
        self.journal.compact(keep_after=self._base_seq, header=Base(snapshots=exports))
        replace_with_backup(paths.export_temp, paths.data, StorePaths.backup(paths.data))
        self._base_seq = copy.seq

    # ------------------------------------------------------------------ closing

    def release(self) -> None:
        """Let go of the files without writing anything (blocking): for tools that only read.

        The journal is closed and the lock released; journal records replayed at open stay
        in the journal, to be folded in by the bot's next start, so the files are left as
        `open` found them.

        Raises:
            RuntimeError: changes were committed since `open` (only `close` saves them).
        """
        if self._closed:
            return
        if self.ledger.seq != self._opened_seq:
            raise RuntimeError("changes were committed: close the store to save them")
        self._closed = True
        try:
            self.journal.close()
        finally:
            self._lock.release()

    async def close(self) -> None:
        """Write a final snapshot, finish the journal and release the lock.

        If the disk refuses everything, what could not be saved is logged at
        ERROR; closing never hangs on a broken disk.
        """
        if self._closed:
            return
        self._closed = True
        try:
            task = self._snapshot_task
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            saved = await self.snapshot() if self._dirty or self._snapshots_owed else True
            while saved and self._snapshots_owed:
                saved = await self.snapshot()
            unsaved = await self.journal.shutdown(covered=saved)
            if unsaved and not saved:
                log.error(
                    "Alterações em %s não gravadas antes de fechar, e por isso perdidas: %d",
                    self.paths.data,
                    unsaved,
                )
        finally:
            self.journal.close()
            await asyncio.to_thread(self._lock.release)


# ---------------------------------------------------------------------- opening


SHARD_COUNT_NEEDED = (
    "Com DATABASE_URL, defina SHARD_COUNT (o mesmo em todos os processos do bot; 1 para uma "
    "só conexão): os shards de cada processo são travados no banco pelo número / with "
    "DATABASE_URL, set SHARD_COUNT (the same in every process of the bot; 1 for one connection)"
)


def store_shards(settings: Settings) -> Shards:
    """The shards whose servers this process owns in the database (`SHARD_IDS` of `SHARD_COUNT`).

    The count must be explicit: unset, it is Discord's recommendation, known only once the
    bot connects (after the store is open) and free to change as the bot grows, while every
    process on one database must split the servers the same way for the shard locks to mean
    that each server has one owner.

    Raises:
        SettingsError: `SHARD_COUNT` is not set.
    """
    if settings.shard_count is None:
        raise SettingsError(SHARD_COUNT_NEEDED)
    count = settings.shard_count
    return Shards(count, settings.shard_ids or tuple(range(count)))


def open_store(settings: Settings) -> RankingStore:
    """The store the settings name: PostgreSQL with `DATABASE_URL`, else `DATA_FILE` (blocking).

    Raises:
        DataFileError: `DATA_FILE` or a file beside it is not a regular file.
        SettingsError: `DATABASE_URL` without `SHARD_COUNT` (see `store_shards`).
        StoreLockedError: another process holds this `DATA_FILE`, or one of the shards in
            the database.
        DatabaseUnavailableError: PostgreSQL cannot be reached (its error says why).
    """
    if not settings.database_url:
        return Store.open(settings.data_file)
    try:
        unsaved = StorePaths(settings.data_file).sibling("pg-unsaved", ".jsonl")
        return PgStore.open(str(settings.database_url), store_shards(settings), unsaved=unsaved)
    except ShardsInUseError as error:
        raise StoreLockedError(str(error)) from error
    except UnsavedFileError as error:
        raise DataFileError(str(error)) from error
    except psycopg.OperationalError as error:
        reason = " ".join(str(error).split())  # libpq's message spans lines: keep one
        raise DatabaseUnavailableError(
            f"Não foi possível conectar ao PostgreSQL de DATABASE_URL ({reason}); confira o "
            f"endereço e se o servidor está no ar / cannot connect to DATABASE_URL's PostgreSQL"
        ) from error


def store_location(settings: Settings) -> str:
    """Where the data is, for logs: `DATA_FILE`, or the database (never its password)."""
    if not settings.database_url:
        return str(settings.data_file)
    try:
        params = psycopg.conninfo.conninfo_to_dict(str(settings.database_url))
    except psycopg.ProgrammingError:
        return "PostgreSQL"
    host, port, name = params.get("host", "localhost"), params.get("port"), params.get("dbname")
    where = f"{host}:{port}" if port else f"{host}"
    return f"PostgreSQL {where}/{name}" if name else f"PostgreSQL {where}"


def export_database_totals(url: str, target: Path) -> int:
    """Write the PostgreSQL store's totals to `target` in `DATA_FILE`'s format (blocking).

    Reads every server, change log included, in one snapshot of the database: safe while
    bots run. Returns how many members the file lists.

    Raises:
        DatabaseUnavailableError: PostgreSQL cannot be reached.
        OSError: `target` could not be written.
    """
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with connection.transaction():
                ledger = load_ledger(connection, Shards())
    except psycopg.OperationalError as error:
        reason = " ".join(str(error).split())
        raise DatabaseUnavailableError(
            f"Não foi possível ler o PostgreSQL de DATABASE_URL ({reason}) / cannot read "
            f"DATABASE_URL's PostgreSQL"
        ) from error
    return export_ledger(ledger, target)
