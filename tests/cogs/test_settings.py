"""`!configvideo`: a server's settings, shown and changed by admins, kept by either store."""

from __future__ import annotations

import json

import pytest
from discord.ext import commands

from bot import create_bot
from tests.helpers import SIMCORD, Server, audit_lines, crash_and_restart, stop_bot
from tracking.server_settings import DEFAULT_STREAK_MINIMUM
from ui import texts
from ui.converters import UsageError

pytestmark = [SIMCORD, pytest.mark.both_stores]


@pytest.fixture
async def server(simcord_env):
    return Server(simcord_env)


def fields(message):
    return {field.name: field.value for field in message.embeds[0].fields}


async def shown_settings(server):
    await server.admin.send(server.text, "!configvideo")
    return fields(server.text.last_message)


async def test_settings_alone_show_the_defaults(server):
    shown = await shown_settings(server)
    assert shown[texts.SETTINGS_FIELD_STREAK] == "15min"
    assert server.text.last_message.embeds[0].title == texts.SETTINGS_TITLE.format(guild="Estudos")


async def test_settings_by_slash_show_the_same(server):
    result = await server.admin.slash(server.text, "configvideo ver")
    assert fields(result.response)[texts.SETTINGS_FIELD_STREAK] == "15min"


async def test_a_member_without_manage_server_cannot_even_see_them(simcord_env, server):
    await server.ana.send(server.text, "!configvideo")
    assert server.text.last_message.content == texts.NO_PERMISSION
    await server.ana.send(server.text, "!configvideo sequencia 1h")
    assert server.text.last_message.content == texts.NO_PERMISSION
    assert [type(e) for e in simcord_env.errors] == [commands.MissingPermissions] * 2
    assert server.env.bot.store.server_settings(server.guild.id).streak_minimum == 900


async def test_a_change_is_shown_kept_and_survives_a_crash(simcord_env, server):
    await server.admin.send(server.text, "!configvideo sequencia 30min")
    assert server.text.last_message.content == texts.SETTINGS_STREAK_SET.format(
        value="30min", before="15min"
    )
    assert (await shown_settings(server))[texts.SETTINGS_FIELD_STREAK] == "30min"
    await crash_and_restart(simcord_env)
    assert (await shown_settings(server))[texts.SETTINGS_FIELD_STREAK] == "30min"


async def test_a_change_by_slash_is_kept_after_a_stop(simcord_env, server):
    result = await server.admin.slash(server.text, "configvideo sequencia", duracao="1h")
    assert result.response.content == texts.SETTINGS_STREAK_SET.format(value="1h", before="15min")
    await stop_bot(simcord_env)
    await simcord_env.restart_bot(create_bot())
    assert simcord_env.bot.store.server_settings(server.guild.id).streak_minimum == 3600


async def test_a_change_goes_to_the_audit_log(server, data_file):
    await server.admin.send(server.text, "!configvideo sequencia 45min")
    await server.admin.send(server.text, "!auditoriavideo")
    line = server.text.last_message.embeds[0].description
    assert "**chefe** mudou o mínimo da sequência: 15min → 45min" in line
    entry = audit_lines(data_file)[-1]
    assert (entry["action"], entry["setting"], entry["change"]) == (
        "config",
        "sequencia",
        "15min → 45min",
    )


async def test_the_same_value_changes_nothing_and_is_not_audited(server):
    await server.admin.send(server.text, "!configvideo sequencia 15min")
    assert server.text.last_message.content == texts.SETTINGS_UNCHANGED.format(
        setting=texts.SETTINGS_STREAK_NAME, value="15min"
    )
    await server.admin.send(server.text, "!auditoriavideo")
    assert server.text.last_message.content == texts.AUDIT_EMPTY


@pytest.mark.parametrize("argument", ["depressa", "-10min", "25h"])
async def test_a_bad_duration_gets_the_usage_line(simcord_env, server, argument):
    await server.admin.send(server.text, f"!configvideo sequencia {argument}")
    reply = server.text.last_message.content
    assert reply.endswith("Uso correto: `!configvideo sequencia <duração>`")
    assert [type(e) for e in simcord_env.errors] == [UsageError]
    assert simcord_env.bot.store.server_settings(server.guild.id).streak_minimum == (
        DEFAULT_STREAK_MINIMUM
    )


@pytest.mark.json_only
async def test_a_settings_file_that_cannot_be_written_changes_nothing(
    simcord_env, server, data_file
):
    settings_file = data_file.with_name("video_ranking.settings.json")
    settings_file.mkdir()  # os.replace onto a folder fails: the disk refuses the write
    await server.admin.send(server.text, "!configvideo sequencia 30min")
    assert server.text.last_message.content == texts.SETTINGS_SAVE_FAILED
    assert simcord_env.bot.store.server_settings(server.guild.id).streak_minimum == 900
    settings_file.rmdir()


@pytest.mark.json_only
async def test_the_settings_file_holds_only_what_differs_from_the_defaults(
    simcord_env, server, data_file
):
    await server.admin.send(server.text, "!configvideo sequencia 20min")
    saved = json.loads(data_file.with_name("video_ranking.settings.json").read_text())
    assert saved == {
        "version": 1,
        "servers": {str(server.guild.id): {"streak_minimum": 1200}},
        "members": {},
    }
