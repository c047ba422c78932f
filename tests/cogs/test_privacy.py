"""A member's own data (LGPD art. 18): `!meusdados` and `!apagarmeusdados`, through the real bot."""

from __future__ import annotations

import json
from datetime import date

import pytest
from discord.ext import commands

from tests.helpers import (
    SIMCORD,
    Server,
    audit_lines,
    camera,
    crash_and_restart,
    description,
    seconds_of,
    stop_bot,
    sync_commands,
    totals,
    unpacked,
)
from ui import texts

pytestmark = [SIMCORD, pytest.mark.both_stores, pytest.mark.usefixtures("virtual_snapshots")]

DAY = 24 * 3600


@pytest.fixture
async def server(simcord_env):
    return Server(simcord_env)


async def erase(server, member):
    """`!apagarmeusdados`, confirmed by the member."""
    await member.send(server.text, "!apagarmeusdados")
    await member.click(server.text.last_message, label=texts.ERASE_BUTTON_CONFIRM)
    return server.text.last_message


async def my_data(message):
    """The JSON document attached to a message."""
    (attachment,) = message.attachments
    assert attachment.filename.endswith(".json")
    return json.loads((await attachment.read()).decode("utf-8"))


async def export_ids(server):
    """The member ids of `!exportvideo`'s CSV (an admin asks)."""
    await server.admin.send(server.text, "!exportvideo")
    (attachment,) = server.text.last_message.attachments
    lines = (await attachment.read()).decode("utf-8-sig").splitlines()[1:]
    return [line.split(";")[0] for line in lines]


# ------------------------------------------------------------------ !apagarmeusdados


async def test_erasure_asks_first_then_deletes_the_members_figures_only(
    simcord_env, server, data_file
):
    await server.session(server.ana, 30)
    await server.session(server.bia, 20)
    await server.ana.send(server.text, "!apagarmeusdados")
    question = server.text.last_message
    assert question.content == texts.ERASE_CONFIRM
    assert seconds_of(simcord_env, server.guild, server.ana) == 30  # nothing yet
    await server.ana.click(question, label=texts.ERASE_BUTTON_CONFIRM)
    done = server.text.last_message
    assert done.content == texts.ERASE_DONE
    assert all(item.disabled for row in done.components for item in row.children)
    await stop_bot(simcord_env)
    assert totals(data_file, server.guild, server.ana) is None  # not even zeros
    assert totals(data_file, server.guild, server.bia) == {"total_seconds": 20, "sessions": 1}


async def test_only_the_member_who_asked_can_confirm_the_erasure(simcord_env, server):
    await server.session(server.ana, 30)
    await server.ana.send(server.text, "!apagarmeusdados")
    refused = await server.admin.click(server.text.last_message, label=texts.ERASE_BUTTON_CONFIRM)
    assert refused.response.content == texts.VIEW_NOT_YOURS
    assert refused.response.ephemeral
    assert seconds_of(simcord_env, server.guild, server.ana) == 30


async def test_erasure_cancelled_or_not_confirmed_changes_nothing(simcord_env, server):
    await server.session(server.ana, 30)
    await server.ana.send(server.text, "!apagarmeusdados")
    await server.ana.click(server.text.last_message, label=texts.RESET_BUTTON_CANCEL)
    assert server.text.last_message.content == texts.RESET_CANCELLED
    await server.ana.send(server.text, "!apagarmeusdados")
    await simcord_env.advance_time(61)
    assert server.text.last_message.content == texts.RESET_TIMED_OUT
    assert seconds_of(simcord_env, server.guild, server.ana) == 30


async def test_after_erasure_no_view_shows_the_member(simcord_env, server):
    await sync_commands(simcord_env)
    await server.session(server.ana, 90)
    await server.session(server.bia, 20)
    await erase(server, server.ana)
    for period in ("hoje", "semana", "mes", "total"):
        await server.bia.send(server.text, f"!rankingvideo {period}")
        ranking = description(server.text.last_message)
        assert "ana" not in ranking and "bia" in ranking
        await simcord_env.advance_time(5)  # the ranking's cooldown
    await server.ana.send(server.text, "!meutempo")
    assert server.text.last_message.content == texts.MEUTEMPO_NONE_SELF
    assert await export_ids(server) == [str(server.bia.id)]
    result = await server.ana.slash(server.text, "meusdados")
    document = await my_data(result.response)
    assert document["totais"]["segundos"] == document["totais"]["sessoes"] == 0
    assert document["historico_por_dia"] == []


