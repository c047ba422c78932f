"""The PostgreSQL schema's migrations, against a real server (`make test` starts one)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from store.pg import migrate
from store.pg.migrate import MigrationError, applied_versions, load_migrations

GUILD = 111_111_111_111_111_111
MEMBER = 222_222_222_222_222_222
ADMIN = 333_333_333_333_333_333

FIRST_TABLES = {
    "schema_version",
    "camera_sessions",
    "member_totals",
    "member_days",
    "unattributed_totals",
    "admin_actions",
    "shard_heartbeats",
}
TABLES = FIRST_TABLES | {
    "member_weeks",
    "member_months",
    "change_log",
    "applied_batches",
    "rejected_changes",
    "server_settings",
    "member_settings",
}


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def tables(url: str) -> set[str]:
    with connect(url) as connection:
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return {name for (name,) in rows}


def every_version() -> list[int]:
    return [migration.version for migration in load_migrations()]


@pytest.fixture
def migrated(pg_url: str) -> str:
    migrate.migrate(pg_url)
    return pg_url


def open_session(connection: psycopg.Connection, guild: int = GUILD, user: int = MEMBER) -> None:
    connection.execute(
        "INSERT INTO camera_sessions (session_id, guild_id, user_id) VALUES (%s, %s, %s)",
        (uuid.uuid4(), guild, user),
    )


# ------------------------------------------------------------------- migrating


def test_the_migration_files_are_numbered_from_one_without_gaps():
    migrations = load_migrations()
    assert migrations[0].version == 1
    assert every_version() == list(range(1, len(migrations) + 1))


def test_migrations_apply_on_an_empty_database(pg_url):
    assert tables(pg_url) == set()

    assert migrate.migrate(pg_url) == every_version()

    assert tables(pg_url) == TABLES
    with connect(pg_url) as connection:
        assert applied_versions(connection) == every_version()


def test_migrating_twice_is_a_no_op(pg_url):
    migrate.migrate(pg_url)
    with connect(pg_url) as connection:
        open_session(connection)
        before = connection.execute("SELECT * FROM schema_version ORDER BY version").fetchall()

    assert migrate.migrate(pg_url) == []

    with connect(pg_url) as connection:
        after = connection.execute("SELECT * FROM schema_version ORDER BY version").fetchall()
        sessions = connection.execute("SELECT count(*) FROM camera_sessions").fetchone()
    assert after == before
    assert sessions == (1,)


def test_two_processes_migrating_at_once_end_with_one_set_applied(pg_url):
    start = threading.Barrier(2)
    results: list[list[int]] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(timeout=10)
            results.append(migrate.migrate(pg_url))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    # Each version is applied once, by one of them (they may take turns between versions).
    assert len(results) == 2
    assert sorted(version for applied in results for version in applied) == every_version()
    with connect(pg_url) as connection:
        assert applied_versions(connection) == every_version()
    assert tables(pg_url) == TABLES


def test_a_second_migrator_waits_for_the_first_ones_lock(pg_url):
    """While one transaction holds the migrations' lock, `migrate` waits, then skips."""
    migrate.migrate(pg_url)
    finished = threading.Event()
    with psycopg.connect(pg_url) as holder:  # one transaction, held open
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (migrate.LOCK_KEY,))
        thread = threading.Thread(target=lambda: (migrate.migrate(pg_url), finished.set()))
        thread.start()
        assert not finished.wait(timeout=1.0)
        holder.rollback()
        thread.join(timeout=30)
    assert finished.is_set()


def test_a_failing_migration_is_rolled_back_whole_and_later_ones_wait(pg_url, tmp_path: Path):
    first = (migrate.MIGRATIONS_DIR / "0001_initial.sql").read_bytes()
    (tmp_path / "0001_initial.sql").write_bytes(first)
    (tmp_path / "0002_broken.sql").write_text(
        "CREATE TABLE half_done (id integer);\nSELECT no_such_function();\n"
    )
    (tmp_path / "0003_later.sql").write_text("CREATE TABLE later (id integer);\n")

    with pytest.raises(errors.UndefinedFunction):
        migrate.migrate(pg_url, tmp_path)

    with connect(pg_url) as connection:
        assert applied_versions(connection) == [1]
    assert tables(pg_url) == FIRST_TABLES


def test_an_applied_migration_whose_file_changed_is_refused(pg_url, tmp_path: Path):
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE first (id integer);\n")
    migrate.migrate(pg_url, tmp_path)
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE first (id bigint);\n")

    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate.migrate(pg_url, tmp_path)


