"""A server with an admin, two members and a voice channel (admin, export and chart tests)."""

from __future__ import annotations

import json

import discord
import pytest

# Short enough that the store's 5 s snapshot pause is always a virtual timer
# (a settle timeout equal to it races with its real-time fallback).
SIMCORD = pytest.mark.simcord(strict_sync=False)


async def camera(env, guild, member, channel, on=True):
    env.backend.set_voice_state(guild.id, member.id, channel.id, self_video=on)
    await env.settle()


async def stop_bot(env):
    with env._bot_scope():
        await env.bot.close()


def server_totals(data_file, guild, member):
    """(seconds, sessions) of a member in a server, as DATA_FILE has them."""
    data = json.loads(data_file.read_text(encoding="utf-8"))
    entry = data.get(str(member.id), {}).get("guilds", {}).get(str(guild.id))
    return (entry["total_seconds"], entry["sessions"]) if entry else (0, 0)


def seconds_of(env, guild, member):
    return env.bot.store.ledger.guild(guild.id).stats(member.id).seconds


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
