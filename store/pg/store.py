"""The PostgreSQL store (`PgStore`): one database shared by every process of the bot.

Each process owns some shards (`SHARD_IDS` of `SHARD_COUNT`) and takes one advisory lock
per shard on its connection: a second process for the same shard refuses to start
(`ShardsInUseError`), and the lock goes away with the connection of a process that dies.
Since only the owner writes a server, its in-memory `Ledger` (loaded at open, for its
shards' servers only) is the truth while it runs: reads answer from it at once, exactly as
the JSON store's do, and every change is applied to it at `commit`.

A writer task then makes the changes durable, batching whatever arrived while the previous
transaction was in flight (one commit for many events). A batch gets its id before its
first try and is written in one transaction with that id (`store.pg.writes`), so a retry
never applies it twice; a session's credit moves the session's watermark forward only, so a
replayed one credits nothing. If PostgreSQL goes away, the bot keeps counting in memory:
the outage is logged once, the batch is retried with backoff, and everything is written,
once, when the database is back. Commit futures complete only then.

Opening blocks (migrations, locks, the load): run `PgStore.open` off the event loop. The
rest must be used on the event loop that opened it; database I/O runs in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import psycopg
from psycopg.rows import TupleRow

from database_lock import atomic_write_json
from store.audit import AuditEntry, AuditPage
from store.health import StoreHealth, StoreHooks
from store.journal import encode
from store.pg.actions import forget_names, insert_action, latest_actions, member_actions
from store.pg.load import load_ledger
from store.pg.migrate import migrate
from store.pg.settings import load_settings, save_member_settings, save_server_settings
from store.pg.shards import Shards
from store.pg.writes import (
    Effect,
    LoggedChange,
    append_batch,
    append_batch_async,
    fold,
    forget_old_batches,
    is_written,
)
from store.reads import LedgerReads
from store.settings import SettingsReads, SettingsTable
from tracking.ledger import Ledger
from tracking.periods import DayRange
from tracking.records import Adjust, Change, decode_change
from tracking.server_settings import MemberSettings, ServerSettings

log = logging.getLogger(__name__)

SHARD_LOCK_CLASS = 0x4250_0001
"""The first key of every shard's advisory lock (the second is the shard id)."""
SHARD_COUNT_LOCK_CLASS = 0x4250_0002
"""The first key of the shared advisory lock on the shard count (the second is the count)."""
CONNECT_TIMEOUT_SECONDS = 10
RETRY_FIRST_SECONDS = 5.0
RETRY_MAX_SECONDS = 30.0
"""Backoff between tries while PostgreSQL is unreachable: 5 s, doubling, at most 30 s."""
CLOSE_WAIT_SECONDS = 30.0
"""How long `close` keeps trying to write what is left before it gives up (and says so)."""
FOLD_SECONDS = 5.0
FOLD_CHANGES = 1_000
"""The writer folds the change log into the figure tables after a write once this long has
passed since the last fold, or this many changes were logged since."""
FORGET_BATCHES_EVERY = 1000
"""Old batch ids are dropped once every this many folds."""

TRANSIENT_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError)
"""The database went away or cannot answer now: try again later (anything else is a bug)."""


class ShardsInUseError(RuntimeError):
    """Another process of the bot owns one of this process's shards in the database."""


class UnsavedFileError(ValueError):
    """The file of changes kept during an outage cannot be read; nothing of it was written."""


def _read_unsaved(path: Path) -> list[tuple[uuid.UUID, list[Change]]]:
    """The batches in the file a stop during an outage left (batch id, its changes).

    Raises:
        UnsavedFileError: a line is not a batch the bot wrote (names the file and line).
    """
    batches = []
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        if not line.strip():
            continue
        try:
            saved = _unsaved_decoder.decode(line)
            batches.append(
                (uuid.UUID(saved.batch), [decode_change(raw.encode()) for raw in saved.records])
            )
        except (msgspec.DecodeError, ValueError) as error:
            raise UnsavedFileError(
                f"{path}, linha {number}, não é uma alteração guardada pelo bot ({error}); nada "
                f"dele foi gravado: corrija ou mova o arquivo e inicie de novo / line {number} "
                f"is not a change the bot kept; nothing of it was written"
            ) from error
    return batches


