"""The CSV export of a ranking: safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace

import discord

from tracking.ledger import Standings
from ui import texts
from ui.names import MemberNames
from utils import format_seconds_to_time

EXPORT_FETCH_LIMIT = 100
"""At most this many names missing from the cache are fetched from Discord for an export."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make spreadsheets read a cell as a formula."""


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One member's line in a CSV export."""

    user_id: int
    name: str
    seconds: int
    sessions: int
    hidden: bool = False
    """A member hidden from the admin who asked (`!privacidade oculto`): no id, no name."""


def neutralise(cell: str) -> str:
    """A cell that spreadsheets will show as text, never run as a formula.

    >>> neutralise("=HYPERLINK(1)"), neutralise("-2"), neutralise("@ana"), neutralise("ana")
    ("'=HYPERLINK(1)", "'-2", "'@ana", 'ana')
    """
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def build_csv(rows: Iterable[ExportRow]) -> bytes:
    r"""The export file: UTF-8 with BOM (Excel reads accents right), `;`-separated.

    `;` is the list separator of spreadsheets set to Brazilian Portuguese.

    >>> build_csv([ExportRow(123456789012345678, "João", 3665, 2)])[3:].decode()
    'id_membro;nome;segundos;sessoes;tempo\r\n123456789012345678;João;3665;2;1h 1min 5s\r\n'
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(texts.EXPORT_HEADER)
    for row in rows:
        writer.writerow(
            [
                "" if row.hidden else str(row.user_id),
                neutralise(row.name),
                str(row.seconds),
                str(row.sessions),
                format_seconds_to_time(row.seconds),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def export_rows(
    standings: Standings, cached_name: Callable[[int], str | None]
) -> tuple[list[ExportRow], list[int]]:
    """Every ranked member in order, named from the cache; and the ids the cache lacks.

    Pure CPU work over the whole server: run it in a worker thread.
    """
    rows, missing = [], []
    for standing in standings.top(len(standings)):
        name = cached_name(standing.user_id)
        if name is None:
            missing.append(standing.user_id)
        rows.append(ExportRow(standing.user_id, name or "", standing.seconds, standing.sessions))
    return rows, missing


async def fill_missing_names(
    directory: MemberNames, guild: discord.Guild, rows: list[ExportRow], missing: Sequence[int]
) -> list[ExportRow]:
    """Ask Discord for the first few names the cache lacked; bots are left out.

    Members who left (or who are beyond the fetch limit) keep an empty name.
    """
    if missing:
        fetched = await directory.lookup(guild, missing[:EXPORT_FETCH_LIMIT])
        rows = [
            replace(row, name=fetched.get(row.user_id) or row.name) if not row.name else row
            for row in rows
        ]
    bots = directory.bots(guild.id)
    return [row for row in rows if row.user_id not in bots]


def hide_members(rows: Iterable[ExportRow], hidden: Collection[int]) -> list[ExportRow]:
    """Rows with the members of `hidden` (`ui.names.hidden_members`) shown without id or name.

    >>> rows = hide_members([ExportRow(7, "ana", 60, 1), ExportRow(8, "bia", 30, 1)], {7})
    >>> build_csv(rows)[3:].decode().splitlines()[1:]
    [';membro oculto;60;1;1min', '8;bia;30;1;30s']
    """
    return [
        replace(row, name=texts.HIDDEN_MEMBER, hidden=True) if row.user_id in hidden else row
        for row in rows
    ]
