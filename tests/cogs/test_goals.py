"""`!metavideo`: a member's own daily or weekly goal, and its progress in `!meutempo`."""

from __future__ import annotations

import pytest

from bot import create_bot
from tests.helpers import (
    advance_to_local,
    camera,
    crash_and_restart,
    on_camera_for,
    say,
    stop_bot,
    sync_commands,
)
from ui import texts
from ui.converters import UsageError

pytestmark = pytest.mark.both_stores

USAGE = "Uso correto: `!metavideo [duração|nenhuma] [dia|semana]`"


@pytest.fixture
def world(simcord_env):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice, text = guild.create_voice_channel("Sala"), guild.create_text_channel("geral")
    return env, guild, voice, text, guild.add_member(env.create_user("ana"))


@pytest.fixture
def no_checkpoints(data_file, monkeypatch):
    """Open sessions stay uncredited: the progress must add their time itself.

    Request it before `world`, so the bot is built with this setting.
    """
    monkeypatch.setenv("CHECKPOINT_SECONDS", str(24 * 3600))  # the longest allowed


async def meutempo(env, member, text, command="!meutempo"):
    """`!meutempo`'s fields; waits out the command's cooldown first."""
    await env.advance_time(10)
    message = await say(member, text, command)
    return {field.name: field.value for field in message.embeds[0].fields}


# ------------------------------------------------------------------ setting a goal


async def test_a_daily_goal_shows_today_s_progress_in_meutempo(world):
    env, guild, voice, text, ana = world
    await advance_to_local(env, 2026, 1, 1, 10)
    await on_camera_for(env, guild, ana, voice, 70 * 60)
    reply = await say(ana, text, "!metavideo 2h")
    assert reply.content == "🎯 Meta definida: 2h por dia. Agora: 1h 10min de 2h hoje."
    assert (await meutempo(env, ana, text))["Meta"] == "1h 10min de 2h hoje"


async def test_a_weekly_goal_counts_the_whole_week(world):
    env, guild, voice, text, ana = world
    await advance_to_local(env, 2026, 1, 1, 10)  # Thursday: the week began on Monday 29th
    await on_camera_for(env, guild, ana, voice, 2 * 3600)
    await advance_to_local(env, 2026, 1, 2, 10)
    await on_camera_for(env, guild, ana, voice, 3600)
    await say(ana, text, "!metavideo 10h semana")
    assert (await meutempo(env, ana, text))["Meta"] == "3h de 10h nesta semana"


async def test_a_daily_goal_counts_only_today(world):
    env, guild, voice, text, ana = world
    await advance_to_local(env, 2026, 1, 1, 10)
    await on_camera_for(env, guild, ana, voice, 2 * 3600)
    await advance_to_local(env, 2026, 1, 2, 10)
    await on_camera_for(env, guild, ana, voice, 30 * 60)
    await say(ana, text, "!metavideo 1h dia")
    assert (await meutempo(env, ana, text))["Meta"] == "30min de 1h hoje"


async def test_the_progress_includes_the_session_running_now(no_checkpoints, world):
    env, guild, voice, text, ana = world
    await advance_to_local(env, 2026, 1, 1, 10)
    await camera(env, guild, ana, voice)
    await env.advance_time(50 * 60)
    await say(ana, text, "!metavideo 1h")
    assert (await meutempo(env, ana, text))["Meta"] == "50min 10s de 1h hoje"


async def test_a_goal_reached_is_marked(world):
    env, guild, voice, text, ana = world
    await on_camera_for(env, guild, ana, voice, 3600)
    await say(ana, text, "!metavideo 1h")
    assert (await meutempo(env, ana, text))["Meta"] == "1h de 1h hoje ✅"


async def test_another_member_s_meutempo_does_not_show_their_goal(world):
    env, guild, voice, text, ana = world
    bia = guild.add_member(env.create_user("bia"))
    await on_camera_for(env, guild, ana, voice, 600)
    await say(ana, text, "!metavideo 1h")
    assert "Meta" not in await meutempo(env, bia, text, f"!meutempo {ana.mention}")


async def test_a_goal_belongs_to_one_server(world):
    env, guild, voice, text, ana = world
    other = env.create_guild("Outro")
    other_text, other_voice = other.create_text_channel("geral"), other.create_voice_channel("S")
    there = other.add_member(ana)
    await on_camera_for(env, guild, ana, voice, 600)
    await on_camera_for(env, other, there, other_voice, 600)
    await say(ana, text, "!metavideo 1h")
    assert "Meta" not in await meutempo(env, there, other_text)