class DatabaseUnavailableError(OSError):
    """PostgreSQL could not be reached or refused the operation (its message says why)."""


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


CONNECT_OPTIONS: dict[str, Any] = {
    "autocommit": True,  # transactions are explicit; advisory locks last
    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    "application_name": "bate-ponto",
    # A server that vanished without closing the connection is noticed within ~25 s.
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def connect(url: str) -> psycopg.Connection[TupleRow]:
    """A connection with `CONNECT_OPTIONS`."""
    return psycopg.connect(url, **CONNECT_OPTIONS)


def _held_counts(connection: psycopg.Connection[TupleRow]) -> list[int]:
    """The shard counts that connections to this database hold the count lock of."""
    rows = connection.execute(
        "SELECT DISTINCT objid::bigint FROM pg_locks WHERE locktype = 'advisory'"
        " AND classid = %s AND objsubid = 2 AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (SHARD_COUNT_LOCK_CLASS,),
    ).fetchall()
    return sorted(int(count) for (count,) in rows)


def take_shards(connection: psycopg.Connection[TupleRow], shards: Shards) -> None:
    """Take the advisory lock of each shard for the life of `connection`.

    A shard id means the same servers only under the same count, so every process first
    takes a shared lock on its count and refuses if another count is held: two processes
    split the servers the same way, or one of them does not start.

    Raises:
        ShardsInUseError: another connection holds one of them, or uses another count
            (no lock is kept then).
    """
    connection.execute(
        "SELECT pg_advisory_lock_shared(%s, %s)", (SHARD_COUNT_LOCK_CLASS, shards.count)
    )
    others = [count for count in _held_counts(connection) if count != shards.count]
    if others:
        connection.execute(
            "SELECT pg_advisory_unlock_shared(%s, %s)", (SHARD_COUNT_LOCK_CLASS, shards.count)
        )
        raise ShardsInUseError(
            f"Outro processo do bot usa SHARD_COUNT={others[0]} neste banco, e este usa "
            f"SHARD_COUNT={shards.count}: todos precisam do mesmo SHARD_COUNT / another bot "
            f"process uses SHARD_COUNT={others[0]} on this database, this one "
            f"SHARD_COUNT={shards.count}: every process needs the same SHARD_COUNT"
        )
    taken: list[int] = []
    for shard_id in shards.ids:
        row = connection.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", (SHARD_LOCK_CLASS, shard_id)
        ).fetchone()
        if row is None or not row[0]:
            for held in taken:
                connection.execute("SELECT pg_advisory_unlock(%s, %s)", (SHARD_LOCK_CLASS, held))
            connection.execute(
                "SELECT pg_advisory_unlock_shared(%s, %s)", (SHARD_COUNT_LOCK_CLASS, shards.count)
            )
            raise ShardsInUseError(
                f"O shard {shard_id} (de {shards.count}) já está em uso por outro processo do "
                f"bot neste banco; pare-o antes ou use outro SHARD_IDS / shard {shard_id} of "
                f"{shards.count} is already owned by another bot process on this database; "
                f"stop it first or use other SHARD_IDS"
            )
        taken.append(shard_id)


class _UnsavedBatch(msgspec.Struct, frozen=True):
    """One line of the unsaved-changes file: a batch's id and its records (journal lines)."""

    batch: str
    records: list[str]


_unsaved_encoder = msgspec.json.Encoder()
_unsaved_decoder = msgspec.json.Decoder(_UnsavedBatch)


@dataclass
class _Batch:
    """Changes waiting to be written together, with the id they are written under."""

    logged: list[LoggedChange] = field(default_factory=list)
    futures: list[asyncio.Future[None]] = field(default_factory=list)

    @property
    def records(self) -> list[Change]:
        """The batch's changes, in order."""
        return [logged.change for logged in self.logged]

    batch_id: uuid.UUID = field(default_factory=uuid.uuid4)


