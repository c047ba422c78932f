"""`python bot.py` as a real process: start-up failures, graceful stop, logs, deployment.

Each test starts the entry point with `sys.executable` in the repository, with
every setting given explicitly and the stand-in in `tests/standin` on
PYTHONPATH (it makes `.env` read as empty, so a developer's `.env` changes
nothing). Discord is either a local HTTP server that discord.py's real HTTP
stack talks to, a closed port, or simcord attached in the child process.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import discord
import pytest

import bot

REPO = Path(__file__).resolve().parent.parent
STANDIN = Path(__file__).resolve().parent / "standin"
UNIT = REPO / "deploy" / "bate-ponto.service"
TOKEN = "MTQ1NjA3NDQ0Mzk4MDgwMDAwMQ.GstandIn.never-to-be-printed-7f3a9c"
READY = "STANDIN READY"
SETTINGS = ("DISCORD_TOKEN", "COMMAND_PREFIX", "DATA_FILE", "LOG_LEVEL", "TIMEZONE")
SETTINGS += ("CHECKPOINT_SECONDS", "LEGACY_GUILD_ID")
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
        if key not in SETTINGS and not key.startswith(("STANDIN_", "PYTHON"))
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
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith(READY):
                self.ready.set()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_ready(self) -> None:
        if not self.ready.wait(TIMEOUT):
            self.process.kill()
            self.wait()
            pytest.fail(f"the bot never got ready:\n{self.output}")

    def wait(self) -> int:
        code = self.process.wait(TIMEOUT)
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


@pytest.fixture
def discord_rejecting_tokens() -> Iterator[tuple[str, list[str]]]:
    """A local Discord REST API answering 401, as Discord does to a bad token.

    Yields its base URL and the Authorization headers it received.
    """
    received: list[str] = []

    class Unauthorized(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(self.headers.get("Authorization", ""))
            body = json.dumps({"message": "401: Unauthorized", "code": 0}).encode()
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v10", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def unreachable_discord() -> Iterator[str]:
    """A base URL whose port refuses connections (bound, never listening)."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{closed.getsockname()[1]}/api/v10"


# ---------------------------------------------------------- start-up failures


@slow
def test_missing_token_exits_with_one_line_saying_how_to_set_it(start_bot):
    result = run_bot(start_bot, DISCORD_TOKEN="")
    line = assert_one_clear_error(result, "DISCORD_TOKEN", ".env")
    assert result.lines == [line]
    assert result.process.returncode == bot.EXIT_CONFIG


@slow
def test_rejected_token_exits_with_one_line(start_bot, discord_rejecting_tokens):
    api, received = discord_rejecting_tokens
    result = run_bot(start_bot, STANDIN_API_BASE=api)
    assert received == [f"Bot {TOKEN}"]
    assert_one_clear_error(result, "DISCORD_TOKEN", "invalid token")
    assert result.process.returncode == bot.EXIT_CONFIG


@slow
def test_unreachable_discord_exits_with_one_line(start_bot, unreachable_discord):
    result = run_bot(start_bot, STANDIN_API_BASE=unreachable_discord)
    assert_one_clear_error(result, "cannot reach Discord")
    assert result.process.returncode == bot.EXIT_FAILURE


@slow
@pytest.mark.parametrize(
    ("name", "value"), [("TIMEZONE", "Nowhere/Else"), ("CHECKPOINT_SECONDS", "abc")]
)
def test_bad_setting_exits_with_one_line_naming_it(start_bot, name, value):
    result = run_bot(start_bot, **{name: value})
    line = assert_one_clear_error(result, name, repr(value))
    assert result.lines == [line]
    assert result.process.returncode == bot.EXIT_CONFIG


@slow
def test_unusable_data_file_exits_with_one_line(start_bot, tmp_path):
    not_a_folder = tmp_path / "ranking.txt"
    not_a_folder.write_text("")
    data_file = not_a_folder / "video_ranking.json"
    result = run_bot(start_bot, DATA_FILE=str(data_file), STANDIN_SIMCORD="0")
    assert_one_clear_error(result, "cannot use the data files", str(not_a_folder))
    assert result.process.returncode == bot.EXIT_FAILURE


@slow
def test_second_bot_on_the_same_data_file_exits_with_one_line(start_bot, tmp_path):
    first = start_bot(STANDIN_SIMCORD="1")
    first.wait_ready()
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
    running.wait_ready()
    ids = dict(pair.split("=") for pair in running.lines[-1].split()[2:])
    running.process.send_signal(stop_signal)
    assert running.wait() == 0, running.output
    assert "Traceback" not in running.output
    data = json.loads((tmp_path / "video_ranking.json").read_text(encoding="utf-8"))
    member = data[ids["member"]]
    assert (member["total_seconds"], member["sessions"]) == (125, 1)
    assert member["guilds"][ids["guild"]] == {"total_seconds": 125, "sessions": 1}


# ----------------------------------------------------------------------- logs


@slow
def test_token_never_appears_in_the_output_even_at_debug_level(start_bot, discord_rejecting_tokens):
    api, received = discord_rejecting_tokens
    result = run_bot(start_bot, STANDIN_API_BASE=api, LOG_LEVEL="DEBUG")
    assert received == [f"Bot {TOKEN}"]
    assert " - DEBUG - " in result.output
    assert TOKEN not in result.output
    assert TOKEN.split(".")[0] not in result.output


@slow
def test_every_log_line_is_timestamp_name_level_message(start_bot, discord_rejecting_tokens):
    api, _ = discord_rejecting_tokens
    result = run_bot(start_bot, STANDIN_API_BASE=api)
    assert len(result.lines) >= 2
    assert [line for line in result.lines if not LOG_LINE.match(line)] == []


@slow
def test_discord_http_logs_only_warnings_even_at_debug_level(start_bot, discord_rejecting_tokens):
    api, received = discord_rejecting_tokens
    result = run_bot(start_bot, STANDIN_API_BASE=api, LOG_LEVEL="DEBUG")
    assert received, "discord.http made its request (and would have logged it at DEBUG)"
    assert " - DEBUG - " in result.output
    assert [line for line in result.lines if " - discord.http - " in line] == []


async def test_presence_is_watching_cameras_on(simcord_env):
    activity = simcord_env.bot.activity
    assert isinstance(activity, discord.Activity)
    assert (activity.type, activity.name) == (discord.ActivityType.watching, "câmeras ligadas")


# ----------------------------------------------------------------- deployment


def read_unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(UNIT, encoding="utf-8")
    return unit


def test_systemd_unit_stops_the_bot_with_sigterm_in_time():
    service = read_unit()["Service"]
    assert service["KillSignal"] == "SIGTERM"
    assert service["TimeoutStopSec"] == "30"


def test_systemd_unit_runs_the_venv_python_in_the_install_folder():
    service = read_unit()["Service"]
    assert service["WorkingDirectory"] == "/opt/bate-ponto"
    assert service["ExecStart"] == "/opt/bate-ponto/.venv/bin/python /opt/bate-ponto/bot.py"
    assert service["User"]


def test_systemd_unit_restarts_except_when_the_configuration_is_wrong():
    service = read_unit()["Service"]
    assert (service["Restart"], service["RestartSec"]) == ("always", "10")
    assert service["RestartPreventExitStatus"] == str(bot.EXIT_CONFIG)
