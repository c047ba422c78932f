"""`!meutempo [@membro]`: a member's own figures, through the real bot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from discord.ext import commands

from tests.helpers import (
    advance_to_local,
    camera,
    on_camera_for,
    ranked,
    say,
    sync_commands,
)
from ui import texts
from ui.personal import MemberTime, member_time_embed
from ui.ranking import Placing

pytestmark = pytest.mark.both_stores

COOLDOWN = 5


def fields(message_or_embed):
    embed = getattr(message_or_embed, "embeds", [message_or_embed])[0]
    return {field.name: field.value for field in embed.fields}


@pytest.fixture
def world(simcord_env):
    env = simcord_env
    guild = env.create_guild("Estudos")
    return env, guild, guild.create_voice_channel("Sala"), guild.create_text_channel("geral")


# ------------------------------------------------------------------ the embed (pure)


def test_embed_shows_every_figure():
    figures = MemberTime(
        total=7200,
        sessions=3,
        longest=3600,
        today=600,
        week=1800,
        month=5400,
        placing=Placing(2, 7200),
        ranked=9,
    )
    embed = member_time_embed(figures, name="*ana*", avatar_url=None, guild_name="Estudos")
    assert embed.title == "⏱️ Tempo de câmera de \\*ana\\*"
    assert fields(embed) == {
        "Total": "2h",
        "Sessões": "3",
        "Média por sessão": "40min",
        "Maior sessão": "1h",
        "Hoje": "10min",
        "Esta semana": "30min",
        "Este mês": "1h 30min",
        "Sequência atual": "0 dias",
        "Melhor sequência": "0 dias",
        "Posição no servidor": "#2 de 9",
        "Agora": "Câmera desligada",
    }


def test_embed_shows_the_session_running_now():
    started = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    figures = MemberTime(90, 1, 90, 90, 90, 90, Placing(1, 90), 1, started, 90)
    embed = member_time_embed(figures, name="ana", avatar_url=None, guild_name="Estudos")
    assert fields(embed)["Agora"] == (
        f"🔴 Câmera ligada há 1min 30s (desde <t:{int(started.timestamp())}:t>)"
    )


# ------------------------------------------------------------------ through the bot


async def test_meutempo_shows_total_sessions_average_and_longest(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await on_camera_for(env, guild, ana, voice, 600)
    await on_camera_for(env, guild, ana, voice, 300)
    shown = fields(await say(ana, text, "!meutempo"))
    assert (shown["Total"], shown["Sessões"]) == ("15min", "2")
    assert (shown["Média por sessão"], shown["Maior sessão"]) == ("7min 30s", "10min")


async def test_meutempo_shows_today_week_and_month_in_local_time(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await advance_to_local(env, 2025, 12, 31, 23, 0)
    await on_camera_for(env, guild, ana, voice, 2 * 3600)  # until 01:00 on Thursday Jan 1st
    shown = fields(await say(ana, text, "!meutempo"))
    assert (shown["Hoje"], shown["Esta semana"], shown["Este mês"], shown["Total"]) == (
        "1h",
        "2h",
        "1h",
        "2h",
    )


async def test_meutempo_shows_the_position_in_the_server(world):
    env, guild, voice, text = world
    ana, bia, caio = await ranked(env, guild, voice, {"ana": 60, "bia": 90, "caio": 30})
    assert fields(await say(ana, text, "!meutempo"))["Posição no servidor"] == "#2 de 3"


async def test_meutempo_shows_the_session_running_now(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await on_camera_for(env, guild, ana, voice, 100)
    await camera(env, guild, ana, voice)
    await env.advance_time(45)
    shown = fields(await say(ana, text, "!meutempo"))
    assert shown["Agora"].startswith("🔴 Câmera ligada há 45s")
    assert (shown["Total"], shown["Sessões"]) == ("2min 25s", "2")


async def test_meutempo_of_another_member(world):
    env, guild, voice, text = world
    ana, bia = await ranked(env, guild, voice, {"ana": 60, "bia": 90})
    message = await say(ana, text, f"!meutempo {bia.mention}")
    assert message.embeds[0].title == "⏱️ Tempo de câmera de bia"
    assert fields(message)["Total"] == "1min 30s"


async def test_meutempo_without_camera_time_is_a_friendly_line(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    message = await say(ana, text, "!meutempo")
    assert message.embeds == []
    assert message.content == texts.MEUTEMPO_NONE_SELF


async def test_meutempo_of_another_member_without_time_names_them_escaped(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    bia = guild.add_member(env.create_user("bia", global_name="_bia_"))
    message = await say(ana, text, f"!meutempo {bia.mention}")
    assert message.content == texts.MEUTEMPO_NONE_OTHER.format(name="\\_bia\\_")


async def test_meutempo_of_an_unknown_member_gets_the_usage(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    message = await say(ana, text, "!meutempo ninguém")
    assert message.content.endswith("Uso correto: `!meutempo [@membro]`")
    assert [type(e) for e in env.errors] == [commands.MemberNotFound]


async def test_meutempo_twice_in_a_row_asks_to_wait(world):
    env, guild, voice, text = world
    (ana,) = await ranked(env, guild, voice, {"ana": 60})
    await say(ana, text, "!meutempo")
    message = await say(ana, text, "!meutempo")
    assert message.content.startswith("Calma! ⏳ Você poderá usar este comando de novo em 5s")
    assert [type(e) for e in env.errors] == [commands.CommandOnCooldown]


async def test_meutempo_in_private_messages_is_refused_politely(world):
    env, guild, voice, text = world
    ana = env.create_user("ana")
    guild.add_member(ana)
    await ana.send_dm("!meutempo")
    assert ana.dm_channel.last_message.content == texts.GUILD_ONLY
    assert [type(e) for e in env.errors] == [commands.NoPrivateMessage]


async def test_slash_meutempo_of_a_member(world):
    env, guild, voice, text = world
    ana, bia = await ranked(env, guild, voice, {"ana": 60, "bia": 90})
    await sync_commands(env)
    result = await ana.slash(text, "meutempo", membro=bia)
    embed = result.response.embeds[0]
    assert embed.title == "⏱️ Tempo de câmera de bia"
    assert fields(embed)["Posição no servidor"] == "#1 de 2"