async def test_setting_the_same_goal_again_changes_nothing(world):
    env, guild, voice, text, ana = world
    await say(ana, text, "!metavideo 90min")
    reply = await say(ana, text, "!metavideo 1h30")
    assert (
        reply.content == "Nada mudou: sua meta já é 1h 30min por dia. Agora: 0s de 1h 30min hoje."
    )


# ------------------------------------------------------------------ showing and removing


async def test_metavideo_alone_shows_the_goal(world):
    env, guild, voice, text, ana = world
    await on_camera_for(env, guild, ana, voice, 3 * 3600)
    await say(ana, text, "!metavideo 10h semana")
    reply = await say(ana, text, "!metavideo")
    assert reply.content == "🎯 Sua meta é 10h por semana. Agora: 3h de 10h nesta semana."


async def test_metavideo_alone_without_a_goal_says_how_to_set_one(world):
    env, guild, voice, text, ana = world
    reply = await say(ana, text, "!metavideo")
    assert reply.content == texts.GOAL_NONE.format(prefix="!")


async def test_metavideo_nenhuma_removes_the_goal(world):
    env, guild, voice, text, ana = world
    await on_camera_for(env, guild, ana, voice, 600)
    await say(ana, text, "!metavideo 1h")
    reply = await say(ana, text, "!metavideo nenhuma")
    assert reply.content == texts.GOAL_REMOVED.format(prefix="!")
    assert "Meta" not in await meutempo(env, ana, text)
    assert env.bot.store.member_settings(guild.id, ana.id).goal is None


async def test_metavideo_nenhuma_without_a_goal_changes_nothing(world):
    env, guild, voice, text, ana = world
    reply = await say(ana, text, "!metavideo nenhuma")
    assert reply.content == texts.GOAL_NOTHING_TO_REMOVE


# ------------------------------------------------------------------ restarts


async def test_a_crash_keeps_the_goal(world):
    env, guild, voice, text, ana = world
    await on_camera_for(env, guild, ana, voice, 600)
    await say(ana, text, "!metavideo 2h semana")
    await crash_and_restart(env)
    assert (await meutempo(env, ana, text))["Meta"] == "10min de 2h nesta semana"


async def test_a_planned_restart_keeps_the_removal_of_a_goal(world):
    env, guild, voice, text, ana = world
    await on_camera_for(env, guild, ana, voice, 600)
    await say(ana, text, "!metavideo 2h")
    await say(ana, text, "!metavideo nenhuma")
    await stop_bot(env)
    await env.restart_bot(create_bot())
    assert "Meta" not in await meutempo(env, ana, text)


# ------------------------------------------------------------------ what it cannot use


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ("duas", "Não entendi a duração (exemplos: 15min, 1h30, 2h, 45s): “duas”."),
        ("+2h", "Não entendi a duração (exemplos: 15min, 1h30, 2h, 45s): “+2h”."),
        ("0min", texts.GOAL_ZERO),
        ("25h", "Uma meta por dia vai até 24h (você pediu “25h”); para mais, use semana."),
        ("200h semana", "A duração “200h” passa do limite de 168h."),
        ("2h mes", "Não entendi o período da meta (dia ou semana): “mes”."),
        ("nenhuma semana", "Não sei o que fazer com “semana” no fim do comando."),
    ],
)
async def test_a_goal_it_cannot_use_gets_the_usage_line(world, arguments, problem):
    env, guild, voice, text, ana = world
    reply = await say(ana, text, f"!metavideo {arguments}")
    assert reply.content == f"{problem} {USAGE}"
    assert [type(e) for e in env.errors] == [UsageError]
    assert env.bot.store.member_settings(guild.id, ana.id).goal is None


async def test_extra_words_after_the_goal_get_the_usage_line(world):
    env, guild, voice, text, ana = world
    reply = await say(ana, text, "!metavideo 2h dia mais")
    assert reply.content == f"Não sei o que fazer com “mais” no fim do comando. {USAGE}"
    assert len(env.errors) == 1


# ------------------------------------------------------------------ slash


async def test_slash_metavideo_sets_a_weekly_goal_only_the_member_sees(world):
    env, guild, voice, text, ana = world
    await on_camera_for(env, guild, ana, voice, 3600)
    await sync_commands(env)
    result = await ana.slash(text, "metavideo", meta="5h", periodo="semana")
    assert result.response.ephemeral
    assert (
        result.response.content == "🎯 Meta definida: 5h por semana. Agora: 1h de 5h nesta semana."
    )


async def test_slash_metavideo_with_a_bad_duration_gets_the_usage_line(world):
    env, guild, voice, text, ana = world
    await sync_commands(env)
    result = await ana.slash(text, "metavideo", meta="25h")
    assert result.response.content.startswith("Uma meta por dia vai até 24h")
    assert len(env.errors) == 1
