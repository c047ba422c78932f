"""`python bot.py` as a real process: start-up failures, graceful stop, logs, deployment.

Each test starts the entry point with `sys.executable` in the repository, with
every setting given explicitly and the stand-in in `tests/standin` on
PYTHONPATH (it makes `.env` read as empty, so a developer's `.env` changes
nothing). Discord is either a local HTTP server that discord.py's real HTTP
stack talks to, a closed port, or simcord attached in the child process.
"""

from __future__ import annotations

import asyncio
import configparser
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import discord
import pytest

import bot
import config
from database import DataFileError, Store
from store.pg.store import CLOSE_WAIT_SECONDS

REPO = Path(__file__).resolve().parent.parent
STANDIN = Path(__file__).resolve().parent / "standin"
UNIT = REPO / "deploy" / "bate-ponto.service"
SHARD_UNIT = REPO / "deploy" / "bate-ponto@.service"
TOKEN = "MTQ1NjA3NDQ0Mzk4MDgwMDAwMQ.GstandIn.never-to-be-printed-7f3a9c"
READY = "STANDIN READY"
SETTINGS = (
    "DISCORD_TOKEN",
    "COMMAND_PREFIX",
    "DATA_FILE",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "TIMEZONE",
    "CHECKPOINT_SECONDS",
    "LEGACY_GUILD_ID",
    "SHARD_COUNT",
    "SHARD_IDS",
    "DATABASE_URL",
    "METRICS_PORT",
    "METRICS_HOST",
)
SYSTEMD = ("CREDENTIALS_DIRECTORY", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")
"""What systemd gives a service; a test that wants one sets it."""
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - [\w.-]+ - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - \S.*$"
)
TIMEOUT = 30

slow = pytest.mark.slow


# ------------------------------------------------------------------ helpers


def bot_environment(data_file: Path, **overrides: str) -> dict[str, str]:
    """The child's environment: every setting explicit, the stand-in on PYTHONPATH."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in SETTINGS + SYSTEMD and not key.startswith(("STANDIN_", "PYTHON"))
    }
    environ.update(
        PYTHONPATH=str(STANDIN),
        PYTHONIOENCODING="utf-8",
        STANDIN_IGNORE_DOTENV="1",
        DISCORD_TOKEN=TOKEN,
        COMMAND_PREFIX="!",
        DATA_FILE=str(data_file),
        LOG_LEVEL="INFO",
        TIMEZONE="America/Sao_Paulo",
        CHECKPOINT_SECONDS="60",
        LEGACY_GUILD_ID="",
        SHARD_COUNT="1",  # unset asks Discord (GET /gateway/bot), which the stand-ins cannot
    )
    environ.update(overrides)
    return environ


class BotProcess:
    """One `python bot.py`, its merged stdout/stderr collected line by line."""

    def __init__(self, environ: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "bot.py"],
            cwd=REPO,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str) -> str:
        """The first line containing `text`, once the bot printed it."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            exited = self.process.poll() is not None
            if exited:
                self._reader.join(TIMEOUT)
            if found := [line for line in self.lines if text in line]:
                return found[0]
            if exited or time.monotonic() > deadline:
                self.process.kill()
                self.wait()
                pytest.fail(f"the bot never printed {text!r}:\n{self.output}")
            time.sleep(0.05)

    def wait(self) -> int:
        try:
            code = self.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self._reader.join(TIMEOUT)
            pytest.fail(f"the bot did not exit within {TIMEOUT}s:\n{self.output}")
        self._reader.join(TIMEOUT)
        return code

    def error_lines(self) -> list[str]:
        return [line for line in self.lines if re.search(r" - (ERROR|CRITICAL) - ", line)]


@pytest.fixture
def start_bot(tmp_path) -> Iterator:
    """Start `python bot.py` processes; any still running at teardown is killed."""
    started: list[BotProcess] = []

    def start(**overrides: str) -> BotProcess:
        data_file = Path(overrides.pop("DATA_FILE", tmp_path / "video_ranking.json"))
        started.append(BotProcess(bot_environment(data_file, **overrides)))
        return started[-1]

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.wait()


