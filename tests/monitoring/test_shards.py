"""The health check and the latency metric see each shard of a sharded bot on its own."""

from __future__ import annotations

import pytest

from bot import create_bot
from tests.helpers import drop_shard


@pytest.fixture
def simcord_bot(data_file, monkeypatch):
    monkeypatch.setenv("SHARD_COUNT", "2")
    return create_bot()


async def test_a_lost_shard_shows_as_disconnected_and_each_shard_has_its_latency(simcord_env):
    bot = simcord_env.bot
    assert [(s.shard_id, s.connected) for s in bot.shard_states()] == [(0, True), (1, True)]
    await drop_shard(simcord_env, 1)
    assert [(s.shard_id, s.connected) for s in bot.shard_states()] == [(0, True), (1, False)]
    text = bot.metrics.exposition().decode()
    assert 'bateponto_gateway_latency_seconds{shard="0"}' in text
    assert 'bateponto_gateway_latency_seconds{shard="1"}' in text
