"""`/healthz`: 200 while the store writes and a shard is connected, 503 with the reason else."""

from __future__ import annotations

import asyncio
import math
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import pytest

from database import Store
from monitoring.metrics import Metrics
from monitoring.server import MonitoringServer, Shard, health_report
from store.pg.shards import Shards
from store.pg.store import PgStore

CONNECTED = [Shard(0, True, 0.042)]


@pytest.fixture
async def json_store(tmp_path):
    store = await asyncio.to_thread(Store.open, tmp_path / "video_ranking.json")
    yield store
    await store.close()


@pytest.fixture
async def pg_store(pg_url):
    store = await asyncio.to_thread(PgStore.open, pg_url, Shards())
    yield store
    await store.close()


def report(store, shards=CONNECTED):
    return health_report(shards, 3, store.health(), time.monotonic())


async def test_a_json_store_that_writes_is_healthy(json_store):
    status, body = report(json_store)
    assert status == 200
    assert body["status"] == "ok" and body["reasons"] == []
    assert body["shards"] == {"0": {"connected": True, "latency_seconds": 0.042}}
    assert body["open_sessions"] == 3
    assert "last_snapshot_age_seconds" in body and "database_unavailable" not in body


async def test_failing_snapshots_make_the_json_store_unhealthy(json_store):
    json_store._snapshot_failed(OSError(28, "No space left on device"))
    status, body = report(json_store)
    assert status == 503
    assert body["reasons"] == ["snapshots are failing"]


async def test_a_failing_journal_makes_the_json_store_unhealthy(json_store):
    json_store.journal._report_failure(OSError(5, "Input/output error"))
    status, body = report(json_store)
    assert status == 503
    assert body["reasons"] == ["journal writes are failing"]


async def test_an_unavailable_postgresql_makes_the_store_unhealthy(pg_store):
    assert report(pg_store)[1]["database_unavailable"] is False
    pg_store.unavailable = True  # what the writer sets when the database goes away (`_lost`)
    status, body = report(pg_store)
    assert status == 503
    assert body["reasons"] == ["PostgreSQL is unavailable"]
    assert body["database_unavailable"] is True
    assert "last_snapshot_age_seconds" not in body


async def test_no_connected_shard_is_unhealthy(json_store):
    shards = [Shard(0, False, math.nan), Shard(1, False, math.inf)]
    status, body = report(json_store, shards)
    assert status == 503
    assert body["reasons"] == ["no gateway shard is connected"]
    assert body["shards"]["0"] == {"connected": False, "latency_seconds": None}


async def test_one_connected_shard_of_two_is_enough(json_store):
    assert report(json_store, [Shard(0, False, math.nan), Shard(1, True, 0.1)])[0] == 200


async def test_the_ages_of_the_last_write_and_snapshot_count_from_them(json_store):
    json_store.journal.last_write = time.monotonic() - 30
    assert await json_store.snapshot()
    body = report(json_store)[1]
    assert 30 <= body["last_store_write_age_seconds"] < 31
    assert 0 <= body["last_snapshot_age_seconds"] < 1


async def test_the_server_answers_503_with_the_json_when_the_store_fails(json_store):
    server = MonitoringServer(Metrics(), lambda: CONNECTED, lambda: 0, json_store.health)
    with socket_port() as port:
        pass
    await server.start("127.0.0.1", port)
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/healthz"
            async with http.get(url) as response:
                assert response.status == 200
            json_store._snapshot_failed(OSError(28, "No space left on device"))
            async with http.get(url) as response:
                assert response.status == 503
                assert (await response.json())["reasons"] == ["snapshots are failing"]
    finally:
        await server.stop()


@contextmanager
def socket_port() -> Iterator[int]:
    """A free local port, bound while inside (closed on exit, leaving the port free)."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]
