"""Shared fixtures: a bot built from settings pointing at a temporary data folder."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

import config
import database
from bot import create_bot


@pytest.fixture(autouse=True)
def no_developer_env_file(monkeypatch):
    """Read `.env` as empty: a developer's real `.env` must not change what tests see.

    Settings then come from the environment alone, which tests set themselves
    (`tests/test_process.py` does the same for the processes it starts).
    """
    monkeypatch.setattr(config, "ENV_FILE", Path(os.devnull))


@pytest.fixture(autouse=True)
def outside_systemd(monkeypatch):
    """No systemd around the tests: no credential read, no notification sent to a real one."""
    for name in ("CREDENTIALS_DIRECTORY", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def hourly_background_snapshots(monkeypatch):
    """Space the store's background snapshots an hour of virtual time apart.

    A snapshot is real disk work (several fsyncs in a worker thread), and simcord
    gives one `advance_time` call a real-time budget equal to its settle timeout.
    At the production pause (10 s) an advance over hours of virtual time would
    run hundreds of snapshots inside that budget. Tests about snapshots set
    their own pause; every change still reaches the journal at once, and the
    final snapshot is still written on close.
    """
    monkeypatch.setattr(database, "SNAPSHOT_MIN_SECONDS", 3600.0)


@pytest.fixture
def virtual_snapshots(monkeypatch):
    """Keep the store's pause between snapshots longer than simcord's settle timeout.

    simcord lets a timer shorter than its settle timeout (5 s) also fire in real
    time, so `settle()` waits for it. A snapshot due 5 s after a change that
    lands at the very end of `advance_time` then makes the next `settle()` wait
    about 5 real seconds and time out. At 10 s the pause runs on virtual time only.
    Modules that drive camera time through simcord ask for it with
    `pytestmark = pytest.mark.usefixtures("virtual_snapshots")`.
    """
    monkeypatch.setattr(database, "SNAPSHOT_MIN_SECONDS", 10.0)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "both_stores: run the test once on the JSON store and once on the PostgreSQL store",
    )
    config.addinivalue_line(
        "markers", "json_only: about the JSON store's own files (in a both_stores module)"
    )


def pytest_generate_tests(metafunc):
    """Tests marked `both_stores` run on each store: `data_file` then selects it."""
    definition = metafunc.definition
    if (
        definition.get_closest_marker("both_stores")
        and not definition.get_closest_marker("json_only")
        and "data_file" in metafunc.fixturenames
    ):
        metafunc.parametrize("store_backend", ["json", "pg"], indirect=True)


@pytest.fixture
def store_backend(request) -> str:
    """Which store the test's bot uses: "json" (DATA_FILE), or "pg" (a fresh database)."""
    return getattr(request, "param", "json")


@pytest.fixture
def data_file(tmp_path, monkeypatch, store_backend, request):
    """A fresh DATA_FILE for the test, and default settings for everything else.

    On the PostgreSQL store (`store_backend` "pg"), DATABASE_URL names a fresh database too.
    """
    path = tmp_path / "video_ranking.json"
    monkeypatch.setenv("DATA_FILE", str(path))
    monkeypatch.setenv("DISCORD_TOKEN", "")
    monkeypatch.setenv("CHECKPOINT_SECONDS", "60")
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    monkeypatch.delenv("LEGACY_GUILD_ID", raising=False)
    monkeypatch.delenv("COMMAND_PREFIX", raising=False)
    monkeypatch.setenv("SHARD_COUNT", "1")  # one connection: unset asks Discord (GET /gateway/bot)
    monkeypatch.delenv("SHARD_IDS", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)  # it would select the PostgreSQL store
    if store_backend == "pg":
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("pg_url"))
    return path


@pytest.fixture
def simcord_bot(data_file):
    return create_bot()


# ------------------------------------------------------------------- PostgreSQL


def _connect_server() -> psycopg.Connection:
    """A connection to the server the PG* variables name (pg_virtualenv exports them)."""
    return psycopg.connect("", autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The libpq parameters of a reachable PostgreSQL server, as a URL without a database.

    `make test` runs pytest inside Debian's `pg_virtualenv`, which starts a throw-away
    server, exports PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE and removes it after. No
    server: the PostgreSQL tests skip, except under CI (`CI` set), where they fail.
    """
    try:
        with _connect_server() as connection:
            info = connection.info
            host, port, user, password = info.host, info.port, info.user, info.password
    except psycopg.OperationalError as error:
        reason = f"no PostgreSQL server reachable (run the tests with `make test`): {error}"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
        pytest.skip(reason)
    credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return f"postgresql://{credentials}@{quote(host, safe='')}:{port}"


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """The URL of a fresh, empty database of its own for the test, dropped after it.

    Only the test gets it: `DATABASE_URL` is never set for the session (it would select
    the PostgreSQL store for every bot the tests build).
    """
    name = f"test_{secrets.token_hex(8)}"
    with _connect_server() as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{pg_server}/{name}"
    finally:
        with _connect_server() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@dataclass
class PgCluster:
    """The test server as a cluster of Debian's postgresql-common: it can be stopped and started."""

    version: str
    name: str
    running: bool = True

    def _ctl(self, action: str) -> None:
        subprocess.run(
            ["pg_ctlcluster", self.version, self.name, action, "-m", "fast"]
            if action == "stop"
            else ["pg_ctlcluster", self.version, self.name, action],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def stop(self) -> None:
        """Stop the server (fast shutdown: every connection is cut at once)."""
        self._ctl("stop")
        self.running = False

    def start(self) -> None:
        """Start it again; returns once it accepts connections."""
        self._ctl("start")
        self.running = True


@pytest.fixture
def pg_cluster(pg_server: str) -> Iterator[PgCluster]:
    """The test server, to stop and start mid-test (a database outage); running after the test.

    Only the throw-away server of `pg_virtualenv` (as `make test` starts it) is ever stopped:
    elsewhere the test skips, except under CI, where it fails.
    """
    root, version = os.environ.get("PG_CLUSTER_CONF_ROOT"), os.environ.get("PGVERSION")
    clusters = sorted(os.listdir(Path(root) / version)) if root and version else []
    if not (root and version and len(clusters) == 1):
        reason = "only a pg_virtualenv server can be stopped by a test (run `make test`)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the database outage tests: {reason}")
        pytest.skip(reason)
    cluster = PgCluster(version, clusters[0])
    try:
        yield cluster
    finally:
        if not cluster.running:
            cluster.start()
