"""Start-up recovery: the store's file layout, and rebuilding the ledger from them.

Blocking; `Store.open` runs it in a worker thread. The newest good copy wins:
the state file, else its `.bak`, else the newest good `DATA_FILE` placed in the
journal by its digest. Unusable files are moved aside byte for byte and logged at
ERROR. Journal records newer than the loaded snapshot are replayed by sequence
number, so a record never counts twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from database_lock import CorruptFileError, file_sha256, quarantine, temp_name
from store.journal import JournalContents
from store.snapshot import decode_export, decode_state
from tracking.ledger import GuildLedger, Ledger
from tracking.records import Base, Change
from tracking.records import Record as JournalRecord

log = logging.getLogger(__name__)

KEPT_EXPORTS = 3
"""How many export digests a snapshot lists: enough to name `DATA_FILE` and its
`.bak` even when the snapshot before failed half-way."""

Export = tuple[int, str]
"""(sequence number, SHA-256) of a `DATA_FILE` the store wrote: its totals are the
ledger's totals at that sequence number."""

T = TypeVar("T")


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
        """The journal of changes since the snapshot before last."""
        return self.sibling("journal", ".jsonl")

    @property
    def rejected(self) -> Path:
        """Journal lines that were not valid records, kept byte for byte."""
        return self.sibling("journal.rejected", ".jsonl")

    @property
    def audit(self) -> Path:
        """The audit log of manual resets and adjustments."""
        return self.sibling("audit", ".jsonl")

    @property
    def settings(self) -> Path:
        """Per-server settings and per-member choices (`store.settings`)."""
        return self.sibling("settings", ".json")

    @property
    def lock(self) -> Path:
        """The lock file held while the bot runs (never replaced, so locks stay valid)."""
        return self.data.with_name(f"{self.data.stem}.lock")

    @property
    def export_temp(self) -> Path:
        """Where the next export is written before it replaces `DATA_FILE`."""
        return temp_name(self.data, "export")

    @property
    def files(self) -> list[Path]:
        """Every file of fixed name the store reads or writes."""
        snapshots = [self.data, self.state, self.backup(self.data), self.backup(self.state)]
        settings = [self.settings, self.backup(self.settings)]
        return [
            *snapshots,
            *settings,
            self.journal,
            self.rejected,
            self.lock,
            self.audit,
            self.export_temp,
        ]

    @property
    def temp_prefixes(self) -> list[str]:
        """How the names of this store's temporary files start."""
        written = [self.data, self.state, self.journal, self.lock, self.settings, self.audit]
        written += [self.backup(self.data), self.backup(self.state), self.backup(self.settings)]
        return [f".{path.name}." for path in written] + [f".{self.data.stem}.corrupt-"]

    @staticmethod
    def backup(path: Path) -> Path:
        """The previous good copy of a snapshot file."""
        return path.with_name(f"{path.stem}.bak{path.suffix}")


# ----------------------------------------------------------------- reading files


def _read_with_digest(path: Path) -> tuple[bytes, str]:
    """A file's bytes and their SHA-256 (blocking)."""
    raw = path.read_bytes()
    return raw, hashlib.sha256(raw).hexdigest()


def _set_aside(path: Path, what: str, error: Exception) -> None:
    """Move an unusable file aside, byte for byte, and say so loudly."""
    kept = quarantine(path)
    log.error(
        "O arquivo %s %s não pôde ser usado (%s). Ele foi guardado como %s; "
        "recuperando a partir da cópia boa mais recente",
        what,
        path,
        error,
        kept,
    )


def read_newest_good(
    path: Path, what: str, decode: Callable[[bytes], T], *, digest: bool = True
) -> tuple[T, Path, str] | None:
    """The first of `path` and its backup that reads and decodes: (value, file, SHA-256).

    Without `digest` the SHA-256 is not computed (an empty string). Files that
    exist but cannot be used are moved aside and logged at ERROR.
    """
    for candidate in (path, StorePaths.backup(path)):
        try:
            if digest:
                raw, sha256 = _read_with_digest(candidate)
            else:
                raw, sha256 = candidate.read_bytes(), ""
            return decode(raw), candidate, sha256
        except FileNotFoundError:
            continue
        except (CorruptFileError, OSError) as error:
            _set_aside(candidate, what, error)
    return None


def _exports_in_journal(records: Iterable[JournalRecord]) -> list[Export]:
    """The exports named by the journal's headers."""
    found: list[Export] = []
    for record in records:
        if isinstance(record, Base):
            found.extend(record.snapshots)
    return found


# --------------------------------------------------------------------- recovery


@dataclass
class Recovery:
    """What start-up made of the files on disk."""

    ledger: Ledger
    base_seq: int
    """Sequence number of the snapshot the ledger was loaded from (before replay)."""
    exports: list[Export]
    """Exports `DATA_FILE` or its `.bak` may hold, oldest first."""
    dirty: bool
    """Whether the files need repairing now (replayed journal records alone do not count)."""
    replayed: int = 0


def recover(paths: StorePaths, contents: JournalContents) -> Recovery:
    """Rebuild the ledger from the newest good files and the journal (blocking)."""
    records = [r for r in contents.records if not isinstance(r, Base)]
    known = _exports_in_journal(contents.records)
    # Hashing DATA_FILE releases the GIL: it runs in a worker while the state is decoded.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-digest") as pool:
        data_digest = pool.submit(file_sha256, paths.data)
        state = read_newest_good(paths.state, "de estado", decode_state, digest=False)
        if state is not None:
            (ledger, state_exports), source, _ = state
            recovery = _recover_from_state(paths, ledger, known + state_exports, data_digest)
            recovery.dirty |= source != paths.state
        else:
            recovery = _recover_without_state(paths, known, records)
    recovery.replayed = _replay(recovery.ledger, records)
    # Replayed records are already durable in the journal: the next snapshot folds them in.
    recovery.dirty |= contents.corrupt_lines > 0
    return recovery


