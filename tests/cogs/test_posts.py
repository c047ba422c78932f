"""`!configvideo postagem`: each finished week's or month's top 10 posted once in a channel.

simcord's clock starts on Wednesday 2025-12-31 21:00 in Sao Paulo: the first week ends on
Monday 2026-01-05 00:00, the first month on 2026-01-01 00:00.
"""

from __future__ import annotations

import discord
import msgspec
import pytest
from discord.ext import commands

from bot import create_bot
from tests.helpers import (
    SIMCORD,
    Server,
    advance_to_local,
    audit_lines,
    camera,
    crash_and_restart,
    description,
    errors,
    ranked,
    say,
    stop_bot,
)
from tracking.posts import claimed
from ui import texts

pytestmark = [SIMCORD, pytest.mark.both_stores, pytest.mark.usefixtures("virtual_snapshots")]

WEEK_TITLE = "🏆 Ranking de câmera — semana de 29/12/2025 a 04/01/2026"
DECEMBER_TITLE = "🏆 Ranking de câmera — dezembro de 2025"
WEEK_KEY = "semanal:2025-12-29"

ELEVEN = {f"m{n:02d}": 60 * n for n in range(1, 12)}
"""Eleven members, m01 with 1 min of camera up to m11 with 11 min: the top 10 leaves m01 out."""


@pytest.fixture(autouse=True)
def hourly_checkpoints(data_file, monkeypatch):
    """These tests move the clock by days: checkpoints every minute would only slow them."""
    monkeypatch.setenv("CHECKPOINT_SECONDS", "3600")


@pytest.fixture
async def server(simcord_env):
    return Server(simcord_env)


def posts(channel, title):
    """The bot's messages in `channel` whose embed has `title`."""
    return [m for m in channel.history() if m.embeds and m.embeds[0].title == title]


def lines(message):
    """The ranking lines of a ranking embed (the asker's position left out)."""
    return [line for line in description(message).splitlines() if line.startswith("**")]


async def turn_on(server, every, channel=None):
    channel = channel or server.text
    return await say(server.admin, server.text, f"!configvideo postagem {channel.mention} {every}")


def settings(env, server):
    return env.bot.store.server_settings(server.guild.id)


# ------------------------------------------------------------------ the posts


async def test_the_weekly_post_comes_on_monday_at_midnight_with_the_weeks_top_10(
    simcord_env, server
):
    await turn_on(server, "semanal")
    await ranked(simcord_env, server.guild, server.voice, ELEVEN)
    await advance_to_local(simcord_env, 2026, 1, 4, 23, 59)
    asked = lines(await say(server.ana, server.text, "!rankingvideo semana"))
    assert posts(server.text, WEEK_TITLE) == []
    await advance_to_local(simcord_env, 2026, 1, 5, 0, 0)
    [post] = posts(server.text, WEEK_TITLE)
    assert lines(post) == asked
    assert len(lines(post)) == 10
    assert lines(post)[0].startswith("**1.** m11 — 11min")
    assert "m01" not in description(post)


async def test_a_hidden_member_is_a_hidden_member_in_the_post(simcord_env, server):
    await turn_on(server, "semanal")
    await say(server.ana, server.text, "!privacidade oculto")
    await ranked(simcord_env, server.guild, server.voice, {"m01": 120})
    await server.ana.join_voice(server.voice)
    await camera(simcord_env, server.guild, server.ana, server.voice)
    await advance_to_local(simcord_env, 2026, 1, 5, 0, 0)
    [post] = posts(server.text, WEEK_TITLE)
    assert "ana" not in description(post)
    assert any(texts.HIDDEN_MEMBER in line for line in lines(post))


async def test_time_running_at_the_boundary_counts_up_to_midnight(simcord_env, server):
    await turn_on(server, "semanal")
    await advance_to_local(simcord_env, 2026, 1, 4, 23, 0)
    await server.ana.join_voice(server.voice)
    await camera(simcord_env, server.guild, server.ana, server.voice)
    await advance_to_local(simcord_env, 2026, 1, 5, 1, 0)
    [post] = posts(server.text, WEEK_TITLE)
    assert lines(post) == ["**1.** ana — 1h (1 sessão)"]


