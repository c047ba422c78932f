"""Prometheus metrics: the store's writes, commands, rate limits, never an id as a label."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

from prometheus_client import REGISTRY

from database import Store
from monitoring.metrics import Metrics
from tests.helpers import Server, say
from tracking.records import Credit

GUILD, ANA = 111111111111111111, 123456789012345678


def value(metrics: Metrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    assert found is not None, name
    return found


async def test_journal_fsyncs_and_snapshots_are_observed(tmp_path):
    metrics = Metrics()
    store = await asyncio.to_thread(Store.open, tmp_path / "video_ranking.json")
    store.hooks = metrics.store_hooks()
    try:
        await store.commit([Credit(g=GUILD, u=ANA, s=5, n=1, day=739000)])
        await store.commit([Credit(g=GUILD, u=ANA, s=7, n=1, day=739000)])
        assert value(metrics, "bateponto_store_write_duration_seconds_count") == 2
        assert value(metrics, "bateponto_snapshot_duration_seconds_count") == 0
        assert value(metrics, "bateponto_snapshot_last_success_timestamp_seconds") == 0
        assert await store.snapshot()
        assert value(metrics, "bateponto_snapshot_duration_seconds_count") == 1
        assert value(metrics, "bateponto_snapshot_last_success_timestamp_seconds") > 1e9
    finally:
        await store.close()


def test_the_429s_discord_py_logs_are_counted_by_scope():
    metrics = Metrics()
    http_log = logging.getLogger("discord.http")
    http_log.addHandler(metrics.rate_limit_counter)
    try:
        http_log.warning(
            "We are being rate limited. %s %s responded with 429. Retrying in %.2f seconds.",
            "POST",
            "https://discord.com/api/v10/channels/1/messages",
            1.5,
        )
        http_log.warning("Global rate limit has been hit. Retrying in %.2f seconds.", 1.5)
        http_log.warning("Something else")
    finally:
        http_log.removeHandler(metrics.rate_limit_counter)
    assert value(metrics, "bateponto_discord_rate_limits_total", scope="route") == 1
    assert value(metrics, "bateponto_discord_rate_limits_total", scope="global") == 1


def test_reconcile_outcomes_count_sessions_started_closed_and_kept():
    metrics = Metrics()
    metrics.reconciled({(1, 10), (1, 11)}, {(1, 11), (1, 12), (1, 13)})
    assert value(metrics, "bateponto_reconcile_sessions_total", outcome="started") == 2
    assert value(metrics, "bateponto_reconcile_sessions_total", outcome="closed") == 1
    assert value(metrics, "bateponto_reconcile_sessions_total", outcome="kept") == 1


def test_the_metrics_live_in_their_own_registry_not_the_global_one():
    Metrics()
    assert REGISTRY.get_sample_value("bateponto_camera_events_total", {"kind": "start"}) is None


async def test_commands_and_camera_events_are_counted_on_the_real_bot(simcord_env):
    server = Server(simcord_env)
    metrics = simcord_env.bot.metrics
    await say(server.ana, server.text, "!ajuda")
    await say(server.ana, server.text, "!meutempo ninguem")
    assert [type(error).__name__ for error in simcord_env.errors] == ["MemberNotFound"]
    assert value(metrics, "bateponto_commands_total", outcome="ok") == 1
    assert value(metrics, "bateponto_commands_total", outcome="error") == 1
    await server.session(server.ana, 90)
    assert value(metrics, "bateponto_camera_events_total", kind="start") == 1
    assert value(metrics, "bateponto_camera_events_total", kind="close") == 1
    assert value(metrics, "bateponto_open_sessions") == 0
    text = metrics.exposition().decode()
    assert str(server.guild.id) not in text and str(server.ana.id) not in text


def test_the_readme_lists_every_metric_family():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^ *\| `(bateponto_\w+)", readme, re.MULTILINE))
    metrics = Metrics()
    metrics.watch(lambda: 0, lambda: [(0, 0.05)])
    types = dict(re.findall(r"^# TYPE (\w+) (\w+)$", metrics.exposition().decode(), re.M))
    assert listed == {name for name in types if not name.endswith("_created")}