def run_bot(start_bot, **overrides: str) -> BotProcess:
    """Run to completion."""
    finished = start_bot(**overrides)
    finished.wait()
    return finished


def assert_one_clear_error(result: BotProcess, *phrases: str) -> str:
    """Non-zero exit, no traceback, exactly one error line, saying `phrases`; that line."""
    assert result.process.returncode not in (0, None), result.output
    assert "Traceback" not in result.output
    errors = result.error_lines()
    assert len(errors) == 1, result.output
    for phrase in phrases:
        assert phrase in errors[0]
    assert TOKEN not in result.output
    return errors[0]


class DiscordApi:
    """A local Discord REST API: `answers` by path, else 401 as Discord answers a bad token."""

    def __init__(self) -> None:
        self.answers: dict[str, object] = {}
        self.received: list[tuple[str, str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.removeprefix("/api/v10")
                api.received.append((path, self.headers.get("Authorization", "")))
                unauthorized = {"message": "401: Unauthorized", "code": 0}
                body = json.dumps(api.answers.get(path, unauthorized)).encode()
                self.send_response(200 if path in api.answers else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/api/v10"

    def accept_the_token(self) -> None:
        """Answer a login: the bot user and its application."""
        user = {"id": "1456074443980800001", "username": "BatePonto", "discriminator": "0"}
        user |= {"avatar": None, "bot": True}
        self.answers["/users/@me"] = user
        self.answers["/oauth2/applications/@me"] = {
            "id": user["id"],
            "name": "BatePonto",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": {**user, "id": "1456074443980800002", "bot": False},
            "verify_key": "0" * 64,
            "flags": 0,
        }


@pytest.fixture
def discord_api() -> Iterator[DiscordApi]:
    api = DiscordApi()
    thread = threading.Thread(target=api.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        api.server.shutdown()
        api.server.server_close()
        thread.join()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port that refuses connections (bound, never listening)."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        yield closed.getsockname()[1]


# ---------------------------------------------------------- start-up failures


@slow
def test_missing_token_exits_with_one_line_saying_how_to_set_it(start_bot):
    result = run_bot(start_bot, DISCORD_TOKEN="")
    line = assert_one_clear_error(result, "DISCORD_TOKEN", ".env")
    assert result.lines == [line]
    assert result.process.returncode == bot.EXIT_CONFIG


@slow
@pytest.mark.parametrize("token", ["your_bot_token_here", "<token do bot>"])
def test_placeholder_token_exits_with_one_line_asking_to_fill_it_in(start_bot, discord_api, token):
    result = run_bot(start_bot, DISCORD_TOKEN=token, STANDIN_API_BASE=discord_api.base)
    line = assert_one_clear_error(result, "preencha DISCORD_TOKEN no .env")
    assert result.lines == [line]
    assert discord_api.received == []
    assert result.process.returncode == bot.EXIT_CONFIG


@slow
def test_an_unreachable_database_exits_with_one_line_never_showing_its_password(
    start_bot, discord_api, tmp_path
):
    url = "postgresql://bate:senha-secreta@127.0.0.1:1/ranking"
    result = run_bot(start_bot, DATABASE_URL=url, STANDIN_API_BASE=discord_api.base)
    line = assert_one_clear_error(result, "DATABASE_URL", "PostgreSQL", "127.0.0.1")
    assert result.lines == [line]
    assert "senha-secreta" not in result.output
    assert discord_api.received == []  # nothing reached Discord before the store was open
    assert not any(tmp_path.iterdir())  # the JSON store was not opened in its place
    assert result.process.returncode == bot.EXIT_FAILURE  # systemd tries again later


@slow
def test_rejected_token_exits_with_one_line(start_bot, discord_api):
    result = run_bot(start_bot, STANDIN_API_BASE=discord_api.base)
    assert discord_api.received == [("/users/@me", f"Bot {TOKEN}")]
    assert_one_clear_error(result, "DISCORD_TOKEN", "invalid token")
    assert result.process.returncode == bot.EXIT_CONFIG


@slow
def test_unreachable_discord_exits_with_one_line(start_bot, closed_port):
    result = run_bot(start_bot, STANDIN_API_BASE=f"http://127.0.0.1:{closed_port}/api/v10")
    assert_one_clear_error(result, "cannot reach Discord")
    assert result.process.returncode == bot.EXIT_FAILURE


@slow
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TIMEZONE", "Nowhere/Else"),
        ("CHECKPOINT_SECONDS", "abc"),
        ("CHECKPOINT_SECONDS", "nan"),
        ("SHARD_COUNT", "zero"),
        ("LOG_FORMAT", "xml"),
        ("METRICS_PORT", "70000"),
    ],
)
def test_bad_setting_exits_with_one_line_naming_it(start_bot, name, value):
    result = run_bot(start_bot, **{name: value})
    line = assert_one_clear_error(result, name, repr(value))
    assert result.lines == [line]
    assert result.process.returncode == bot.EXIT_CONFIG


def folder_that_cannot_be_created(tmp_path: Path) -> tuple[Path, Path, str, int]:
    """DATA_FILE inside a "folder" that is a file: (DATA_FILE, culprit, phrase, exit code)."""
    not_a_folder = tmp_path / "ranking.txt"
    not_a_folder.write_text("")
    data_file = not_a_folder / "video_ranking.json"
    return data_file, not_a_folder, "cannot use the data files", bot.EXIT_FAILURE


def journal_that_is_a_folder(tmp_path: Path) -> tuple[Path, Path, str, int]:
    """DATA_FILE whose journal is a directory: (DATA_FILE, culprit, phrase, exit code)."""
    journal = tmp_path / "video_ranking.journal.jsonl"
    journal.mkdir()
    return tmp_path / "video_ranking.json", journal, "not a regular file", bot.EXIT_CONFIG


@slow
@pytest.mark.parametrize("layout", [folder_that_cannot_be_created, journal_that_is_a_folder])
def test_unusable_data_file_is_reported_before_connecting_to_discord(
    start_bot, tmp_path, closed_port, layout
):
    data_file, culprit, phrase, code = layout(tmp_path)
    no_network = f"http://127.0.0.1:{closed_port}/api/v10"
    result = run_bot(start_bot, DATA_FILE=str(data_file), STANDIN_API_BASE=no_network)
    assert_one_clear_error(result, phrase, str(culprit))
    assert "cannot reach Discord" not in result.output
    assert "logging in" not in result.output
    assert result.process.returncode == code


def test_a_data_file_the_store_cannot_use_is_a_configuration_error():
    error = DataFileError("/srv/dados é uma pasta / is a directory: point DATA_FILE at a file")
    assert bot.describe_failure(error) == (bot.EXIT_CONFIG, str(error))


async def test_a_stop_before_the_store_is_open_closes_the_store_it_opens(monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_FILE", str(tmp_path / "video_ranking.json"))
    monkeypatch.setenv("SHARD_COUNT", "1")  # closed outside `async with`: discord.py's
    # AutoShardedClient cannot close before its setup hook ran, which `run_bot` always runs
    stopped = bot.create_bot()
    await stopped.close()
    await stopped.open_store()
    with pytest.raises(RuntimeError):
        stopped.store  # noqa: B018
    reopened = await asyncio.to_thread(Store.open, tmp_path / "video_ranking.json")
    await reopened.close()  # the lock was let go


@slow
def test_second_bot_on_the_same_data_file_exits_with_one_line(start_bot, tmp_path):
    first = start_bot(STANDIN_SIMCORD="1")
    first.wait_for(READY)
    second = run_bot(start_bot, STANDIN_SIMCORD="1")
    assert_one_clear_error(second, str(tmp_path / "video_ranking.json"), "already in use")
    assert second.process.returncode == bot.EXIT_FAILURE
    first.process.send_signal(signal.SIGTERM)
    assert first.wait() == 0, first.output


# -------------------------------------------------------------- graceful stop


@slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_signal_closes_open_sessions_saves_and_exits_zero(start_bot, tmp_path, stop_signal):
    running = start_bot(STANDIN_SIMCORD="125")
    ready = running.wait_for(READY)
    ids = dict(pair.split("=") for pair in ready.split()[2:])
    running.process.send_signal(stop_signal)
    assert running.wait() == 0, running.output
    assert "Traceback" not in running.output
    data = json.loads((tmp_path / "video_ranking.json").read_text(encoding="utf-8"))
    member = data[ids["member"]]
    assert (member["total_seconds"], member["sessions"]) == (125, 1)
    assert member["guilds"][ids["guild"]] == {"total_seconds": 125, "sessions": 1}


@slow
def test_signal_during_a_long_wait_to_reconnect_still_exits_zero_at_once(
    start_bot, discord_api, closed_port
):
    discord_api.accept_the_token()
    running = start_bot(
        STANDIN_API_BASE=discord_api.base,
        STANDIN_GATEWAY=f"ws://127.0.0.1:{closed_port}/",
        STANDIN_RECONNECT_DELAY="600",
    )
    running.wait_for("Attempting a reconnect in 600.00s")
    signalled = time.monotonic()
    running.process.send_signal(signal.SIGTERM)
    assert running.wait() == 0, running.output
    assert time.monotonic() - signalled < 10


@slow
def test_without_shard_count_the_bot_connects_the_shards_discord_recommends(
    start_bot, discord_api, closed_port
):
    discord_api.accept_the_token()
    discord_api.answers["/gateway/bot"] = {
        "shards": 2,
        "url": f"ws://127.0.0.1:{closed_port}",
        "session_start_limit": {
            "total": 1000,
            "remaining": 999,
            "reset_after": 0,
            "max_concurrency": 1,
        },
    }
    running = start_bot(STANDIN_API_BASE=discord_api.base, SHARD_COUNT="")
    running.wait_for("o Discord recomenda 2 shards")
    running.wait_for("Failed to connect for shard_id: 0")  # a shard of the sharded client
    running.process.send_signal(signal.SIGTERM)
    assert running.wait() == 0, running.output
    assert [path for path, _ in discord_api.received] == [
        "/users/@me",
        "/oauth2/applications/@me",
        "/gateway/bot",
    ]


@slow
def test_the_postgresql_store_without_shard_count_exits_2_with_one_line(
    start_bot, discord_api, pg_url
):
    result = run_bot(
        start_bot, DATABASE_URL=pg_url, SHARD_COUNT="", STANDIN_API_BASE=discord_api.base
    )
    line = assert_one_clear_error(result, "DATABASE_URL", "SHARD_COUNT")
    assert result.lines == [line]
    assert discord_api.received == []
    assert result.process.returncode == bot.EXIT_CONFIG


# ----------------------------------------------------------------------- logs


@slow
def test_token_never_appears_in_the_output_even_at_debug_level(start_bot, discord_api):
    result = run_bot(start_bot, STANDIN_API_BASE=discord_api.base, LOG_LEVEL="DEBUG")
    assert discord_api.received == [("/users/@me", f"Bot {TOKEN}")]
    assert " - DEBUG - " in result.output
    assert TOKEN not in result.output
    assert TOKEN.split(".")[0] not in result.output


@slow
def test_every_log_line_is_timestamp_name_level_message(start_bot, discord_api):
    result = run_bot(start_bot, STANDIN_API_BASE=discord_api.base)
    assert len(result.lines) >= 2
    assert [line for line in result.lines if not LOG_LINE.match(line)] == []


@slow
def test_discord_http_logs_only_warnings_even_at_debug_level(start_bot, discord_api):
    result = run_bot(start_bot, STANDIN_API_BASE=discord_api.base, LOG_LEVEL="DEBUG")
    assert discord_api.received, "discord.http made its request (and logs it at DEBUG)"
    assert " - DEBUG - " in result.output
    assert [line for line in result.lines if " - discord.http - " in line] == []


@slow
def test_json_logs_are_one_object_per_line_with_the_camera_events_context(start_bot, tmp_path):
    running = start_bot(STANDIN_SIMCORD="125", LOG_FORMAT="json")
    ready = running.wait_for(READY)
    ids = dict(pair.split("=") for pair in ready.split()[2:])
    running.process.send_signal(signal.SIGTERM)
    assert running.wait() == 0, running.output
    lines = [json.loads(line) for line in running.lines if not line.startswith(READY)]
    assert len(lines) >= 3
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    camera_on = [line for line in lines if line.get("event") == "camera_on"]
    assert len(camera_on) == 1, lines
    assert camera_on[0]["logger"] == "events"
    assert (camera_on[0]["server"], camera_on[0]["member"]) == (
        int(ids["guild"]),
        int(ids["member"]),
    )
    assert "shard" not in camera_on[0]  # one connection: no shard to name
    assert "event" not in lines[0]  # context only where it is known


@slow
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_token_in_an_unexpected_traceback_is_masked(start_bot, log_format):
    result = run_bot(start_bot, STANDIN_LEAK_TOKEN="1", LOG_FORMAT=log_format)
    assert result.process.returncode == bot.EXIT_FAILURE
    assert "login failed for token ********" in result.output
    assert TOKEN not in result.output
    if log_format == "json":
        (line,) = [line for line in map(json.loads, result.lines) if line["level"] == "ERROR"]
        assert "RuntimeError: login failed for token ********" in line["exception"]
    else:
        assert "Traceback" in result.output


async def test_presence_is_watching_cameras_on(simcord_env):
    activity = simcord_env.bot.activity
    assert isinstance(activity, discord.Activity)
    assert (activity.type, activity.name) == (discord.ActivityType.watching, "câmeras ligadas")


# ----------------------------------------------------------------- deployment


def read_unit(path: Path = UNIT) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(path, encoding="utf-8")
    return unit


def test_systemd_unit_stops_the_bot_with_sigterm_in_time():
    service = read_unit()["Service"]
    assert service["KillSignal"] == "SIGTERM"
    # Longer than the PostgreSQL store's tries at a stop during an outage.
    assert int(service["TimeoutStopSec"]) > CLOSE_WAIT_SECONDS


def test_systemd_unit_runs_the_venv_python_in_the_install_folder():
    service = read_unit()["Service"]
    assert service["WorkingDirectory"] == "/opt/bate-ponto"
    assert service["ExecStart"] == "/opt/bate-ponto/.venv/bin/python /opt/bate-ponto/bot.py"
    assert service["User"]


def test_systemd_unit_restarts_except_when_the_configuration_is_wrong():
    service = read_unit()["Service"]
    assert (service["Restart"], service["RestartSec"]) == ("always", "10")
    assert service["RestartPreventExitStatus"] == str(bot.EXIT_CONFIG)


def test_systemd_template_runs_one_shard_per_instance_with_its_own_data_file():
    template = read_unit(SHARD_UNIT)
    service = template["Service"]
    assert service["ExecStart"] == read_unit()["Service"]["ExecStart"]
    settings = dict(  # configparser keeps only the last of several Environment= lines
        line.removeprefix("Environment=").split("=", 1)
        for line in SHARD_UNIT.read_text(encoding="utf-8").splitlines()
        if line.startswith("Environment=")
    )
    assert settings["SHARD_IDS"] == "%i"
    assert "%i" in Path(settings["DATA_FILE"]).name
    assert Path(settings["DATA_FILE"]).parent == Path(service["ReadWritePaths"])
    assert (service["Restart"], service["RestartSec"]) == ("always", "10")
    assert service["RestartPreventExitStatus"] == str(bot.EXIT_CONFIG)
    # A stop during a database outage tries for CLOSE_WAIT_SECONDS, then keeps what is left.
    assert int(service["TimeoutStopSec"]) > CLOSE_WAIT_SECONDS
    assert template["Install"]["WantedBy"] == "multi-user.target"


# -------------------------------------------------------------------- systemd

SYSTEMD_UNITS = pytest.mark.parametrize("unit", [UNIT, SHARD_UNIT], ids=lambda path: path.name)
CREDENTIAL_TOKEN = "MTQ1NjA3NDQ0Mzk4MDgwMDAwMg.GcredIn.from-the-systemd-credential-4b1e"


def systemd_analyze(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze ARGUMENTS`; skipped where it is not installed, but never under CI."""
    command = shutil.which("systemd-analyze")
    if command is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is required under CI to check the systemd units")
        pytest.skip("systemd-analyze is not installed (systemd 252 or later checks the units)")
    return subprocess.run(
        [command, *arguments],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


@SYSTEMD_UNITS
def test_systemd_unit_hardening_scores_ok_in_systemd_analyze_security(unit):
    result = systemd_analyze("security", "--offline=yes", "--no-pager", str(unit))
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found[1]) <= 2.0, result.stdout
    assert found[2] == "OK"


@SYSTEMD_UNITS
def test_systemd_understands_every_line_of_the_unit(unit):
    result = systemd_analyze("verify", "--no-pager", str(unit))
    complaints = [
        line
        for line in result.stderr.splitlines()
        if "is not executable" not in line  # /opt/bate-ponto is not installed here
    ]
    assert complaints == []


@SYSTEMD_UNITS
def test_systemd_unit_stops_a_crash_loop_before_it_spends_discords_identify_budget(unit):
    parsed = read_unit(unit)
    interval = int(parsed["Unit"]["StartLimitIntervalSec"])
    burst = int(parsed["Unit"]["StartLimitBurst"])
    assert "StartLimitInterval" not in parsed["Service"]  # the old spelling, in [Service]
    restart_every = int(parsed["Service"]["RestartSec"])
    assert burst * restart_every < interval  # a crash loop does reach the limit
    assert 3 <= burst <= 20  # a brief outage at boot is tried again; a loop stops soon
    # Even started again at every interval all day, a unit identifies well under the
    # 1,000 a day a token may, so two shards' units together cannot exhaust it.
    assert burst * 86400 / interval <= 1000 / 2


@SYSTEMD_UNITS
def test_systemd_unit_is_notify_with_a_watchdog_and_the_token_credential(unit):
    service = read_unit(unit)["Service"]
    assert (service["Type"], service["NotifyAccess"]) == ("notify", "main")
    assert 10 <= int(service["WatchdogSec"]) <= 300
    name, source = service["LoadCredential"].split(":")
    assert (name, source) == (config.TOKEN_CREDENTIAL, "/etc/bate-ponto/discord_token")
    # AF_UNIX: the notification socket (and PostgreSQL's local socket).
    assert set(service["RestrictAddressFamilies"].split()) == {"AF_UNIX", "AF_INET", "AF_INET6"}
    assert service["CapabilityBoundingSet"] == ""
    assert service["ReadWritePaths"] == service["WorkingDirectory"] == "/opt/bate-ponto"


@slow
def test_the_token_credential_is_the_token_the_bot_logs_in_with(start_bot, discord_api, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / config.TOKEN_CREDENTIAL).write_text(CREDENTIAL_TOKEN + "\n")
    result = run_bot(
        start_bot, CREDENTIALS_DIRECTORY=str(credentials), STANDIN_API_BASE=discord_api.base
    )
    assert discord_api.received == [("/users/@me", f"Bot {CREDENTIAL_TOKEN}")]
    assert_one_clear_error(result, "invalid token")
    assert CREDENTIAL_TOKEN not in result.output
    assert result.process.returncode == bot.EXIT_CONFIG


@slow
def test_a_token_credential_that_cannot_be_read_exits_2_with_one_line(
    start_bot, discord_api, tmp_path
):
    credentials = tmp_path / "credentials"
    (credentials / config.TOKEN_CREDENTIAL).mkdir(parents=True)
    result = run_bot(
        start_bot, CREDENTIALS_DIRECTORY=str(credentials), STANDIN_API_BASE=discord_api.base
    )
    line = assert_one_clear_error(result, "discord_token", str(credentials))
    assert result.lines == [line]
    assert discord_api.received == []
    assert result.process.returncode == bot.EXIT_CONFIG


@pytest.fixture
def notify_socket() -> Iterator[tuple[str, socket.socket]]:
    """A datagram socket standing in for systemd's: its `NOTIFY_SOCKET` value, the socket."""
    name = f"@bate-ponto-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind("\0" + name[1:])
        receiver.settimeout(0.05)
        yield name, receiver


def notifications(receiver: socket.socket, seconds: float) -> list[tuple[float, str]]:
    """What arrives for `seconds`: (monotonic time, message)."""
    received = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            message = receiver.recv(4096)
        except TimeoutError:
            continue
        received.append((time.monotonic(), message.decode()))
    return received


@slow
def test_the_bot_tells_systemd_it_is_ready_alive_and_stopping(start_bot, notify_socket):
    address, receiver = notify_socket
    running = start_bot(STANDIN_SIMCORD="1", NOTIFY_SOCKET=address, WATCHDOG_USEC="400000")
    running.wait_for(READY)
    early = notifications(receiver, 2.0)
    running.process.send_signal(signal.SIGTERM)
    assert running.wait() == 0, running.output
    late = notifications(receiver, 0.3)
    messages = [message for _, message in early + late]
    assert messages.count("READY=1") == 1
    assert messages[-1] == "STOPPING=1" and messages.count("STOPPING=1") == 1
    assert set(messages) == {"READY=1", "WATCHDOG=1", "STOPPING=1"}
    beats = [at for at, message in early if message == "WATCHDOG=1"]
    gaps = sorted(later - earlier for earlier, later in itertools.pairwise(beats))
    assert len(beats) >= 5  # every 0.2 s (half of WATCHDOG_USEC), over 2 s
    assert 0.1 < gaps[len(gaps) // 2] < 0.4
    assert gaps[-1] < 0.8  # never near WATCHDOG_USEC without one


@slow
def test_without_watchdog_usec_the_bot_only_says_ready_and_stopping(start_bot, notify_socket):
    address, receiver = notify_socket
    running = start_bot(STANDIN_SIMCORD="1", NOTIFY_SOCKET=address)
    running.wait_for(READY)
    early = notifications(receiver, 0.5)
    running.process.send_signal(signal.SIGTERM)
    assert running.wait() == 0, running.output
    messages = [message for _, message in early + notifications(receiver, 0.3)]
    assert messages == ["READY=1", "STOPPING=1"]


# ---------------------------------------------------------- damaged data files


def tree_of(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    """Name, mode and content of everything under `folder`."""
    found = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        content = path.read_bytes() if path.is_file() else None
        found[str(path.relative_to(folder))] = (info.st_mode, content)
    return found


@slow
def test_data_file_that_is_a_folder_exits_2_with_one_line_touching_nothing(start_bot, tmp_path):
    data_file = tmp_path / "video_ranking.json"
    data_file.mkdir(mode=0o750)
    (data_file / "anotacoes.txt").write_text("não apague")
    before = tree_of(tmp_path)
    result = run_bot(start_bot, DATA_FILE=str(data_file), STANDIN_SIMCORD="1")
    line = assert_one_clear_error(result, str(data_file), "not a regular file")
    assert result.process.returncode == bot.EXIT_CONFIG
    assert [entry for entry in result.lines if entry != line] == [
        entry for entry in result.lines if " - INFO - " in entry
    ]
    assert tree_of(tmp_path) == before


@slow
def test_damaged_journal_line_is_skipped_and_the_bot_runs(start_bot, tmp_path):
    guild, user = 111111111111111111, 123456789012345678

    def credit(seq: int, seconds: object) -> str:
        record = {"seq": seq, "op": "credit", "g": guild, "u": user, "s": seconds, "n": 1}
        return json.dumps(record) + "\n"

    journal = tmp_path / "video_ranking.journal.jsonl"
    journal.write_text(credit(1, 40) + credit(2, float("nan")) + credit(3, 2))
    running = start_bot(STANDIN_SIMCORD="1")
    running.wait_for(READY)
    running.process.send_signal(signal.SIGTERM)
    assert running.wait() == 0, running.output
    assert "Traceback" not in running.output
    (error,) = running.error_lines()
    assert "Linha 2 " in error and str(journal) in error
    data = json.loads((tmp_path / "video_ranking.json").read_text(encoding="utf-8"))
    assert data[str(user)]["guilds"] == {str(guild): {"total_seconds": 42, "sessions": 2}}
    rejected = tmp_path / "video_ranking.journal.rejected.jsonl"
    assert rejected.read_text() == credit(2, float("nan"))
