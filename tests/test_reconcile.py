"""Reconciling with the voice states Discord reports: at start-up, after READY and RESUMED."""

from __future__ import annotations

import pytest

from bot import create_bot
from tests.helpers import (
    camera,
    drop_gateway,
    join_guild,
    reconnect,
    resume,
    stop_bot,
    totals,
)

pytestmark = [pytest.mark.usefixtures("virtual_snapshots"), pytest.mark.both_stores]


async def start_again(env):
    """A new bot process on the same DATA_FILE, after a clean stop."""
    await env.restart_bot(create_bot())


async def test_a_member_on_camera_at_start_up_gets_a_session(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await stop_bot(env)
    await camera(env, guild, ana, voice)  # while no bot runs: nobody hears it
    await env.advance_time(500)
    await start_again(env)
    await env.advance_time(100)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 100, "sessions": 1}


async def test_a_member_on_camera_in_a_stage_channel_at_start_up_gets_a_session(
    simcord_env, data_file
):
    env = simcord_env
    guild = env.create_guild("Estudos")
    stage = guild.create_stage_channel("Palco")
    ana = guild.add_member(env.create_user("ana"))
    await stop_bot(env)
    await camera(env, guild, ana, stage)
    await start_again(env)
    await env.advance_time(100)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 100, "sessions": 1}


async def test_a_member_in_the_afk_channel_at_start_up_gets_no_session(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    afk = guild.create_voice_channel("Ausente")
    ana = guild.add_member(env.create_user("ana"))
    bia = guild.add_member(env.create_user("bia"))
    await stop_bot(env)
    env.backend.get_guild(guild.id).afk_channel_id = afk.id  # set before the bot sees it
    await camera(env, guild, ana, afk)
    await camera(env, guild, bia, voice)
    await start_again(env)
    await env.advance_time(100)
    await stop_bot(env)
    assert totals(data_file, guild, ana) is None
    assert totals(data_file, guild, bia) == {"total_seconds": 100, "sessions": 1}


async def test_a_bot_on_camera_at_start_up_is_not_tracked(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    robo = guild.add_member(env.create_user("robo", bot=True))
    ana = guild.add_member(env.create_user("ana"))
    await stop_bot(env)
    await camera(env, guild, robo, voice)
    await camera(env, guild, ana, voice)
    await start_again(env)
    assert env.bot.get_guild(guild.id).get_member(robo.id) is None  # had to be looked up
    await env.advance_time(100)
    await stop_bot(env)
    assert totals(data_file, guild, robo) is None
    assert totals(data_file, guild, ana) == {"total_seconds": 100, "sessions": 1}


async def test_a_second_ready_neither_restarts_nor_recounts_a_session(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(30)
    await reconnect(env)
    await reconnect(env)
    await env.advance_time(30)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 60, "sessions": 1}


@pytest.mark.parametrize("how", ["camera-off", "left-voice", "moved-to-afk"])
async def test_a_session_that_ended_while_disconnected_counts_until_the_disconnect(
    simcord_env, data_file, how
):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    afk = guild.create_voice_channel("Ausente")
    env.backend.edit_guild(guild.id, {"afk_channel_id": afk.id})
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(50)
    await drop_gateway(env)
    if how == "camera-off":
        env.backend.set_voice_state(guild.id, ana.id, voice.id, self_video=False)
    elif how == "left-voice":
        env.backend.set_voice_state(guild.id, ana.id, None)
    else:
        env.backend.set_voice_state(guild.id, ana.id, afk.id)
    await env.advance_time(100)
    await reconnect(env)
    await env.advance_time(100)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 50, "sessions": 1}


async def test_a_member_still_on_camera_after_a_reconnect_keeps_one_session(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(50)
    await drop_gateway(env)
    await env.advance_time(100)
    await reconnect(env)
    await env.advance_time(10)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    # On camera before and after the gap: one session, time taken as continuous.
    assert totals(data_file, guild, ana) == {"total_seconds": 160, "sessions": 1}


async def test_a_later_disconnect_counts_until_that_disconnect(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(50)
    await drop_gateway(env)
    await env.advance_time(10)
    await reconnect(env)
    await env.advance_time(50)
    await drop_gateway(env)
    env.backend.set_voice_state(guild.id, ana.id, voice.id, self_video=False)
    await env.advance_time(100)
    await reconnect(env)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 110, "sessions": 1}


async def test_a_camera_turned_on_while_disconnected_counts_from_the_reconnect(
    simcord_env, data_file
):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await drop_gateway(env)
    env.backend.set_voice_state(guild.id, ana.id, voice.id, self_video=True)
    await env.advance_time(100)
    await reconnect(env)
    await env.advance_time(20)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 20, "sessions": 1}


async def test_every_server_counts_only_until_the_disconnect(simcord_env, data_file):
    env = simcord_env
    servers = [env.create_guild(name) for name in ("Estudos", "Trabalho", "Leitura")]
    members = []
    for number, guild in enumerate(servers):
        voice = guild.create_voice_channel("Sala")
        member = guild.add_member(env.create_user(f"membro{number}"))
        await camera(env, guild, member, voice)
        members.append((guild, member, voice))
    await env.advance_time(50)
    await drop_gateway(env)
    for guild, member, voice in members:
        env.backend.set_voice_state(guild.id, member.id, voice.id, self_video=False)
    await env.advance_time(100)
    await reconnect(env)
    await stop_bot(env)
    for guild, member, _ in members:
        assert totals(data_file, guild, member) == {"total_seconds": 50, "sessions": 1}


async def test_a_server_left_while_disconnected_counts_until_the_disconnect(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(50)
    await drop_gateway(env)
    env.backend.remove_guild(guild.id)
    await env.advance_time(100)
    await reconnect(env)
    assert env.bot.sessions.keys_in(guild.id) == []
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 50, "sessions": 1}


async def test_events_replayed_on_resume_count_only_until_the_disconnect(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    bia = guild.add_member(env.create_user("bia"))
    await camera(env, guild, ana, voice)
    await camera(env, guild, bia, voice)
    await env.advance_time(50)
    await drop_gateway(env)
    await env.advance_time(100)
    await resume(env, (guild, ana, voice, {"self_video": False}))
    await env.advance_time(10)
    await camera(env, guild, bia, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 50, "sessions": 1}
    assert totals(data_file, guild, bia) == {"total_seconds": 160, "sessions": 1}


async def test_members_on_camera_in_a_server_the_bot_joins_start_counting(simcord_env, data_file):
    env = simcord_env
    env.bot.ws.open = False  # the server exists before the bot is added to it
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    env.backend.set_voice_state(guild.id, ana.id, voice.id, self_video=True)
    env.bot.ws.open = True
    await join_guild(env, guild)
    await env.advance_time(40)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 40, "sessions": 1}


async def test_stopping_while_disconnected_counts_until_the_disconnect(simcord_env, data_file):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(50)
    await drop_gateway(env)
    await env.advance_time(100)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 50, "sessions": 1}
