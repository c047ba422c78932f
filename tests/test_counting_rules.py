"""A server's counting rules: `!configvideo ignorar|contar|minimo|limite|companhia`.

Through the real bot, on both stores: what is stored durably, what the live views show,
and what a crash and a restart keep.
"""

from __future__ import annotations

from datetime import date

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
    sync_commands,
    unseen_voice_state,
)
from tracking.periods import DayRange
from ui import texts
from ui.converters import UsageError

pytestmark = [SIMCORD, pytest.mark.both_stores, pytest.mark.usefixtures("virtual_snapshots")]

CHECKPOINT = 60


@pytest.fixture
def simcord_bot(data_file, monkeypatch):
    monkeypatch.setenv("CHECKPOINT_SECONDS", str(CHECKPOINT))
    return create_bot()


@pytest.fixture
async def server(simcord_env):
    return Server(simcord_env)


async def configure(server, arguments):
    """`!configvideo <arguments>` by the admin; the bot's reply."""
    await server.admin.send(server.text, f"!configvideo {arguments}")
    return server.text.last_message.content


def counted(server, member):
    """(seconds, sessions) the store holds for a member: committed, running sessions aside."""
    stats = server.env.bot.store.member_stats(server.guild.id, member.id)
    return stats.seconds, stats.sessions


def running(server, member):
    return server.env.bot.sessions.has_session(server.guild.id, member.id)


def fields(message):
    return {field.name: field.value for field in message.embeds[0].fields}


# ------------------------------------------------------------------ ignored channels


async def test_camera_in_an_ignored_channel_does_not_count(server, data_file):
    rest = server.guild.create_voice_channel("Descanso")
    await configure(server, f"ignorar <#{rest.id}>")
    await camera(server.env, server.guild, server.ana, rest)
    await server.env.advance_time(100)
    await server.ana.leave_voice()
    assert counted(server, server.ana) == (0, 0)


async def test_a_channel_in_an_ignored_category_does_not_count(server, data_file):
    category = server.guild.create_category("Lazer")
    games = server.guild.create_voice_channel("Jogos", category=category)
    reply = await configure(server, f"ignorar {category.id}")
    assert reply == texts.SETTINGS_IGNORED_SET.format(place=f"<#{category.id}>")
    await camera(server.env, server.guild, server.ana, games)
    await server.env.advance_time(100)
    await server.ana.leave_voice()
    assert counted(server, server.ana) == (0, 0)


async def test_moving_into_an_ignored_channel_ends_the_session(server, data_file):
    rest = server.guild.create_voice_channel("Descanso")
    await configure(server, f"ignorar <#{rest.id}>")
    await camera(server.env, server.guild, server.ana, server.voice)
    await server.env.advance_time(90)
    await camera(server.env, server.guild, server.ana, rest)
    assert not running(server, server.ana)
    assert counted(server, server.ana) == (90, 1)
    await server.env.advance_time(300)
    await camera(server.env, server.guild, server.ana, server.voice)  # back: a new session
    await server.env.advance_time(30)
    await server.ana.leave_voice()
    assert counted(server, server.ana) == (120, 2)


async def test_ignoring_a_channel_ends_the_sessions_running_there(server, data_file):
    await camera(server.env, server.guild, server.ana, server.voice)
    await server.env.advance_time(45)
    await configure(server, f"ignorar <#{server.voice.id}>")
    assert not running(server, server.ana)
    assert counted(server, server.ana) == (45, 1)


async def test_contar_makes_an_ignored_channel_count_again_from_then_on(server, data_file):
    await configure(server, f"ignorar <#{server.voice.id}>")
    await camera(server.env, server.guild, server.ana, server.voice)
    await server.env.advance_time(100)
    reply = await configure(server, f"contar <#{server.voice.id}>")
    assert reply == texts.SETTINGS_COUNTED_SET.format(place=f"<#{server.voice.id}>")
    assert running(server, server.ana)
    await server.env.advance_time(40)
    await server.ana.leave_voice()
    assert counted(server, server.ana) == (40, 1)


async def test_contar_on_a_channel_of_an_ignored_category_says_the_category_is_ignored(server):
    category = server.guild.create_category("Lazer")
    games = server.guild.create_voice_channel("Jogos", category=category)
    await configure(server, f"ignorar {category.id}")
    reply = await configure(server, f"contar <#{games.id}>")
    assert reply == texts.SETTINGS_IGNORED_BY_CATEGORY.format(
        place=f"<#{games.id}>", category=f"<#{category.id}>", prefix="!"
    )
    assert server.env.bot.store.server_settings(server.guild.id).ignored == (category.id,)


