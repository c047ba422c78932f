"""Counting through outages: one server unavailable, failed member lookups, planned restarts."""

from __future__ import annotations

import discord
import pytest

from bot import create_bot
from tests.helpers import (
    camera,
    crash_and_restart,
    guild_back,
    guild_outage,
    stop_bot,
    totals,
    unseen_voice_state,
)

pytestmark = [pytest.mark.usefixtures("virtual_snapshots"), pytest.mark.both_stores]


def server(env, name="Estudos"):
    guild = env.create_guild(name)
    return guild, guild.create_voice_channel("Sala")


# ------------------------------------------------------------- one server away


async def test_a_member_who_left_during_a_server_outage_counts_until_it_went_away(
    simcord_env, data_file
):
    env = simcord_env
    guild, voice = server(env)
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(50)
    await guild_outage(env, guild)
    await env.advance_time(600)
    unseen_voice_state(env, guild, ana, None)  # she left while the server was away
    await env.advance_time(3000)
    await guild_back(env, guild)
    await env.advance_time(100)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 50, "sessions": 1}


async def test_a_camera_turned_off_during_a_server_outage_counts_until_it_went_away(
    simcord_env, data_file
):
    env = simcord_env
    guild, voice = server(env)
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(50)
    await guild_outage(env, guild)
    unseen_voice_state(env, guild, ana, voice, self_video=False)
    await env.advance_time(3600)
    await guild_back(env, guild)
    await env.advance_time(100)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 50, "sessions": 1}


async def test_checkpoints_during_a_server_outage_credit_nothing_past_it(simcord_env, data_file):
    env = simcord_env
    guild, voice = server(env)
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(50)
    await guild_outage(env, guild)
    await env.advance_time(3600)  # 60 checkpoints go by
    assert env.bot.store.member_stats(guild.id, ana.id).seconds == 50
    await crash_and_restart(env)  # and the server is still away from the new process too
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 50, "sessions": 1}


async def test_a_member_still_on_camera_after_a_server_outage_keeps_one_session(
    simcord_env, data_file
):
    env = simcord_env
    guild, voice = server(env)
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(50)
    await guild_outage(env, guild)
    await env.advance_time(60)
    await guild_back(env, guild)
    await env.advance_time(100)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    # Like a lost gateway: on camera before and after, one continuous session.
    assert totals(data_file, guild, ana) == {"total_seconds": 210, "sessions": 1}


async def test_a_server_outage_leaves_the_other_servers_exact(simcord_env, data_file):
    env = simcord_env
    away, away_voice = server(env, "Fora")
    here, here_voice = server(env, "Aqui")
    ana = away.add_member(env.create_user("ana"))
    bia = here.add_member(env.create_user("bia"))
    await camera(env, away, ana, away_voice)
    await camera(env, here, bia, here_voice)
    await env.advance_time(50)
    await guild_outage(env, away)
    unseen_voice_state(env, away, ana, None)
    await env.advance_time(1000)
    await camera(env, here, bia, here_voice, on=False)
    await guild_back(env, away)
    await stop_bot(env)
    assert totals(data_file, away, ana) == {"total_seconds": 50, "sessions": 1}
    assert totals(data_file, here, bia) == {"total_seconds": 1050, "sessions": 1}


async def test_a_camera_turned_on_during_a_server_outage_counts_from_its_return(
    simcord_env, data_file
):
    env = simcord_env
    guild, voice = server(env)
    ana = guild.add_member(env.create_user("ana"))
    await guild_outage(env, guild)
    await env.advance_time(10)
    await ana.join_voice(voice)  # unseen too: the server is away
    unseen_voice_state(env, guild, ana, voice, self_video=True)
    await env.advance_time(500)
    await guild_back(env, guild)
    await env.advance_time(30)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 30, "sessions": 1}


# ------------------------------------------------------- failed member lookups


async def restart_with_lookup_faults(env, guild, member, times):
    """Stop, then start a new bot while `times` lookups of `member` fail with HTTP 503."""
    await stop_bot(env)
    env.inject_error("GET", f"/guilds/{guild.id}/members/{member.id}", status=503, times=times)
    await env.restart_bot(create_bot())


