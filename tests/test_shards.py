"""Shards in one process: each shard's loss and reconcile are its own; SHARD_IDS owns a subset."""

from __future__ import annotations

import pytest
from simcord.backend import serializers

from bot import ShardedBatePonto, create_bot
from tests.helpers import (
    EPOCH,
    camera,
    drop_shard,
    feed_as_shard,
    reidentify_shard,
    resume_shard,
    seconds_of,
    server_totals,
    stop_bot,
)
from tracking.sessions import VideoSessionManager

pytestmark = [pytest.mark.usefixtures("virtual_snapshots"), pytest.mark.both_stores]

GUILD_ON_SHARD = {0: 4 << 22, 1: 5 << 22}
"""Server ids that land on shard 0 and shard 1 of 2, by Discord's formula."""


@pytest.fixture
def shard_ids():
    """SHARD_IDS for the bot under test; empty: every shard (tests override it)."""
    return ""


@pytest.fixture
def simcord_bot(data_file, monkeypatch, shard_ids):
    monkeypatch.setenv("SHARD_COUNT", "2")
    monkeypatch.setenv("SHARD_IDS", shard_ids)
    return create_bot()


def server(env, shard_id, name):
    guild = env.create_guild(name, shard_id=shard_id)
    return guild, guild.create_voice_channel("Sala")


def live_seconds(env, guild, member):
    """Seconds the bot vouches for in the member's running session (None when none runs)."""
    with env._bot_scope():  # the bot's clocks are simcord's virtual ones
        current = env.bot.sessions.current(guild.id, member.id)
    return None if current is None else current[1]


# ------------------------------------------------------------- the session manager


class FakeClock:
    def __init__(self):
        self.t = 1000.0

    def monotonic(self):
        return self.t

    def now(self):
        from datetime import timedelta

        return EPOCH + timedelta(seconds=self.t)


def test_the_shard_of_a_server_is_discords_formula():
    manager = VideoSessionManager(FakeClock(), EPOCH.tzinfo, shard_count=2)
    assert [manager.shard_of(GUILD_ON_SHARD[s]) for s in (0, 1)] == [0, 1]
    assert VideoSessionManager(FakeClock(), EPOCH.tzinfo).shard_of(GUILD_ON_SHARD[1]) == 0


def test_a_lost_shard_holds_its_servers_only():
    clock = FakeClock()
    manager = VideoSessionManager(clock, EPOCH.tzinfo, shard_count=2)
    for guild_id in GUILD_ON_SHARD.values():
        manager.start_session(guild_id, 7)
    clock.t += 50
    assert manager.shard_lost(0) is True
    assert manager.shard_lost(0) is False  # the first loss is the one that counts
    clock.t += 100
    assert manager.current(GUILD_ON_SHARD[0], 7)[1] == 50
    assert manager.current(GUILD_ON_SHARD[1], 7)[1] == 150
    assert manager.lost_at == 1050
    manager.shard_restored(0)
    assert manager.lost_at is None
    assert manager.current(GUILD_ON_SHARD[0], 7)[1] == 150


def test_a_server_read_again_on_a_lost_shard_is_live_and_a_new_loss_holds_it_again():
    clock = FakeClock()
    manager = VideoSessionManager(clock, EPOCH.tzinfo, shard_count=2)
    manager.start_session(GUILD_ON_SHARD[0], 7)
    manager.shard_lost(0)
    manager.shard_lost(1)
    clock.t += 10
    manager.guild_verified(GUILD_ON_SHARD[0])
    manager.shard_restored(1)  # another shard's return changes nothing for shard 0's servers
    clock.t += 10
    assert manager.current(GUILD_ON_SHARD[0], 7)[1] == 20
    manager.shard_restored(0)
    manager.shard_lost(0)
    clock.t += 10
    assert manager.current(GUILD_ON_SHARD[0], 7)[1] == 20


# ------------------------------------------------------------- Discord's recommendation


async def test_without_shard_count_the_manager_learns_discords_count_before_any_shard(
    monkeypatch, tmp_path
):
    import discord

    monkeypatch.setenv("DATA_FILE", str(tmp_path / "video_ranking.json"))
    monkeypatch.delenv("SHARD_COUNT", raising=False)
    monkeypatch.delenv("SHARD_IDS", raising=False)
    recommended = create_bot()
    launched: list[tuple[int, int]] = []

    async def gateway_bot():
        return 2, "wss://gateway.discord.gg", {}

    async def launch_shard(bot, gateway, shard_id, *, initial=False):
        launched.append((shard_id, bot.sessions.shard_of(GUILD_ON_SHARD[1])))

    monkeypatch.setattr(recommended.http, "get_bot_gateway", gateway_bot)
    monkeypatch.setattr(discord.AutoShardedClient, "launch_shard", launch_shard)
    assert recommended.sessions.shard_of(GUILD_ON_SHARD[1]) == 0  # one shard, until told
    await recommended.launch_shards()
    assert launched == [(0, 1), (1, 1)]  # both shards, each after the count was learned
    assert (recommended.shard_count, recommended.sessions.shard_count) == (2, 2)


# ------------------------------------------------------------- the bot on two shards


