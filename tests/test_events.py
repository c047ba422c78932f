"""Camera tracking through the real bot: what counts as camera time, and reaching the disk."""

from __future__ import annotations

import logging

import pytest

from bot import create_bot
from tests.helpers import (
    camera,
    stop_bot,
    stored,
    totals,
)

pytestmark = [pytest.mark.usefixtures("virtual_snapshots"), pytest.mark.both_stores]


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
    data = stored(data_file)
    assert data[str(ana.id)]["total_seconds"] == 125
    assert data[str(ana.id)]["sessions"] == 1
    assert data[str(ana.id)]["guilds"][str(guild.id)] == {"total_seconds": 125, "sessions": 1}


async def test_camera_in_a_stage_channel_counts(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    stage = guild.create_stage_channel("Palco")
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, stage)
    await env.advance_time(40)
    await camera(env, guild, ana, stage, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 40, "sessions": 1}


async def test_joining_with_the_camera_already_on_starts_a_session(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)  # one event: not connected -> connected with video
    await env.advance_time(30)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 30, "sessions": 1}


async def test_leaving_voice_with_the_camera_on_ends_the_session(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(45)
    await ana.leave_voice()
    await env.advance_time(100)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 45, "sessions": 1}


async def test_moving_between_channels_with_the_camera_on_is_one_session(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    first = guild.create_voice_channel("Sala 1")
    second = guild.create_voice_channel("Sala 2")
    stage = guild.create_stage_channel("Palco")
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, first)
    await env.advance_time(20)
    await camera(env, guild, ana, second)
    await env.advance_time(20)
    await camera(env, guild, ana, stage)
    await env.advance_time(20)
    await camera(env, guild, ana, stage, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 60, "sessions": 1}


@pytest.mark.parametrize(
    "flags",
    [
        {"self_mute": True},
        {"self_deaf": True},
        {"mute": True, "deaf": True},
        {"self_stream": True},
    ],
    ids=["self-mute", "self-deaf", "server-mute-deaf", "stream"],
)
async def test_mute_deafen_and_stream_do_not_touch_the_session(simcord_env, data_file, flags):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(30)
    await camera(env, guild, ana, voice, **flags)
    await env.advance_time(30)
    await camera(env, guild, ana, voice, **{key: False for key in flags})
    await env.advance_time(30)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 90, "sessions": 1}


async def test_a_session_counts_whole_seconds(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(90.7)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 90, "sessions": 1}


async def test_each_closed_session_adds_its_time_and_one_session(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    for seconds in (10, 20, 30):
        await camera(env, guild, ana, voice)
        await env.advance_time(seconds)
        await camera(env, guild, ana, voice, on=False)
        await env.advance_time(5)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 60, "sessions": 3}


async def test_bots_are_never_tracked(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    robo = guild.add_member(env.create_user("robo", bot=True))
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, robo, voice)
    await camera(env, guild, ana, voice)
    await env.advance_time(60)
    await camera(env, guild, robo, voice, on=False)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, robo) is None
    assert totals(data_file, guild, ana) == {"total_seconds": 60, "sessions": 1}


async def test_the_same_member_in_two_servers_has_two_separate_totals(simcord_env, data_file):
    env = simcord_env
    user = env.create_user("ana")
    estudos = env.create_guild("Estudos")
    trabalho = env.create_guild("Trabalho")
    sala = estudos.create_voice_channel("Sala")
    escritorio = trabalho.create_voice_channel("Escritório")
    ana_estudos = estudos.add_member(user)
    ana_trabalho = trabalho.add_member(user)
    await camera(env, estudos, ana_estudos, sala)
    await env.advance_time(30)
    await camera(env, trabalho, ana_trabalho, escritorio)
    await env.advance_time(30)
    await camera(env, estudos, ana_estudos, sala, on=False)
    await env.advance_time(50)
    await camera(env, trabalho, ana_trabalho, escritorio, on=False)
    await stop_bot(env)
    assert totals(data_file, estudos, ana_estudos) == {"total_seconds": 60, "sessions": 1}
    assert totals(data_file, trabalho, ana_trabalho) == {"total_seconds": 80, "sessions": 1}
    overall = stored(data_file)[str(user.id)]
    assert (overall["total_seconds"], overall["sessions"]) == (140, 2)


