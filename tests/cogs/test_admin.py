"""Admin tools through the real bot: reset with confirmation, adjustments, the audit log."""

from __future__ import annotations

import errno
import os
import stat

import discord
import pytest
from discord.ext import commands
from simcord import SetupError

from tests.helpers import (
    SIMCORD,
    Server,
    audit_lines,
    camera,
    seconds_of,
    server_totals,
    stop_bot,
)
from ui import texts
from ui.converters import UsageError

pytestmark = [SIMCORD, pytest.mark.both_stores]


@pytest.fixture
async def server(simcord_env):
    return Server(simcord_env)


# ------------------------------------------------------------------ permission


async def test_member_without_manage_server_is_refused_politely(simcord_env, server):
    await server.ana.send(server.text, f"!resetvideo {server.bia.mention}")
    assert server.text.last_message.content == texts.NO_PERMISSION
    assert any(isinstance(e, commands.MissingPermissions) for e in simcord_env.errors)


async def test_admin_slash_commands_are_hidden_from_members(simcord_env, server):
    with pytest.raises(SetupError, match="not visible to this user"):
        await server.ana.slash(
            server.text, "ajustarvideo", membro=server.ana, quantidade="+1h", motivo="eu mesma"
        )


# ---------------------------------------------------------------------- reset


async def test_reset_of_a_member_needs_confirmation_and_zeroes_only_them(
    simcord_env, server, data_file
):
    await server.session(server.ana, 30)
    await server.session(server.bia, 20)
    await server.admin.send(server.text, f"!resetvideo {server.ana.mention} pediu para sair")
    question = server.text.last_message
    assert "ana" in question.content
    assert seconds_of(simcord_env, server.guild, server.ana) == 30  # nothing yet
    await server.admin.click(question, label=texts.RESET_BUTTON_CONFIRM)
    done = server.text.last_message
    assert done.content == texts.RESET_DONE_MEMBER.format(name="ana")
    assert all(item.disabled for row in done.components for item in row.children)
    await stop_bot(simcord_env)
    assert server_totals(data_file, server.guild, server.ana) == (0, 0)
    assert server_totals(data_file, server.guild, server.bia) == (20, 1)


async def test_reset_of_the_whole_server_by_slash_zeroes_everyone(simcord_env, server, data_file):
    await server.session(server.ana, 30)
    await server.session(server.bia, 20)
    result = await server.admin.slash(server.text, "resetvideo tudo", motivo="nova temporada")
    assert result.response.content == texts.RESET_CONFIRM_ALL
    await server.admin.click(result.response, label=texts.RESET_BUTTON_CONFIRM)
    assert result.response.content == texts.RESET_DONE_ALL
    await stop_bot(simcord_env)
    assert server_totals(data_file, server.guild, server.ana) == (0, 0)
    assert server_totals(data_file, server.guild, server.bia) == (0, 0)


async def test_reset_of_a_member_by_slash(simcord_env, server):
    await server.session(server.ana, 30)
    result = await server.admin.slash(server.text, "resetvideo membro", membro=server.ana)
    await server.admin.click(result.response, label=texts.RESET_BUTTON_CONFIRM)
    assert seconds_of(simcord_env, server.guild, server.ana) == 0


async def test_reset_not_confirmed_in_time_changes_nothing_and_disables_buttons(
    simcord_env, server
):
    await server.session(server.ana, 30)
    await server.admin.send(server.text, f"!resetvideo {server.ana.mention}")
    await simcord_env.advance_time(61)
    message = server.text.last_message
    assert message.content == texts.RESET_TIMED_OUT
    assert all(item.disabled for row in message.components for item in row.children)
    assert seconds_of(simcord_env, server.guild, server.ana) == 30
    with pytest.raises(SetupError):
        await server.admin.click(message, label=texts.RESET_BUTTON_CONFIRM)


async def test_reset_cancelled_changes_nothing(simcord_env, server):
    await server.session(server.ana, 30)
    await server.admin.send(server.text, "!resetvideo tudo")
    await server.admin.click(server.text.last_message, label=texts.RESET_BUTTON_CANCEL)
    assert server.text.last_message.content == texts.RESET_CANCELLED
    assert seconds_of(simcord_env, server.guild, server.ana) == 30


async def test_only_the_admin_who_asked_can_confirm_a_reset(simcord_env, server):
    await server.session(server.ana, 30)
    role = server.guild.create_role("Outra", permissions=discord.Permissions(manage_guild=True))
    other_admin = server.guild.add_member(simcord_env.create_user("vice"), roles=[role])
    await server.admin.send(server.text, f"!resetvideo {server.ana.mention}")
    refused = await other_admin.click(server.text.last_message, label=texts.RESET_BUTTON_CONFIRM)
    assert refused.response.content == texts.VIEW_NOT_YOURS
    assert refused.response.ephemeral
    assert seconds_of(simcord_env, server.guild, server.ana) == 30


async def test_reset_during_a_live_session_keeps_only_time_after_the_reset(
    simcord_env, server, data_file
):
    env = simcord_env
    await server.ana.join_voice(server.voice)
    await camera(env, server.guild, server.ana, server.voice, on=True)
    await env.advance_time(50)
    await server.admin.send(server.text, f"!resetvideo {server.ana.mention}")
    await server.admin.click(server.text.last_message, label=texts.RESET_BUTTON_CONFIRM)
    await env.advance_time(40)
    await camera(env, server.guild, server.ana, server.voice, on=False)
    await stop_bot(env)
    assert server_totals(data_file, server.guild, server.ana) == (40, 1)


