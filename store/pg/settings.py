"""Per-server settings and per-member choices in PostgreSQL, as `tracking.server_settings`.

Tables `server_settings` and `member_settings` (migration 0003) hold one JSONB document
each. A row whose document is not valid is logged at ERROR and skipped (that server or member
keeps the defaults in memory, and the row stays untouched in the table until a new
setting replaces it). Blocking I/O (psycopg's sync API): call it from a worker thread.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb

from store.pg.shards import Shards
from store.settings import SettingsTable
from tracking.server_settings import (
    MemberSettings,
    ServerSettings,
    SettingsRecordError,
    member_settings_from,
    server_settings_from,
    settings_to_builtins,
)

log = logging.getLogger(__name__)


def load_settings(connection: psycopg.Connection[TupleRow], shards: Shards) -> SettingsTable:
    """The settings of the servers of `shards` and of their members."""
    condition = shards.condition()
    servers: dict[int, ServerSettings] = {}
    query = sql.SQL("SELECT guild_id, settings FROM server_settings WHERE {}").format(condition)
    for guild_id, document in connection.execute(query):
        try:
            servers[guild_id] = server_settings_from(document)
        except SettingsRecordError as error:
            log.error(
                "Configurações inválidas do servidor %s no PostgreSQL ignoradas (%s)",
                guild_id,
                error,
            )
    members: dict[int, dict[int, MemberSettings]] = {}
    query = sql.SQL("SELECT guild_id, user_id, settings FROM member_settings WHERE {}").format(
        condition
    )
    for guild_id, user_id, document in connection.execute(query):
        try:
            members.setdefault(guild_id, {})[user_id] = member_settings_from(document)
        except SettingsRecordError as error:
            log.error(
                "Escolhas inválidas do membro %s no servidor %s no PostgreSQL ignoradas (%s)",
                user_id,
                guild_id,
                error,
            )
    return SettingsTable(servers, members)


def save_server_settings(
    connection: psycopg.Connection[TupleRow], guild_id: int, settings: ServerSettings
) -> None:
    """Replace a server's row (removed at the defaults)."""
    with connection.transaction():
        if settings.is_default:
            connection.execute("DELETE FROM server_settings WHERE guild_id = %s", (guild_id,))
            return
        connection.execute(
            "INSERT INTO server_settings (guild_id, settings) VALUES (%s, %s)"
            " ON CONFLICT (guild_id) DO UPDATE"
            " SET settings = EXCLUDED.settings, updated_at = now()",
            (guild_id, Jsonb(settings_to_builtins(settings))),
        )


def save_member_settings(
    connection: psycopg.Connection[TupleRow],
    guild_id: int,
    user_id: int,
    settings: MemberSettings,
) -> None:
    """Replace a member's row (removed at the defaults)."""
    with connection.transaction():
        if settings.is_default:
            connection.execute(
                "DELETE FROM member_settings WHERE guild_id = %s AND user_id = %s",
                (guild_id, user_id),
            )
            return
        connection.execute(
            "INSERT INTO member_settings (guild_id, user_id, settings) VALUES (%s, %s, %s)"
            " ON CONFLICT (guild_id, user_id) DO UPDATE"
            " SET settings = EXCLUDED.settings, updated_at = now()",
            (guild_id, user_id, Jsonb(settings_to_builtins(settings))),
        )
