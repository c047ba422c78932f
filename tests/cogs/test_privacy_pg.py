"""`!apagarmeusdados` on the PostgreSQL store: after the fold, no table keeps the member."""

from __future__ import annotations

import os

import psycopg
import pytest

from tests.cogs.test_privacy import erase
from tests.helpers import SIMCORD, Server, stop_bot, stored

pytestmark = [
    SIMCORD,
    pytest.mark.parametrize("store_backend", ["pg"], indirect=True),
    pytest.mark.usefixtures("virtual_snapshots"),
]


@pytest.fixture
async def server(simcord_env):
    return Server(simcord_env)


async def test_no_postgresql_table_keeps_the_member_after_the_fold(simcord_env, server, data_file):
    env = simcord_env
    await server.session(server.ana, 90)
    await server.session(server.ana, 130)  # checkpointed while it ran
    await server.session(server.bia, 20)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +5min bônus")
    await erase(server, server.ana)
    await stop_bot(env)  # folds the change log
    tables = ("member_totals", "member_days", "member_weeks", "member_months", "camera_sessions")
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        for table in tables:
            (count,) = connection.execute(
                f"SELECT count(*) FROM {table} WHERE user_id = %s", (server.ana.id,)
            ).fetchone()
            assert count == 0, table
        (logged,) = connection.execute("SELECT count(*) FROM change_log").fetchone()
        assert logged == 0
        names = connection.execute(
            "SELECT action, admin_name, user_name FROM admin_actions WHERE user_id = %s"
            " ORDER BY written",
            (server.ana.id,),
        ).fetchall()
        assert names == [("adjust", "chefe", None), ("erase", None, None)]
    assert str(server.ana.id) not in stored(data_file)
