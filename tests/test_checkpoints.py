"""Checkpoints: open sessions reach the disk while they run, and a crash never counts twice."""

from __future__ import annotations

import json

import pytest

from bot import create_bot
from database import StorePaths
from tests.helpers import (
    camera,
    crash_and_restart,
    stop_bot,
    totals,
)

pytestmark = pytest.mark.usefixtures("virtual_snapshots")

CHECKPOINT = 30


@pytest.fixture
def simcord_bot(data_file, monkeypatch):
    monkeypatch.setenv("CHECKPOINT_SECONDS", str(CHECKPOINT))
    return create_bot()


@pytest.fixture
def world(simcord_env):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    return env, guild, voice, ana


def journal_credits(data_file, member):
    path = StorePaths(data_file).journal
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [r for r in records if r["op"] == "credit" and r["u"] == member.id]


async def test_each_checkpoint_journals_the_time_so_far(world, data_file):
    env, guild, voice, ana = world
    await camera(env, guild, ana, voice)
    await env.advance_time(CHECKPOINT)
    (record,) = journal_credits(data_file, ana)
    assert (record["s"], record["n"], record["open"], record["credited"]) == (30, 1, True, 30)


async def test_checkpoints_come_every_checkpoint_seconds(world, data_file):
    env, guild, voice, ana = world
    await camera(env, guild, ana, voice)
    credited = []
    for _ in range(3):
        await env.advance_time(CHECKPOINT - 1)
        before = len(journal_credits(data_file, ana))
        await env.advance_time(1)
        records = journal_credits(data_file, ana)
        assert len(records) == before + 1
        credited.append(records[-1]["credited"])
    assert credited == [30, 60, 90]


async def test_the_ranking_file_shows_checkpointed_time_of_an_open_session(world, data_file):
    env, guild, voice, ana = world
    await camera(env, guild, ana, voice)
    await env.advance_time(CHECKPOINT + 15)  # a checkpoint, then a snapshot
    assert totals(data_file, guild, ana) == {"total_seconds": 30, "sessions": 1}
    await env.bot.store.snapshot()  # no new checkpoint: nothing changes
    assert totals(data_file, guild, ana) == {"total_seconds": 30, "sessions": 1}


async def test_a_crash_keeps_checkpointed_time_and_the_session_continues(world, data_file):
    env, guild, voice, ana = world
    await camera(env, guild, ana, voice)
    await env.advance_time(70)  # checkpoints at 30 and 60; the last 10 s die with the process
    await crash_and_restart(env)
    await env.advance_time(40)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 100, "sessions": 1}


async def test_a_crash_before_any_checkpoint_counts_the_session_once(world, data_file):
    env, guild, voice, ana = world
    await camera(env, guild, ana, voice)
    await env.advance_time(20)
    await crash_and_restart(env)
    await env.advance_time(25)
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 25, "sessions": 1}


async def test_repeated_crashes_never_count_anything_twice(world, data_file):
    env, guild, voice, ana = world
    await camera(env, guild, ana, voice)
    await env.advance_time(65)  # 60 saved
    await crash_and_restart(env)
    await env.advance_time(65)  # 60 more saved
    await crash_and_restart(env)
    await env.advance_time(40)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 160, "sessions": 1}


async def test_a_saved_session_whose_member_left_is_closed_at_restart(world, data_file):
    env, guild, voice, ana = world
    await camera(env, guild, ana, voice)
    await env.advance_time(70)
    env.bot.ws.open = False  # the process is dying: it hears nothing more
    env.backend.set_voice_state(guild.id, ana.id, None)
    await crash_and_restart(env)
    assert env.bot.store.open_sessions() == {}
    assert env.bot.sessions.keys_in(guild.id) == []
    await env.advance_time(100)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 60, "sessions": 1}


async def test_a_closed_saved_session_is_not_resumed_by_a_later_start(world, data_file):
    env, guild, voice, ana = world
    await camera(env, guild, ana, voice)
    await env.advance_time(70)
    env.bot.ws.open = False
    env.backend.set_voice_state(guild.id, ana.id, None)
    await crash_and_restart(env)
    await env.advance_time(10)
    await camera(env, guild, ana, voice)
    await env.advance_time(20)
    await stop_bot(env)
    assert totals(data_file, guild, ana) == {"total_seconds": 80, "sessions": 2}
