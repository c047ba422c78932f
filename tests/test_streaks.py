"""Streaks: `!meutempo` shows the current and best streak, `!rankingvideo sequencia` ranks them.

A local day counts when the member had at least the server's streak minimum (15min by
default) on camera that day. Through the real bot, on both stores.
"""

from __future__ import annotations

import pytest
from discord.ext import commands

from bot import create_bot
from tests.helpers import (
    Server,
    advance_to_local,
    camera,
    crash_and_restart,
    description,
    on_camera_for,
    say,
    stop_bot,
    sync_commands,
)
from ui import texts
from ui.converters import UsageError

pytestmark = pytest.mark.both_stores

MINIMUM = 15 * 60
"""The default streak minimum."""


@pytest.fixture
def world(simcord_env):
    env = simcord_env
    guild = env.create_guild("Estudos")
    return env, guild, guild.create_voice_channel("Sala"), guild.create_text_channel("geral")


@pytest.fixture
def no_checkpoints(data_file, monkeypatch):
    """Open sessions stay uncredited: a streak must add their time itself.

    Request it before `world`, so the bot is built with this setting.
    """
    monkeypatch.setenv("CHECKPOINT_SECONDS", str(24 * 3600))  # the longest allowed


def fields(message_or_embed):
    embed = getattr(message_or_embed, "embeds", [message_or_embed])[0]
    return {field.name: field.value for field in embed.fields}


async def streak_of(env, member, text):
    """(current, best) as `!meutempo` shows them; waits out the command's cooldown first."""
    await env.advance_time(10)
    shown = fields(await say(member, text, "!meutempo"))
    return shown["Sequência atual"], shown["Melhor sequência"]


async def day_on_camera(env, guild, voice, member, day, seconds, hour=10):
    """`seconds` on camera on January `day` of 2026 (local), from `hour` o'clock."""
    await advance_to_local(env, 2026, 1, day, hour)
    await on_camera_for(env, guild, member, voice, seconds)


def streak_lines(message):
    """The ranking lines of a streak ranking (between its rule line and the position line)."""
    return description(message).split("\n\n")[1].splitlines()


# ------------------------------------------------------------------ days in a row


