"""PostgreSQL going away mid-run: the bot counts on in memory and writes everything once."""

from __future__ import annotations

import logging

import pytest

from bot import create_bot
from store.pg import store as pg_store
from tests.helpers import SIMCORD, Server, camera, seconds_of, server_totals, stop_bot
from ui import texts

pytestmark = [SIMCORD, pytest.mark.parametrize("store_backend", ["pg"], indirect=True)]

UNAVAILABLE = "PostgreSQL indisponível"
BACK = "PostgreSQL voltou"


def logged(caplog, text):
    return [r for r in caplog.records if text in r.getMessage()]


async def test_counting_goes_on_through_an_outage_and_is_written_once_when_it_ends(
    simcord_env, data_file, pg_cluster, caplog
):
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    bia = guild.add_member(env.create_user("bia"))
    await ana.join_voice(voice)
    await camera(env, guild, ana, voice, on=True)
    await env.advance_time(90)  # the checkpoint at 60 s is in the database
    assert server_totals(data_file, guild, ana) == (60, 1)

    pg_cluster.stop()
    await env.advance_time(200)  # three checkpoints fail
    await camera(env, guild, ana, voice, on=False)  # 290 s, closed in memory only
    await bia.join_voice(voice)
    await camera(env, guild, bia, voice, on=True)
    await env.advance_time(50)
    await camera(env, guild, bia, voice, on=False)  # a whole session in memory only
    # Members see every second meanwhile; the database still has the first checkpoint.
    assert seconds_of(env, guild, ana) == 290
    assert seconds_of(env, guild, bia) == 50
    assert env.bot.store.unavailable
    assert len(logged(caplog, UNAVAILABLE)) == 1  # said once, not at every retry

    pg_cluster.start()
    await env.advance_time(60)  # the next retry (the backoff is at most 30 s)
    assert not env.bot.store.unavailable
    assert len(logged(caplog, BACK)) == 1
    assert server_totals(data_file, guild, ana) == (290, 1)
    assert server_totals(data_file, guild, bia) == (50, 1)

    # Nothing doubled: a restart loads exactly what was written.
    await stop_bot(env)
    await env.restart_bot(create_bot())
    assert seconds_of(env, guild, ana) == 290
    assert server_totals(data_file, guild, ana) == (290, 1)
    assert server_totals(data_file, guild, bia) == (50, 1)
    assert [r.levelno for r in logged(caplog, UNAVAILABLE)] == [logging.ERROR]


async def test_a_stop_during_an_outage_keeps_what_was_not_written_for_the_next_start(
    simcord_env, data_file, pg_cluster, caplog, monkeypatch
):
    monkeypatch.setattr(pg_store, "CLOSE_WAIT_SECONDS", 0.5)
    env = simcord_env
    guild = env.create_guild("Estudos")
    voice = guild.create_voice_channel("Sala")
    ana = guild.add_member(env.create_user("ana"))
    await ana.join_voice(voice)
    await camera(env, guild, ana, voice, on=True)
    await env.advance_time(90)
    pg_cluster.stop()
    await env.advance_time(100)
    await stop_bot(env)  # 190 s credited in memory, 60 s in the database
    unsaved = data_file.with_name("video_ranking.pg-unsaved.jsonl")
    assert unsaved.exists()
    assert "serão gravadas no banco na próxima partida" in caplog.text

    pg_cluster.start()
    await env.restart_bot(create_bot())
    assert not unsaved.exists()
    assert server_totals(data_file, guild, ana) == (190, 1)
    await env.advance_time(30)  # still on camera: the same session goes on
    await camera(env, guild, ana, voice, on=False)
    await stop_bot(env)
    assert server_totals(data_file, guild, ana) == (220, 1)


async def test_admin_changes_during_an_outage_are_refused_plainly_and_work_after_it(
    simcord_env, data_file, pg_cluster
):
    env = simcord_env
    server = Server(env)
    await server.session(server.ana, 30)
    pg_cluster.stop()
    await env.advance_time(10)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +1h bônus")
    assert server.text.last_message.content == texts.AUDIT_WRITE_FAILED
    assert seconds_of(env, server.guild, server.ana) == 30  # nothing was changed
    await server.admin.send(server.text, "!auditoriavideo")
    assert server.text.last_message.content == texts.AUDIT_READ_FAILED

    pg_cluster.start()
    await env.advance_time(60)
    assert not env.bot.store.unavailable
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +1h bônus")
    assert seconds_of(env, server.guild, server.ana) == 3630
    await server.admin.send(server.text, "!auditoriavideo")
    assert "bônus" in server.text.last_message.embeds[0].description
    await stop_bot(env)
    assert server_totals(data_file, server.guild, server.ana) == (3630, 1)