async def test_the_monthly_post_comes_on_the_first(simcord_env, server):
    await turn_on(server, "mensal")
    await ranked(simcord_env, server.guild, server.voice, {"ana": 600, "bia": 1200})
    await advance_to_local(simcord_env, 2025, 12, 31, 23, 59)
    assert posts(server.text, DECEMBER_TITLE) == []
    await advance_to_local(simcord_env, 2026, 1, 1, 0, 0)
    [post] = posts(server.text, DECEMBER_TITLE)
    assert lines(post) == ["**1.** bia — 20min (1 sessão)", "**2.** ana — 10min (1 sessão)"]
    await advance_to_local(simcord_env, 2026, 1, 5, 0, 1)  # a week boundary is not a month's
    assert len([m for m in server.text.history() if m.embeds]) == 1


async def test_a_period_without_camera_time_still_gets_its_post(simcord_env, server):
    await turn_on(server, "semanal")
    await advance_to_local(simcord_env, 2026, 1, 5, 0, 0)
    [post] = posts(server.text, WEEK_TITLE)
    assert description(post) == texts.POST_EMPTY


async def test_the_next_week_is_posted_too(simcord_env, server):
    await turn_on(server, "semanal")
    await advance_to_local(simcord_env, 2026, 1, 12, 0, 0)
    assert len(posts(server.text, WEEK_TITLE)) == 1
    assert len(posts(server.text, "🏆 Ranking de câmera — semana de 05/01 a 11/01/2026")) == 1


async def test_a_post_is_not_made_for_a_period_over_before_posting_was_set_up(simcord_env, server):
    await advance_to_local(simcord_env, 2026, 1, 6, 12, 0)
    await turn_on(server, "semanal")
    await simcord_env.advance_time(3600)
    assert posts(server.text, WEEK_TITLE) == []


# ------------------------------------------------------------------ once per period


async def test_a_crash_right_after_posting_does_not_post_again(simcord_env, server):
    await turn_on(server, "semanal")
    await advance_to_local(simcord_env, 2026, 1, 5, 0, 0)
    assert len(posts(server.text, WEEK_TITLE)) == 1
    await crash_and_restart(simcord_env)
    await simcord_env.advance_time(3 * 3600)
    assert len(posts(server.text, WEEK_TITLE)) == 1
    assert WEEK_KEY in settings(simcord_env, server).posted


async def test_a_post_missed_while_the_bot_was_down_is_made_once_when_it_is_back(
    simcord_env, server
):
    await turn_on(server, "semanal")
    await advance_to_local(simcord_env, 2026, 1, 4, 22, 0)
    await stop_bot(simcord_env)
    await advance_to_local(simcord_env, 2026, 1, 14, 9, 0)  # two boundaries missed
    await simcord_env.restart_bot(create_bot())
    assert posts(server.text, WEEK_TITLE) == []  # not a backlog: only the last week
    last_week = "🏆 Ranking de câmera — semana de 05/01 a 11/01/2026"
    assert len(posts(server.text, last_week)) == 1
    await crash_and_restart(simcord_env)
    await simcord_env.advance_time(3600)
    assert len(posts(server.text, last_week)) == 1


async def test_a_claimed_period_whose_post_never_went_out_is_posted_once(simcord_env, server):
    await turn_on(server, "semanal")
    await advance_to_local(simcord_env, 2026, 1, 4, 23, 59)
    # What a process killed between claiming the week and sending its post leaves behind:
    claim = msgspec.structs.replace(settings(simcord_env, server), posted=(claimed(WEEK_KEY),))
    await simcord_env.bot.store.save_server_settings(server.guild.id, claim)
    await crash_and_restart(simcord_env)
    await advance_to_local(simcord_env, 2026, 1, 5, 0, 0)
    assert len(posts(server.text, WEEK_TITLE)) == 1
    await simcord_env.advance_time(600)
    assert len(posts(server.text, WEEK_TITLE)) == 1
    assert settings(simcord_env, server).posted == (WEEK_KEY,)


