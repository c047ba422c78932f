"""The bot's Prometheus metrics, in a registry of their own; never an id as a label.

The bot and its cogs call the small methods of `Metrics`; the store reports
its writes through `StoreHooks` (`store_hooks`), so neither knows Prometheus.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from database import StoreHooks

CameraEvent = Literal["start", "credit", "close"]
ReconcileOutcome = Literal["started", "closed", "kept"]

LAG_INTERVAL_SECONDS = 0.5
"""How long the event-loop probe sleeps; whatever it oversleeps is the loop's lag."""

_FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_SLOW_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class _Latencies(Collector):
    """`bateponto_gateway_latency_seconds{shard="0"}`, read when scraped."""

    def __init__(self, read: Callable[[], Iterable[tuple[int, float]]]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "bateponto_gateway_latency_seconds",
            "Heartbeat latency of each gateway shard this process connects",
            labels=["shard"],
        )
        for shard_id, latency in self._read():
            if math.isfinite(latency):
                family.add_metric([str(shard_id)], latency)
        yield family


class RateLimitCounter(logging.Handler):
    """Counts the HTTP 429 answers discord.py logs (`discord.http`, at WARNING).

    discord.py handles rate limits itself and only logs them: "We are being
    rate limited. ... responded with 429" for each 429 it receives (route
    limits), and also "Global rate limit has been hit" when the limit is global.
    """

    def __init__(self, counter: Counter) -> None:
        super().__init__(logging.WARNING)
        self._counter = counter

    def emit(self, record: logging.LogRecord) -> None:
        """Count a 429 by scope; other records are ignored."""
        message = str(record.msg)
        if "responded with 429" in message:
            self._counter.labels(scope="route").inc()
        elif message.startswith("Global rate limit"):
            self._counter.labels(scope="global").inc()


class Metrics:
    """Every metric family of the bot, registered in `self.registry` (not the global one)."""

    def __init__(self) -> None:
        """Create the families; the ones read when scraped are attached by `watch`."""
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.camera_events = Counter(
            "bateponto_camera_events",
            "Camera session events: start, credit (a checkpoint of a running session), close",
            ["kind"],
            registry=registry,
        )
        for kind in ("start", "credit", "close"):
            self.camera_events.labels(kind=kind)
        self.store_writes = Histogram(
            "bateponto_store_write_duration_seconds",
            "Durable writes: a journal append and its fsync (JSON store) or a change-log "
            "batch (PostgreSQL)",
            buckets=_FAST_BUCKETS,
            registry=registry,
        )
        self.snapshots = Histogram(
            "bateponto_snapshot_duration_seconds",
            "Good snapshots of the JSON store, their write time",
            buckets=_SLOW_BUCKETS,
            registry=registry,
        )
        self.last_snapshot = Gauge(
            "bateponto_snapshot_last_success_timestamp_seconds",
            "Unix time of the last good snapshot (0: none since the bot started)",
            registry=registry,
        )
        self.loop_lag = Histogram(
            "bateponto_event_loop_lag_seconds",
            f"How late a {LAG_INTERVAL_SECONDS} s sleep on the event loop wakes up",
            buckets=_FAST_BUCKETS,
            registry=registry,
        )
        self.reconciles = Counter(
            "bateponto_reconcile_sessions",
            "Sessions a reconcile with Discord's voice states started, closed or kept",
            ["outcome"],
            registry=registry,
        )
        for outcome in ("started", "closed", "kept"):
            self.reconciles.labels(outcome=outcome)
        self.commands = Counter(
            "bateponto_commands",
            "Commands run, by outcome (ok or error)",
            ["outcome"],
            registry=registry,
        )
        for outcome in ("ok", "error"):
            self.commands.labels(outcome=outcome)
        self.rate_limits = Counter(
            "bateponto_discord_rate_limits",
            "HTTP 429 answers from Discord, as discord.py logs them (route or global)",
            ["scope"],
            registry=registry,
        )
        for scope in ("route", "global"):
            self.rate_limits.labels(scope=scope)
        self.rate_limit_counter = RateLimitCounter(self.rate_limits)
        self._lag_task: asyncio.Task[None] | None = None

    # ----------------------------------------------------------------- wiring

    def watch(
        self,
        open_sessions: Callable[[], int],
        latencies: Callable[[], Iterable[tuple[int, float]]],
    ) -> None:
        """Attach the families read when scraped: open sessions and gateway latencies."""
        gauge = Gauge(
            "bateponto_open_sessions", "Camera sessions running now", registry=self.registry
        )
        gauge.set_function(lambda: float(open_sessions()))
        self.registry.register(_Latencies(latencies))

    def store_hooks(self) -> StoreHooks:
        """The hooks a store calls after its durable writes."""
        return StoreHooks(wrote=self.store_writes.observe, snapshot=self._snapshot)

    def _snapshot(self, seconds: float) -> None:
        self.snapshots.observe(seconds)
        self.last_snapshot.set(time.time())

    def start(self) -> None:
        """Start the event-loop lag probe and count discord.py's rate-limit lines."""
        logging.getLogger("discord.http").addHandler(self.rate_limit_counter)
        if self._lag_task is None:
            self._lag_task = asyncio.get_running_loop().create_task(
                self._probe_lag(), name="event-loop-lag"
            )

    async def stop(self) -> None:
        """Stop what `start` started."""
        logging.getLogger("discord.http").removeHandler(self.rate_limit_counter)
        task, self._lag_task = self._lag_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _probe_lag(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(LAG_INTERVAL_SECONDS)
            self.loop_lag.observe(max(0.0, time.monotonic() - started - LAG_INTERVAL_SECONDS))

    # ------------------------------------------------------------ the events

    def camera_event(self, kind: CameraEvent, count: int = 1) -> None:
        """`count` camera events of one kind."""
        if count:
            self.camera_events.labels(kind=kind).inc(count)

    def reconciled(self, before: AbstractSet[object], after: AbstractSet[object]) -> None:
        """A reconcile took the open sessions from `before` to `after` (their keys)."""
        self.reconciles.labels(outcome="started").inc(len(after - before))
        self.reconciles.labels(outcome="closed").inc(len(before - after))
        self.reconciles.labels(outcome="kept").inc(len(before & after))

    def command(self, ok: bool) -> None:
        """A command finished, well or with an error."""
        self.commands.labels(outcome="ok" if ok else "error").inc()

    def exposition(self) -> bytes:
        """Every family in Prometheus' text format."""
        return generate_latest(self.registry)