def _recover_from_state(
    paths: StorePaths, ledger: Ledger, known: list[Export], data_digest: Future[str | None]
) -> Recovery:
    """A good state: check `DATA_FILE` against it, adopting totals edited outside the bot.

    `data_digest` is `DATA_FILE`'s SHA-256, computed meanwhile in a worker thread.
    """
    seq_of = {digest: seq for seq, digest in sorted(known)}
    recovery = Recovery(ledger, ledger.seq, [], dirty=True)
    try:
        digest = data_digest.result()
    except OSError as error:
        _set_aside(paths.data, "de totais", error)
        digest = None
    if digest is None:
        recovery.exports = _candidates(known, None)
        return recovery
    if digest in seq_of:
        current = (seq_of[digest], digest)
        recovery.exports = _candidates(known, current)
        recovery.dirty = current[0] != ledger.seq
        return recovery
    try:
        raw, digest = _read_with_digest(paths.data)
        outside = decode_export(raw)
    except (CorruptFileError, OSError) as error:
        _set_aside(paths.data, "de totais", error)
        recovery.exports = _candidates(known, None)
        return recovery
    log.warning(
        "%s foi alterado fora do bot; os totais dele foram adotados (histórico por dia mantido)",
        paths.data,
    )
    _adopt_totals(ledger, outside)
    recovery.exports = _candidates(known, (ledger.seq, digest))
    return recovery


def _recover_without_state(
    paths: StorePaths, known: list[Export], records: list[Change]
) -> Recovery:
    """No good state: start from the newest good export, else from nothing."""
    export = read_newest_good(paths.data, "de totais", decode_export)
    if export is None:
        if known:
            log.error(
                "Nenhum arquivo de estado ou de totais de %s pôde ser lido; reconstruindo só "
                "a partir do journal (os totais antigos estão nos arquivos *.corrupt-*)",
                paths.data,
            )
        return Recovery(Ledger(), 0, [], dirty=bool(records))
    ledger, source, digest = export
    seq_of = {d: seq for seq, d in sorted(known)}
    if digest in seq_of:
        ledger.seq = seq_of[digest]
        log.warning(
            "Nenhum arquivo de estado de %s pôde ser lido; totais recuperados de %s e do "
            "journal (falta o histórico por dia anterior a ele)",
            paths.data,
            source,
        )
        return Recovery(ledger, ledger.seq, _candidates(known, (ledger.seq, digest)), dirty=True)
    # Not a file this store wrote (the original format, or edited by hand): no
    # journal record can be placed after it, so none is replayed.
    if records:
        log.error(
            "Nenhum arquivo de estado pôde ser lido e %s não corresponde a nenhum snapshot "
            "do journal; os registros do journal não foram reaplicados e ele foi guardado em %s",
            source,
            quarantine(paths.journal, copy=True),
        )
    else:
        log.info("Membros carregados de %s: %d", source, _member_count(ledger))
    ledger.seq = max([r.seq or 0 for r in records] + [s for s, _ in known] + [0])
    return Recovery(ledger, ledger.seq, [(ledger.seq, digest)], dirty=True)


def _candidates(known: list[Export], current: Export | None) -> list[Export]:
    """Exports that `DATA_FILE` or its backup may hold, oldest first, `current` last.

    >>> _candidates([(1, "a"), (5, "c"), (3, "b"), (5, "c")], (7, "d"))
    [(3, 'b'), (5, 'c'), (7, 'd')]
    >>> _candidates([(1, "a")], None)
    [(1, 'a')]
    """
    tail = [current] if current is not None else []
    others = sorted(set(known) - set(tail))
    keep = KEPT_EXPORTS - len(tail)
    return others[max(0, len(others) - keep) :] + tail


def _member_count(ledger: Ledger) -> int:
    users = set(ledger.unattributed)
    for guild in ledger.guilds.values():
        users.update(guild.members.index)
    return len(users)


def _replay(ledger: Ledger, records: Iterable[Change]) -> int:
    """Apply the records newer than the ledger, in order; how many were applied."""
    replayed = 0
    for record in records:
        if (record.seq or 0) > ledger.seq:
            ledger.apply(record)
            replayed += 1
    if replayed:
        log.info("Registros do journal mais novos que o último snapshot reaplicados: %d", replayed)
    return replayed


def _adopt_totals(ledger: Ledger, source: Ledger) -> None:
    """Make the ledger's totals those of `source`, keeping its per-day history."""
    for guild_id, theirs in source.guilds.items():
        mine = ledger.guilds.setdefault(guild_id, GuildLedger())
        for user_id, row in theirs.members.index.items():
            my_row = mine.members.row(user_id)  # may grow the table: index it afterwards
            mine.members.values[:2, my_row] = theirs.members.values[:2, row]
        for user_id, row in mine.members.index.items():
            if user_id not in theirs.members.index:
                mine.members.values[:2, row] = 0
    for guild_id in set(ledger.guilds) - set(source.guilds):
        ledger.guilds[guild_id].members.values[:2, :] = 0
    ledger.unattributed = dict(source.unattributed)