@pytest.mark.parametrize(
    "names",
    [["0001_a.sql", "0003_c.sql"], ["0002_b.sql"], ["0001_a.sql", "1_b.sql"]],
)
def test_migration_files_must_be_named_and_numbered_in_order(tmp_path: Path, names):
    for name in names:
        (tmp_path / name).write_text("SELECT 1;\n")
    with pytest.raises(MigrationError):
        load_migrations(tmp_path)


# ---------------------------------------------------------------------- schema


def test_a_member_has_at_most_one_open_session_per_server(migrated):
    with connect(migrated) as connection:
        open_session(connection)
        with pytest.raises(errors.UniqueViolation):
            open_session(connection)
        open_session(connection, guild=GUILD + 1)  # the same member in another server
        open_session(connection, user=MEMBER + 1)  # another member in the same server


def test_a_closed_session_and_an_open_one_of_the_same_member_coexist(migrated):
    with connect(migrated) as connection:
        open_session(connection)
        connection.execute(
            "UPDATE camera_sessions SET is_open = false, ended_at = now(), credited_seconds = 60"
        )
        open_session(connection)
        open_session_count = connection.execute(
            "SELECT count(*) FILTER (WHERE is_open), count(*) FROM camera_sessions"
        ).fetchone()
    assert open_session_count == (1, 2)


def test_a_session_is_open_exactly_while_it_has_no_end(migrated):
    with connect(migrated) as connection:
        open_session(connection)
        with pytest.raises(errors.CheckViolation):
            connection.execute("UPDATE camera_sessions SET is_open = false")
        with pytest.raises(errors.CheckViolation):
            connection.execute("UPDATE camera_sessions SET ended_at = now()")


def test_an_admin_action_retried_with_the_same_id_applies_once(migrated):
    action_id = uuid.uuid4()
    insert = (
        "INSERT INTO admin_actions"
        " (action_id, guild_id, admin_id, admin_name, action, user_id, seconds, applied, reason)"
        " VALUES (%s, %s, %s, 'Admin', 'adjust', %s, 3600, 3600, 'retry')"
        " ON CONFLICT (action_id) DO NOTHING"
    )
    with connect(migrated) as connection:
        first = connection.execute(insert, (action_id, GUILD, ADMIN, MEMBER)).rowcount
        second = connection.execute(insert, (action_id, GUILD, ADMIN, MEMBER)).rowcount
        count = connection.execute("SELECT count(*) FROM admin_actions").fetchone()
    assert (first, second, count) == (1, 0, (1,))


def test_timestamps_default_to_the_real_utc_instant_in_any_session_time_zone(migrated):
    with connect(migrated) as connection:
        # A session in another time zone: a timestamptz still stores the instant.
        connection.execute("SET TIME ZONE 'America/Sao_Paulo'")
        before = datetime.now(UTC)
        with connection.transaction():  # one now() for every row
            open_session(connection)
            connection.execute(
                "INSERT INTO admin_actions (action_id, guild_id, admin_id, action)"
                " VALUES (%s, %s, %s, 'reset')",
                (uuid.uuid4(), GUILD, ADMIN),
            )
            connection.execute("INSERT INTO shard_heartbeats (shard_id, owner) VALUES (0, 'test')")
            connection.execute(
                "INSERT INTO member_totals (guild_id, user_id, seconds) VALUES (%s, %s, 60)",
                (GUILD, MEMBER),
            )
            row = connection.execute(
                "SELECT now() AT TIME ZONE 'UTC',"
                " (SELECT started_at FROM camera_sessions),"
                " (SELECT at FROM admin_actions),"
                " (SELECT beat_at FROM shard_heartbeats),"
                " (SELECT updated_at FROM member_totals),"
                " (SELECT applied_at FROM schema_version WHERE version = 1)"
            ).fetchone()
        after = datetime.now(UTC)
    assert row is not None
    utc_now, *stamps = row
    server_now = utc_now.replace(tzinfo=UTC)  # now() in UTC, as a wall clock
    slack = timedelta(seconds=5)
    assert before - slack <= server_now <= after + slack
    for stamp in stamps[:-1]:
        assert stamp.utcoffset() is not None
        assert stamp == server_now  # the transaction's now(), the same instant
    assert stamps[-1] <= server_now


def test_the_ranking_indexes_exist(migrated):
    with connect(migrated) as connection:
        rows = connection.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
        ).fetchall()
    names = {name for (name,) in rows}
    assert {
        "camera_sessions_one_open",
        "member_totals_ranking",
        "member_days_by_day",
        "admin_actions_latest",
    } <= names
