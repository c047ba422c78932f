"""`manage.py verify` for the JSON store: read every file, say what is damaged and what is not.

Read-only, and without the store's lock: every file is replaced atomically, so each one
read is whole, and the bot may keep running. Files written while the check runs may be a
moment apart; a run with the bot stopped is the definitive one.

Damage: a file that does not decode, journal lines that are not records, journal sequence
numbers out of order or a record that does not replay, negative figures, a member credited
more than a day's seconds on one day, day rows of unknown members, duplicate rows, an
`DATA_FILE` the bot wrote whose totals differ from its state, unreadable audit lines, a
settings file (or its `.bak`) that is not valid settings.

Notes (documented differences, not damage): totals that differ from the sum of the
member's days (totals from the original format, attributed to a server or not yet, and
totals edited by hand in `DATA_FILE` and adopted keep no per-day history), a
`DATA_FILE` edited outside the bot (adopted at the next start), a torn last journal
line (a write a crash cut short: never acknowledged).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from database_lock import CorruptFileError
from store.audit import AuditLog
from store.journal import read_journal
from store.recovery import StorePaths
from store.settings import decode_settings_file
from store.snapshot import decode_export, decode_state
from tracking.ledger import SECONDS, SESSIONS, GuildLedger, Ledger
from tracking.records import Base, RecordError
from utils import plural

log = logging.getLogger(__name__)

DAY_SECONDS = 86_400
PROGRESS_SECONDS = 5.0
"""How often a long check says how far it got."""


@dataclass
class Report:
    """What a check found: damage (exit 1) and notes (documented differences)."""

    damage: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    """What was read, for the report's first lines."""

    @property
    def sound(self) -> bool:
        """Whether nothing is damaged (notes may remain)."""
        return not self.damage


class Progress:
    """Says how far a long check got, at most every `PROGRESS_SECONDS`."""

    def __init__(self, total: int, say: Callable[[str], None], what: str) -> None:
        """`total` things called `what` (a Portuguese plural, masculine or feminine)."""
        self.total, self.say, self.what = total, say, what
        self.last = time.monotonic()

    def step(self, done: int, checked: str = "verificados") -> None:
        """`done` of them are checked now: say so if the last line is old enough."""
        now = time.monotonic()
        if now - self.last >= PROGRESS_SECONDS:
            self.last = now
            self.say(f"{checked} {done} de {self.total} {self.what}...")


def verify_json_store(paths: StorePaths, say: Callable[[str], None] | None = None) -> Report:
    """Check every file of the JSON store at `paths` (blocking); `say` gets progress lines."""
    report = Report()
    progress_line = say or (lambda line: log.info("%s", line))
    state_ledger: Ledger | None = None
    exports: list[tuple[int, str]] = []
    for candidate in (paths.state, StorePaths.backup(paths.state)):
        try:
            ledger, found = decode_state(candidate.read_bytes())
        except FileNotFoundError:
            continue
        except (CorruptFileError, OSError) as error:
            report.damage.append(f"{candidate} não pôde ser lido: {error}")
            continue
        report.checked.append(f"{candidate} (seq {ledger.seq})")
        if state_ledger is None:
            state_ledger, exports = ledger, found
    journal = read_journal(paths.journal)
    if paths.journal.exists():
        report.checked.append(f"{paths.journal} ({len(journal.records)} registros)")
    for rejected in journal.rejected:
        report.damage.append(
            f"{paths.journal}, linha {rejected.number}: não é um registro válido "
            f"({rejected.reason})"
        )
    if journal.torn_tail:
        report.notes.append(
            f"{paths.journal}: a última linha está incompleta (gravação cortada por uma queda; "
            "nunca foi confirmada e é ignorada)"
        )
    changes = [record for record in journal.records if not isinstance(record, Base)]
    exports += [pair for r in journal.records if isinstance(r, Base) for pair in r.snapshots]
    sequence = [record.seq for record in changes if record.seq]
    if any(later <= earlier for earlier, later in zip(sequence, sequence[1:], strict=False)):
        report.damage.append(f"{paths.journal}: números de sequência fora de ordem")

    export_ledger: Ledger | None = None
    export_digest = ""
    try:
        raw = paths.data.read_bytes()
        export_digest = hashlib.sha256(raw).hexdigest()
        export_ledger = decode_export(raw)
        report.checked.append(str(paths.data))
    except FileNotFoundError:
        pass
    except (CorruptFileError, OSError) as error:
        report.damage.append(f"{paths.data} não pôde ser lido: {error}")

    if state_ledger is not None:
        _check_export(report, paths, state_ledger, exports, export_ledger, export_digest)
        ledger = state_ledger
    else:
        ledger = export_ledger or Ledger()
        if export_ledger is not None:
            report.notes.append(
                f"{paths.data} sem arquivo de estado: totais sem histórico por dia (formato "
                "original, ou o bot ainda não salvou)"
            )
    try:
        for record in changes:
            if (record.seq or 0) > ledger.seq:
                ledger.apply(record)
    except (RecordError, ValueError, IndexError, KeyError) as error:
        report.damage.append(f"{paths.journal}: um registro não pôde ser reaplicado ({error})")

    progress = Progress(len(ledger.guilds), progress_line, "servidores")
    for done, (guild_id, guild) in enumerate(sorted(ledger.guilds.items()), start=1):
        _check_guild(report, guild_id, guild)
        progress.step(done)
    if ledger.unattributed:
        report.notes.append(
            f"{plural(len(ledger.unattributed), 'membro tem', 'membros têm')} totais do formato "
            "original ainda sem servidor (LEGACY_GUILD_ID), sem histórico por dia"
        )

    try:
        audit = AuditLog(paths.audit).read_all()
    except OSError as error:
        report.damage.append(f"{paths.audit} não pôde ser lido: {error}")
    else:
        if paths.audit.exists():
            report.checked.append(f"{paths.audit} ({len(audit.entries)} registros)")
        if audit.unreadable:
            report.damage.append(f"{paths.audit}: {audit.unreadable} linhas ilegíveis")
    _check_settings(report, paths)
    return report


