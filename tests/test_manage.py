"""`python manage.py`, run as a real process against a store built by the test."""

from __future__ import annotations

import asyncio
import json
import stat
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from database import PgStore, Store
from store.pg.shards import Shards
from tests.store_worker import GUILDS, USERS, credit
from tests.test_process import REPO, bot_environment

pytestmark = pytest.mark.slow

GUILD, OTHER = 111111111111111111, 222222222222222222
ALICE, BOB = 300000000000000001, 300000000000000002
TIMEOUT = 60


def manage(data_file: Path, *arguments: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    """`python manage.py ARGUMENTS` with the bot's settings pointing at `data_file`."""
    environ = bot_environment(data_file, **overrides)
    if "DATABASE_URL" not in overrides:
        environ.pop("DATABASE_URL", None)  # a developer's own must not reach the child
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=REPO,
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
    )


async def build_store(data_file: Path) -> None:
    """A store whose last snapshot is older than some of its journal records.

    Alice's first session and Bob's are in the snapshot; Alice's second session
    (in another server) reaches only the journal, then the process "dies":
    no close, no final snapshot.
    """
    store = Store.open(data_file)
    await store.commit([credit(GUILD, ALICE, 100), credit(GUILD, BOB, 7)])
    assert await store.snapshot()
    await store.commit([credit(OTHER, ALICE, 20)])
    store._lock.release()
    store.journal.close()


EXPECTED = {
    str(ALICE): {
        "total_seconds": 120,
        "sessions": 2,
        "guilds": {
            str(GUILD): {"total_seconds": 100, "sessions": 1},
            str(OTHER): {"total_seconds": 20, "sessions": 1},
        },
    },
    str(BOB): {
        "total_seconds": 7,
        "sessions": 1,
        "guilds": {str(GUILD): {"total_seconds": 7, "sessions": 1}},
    },
}
"""What the store holds, journal-only time included, in `DATA_FILE`'s format."""