async def test_a_claimed_period_already_in_the_channel_is_not_posted_again(simcord_env, server):
    await turn_on(server, "semanal")
    await advance_to_local(simcord_env, 2026, 1, 5, 0, 0)
    assert len(posts(server.text, WEEK_TITLE)) == 1
    # As if the process was killed after sending, before noting it as sent:
    store = simcord_env.bot.store
    claim = msgspec.structs.replace(settings(simcord_env, server), posted=(claimed(WEEK_KEY),))
    await store.save_server_settings(server.guild.id, claim)
    await crash_and_restart(simcord_env)
    await simcord_env.advance_time(600)
    assert len(posts(server.text, WEEK_TITLE)) == 1
    assert settings(simcord_env, server).posted == (WEEK_KEY,)


# ------------------------------------------------------------------ failures


async def test_a_discord_failure_is_retried_later(simcord_env, server):
    await turn_on(server, "semanal")
    await advance_to_local(simcord_env, 2026, 1, 4, 23, 59)
    simcord_env.inject_error("POST", f"/channels/{server.text.id}/messages", status=503, times=1)
    await advance_to_local(simcord_env, 2026, 1, 5, 0, 0)
    assert posts(server.text, WEEK_TITLE) == []
    await simcord_env.advance_time(600)
    assert len(posts(server.text, WEEK_TITLE)) == 1


async def test_a_deleted_channel_is_logged_once_and_tells_members_nothing(
    simcord_env, server, caplog
):
    await turn_on(server, "semanal")
    announcements = server.guild.create_text_channel("avisos")
    await turn_on(server, "mensal", announcements)
    simcord_env.backend.delete_channel(announcements.id)
    await simcord_env.settle()
    sent_before = len(server.text.history())
    await advance_to_local(simcord_env, 2026, 1, 1, 12, 0)
    assert len(server.text.history()) == sent_before
    warnings = [r for r in caplog.records if "mensal:2025-12" in r.getMessage()]
    assert len(warnings) == 1
    assert "mensal:2025-12" in settings(simcord_env, server).posted
    assert errors(caplog) == []


async def test_no_permission_at_posting_time_skips_that_period_only(simcord_env, server):
    await turn_on(server, "semanal")
    me = server.guild.me
    deny = discord.PermissionOverwrite(send_messages=False)
    simcord_env.backend.set_overwrite(server.text.id, _overwrite(me.id, deny))
    await simcord_env.settle()
    await advance_to_local(simcord_env, 2026, 1, 5, 0, 0)
    assert posts(server.text, WEEK_TITLE) == []
    simcord_env.backend.delete_overwrite(server.text.id, me.id)
    await simcord_env.settle()
    await advance_to_local(simcord_env, 2026, 1, 12, 0, 0)
    assert posts(server.text, WEEK_TITLE) == []
    assert len(posts(server.text, "🏆 Ranking de câmera — semana de 05/01 a 11/01/2026")) == 1


def _overwrite(target_id, overwrite):
    from simcord.backend.models import Overwrite
    from simcord.enums import OverwriteType

    allow, deny = overwrite.pair()
    return Overwrite(
        target_id=target_id, type=OverwriteType.MEMBER, allow=allow.value, deny=deny.value
    )


# ------------------------------------------------------------------ the setting


async def test_setting_it_is_confirmed_shown_and_audited(simcord_env, server, data_file):
    reply = await turn_on(server, "semanal")
    assert reply.content == texts.SETTINGS_POST_SET_WEEKLY.format(
        channel=server.text.mention, before="desligada"
    )
    await server.admin.send(server.text, "!configvideo")
    shown = {f.name: f.value for f in server.text.last_message.embeds[0].fields}
    assert shown[texts.SETTINGS_FIELD_POST] == f"semanal em {server.text.mention}"
    entry = audit_lines(data_file)[-1]
    assert (entry["action"], entry["setting"], entry["change"]) == (
        "config",
        "postagem",
        f"desligada → semanal em {server.text.mention}",
    )


async def test_setting_it_by_slash(simcord_env, server):
    result = await server.admin.slash(
        server.text, "configvideo postagem", canal=server.text, frequencia="mensal"
    )
    assert result.response.content == texts.SETTINGS_POST_SET_MONTHLY.format(
        channel=server.text.mention, before="desligada"
    )
    assert settings(simcord_env, server).post_every == "mensal"


