"""Bots never appear in a ranking or an export, even when old data credits one."""

from __future__ import annotations

import csv
import io

import pytest

from tests.helpers import SIMCORD, Server, description
from tracking.records import Adjust

pytestmark = [SIMCORD, pytest.mark.both_stores]


@pytest.fixture
async def server(simcord_env):
    server = Server(simcord_env)
    server.robo = server.guild.add_member(simcord_env.create_user("robo", bot=True))
    await server.session(server.ana, 100)
    # Camera time a bot could only have from data written before bots were refused.
    with simcord_env._bot_scope():
        today = simcord_env.bot.sessions.day_of(server.guild.id)
        record = Adjust(g=server.guild.id, u=server.robo.id, s=3600, day=today)
        simcord_env.bot.store.commit([record])
    return server


async def test_a_bot_with_camera_time_is_not_in_the_ranking(simcord_env, server):
    await server.ana.send(server.text, "!rankingvideo")
    text = description(server.text.last_message)
    assert "robo" not in text
    assert text.startswith("**1.** ana")


async def test_a_bot_with_camera_time_is_not_in_the_export(simcord_env, server):
    await server.admin.send(server.text, "!exportvideo")
    (attachment,) = server.text.last_message.attachments
    rows = list(
        csv.reader(io.StringIO((await attachment.read()).decode("utf-8-sig")), delimiter=";")
    )
    assert [row[0] for row in rows[1:]] == [str(server.ana.id)]
