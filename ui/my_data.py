"""`!meusdados`: everything the bot keeps about a member in one server, as a JSON file.

Pure: the cog gathers the figures, this turns them into the document the member
receives. Keys are Portuguese (the member reads them); ids are strings, so that no
JSON reader rounds a 64-bit snowflake.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from database import AuditEntry
from tracking.ledger import MemberStats
from tracking.server_settings import MemberSettings

AUDIT_ACTIONS = {"adjust": "ajuste", "reset": "reset", "erase": "apagar-dados"}
"""How each audit action is named in the file."""


@dataclass(frozen=True, slots=True)
class RunningSession:
    """The member's camera session running now."""

    started_at: datetime
    seconds: int
    """Whole seconds on camera so far."""
    pending: int
    """Of those, the seconds not in the totals yet (the rest was saved at checkpoints)."""


@dataclass(frozen=True, slots=True)
class MyData:
    """Everything stored about one member in one server, as the cog gathered it."""

    guild_id: int
    guild_name: str
    user_id: int
    generated_at: datetime
    stats: MemberStats
    choices: MemberSettings
    days: list[tuple[int, int, int]]
    """(local day ordinal, seconds, sessions), oldest first."""
    running: RunningSession | None
    audit: list[AuditEntry]
    """Entries by or about the member, oldest first."""


def _audit_entry(entry: AuditEntry) -> dict[str, Any]:
    """One audit entry as the file shows it.

    >>> _audit_entry(AuditEntry("2026-01-01T00:00:00+00:00", 1, 2, "chefe", "adjust", 3, "ana",
    ...     60, 60, "esqueceu"))["acao"]
    'ajuste'
    """
    return {
        "quando": entry.at,
        "acao": AUDIT_ACTIONS.get(entry.action, entry.action),
        "feita_por": {"id": str(entry.admin_id), "nome": entry.admin_name},
        "membro": (
            None if entry.user_id is None else {"id": str(entry.user_id), "nome": entry.user_name}
        ),
        "segundos_pedidos": entry.seconds,
        "segundos_aplicados": entry.applied,
        "motivo": entry.reason,
    }


def _days(days: Iterable[tuple[int, int, int]]) -> list[dict[str, Any]]:
    return [
        {"dia": date.fromordinal(day).isoformat(), "segundos": seconds, "sessoes": sessions}
        for day, seconds, sessions in days
    ]


def my_data_document(data: MyData) -> dict[str, Any]:
    """The document `!meusdados` sends, as JSON-ready values."""
    stats = data.stats
    running = data.running
    return {
        "servidor": {"id": str(data.guild_id), "nome": data.guild_name},
        "membro": {"id": str(data.user_id)},
        "gerado_em": data.generated_at.isoformat(),
        "totais": {
            "segundos": stats.seconds,
            "sessoes": stats.sessions,
            "maior_sessao_segundos": stats.longest,
            "ajustes_manuais_segundos": stats.adjusted,
            "segundos_de_sessoes": stats.session_seconds,
        },
        "historico_por_dia": _days(data.days),
        "escolhas": {
            "oculto": data.choices.hidden,
            "contagem_parada": data.choices.paused,
            "meta_segundos": data.choices.goal,
            "meta_periodo": data.choices.goal_period,
        },
        "sessao_em_andamento": (
            None
            if running is None
            else {
                "inicio": running.started_at.isoformat(),
                "segundos_ate_agora": running.seconds,
                "segundos_ainda_fora_dos_totais": running.pending,
            }
        ),
        "auditoria": [_audit_entry(entry) for entry in data.audit],
    }


def encode_my_data(data: MyData) -> bytes:
    """The file's bytes: UTF-8 JSON, indented so a person can read it."""
    text = json.dumps(my_data_document(data), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")