async def test_desligada_alone_stops_the_posts(simcord_env, server):
    await turn_on(server, "semanal")
    reply = await say(server.admin, server.text, "!configvideo postagem desligada")
    assert reply.content == texts.SETTINGS_POST_OFF.format(
        before=f"semanal em {server.text.mention}"
    )
    await advance_to_local(simcord_env, 2026, 1, 5, 0, 0)
    assert posts(server.text, WEEK_TITLE) == []
    assert settings(simcord_env, server).post_channel is None


async def test_the_same_setting_again_changes_nothing_and_is_not_audited(
    simcord_env, server, data_file
):
    await turn_on(server, "semanal")
    since = settings(simcord_env, server).post_since
    reply = await turn_on(server, "semanal")
    assert reply.content == texts.SETTINGS_UNCHANGED.format(
        setting=texts.SETTINGS_POST_NAME, value=f"semanal em {server.text.mention}"
    )
    assert settings(simcord_env, server).post_since == since
    assert len(audit_lines(data_file)) == 1


async def test_the_setting_survives_a_crash(simcord_env, server):
    await turn_on(server, "semanal")
    await crash_and_restart(simcord_env)
    await advance_to_local(simcord_env, 2026, 1, 5, 0, 0)
    assert len(posts(server.text, WEEK_TITLE)) == 1


async def test_a_channel_the_bot_cannot_post_in_is_refused_plainly(simcord_env, server):
    closed = server.guild.create_text_channel(
        "fechado",
        overwrites={
            server.guild.me: discord.PermissionOverwrite(embed_links=False, send_messages=False)
        },
    )
    await simcord_env.settle()
    reply = await turn_on(server, "semanal", closed)
    assert reply.content == texts.POST_MISSING_PERMISSIONS.format(
        channel=closed.mention, permissions="**Enviar mensagens** e **Inserir links**"
    )
    assert settings(simcord_env, server).post_every is None


async def test_a_member_without_manage_server_cannot_set_it(simcord_env, server):
    await server.ana.send(server.text, f"!configvideo postagem {server.text.mention} semanal")
    assert server.text.last_message.content == texts.NO_PERMISSION
    assert [type(e) for e in simcord_env.errors] == [commands.MissingPermissions]


USAGE = "Uso correto: `!configvideo postagem <#canal> <semanal|mensal|desligada>`"


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ("", texts.POST_FREQUENCY_MISSING),
        ("semanal", texts.POST_CHANNEL_MISSING),
        ("#{channel} diario", None),
        ("nada semanal", texts.POST_CHANNEL_NOT_FOUND.format(argument="nada")),
        ("#{channel} semanal de novo", None),
    ],
)
async def test_bad_arguments_get_the_usage_line(simcord_env, server, arguments, problem):
    arguments = arguments.replace("#{channel}", server.text.mention)
    reply = await say(server.admin, server.text, f"!configvideo postagem {arguments}".strip())
    assert reply.content.endswith(USAGE)
    if problem is not None:
        assert reply.content == f"{problem} {USAGE}"
    assert all(isinstance(e, commands.UserInputError) for e in simcord_env.errors)
    assert len(simcord_env.errors) == 1
    assert settings(simcord_env, server).post_every is None


async def test_by_slash_a_frequency_without_a_channel_gets_the_usage_line(simcord_env, server):
    result = await server.admin.slash(server.text, "configvideo postagem", frequencia="semanal")
    assert result.response.content == f"{texts.POST_CHANNEL_MISSING} {USAGE.replace('!', '/')}"
    assert result.response.ephemeral
    assert len(simcord_env.errors) == 1
    assert settings(simcord_env, server).post_every is None


async def test_by_slash_desligada_alone_stops_the_posts(simcord_env, server):
    await turn_on(server, "mensal")
    result = await server.admin.slash(server.text, "configvideo postagem", frequencia="desligada")
    assert result.response.content == texts.SETTINGS_POST_OFF.format(
        before=f"mensal em {server.text.mention}"
    )
    assert settings(simcord_env, server).post_every is None
