"""Helpers shared by the tests: a server, camera time, gateway events, the store's files.

One copy of each; fixtures live in `tests/conftest.py`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import discord
import numpy as np
import psycopg
import pytest
from simcord.backend import serializers
from simcord.gateway import ShardRouter

from bot import create_bot
from database import PgStore, Store
from store.pg.actions import latest_actions
from store.pg.load import load_ledger
from store.pg.shards import Shards
from store.snapshot import copy_ledger, encode_export

SAO_PAULO = ZoneInfo("America/Sao_Paulo")

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
"""simcord's virtual clock starts here (2025-12-31 21:00 in Sao Paulo, a Wednesday)."""

# Short enough that the store's 5 s snapshot pause is always a virtual timer
# (a settle timeout equal to it races with its real-time fallback).
SIMCORD = pytest.mark.simcord(strict_sync=False)


# ------------------------------------------------------------------ a server


class Server:
    """A server with an admin (Manage Server), two members and a voice channel."""

    def __init__(self, env, name="Estudos"):
        self.env = env
        self.guild = env.create_guild(name)
        self.text = self.guild.create_text_channel("geral")
        self.voice = self.guild.create_voice_channel("Sala")
        manage = discord.Permissions(manage_guild=True)
        role = self.guild.create_role("Moderação", permissions=manage)
        self.admin = self.guild.add_member(env.create_user("chefe"), roles=[role])
        self.ana = self.guild.add_member(env.create_user("ana"))
        self.bia = self.guild.add_member(env.create_user("bia"))

    async def session(self, member, seconds):
        """A camera session of `seconds`, closed."""
        await member.join_voice(self.voice)
        await camera(self.env, self.guild, member, self.voice, on=True)
        await self.env.advance_time(seconds)
        await camera(self.env, self.guild, member, self.voice, on=False)
        await member.leave_voice()


# ------------------------------------------------------------------ camera time


async def camera(env, guild, member, channel, on=True, **flags):
    """Put `member` in `channel` with the camera on (or off), as one VOICE_STATE_UPDATE."""
    env.backend.set_voice_state(guild.id, member.id, channel.id, self_video=on, **flags)
    await env.settle()


async def on_camera_for(env, guild, member, channel, seconds):
    """One camera session of `seconds`, after which the member leaves voice."""
    await camera(env, guild, member, channel)
    await env.advance_time(seconds)
    await member.leave_voice()


async def ranked(env, guild, channel, seconds_by_name, **user_options):
    """Members with one session each of the given seconds, all on camera from now on.

    Cameras go on together and off one by one, shortest first, so the test pays
    for the longest session only. Returns the members in the order given.
    """
    members = [
        guild.add_member(env.create_user(name, **user_options.get(name, {})))
        for name in seconds_by_name
    ]
    for member in members:
        await camera(env, guild, member, channel)
    elapsed = 0
    for seconds, member in sorted(zip(seconds_by_name.values(), members, strict=True)):
        await env.advance_time(seconds - elapsed)
        elapsed = seconds
        await member.leave_voice()
    return members


async def advance_to_local(env, year, month, day, hour=0, minute=0, zone=SAO_PAULO):
    """Move the virtual clock to a wall-clock time in `zone` (Sao Paulo by default).

    The clock only moves forward, an hour at most per step: each step of simcord's clock
    must settle within a few real seconds, even on a busy machine.
    """
    target = datetime(year, month, day, hour, minute, tzinfo=zone)
    await advance_until(env, target)


async def advance_until(env, moment):
    """Move the virtual clock to an aware instant, an hour at most per step."""
    seconds = (moment - env.now()).total_seconds()
    assert seconds >= 0, "the clock only moves forward"
    while seconds > 0:
        step = min(seconds, 3600.0)
        await env.advance_time(step)
        seconds -= step


# ------------------------------------------------------------------ the bot's life


async def stop_bot(env):
    """A graceful stop, as on SIGTERM: `bot.close()` returns once everything is saved."""
    with env._bot_scope():
        await env.bot.close()


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
    if isinstance(old.store, PgStore):
        old.store.abandon()  # its connection (and so its shard locks) go with the process
    else:
        old.store._lock.release()
        old.store.journal.close()
    await env.restart_bot(create_bot())


# ------------------------------------------------------------------ the gateway


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


# ------------------------------------------------------------------ what the store has


def stored(data_file: Path) -> dict:
    """The totals in DATA_FILE's format, as the store has them durably.

    On the JSON store, DATA_FILE itself (empty when absent). On the PostgreSQL store (the
    test set DATABASE_URL), what the database holds, exported in the same format.
    """
    url = os.environ.get("DATABASE_URL")
    if url:
        with psycopg.connect(url, autocommit=True) as connection:
            ledger = load_ledger(connection, Shards.every(1))
        return json.loads(b"".join(encode_export(copy_ledger(ledger))))
    if not data_file.exists():
        return {}
    return json.loads(data_file.read_text(encoding="utf-8"))


