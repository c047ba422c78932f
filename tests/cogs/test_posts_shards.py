"""Ranking posts with several processes: only the process owning a server's shard posts."""

from __future__ import annotations

import discord
import pytest
from simcord.backend import serializers

from bot import create_bot
from tests.helpers import SIMCORD, advance_to_local, feed_as_shard, say, stop_bot

pytestmark = [SIMCORD, pytest.mark.both_stores, pytest.mark.usefixtures("virtual_snapshots")]

WEEK_TITLE = "🏆 Ranking de câmera — semana de 29/12/2025 a 04/01/2026"


@pytest.fixture
def simcord_bot(data_file, monkeypatch):
    monkeypatch.setenv("CHECKPOINT_SECONDS", "3600")
    monkeypatch.setenv("SHARD_COUNT", "2")
    monkeypatch.setenv("SHARD_IDS", "")
    return create_bot()


def server(env, shard_id, name):
    """A server on `shard_id` with a text channel and an admin."""
    guild = env.create_guild(name, shard_id=shard_id)
    text = guild.create_text_channel("geral")
    role = guild.create_role("Moderação", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user(f"chefe-{name}"), roles=[role])
    return guild, text, admin


def posts(channel):
    return [m for m in channel.history() if m.embeds and m.embeds[0].title == WEEK_TITLE]


async def test_only_the_process_owning_the_servers_shard_posts_its_ranking(
    simcord_env, monkeypatch
):
    env = simcord_env
    g0, text0, admin0 = server(env, 0, "Zero")
    g1, text1, admin1 = server(env, 1, "Um")
    for text, admin in ((text0, admin0), (text1, admin1)):
        await say(admin, text, f"!configvideo postagem {text.mention} semanal")
    await stop_bot(env)
    monkeypatch.setenv("SHARD_IDS", "1")  # this process now owns shard 1 only
    await env.restart_bot(create_bot())
    # Even if shard 0's server reached this process, it is not posted from here.
    payload = serializers.guild_create_payload(env.backend, env.backend.get_guild(g0.id))
    feed_as_shard(env, 0, "GUILD_CREATE", payload)
    await env.settle()
    assert env.bot.get_guild(g0.id) is not None
    await advance_to_local(env, 2026, 1, 5, 0, 0)
    assert len(posts(text1)) == 1
    assert posts(text0) == []
