"""`manage.py verify` for the PostgreSQL store: read every table in one snapshot and report.

Read-only (one REPEATABLE READ transaction, so bots may keep running). Damage: a schema
that is not the newest (or changed), weeks or months that are not the sums of their
days, day rows without a member, more than 24 h on one day, change log rows that do not
decode as records, changes the fold rejected. Notes: members whose totals differ from
the sum of their days (see `store.verify`), totals from the original format not yet tied
to a server, change log rows not folded yet (a bot running, or stopped during an outage).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import psycopg
from psycopg.rows import TupleRow

from store.pg.migrate import applied_versions, load_migrations
from store.verify import DAY_SECONDS, Progress, Report
from tracking.records import RecordError, decode_record
from tracking.server_settings import SettingsRecordError, member_settings_from, server_settings_from
from utils import plural

log = logging.getLogger(__name__)

_PERIOD_MISMATCH = """
SELECT count(*) FROM (
    SELECT guild_id, user_id, date_trunc('{unit}', day)::date AS {unit},
           sum(seconds) AS seconds, sum(sessions) AS sessions
    FROM member_days GROUP BY 1, 2, 3
) AS days
FULL JOIN member_{unit}s AS periods USING (guild_id, user_id, {unit})
WHERE coalesce(days.seconds, 0) <> coalesce(periods.seconds, 0)
   OR coalesce(days.sessions, 0) <> coalesce(periods.sessions, 0)
"""

_TOTALS_MISMATCH = """
SELECT count(*) FROM member_totals AS totals
LEFT JOIN (
    SELECT guild_id, user_id, sum(seconds) AS seconds, sum(sessions) AS sessions
    FROM member_days GROUP BY 1, 2
) AS days USING (guild_id, user_id)
WHERE totals.seconds <> coalesce(days.seconds, 0)
   OR totals.sessions <> coalesce(days.sessions, 0)
"""

_DAYS_WITHOUT_MEMBER = """
SELECT count(*) FROM member_days AS days
WHERE NOT EXISTS (
    SELECT 1 FROM member_totals AS totals
    WHERE totals.guild_id = days.guild_id AND totals.user_id = days.user_id
)
"""

UNFOLDED = "alterações ainda não incorporadas"
CHANGE_BLOCK = 10_000
"""Change log rows read in one go."""


def verify_database(url: str, say: Callable[[str], None] | None = None) -> Report:
    """Check the PostgreSQL store at `url` (blocking); `say` gets progress lines.

    Raises:
        psycopg.OperationalError: the database cannot be reached.
    """
    progress = say or (lambda line: log.info("%s", line))
    report = Report()
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.transaction():
            if not _check_schema(connection, report):
                return report
            report.checked.append("PostgreSQL de DATABASE_URL")
            _check_tables(connection, report)
            _check_settings(connection, report)
            _check_change_log(connection, report, progress)
    return report


def _count(connection: psycopg.Connection[TupleRow], query: str) -> int:
    row = connection.execute(query.encode()).fetchone()
    return int(row[0]) if row is not None else 0


def _check_schema(connection: psycopg.Connection[TupleRow], report: Report) -> bool:
    """Whether the schema is the newest this code knows (else the rest is not read)."""
    expected = [migration.version for migration in load_migrations()]
    applied = applied_versions(connection)
    if applied != expected:
        report.damage.append(
            f"o esquema do banco tem as migrações {applied}, o bot espera {expected} "
            "(rode o bot uma vez para migrar)"
        )
        return False
    return True


def _check_tables(connection: psycopg.Connection[TupleRow], report: Report) -> None:
    for unit, name in (("week", "semanas"), ("month", "meses")):
        wrong = _count(connection, _PERIOD_MISMATCH.format(unit=unit))
        if wrong:
            report.damage.append(
                f"{plural(wrong, 'linha', 'linhas')} de {name} diferentes da soma dos seus dias"
            )
    too_long = _count(connection, f"SELECT count(*) FROM member_days WHERE seconds > {DAY_SECONDS}")
    if too_long:
        report.damage.append(
            f"{plural(too_long, 'dia', 'dias')} com mais de 24 h de câmera para um membro"
        )
    orphans = _count(connection, _DAYS_WITHOUT_MEMBER)
    if orphans:
        report.damage.append(f"{plural(orphans, 'linha', 'linhas')} de dias sem membro")
    rejected = _count(connection, "SELECT count(*) FROM rejected_changes")
    if rejected:
        report.damage.append(
            f"{plural(rejected, 'alteração rejeitada', 'alterações rejeitadas')} na tabela "
            "rejected_changes (não aplicadas)"
        )
    differ = _count(connection, _TOTALS_MISMATCH)
    if differ:
        report.notes.append(
            f"{plural(differ, 'membro tem', 'membros têm')} totais diferentes da soma dos dias "
            "(totais do formato original ou editados à mão e adotados: sem histórico por dia)"
        )
    unattributed = _count(connection, "SELECT count(*) FROM unattributed_totals")
    if unattributed:
        report.notes.append(
            f"{plural(unattributed, 'membro tem', 'membros têm')} totais do formato original "
            "ainda sem servidor (LEGACY_GUILD_ID), sem histórico por dia"
        )


def _check_settings(connection: psycopg.Connection[TupleRow], report: Report) -> None:
    """Every settings row decodes (a bad one is skipped at start: that server's defaults)."""
    rows = connection.execute("SELECT guild_id, settings FROM server_settings").fetchall()
    for guild_id, document in rows:
        try:
            server_settings_from(document)
        except SettingsRecordError as error:
            report.damage.append(
                f"configurações do servidor {guild_id} inválidas ({error}): o bot usa os padrões"
            )
    rows = connection.execute("SELECT guild_id, user_id, settings FROM member_settings").fetchall()
    for guild_id, user_id, document in rows:
        try:
            member_settings_from(document)
        except SettingsRecordError as error:
            report.damage.append(
                f"escolhas do membro {user_id} no servidor {guild_id} inválidas ({error})"
            )


def _check_change_log(
    connection: psycopg.Connection[TupleRow], report: Report, say: Callable[[str], None]
) -> None:
    """Every change log row decodes as a record; read in blocks, with progress."""
    total = _count(connection, "SELECT count(*) FROM change_log")
    if total:
        pending = plural(total, "alteração ainda não incorporada", UNFOLDED)
        report.notes.append(
            f"{pending} às tabelas (change_log: um bot rodando, ou parado numa queda)"
        )
    after, done = -1, 0
    progress = Progress(total, say, "alterações do change_log")
    while True:
        rows = connection.execute(
            "SELECT position, change FROM change_log WHERE position > %s "
            "ORDER BY position LIMIT %s",
            (after, CHANGE_BLOCK),
        ).fetchall()
        if not rows:
            return
        for position, change in rows:
            try:
                decode_record(str(change).encode())
            except RecordError as error:
                report.damage.append(f"change_log, posição {position}: registro inválido ({error})")
        after, done = int(rows[-1][0]), done + len(rows)
        progress.step(done, "verificadas")