def _check_settings(report: Report, paths: StorePaths) -> None:
    """The settings file and its `.bak` decode as settings (either is what a start uses)."""
    for candidate in (paths.settings, StorePaths.backup(paths.settings)):
        try:
            table = decode_settings_file(candidate.read_bytes())
        except FileNotFoundError:
            continue
        except (CorruptFileError, OSError) as error:
            report.damage.append(f"{candidate} não pôde ser lido: {error}")
            continue
        servers = plural(len(table.servers), "servidor", "servidores")
        report.checked.append(f"{candidate} ({servers} com configurações próprias)")


def _check_export(
    report: Report,
    paths: StorePaths,
    state: Ledger,
    exports: list[tuple[int, str]],
    export: Ledger | None,
    digest: str,
) -> None:
    """`DATA_FILE` against the state: the bot's own copy must agree with it."""
    if export is None:
        return
    seq_of = {sha: seq for seq, sha in exports}
    if digest not in seq_of:
        report.notes.append(
            f"{paths.data} foi alterado fora do bot: o bot adota os totais dele ao iniciar "
            "(o histórico por dia fica como está)"
        )
        return
    if seq_of[digest] != state.seq:
        return  # an older copy: the journal holds what came after it
    if _totals(export) != _totals(state):
        report.damage.append(
            f"{paths.data} foi escrito pelo bot no seq {state.seq}, mas os totais dele diferem "
            "dos do arquivo de estado"
        )


def _totals(ledger: Ledger) -> dict[tuple[int, int], tuple[int, int]]:
    """Every non-zero (seconds, sessions) by (server, member); server 0: no server yet."""
    totals = {
        (0, user_id): figures for user_id, figures in ledger.unattributed.items() if any(figures)
    }
    for guild_id, guild in ledger.guilds.items():
        members = guild.members
        for user_id, row in members.index.items():
            figures = (int(members.values[SECONDS, row]), int(members.values[SESSIONS, row]))
            if any(figures):
                totals[guild_id, user_id] = figures
    return totals


def _check_guild(report: Report, guild_id: int, guild: GuildLedger) -> None:
    """One server: figures in range, day rows of known members, totals against days."""
    members = guild.members
    size = members.size
    where = f"servidor {guild_id}"
    if members.has_duplicate_keys():
        report.damage.append(f"{where}: um membro aparece em mais de uma linha")
    if (members.values[:3, :size] < 0).any():
        report.damage.append(f"{where}: totais negativos")
    day_seconds = np.zeros(size, dtype=np.int64)
    day_sessions = np.zeros(size, dtype=np.int64)
    for day, table in guild.days.items():
        on = f"{where}, dia {date.fromordinal(day).isoformat()}"
        rows = table.keys[: table.size]
        values = table.values[:, : table.size]
        if table.has_duplicate_keys():
            report.damage.append(f"{on}: um membro aparece em mais de uma linha")
        if ((rows < 0) | (rows >= size)).any():
            report.damage.append(f"{on}: linhas de membros que não existem")
            continue
        if (values < 0).any():
            report.damage.append(f"{on}: valores negativos")
        if (values[SECONDS] > DAY_SECONDS).any():
            report.damage.append(f"{on}: mais de 24 h de câmera num só dia")
        np.add.at(day_seconds, rows, values[SECONDS])
        np.add.at(day_sessions, rows, values[SESSIONS])
    differ = (members.values[SECONDS, :size] != day_seconds) | (
        members.values[SESSIONS, :size] != day_sessions
    )
    if differ.any():
        report.notes.append(
            f"{where}: {plural(int(differ.sum()), 'membro tem', 'membros têm')} totais "
            "diferentes da soma dos dias "
            "(totais do formato original ou editados à mão e adotados: sem histórico por dia)"
        )
