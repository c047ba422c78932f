"""The audit log in PostgreSQL: `admin_actions` rows to and from `store.audit.AuditEntry`.

One row shape serves the store (an entry written before its change) and `import-json` (a
JSON store's whole audit log). An entry's id is its content (`store.pg.ids.action_id`), so
the same entry written twice lands once.

Blocking I/O (psycopg's sync API): call it from a worker thread.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
from psycopg.rows import TupleRow

from store.audit import AuditEntry
from store.pg.ids import action_id

ActionRow = tuple[
    uuid.UUID,
    datetime,
    int,
    int,
    str | None,
    str,
    int | None,
    str | None,
    int | None,
    int | None,
    str | None,
    str | None,
    str | None,
]
"""An `admin_actions` row in the order of `ACTION_COLUMNS`."""

ACTION_COLUMNS = (
    "action_id, at, guild_id, admin_id, admin_name, action, user_id, user_name, seconds, "
    "applied, reason, setting, change"
)


def action_row(entry: AuditEntry) -> ActionRow:
    """An audit entry as an `admin_actions` row, under its content id."""
    return (
        action_id(entry.to_json()),
        datetime.fromisoformat(entry.at),
        entry.guild_id,
        entry.admin_id,
        entry.admin_name,
        entry.action,
        entry.user_id,
        entry.user_name,
        entry.seconds,
        entry.applied,
        entry.reason,
        entry.setting,
        entry.change,
    )


def insert_action(connection: psycopg.Connection[TupleRow], entry: AuditEntry) -> None:
    """Write one entry (nothing when an entry with the same content is there)."""
    connection.execute(
        f"INSERT INTO admin_actions ({ACTION_COLUMNS})"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (action_id) DO NOTHING",
        action_row(entry),
    )


_SELECTED = (
    "SELECT at, guild_id, admin_id, admin_name, action, user_id, user_name, seconds,"
    " applied, reason, setting, change FROM admin_actions"
)
"""The columns `_entry` takes, in its order."""


def latest_actions(
    connection: psycopg.Connection[TupleRow], guild_id: int, count: int
) -> list[AuditEntry]:
    """The newest `count` entries of a server, newest first (ties: the later written)."""
    rows = connection.execute(
        _SELECTED + " WHERE guild_id = %s ORDER BY at DESC, written DESC LIMIT %s",
        (guild_id, count),
    ).fetchall()
    return [_entry(*row) for row in rows]


def _entry(
    at: datetime,
    guild: int,
    admin: int,
    name: str | None,
    action: str,
    user: int | None,
    user_name: str | None,
    asked: int | None,
    applied: int | None,
    reason: str | None,
    setting: str | None,
    change: str | None,
) -> AuditEntry:
    """An entry from an `admin_actions` row as `_SELECTED` selects it.

    A NULL name stays None: that member erased their data.
    """
    return AuditEntry(
        at=at.astimezone(UTC).isoformat(),
        guild_id=int(guild),
        admin_id=int(admin),
        admin_name=name,
        action=action,
        user_id=user,
        user_name=user_name,
        seconds=asked,
        applied=applied,
        reason=reason,
        setting=setting,
        change=change,
    )


def member_actions(
    connection: psycopg.Connection[TupleRow], guild_id: int, user_id: int
) -> list[AuditEntry]:
    """Every entry of a server by or about a member, oldest first."""
    rows = connection.execute(
        _SELECTED + " WHERE guild_id = %(g)s AND (admin_id = %(u)s OR user_id = %(u)s)"
        " ORDER BY at, written",
        {"g": guild_id, "u": user_id},
    ).fetchall()
    return [_entry(*row) for row in rows]


def forget_names(connection: psycopg.Connection[TupleRow], guild_id: int, user_id: int) -> int:
    """Drop a member's names from every entry of a server; how many entries lost a name."""
    changed = connection.execute(
        "UPDATE admin_actions SET"
        " admin_name = CASE WHEN admin_id = %(u)s THEN NULL ELSE admin_name END,"
        " user_name = CASE WHEN user_id = %(u)s THEN NULL ELSE user_name END"
        " WHERE guild_id = %(g)s AND ((admin_id = %(u)s AND admin_name IS NOT NULL)"
        " OR (user_id = %(u)s AND user_name IS NOT NULL))",
        {"g": guild_id, "u": user_id},
    ).rowcount
    return max(0, changed)
