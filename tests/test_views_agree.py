"""Every view shows the same figures for a period, running and uncheckpointed time included."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bot import create_bot
from tests.helpers import SIMCORD, Server, advance_to_local, camera, description, stop_bot
from ui import texts
from ui.chart import chart_days
from utils import format_seconds_to_time

pytestmark = [SIMCORD, pytest.mark.both_stores]

COOLDOWN = 30  # longer than every command's cooldown


@pytest.fixture
def simcord_bot(data_file, monkeypatch):
    """Checkpoints two hours apart: the running session's time is not in the ledger yet."""
    monkeypatch.setenv("CHECKPOINT_SECONDS", "7200")
    return create_bot()


@pytest.fixture
async def server(simcord_env):
    return Server(simcord_env)


def meutempo_fields(message):
    return {field.name: field.value for field in message.embeds[0].fields}


async def export_seconds(env, server, period):
    await server.admin.send(server.text, f"!exportvideo {period}")
    (attachment,) = server.text.last_message.attachments
    text = (await attachment.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    await env.advance_time(COOLDOWN)
    return {row[0]: int(row[2]) for row in rows[1:]}


async def ranking_text(env, server, period):
    await server.ana.send(server.text, f"!rankingvideo {period}")
    text = description(server.text.last_message)
    await env.advance_time(COOLDOWN)
    return text


async def chart_reply(env, server, days):
    await server.ana.send(server.text, f"!graficovideo {server.ana.mention} {days}")
    reply = server.text.last_message.content
    await env.advance_time(COOLDOWN)
    return reply


async def test_a_running_session_across_midnight_shows_the_same_figures_everywhere(
    simcord_env, server
):
    env = simcord_env
    # 2025-12-31 23:30 in Sao Paulo: a Wednesday, the last day of a month and a year.
    await advance_to_local(env, 2025, 12, 31, 23, 30)
    await server.ana.join_voice(server.voice)
    await camera(env, server.guild, server.ana, server.voice)
    started = env.now()
    await advance_to_local(env, 2026, 1, 1, 0, 20)  # 30 min yesterday, 20 min today so far
    midnight = env.now() - timedelta(minutes=20)

    def today():  # the session goes on while the replies come: figures are taken at each
        return int((env.now() - midnight).total_seconds())

    def week():  # Monday 2025-12-29 to now: the whole session
        return int((env.now() - started).total_seconds())

    month = today  # January began at midnight too

    assert format_seconds_to_time(today()) in await ranking_text(env, server, "hoje")
    assert format_seconds_to_time(week()) in await ranking_text(env, server, "semana")
    assert format_seconds_to_time(month()) in await ranking_text(env, server, "mes")

    await server.ana.send(server.text, "!meutempo")
    shown = meutempo_fields(server.text.last_message)
    assert shown[texts.MEUTEMPO_TODAY] == format_seconds_to_time(today())
    assert shown[texts.MEUTEMPO_WEEK] == format_seconds_to_time(week())
    assert shown[texts.MEUTEMPO_MONTH] == format_seconds_to_time(month())
    await env.advance_time(COOLDOWN)

    ana = str(server.ana.id)
    expected = today()
    assert await export_seconds(env, server, "hoje") == {ana: expected}
    expected = week()
    assert await export_seconds(env, server, "semana") == {ana: expected}
    expected = month()
    assert await export_seconds(env, server, "mes") == {ana: expected}

    expected = today()
    assert format_seconds_to_time(expected) in await chart_reply(env, server, 1)
    expected = week()
    assert format_seconds_to_time(expected) in await chart_reply(env, server, 2)
    # None of it was checkpointed: every figure came from the running session.
    assert env.bot.store.member_stats(server.guild.id, server.ana.id).seconds == 0


async def test_the_chart_puts_running_time_on_the_days_it_fell_on(simcord_env, server):
    env = simcord_env
    await advance_to_local(env, 2025, 12, 31, 23, 0)
    await server.ana.join_voice(server.voice)
    await camera(env, server.guild, server.ana, server.voice)
    await advance_to_local(env, 2026, 1, 1, 0, 15)
    with env._bot_scope():
        charts = env.bot.get_cog("Charts")
        today = env.bot.sessions.pending(server.guild.id)[server.ana.id].days[-1][0]
        data = charts.series(server.guild.id, server.ana.id, chart_days(2, today), "ana")
    assert data.seconds == [60 * 60, 15 * 60]


# ------------------------------------------------------------ manual adjustments


async def test_an_adjustment_is_not_a_session_in_the_personal_view(simcord_env, server):
    await server.session(server.ana, 100)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +1h esqueceu")
    await server.ana.send(server.text, "!meutempo")
    shown = meutempo_fields(server.text.last_message)
    assert shown[texts.MEUTEMPO_TOTAL] == format_seconds_to_time(3700)
    assert shown[texts.MEUTEMPO_SESSIONS] == "1"
    assert shown[texts.MEUTEMPO_AVERAGE] == format_seconds_to_time(100)
    assert shown[texts.MEUTEMPO_LONGEST] == format_seconds_to_time(100)
    assert shown[texts.MEUTEMPO_ADJUSTED].startswith(f"+{format_seconds_to_time(3600)}")


async def test_a_removal_shows_as_a_negative_adjustment_and_keeps_the_average(simcord_env, server):
    await server.session(server.ana, 600)
    await server.session(server.ana, 200)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} -5min motivo")
    await server.ana.send(server.text, "!meutempo")
    shown = meutempo_fields(server.text.last_message)
    assert shown[texts.MEUTEMPO_TOTAL] == format_seconds_to_time(500)
    assert shown[texts.MEUTEMPO_AVERAGE] == format_seconds_to_time(400)
    assert shown[texts.MEUTEMPO_LONGEST] == format_seconds_to_time(600)
    assert shown[texts.MEUTEMPO_ADJUSTED].startswith(f"-{format_seconds_to_time(300)}")


async def test_rankings_include_adjustments(simcord_env, server):
    env = simcord_env
    await server.session(server.ana, 100)
    await server.session(server.bia, 200)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +10min motivo")
    text = await ranking_text(env, server, "")
    assert text.index("ana") < text.index("bia")
    assert format_seconds_to_time(700) in text


async def test_adjustments_survive_a_restart(simcord_env, server, data_file):
    env = simcord_env
    await server.session(server.ana, 100)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +1h motivo")
    await stop_bot(env)
    await env.restart_bot(create_bot())
    stats = env.bot.store.member_stats(server.guild.id, server.ana.id)
    assert (stats.seconds, stats.sessions, stats.adjusted) == (3700, 1, 3600)
    assert stats.session_seconds == 100


async def test_a_member_without_adjustments_has_no_adjustment_line(simcord_env, server):
    await server.session(server.ana, 100)
    await server.ana.send(server.text, "!meutempo")
    assert texts.MEUTEMPO_ADJUSTED not in meutempo_fields(server.text.last_message)