def audit_lines(data_file: Path) -> list[dict]:
    """The audit log's entries, oldest first, as JSON objects (the JSON store's lines).

    On the PostgreSQL store, its `admin_actions` rows in the same form.
    """
    url = os.environ.get("DATABASE_URL")
    if url:
        with psycopg.connect(url, autocommit=True) as connection:
            rows = connection.execute("SELECT DISTINCT guild_id FROM admin_actions").fetchall()
            entries = [e for (g,) in rows for e in latest_actions(connection, g, 10**6)]
        return [entry.to_json() for entry in reversed(entries)]
    path = data_file.with_name(f"{data_file.stem}.audit.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def totals(data_file: Path, guild, member) -> dict | None:
    """The member's totals in one server, as the store has them durably (None when absent)."""
    entry = stored(data_file).get(str(member.id))
    if entry is None:
        return None
    return entry.get("guilds", {}).get(str(guild.id))


def server_totals(data_file: Path, guild, member) -> tuple[int, int]:
    """(seconds, sessions) of a member in a server, as DATA_FILE has them."""
    entry = totals(data_file, guild, member)
    return (entry["total_seconds"], entry["sessions"]) if entry else (0, 0)


def seconds_of(env, guild, member):
    """The member's seconds in a server, as the running bot's ledger has them."""
    return env.bot.store.member_stats(guild.id, member.id).seconds


async def open_store(data_file) -> Store:
    """Open the JSON store at `data_file`, off the event loop as the bot does."""
    return await asyncio.to_thread(Store.open, data_file)


def packed(values, dtype="<i8") -> list:
    """A state file's packed column (`["<i8", base64]`) holding `values`."""
    return [dtype, base64.b64encode(np.array(values, dtype=dtype).tobytes()).decode()]


def unpacked(column: list) -> list[int]:
    """The values of a state file's packed column."""
    return np.frombuffer(base64.b64decode(column[1]), dtype=column[0]).tolist()


def errors(caplog) -> list[str]:
    """The messages logged at ERROR or above."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# ------------------------------------------------------------------ messages and commands


async def say(member, channel, content):
    """Send a message as `member`; the bot's latest message in the channel."""
    await member.send(channel, content)
    return channel.last_message


def description(message):
    """The description of a message's first embed."""
    assert message.embeds, f"no embed in {message.content!r}"
    return message.embeds[0].description


async def sync_commands(env):
    """Register the slash commands, as the owner's `!sync` does."""
    with env._bot_scope():
        await env.bot.tree.sync()


# ------------------------------------------------------------------ shards


def _shard_gateway(env, shard_id):
    """A gateway feeding the bot's state as shard `shard_id` would (whatever its socket)."""
    count = env.bot.shard_count
    return ShardRouter(
        env.backend, env.bot._connection, env.bot.dispatch, count, (shard_id,)
    ).gateways[shard_id]


async def drop_shard(env, shard_id, order=("disconnect", "shard_disconnect")):
    """Lose one shard's connection: its servers' events stop reaching the bot.

    discord.py's `Shard` dispatches the global `disconnect` and then
    `shard_disconnect` (a manual `ShardInfo.disconnect()` only the latter).
    """
    env.bot.get_shard(shard_id)._parent.ws.open = False
    with env._bot_scope():
        for event in order:
            if event == "shard_disconnect":
                env.bot.dispatch(event, shard_id)
            else:
                env.bot.dispatch(event)
    await env.settle()


async def reidentify_shard(env, shard_id):
    """A fresh IDENTIFY of one shard, as Discord and discord.py do it.

    READY lists the shard's servers as unavailable; GUILD_CREATE follows for
    each, with its voice states as they are now; discord.py then dispatches
    `guild_available` for each and `shard_ready` (not `ready`: the other
    shards never went away). simcord's zero wait for servers skips the
    `guild_available` events, so they are dispatched here in their place.
    """
    env.bot.get_shard(shard_id)._parent.ws.open = True
    count = env.bot.shard_count
    guilds = [g for g in env.backend.guilds.values() if (g.id >> 22) % count == shard_id]
    gateway = _shard_gateway(env, shard_id)
    with env._bot_scope():
        gateway.feed(
            "READY",
            {
                "v": 10,
                "user": dict(serializers.user_payload(env.backend.bot_user)),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": f"simcord-session-{shard_id}-again",
                "resume_gateway_url": "wss://simcord.invalid",
                "shard": [shard_id, count],
                "application": {"id": str(env.backend.application_id), "flags": 0},
            },
        )
        for guild in guilds:
            payload = serializers.guild_create_payload(env.backend, guild)
            payload["unavailable"] = False
            gateway.feed("GUILD_CREATE", payload)
        for guild in guilds:
            cached = env.bot.get_guild(guild.id)
            if cached is not None:
                env.bot.dispatch("guild_available", cached)
    await env.settle()


async def resume_shard(env, shard_id, *replayed):
    """One shard RESUMEs: its missed events are replayed, then RESUMED.

    `replayed` are (guild, member, channel_or_None, flags) voice-state changes.
    discord.py dispatches the global `resumed` and then `shard_resumed`.
    """
    env.bot.get_shard(shard_id)._parent.ws.open = True
    for guild, member, channel, flags in replayed:
        env.backend.set_voice_state(guild.id, member.id, channel and channel.id, **flags)
    with env._bot_scope():
        env.bot.dispatch("resumed")
        env.bot.dispatch("shard_resumed", shard_id)
    await env.settle()


def feed_as_shard(env, shard_id, event, payload):
    """Deliver a gateway event to the bot as if shard `shard_id` had received it."""
    with env._bot_scope():
        _shard_gateway(env, shard_id).feed(event, payload)
