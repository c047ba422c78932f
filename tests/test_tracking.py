"""Camera tracking through the real bot: sessions start, end and reach the disk."""

from __future__ import annotations

import json


async def camera(env, guild, member, channel, on=True):
    env.backend.set_voice_state(guild.id, member.id, channel.id, self_video=on)
    await env.settle()


async def stop_bot(env):
    with env._bot_scope():
        await env.bot.close()


async def test_camera_session_is_counted_on_disk(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await ana.join_voice(voice)
    await camera(env, guild, ana, voice, on=True)
    await env.advance_time(125)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    data = json.loads(data_file.read_text())
    assert data[str(ana.id)]["total_seconds"] == 125
    assert data[str(ana.id)]["sessions"] == 1
    assert data[str(ana.id)]["guilds"][str(guild.id)] == {"total_seconds": 125, "sessions": 1}
