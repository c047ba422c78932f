"""Health and metrics of a real `python bot.py` (simcord attached in the process: no network)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import urllib.error
import urllib.request
from pathlib import Path

import bot
from tests.test_process import (  # noqa: F401 (a fixture)
    READY,
    assert_one_clear_error,
    run_bot,
    slow,
    start_bot,
)

FAMILIES = (
    "bateponto_camera_events_total",
    "bateponto_open_sessions",
    "bateponto_store_write_duration_seconds",
    "bateponto_snapshot_duration_seconds",
    "bateponto_snapshot_last_success_timestamp_seconds",
    "bateponto_event_loop_lag_seconds",
    "bateponto_reconcile_sessions_total",
    "bateponto_commands_total",
    "bateponto_gateway_latency_seconds",
    "bateponto_discord_rate_limits_total",
)
SNOWFLAKE = re.compile(r"\d{17,20}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def listening_ports(pid: int) -> set[int]:
    """The TCP ports a process listens on (from /proc: its sockets in LISTEN state)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@slow
def test_healthz_and_metrics_answer_from_the_running_bot(start_bot):  # noqa: F811
    port = free_port()
    running = start_bot(STANDIN_SIMCORD="125", METRICS_PORT=str(port))
    ready = running.wait_for(READY)
    ids = dict(pair.split("=") for pair in ready.split()[2:])
    assert listening_ports(running.process.pid) == {port}

    status, text = get(port, "/healthz")
    assert status == 200, text
    health = json.loads(text)
    assert health["status"] == "ok" and health["reasons"] == []
    assert health["shards"] == {"0": {"connected": True, "latency_seconds": 0.0}}
    assert health["open_sessions"] == 1
    assert set(health) >= {"last_store_write_age_seconds", "last_snapshot_age_seconds"}

    status, text = get(port, "/metrics")
    assert status == 200
    types = dict(re.findall(r"^# TYPE (\w+) (\w+)$", text, re.MULTILINE))
    assert set(FAMILIES) <= set(types), text
    assert 'bateponto_camera_events_total{kind="start"} 1.0' in text
    assert 'bateponto_camera_events_total{kind="credit"} 2.0' in text  # 125 s, checkpoints of 60
    fsyncs = re.search(r"^bateponto_store_write_duration_seconds_count (\S+)$", text, re.M)
    assert fsyncs is not None and float(fsyncs[1]) >= 1  # the journal's (batches may merge)
    assert 'bateponto_reconcile_sessions_total{outcome="started"} 1.0' in text
    assert "bateponto_open_sessions 1.0" in text
    assert 'bateponto_gateway_latency_seconds{shard="0"} 0.0' in text
    labels = re.findall(r"\{([^}]*)\}", text)
    assert [label for label in labels if SNOWFLAKE.search(label)] == []
    assert ids["guild"] not in text and ids["member"] not in text

    running.process.send_signal(signal.SIGTERM)
    assert running.wait() == 0, running.output
    assert "Traceback" not in running.output


@slow
def test_without_metrics_port_the_bot_listens_on_no_port(start_bot):  # noqa: F811
    running = start_bot(STANDIN_SIMCORD="1")
    running.wait_for(READY)
    assert listening_ports(running.process.pid) == set()
    running.process.send_signal(signal.SIGTERM)
    assert running.wait() == 0, running.output


@slow
def test_a_metrics_port_in_use_exits_2_with_one_line_naming_it(start_bot):  # noqa: F811
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_bot(start_bot, STANDIN_SIMCORD="1", METRICS_PORT=str(port))
    assert_one_clear_error(result, "METRICS_PORT", f"127.0.0.1:{port}")
    assert result.process.returncode == bot.EXIT_CONFIG
