"""`manage.py import-legacy`: a file of the original format, tied to one server.

The original `DATA_FILE` format is `{"<user id>": {"total_seconds": N, "sessions": M}}`,
with no `guilds`. Reading it is `store.snapshot.decode_export`'s rule: each member's
figures become *unattributed* totals. Tying them to a server is the `AttributeLegacy`
rule the bot applies at start (`LEGACY_GUILD_ID`): each member's seconds and sessions are
added to the server's figures, with no per-day history. This module only reads the file
and says which members would be added to figures they already have; the stores apply
the rule (`manage.py` for the JSON store, `store.pg.legacy` for PostgreSQL).

Members that already have figures in the server: the import is refused (nothing
changed), unless the admin asks to add to them (`--add`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from database_lock import CorruptFileError
from store.snapshot import decode_export
from tracking import records
from tracking.records import RecordError
from tracking.standings import StoredFigures

Totals = dict[int, tuple[int, int]]
"""(seconds, sessions) by member."""
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 10_000
"""Members between two progress reports."""


class LegacyFileError(Exception):
    """The file is not a ranking in the original format (nothing was changed)."""


def read_legacy(path: Path) -> Totals:
    """The members' totals in an original-format file (blocking).

    Raises:
        LegacyFileError: unreadable, not a ranking, in the current format (with `guilds`),
            or without any figure.
        OSError: the file could not be read.
    """
    raw = path.read_bytes()
    try:
        entries = records.decode_export(raw)
        ledger = decode_export(raw)
    except (RecordError, CorruptFileError) as error:
        raise LegacyFileError(
            f"{path} não é um ranking no formato original ({error}); nada foi alterado / is "
            "not a ranking in the original format, nothing was changed"
        ) from error
    if any(entry.guilds is not None for entry in entries.values()):
        raise LegacyFileError(
            f'{path} já está no formato atual (tem "guilds"), não no original; para mover um '
            "store JSON use import-json; nada foi alterado / is in the current format, not the "
            "original one; nothing was changed"
        )
    totals = {user: figures for user, figures in ledger.unattributed.items() if any(figures)}
    if not totals:
        raise LegacyFileError(
            f"{path} não tem nenhum total para importar; nada foi alterado / holds no totals"
        )
    return totals


def members_with_figures(
    store: StoredFigures, guild_id: int, totals: Totals, progress: Progress
) -> list[int]:
    """The file's members who already have seconds or sessions in the server, by id."""
    found = []
    for done, user_id in enumerate(sorted(totals), start=1):
        stats = store.member_stats(guild_id, user_id)
        if stats.seconds or stats.sessions:
            found.append(user_id)
        if done % PROGRESS_EVERY == 0 or done == len(totals):
            progress("membros do arquivo", done, len(totals))
    return found
