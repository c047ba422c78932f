"""Helpers for driving camera time through simcord: voice states, gateway losses, crashes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from simcord.backend import serializers
from simcord.gateway import ShardRouter

import database
from bot import create_bot


@pytest.fixture
def virtual_snapshots(monkeypatch):
    """Keep the store's pause between snapshots longer than simcord's settle timeout.

    simcord lets a timer shorter than its settle timeout (5 s) also fire in real
    time, so `settle()` waits for it. A snapshot due 5 s after a change that
    lands at the very end of `advance_time` then makes the next `settle()` wait
    about 5 real seconds and time out. At 10 s the pause runs on virtual time only.
    """
    monkeypatch.setattr(database, "SNAPSHOT_MIN_SECONDS", 10.0)


async def camera(env, guild, member, channel, on=True, **flags):
    """Put `member` in `channel` with the camera on (or off), as one VOICE_STATE_UPDATE."""
    env.backend.set_voice_state(guild.id, member.id, channel.id, self_video=on, **flags)
    await env.settle()


async def stop_bot(env):
    """A graceful stop, as on SIGTERM: `bot.close()` returns once everything is saved."""
    with env._bot_scope():
        await env.bot.close()


def totals(data_file: Path, guild, member) -> dict | None:
    """The member's totals in one server, as DATA_FILE has them (None when absent)."""
    if not data_file.exists():
        return None
    data = json.loads(data_file.read_text(encoding="utf-8"))
    entry = data.get(str(member.id))
    if entry is None:
        return None
    return entry["guilds"].get(str(guild.id))


async def drop_gateway(env):
    """Lose the gateway: events stop reaching the bot, which sees on_disconnect."""
    env.bot.ws.open = False
    with env._bot_scope():
        env.bot.dispatch("disconnect")
    await env.settle()


def _router(env) -> ShardRouter:
    return ShardRouter(env.backend, env.bot._connection, env.bot.dispatch, 1, (0,))


async def reconnect(env):
    """A fresh IDENTIFY: READY, then GUILD_CREATE of every server as it is now.

    discord.py then dispatches `guild_available` for each server, then `ready`.
    simcord sets discord.py's wait for more servers to zero, which skips the
    `guild_available` events, so they are dispatched here in their place.
    """
    env.bot.ws.open = True
    with env._bot_scope():
        _router(env).identify(0, replay_guilds=True)
        for guild in env.bot.guilds:
            env.bot.dispatch("guild_available", guild)
    await env.settle()


async def resume(env, *replayed):
    """A RESUME: the events missed while away are replayed, then RESUMED.

    `replayed` are (guild, member, channel_or_None, flags) voice-state changes.
    """
    env.bot.ws.open = True
    for guild, member, channel, flags in replayed:
        env.backend.set_voice_state(guild.id, member.id, channel and channel.id, **flags)
    with env._bot_scope():
        env.bot.dispatch("resumed")
    await env.settle()


async def join_guild(env, guild):
    """Deliver GUILD_CREATE as Discord does when the bot is added to a server."""
    payload = serializers.guild_create_payload(env.backend, env.backend.get_guild(guild.id))
    payload.pop("unavailable", None)
    with env._bot_scope():
        _router(env).gateways[0].feed("GUILD_CREATE", payload)
    await env.settle()


async def crash_and_restart(env):
    """What a kill -9 and a new start look like to the store: no close, no final save.

    Everything already handed to the disk is there; the old bot's sessions are
    never closed. A dead process would have lost its lock and its journal handle
    with it; in one test process the lock (flock) would still be held, so they
    are released by hand before the new bot opens the same DATA_FILE.
    """
    await env.settle()
    old = env.bot
    old.ws.open = False
    old.store._lock.release()
    old.store.journal.close()
    await env.restart_bot(create_bot())


async def guild_outage(env, guild):
    """Discord loses one server (GUILD_DELETE with `unavailable`): the bot hears nothing of it."""
    with env._bot_scope():
        _router(env).gateways[0].feed("GUILD_DELETE", {"id": str(guild.id), "unavailable": True})
    await env.settle()


def unseen_voice_state(env, guild, member, channel, **flags):
    """Change a voice state without any event reaching the bot (as during an outage)."""
    state = env.backend.prepare_voice_state(guild.id, member.id, channel and channel.id, **flags)
    if state is not None:
        env.backend.commit_voice_state(state, broadcast=False)


async def guild_back(env, guild):
    """The server is back: GUILD_CREATE with `unavailable: false` and its voice states now."""
    payload = serializers.guild_create_payload(env.backend, env.backend.get_guild(guild.id))
    payload["unavailable"] = False
    with env._bot_scope():
        _router(env).gateways[0].feed("GUILD_CREATE", payload)
    await env.settle()