async def test_configvideo_lists_the_ignored_channels_by_mention(server):
    stage = server.guild.create_stage_channel("Palco")
    await configure(server, f"ignorar <#{stage.id}>")
    await configure(server, f"ignorar {server.voice.id}")
    await server.admin.send(server.text, "!configvideo")
    shown = fields(server.text.last_message)
    assert shown[texts.SETTINGS_FIELD_IGNORED] == f"<#{stage.id}>, <#{server.voice.id}>"


async def test_configvideo_shows_every_rule_at_its_default(server):
    await server.admin.send(server.text, "!configvideo")
    shown = fields(server.text.last_message)
    assert [
        shown[texts.SETTINGS_FIELD_IGNORED],
        shown[texts.SETTINGS_FIELD_MINIMUM],
        shown[texts.SETTINGS_FIELD_LIMIT],
        shown[texts.SETTINGS_FIELD_COMPANY],
    ] == ["nenhum", "0s", "nenhum", "1 pessoa"]


async def test_ignorar_by_slash_takes_the_channel_picked(simcord_env, server):
    await sync_commands(simcord_env)
    result = await server.admin.slash(server.text, "configvideo ignorar", canal=server.voice)
    assert result.response.content == texts.SETTINGS_IGNORED_SET.format(
        place=f"<#{server.voice.id}>"
    )
    assert simcord_env.bot.store.server_settings(server.guild.id).ignored == (server.voice.id,)


# ------------------------------------------------------------------ minimum session


async def test_a_session_shorter_than_the_minimum_is_not_counted(server, data_file):
    await configure(server, "minimo 2min")
    await server.session(server.ana, 119)
    assert counted(server, server.ana) == (0, 0)


async def test_a_session_that_reaches_the_minimum_counts_whole(server, data_file):
    await configure(server, "minimo 2min")
    await server.session(server.ana, 150)
    assert counted(server, server.ana) == (150, 1)


async def test_checkpoints_before_the_minimum_credit_nothing_then_all_of_it(server, data_file):
    await configure(server, "minimo 2min")
    await camera(server.env, server.guild, server.ana, server.voice)
    await server.env.advance_time(CHECKPOINT + 30)
    assert counted(server, server.ana) == (0, 0)
    await server.env.advance_time(30)  # the checkpoint at 2 min: the session counts now
    assert counted(server, server.ana) == (120, 1)


async def test_a_running_session_below_the_minimum_is_not_in_the_live_ranking(server):
    await configure(server, "minimo 2min")
    await camera(server.env, server.guild, server.ana, server.voice)
    await server.env.advance_time(90)
    await server.ana.send(server.text, "!meutempo")
    assert server.text.last_message.content == texts.MEUTEMPO_NONE_SELF
    await server.env.advance_time(40)
    await server.ana.send(server.text, "!meutempo")
    assert fields(server.text.last_message)["Total"] == "2min 10s"


async def test_a_crash_before_the_minimum_keeps_nothing_of_that_session(
    simcord_env, server, data_file
):
    await configure(server, "minimo 2min")
    await camera(simcord_env, server.guild, server.ana, server.voice)
    await simcord_env.advance_time(90)
    await crash_and_restart(simcord_env)
    assert counted(server, server.ana) == (0, 0)
    await simcord_env.advance_time(100)  # 100 s since the restart: not yet
    assert counted(server, server.ana) == (0, 0)
    await simcord_env.advance_time(40)
    await server.ana.leave_voice()
    assert counted(server, server.ana) == (140, 1)


async def test_a_session_past_the_minimum_continues_after_a_crash(simcord_env, server, data_file):
    await configure(server, "minimo 2min")
    await camera(simcord_env, server.guild, server.ana, server.voice)
    await simcord_env.advance_time(3 * CHECKPOINT)
    await crash_and_restart(simcord_env)
    await simcord_env.advance_time(40)
    await server.ana.leave_voice()
    assert counted(server, server.ana) == (220, 1)


# ------------------------------------------------------------------ daily limit


async def test_the_daily_limit_caps_what_a_day_counts(server, data_file):
    await configure(server, "limite 1min")
    await server.session(server.ana, 90)
    assert counted(server, server.ana) == (60, 1)


