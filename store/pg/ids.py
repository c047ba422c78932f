"""Ids the PostgreSQL store derives from what it writes, so a retry or a replay names the same row.

A camera session's id comes from its server, member and start instant: the same session
gets the same id in every process and after every restart, and a replayed credit finds
the row it already moved. An audit entry's id comes from its whole content: the JSON
store's audit log imported twice, or an entry retried after "commit status unknown",
lands once.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

NAMESPACE = uuid.UUID("6f1c2a9e-3b7d-5e40-9a8c-42617465506f")
"""The namespace of every id below (fixed forever: changing it would orphan the rows)."""


def session_id(guild_id: int, user_id: int, started_at: str) -> uuid.UUID:
    """The id of the session a member started in a server at `started_at` (ISO 8601, aware).

    >>> a = session_id(1, 2, "2026-01-01T00:00:00+00:00")
    >>> a == session_id(1, 2, "2025-12-31T21:00:00-03:00")  # the same instant
    True
    >>> a == session_id(1, 3, "2026-01-01T00:00:00+00:00")
    False
    """
    instant = datetime.fromisoformat(started_at).astimezone(UTC).isoformat()
    return uuid.uuid5(NAMESPACE, f"session:{guild_id}:{user_id}:{instant}")


def action_id(entry: dict[str, Any]) -> uuid.UUID:
    """The id of an audit entry, from its JSON object (`AuditEntry.to_json()`)."""
    canonical = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return uuid.uuid5(NAMESPACE, f"action:{canonical}")
