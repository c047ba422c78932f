"""Per-server settings and per-member choices in each store: saved, reloaded, never lost."""

from __future__ import annotations

import asyncio
import json
import logging

import psycopg
import pytest

from config import load_settings
from database import DataFileError, open_store
from store.pg.shards import Shards
from store.pg.store import PgStore
from tracking.server_settings import MemberSettings, RoleReward, ServerSettings, ZoneSince

GUILD, OTHER = 4 << 22, 5 << 22
ANA, BIA = 300_000_000_000_000_001, 300_000_000_000_000_002

RULES = ServerSettings(
    zones=(ZoneSince("2026-03-01T03:00:00+00:00", "Europe/Lisbon"),),
    ignored=(123_456_789_012_345_678,),
    minimum=60,
    daily_limit=4 * 3600,
    company=2,
    streak_minimum=1800,
    post_channel=223_456_789_012_345_678,
    post_every="semanal",
    posted=("semana:2026-11-23",),
    roles=(RoleReward(323_456_789_012_345_678, 36_000, "mes"),),
)


async def opened():
    return await asyncio.to_thread(open_store, load_settings())


@pytest.mark.both_stores
async def test_settings_and_choices_come_back_after_a_close(data_file):
    store = await opened()
    await store.save_server_settings(GUILD, RULES)
    await store.save_member_settings(GUILD, ANA, MemberSettings(hidden=True, goal=7200))
    await store.save_member_settings(GUILD, BIA, MemberSettings(paused=True))
    await store.close()

    store = await opened()
    try:
        assert store.server_settings(GUILD) == RULES
        assert store.server_settings(OTHER) == ServerSettings()
        assert store.member_settings(GUILD, ANA) == MemberSettings(hidden=True, goal=7200)
        assert dict(store.members_with_settings(GUILD)) == {
            ANA: MemberSettings(hidden=True, goal=7200),
            BIA: MemberSettings(paused=True),
        }
        assert store.servers_with_settings() == [GUILD]
    finally:
        await store.close()


@pytest.mark.both_stores
async def test_back_to_the_defaults_removes_what_was_kept(data_file):
    store = await opened()
    await store.save_server_settings(GUILD, RULES)
    await store.save_member_settings(GUILD, ANA, MemberSettings(hidden=True))
    await store.save_server_settings(GUILD, ServerSettings())
    await store.save_member_settings(GUILD, ANA, MemberSettings())
    await store.close()

    store = await opened()
    try:
        assert store.servers_with_settings() == []
        assert dict(store.members_with_settings(GUILD)) == {}
    finally:
        await store.close()


# ------------------------------------------------------------------------ JSON


def settings_file(data_file):
    return data_file.with_name("video_ranking.settings.json")


async def saved_twice(data_file):
    store = await opened()
    await store.save_server_settings(GUILD, ServerSettings(minimum=60))
    await store.save_server_settings(GUILD, ServerSettings(minimum=120))
    await store.close()


async def test_the_settings_file_is_private(data_file):
    await saved_twice(data_file)
    assert settings_file(data_file).stat().st_mode & 0o777 == 0o600
    backup = data_file.with_name("video_ranking.settings.bak.json")
    assert json.loads(backup.read_text())["servers"] == {str(GUILD): {"minimum": 60}}


async def test_a_damaged_settings_file_is_kept_aside_and_its_backup_used(data_file, caplog):
    await saved_twice(data_file)
    settings_file(data_file).write_text('{"version": 1, "servers": {"x": 1}')
    with caplog.at_level(logging.ERROR):
        store = await opened()
    try:
        assert store.server_settings(GUILD).minimum == 60
    finally:
        await store.close()
    kept = list(data_file.parent.glob("video_ranking.settings.corrupt-*.json"))
    assert [path.read_text() for path in kept] == ['{"version": 1, "servers": {"x": 1}']
    assert any("configurações" in record.getMessage() for record in caplog.records)


async def test_a_settings_record_of_the_wrong_shape_is_never_used(data_file):
    await saved_twice(data_file)
    bad = {"version": 1, "servers": {str(GUILD): {"company": 0}}, "members": {}}
    settings_file(data_file).write_text(json.dumps(bad))
    store = await opened()
    try:
        assert store.server_settings(GUILD) == ServerSettings(minimum=60)  # the .bak
    finally:
        await store.close()


async def test_without_a_usable_copy_the_store_refuses_to_start_rather_than_forget(data_file):
    await saved_twice(data_file)
    settings_file(data_file).write_text("not json")
    data_file.with_name("video_ranking.settings.bak.json").write_text("not json either")
    with pytest.raises(DataFileError, match="settings"):
        await opened()
    assert len(list(data_file.parent.glob("video_ranking.settings*.corrupt-*"))) == 2


# ------------------------------------------------------------------ PostgreSQL


async def test_a_row_that_is_not_valid_settings_is_skipped_and_left_alone(pg_url, caplog):
    store = await asyncio.to_thread(PgStore.open, pg_url, Shards())
    await store.save_server_settings(GUILD, ServerSettings(minimum=60))
    await store.save_server_settings(OTHER, ServerSettings(minimum=90))
    await store.close()
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute(
            'UPDATE server_settings SET settings = \'{"minimum": "muito"}\' WHERE guild_id = %s',
            (GUILD,),
        )
    with caplog.at_level(logging.ERROR):
        store = await asyncio.to_thread(PgStore.open, pg_url, Shards())
    try:
        assert store.server_settings(GUILD) == ServerSettings()
        assert store.server_settings(OTHER) == ServerSettings(minimum=90)
    finally:
        await store.close()
    assert any(str(GUILD) in record.getMessage() for record in caplog.records)
    with psycopg.connect(pg_url, autocommit=True) as connection:
        (kept,) = connection.execute(
            "SELECT settings FROM server_settings WHERE guild_id = %s", (GUILD,)
        ).fetchone()
    assert kept == {"minimum": "muito"}


async def test_a_process_loads_only_the_settings_of_its_own_shards(pg_url):
    both = await asyncio.to_thread(PgStore.open, pg_url, Shards(2, (0, 1)))
    await both.save_server_settings(GUILD, ServerSettings(minimum=60))
    await both.save_server_settings(OTHER, ServerSettings(minimum=90))
    await both.close()
    first = await asyncio.to_thread(PgStore.open, pg_url, Shards(2, (0,)))
    try:
        assert first.servers_with_settings() == [GUILD]
    finally:
        await first.close()
