"""`!exportvideo`: the CSV admins download, through the real bot."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from discord.ext import commands

from tests.helpers import SIMCORD, Server
from ui import texts
from ui.converters import UsageError

pytestmark = [SIMCORD, pytest.mark.both_stores]

DAY = 24 * 3600


@pytest.fixture
async def server(simcord_env):
    return Server(simcord_env)


async def csv_rows(message):
    """The rows of the CSV attached to a message, header first, and its raw bytes."""
    (attachment,) = message.attachments
    assert attachment.filename.endswith(".csv")
    raw = await attachment.read()
    text = raw.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";")), raw


async def test_export_lists_every_ranked_member_with_seconds_and_sessions(simcord_env, server):
    await server.session(server.ana, 20)
    await server.session(server.bia, 45)
    await server.session(server.ana, 10)
    await server.admin.send(server.text, "!exportvideo")
    message = server.text.last_message
    assert message.content == ("📄 Tempo de câmera deste servidor (desde sempre): 2 membros.")
    rows, _raw = await csv_rows(message)
    assert rows == [
        list(texts.EXPORT_HEADER),
        [str(server.bia.id), "bia", "45", "1", "45s"],
        [str(server.ana.id), "ana", "30", "2", "30s"],
    ]


async def test_export_is_utf8_with_a_bom_so_spreadsheets_keep_accents(simcord_env, server):
    joao = server.guild.add_member(simcord_env.create_user("joao"), nick="João Ação")
    await server.session(joao, 30)
    await server.admin.send(server.text, "!exportvideo total")
    rows, raw = await csv_rows(server.text.last_message)
    assert raw.startswith(codecs.BOM_UTF8)
    assert rows[1][1] == "João Ação"


async def test_export_neutralises_cells_a_spreadsheet_would_run_as_formulas(simcord_env, server):
    sneaky = server.guild.add_member(simcord_env.create_user("x"), nick="=HYPERLINK(1)")
    at = server.guild.add_member(simcord_env.create_user("y"), nick="@todos")
    await server.session(sneaky, 30)
    await server.session(at, 20)
    await server.admin.send(server.text, "!exportvideo")
    rows, _raw = await csv_rows(server.text.last_message)
    assert [row[1] for row in rows[1:]] == ["'=HYPERLINK(1)", "'@todos"]


async def test_export_by_slash_for_today_leaves_out_earlier_days(simcord_env, server):
    await server.session(server.ana, 40)
    await simcord_env.advance_time(DAY)
    await server.session(server.bia, 15)
    result = await server.admin.slash(server.text, "exportvideo", periodo="hoje")
    assert result.response.content == ("📄 Tempo de câmera deste servidor (hoje): 1 membro.")
    rows, _raw = await csv_rows(result.response)
    assert rows[1:] == [[str(server.bia.id), "bia", "15", "1", "15s"]]


async def test_export_of_a_server_without_camera_time_says_so(simcord_env, server):
    await server.admin.send(server.text, "!exportvideo semana")
    message = server.text.last_message
    assert message.content == texts.EXPORT_EMPTY.format(period="esta semana")
    assert not message.attachments


async def test_export_with_an_unknown_period_gets_the_usage_line(simcord_env, server):
    await server.admin.send(server.text, "!exportvideo ontem")
    reply = server.text.last_message.content
    assert reply == (
        "Não entendi o período (hoje, semana, mes ou total): “ontem”. "
        "Uso correto: `!exportvideo [hoje|semana|mes|total]`"
    )
    assert [type(e) for e in simcord_env.errors] == [UsageError]


async def test_a_second_export_right_away_is_held_back_by_the_cooldown(simcord_env, server):
    await server.session(server.ana, 20)
    await server.admin.send(server.text, "!exportvideo")
    await server.admin.send(server.text, "!exportvideo")
    assert server.text.last_message.content.startswith("Calma!")
    assert any(isinstance(e, commands.CommandOnCooldown) for e in simcord_env.errors)


async def test_export_is_refused_to_members_without_manage_server(simcord_env, server):
    await server.session(server.ana, 20)
    await server.ana.send(server.text, "!exportvideo")
    message = server.text.last_message
    assert message.content == texts.NO_PERMISSION
    assert not message.attachments
    assert len(simcord_env.errors) == 1
