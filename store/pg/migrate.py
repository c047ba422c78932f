"""Numbered SQL migrations, applied in order at start, each once, under an advisory lock.

`migrations/` holds `NNNN_name.sql` files numbered 1, 2, 3, ... without gaps. `migrate`
applies each one not yet listed in the `schema_version` table, in its own transaction that
first takes `pg_advisory_xact_lock(LOCK_KEY)`: two processes migrating at once take turns,
and the second finds the version already listed and skips it. The lock goes with the
transaction, so a process that dies mid-migration leaves neither a lock nor half a schema.
Applying twice is a no-op. A file whose text changed after it was applied is refused
(`MigrationError`): a new number is the way to change the schema.

Blocking I/O (psycopg's sync API): the store will run it from a worker thread.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.rows import TupleRow

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
LOCK_KEY = 0x4261_7465_506F_6E74
"""The advisory lock of schema changes ("BatePont" in ASCII), one per database."""

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_CREATE_VERSION_TABLE = b"""
CREATE TABLE IF NOT EXISTS schema_version (
    version    integer     PRIMARY KEY CHECK (version >= 1),
    name       text        NOT NULL,
    sha256     text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(RuntimeError):
    """The migration files or the database's applied versions do not fit together."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: bytes

    @property
    def sha256(self) -> str:
        """The digest of the file's bytes, kept with the applied version."""
        return hashlib.sha256(self.sql).hexdigest()


def load_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The folder's migrations in order.

    Raises:
        MigrationError: a `.sql` file is not named `NNNN_name.sql`, or the numbers do not
            run 1, 2, 3, ... without gaps or repeats.
    """
    migrations: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: a migration is named NNNN_name.sql")
        migrations.append(Migration(int(match[1]), match[2], path.read_bytes()))
    versions = [migration.version for migration in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"migration numbers must run 1, 2, 3, ... : {versions}")
    return migrations


def migrate(conninfo: str, folder: Path = MIGRATIONS_DIR) -> list[int]:
    """Bring the database at `conninfo` (a URL or key=value string) to the newest schema.

    Returns:
        The versions this call applied, in order (empty when the schema was current).

    Raises:
        MigrationError: see `load_migrations`, or an applied file has changed since.
        psycopg.Error: the database refused a migration (that one is rolled back).
    """
    migrations = load_migrations(folder)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        return apply_migrations(connection, migrations)


def apply_migrations(
    connection: psycopg.Connection[TupleRow], migrations: list[Migration]
) -> list[int]:
    """Apply the migrations `connection`'s database does not list yet, one transaction each.

    `connection` must be idle outside a transaction (autocommit, or nothing run yet), so
    that each migration commits, and lets go of the lock, on its own.
    """
    if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise MigrationError("migrations need a connection outside any transaction")
    applied: list[int] = []
    for migration in migrations:
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            connection.execute(_CREATE_VERSION_TABLE)
            row = connection.execute(
                "SELECT sha256 FROM schema_version WHERE version = %s", (migration.version,)
            ).fetchone()
            if row is not None:
                if row[0] != migration.sha256:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} changed after it "
                        "was applied: add a new numbered file instead"
                    )
                continue
            connection.execute(migration.sql)
            connection.execute(
                "INSERT INTO schema_version (version, name, sha256) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.sha256),
            )
        log.info("PostgreSQL: migração %04d_%s aplicada", migration.version, migration.name)
        applied.append(migration.version)
    return applied


def applied_versions(connection: psycopg.Connection[TupleRow]) -> list[int]:
    """The versions the database lists as applied, in order (none before the first run)."""
    exists = connection.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if exists is None or not exists[0]:
        return []
    rows = connection.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    return [int(version) for (version,) in rows]