async def test_three_days_in_a_row_make_a_three_day_streak(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    for day in (1, 2, 3):
        await day_on_camera(env, guild, voice, ana, day, MINIMUM)
    assert await streak_of(env, ana, text) == ("3 dias", "3 dias")


async def test_a_session_across_midnight_counts_on_both_days(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await advance_to_local(env, 2026, 1, 1, 23, 40)
    await on_camera_for(env, guild, ana, voice, 40 * 60)  # 20min on each side of midnight
    assert await streak_of(env, ana, text) == ("2 dias", "2 dias")


async def test_a_session_across_midnight_short_on_one_side_counts_one_day(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await advance_to_local(env, 2026, 1, 1, 23, 50)
    await on_camera_for(env, guild, ana, voice, 30 * 60)  # 10min before midnight, 20 after
    assert await streak_of(env, ana, text) == ("1 dia", "1 dia")


async def test_a_day_under_the_minimum_breaks_the_streak(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await day_on_camera(env, guild, voice, ana, 1, MINIMUM)
    await day_on_camera(env, guild, voice, ana, 2, MINIMUM - 1)
    await day_on_camera(env, guild, voice, ana, 3, MINIMUM)
    assert await streak_of(env, ana, text) == ("1 dia", "1 dia")


async def test_two_short_sessions_of_one_day_add_up_to_the_minimum(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await day_on_camera(env, guild, voice, ana, 1, MINIMUM)
    await day_on_camera(env, guild, voice, ana, 2, MINIMUM // 2, hour=9)
    await day_on_camera(env, guild, voice, ana, 2, MINIMUM // 2, hour=20)
    assert await streak_of(env, ana, text) == ("2 dias", "2 dias")


async def test_the_best_streak_is_kept_after_a_break(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    for day in (1, 2, 3, 5):
        await day_on_camera(env, guild, voice, ana, day, MINIMUM)
    assert await streak_of(env, ana, text) == ("1 dia", "3 dias")


async def test_today_not_qualifying_yet_keeps_yesterdays_streak(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await day_on_camera(env, guild, voice, ana, 1, MINIMUM)
    await day_on_camera(env, guild, voice, ana, 2, MINIMUM)
    await day_on_camera(env, guild, voice, ana, 3, 5 * 60)
    assert await streak_of(env, ana, text) == ("2 dias", "2 dias")


async def test_a_streak_ends_once_a_whole_day_passes_without_the_minimum(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await day_on_camera(env, guild, voice, ana, 1, MINIMUM)
    await day_on_camera(env, guild, voice, ana, 2, MINIMUM)
    await advance_to_local(env, 2026, 1, 4, 0, 1)  # the 3rd went by with nothing
    assert await streak_of(env, ana, text) == ("0 dias", "2 dias")


async def test_the_running_session_makes_today_count(no_checkpoints, world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await day_on_camera(env, guild, voice, ana, 1, MINIMUM)
    await advance_to_local(env, 2026, 1, 2, 10)
    await camera(env, guild, ana, voice)
    await env.advance_time(MINIMUM - 10)
    assert await streak_of(env, ana, text) == ("2 dias", "2 dias")  # 14min50s + the 10s waited


async def test_a_running_session_under_the_minimum_does_not_count_yet(no_checkpoints, world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await advance_to_local(env, 2026, 1, 2, 10)
    await camera(env, guild, ana, voice)
    await env.advance_time(60)
    assert await streak_of(env, ana, text) == ("0 dias", "0 dias")


# ------------------------------------------------------------------ restarts


async def test_a_crash_in_the_middle_of_a_day_keeps_the_streak(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await day_on_camera(env, guild, voice, ana, 1, MINIMUM)
    await day_on_camera(env, guild, voice, ana, 2, MINIMUM)
    await advance_to_local(env, 2026, 1, 3, 10)
    await camera(env, guild, ana, voice)
    await env.advance_time(10 * 60)
    await crash_and_restart(env)
    await env.advance_time(10 * 60)  # still on camera: the same session goes on
    assert await streak_of(env, ana, text) == ("3 dias", "3 dias")


async def test_a_planned_restart_keeps_current_and_best_streaks(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    for day in (1, 2, 4, 5):
        await day_on_camera(env, guild, voice, ana, day, MINIMUM)
    await stop_bot(env)
    await env.restart_bot(create_bot())
    assert await streak_of(env, ana, text) == ("2 dias", "2 dias")


async def test_a_time_zone_change_keeps_the_days_already_counted(world, monkeypatch):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await day_on_camera(env, guild, voice, ana, 1, MINIMUM)
    await day_on_camera(env, guild, voice, ana, 2, MINIMUM)
    await stop_bot(env)
    monkeypatch.setenv("TIMEZONE", "Asia/Tokyo")  # 12 hours ahead of Sao Paulo
    await env.restart_bot(create_bot())
    await advance_to_local(env, 2026, 1, 2, 12, 30)  # 00:30 on January 3rd in Tokyo
    await on_camera_for(env, guild, ana, voice, MINIMUM)
    assert await streak_of(env, ana, text) == ("3 dias", "3 dias")


# ------------------------------------------------------------------ the server's minimum


async def test_a_higher_streak_minimum_applies_to_past_days_too(simcord_env):
    env = simcord_env
    server = Server(env)
    for day in (1, 2, 3):
        await day_on_camera(env, server.guild, server.voice, server.ana, day, 20 * 60)
    assert await streak_of(env, server.ana, server.text) == ("3 dias", "3 dias")
    await say(server.admin, server.text, "!configvideo sequencia 30min")
    assert await streak_of(env, server.ana, server.text) == ("0 dias", "0 dias")


async def test_a_lower_streak_minimum_counts_short_days(simcord_env):
    env = simcord_env
    server = Server(env)
    for day in (1, 2):
        await day_on_camera(env, server.guild, server.voice, server.ana, day, 5 * 60)
    await say(server.admin, server.text, "!configvideo sequencia 5min")
    assert await streak_of(env, server.ana, server.text) == ("2 dias", "2 dias")
    message = await say(server.ana, server.text, "!rankingvideo sequencia")
    assert description(message).splitlines()[0].startswith("Dias seguidos com pelo menos 5min")


async def test_the_streak_minimum_is_kept_across_a_restart(simcord_env):
    env = simcord_env
    server = Server(env)
    for day in (1, 2):
        await day_on_camera(env, server.guild, server.voice, server.ana, day, 5 * 60)
    await say(server.admin, server.text, "!configvideo sequencia 5min")
    await crash_and_restart(env)
    assert await streak_of(env, server.ana, server.text) == ("2 dias", "2 dias")


# ------------------------------------------------------------------ the ranking


async def test_ranking_sequencia_orders_members_by_current_streak(world):
    env, guild, voice, text = world
    ana, bia, caio = (guild.add_member(env.create_user(n)) for n in ("ana", "bia", "caio"))
    days = ((1, (ana, caio)), (2, (ana, bia, caio)), (3, (bia, caio)), (4, (caio,)))
    for day, members in days:
        for hour, member in enumerate(members, start=10):
            await day_on_camera(env, guild, voice, member, day, MINIMUM, hour=hour)
    message = await say(ana, text, "!rankingvideo sequencia")
    assert message.embeds[0].title == "🏆 Ranking de câmera — dias seguidos"
    assert streak_lines(message) == [
        "**1.** caio — 4 dias (melhor: 4 dias)",
        "**2.** bia — 2 dias (melhor: 2 dias)",
    ]  # ana's two days ended on the 2nd
    assert description(message).splitlines()[0] == (
        "Dias seguidos com pelo menos 15min de câmera; hoje entra na conta quando chegar lá."
    )
    assert description(message).splitlines()[-1] == texts.RANKING_NOT_RANKED


async def test_ranking_sequencia_shows_the_askers_position_in_days(world):
    env, guild, voice, text = world
    ana, bia = (guild.add_member(env.create_user(n)) for n in ("ana", "bia"))
    await day_on_camera(env, guild, voice, ana, 1, MINIMUM)
    await day_on_camera(env, guild, voice, ana, 2, MINIMUM)
    await day_on_camera(env, guild, voice, bia, 2, MINIMUM, hour=11)
    message = await say(bia, text, "!rankingvideo sequência")
    assert description(message).splitlines()[-1] == "Sua posição: #2 — 1 dia"


async def test_ranking_sequencia_has_pages(world):
    env, guild, voice, text = world
    members = [guild.add_member(env.create_user(f"m{i:02}")) for i in range(12)]
    for day, on_camera in ((1, members), (2, members[-2:])):
        await advance_to_local(env, 2026, 1, day, 10)
        for member in on_camera:
            await camera(env, guild, member, voice)
        await env.advance_time(MINIMUM)
        for member in on_camera:
            await member.leave_voice()
    first = await say(members[0], text, "!rankingvideo sequencia")
    assert streak_lines(first)[:2] == [
        "**1.** m10 — 2 dias (melhor: 2 dias)",
        "**2.** m11 — 2 dias (melhor: 2 dias)",
    ]
    await env.advance_time(10)
    second = await say(members[0], text, "!rankingvideo sequencia 2")
    assert streak_lines(second) == [
        "**11.** m08 — 1 dia (melhor: 1 dia)",
        "**12.** m09 — 1 dia (melhor: 1 dia)",
    ]
    assert second.embeds[0].footer.text == "Página 2/2 • 12 membros no ranking"


async def test_ranking_sequencia_buttons_turn_the_page(world):
    env, guild, voice, text = world
    members = [guild.add_member(env.create_user(f"m{i:02}")) for i in range(11)]
    await advance_to_local(env, 2026, 1, 1, 10)
    for member in members:
        await camera(env, guild, member, voice)
    await env.advance_time(MINIMUM)
    for member in members:
        await member.leave_voice()
    await sync_commands(env)
    result = await members[0].slash(text, "rankingvideo", periodo="sequencia")
    await members[0].click(result.response, label="▶")
    assert streak_lines(result.response) == ["**11.** m10 — 1 dia (melhor: 1 dia)"]


async def test_ranking_sequencia_skips_members_who_left(world):
    env, guild, voice, text = world
    ana, bia = (guild.add_member(env.create_user(n)) for n in ("ana", "bia"))
    await day_on_camera(env, guild, voice, ana, 1, MINIMUM)
    await day_on_camera(env, guild, voice, ana, 2, MINIMUM)
    await day_on_camera(env, guild, voice, bia, 2, MINIMUM, hour=11)
    guild.remove_member(ana)
    message = await say(bia, text, "!rankingvideo sequencia")
    assert streak_lines(message) == ["**1.** bia — 1 dia (melhor: 1 dia)"]


async def test_ranking_sequencia_without_streaks_is_a_friendly_line(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await day_on_camera(env, guild, voice, ana, 1, 60)
    message = await say(ana, text, "!rankingvideo sequencia")
    assert message.embeds == []
    assert message.content == texts.RANKING_STREAK_EMPTY.format(minimum="15min")


async def test_slash_ranking_sequencia(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await day_on_camera(env, guild, voice, ana, 1, MINIMUM)
    await sync_commands(env)
    result = await ana.slash(text, "rankingvideo", periodo="sequencia")
    assert streak_lines(result.response) == ["**1.** ana — 1 dia (melhor: 1 dia)"]


async def test_exportvideo_does_not_take_sequencia(simcord_env):
    server = Server(simcord_env)
    message = await say(server.admin, server.text, "!exportvideo sequencia")
    assert message.content.startswith("Não entendi o período (hoje, semana, mes ou total)")
    assert [type(e) for e in simcord_env.errors] == [UsageError]


async def test_ranking_sequencia_extra_words_get_the_usage(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    message = await say(ana, text, "!rankingvideo sequencia 1 mais")
    assert message.content.endswith(
        "Uso correto: `!rankingvideo [hoje|semana|mes|total|sequencia] [página]`"
    )
    assert [type(e) for e in env.errors] == [commands.TooManyArguments]
