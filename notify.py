"""systemd's service notifications (`sd_notify`) over `$NOTIFY_SOCKET`, in a few lines.

With `Type=notify` systemd waits for `READY=1`; with `WatchdogSec=` it restarts a service
that stops sending `WATCHDOG=1`. Outside systemd (`NOTIFY_SOCKET` unset) nothing is sent.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger("bate-ponto.notify")


def notify(state: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send `state` (e.g. `READY=1`) to systemd; whether it was sent.

    `NOTIFY_SOCKET` is a path, or an abstract socket name starting with `@`.
    A socket that cannot be reached is logged at DEBUG and never stops the bot.
    """
    address = (os.environ if environ is None else environ).get("NOTIFY_SOCKET", "")
    if address.startswith("@"):
        address = "\0" + address[1:]
    elif not address.startswith("/"):
        return False  # unset, or a kind of socket (vsock) this bot is never run with
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError as error:
        log.debug("Aviso ao systemd não enviado (%s): %s", state, error)
        return False
    return True


def watchdog_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """Seconds between two `WATCHDOG=1` (half of `WATCHDOG_USEC`); None: no watchdog.

    As `sd_watchdog_enabled`: `WATCHDOG_PID`, when set, must be this process.
    """
    source = os.environ if environ is None else environ
    usec, pid = source.get("WATCHDOG_USEC", ""), source.get("WATCHDOG_PID", "")
    if not (usec.isascii() and usec.isdigit() and int(usec) > 0):
        return None
    if pid and pid != str(os.getpid()):
        return None
    return int(usec) / 2 / 1_000_000