class PgStore(LedgerReads, SettingsReads):
    """The ranking data of some shards' servers, kept in PostgreSQL (a `RankingStore`)."""

    def __init__(
        self,
        url: str,
        shards: Shards,
        connection: psycopg.Connection[TupleRow],
        ledger: Ledger,
        unsaved: Path | None = None,
        settings: SettingsTable | None = None,
    ) -> None:
        """Use `PgStore.open` (it migrates, locks and loads)."""
        self.url = url
        self.shards = shards
        self.unsaved_path = unsaved
        self.ledger = ledger
        self.settings = settings or SettingsTable()
        self._settings_lock = asyncio.Lock()
        self.owner = _owner()
        self._connection: psycopg.Connection[TupleRow] | None = connection
        """The owner connection: holds the shards' locks; folds and loads go through it."""
        self._writer_connection: psycopg.AsyncConnection[TupleRow] | None = None
        """The writer's connection, on the event loop: appends to the change log."""
        self._side: psycopg.Connection[TupleRow] | None = None
        self._side_lock = threading.Lock()
        self._queue = _Batch()
        self._writing: _Batch | None = None
        self._writer: asyncio.Task[None] | None = None
        self._closed = False
        self._abandoned = False
        self._folds = 0
        self._unfolded = 0
        self._folded_at = 0.0
        self.unavailable = False
        self.last_write: float | None = None
        """When (`time.monotonic()`) a batch last reached the change log; None: not yet."""
        self.hooks = StoreHooks()
        """True from a failed write until the next one succeeds (logged once each way)."""

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, url: str, shards: Shards, *, unsaved: Path | None = None) -> PgStore:
        """Migrate the schema, take the shards' locks and load their servers (blocking).

        `unsaved` is the file where a close during an outage leaves the changes it could not
        write; found at open, they are written now (each batch once) and the file removed.

        Raises:
            ShardsInUseError: another process owns one of the shards.
            psycopg.Error: the database cannot be reached or refused the schema.
        """
        migrate(url)
        connection = connect(url)
        try:
            take_shards(connection, shards)
            while fold(connection, shards, owner=_owner()):
                pass  # what the last owner logged but did not fold yet
            with connection.transaction():
                ledger = load_ledger(connection, shards)
                settings = load_settings(connection, shards)
            store = cls(url, shards, connection, ledger, unsaved, settings)
            store._write_unsaved()
        except BaseException:
            connection.close()
            raise
        log.info(
            "PostgreSQL: shards %s de %d abertos (%d servidores, %d sessões abertas)",
            ",".join(map(str, shards.ids)),
            shards.count,
            len(ledger.guilds),
            len(ledger.open_sessions),
        )
        return store

    def _write_unsaved(self) -> None:
        """Blocking, at open: write the batches a close during an outage left in a file."""
        path = self.unsaved_path
        if path is None or not path.exists():
            return
        connection = self._connection
        assert connection is not None
        batches = _read_unsaved(path)  # all of it is read before anything is written
        written = skipped = 0
        for batch_id, records in batches:
            if is_written(connection, batch_id):  # it did reach the database before the close
                skipped += len(records)
                continue
            append_batch(connection, batch_id, [self._logged(record) for record in records])
            written += len(records)
        while fold(connection, self.shards, owner=self.owner):
            pass
        path.unlink()
        log.warning(
            "PostgreSQL: %d alteração(ões) guardadas em %s ao parar foram gravadas agora"
            " (%d já estavam no banco)",
            written,
            path,
            skipped,
        )

    # ------------------------------------------------------------------ changes

    def commit(self, changes: Iterable[Change]) -> asyncio.Future[None]:
        """Apply changes to the ledger now; the future completes once PostgreSQL has them.

        Must run on the event loop. Sequence numbers are the store's to give.

        Raises:
            RecordError: a change is not valid; nothing was applied.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        changes = list(changes)
        if self._closed:
            log.error(
                "Alterações que chegaram depois que o store PostgreSQL foi fechado não foram "
                "salvas: %d",
                len(changes),
            )
            future.set_exception(DatabaseUnavailableError("the PostgreSQL store is closed"))
            future.exception()  # logged above; awaiting it still raises
            return future
        seq = self.ledger.seq
        # Validated as the JSON store validates its journal lines, all before any is applied.
        validated = [
            decode_change(encode(msgspec.structs.replace(change, seq=seq + n)))
            for n, change in enumerate(changes, 1)
        ]
        if not validated:
            future.set_result(None)
            return future
        queue = self._queue
        queue.logged.extend(self._logged(change) for change in validated)
        queue.futures.append(future)
        self._start_writer()
        return future

    def _logged(self, change: Change) -> LoggedChange:
        """Apply one change to the ledger; the change as the change log keeps it."""
        if not isinstance(change, Adjust):
            self.ledger.apply(change)
            return LoggedChange(change)
        # A removal stops at zero and comes off the newest days first: log what it did.
        guild_id, user_id, days = change.g, change.u, DayRange(1, change.day)
        before = self.ledger.member_stats(guild_id, user_id).seconds
        before_days = self.ledger.seconds_by_day(guild_id, user_id, days)
        self.ledger.apply(change)
        applied = self.ledger.member_stats(guild_id, user_id).seconds - before
        after_days = self.ledger.seconds_by_day(guild_id, user_id, days)
        moved = {
            day: after_days.get(day, 0) - before_days.get(day, 0)
            for day in after_days.keys() | before_days.keys()
        }
        effect = Effect(applied, sorted((day, s) for day, s in moved.items() if s))
        return LoggedChange(change, effect)

    # ------------------------------------------------------------------ writer

    def _start_writer(self) -> None:
        """Start the writer task unless it runs: it ends once nothing is left to write."""
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(
                self._write_all(), name="pg-writer"
            )

    async def _write_all(self) -> None:
        delay = RETRY_FIRST_SECONDS
        while True:
            if self._writing is None:
                if not self._queue.futures:
                    return
                self._writing, self._queue = self._queue, _Batch()
            batch = self._writing
            started = time.perf_counter()
            try:
                await self._write(batch)
            except (*TRANSIENT_ERRORS, ShardsInUseError) as error:
                await self._lost(error, len(batch.records) + len(self._queue.records))
                await asyncio.sleep(delay)
                delay = min(2 * delay, RETRY_MAX_SECONDS)
                continue
            except psycopg.Error as error:
                # Not a matter of time: the database refuses these changes. Keep them in
                # the log so nothing is lost without a trace, and go on with the next ones.
                log.error(
                    "PostgreSQL recusou %d alteração(ões) (%s); elas ficam só na memória até "
                    "o bot parar: %s",
                    len(batch.records),
                    error,
                    b" ".join(encode(record) for record in batch.records).decode(),
                )
                for future in batch.futures:
                    if not future.done():
                        future.set_exception(DatabaseUnavailableError(str(error)))
                        future.exception()
            else:
                if self.unavailable:
                    log.warning(
                        "PostgreSQL voltou: as alterações guardadas na memória foram gravadas"
                    )
                self.unavailable = False
                self.last_write = time.monotonic()
                self.hooks.wrote(time.perf_counter() - started)
                delay = RETRY_FIRST_SECONDS
                for future in batch.futures:
                    if not future.done():
                        future.set_result(None)
                self._unfolded += len(batch.logged)
            self._writing = None
            loop = asyncio.get_running_loop()
            if self._unfolded >= FOLD_CHANGES or loop.time() - self._folded_at >= FOLD_SECONDS:
                await self._fold_now()

    async def _fold_now(self) -> None:
        """Fold what this process logged (a failure waits for the next write, or the close)."""
        self._folded_at = asyncio.get_running_loop().time()
        try:
            await asyncio.to_thread(self._fold)
        except (*TRANSIENT_ERRORS, ShardsInUseError) as error:
            await self._lost(error, self.pending)

    def _fold(self) -> None:
        """Blocking: fold the change log of this process's shards into the figure tables."""
        connection = self._ensure_connection()
        while fold(connection, self.shards, owner=self.owner):
            pass
        self._unfolded = 0
        self._folds += 1
        if self._folds % FORGET_BATCHES_EVERY == 0:
            forget_old_batches(connection)

    async def _lost(self, error: Exception, waiting: int) -> None:
        """The database went away: say so once, and drop both connections."""
        if not self.unavailable:
            log.error(
                "PostgreSQL indisponível (%s); o bot continua contando na memória e grava "
                "tudo quando o banco voltar (%d alteração(ões) esperando)",
                " ".join(str(error).split()) or type(error).__name__,
                waiting,
            )
        self.unavailable = True
        await self._drop_writer_connection()
        await asyncio.to_thread(self._drop_connection)

    async def _write(self, batch: _Batch) -> None:
        """Append one batch to the change log, reconnecting (and retaking the shards) if needed.

        Connections that were open before may have been cut while idle (a restart of the
        server): they fail on first use, so that one failure is followed at once by a try on
        new ones, the shards' locks taken again first.
        """
        stale = self._writer_connection is not None
        for attempt in (1, 2):
            try:
                connection = self._writer_connection
                if connection is None or connection.closed or connection.broken:
                    await asyncio.to_thread(self._ensure_connection)  # the locks, first
                    connection = await psycopg.AsyncConnection.connect(self.url, **CONNECT_OPTIONS)
                    self._writer_connection = connection
                await append_batch_async(connection, batch.batch_id, batch.logged)
                return
            except TRANSIENT_ERRORS:
                await self._drop_writer_connection()
                if attempt == 2 or not stale:
                    raise
                await asyncio.to_thread(self._drop_connection)  # its locks may be gone too

    async def _drop_writer_connection(self) -> None:
        connection, self._writer_connection = self._writer_connection, None
        if connection is not None:
            try:
                await connection.close()
            except psycopg.Error:
                pass

    def _ensure_connection(self) -> psycopg.Connection[TupleRow]:
        connection = self._connection
        if connection is None or connection.closed or connection.broken:
            connection = connect(self.url)
            try:
                take_shards(connection, self.shards)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return connection

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except psycopg.Error:
                pass

    # ---------------------------------------------------------------- state

    def health(self) -> StoreHealth:
        """Failing while PostgreSQL is unavailable; when a batch last reached it."""
        failing = "PostgreSQL is unavailable" if self.unavailable else None
        return StoreHealth(failing, self.last_write, unavailable=self.unavailable)

    @property
    def pending(self) -> int:
        """How many committed changes are not in PostgreSQL yet."""
        writing = len(self._writing.records) if self._writing is not None else 0
        return writing + len(self._queue.records)

    # ---------------------------------------------------------------- audit log

    def _on_side(self, work: Any, *args: Any) -> Any:
        """Blocking: run `work(connection, *args)` on the side connection (the audit log).

        A connection an outage broke is replaced and the work tried once more.
        """
        with self._side_lock:
            for attempt in (1, 2):
                try:
                    if self._side is None or self._side.closed or self._side.broken:
                        self._side = connect(self.url)
                    return work(self._side, *args)
                except psycopg.Error as error:
                    broken = self._side is not None and self._side.broken
                    if broken and self._side is not None:
                        self._side.close()
                    if attempt == 2 or not broken:
                        raise DatabaseUnavailableError(" ".join(str(error).split())) from error
            raise AssertionError("unreachable")

    async def audit_append(self, entry: AuditEntry) -> None:
        """Write one entry to the audit log (admin_actions), before its change is committed.

        Raises:
            DatabaseUnavailableError: PostgreSQL did not take it (an `OSError`; logged here).
        """
        try:
            await asyncio.to_thread(self._on_side, insert_action, entry)
        except DatabaseUnavailableError as error:
            log.error(
                "Não foi possível gravar a auditoria no PostgreSQL (%s); alteração recusada",
                error,
            )
            raise

    async def audit_latest(self, guild_id: int, count: int) -> AuditPage:
        """The newest `count` audit entries of a server, newest first.

        Raises:
            DatabaseUnavailableError: PostgreSQL did not answer (an `OSError`; logged here).
        """
        try:
            entries: list[AuditEntry] = await asyncio.to_thread(
                self._on_side, latest_actions, guild_id, count
            )
        except DatabaseUnavailableError as error:
            log.error("Não foi possível ler a auditoria no PostgreSQL (%s)", error)
            raise
        return AuditPage(entries)

    async def audit_member(self, guild_id: int, user_id: int) -> list[AuditEntry]:
        """Every audit entry of a server by or about a member, oldest first.

        Raises:
            DatabaseUnavailableError: PostgreSQL did not answer (an `OSError`; logged here).
        """
        try:
            entries: list[AuditEntry] = await asyncio.to_thread(
                self._on_side, member_actions, guild_id, user_id
            )
        except DatabaseUnavailableError as error:
            log.error("Não foi possível ler a auditoria no PostgreSQL (%s)", error)
            raise
        return entries

    async def audit_forget_names(self, guild_id: int, user_id: int) -> None:
        """Drop a member's names from the audit entries of a server (they erased their data).

        Raises:
            DatabaseUnavailableError: PostgreSQL did not take it (an `OSError`; logged here).
        """
        try:
            await asyncio.to_thread(self._on_side, forget_names, guild_id, user_id)
        except DatabaseUnavailableError as error:
            log.error(
                "Não foi possível tirar os nomes de um membro da auditoria no PostgreSQL (%s)",
                error,
            )
            raise

    # ----------------------------------------------------------------- settings

    async def save_server_settings(self, guild_id: int, settings: ServerSettings) -> None:
        """Replace a server's settings in `server_settings` (on the side connection).

        Raises:
            DatabaseUnavailableError: PostgreSQL did not take them (logged here); the old
                settings stay.
        """
        async with self._settings_lock:
            await self._save_on_side(save_server_settings, guild_id, settings)
            self.settings = self.settings.with_server(guild_id, settings)

    async def save_member_settings(
        self, guild_id: int, user_id: int, settings: MemberSettings
    ) -> None:
        """Replace a member's choices in `member_settings` (on the side connection).

        Raises:
            DatabaseUnavailableError: PostgreSQL did not take them (logged here); the old
                choices stay.
        """
        async with self._settings_lock:
            await self._save_on_side(save_member_settings, guild_id, user_id, settings)
            self.settings = self.settings.with_member(guild_id, user_id, settings)

    async def _save_on_side(self, work: Any, *args: Any) -> None:
        try:
            await asyncio.to_thread(self._on_side, work, *args)
        except DatabaseUnavailableError as error:
            log.error(
                "Não foi possível gravar as configurações no PostgreSQL (%s); nada foi alterado",
                error,
            )
            raise

    # ------------------------------------------------------------------ closing

    async def close(self) -> None:
        """Write what is left (trying for up to `CLOSE_WAIT_SECONDS`), then disconnect.

        If PostgreSQL stays away, what could not be written is logged at ERROR.
        """
        if self._closed:
            return
        self._closed = True
        writer = self._writer
        if writer is not None and not writer.done():
            done, _ = await asyncio.wait({writer}, timeout=CLOSE_WAIT_SECONDS)
            if not done:
                writer.cancel()
                await asyncio.gather(writer, return_exceptions=True)
        unsaved = self.pending
        if unsaved:
            await asyncio.to_thread(self._keep_unsaved, unsaved)
        elif self._unfolded and not self.unavailable:
            await self._fold_now()  # else the next start folds it
        await asyncio.to_thread(self._disconnect)

    def _keep_unsaved(self, count: int) -> None:
        """Blocking: put the batches PostgreSQL did not take in a file, for the next start."""
        batches = [batch for batch in (self._writing, self._queue) if batch and batch.records]
        path = self.unsaved_path
        if path is not None:
            lines = [
                _unsaved_encoder.encode(
                    _UnsavedBatch(
                        str(batch.batch_id), [encode(record).decode() for record in batch.records]
                    )
                )
                + b"\n"
                for batch in batches
            ]
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                old = path.read_bytes() if path.exists() else b""
                atomic_write_json(path, [old, *lines])
            except OSError as error:
                log.error("Não foi possível gravar %s (%s)", path, error)
            else:
                log.error(
                    "PostgreSQL indisponível ao parar: %d alteração(ões) guardadas em %s; "
                    "serão gravadas no banco na próxima partida",
                    count,
                    path,
                )
                return
        log.error(
            "Alterações não gravadas no PostgreSQL antes de fechar, e por isso perdidas: %d",
            count,
        )

    def _disconnect(self) -> None:
        self._drop_connection()
        with self._side_lock:
            if self._side is not None:
                self._side.close()
                self._side = None

    def abandon(self) -> None:
        """Drop the connections as a killed process would: nothing more is written."""
        self._closed = True
        if self._writer is not None:
            self._writer.cancel()
        if self._writer_connection is not None:
            self._writer_connection.pgconn.finish()  # its socket, closed at once
            self._writer_connection = None
        self._disconnect()