async def test_a_member_whose_lookup_fails_at_start_up_counts_from_the_start(
    simcord_env, data_file
):
    env = simcord_env
    guild, voice = server(env)
    ana = guild.add_member(env.create_user("ana"))
    bia = guild.add_member(env.create_user("bia"))
    await stop_bot(env)
    await camera(env, guild, ana, voice)  # both on camera while no bot runs
    await camera(env, guild, bia, voice)
    await restart_with_lookup_faults(env, guild, ana, times=3)
    await env.advance_time(600)
    await stop_bot(env)
    bia_totals = totals(data_file, guild, bia)
    assert bia_totals["total_seconds"] >= 600
    assert totals(data_file, guild, ana) == bia_totals  # to the second, nothing dropped


async def test_a_member_whose_lookup_keeps_failing_is_counted_once_it_succeeds(
    simcord_env, data_file
):
    env = simcord_env
    guild, voice = server(env)
    ana = guild.add_member(env.create_user("ana"))
    bia = guild.add_member(env.create_user("bia"))
    await stop_bot(env)
    await camera(env, guild, ana, voice)
    await camera(env, guild, bia, voice)
    await restart_with_lookup_faults(env, guild, ana, times=8)  # minutes of back-off
    await env.advance_time(1800)
    await camera(env, guild, ana, voice, on=False)
    await camera(env, guild, bia, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == totals(data_file, guild, bia)


async def test_a_member_whose_lookup_fails_and_then_leaves_counts_her_time(simcord_env, data_file):
    env = simcord_env
    guild, voice = server(env)
    ana = guild.add_member(env.create_user("ana"))
    bia = guild.add_member(env.create_user("bia"))
    await stop_bot(env)
    await camera(env, guild, ana, voice)
    await camera(env, guild, bia, voice)
    await restart_with_lookup_faults(env, guild, ana, times=None)  # never answers
    await env.advance_time(300)
    await camera(env, guild, ana, voice, on=False)  # the event itself says she is a person
    await camera(env, guild, bia, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == totals(data_file, guild, bia)


async def test_a_bot_whose_lookup_fails_at_start_up_is_never_counted(simcord_env, data_file):
    env = simcord_env
    guild, voice = server(env)
    robo = guild.add_member(env.create_user("robo", bot=True))
    await stop_bot(env)
    await camera(env, guild, robo, voice)
    await restart_with_lookup_faults(env, guild, robo, times=2)
    await env.advance_time(600)
    await stop_bot(env)
    assert totals(data_file, guild, robo) is None


# ------------------------------------------------------------ planned restarts


async def test_a_planned_restart_keeps_the_session_of_a_member_still_on_camera(
    simcord_env, data_file
):
    env = simcord_env
    guild, voice = server(env)
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(100)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 100, "sessions": 1}
    await env.advance_time(500)  # downtime: not counted
    await env.restart_bot(create_bot())
    await env.advance_time(50)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 150, "sessions": 1}


async def test_a_member_who_left_during_a_planned_restart_ends_at_the_stop(simcord_env, data_file):
    env = simcord_env
    guild, voice = server(env)
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(100)
    await stop_bot(env)
    await ana.leave_voice()  # nobody hears it
    await env.advance_time(500)
    await env.restart_bot(create_bot())
    await env.advance_time(50)
    assert not env.bot.store.open_sessions()
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 100, "sessions": 1}


async def test_a_new_camera_after_a_planned_restart_is_a_new_session(simcord_env, data_file):
    env = simcord_env
    guild, voice = server(env)
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(100)
    await stop_bot(env)
    await env.restart_bot(create_bot())
    await camera(env, guild, ana, voice, on=False)
    await camera(env, guild, ana, voice, on=True)
    await env.advance_time(20)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 120, "sessions": 2}


async def test_a_member_whose_lookup_times_out_at_start_up_counts_from_the_start(
    simcord_env, data_file, monkeypatch
):
    """simcord answers every request; a time-out is the one fault it cannot model."""
    env = simcord_env
    guild, voice = server(env)
    ana = guild.add_member(env.create_user("ana"))
    bia = guild.add_member(env.create_user("bia"))
    await stop_bot(env)
    await camera(env, guild, ana, voice)
    await camera(env, guild, bia, voice)
    real_fetch = discord.Guild.fetch_member
    timeouts = []

    async def fetch_member(self, user_id):
        if user_id == ana.id and len(timeouts) < 2:
            timeouts.append(user_id)
            raise TimeoutError
        return await real_fetch(self, user_id)

    monkeypatch.setattr(discord.Guild, "fetch_member", fetch_member)
    await env.restart_bot(create_bot())
    await env.advance_time(300)
    await stop_bot(env)
    assert len(timeouts) == 2
    assert totals(data_file, guild, ana) == totals(data_file, guild, bia)