# --------------------------------------------------------------------- adjust


async def test_adjust_adds_time_that_reaches_the_disk(simcord_env, server, data_file):
    await server.session(server.ana, 50)
    await server.admin.send(
        server.text, f"!ajustarvideo {server.ana.mention} +1h30min esqueceu a câmera do bot"
    )
    assert server.text.last_message.content == texts.ADJUST_ADDED.format(
        time="1h 30min", name="ana", total="1h 30min 50s"
    )
    await stop_bot(simcord_env)
    assert server_totals(data_file, server.guild, server.ana) == (5450, 1)


async def test_adjust_removal_by_slash_never_goes_below_zero(simcord_env, server):
    await server.session(server.ana, 40)
    result = await server.admin.slash(
        server.text, "ajustarvideo", membro=server.ana, quantidade="-1h", motivo="câmera no teto"
    )
    assert result.response.content == texts.ADJUST_REMOVED.format(
        time="40s", name="ana", total="0s"
    )
    assert seconds_of(simcord_env, server.guild, server.ana) == 0


async def test_adjust_with_an_unreadable_duration_gets_the_usage_line(simcord_env, server):
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} uma hora motivo")
    assert server.text.last_message.content == texts.USAGE_LINE.format(
        problem=texts.NOT_UNDERSTOOD.format(what=texts.ADJUST_DURATION_WHAT, argument="uma"),
        usage="!ajustarvideo <@membro> <+1h30min|-20min> <motivo>",
    )
    assert [type(e) for e in simcord_env.errors] == [UsageError]
    assert seconds_of(simcord_env, server.guild, server.ana) == 0


# ---------------------------------------------------------------------- audit


async def test_resets_and_adjustments_are_written_to_the_audit_log(simcord_env, server, data_file):
    await server.session(server.ana, 40)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} -15min teste")
    await server.admin.send(server.text, f"!resetvideo {server.ana.mention} saiu do grupo")
    await server.admin.click(server.text.last_message, label=texts.RESET_BUTTON_CONFIRM)
    adjust, reset = audit_lines(data_file)
    assert adjust == {
        "at": "2026-01-01T00:00:40+00:00",
        "g": server.guild.id,
        "by": server.admin.id,
        "by_name": "chefe",
        "action": "adjust",
        "u": server.ana.id,
        "name": "ana",
        "s": -900,
        "applied": -40,
        "reason": "teste",
    }
    assert reset["action"] == "reset"
    assert reset["u"] == server.ana.id
    assert reset["reason"] == "saiu do grupo"


@pytest.mark.json_only
async def test_the_audit_log_file_is_readable_by_its_owner_only(simcord_env, server, data_file):
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +5min teste")
    path = data_file.with_name("video_ranking.audit.jsonl")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


async def test_audit_command_shows_the_latest_entries_of_this_server_only(simcord_env, server):
    other = Server(simcord_env, name="Outro")
    await other.admin.send(other.text, f"!ajustarvideo {other.ana.mention} +5min lá")
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +1h bônus")
    await server.admin.send(server.text, f"!ajustarvideo {server.bia.mention} +2min outro")
    await server.admin.send(server.text, "!auditoriavideo")
    embed = server.text.last_message.embeds[0]
    lines = embed.description.splitlines()
    assert "bia" in lines[0] and "+2min" in lines[0]  # newest first
    assert "bônus" in embed.description
    assert "lá" not in embed.description


async def test_audit_command_by_slash_with_no_entries_says_so(simcord_env, server):
    result = await server.admin.slash(server.text, "auditoriavideo")
    assert result.response.content == texts.AUDIT_EMPTY


@pytest.mark.json_only
async def test_a_change_that_cannot_be_audited_is_not_applied(simcord_env, server, monkeypatch):
    await server.session(server.ana, 30)
    real_write = os.write

    def disk_full(fd, data):
        if os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).endswith("audit.jsonl"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", disk_full)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +1h bônus")
    assert server.text.last_message.content == texts.AUDIT_WRITE_FAILED
    assert seconds_of(simcord_env, server.guild, server.ana) == 30


async def test_audit_footer_counts_one_action_in_the_singular(simcord_env, server):
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +1h bônus")
    await server.admin.send(server.text, "!auditoriavideo")
    footer = server.text.last_message.embeds[0].footer.text
    assert footer == "1 ação mais recente • horários no seu fuso"


@pytest.mark.parametrize("name", ["resetvideo", "ajustarvideo", "auditoriavideo", "exportvideo"])
async def test_admin_slash_commands_are_hidden_from_members_by_default(simcord_env, name):
    command = simcord_env.bot.tree.get_command(name)
    assert command is not None
    assert command.default_permissions == discord.Permissions(manage_guild=True)


@pytest.mark.parametrize("content", ["!auditoriavideo", "!exportvideo", "!resetvideo tudo"])
async def test_admin_commands_in_private_answer_that_they_work_in_servers(
    simcord_env, server, content
):
    await server.admin.send_dm(content)
    assert server.admin.user.dm_channel.last_message.content == texts.GUILD_ONLY
    assert [type(e) for e in simcord_env.errors] == [commands.NoPrivateMessage]
