"""The ranking store: ledger in memory, journal on disk, snapshots in the background.

Files, all beside `DATA_FILE` and named after it (for `video_ranking.json`):

- `video_ranking.json` — the totals in the documented format (what users read and back up);
- `video_ranking.state.json` — the full state (totals, per-day history, open sessions);
- `video_ranking.journal.jsonl` — every change since the last snapshot, fsync'd;
- `video_ranking.lock` — held by the running bot, so a second one refuses to start;
- `*.bak.json` — the previous good copy of each snapshot file;
- `*.corrupt-<UTC time>.*` — files that could not be read, kept aside untouched.

A change is durable once its journal line is fsync'd (O(1) per event). Snapshots
rewrite the two JSON files atomically off the event loop, then trim the journal.
Start-up loads the newest good state and replays journal records with a higher
sequence number, so a record can never count twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import portalocker

from database_lock import (
    CorruptFileError,
    FileLockError,
    atomic_write,
    file_sha256,
    hold_lock,
    quarantine,
    read_json,
    replace_with_backup,
)
from journal import Journal, Record
from ledger import Ledger
from snapshot import (
    LedgerCopy,
    copy_ledger,
    decode_export,
    decode_state,
    encode_export,
    encode_state,
)

log = logging.getLogger(__name__)

SNAPSHOT_MIN_SECONDS = 5.0
"""Shortest pause between snapshots; it grows with the cost of a snapshot."""


class StoreLockedError(FileLockError):
    """Another process is using the same `DATA_FILE`."""


@dataclass(frozen=True, slots=True)
class StorePaths:
    """Every file the store keeps, derived from `DATA_FILE`."""

    data: Path

    def sibling(self, kind: str, suffix: str | None = None) -> Path:
        """`video_ranking.json` + kind `state` -> `video_ranking.state.json`."""
        return self.data.with_name(f"{self.data.stem}.{kind}{suffix or self.data.suffix or ''}")

    @property
    def state(self) -> Path:
        """The full state snapshot."""
        return self.sibling("state", ".json")

    @property
    def journal(self) -> Path:
        """The journal of changes since the last snapshot."""
        return self.sibling("journal", ".jsonl")

    @property
    def audit(self) -> Path:
        """The audit log of manual resets and adjustments."""
        return self.sibling("audit", ".jsonl")

    @property
    def lock(self) -> Path:
        """The lock file held while the bot runs (never replaced, so locks stay valid)."""
        return self.data.with_name(f"{self.data.stem}.lock")

    @staticmethod
    def backup(path: Path) -> Path:
        """The previous good copy of a snapshot file."""
        return path.with_name(f"{path.stem}.bak{path.suffix}")


def _load_json_or_backup(path: Path, what: str) -> tuple[Any, Path] | None:
    """Read `path`, falling back to its backup; corrupt files are moved aside and logged."""
    for candidate in (path, StorePaths.backup(path)):
        try:
            return read_json(candidate), candidate
        except FileNotFoundError:
            continue
        except (CorruptFileError, OSError) as error:
            kept = quarantine(candidate)
            log.error(
                "The %s file %s could not be read (%s). It was kept as %s; "
                "recovering from the newest good copy",
                what,
                candidate,
                error,
                kept,
            )
    return None


class Store:
    """Owns the ranking data of one `DATA_FILE` for the life of the bot."""

    def __init__(self, data_file: Path, ledger: Ledger, journal: Journal, lock: Any) -> None:
        """Use `Store.open` (it loads, recovers and locks)."""
        self.paths = StorePaths(data_file)
        self.ledger = ledger
        self.journal = journal
        self._lock = lock
        self._seq = ledger.seq
        self._snapshot_seq = ledger.seq
        self._known_exports: list[tuple[int, str]] = []
        self._snapshot_task: asyncio.Task[None] | None = None
        self._snapshot_cost = 0.0
        self._dirty = False
        self._closed = False
        self.snapshot_failing = False

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, data_file: Path, *, lock_timeout: float = 0.0) -> Store:
        """Lock, load and recover the store (blocking: run it off the event loop).

        Raises:
            StoreLockedError: another process holds this `DATA_FILE`.
        """
        paths = StorePaths(data_file)
        data_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            lock = hold_lock(paths.lock, timeout=lock_timeout)
        except FileLockError as error:
            raise StoreLockedError(
                f"{data_file} já está em uso por outro processo do bot / is already in use by "
                f"another bot process (lock: {paths.lock})"
            ) from error
        try:
            return cls._load(paths, lock)
        except BaseException:
            lock.release()
            raise

    @classmethod
    def _load(cls, paths: StorePaths, lock: portalocker.Lock) -> Store:
        journal = Journal(paths.journal)
        records = journal.load()
        bases = [r for r in records if r["op"] == "base"]
        known = [tuple(pair) for base in bases for pair in base.get("snapshots", [])]

        state = _load_json_or_backup(paths.state, "state")
        ledger: Ledger | None = None
        if state is not None:
            try:
                ledger = decode_state(state[0])
                known += [(ledger.seq, d) for d in state[0].get("exports", [])]
            except CorruptFileError as error:
                kept = quarantine(state[1])
                log.error("The state file %s is unusable (%s); kept as %s", state[1], error, kept)
                ledger = None

        export_digest = file_sha256(paths.data)
        adopt = export_digest is not None and export_digest not in {d for _, d in known}
        if ledger is None or adopt:
            exported = _load_json_or_backup(paths.data, "ranking")
            if exported is not None:
                try:
                    from_export = decode_export(exported[0])
                except CorruptFileError as error:
                    kept = quarantine(exported[1])
                    log.error(
                        "The ranking file %s is unusable (%s); kept as %s", exported[1], error, kept
                    )
                    from_export = None
                if from_export is not None:
                    digest = file_sha256(exported[1])
                    base_seq = next((s for s, d in known if d == digest), None)
                    if ledger is not None:
                        log.warning(
                            "%s was changed outside the bot; its totals were adopted "
                            "(per-day history kept as it was)",
                            paths.data,
                        )
                        cls._adopt_totals(ledger, from_export)
                    else:
                        ledger = from_export
                        if base_seq is not None:
                            ledger.seq = base_seq
                        elif any(r["op"] != "base" for r in records):
                            log.error(
                                "No state file could be read and %s matches no snapshot in "
                                "the journal; journal records were not replayed and the "
                                "journal is kept in %s",
                                paths.data,
                                quarantine(paths.journal, copy=True),
                            )
                            records = []
        if ledger is None:
            ledger = Ledger()

        replayed = 0
        for record in records:
            if record["op"] != "base" and record.get("seq", 0) > ledger.seq:
                ledger.apply(record)
                replayed += 1
        if replayed:
            log.info("Replayed %d journal record(s) newer than the last snapshot", replayed)
        store = cls(paths.data, ledger, journal, lock)
        store._known_exports = sorted(set(known))[-2:]
        store._dirty = replayed > 0 or adopt or export_digest is None or state is None
        return store

    @staticmethod
    def _adopt_totals(ledger: Ledger, source: Ledger) -> None:
        for guild_id, theirs in source.guilds.items():
            mine = ledger.guild(guild_id)
            seen = set()
            for user_id, row in theirs.members.index.items():
                seen.add(user_id)
                my_row = mine.members.row(user_id)
                mine.members.values[:2, my_row] = theirs.members.values[:2, row]
            for user_id, row in mine.members.index.items():
                if user_id not in seen:
                    mine.members.values[:2, row] = 0
        for guild_id in set(ledger.guilds) - set(source.guilds):
            ledger.guilds[guild_id].members.values[:2, :] = 0
        ledger.unattributed = dict(source.unattributed)

    # ------------------------------------------------------------------ changes

    def commit(self, records: Iterable[Record]) -> asyncio.Future[None]:
        """Apply records to the ledger now and make them durable.

        Must run on the event loop. The returned future completes when the
        records are fsync'd; the ledger (and so every ranking) already shows them.
        """
        stamped = []
        for record in records:
            self._seq += 1
            stamped.append({"seq": self._seq, **record})
            self.ledger.apply(stamped[-1])
        self._dirty = True
        self._schedule_snapshot()
        return self.journal.append(stamped)

    @property
    def has_unattributed(self) -> bool:
        """Whether totals from the original file format still wait for a server."""
        return bool(self.ledger.unattributed)

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
        if self._dirty and not self._closed:
            self._snapshot_task = None
            self._schedule_snapshot()

    async def snapshot(self) -> bool:
        """Write both snapshot files and trim the journal; False if the disk refused."""
        await self.journal.flush()
        copy = copy_ledger(self.ledger)
        self._dirty = False
        started = time.perf_counter()
        try:
            await asyncio.to_thread(self._write_snapshot, copy)
        except OSError as error:
            self._dirty = True
            if not self.snapshot_failing:
                log.error(
                    "Cannot write the snapshot of %s (%s); data stays in memory and in the "
                    "journal, and will be saved when writing works again",
                    self.paths.data,
                    error,
                )
            self.snapshot_failing = True
            return False
        if self.snapshot_failing:
            log.warning("Snapshots of %s work again", self.paths.data)
        self.snapshot_failing = False
        self._snapshot_cost = time.perf_counter() - started
        return True

    def _write_snapshot(self, copy: LedgerCopy) -> None:
        """Blocking: export, state, then journal trim — each step crash-safe."""
        paths = self.paths
        temp = paths.data.with_name(f".{paths.data.name}.export.tmp")
        digest = atomic_write(temp, encode_export(copy))
        exports = [d for _, d in self._known_exports][-1:] + [digest]
        copy.meta = {"exports": exports}
        atomic_write(paths.state, encode_state(copy), backup=StorePaths.backup(paths.state))
        replace_with_backup(temp, paths.data, StorePaths.backup(paths.data))
        previous_seq = self._snapshot_seq
        self._known_exports = (self._known_exports + [(copy.seq, digest)])[-2:]
        self.journal.compact(
            keep_after=previous_seq,
            header={"op": "base", "snapshots": [list(p) for p in self._known_exports]},
        )
        self._snapshot_seq = copy.seq

    # ------------------------------------------------------------------ closing

    async def close(self) -> None:
        """Flush the journal, write a final snapshot and release the lock."""
        if self._closed:
            return
        self._closed = True
        if self._snapshot_task is not None and not self._snapshot_task.done():
            self._snapshot_task.cancel()
            await asyncio.gather(self._snapshot_task, return_exceptions=True)
        await self.journal.flush()
        if self._dirty or self.ledger.seq != self._snapshot_seq:
            await self.snapshot()
        self.journal.close()
        self._lock.release()