async def test_the_next_local_day_counts_again(simcord_env, server, data_file):
    await configure(server, "limite 30s")
    await advance_to_local(simcord_env, 2025, 12, 31, 23, 59)
    await server.session(server.ana, 120)  # 23:59 to 00:01
    assert counted(server, server.ana) == (60, 1)
    first, second = date(2025, 12, 31).toordinal(), date(2026, 1, 1).toordinal()
    by_day = simcord_env.bot.store.seconds_by_day(
        server.guild.id, server.ana.id, DayRange(first, second)
    )
    assert by_day == {first: 30, second: 30}


async def test_live_figures_agree_with_what_the_limit_stores(server, data_file):
    await configure(server, "limite 1min")
    await camera(server.env, server.guild, server.ana, server.voice)
    await server.env.advance_time(CHECKPOINT + 30)  # between two checkpoints, past the limit
    await server.ana.send(server.text, "!meutempo")
    shown = fields(server.text.last_message)
    assert (shown["Total"], shown["Hoje"]) == ("1min", "1min")
    await server.ana.send(server.text, "!rankingvideo hoje")
    assert "ana — 1min (1 sessão)" in server.text.last_message.embeds[0].description
    await server.ana.leave_voice()
    assert counted(server, server.ana) == (60, 1)


async def test_a_limit_lowered_mid_day_keeps_what_was_stored(server, data_file):
    await server.session(server.ana, 120)
    await configure(server, "limite 1min")
    await server.session(server.ana, 30)
    assert counted(server, server.ana) == (120, 2)


async def test_limite_nenhum_removes_the_limit(server, data_file):
    await configure(server, "limite 1min")
    reply = await configure(server, "limite nenhum")
    assert reply == texts.SETTINGS_LIMIT_OFF.format(before="1min")
    await server.session(server.ana, 90)
    assert counted(server, server.ana) == (90, 1)


# ------------------------------------------------------------------ company


async def test_a_camera_alone_does_not_count_with_company_of_two(server, data_file):
    await configure(server, "companhia 2")
    await server.session(server.ana, 100)
    assert counted(server, server.ana) == (0, 0)


async def test_counting_pauses_and_resumes_as_a_second_person_comes_and_goes(server, data_file):
    env = server.env
    await configure(server, "companhia 2")
    await camera(env, server.guild, server.ana, server.voice)
    await env.advance_time(100)  # alone
    await server.bia.join_voice(server.voice)
    await env.advance_time(200)  # counts
    await server.bia.leave_voice()
    await env.advance_time(100)  # alone again
    await server.bia.join_voice(server.voice)
    await env.advance_time(50)  # counts
    await server.ana.leave_voice()
    assert counted(server, server.ana) == (250, 1)


async def test_bots_in_the_channel_are_not_company(server, data_file):
    robot = server.guild.add_member(server.env.create_user("robo", bot=True))
    await configure(server, "companhia 2")
    await robot.join_voice(server.voice)
    await server.session(server.ana, 100)
    assert counted(server, server.ana) == (0, 0)


async def test_after_a_crash_the_company_rule_still_holds(simcord_env, server, data_file):
    env = simcord_env
    await configure(server, "companhia 2")
    await server.bia.join_voice(server.voice)
    await camera(env, server.guild, server.ana, server.voice)
    await env.advance_time(2 * CHECKPOINT)
    await server.bia.leave_voice()  # paused: the time so far is credited
    await env.advance_time(50)
    await crash_and_restart(env)
    await env.advance_time(90)  # alone since before the crash: still paused
    await server.bia.join_voice(server.voice)
    await env.advance_time(60)
    await server.ana.leave_voice()
    assert counted(server, server.ana) == (180, 1)


async def test_a_restart_with_company_missing_meanwhile_pauses_the_session(
    simcord_env, server, data_file
):
    env = simcord_env
    await configure(server, "companhia 2")
    await server.bia.join_voice(server.voice)
    await camera(env, server.guild, server.ana, server.voice)
    await env.advance_time(2 * CHECKPOINT)
    env.bot.ws.open = False
    unseen_voice_state(env, server.guild, server.bia, None)  # left while the bot was down
    await crash_and_restart(env)
    await env.advance_time(100)
    await server.ana.leave_voice()
    assert counted(server, server.ana) == (120, 1)


async def test_a_camera_found_alone_at_start_up_is_not_even_a_session(
    simcord_env, server, data_file
):
    env = simcord_env
    await configure(server, "companhia 2")
    env.bot.ws.open = False
    unseen_voice_state(env, server.guild, server.ana, server.voice, self_video=True)
    await crash_and_restart(env)  # the new bot finds ana on camera, alone
    assert running(server, server.ana)
    await env.advance_time(100)
    await server.ana.leave_voice()
    assert counted(server, server.ana) == (0, 0)