# ------------------------------------------------------------------ AFK channel


async def make_afk(env, guild, channel):
    """The server's AFK channel changes (a GUILD_UPDATE reaches the bot)."""
    env.backend.edit_guild(guild.id, {"afk_channel_id": channel.id if channel else None})
    await env.settle()


async def test_camera_in_the_afk_channel_does_not_count(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    afk = guild.create_voice_channel("Ausente")
    await make_afk(env, guild, afk)
    ana = guild.add_member(env.create_user("ana"))
    bia = guild.add_member(env.create_user("bia"))
    await camera(env, guild, ana, afk)
    await camera(env, guild, bia, voice)
    await env.advance_time(60)
    await camera(env, guild, ana, afk, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) is None
    assert totals(data_file, guild, bia) == {"total_seconds": 60, "sessions": 1}


async def test_moving_to_the_afk_channel_ends_the_session(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    afk = guild.create_voice_channel("Ausente")
    await make_afk(env, guild, afk)
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(35)
    await camera(env, guild, ana, afk)
    await env.advance_time(100)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 35, "sessions": 1}


async def test_the_channel_becoming_the_afk_channel_ends_the_session(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(25)
    await make_afk(env, guild, voice)
    await env.advance_time(100)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 25, "sessions": 1}


async def test_the_afk_channel_moving_elsewhere_starts_a_session(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    other = guild.create_voice_channel("Outra")
    await make_afk(env, guild, voice)
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(100)
    await make_afk(env, guild, other)
    await env.advance_time(15)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 15, "sessions": 1}


# ---------------------------------------------------------------- graceful stop


async def test_stopping_saves_open_sessions_of_several_members(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    bia = guild.add_member(env.create_user("bia"))
    caio = guild.add_member(env.create_user("caio"))
    await camera(env, guild, ana, voice)
    await env.advance_time(10)
    await camera(env, guild, bia, voice)
    await env.advance_time(10)
    await camera(env, guild, caio, voice)
    await env.advance_time(10)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 30, "sessions": 1}
    assert totals(data_file, guild, bia) == {"total_seconds": 20, "sessions": 1}
    assert totals(data_file, guild, caio) == {"total_seconds": 10, "sessions": 1}


async def test_stopping_saves_open_sessions_in_two_servers(simcord_env, data_file):
    env = simcord_env
    estudos = env.create_guild("Estudos")
    trabalho = env.create_guild("Trabalho")
    sala = estudos.create_voice_channel("Sala")
    escritorio = trabalho.create_voice_channel("Escritório")
    user = env.create_user("ana")
    ana_estudos = estudos.add_member(user)
    ana_trabalho = trabalho.add_member(user)
    bia = trabalho.add_member(env.create_user("bia"))
    await camera(env, estudos, ana_estudos, sala)
    await env.advance_time(70)  # past a checkpoint: part of the time is already saved
    await camera(env, trabalho, ana_trabalho, escritorio)
    await camera(env, trabalho, bia, escritorio)
    await env.advance_time(20)
    await stop_bot(env)
    assert totals(data_file, estudos, ana_estudos) == {"total_seconds": 90, "sessions": 1}
    assert totals(data_file, trabalho, ana_trabalho) == {"total_seconds": 20, "sessions": 1}
    assert totals(data_file, trabalho, bia) == {"total_seconds": 20, "sessions": 1}


# ---------------------------------------------------------------------- logging


async def test_camera_on_and_off_are_logged_with_the_member_name(
    simcord_env, data_file, monkeypatch, caplog
):
    token = "MTIz.segredo-do-bot.NAO-MOSTRAR"
    monkeypatch.setenv("DISCORD_TOKEN", token)
    env = simcord_env
    await stop_bot(env)
    await env.restart_bot(create_bot())  # a bot that knows the token
    caplog.set_level(logging.DEBUG)
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana_estuda"))
    await camera(env, guild, ana, voice)
    await env.advance_time(42)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    tracking = [r for r in caplog.records if r.name == "events" and r.levelno == logging.INFO]
    on, off = (r.getMessage() for r in tracking)
    assert "ana_estuda" in on and "ligou" in on
    assert "ana_estuda" in off and "desligou" in off and "42" in off
    assert token not in caplog.text
    assert "segredo" not in caplog.text
