"""`!privacidade`: hidden members are counted but never shown to others; counting can stop."""

from __future__ import annotations

import json

import pytest
from discord.ext import commands

from tests.cogs.test_privacy import erase, export_ids, my_data
from tests.helpers import (
    SIMCORD,
    Server,
    camera,
    crash_and_restart,
    description,
    seconds_of,
    stop_bot,
    sync_commands,
    totals,
)
from tracking.server_settings import MemberSettings
from ui import texts

pytestmark = [SIMCORD, pytest.mark.both_stores, pytest.mark.usefixtures("virtual_snapshots")]


@pytest.fixture
async def server(simcord_env):
    return Server(simcord_env)


async def choose(server, member, choice):
    """`!privacidade <choice>`; the bot's reply."""
    await member.send(server.text, f"!privacidade {choice}".strip())
    return server.text.last_message.content


def choices(env, server, member) -> MemberSettings:
    return env.bot.store.member_settings(server.guild.id, member.id)


async def on_camera(env, server, member):
    await member.join_voice(server.voice)
    await camera(env, server.guild, member, server.voice, on=True)


# ------------------------------------------------------------------ the choices


async def test_privacidade_alone_shows_the_members_choices(simcord_env, server):
    assert await choose(server, server.ana, "") == (
        "🔒 Suas escolhas neste servidor:\n• Para os outros: **visível**\n• Contagem: **ativa**"
    )
    await choose(server, server.ana, "oculto")
    await choose(server, server.ana, "parar")
    shown = await choose(server, server.ana, "")
    assert texts.PRIVACY_HIDDEN in shown and texts.PRIVACY_PAUSED in shown


async def test_choices_survive_a_restart(simcord_env, server):
    await choose(server, server.ana, "oculto")
    await choose(server, server.ana, "parar")
    await crash_and_restart(simcord_env)
    assert choices(simcord_env, server, server.ana) == MemberSettings(hidden=True, paused=True)


async def test_a_choice_made_already_says_nothing_changed(simcord_env, server):
    assert await choose(server, server.ana, "visivel") == "Nada mudou: você já está visível."


async def test_an_unknown_choice_gets_the_usage_line(simcord_env, server):
    assert await choose(server, server.ana, "sumir") == (
        "Não sei o que fazer com “sumir” no fim do comando. "
        "Uso correto: `!privacidade [oculto|visivel|parar|voltar]`"
    )
    assert [type(e) for e in simcord_env.errors] == [commands.TooManyArguments]


async def test_choices_by_slash_are_answered_in_private(simcord_env, server):
    await sync_commands(simcord_env)
    result = await server.ana.slash(server.text, "privacidade oculto")
    assert result.response.ephemeral
    assert result.response.content == texts.PRIVACY_REPLIES["hidden", True][1]
    assert choices(simcord_env, server, server.ana).hidden


# ------------------------------------------------------------------ oculto


async def test_a_hidden_member_is_ranked_as_membro_oculto_in_every_period(simcord_env, server):
    await server.session(server.ana, 90)
    await server.session(server.bia, 20)
    await choose(server, server.ana, "oculto")
    for period in ("hoje", "semana", "mes", "total"):
        await server.bia.send(server.text, f"!rankingvideo {period}")
        lines = description(server.text.last_message).splitlines()
        assert lines[0] == "**1.** membro oculto — 1min 30s (1 sessão)", period
        assert "ana" not in description(server.text.last_message)
        await simcord_env.advance_time(5)  # the ranking's cooldown


async def test_a_hidden_member_still_sees_their_own_name(simcord_env, server):
    await server.session(server.ana, 90)
    await choose(server, server.ana, "oculto")
    await server.ana.send(server.text, "!rankingvideo")
    assert description(server.text.last_message).startswith("**1.** ana — 1min 30s")
    await server.ana.send(server.text, "!meutempo")
    assert server.text.last_message.embeds[0].title == "⏱️ Tempo de câmera de ana"


async def test_others_meutempo_and_chart_of_a_hidden_member_show_nothing_of_them(
    simcord_env, server
):
    await server.session(server.ana, 90)
    await choose(server, server.ana, "oculto")
    await server.bia.send(server.text, f"!meutempo {server.ana.mention}")
    assert server.text.last_message.content == texts.HIDDEN_MEMBER_REFUSED
    assert not server.text.last_message.embeds
    await server.bia.send(server.text, f"!graficovideo {server.ana.mention}")
    assert server.text.last_message.content == texts.HIDDEN_MEMBER_REFUSED
    assert not server.text.last_message.attachments