async def test_the_bot_is_an_auto_sharded_bot_on_the_configured_shards(simcord_env):
    bot = simcord_env.bot
    assert isinstance(bot, ShardedBatePonto)
    assert (bot.shard_count, bot.shard_ids, bot.sessions.shard_count) == (2, None, 2)


@pytest.mark.parametrize(
    "order",
    [("disconnect", "shard_disconnect"), ("shard_disconnect", "disconnect"), ("shard_disconnect",)],
)
async def test_one_shard_reidentifying_leaves_the_other_shards_sessions_exact(
    simcord_env, data_file, order
):
    env = simcord_env
    g0, voice0 = server(env, 0, "Zero")
    g1, voice1 = server(env, 1, "Um")
    ana0 = g0.add_member(env.create_user("ana0"))
    bia0 = g0.add_member(env.create_user("bia0"))
    ana1 = g1.add_member(env.create_user("ana1"))
    bia1 = g1.add_member(env.create_user("bia1"))
    await env.settle()
    assert {g.shard_id for g in env.bot.guilds} == {0, 1}
    for guild, member, voice in ((g0, ana0, voice0), (g0, bia0, voice0), (g1, ana1, voice1)):
        await camera(env, guild, member, voice)

    await env.advance_time(100)
    await drop_shard(env, 0, order)
    await env.advance_time(50)
    await camera(env, g1, bia1, voice1)  # shard 1 still hears everything
    await env.advance_time(100)
    await bia0.leave_voice()  # unseen: shard 0 is away
    await bia1.leave_voice()
    assert live_seconds(env, g0, ana0) == 100  # on hold at the loss
    assert live_seconds(env, g1, ana1) == 250  # live, to the second
    await env.advance_time(50)

    await reidentify_shard(env, 0)
    assert env.bot.sessions.lost_at is None
    assert not env.bot.sessions.has_session(g0.id, bia0.id)
    assert seconds_of(env, g0, bia0) == 100  # ended at the loss
    assert seconds_of(env, g1, bia1) == 100
    assert live_seconds(env, g1, ana1) == 300
    assert live_seconds(env, g0, ana0) == 300  # still on camera: one continuous session

    await env.advance_time(20)
    await ana1.leave_voice()
    await ana0.leave_voice()
    await stop_bot(env)
    assert server_totals(data_file, g1, ana1) == (320, 1)
    assert server_totals(data_file, g0, ana0) == (320, 1)
    assert server_totals(data_file, g0, bia0) == (100, 1)
    assert server_totals(data_file, g1, bia1) == (100, 1)


async def test_a_shard_that_resumes_reconciles_its_servers_only(simcord_env, data_file):
    env = simcord_env
    g0, voice0 = server(env, 0, "Zero")
    g1, voice1 = server(env, 1, "Um")
    ana0 = g0.add_member(env.create_user("ana0"))
    ana1 = g1.add_member(env.create_user("ana1"))
    await camera(env, g0, ana0, voice0)
    await camera(env, g1, ana1, voice1)
    await env.advance_time(30)
    await drop_shard(env, 1)
    await env.advance_time(30)
    assert live_seconds(env, g0, ana0) == 60
    assert live_seconds(env, g1, ana1) == 30
    await resume_shard(env, 1, (g1, ana1, voice1, {"self_video": False}))
    assert seconds_of(env, g1, ana1) == 30  # a replayed event counts until the loss
    assert env.bot.sessions.lost_at is None
    assert live_seconds(env, g0, ana0) == 60
    await stop_bot(env)
    assert server_totals(data_file, g0, ana0) == (60, 1)


# ------------------------------------------------------------- SHARD_IDS


@pytest.mark.parametrize("shard_ids", ["1"])
async def test_a_process_owning_shard_1_never_counts_a_server_of_shard_0(
    simcord_env, data_file, shard_ids
):
    env = simcord_env
    assert env.bot.shard_ids == [1]
    g0, voice0 = server(env, 0, "Zero")
    g1, voice1 = server(env, 1, "Um")
    ana0 = g0.add_member(env.create_user("ana0"))
    ana1 = g1.add_member(env.create_user("ana1"))
    await camera(env, g0, ana0, voice0)
    await camera(env, g1, ana1, voice1)
    assert [g.id for g in env.bot.guilds] == [g1.id]

    # Even if shard 0's server reached this process, the listener ignores it.
    payload = serializers.guild_create_payload(env.backend, env.backend.get_guild(g0.id))
    feed_as_shard(env, 0, "GUILD_CREATE", payload)
    await env.settle()
    assert env.bot.get_guild(g0.id) is not None
    feed_as_shard(
        env,
        0,
        "VOICE_STATE_UPDATE",
        {**payload["voice_states"][0], "guild_id": str(g0.id)},
    )
    await env.settle()
    await env.advance_time(40)
    await ana1.leave_voice()
    assert not env.bot.sessions.keys()
    with env._bot_scope():
        await env.bot.get_cog("VoiceTracker").reconcile_shard(0)
    assert not env.bot.sessions.keys()
    await stop_bot(env)
    assert server_totals(data_file, g1, ana1) == (40, 1)
    assert server_totals(data_file, g0, ana0) == (0, 0)
