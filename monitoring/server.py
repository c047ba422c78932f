"""`GET /healthz` and `GET /metrics` with aiohttp's web server, on the bot's event loop.

Off unless `METRICS_PORT` is set; bound to `METRICS_HOST` (127.0.0.1 by default).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from database import StoreHealth
from monitoring.metrics import Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Shard:
    """One gateway connection as the health check sees it."""

    shard_id: int
    connected: bool
    latency: float


def _age(moment: float | None, now: float) -> float | None:
    return None if moment is None else round(now - moment, 3)


def health_report(
    shards: Iterable[Shard], open_sessions: int, store: StoreHealth, now: float
) -> tuple[int, dict[str, Any]]:
    """HTTP status and JSON body of `/healthz`; `now` is a `time.monotonic()` reading.

    503 when the store cannot write or no shard is connected, with the reasons.

    >>> ok = StoreHealth(failing=None, last_write=9.0, last_snapshot=5.0)
    >>> status, body = health_report([Shard(0, True, 0.05)], 2, ok, now=10.0)
    >>> status, body["shards"], body["last_store_write_age_seconds"]
    (200, {'0': {'connected': True, 'latency_seconds': 0.05}}, 1.0)
    >>> health_report([Shard(0, False, math.nan)], 0, ok, now=10.0)[1]["reasons"]
    ['no gateway shard is connected']
    """
    shards = list(shards)
    reasons = []
    if store.failing is not None:
        reasons.append(store.failing)
    if not any(shard.connected for shard in shards):
        reasons.append("no gateway shard is connected")
    body: dict[str, Any] = {
        "status": "failing" if reasons else "ok",
        "reasons": reasons,
        "shards": {
            str(shard.shard_id): {
                "connected": shard.connected,
                "latency_seconds": shard.latency if math.isfinite(shard.latency) else None,
            }
            for shard in shards
        },
        "open_sessions": open_sessions,
        "last_store_write_age_seconds": _age(store.last_write, now),
    }
    if store.unavailable is None:
        body["last_snapshot_age_seconds"] = _age(store.last_snapshot, now)
    else:
        body["database_unavailable"] = store.unavailable
    return (503 if reasons else 200), body


class MonitoringServer:
    """The HTTP server; `start` binds it, `stop` closes it."""

    def __init__(
        self,
        metrics: Metrics,
        shards: Callable[[], list[Shard]],
        open_sessions: Callable[[], int],
        store: Callable[[], StoreHealth],
    ) -> None:
        """Answer from these readings, taken at each request."""
        self._metrics = metrics
        self._shards = shards
        self._open_sessions = open_sessions
        self._store = store
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._exposition)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)

    async def start(self, host: str, port: int) -> None:
        """Listen on `host:port`.

        Raises:
            OSError: the address cannot be bound (e.g. the port is taken).
        """
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            raise
        log.info("Saúde e métricas em http://%s:%d/healthz e /metrics", host, port)

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        await self._runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        del request
        status, body = health_report(
            self._shards(), self._open_sessions(), self._store(), time.monotonic()
        )
        return web.json_response(body, status=status)

    async def _exposition(self, request: web.Request) -> web.Response:
        del request
        response = web.Response(body=self._metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response
