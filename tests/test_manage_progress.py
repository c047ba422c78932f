"""Long work shows progress: backup, import-legacy and verify (JSON and PostgreSQL).

The lines are throttled (`manage.PROGRESS_SECONDS`, `store.verify.PROGRESS_SECONDS`); the
tests set the pause to zero and shrink the units of work, so a small input is "large".
"""

from __future__ import annotations

import json
import logging
import re
import uuid

import psycopg
import pytest

import manage
import store.backup
import store.legacy
import store.pg.verify
import store.verify
from database import Store
from store.pg.migrate import migrate
from store.pg.writes import LoggedChange, append_batch
from tests.store_worker import credit
from tests.test_manage import ALICE, GUILD

MEMBERS = 50


@pytest.fixture
def fast_progress(monkeypatch):
    """Every progress report is due at once."""
    monkeypatch.setattr(manage, "PROGRESS_SECONDS", 0.0)
    monkeypatch.setattr(store.verify, "PROGRESS_SECONDS", 0.0)


def progress_lines(caplog, start: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(start)]


async def build(data_file) -> None:
    opened = Store.open(data_file)
    await opened.commit(credit(GUILD, ALICE + n, 60) for n in range(MEMBERS))
    await opened.close()


async def test_backup_of_a_large_store_says_how_far_the_copy_got(
    data_file, tmp_path, monkeypatch, caplog, fast_progress
):
    await build(data_file)
    monkeypatch.setattr(store.backup, "CHUNK", 256)
    caplog.set_level(logging.INFO)
    assert manage.run(["backup", str(tmp_path / "backup")]) == 0
    lines = progress_lines(caplog, "Copiando video_ranking.state.json: ")
    assert len(lines) > 2, lines
    line = re.compile(r"Copiando video_ranking\.state\.json: (\d+) de (\d+) bytes \((\d+)%\)")
    done = [int(match.group(1)) for text in lines if (match := line.fullmatch(text))]
    assert len(done) == len(lines) and done == sorted(done) and done[0] == 256


async def test_backup_of_a_small_store_prints_no_progress(data_file, tmp_path, caplog):
    await build(data_file)
    caplog.set_level(logging.INFO)
    assert manage.run(["backup", str(tmp_path / "backup")]) == 0
    assert progress_lines(caplog, "Copiando") == []


@pytest.mark.both_stores
def test_import_legacy_of_a_large_file_says_how_far_it_got(
    data_file, tmp_path, monkeypatch, caplog, fast_progress
):
    monkeypatch.setattr(store.legacy, "PROGRESS_EVERY", 10)
    legacy = tmp_path / "antigo.json"
    totals = {str(ALICE + n): {"total_seconds": 60, "sessions": 1} for n in range(MEMBERS)}
    legacy.write_text(json.dumps(totals), encoding="utf-8")
    caplog.set_level(logging.INFO)
    assert manage.run(["import-legacy", str(legacy), "--guild", str(GUILD)]) == 0
    lines = progress_lines(caplog, "Importando membros do arquivo: ")
    assert lines == [
        f"Importando membros do arquivo: {done} de {MEMBERS} ({100 * done // MEMBERS}%)"
        for done in range(10, MEMBERS, 10)
    ]


async def test_verify_of_a_large_postgresql_change_log_says_how_far_it_got(
    data_file, pg_url, monkeypatch, caplog, fast_progress
):
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setattr(store.pg.verify, "CHANGE_BLOCK", 7)
    migrate(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as connection:
        changes = [LoggedChange(credit(GUILD, ALICE + n, 60)) for n in range(20)]
        append_batch(connection, uuid.uuid4(), changes)
    caplog.set_level(logging.INFO)
    manage.run(["verify"])
    assert progress_lines(caplog, "verificadas ") == [
        "verificadas 7 de 20 alterações do change_log...",
        "verificadas 14 de 20 alterações do change_log...",
        "verificadas 20 de 20 alterações do change_log...",
    ]