def folder_contents(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of a folder (hidden ones too): its bytes and its mode."""
    return {
        path.name: (path.read_bytes(), path.stat().st_mode)
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


def test_help_lists_the_commands(tmp_path):
    result = manage(tmp_path / "video_ranking.json", "--help")
    assert result.returncode == 0, result.stderr
    assert "export-totals" in result.stdout
    assert "import-json" in result.stdout


async def test_export_totals_writes_the_totals_journal_included(tmp_path):
    data_file = tmp_path / "data" / "video_ranking.json"
    await build_store(data_file)
    assert json.loads(data_file.read_bytes()) != EXPECTED  # the journal holds the rest
    target = tmp_path / "totals.json"

    result = manage(data_file, "export-totals", str(target))

    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == (json.dumps(EXPECTED, indent=2) + "\n").encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    lines = result.stderr.strip().splitlines()
    assert any(str(target) in line and "2 membros" in line for line in lines), lines
    assert "Traceback" not in result.stderr


async def test_export_totals_equals_what_data_file_holds_after_a_normal_stop(tmp_path):
    data_file = tmp_path / "video_ranking.json"
    await build_store(data_file)
    target = tmp_path / "totals.json"

    assert manage(data_file, "export-totals", str(target)).returncode == 0

    # The tool opened the stopped store normally: closing it saved the journal's time.
    assert target.read_bytes() == data_file.read_bytes()


async def test_export_totals_while_the_bot_runs_refuses_and_changes_nothing(tmp_path):
    data_file = tmp_path / "data" / "video_ranking.json"
    await build_store(data_file)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from database_lock import acquire_file_lock; "
            "lock = acquire_file_lock(Path(sys.argv[1])); print('locked', flush=True); "
            "sys.stdin.read()",
            str(data_file.with_name("video_ranking.lock")),
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        before = folder_contents(data_file.parent)
        target = tmp_path / "totals.json"

        result = manage(data_file, "export-totals", str(target))

        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "pare-o antes de exportar" in lines[0], lines
        assert " / " in lines[0] and "nothing was changed" in lines[0]
        assert folder_contents(data_file.parent) == before
        assert not target.exists()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(TIMEOUT)


async def test_export_totals_reads_the_postgresql_store_while_its_bot_runs(tmp_path, pg_url):
    store = await asyncio.to_thread(PgStore.open, pg_url, Shards())
    try:
        await store.commit([credit(GUILDS[0], USERS[0], 90), credit(GUILDS[1], USERS[0], 30)])
        target = tmp_path / "totals.json"
        # The bot's process still holds its shard and has not folded its change log.
        result = await asyncio.to_thread(
            manage,
            tmp_path / "video_ranking.json",
            "export-totals",
            str(target),
            DATABASE_URL=pg_url,
        )
    finally:
        await store.close()
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text(encoding="utf-8")) == {
        str(USERS[0]): {
            "total_seconds": 120,
            "sessions": 2,
            "guilds": {
                str(GUILDS[0]): {"total_seconds": 90, "sessions": 1},
                str(GUILDS[1]): {"total_seconds": 30, "sessions": 1},
            },
        }
    }
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


async def test_export_totals_from_an_unreachable_database_is_one_line_without_the_password(
    tmp_path,
):
    result = manage(
        tmp_path / "video_ranking.json",
        "export-totals",
        str(tmp_path / "totals.json"),
        DATABASE_URL="postgresql://bate:senha-secreta@127.0.0.1:1/bate_ponto",
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "PostgreSQL" in lines[0] and "DATABASE_URL" in lines[0], lines
    assert "senha-secreta" not in result.stderr
    assert not (tmp_path / "totals.json").exists()


async def test_json_logs_are_json_lines_without_the_database_password(tmp_path):
    result = manage(
        tmp_path / "video_ranking.json",
        "export-totals",
        str(tmp_path / "totals.json"),
        DATABASE_URL="postgresql://bate:senha-secreta@127.0.0.1:1/bate_ponto",
        LOG_FORMAT="json",
    )
    assert result.returncode == 1
    (line,) = [json.loads(line) for line in result.stderr.strip().splitlines()]
    assert (line["level"], line["logger"]) == ("ERROR", "bate-ponto.manage")
    assert "PostgreSQL" in line["message"]
    assert "senha-secreta" not in result.stderr


@pytest.mark.parametrize("kind", ["folder", "missing folder", "inside a file", "no PATH"])
async def test_bad_path_exits_2_with_one_line_and_touches_nothing(tmp_path, kind):
    data_file = tmp_path / "data" / "video_ranking.json"
    await build_store(data_file)
    before = folder_contents(data_file.parent)
    arguments = {
        "folder": [str(tmp_path)],
        "missing folder": [str(tmp_path / "nowhere" / "totals.json")],
        "inside a file": [str(data_file / "totals.json")],
        "no PATH": [],
    }[kind]

    result = manage(data_file, "export-totals", *arguments)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and " / " in lines[0], lines
    assert "Traceback" not in result.stderr
    assert folder_contents(data_file.parent) == before


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
async def test_unwritable_path_exits_2_with_one_line(tmp_path):
    data_file = tmp_path / "video_ranking.json"
    await build_store(data_file)
    target = Path("/proc/bate-ponto-totals.json")  # refused even to root

    result = manage(data_file, "export-totals", str(target))

    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if " - ERROR - " in line]
    assert len(errors) == 1 and str(target) in errors[0] and " / " in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not target.exists()


async def test_path_that_is_a_store_file_is_refused(tmp_path):
    data_file = tmp_path / "video_ranking.json"
    await build_store(data_file)

    result = manage(data_file, "export-totals", str(tmp_path / "video_ranking.state.json"))

    assert result.returncode == 2
    assert "arquivos do store" in result.stderr
    assert "Traceback" not in result.stderr


async def test_import_json_moves_the_store_into_postgresql(tmp_path, pg_url):
    data_file = tmp_path / "data" / "video_ranking.json"
    await build_store(data_file)
    before = folder_contents(data_file.parent)

    result = manage(data_file, "import-json", DATABASE_URL=pg_url)

    assert result.returncode == 0, result.stderr
    with psycopg.connect(pg_url) as connection:
        rows = connection.execute(
            "SELECT guild_id, user_id, seconds, sessions FROM member_totals"
        ).fetchall()
    assert sorted(rows) == [(GUILD, ALICE, 100, 1), (GUILD, BOB, 7, 1), (OTHER, ALICE, 20, 1)]
    assert folder_contents(data_file.parent) == before  # the journal-only time stays there
    summary = [line for line in result.stderr.splitlines() if "Importação concluída" in line]
    assert len(summary) == 1 and "2 servidores" in summary[0] and "2 membros" in summary[0]
    assert "Traceback" not in result.stderr

    again = manage(data_file, "import-json", DATABASE_URL=pg_url)

    assert again.returncode == 0, again.stderr
    assert "já tinha sido importado" in again.stderr


def test_import_json_without_database_url_exits_2(tmp_path):
    result = manage(tmp_path / "video_ranking.json", "import-json")

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DATABASE_URL" in lines[0], lines


async def test_verify_a_sound_store_exits_0_with_a_short_report(tmp_path):
    data_file = tmp_path / "video_ranking.json"
    await build_store(data_file)
    before = folder_contents(tmp_path)
    result = manage(data_file, "verify")
    assert result.returncode == 0, result.stderr
    assert "Verificação concluída: os dados estão íntegros (0 notas)" in result.stderr
    assert " - ERROR - " not in result.stderr
    assert folder_contents(tmp_path) == before  # read-only


async def test_verify_reports_damage_and_exits_1(tmp_path):
    data_file = tmp_path / "video_ranking.json"
    await build_store(data_file)
    journal = tmp_path / "video_ranking.journal.jsonl"
    journal.write_bytes(journal.read_bytes() + b'{"seq": 99, "op": "credit"}\n')
    result = manage(data_file, "verify")
    assert result.returncode == 1, result.stderr
    assert "Dano: " in result.stderr and "linha" in result.stderr
    assert "Verificação concluída: 1 problema nos dados (0 notas)" in result.stderr


async def test_verify_runs_beside_the_bot_holding_the_lock(tmp_path):
    data_file = tmp_path / "video_ranking.json"
    await build_store(data_file)
    store = Store.open(data_file)  # holds the lock, as a running bot does
    try:
        result = await asyncio.to_thread(manage, data_file, "verify")
    finally:
        await store.close()
    assert result.returncode == 0, result.stderr


def test_verify_of_an_unreachable_database_is_one_line_without_the_password(tmp_path):
    result = manage(
        tmp_path / "video_ranking.json",
        "verify",
        DATABASE_URL="postgresql://bate:senha-secreta@127.0.0.1:1/bate_ponto",
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "PostgreSQL" in lines[0], lines
    assert "senha-secreta" not in result.stderr


async def pg_store_with_days(pg_url: str) -> None:
    store = await asyncio.to_thread(PgStore.open, pg_url, Shards())
    try:
        await store.commit([credit(GUILDS[0], USERS[0], 90), credit(GUILDS[1], USERS[1], 30)])
    finally:
        await store.close()


async def test_verify_a_sound_postgresql_store_exits_0(tmp_path, pg_url):
    await pg_store_with_days(pg_url)
    result = manage(tmp_path / "video_ranking.json", "verify", DATABASE_URL=pg_url)
    assert result.returncode == 0, result.stderr
    assert "íntegros (0 notas)" in result.stderr


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("UPDATE member_weeks SET seconds = seconds + 1", "2 linhas de semanas"),
        ("UPDATE member_months SET sessions = sessions + 1", "2 linhas de meses"),
        ("UPDATE member_days SET seconds = 90000 WHERE seconds = 90", "mais de 24 h"),
        (
            "INSERT INTO change_log (batch_id, item, guild_id, change) VALUES "
            '(gen_random_uuid(), 0, 1, \'{"op": "credit"}\')',
            "change_log, posição",
        ),
        (
            "INSERT INTO server_settings (guild_id, settings) VALUES (1, '{\"company\": 0}')",
            "configurações do servidor 1 inválidas",
        ),
    ],
    ids=["week", "month", "day", "change log", "settings"],
)
async def test_verify_finds_each_kind_of_postgresql_damage(tmp_path, pg_url, damage, said):
    await pg_store_with_days(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute(damage)
    result = manage(tmp_path / "video_ranking.json", "verify", DATABASE_URL=pg_url)
    assert result.returncode == 1, result.stderr
    assert said in result.stderr


async def test_verify_notes_postgresql_totals_that_differ_from_their_days(tmp_path, pg_url):
    await pg_store_with_days(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute("UPDATE member_totals SET seconds = seconds + 500")
    result = manage(tmp_path / "video_ranking.json", "verify", DATABASE_URL=pg_url)
    assert result.returncode == 0, result.stderr
    assert "2 membros têm totais diferentes da soma dos dias" in result.stderr