async def test_nothing_comes_back_after_a_crash_and_restart(simcord_env, server, data_file):
    env = simcord_env
    await server.session(server.ana, 90)
    await env.advance_time(DAY)
    await server.session(server.ana, 40)
    await server.session(server.bia, 20)
    await erase(server, server.ana)
    await crash_and_restart(env)
    assert env.bot.store.member_stats(server.guild.id, server.ana.id).seconds == 0
    assert env.bot.store.member_days(server.guild.id, server.ana.id) == []
    await server.bia.send(server.text, "!rankingvideo semana")
    assert "ana" not in description(server.text.last_message)
    await stop_bot(env)
    assert totals(data_file, server.guild, server.ana) is None
    assert totals(data_file, server.guild, server.bia) == {"total_seconds": 20, "sessions": 1}


async def test_the_running_session_ends_uncounted_and_counting_starts_again(
    simcord_env, server, data_file
):
    env = simcord_env
    await server.ana.join_voice(server.voice)
    await camera(env, server.guild, server.ana, server.voice, on=True)
    await env.advance_time(130)  # past two checkpoints: part of the session is saved already
    await erase(server, server.ana)
    assert env.bot.store.open_session(server.guild.id, server.ana.id) is None
    await env.advance_time(40)  # the camera is still on: this counts, as a new session
    await camera(env, server.guild, server.ana, server.voice, on=False)
    await crash_and_restart(env)
    await stop_bot(env)
    assert totals(data_file, server.guild, server.ana) == {"total_seconds": 40, "sessions": 1}


async def test_erasure_by_slash_is_confirmed_in_private(simcord_env, server):
    await sync_commands(simcord_env)
    await server.session(server.ana, 30)
    result = await server.ana.slash(server.text, "apagarmeusdados")
    assert result.response.ephemeral
    await server.ana.click(result.response, label=texts.ERASE_BUTTON_CONFIRM)
    assert result.response.content == texts.ERASE_DONE
    assert seconds_of(simcord_env, server.guild, server.ana) == 0


async def test_erasure_in_one_server_keeps_the_member_in_another(simcord_env, server):
    other = Server(simcord_env, name="Outro")
    ana_there = other.guild.add_member(server.ana.user)
    await server.session(server.ana, 30)
    await other.session(ana_there, 50)
    await erase(server, server.ana)
    assert seconds_of(simcord_env, server.guild, server.ana) == 0
    assert seconds_of(simcord_env, other.guild, ana_there) == 50


# ------------------------------------------------------------------ the audit log


async def test_the_erasure_is_audited_and_earlier_entries_lose_the_members_name(
    simcord_env, server, data_file
):
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +5min bônus")
    await server.admin.send(server.text, f"!ajustarvideo {server.bia.mention} +2min bônus")
    await erase(server, server.ana)
    adjust_ana, adjust_bia, erasure = audit_lines(data_file)
    assert adjust_ana["u"] == server.ana.id and "name" not in adjust_ana
    assert adjust_ana["by_name"] == "chefe" and adjust_ana["applied"] == 300  # the action stays
    assert adjust_bia["name"] == "bia"
    assert erasure["action"] == "erase"
    assert erasure["by"] == erasure["u"] == server.ana.id
    assert "by_name" not in erasure and "name" not in erasure


async def test_entries_made_by_the_member_lose_their_name_too(simcord_env, server, data_file):
    await server.admin.send(server.text, f"!ajustarvideo {server.bia.mention} +2min bônus")
    await erase(server, server.admin)
    adjust, _erasure = audit_lines(data_file)
    assert "by_name" not in adjust and adjust["by"] == server.admin.id
    assert adjust["name"] == "bia"


async def test_the_audit_command_shows_the_erasure_without_names(simcord_env, server):
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +5min bônus")
    await erase(server, server.ana)
    await server.admin.send(server.text, "!auditoriavideo")
    erasure, adjust = description(server.text.last_message).splitlines()[:2]
    assert erasure.endswith("— **um membro** apagou os próprios dados deste servidor")
    assert f"ajustou **{texts.ERASED_MEMBER}** em +5min" in adjust
    assert "ana" not in description(server.text.last_message)


# ------------------------------------------------------------------ !meusdados


async def test_meusdados_sends_by_dm_a_file_matching_the_figures(simcord_env, server):
    env = simcord_env
    await server.session(server.ana, 600)
    await env.advance_time(DAY)
    await server.session(server.ana, 300)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +1h esqueceu")
    await server.ana.join_voice(server.voice)
    await camera(env, server.guild, server.ana, server.voice, on=True)
    await env.advance_time(45)
    await server.ana.send(server.text, "!meusdados")
    assert server.text.last_message.content == texts.MEUSDADOS_SENT
    document = await my_data(server.ana.user.dm_channel.last_message)
    stats = env.bot.store.member_stats(server.guild.id, server.ana.id)
    assert document["servidor"] == {"id": str(server.guild.id), "nome": "Estudos"}
    assert document["membro"] == {"id": str(server.ana.id)}
    assert document["totais"] == {
        "segundos": stats.seconds,
        "sessoes": stats.sessions,
        "maior_sessao_segundos": 600,
        "ajustes_manuais_segundos": 3600,
        "segundos_de_sessoes": 900,
    }
    days = env.bot.store.member_days(server.guild.id, server.ana.id)
    assert [(d["dia"], d["segundos"], d["sessoes"]) for d in document["historico_por_dia"]] == [
        (date.fromordinal(day).isoformat(), seconds, sessions) for day, seconds, sessions in days
    ]
    assert sum(d["segundos"] for d in document["historico_por_dia"]) == 900 + 3600
    running = document["sessao_em_andamento"]
    assert running["segundos_ate_agora"] == 45
    assert running["segundos_ainda_fora_dos_totais"] == 45
    (adjust,) = document["auditoria"]
    assert adjust["acao"] == "ajuste" and adjust["segundos_aplicados"] == 3600
    assert adjust["feita_por"] == {"id": str(server.admin.id), "nome": "chefe"}


