"""`manage.py import-legacy FILE --guild ID`: an original-format file tied to one server."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from pathlib import Path

import psycopg
import pytest

from database import PgStore, Store
from store.pg.load import load_ledger
from store.pg.migrate import migrate
from store.pg.shards import Shards
from store.pg.writes import LoggedChange, append_batch
from store.snapshot import copy_ledger, encode_export
from tests.helpers import stored
from tests.store_worker import credit
from tests.test_manage import ALICE, BOB, GUILD, OTHER, manage

pytestmark = [pytest.mark.slow, pytest.mark.both_stores]

CAROL = 300000000000000003
LEGACY = {
    str(ALICE): {"total_seconds": 500, "sessions": 4},
    str(CAROL): {"total_seconds": 60, "sessions": 1},
}
"""A ranking in the original format: no `guilds`."""


def tool(data_file: Path, *arguments: str):
    """`manage.py ARGUMENTS` against the store the test selected (JSON or PostgreSQL)."""
    url = os.environ.get("DATABASE_URL")
    return manage(data_file, *arguments, **({"DATABASE_URL": url} if url else {}))


async def open_configured(data_file: Path):
    """The store the test selected, open as a bot would hold it."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return await asyncio.to_thread(PgStore.open, url, Shards())
    return await asyncio.to_thread(Store.open, data_file)


async def seed(data_file: Path, *changes) -> None:
    store = await open_configured(data_file)
    await store.commit(changes)
    await store.close()


@pytest.fixture
def legacy_file(tmp_path) -> Path:
    path = tmp_path / "antigo" / "ranking.json"
    path.parent.mkdir()
    path.write_text(json.dumps(LEGACY), encoding="utf-8")
    return path


def entry(seconds: int, sessions: int, guild: int = GUILD) -> dict:
    return {
        "total_seconds": seconds,
        "sessions": sessions,
        "guilds": {str(guild): {"total_seconds": seconds, "sessions": sessions}},
    }


async def test_import_legacy_ties_the_file_totals_to_the_server(data_file, legacy_file):
    await seed(data_file, credit(OTHER, BOB, 30))
    result = tool(data_file, "import-legacy", str(legacy_file), "--guild", str(GUILD))
    assert result.returncode == 0, result.stderr
    assert "2 membros, 560 s de câmera, 5 sessões" in result.stderr
    assert stored(data_file) == {
        str(ALICE): entry(500, 4),
        str(BOB): entry(30, 1, OTHER),
        str(CAROL): entry(60, 1),
    }


async def test_import_legacy_refuses_members_with_figures_in_the_server_and_changes_nothing(
    data_file, legacy_file
):
    await seed(data_file, credit(GUILD, ALICE, 100))
    before = stored(data_file)
    result = tool(data_file, "import-legacy", str(legacy_file), "--guild", str(GUILD))
    assert result.returncode == 1
    assert f"1 membro do arquivo já tem tempo no servidor {GUILD} ({ALICE})" in result.stderr
    assert "--add" in result.stderr
    assert stored(data_file) == before


async def test_import_legacy_with_add_adds_to_the_figures_members_have(data_file, legacy_file):
    await seed(data_file, credit(GUILD, ALICE, 100))
    result = tool(data_file, "import-legacy", str(legacy_file), "--guild", str(GUILD), "--add")
    assert result.returncode == 0, result.stderr
    assert "somados aos que já existiam de 1 membro" in result.stderr
    assert stored(data_file) == {str(ALICE): entry(600, 5), str(CAROL): entry(60, 1)}


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{not json", id="not-json"),
        pytest.param(b'{"12": {"total_seconds": 5, "sessions": 1}}', id="not-a-member-id"),
        pytest.param(b'{"300000000000000001": {"total_seconds": -5}}', id="negative"),
        pytest.param(b"{}", id="empty"),
        pytest.param(
            json.dumps({str(ALICE): entry(5, 1)}).encode(), id="current-format-with-guilds"
        ),
    ],
)
async def test_import_legacy_refuses_a_bad_file_with_one_line_and_changes_nothing(
    data_file, tmp_path, content
):
    await seed(data_file, credit(GUILD, BOB, 7))
    before = stored(data_file)
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = tool(data_file, "import-legacy", str(bad), "--guild", str(GUILD))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nada foi alterado" in lines[0], lines
    assert stored(data_file) == before


@pytest.mark.parametrize("guild", ["12", "abc", "1" * 21, str(2**63)])
async def test_import_legacy_refuses_a_server_id_that_is_not_a_snowflake(
    data_file, legacy_file, guild
):
    await seed(data_file, credit(GUILD, BOB, 7))
    result = tool(data_file, "import-legacy", str(legacy_file), "--guild", guild)
    assert result.returncode == 2
    assert "deve ser o ID de um servidor (17 a 20 dígitos)" in result.stderr
    assert stored(data_file) == {str(BOB): entry(7, 1)}


async def test_import_legacy_refuses_while_the_bot_runs_and_changes_nothing(data_file, legacy_file):
    store = await open_configured(data_file)
    try:
        await store.commit([credit(GUILD, BOB, 7)])
        result = await asyncio.to_thread(
            tool, data_file, "import-legacy", str(legacy_file), "--guild", str(GUILD)
        )
    finally:
        await store.close()
    assert result.returncode == 1
    assert "pare-o antes de importar, nada foi alterado" in result.stderr
    assert stored(data_file) == {str(BOB): entry(7, 1)}


async def test_import_legacy_refuses_while_the_store_holds_totals_without_a_server(
    data_file, legacy_file
):
    url = os.environ.get("DATABASE_URL")
    if url:
        await seed(data_file, credit(GUILD, BOB, 7))
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(
                "INSERT INTO unattributed_totals (user_id, seconds, sessions) VALUES (%s, 9, 1)",
                (BOB,),
            )
    else:
        data_file.write_text(json.dumps({str(BOB): {"total_seconds": 9, "sessions": 1}}))
    result = tool(data_file, "import-legacy", str(legacy_file), "--guild", str(GUILD))
    assert result.returncode == 1
    assert "ainda sem servidor (1 membro)" in result.stderr
    assert str(ALICE) not in stored(data_file)


async def test_import_legacy_on_postgresql_refuses_a_server_with_changes_not_folded_yet(
    tmp_path, pg_url, legacy_file
):
    migrate(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as connection:
        # What a bot stopped during an outage leaves: its changes logged, not yet folded.
        append_batch(connection, uuid.uuid4(), [LoggedChange(credit(GUILD, BOB, 7))])
    data_file = tmp_path / "video_ranking.json"
    result = manage(
        data_file, "import-legacy", str(legacy_file), "--guild", str(GUILD), DATABASE_URL=pg_url
    )
    assert result.returncode == 1
    assert "1 alteração ainda não incorporada no change_log" in result.stderr
    assert stored_in(pg_url) == {str(BOB): entry(7, 1)}


def stored_in(url: str) -> dict:
    with psycopg.connect(url, autocommit=True) as connection:
        ledger = load_ledger(connection, Shards.every(1))
    return json.loads(b"".join(encode_export(copy_ledger(ledger))))