async def test_lowering_the_company_resumes_a_paused_camera_at_once(server, data_file):
    await configure(server, "companhia 3")
    await camera(server.env, server.guild, server.ana, server.voice)
    await server.env.advance_time(100)
    await configure(server, "companhia 1")
    await server.env.advance_time(50)
    await server.ana.leave_voice()
    assert counted(server, server.ana) == (50, 1)


# ------------------------------------------------------------------ audit and usage


@pytest.mark.parametrize(
    ("arguments", "setting", "change"),
    [
        ("minimo 2min", "minimo", "0s → 2min"),
        ("limite 4h", "limite", "nenhum → 4h"),
        ("companhia 2", "companhia", "1 pessoa → 2 pessoas"),
    ],
)
async def test_each_change_goes_to_the_audit_log(server, data_file, arguments, setting, change):
    await configure(server, arguments)
    entry = audit_lines(data_file)[-1]
    assert (entry["action"], entry["setting"], entry["change"]) == ("config", setting, change)


async def test_ignoring_and_counting_again_go_to_the_audit_log(server, data_file):
    mention = f"<#{server.voice.id}>"
    await configure(server, f"ignorar {mention}")
    await configure(server, f"contar {mention}")
    entries = [(e["setting"], e["change"]) for e in audit_lines(data_file)[-2:]]
    assert entries == [("ignorar", f"nenhum → {mention}"), ("contar", f"{mention} → nenhum")]
    await server.admin.send(server.text, "!auditoriavideo")
    assert "mudou os canais ignorados" in server.text.last_message.embeds[0].description


@pytest.mark.parametrize(
    ("arguments", "usage"),
    [
        ("ignorar #nada", "ignorar <#canal|categoria>"),
        ("ignorar geral", "ignorar <#canal|categoria>"),
        ("contar", "contar <#canal|categoria>"),
        ("minimo depressa", "minimo <duração>"),
        ("limite 0", "limite <duração|nenhum>"),
        ("limite 25h", "limite <duração|nenhum>"),
        ("companhia 0", "companhia <pessoas>"),
        ("companhia 100", "companhia <pessoas>"),
        ("companhia muitos", "companhia <pessoas>"),
    ],
)
async def test_a_bad_argument_gets_the_usage_line(simcord_env, server, arguments, usage):
    reply = await configure(server, arguments)
    assert reply.endswith(f"Uso correto: `!configvideo {usage}`")
    assert len(simcord_env.errors) == 1
    assert isinstance(simcord_env.errors[0], commands.UserInputError)
    assert simcord_env.bot.store.server_settings(server.guild.id).is_default


async def test_a_text_channel_is_refused_with_the_usage_line(simcord_env, server):
    reply = await configure(server, f"ignorar <#{server.text.id}>")
    assert reply.endswith("Uso correto: `!configvideo ignorar <#canal|categoria>`")
    assert [type(e) for e in simcord_env.errors] == [UsageError]


async def test_minimo_limite_and_companhia_work_by_slash(simcord_env, server):
    await sync_commands(simcord_env)
    result = await server.admin.slash(server.text, "configvideo minimo", duracao="2min")
    assert result.response.content == texts.SETTINGS_MINIMUM_SET.format(value="2min", before="0s")
    result = await server.admin.slash(server.text, "configvideo limite", duracao="4h")
    assert result.response.content == texts.SETTINGS_LIMIT_SET.format(value="4h", before="nenhum")
    result = await server.admin.slash(server.text, "configvideo companhia", pessoas=3)
    assert result.response.content == texts.SETTINGS_COMPANY_SET.format(
        value="3 pessoas", before="1 pessoa"
    )
    settings = simcord_env.bot.store.server_settings(server.guild.id)
    assert (settings.minimum, settings.daily_limit, settings.company) == (120, 4 * 3600, 3)


async def test_contar_takes_a_deleted_channel_off_the_list_by_its_id(simcord_env, server):
    rest = server.guild.create_voice_channel("Descanso")
    await configure(server, f"ignorar <#{rest.id}>")
    simcord_env.backend.delete_channel(rest.id)
    await simcord_env.settle()
    reply = await configure(server, f"contar {rest.id}")
    assert reply == texts.SETTINGS_COUNTED_SET.format(place=f"<#{rest.id}>")
    assert simcord_env.bot.store.server_settings(server.guild.id).ignored == ()