async def test_meusdados_holds_nothing_of_other_members(simcord_env, server):
    await server.session(server.ana, 30)
    await server.admin.send(server.text, f"!ajustarvideo {server.bia.mention} +2min bônus")
    await server.ana.send(server.text, "!meusdados")
    raw = json.dumps(await my_data(server.ana.user.dm_channel.last_message))
    assert str(server.bia.id) not in raw and "bia" not in raw


async def test_meusdados_comes_in_the_channel_when_dms_are_closed(simcord_env, server):
    await server.session(server.ana, 30)
    dm = server.ana.user.dm_channel
    simcord_env.inject_error(
        "POST",
        f"/channels/{dm.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )
    await server.ana.send(server.text, "!meusdados")
    message = server.text.last_message
    assert message.content == texts.MEUSDADOS_DM_CLOSED
    assert (await my_data(message))["totais"]["segundos"] == 30


async def test_meusdados_by_slash_is_an_ephemeral_reply_with_the_file(simcord_env, server):
    await sync_commands(simcord_env)
    await server.session(server.ana, 30)
    result = await server.ana.slash(server.text, "meusdados")
    assert result.response.ephemeral
    assert result.response.content == texts.MEUSDADOS_HERE
    assert (await my_data(result.response))["totais"]["sessoes"] == 1


# ------------------------------------------------------------------ what stays on disk


def assert_no_json_file_names(data_file, member, others):
    """Neither the state, its .bak, DATA_FILE, its .bak nor the journal holds `member`."""
    folder = data_file.parent
    for name in ("video_ranking.json", "video_ranking.bak.json", "video_ranking.journal.jsonl"):
        assert str(member.id) not in (folder / name).read_text(encoding="utf-8"), name
    for name in ("video_ranking.state.json", "video_ranking.state.bak.json"):
        state = json.loads((folder / name).read_text(encoding="utf-8"))
        (guild,) = state["guilds"].values()
        assert unpacked(guild["users"]) == [other.id for other in others], name
        assert all(len(unpacked(day["rows"])) == len(others) for day in guild["days"].values())
        assert str(member.id) not in json.dumps(state["open_sessions"])


@pytest.mark.json_only
async def test_no_json_file_keeps_the_member_soon_after_the_erasure(simcord_env, server, data_file):
    env = simcord_env
    await server.session(server.ana, 90)
    await server.session(server.bia, 20)
    await env.advance_time(20)  # snapshots with ana in them: the state, its .bak, the journal
    await erase(server, server.ana)
    await env.advance_time(25)  # two snapshots follow, with no other activity
    assert_no_json_file_names(data_file, server.ana, [server.bia])


@pytest.mark.json_only
async def test_a_stop_right_after_the_erasure_leaves_no_json_file_naming_the_member(
    simcord_env, server, data_file
):
    env = simcord_env
    await server.session(server.ana, 90)
    await server.session(server.bia, 20)
    await env.advance_time(20)
    await erase(server, server.ana)
    await stop_bot(env)
    assert_no_json_file_names(data_file, server.ana, [server.bia])


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("name", ["meusdados", "apagarmeusdados"])
async def test_extra_words_get_the_usage_line_and_change_nothing(simcord_env, server, name):
    await server.session(server.ana, 30)
    await server.ana.send(server.text, f"!{name} agora")
    assert server.text.last_message.content == (
        f"Não sei o que fazer com “agora” no fim do comando. Uso correto: `!{name}`"
    )
    assert [type(e) for e in simcord_env.errors] == [commands.TooManyArguments]
    assert seconds_of(simcord_env, server.guild, server.ana) == 30


@pytest.mark.parametrize("name", ["meusdados", "apagarmeusdados"])
async def test_in_private_they_answer_that_they_work_in_servers(simcord_env, server, name):
    await server.ana.send_dm(f"!{name}")
    assert server.ana.user.dm_channel.last_message.content == texts.GUILD_ONLY
    assert [type(e) for e in simcord_env.errors] == [commands.NoPrivateMessage]
