"""systemd notifications: sent over `$NOTIFY_SOCKET` (a path or "@abstract"), else nothing."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from notify import notify, watchdog_interval


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        yield sock


def test_a_notification_reaches_a_socket_at_a_path(receiver):
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:  # short: a socket path is <108 B
        path = str(Path(folder) / "notify")
        receiver.bind(path)
        assert notify("READY=1", {"NOTIFY_SOCKET": path})
        assert receiver.recv(100) == b"READY=1"


def test_a_notification_reaches_an_abstract_socket(receiver):
    name = f"bate-ponto-notify-{os.getpid()}"
    receiver.bind("\0" + name)
    assert notify("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name})
    assert receiver.recv(100) == b"WATCHDOG=1"


def test_without_notify_socket_nothing_is_sent():
    assert not notify("READY=1", {})
    assert not notify("READY=1", {"NOTIFY_SOCKET": ""})


def test_a_socket_nobody_listens_on_never_stops_the_bot():
    assert not notify("READY=1", {"NOTIFY_SOCKET": f"@bate-ponto-nobody-{os.getpid()}"})
    assert not notify("READY=1", {"NOTIFY_SOCKET": "/nonexistent/notify"})


def test_the_watchdog_is_fed_every_half_watchdog_usec():
    assert watchdog_interval({"WATCHDOG_USEC": "60000000"}) == 30.0
    mine = {"WATCHDOG_USEC": "400000", "WATCHDOG_PID": str(os.getpid())}
    assert watchdog_interval(mine) == 0.2


@pytest.mark.parametrize(
    "environ",
    [{}, {"WATCHDOG_USEC": "0"}, {"WATCHDOG_USEC": "abc"}, {"WATCHDOG_USEC": "-5"}],
)
def test_without_a_usable_watchdog_usec_there_is_no_watchdog(environ):
    assert watchdog_interval(environ) is None


def test_a_watchdog_meant_for_another_process_is_not_fed():
    other = {"WATCHDOG_USEC": "400000", "WATCHDOG_PID": str(os.getpid() + 1)}
    assert watchdog_interval(other) is None