async def test_the_export_shows_a_hidden_member_without_id_or_name(simcord_env, server):
    await server.session(server.ana, 90)
    await server.session(server.bia, 20)
    await choose(server, server.ana, "oculto")
    assert await export_ids(server) == ["", str(server.bia.id)]
    await simcord_env.advance_time(30)  # the export's cooldown
    await server.admin.send(server.text, "!exportvideo")
    (attachment,) = server.text.last_message.attachments
    text = (await attachment.read()).decode("utf-8-sig")
    assert ";membro oculto;90;1;1min 30s" in text and "ana" not in text


async def test_visivel_shows_the_member_again(simcord_env, server):
    await server.session(server.ana, 90)
    await choose(server, server.ana, "oculto")
    await choose(server, server.ana, "visivel")
    await server.bia.send(server.text, "!rankingvideo")
    assert description(server.text.last_message).startswith("**1.** ana")


# ------------------------------------------------------------------ parar / voltar


async def test_parar_ends_the_running_session_counted_up_to_now(simcord_env, server, data_file):
    env = simcord_env
    await on_camera(env, server, server.ana)
    await env.advance_time(30)
    await choose(server, server.ana, "parar")
    await env.advance_time(90)
    assert seconds_of(env, server.guild, server.ana) == 30
    await camera(env, server.guild, server.ana, server.voice, on=False)
    await camera(env, server.guild, server.ana, server.voice, on=True)  # no new session
    await env.advance_time(60)
    await stop_bot(env)
    assert totals(data_file, server.guild, server.ana) == {"total_seconds": 30, "sessions": 1}


async def test_no_session_starts_after_a_restart_while_stopped(simcord_env, server, data_file):
    env = simcord_env
    await choose(server, server.ana, "parar")
    await on_camera(env, server, server.ana)
    await crash_and_restart(env)  # reconciles: ana is on camera, and stays uncounted
    await env.advance_time(120)
    assert not env.bot.sessions.has_session(server.guild.id, server.ana.id)
    await stop_bot(env)
    assert totals(data_file, server.guild, server.ana) is None


async def test_voltar_counts_again_from_now_while_on_camera(simcord_env, server):
    env = simcord_env
    await choose(server, server.ana, "parar")
    await on_camera(env, server, server.ana)
    await env.advance_time(50)
    await choose(server, server.ana, "voltar")
    await env.advance_time(20)
    await camera(env, server.guild, server.ana, server.voice, on=False)
    assert seconds_of(env, server.guild, server.ana) == 20


async def test_a_stopped_member_is_counted_in_other_servers(simcord_env, server):
    env = simcord_env
    other = Server(env, name="Outro")
    ana_there = other.guild.add_member(server.ana.user)
    await choose(server, server.ana, "parar")
    await other.session(ana_there, 40)
    await server.session(server.ana, 40)
    assert seconds_of(env, other.guild, ana_there) == 40
    assert seconds_of(env, server.guild, server.ana) == 0


# ------------------------------------------------------------------ with the other rights


async def test_meusdados_lists_the_members_choices(simcord_env, server):
    await choose(server, server.ana, "oculto")
    await server.ana.send(server.text, "!meusdados")
    document = await my_data(server.ana.user.dm_channel.last_message)
    assert document["escolhas"] == {
        "oculto": True,
        "contagem_parada": False,
        "meta_segundos": None,
        "meta_periodo": "dia",
    }


async def test_erasure_deletes_the_members_choices_and_counting_resumes(simcord_env, server):
    env = simcord_env
    await choose(server, server.ana, "oculto")
    await choose(server, server.ana, "parar")
    await on_camera(env, server, server.ana)
    await erase(server, server.ana)
    assert server.text.last_message.content == texts.ERASE_DONE
    assert choices(env, server, server.ana) == MemberSettings()
    await env.advance_time(10)
    await crash_and_restart(env)
    assert choices(env, server, server.ana) == MemberSettings()
    assert env.bot.sessions.has_session(server.guild.id, server.ana.id)


@pytest.mark.json_only
async def test_no_settings_file_keeps_the_choices_of_a_member_who_erased_their_data(
    simcord_env, server, data_file
):
    await choose(server, server.ana, "oculto")
    await choose(server, server.bia, "oculto")
    await erase(server, server.ana)
    for name in ("video_ranking.settings.json", "video_ranking.settings.bak.json"):
        saved = json.loads(data_file.with_name(name).read_text(encoding="utf-8"))
        assert str(server.ana.id) not in json.dumps(saved), name
        assert str(server.bia.id) in json.dumps(saved), name
