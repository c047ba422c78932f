"""`manage.py import-json`: a JSON store moved into PostgreSQL (a real server, `pg_url`)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

import manage
from database import Store
from store.audit import AuditEntry
from store.pg import ids, importer
from store.pg.migrate import migrate
from store.pg.shards import Shards
from store.pg.store import PgStore
from tests.store_worker import credit
from tracking.ledger import Ledger
from tracking.records import Adjust, AttributeLegacy, Credit, Reset
from tracking.server_settings import MemberSettings, ServerSettings

G1, G2, G3, OTHER = 111111111111111111, 222222222222222222, 333333333333333333, 444444444444444444
ALICE, BOB, CAROL, DAVE = (300000000000000000 + n for n in (1, 2, 3, 4))
LEGACY, LATE_LEGACY = 400000000000000001, 400000000000000002
ADMIN = 500000000000000001

SAT_JAN_31 = date(2026, 1, 31).toordinal()
SUN_FEB_1 = date(2026, 2, 1).toordinal()
MON_FEB_2 = date(2026, 2, 2).toordinal()
OPEN_START = "2026-02-02T10:00:00+00:00"

FIGURE_TABLES = ("member_totals", "member_days", "member_weeks", "member_months")


def entry(action: str, guild: int, **fields: Any) -> AuditEntry:
    return AuditEntry(
        at=fields.pop("at", "2026-02-01T12:00:00+00:00"),
        guild_id=guild,
        admin_id=ADMIN,
        admin_name="chefe",
        action=action,
        **fields,
    )


AUDIT = [
    entry("adjust", G1, user_id=BOB, user_name="bia", seconds=600, applied=600, reason="prova"),
    entry("adjust", G1, user_id=BOB, seconds=-100, applied=-100, at="2026-02-02T12:00:00+00:00"),
    entry("reset", G2, user_id=CAROL, user_name="carla"),
    entry("reset", G3),
    AuditEntry("2026-02-02T14:00:00+00:00", G2, CAROL, None, "erase", CAROL),  # no names
]
INCOMPLETE = {"at": "2026-02-02T13:00:00+00:00", "g": G1, "by": ADMIN, "action": "adjust"}
"""A readable audit line that `admin_actions` cannot hold: an adjustment naming no member."""


async def build_json_store(data_file: Path) -> None:
    """A JSON store with everything `import-json` moves, its last records in the journal only.

    - a legacy member (original format) attributed to G1, and one still unattributed;
    - Alice in G1 on three days across a month (Jan 31 -> Feb 1) and a week (Sun -> Mon)
      boundary, one session crossing midnight, and an open session (checkpointed once);
    - Bob in G1 adjusted +600 and -100 by hand; Carol in G2, then reset; Dave in G2;
    - G3 credited, then reset as a whole;
    - an audit log with four entries, one unreadable line and one incomplete entry.
    """
    data_file.parent.mkdir(parents=True, exist_ok=True)
    data_file.write_text(json.dumps({str(LEGACY): {"total_seconds": 5000, "sessions": 4}}))
    store = Store.open(data_file)
    await store.commit([AttributeLegacy(g=G1)])
    await store.commit(
        [
            credit(G1, ALICE, 700, day=SAT_JAN_31),
            Credit(
                g=G1,
                u=ALICE,
                s=3600,
                n=1,
                days=[(SAT_JAN_31, 1000), (SUN_FEB_1, 2600)],
                day=SAT_JAN_31,
                long=3600,
                start="2026-02-01T02:43:20+00:00",
                credited=3600,
            ),
            credit(G1, BOB, 50, day=SUN_FEB_1),
            credit(G2, CAROL, 40, day=SUN_FEB_1),
            credit(G2, DAVE, 90, day=MON_FEB_2),
            credit(G3, DAVE, 30, day=MON_FEB_2),
        ]
    )
    for audit in AUDIT[:2]:
        store.audit.append(audit)
    await store.commit([Adjust(g=G1, u=BOB, s=600, day=SUN_FEB_1)])
    await store.commit([Adjust(g=G1, u=BOB, s=-100, day=MON_FEB_2)])
    await store.close()

    # Totals edited outside the bot: a member of the original format, adopted at the next
    # start as not tied to any server.
    totals = json.loads(data_file.read_bytes())
    totals[str(LATE_LEGACY)] = {"total_seconds": 77, "sessions": 2}
    data_file.write_text(json.dumps(totals))
    store = Store.open(data_file)
    for audit in AUDIT[2:]:
        store.audit.append(audit)
    with store.audit.path.open("ab") as handle:
        handle.write(b"{not json\n" + json.dumps(INCOMPLETE).encode() + b"\n")
    await store.commit([Reset(g=G2, u=CAROL), Reset(g=G3)])
    assert await store.snapshot()
    await store.commit(
        [
            Credit(
                g=G1,
                u=ALICE,
                s=300,
                n=1,
                days=[(MON_FEB_2, 300)],
                day=MON_FEB_2,
                long=300,
                open=True,
                start=OPEN_START,
                credited=300,
            )
        ]
    )
    # The process "dies" here: the open session's credit is in the journal only.
    store._lock.release()
    store.journal.close()


# --------------------------------------------------------------- expected rows


def ledger_of(data_file: Path) -> tuple[Ledger, list[AuditEntry]]:
    """What the JSON store holds, read the way the bot reads it (journal replayed)."""
    store = Store.open(data_file)
    try:
        return store.ledger, store.audit.read_all().entries
    finally:
        store.release()


def expected_tables(ledger: Ledger, audit: list[AuditEntry]) -> dict[str, set[tuple[Any, ...]]]:
    """Every row the database should hold, computed from the ledger on its own."""
    totals, days, weeks, months = set(), set(), set(), set()
    for guild_id, guild in ledger.guilds.items():
        users = guild.members.keys[: guild.members.size].tolist()
        for row, user in enumerate(users):
            figures = tuple(int(v) for v in guild.members.values[:, row])
            if any(figures):
                totals.add((guild_id, user, *figures))
        week_sums: dict[tuple[int, date], list[int]] = {}
        month_sums: dict[tuple[int, date], list[int]] = {}
        for ordinal, table in guild.days.items():
            day = date.fromordinal(ordinal)
            for position in range(table.size):
                user = users[int(table.keys[position])]
                seconds, sessions = (int(v) for v in table.values[:, position])
                if not (seconds or sessions):
                    continue
                days.add((guild_id, user, day, seconds, sessions))
                for sums, first in (
                    (week_sums, date.fromordinal(ordinal - day.weekday())),
                    (month_sums, day.replace(day=1)),
                ):
                    figures = sums.setdefault((user, first), [0, 0])
                    figures[0] += seconds
                    figures[1] += sessions
        weeks |= {(guild_id, u, first, s, n) for (u, first), (s, n) in week_sums.items()}
        months |= {(guild_id, u, first, s, n) for (u, first), (s, n) in month_sums.items()}
    sessions = {
        (ids.session_id(g, u, open_.started_at), g, u, datetime.fromisoformat(open_.started_at))
        + (open_.credited, True, None)
        for (g, u), open_ in ledger.open_sessions.items()
    }
    actions = {
        (ids.action_id(e.to_json()), datetime.fromisoformat(e.at), e.guild_id, e.admin_id)
        + (e.admin_name, e.action, e.user_id, e.user_name, e.seconds, e.applied, e.reason)
        for e in audit
        if importer.storable(e)
    }
    return {
        "member_totals": totals,
        "member_days": days,
        "member_weeks": weeks,
        "member_months": months,
        "camera_sessions": sessions,
        "unattributed_totals": {(u, s, n) for u, (s, n) in ledger.unattributed.items()},
        "admin_actions": actions,
    }


QUERIES = {
    "member_totals": "SELECT guild_id, user_id, seconds, sessions, longest, adjusted FROM {}",
    "member_days": "SELECT guild_id, user_id, day, seconds, sessions FROM {}",
    "member_weeks": "SELECT guild_id, user_id, week, seconds, sessions FROM {}",
    "member_months": "SELECT guild_id, user_id, month, seconds, sessions FROM {}",
    "camera_sessions": (
        "SELECT session_id, guild_id, user_id, started_at, credited_seconds, is_open, ended_at "
        "FROM {}"
    ),
    "unattributed_totals": "SELECT user_id, seconds, sessions FROM {}",
    "admin_actions": (
        "SELECT action_id, at, guild_id, admin_id, admin_name, action, user_id, user_name, "
        "seconds, applied, reason FROM {}"
    ),
}


def database_tables(url: str) -> dict[str, set[tuple[Any, ...]]]:
    with psycopg.connect(url) as connection:
        return {
            table: set(connection.execute(query.format(table)).fetchall())
            for table, query in QUERIES.items()
        }


def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every column of every data table (timestamps included), in a fixed order."""
    with psycopg.connect(url) as connection:
        names = [*QUERIES, "applied_batches"]
        return {
            name: sorted(map(repr, connection.execute(f"SELECT * FROM {name}").fetchall()))
            for name in names
        }


def indexes(url: str) -> set[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ).fetchall()
    return {definition for (definition,) in rows}


def folder_contents(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.name: (path.read_bytes(), path.stat().st_mode)
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


@pytest.fixture
def settings(data_file, pg_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", pg_url)
    return data_file


async def run(argv: list[str]) -> int:
    """`manage.py ARGV` in this process (off the test's event loop), logging to caplog."""
    return await asyncio.to_thread(manage.run, argv)


def errors_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# ------------------------------------------------------------------------ tests


async def test_import_moves_every_table_exactly_as_the_ledger_holds_it(settings, pg_url, caplog):
    await build_json_store(settings)
    before = folder_contents(settings.parent)
    caplog.set_level(logging.INFO)

    assert await run(["import-json"]) == 0

    assert folder_contents(settings.parent) == before  # the JSON files are left as they were
    ledger, audit = ledger_of(settings)
    expected = expected_tables(ledger, audit)
    assert database_tables(pg_url) == expected
    # What the store was built with, to the second (journal-only open session included).
    assert (G1, ALICE, 4600, 3, 3600, 0) in expected["member_totals"]
    assert (G1, BOB, 550, 1, 50, 500) in expected["member_totals"]
    assert (G1, LEGACY, 5000, 4, 0, 0) in expected["member_totals"]
    assert {row[:2] for row in expected["member_totals"]} == {
        (G1, ALICE),
        (G1, BOB),
        (G1, LEGACY),
        (G2, DAVE),
    }
    assert (G1, ALICE, date(2026, 1, 26), 4300, 2) in expected["member_weeks"]
    assert (G1, ALICE, date(2026, 2, 2), 300, 1) in expected["member_weeks"]
    assert (G1, ALICE, date(2026, 1, 1), 1700, 2) in expected["member_months"]
    assert (G1, ALICE, date(2026, 2, 1), 2900, 1) in expected["member_months"]
    assert expected["camera_sessions"] == {
        (
            ids.session_id(G1, ALICE, OPEN_START),
            G1,
            ALICE,
            datetime.fromisoformat(OPEN_START),
            300,
            True,
            None,
        )
    }
    assert expected["unattributed_totals"] == {(LATE_LEGACY, 77, 2)}
    assert len(expected["admin_actions"]) == 5
    messages = [record.getMessage() for record in caplog.records]
    summary = [m for m in messages if m.startswith("Importação concluída")]
    assert len(summary) == 1, messages
    for part in (
        "3 servidores",
        "5 membros",
        f"{len(expected['member_days'])} linhas de histórico por dia",
        "1 sessão aberta",
        "5 registros de auditoria",
        "1 total sem servidor",
        "não foram alterados",
    ):
        assert part in summary[0], summary[0]
    warnings = [m for m in messages if "registro de auditoria" in m and ": 2 /" in m]
    assert len(warnings) == 1, messages  # the unreadable line and the incomplete entry


async def test_a_second_import_changes_nothing(settings, pg_url, caplog):
    await build_json_store(settings)
    assert await run(["import-json"]) == 0
    first = every_row(pg_url)
    caplog.set_level(logging.INFO)

    assert await run(["import-json"]) == 0

    assert every_row(pg_url) == first  # updated_at and applied_at included
    assert any("já tinha sido importado" in r.getMessage() for r in caplog.records)


async def test_a_first_import_leaves_the_schemas_indexes_as_migrations_made_them(settings, pg_url):
    await build_json_store(settings)
    migrate(pg_url)
    migrated = indexes(pg_url)

    assert await run(["import-json"]) == 0  # into empty tables: indexes dropped and rebuilt

    assert indexes(pg_url) == migrated
    assert {"member_totals_ranking", "member_days_by_day", "member_weeks_ranking"} <= {
        definition.split()[2] for definition in migrated
    }


async def test_data_already_in_the_database_is_replaced_only_with_replace(settings, pg_url, caplog):
    await build_json_store(settings)
    assert await run(["import-json"]) == 0
    with psycopg.connect(pg_url) as connection:  # the bot ran on PostgreSQL meanwhile
        connection.execute(
            "UPDATE member_totals SET seconds = seconds + 9 WHERE guild_id = %s AND user_id = %s",
            (G1, ALICE),
        )
        connection.execute(
            "INSERT INTO member_totals (guild_id, user_id, seconds, sessions) "
            "VALUES (%s, %s, 10, 1)",
            (OTHER, ALICE),
        )
    store = Store.open(settings)  # and the JSON store got one more session
    await store.commit([credit(G2, DAVE, 5, day=MON_FEB_2)])
    await store.close()
    before = every_row(pg_url)
    caplog.set_level(logging.INFO)

    assert await run(["import-json"]) == 1

    assert every_row(pg_url) == before
    refusal = errors_of(caplog)
    assert len(refusal) == 1 and "--replace" in refusal[0] and "2 servidores" in refusal[0]
    assert str(G1) in refusal[0] and str(G2) in refusal[0] and str(OTHER) not in refusal[0]

    assert await run(["import-json", "--replace"]) == 0

    ledger, audit = ledger_of(settings)
    tables = database_tables(pg_url)
    expected = expected_tables(ledger, audit)
    assert tables["member_totals"] - {(OTHER, ALICE, 10, 1, 0, 0)} == expected["member_totals"]
    assert (OTHER, ALICE, 10, 1, 0, 0) in tables["member_totals"]  # not in the JSON: kept
    assert {name: rows for name, rows in tables.items() if name != "member_totals"} == {
        name: rows for name, rows in expected.items() if name != "member_totals"
    }
    assert (G2, DAVE, 95, 2, 90, 0) in tables["member_totals"]
    assert any("2 servidores substituídos" in r.getMessage() for r in caplog.records)


async def test_unattributed_totals_already_there_are_a_conflict(settings, pg_url):
    await build_json_store(settings)
    migrate(pg_url)
    with psycopg.connect(pg_url) as connection:
        connection.execute(
            "INSERT INTO unattributed_totals (user_id, seconds, sessions) VALUES (%s, 1, 1)",
            (LATE_LEGACY,),
        )
    before = every_row(pg_url)

    assert await run(["import-json"]) == 1
    assert every_row(pg_url) == before

    assert await run(["import-json", "--replace"]) == 0
    assert database_tables(pg_url)["unattributed_totals"] == {(LATE_LEGACY, 77, 2)}


async def test_audit_entries_already_there_are_added_once(settings, pg_url):
    await build_json_store(settings)
    migrate(pg_url)
    first = AUDIT[0]
    with psycopg.connect(pg_url) as connection:
        connection.execute(
            "INSERT INTO admin_actions (action_id, at, guild_id, admin_id, action, user_id, "
            "seconds) VALUES (%s, %s, %s, %s, 'adjust', %s, %s)",
            (ids.action_id(first.to_json()), first.at, G1, ADMIN, BOB, 600),
        )

    assert await run(["import-json"]) == 0

    with psycopg.connect(pg_url) as connection:
        rows = connection.execute("SELECT action_id, admin_name FROM admin_actions").fetchall()
    assert len(rows) == 5
    assert (ids.action_id(first.to_json()), None) in rows  # the database's own row stays


async def test_while_the_bot_runs_it_refuses_and_writes_nothing(settings, pg_url, caplog):
    await build_json_store(settings)
    before = folder_contents(settings.parent)
    running = Store.open(settings)  # the bot holds the lock
    try:
        assert await run(["import-json"]) == 1
    finally:
        running.release()

    lines = errors_of(caplog)
    assert len(lines) == 1 and "pare-o antes de importar" in lines[0], lines
    assert folder_contents(settings.parent) == before
    with psycopg.connect(pg_url) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)  # not even the migrations ran


async def test_without_database_url_it_exits_2_with_one_line(data_file, caplog):
    await build_json_store(data_file)
    before = folder_contents(data_file.parent)

    assert await run(["import-json"]) == 2

    lines = errors_of(caplog)
    assert len(lines) == 1 and "DATABASE_URL" in lines[0] and "nada foi alterado" in lines[0]
    assert folder_contents(data_file.parent) == before


@pytest.mark.parametrize("kind", ["missing", "folder"])
async def test_a_path_that_is_no_store_exits_2_with_one_line(settings, pg_url, caplog, kind):
    folder = settings.parent / "elsewhere"
    folder.mkdir()
    path = folder / "video_ranking.json" if kind == "missing" else folder

    assert await run(["import-json", str(path)]) == 2

    lines = errors_of(caplog)
    assert len(lines) == 1 and str(path) in lines[0], lines
    assert ("não existe" if kind == "missing" else "é uma pasta") in lines[0]
    assert list(folder.iterdir()) == []  # nothing created there
    with psycopg.connect(pg_url) as connection:
        assert connection.execute("SELECT to_regclass('member_totals') IS NULL").fetchone() == (
            True,
        )


async def test_a_path_names_another_store_than_data_file(settings, pg_url, tmp_path):
    other = tmp_path / "other" / "ranking.json"
    store = Store.open(other)
    await store.commit([credit(G2, CAROL, 42, day=MON_FEB_2)])
    await store.close()

    assert await run(["import-json", str(other)]) == 0

    assert database_tables(pg_url)["member_totals"] == {(G2, CAROL, 42, 1, 42, 0)}


async def test_a_long_import_reports_its_progress(settings, pg_url, caplog, monkeypatch):
    await build_json_store(settings)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    monkeypatch.setattr(manage, "PROGRESS_SECONDS", 0.0)
    caplog.set_level(logging.INFO)

    assert await run(["import-json"]) == 0

    progress = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Importando")]
    assert "Importando totais por membro: 2 de 4 linhas (50%)" in progress, progress
    assert "Importando totais por membro: 4 de 4 linhas (100%)" in progress, progress
    days = [line for line in progress if "histórico por dia" in line]
    assert len(days) >= 2 and days[-1] == "Importando histórico por dia: 5 de 5 linhas (100%)"
    weeks = [line for line in progress if line.startswith("Importando semanas: ")]
    assert weeks and all(line.endswith(" linhas até agora") for line in weeks), progress
    rebuilt = [r.getMessage() for r in caplog.records if "criados de novo" in r.getMessage()]
    assert len(rebuilt) == len(FIGURE_TABLES), rebuilt  # a first import: every index rebuilt


async def test_an_original_format_file_imports_as_unattributed_and_says_it_was_converted(
    settings, pg_url, caplog
):
    settings.write_text(json.dumps({str(LEGACY): {"total_seconds": 3665, "sessions": 5}}))
    caplog.set_level(logging.INFO)

    assert await run(["import-json"]) == 0

    tables = database_tables(pg_url)
    assert tables["unattributed_totals"] == {(LEGACY, 3665, 5)}
    assert tables["member_totals"] == set()
    summary = [r.getMessage() for r in caplog.records if "Importação concluída" in r.getMessage()]
    assert len(summary) == 1 and "convertidos ao abrir" in summary[0], summary
    assert "não foram alterados" not in summary[0]


async def test_an_unreachable_database_is_one_line_and_touches_nothing(
    data_file, caplog, monkeypatch
):
    await build_json_store(data_file)
    before = folder_contents(data_file.parent)
    monkeypatch.setenv("DATABASE_URL", "postgresql://bate:segredo@127.0.0.1:1/bate_ponto")

    assert await run(["import-json"]) == 1

    lines = errors_of(caplog)
    assert len(lines) == 1 and "nada foi importado" in lines[0], lines
    assert "segredo" not in lines[0]
    assert folder_contents(data_file.parent) == before
    assert Store.open(data_file).release() is None  # the lock was let go


async def test_settings_and_choices_move_with_the_figures(settings, pg_url, caplog):
    await build_json_store(settings)
    store = await asyncio.to_thread(Store.open, settings)
    await store.save_server_settings(G1, ServerSettings(minimum=60, company=2))
    await store.save_server_settings(OTHER, ServerSettings(streak_minimum=1800))
    await store.save_member_settings(G1, ALICE, MemberSettings(hidden=True, goal=7200))
    await store.close()
    caplog.set_level(logging.INFO)

    assert await run(["import-json"]) == 0

    summary = [r.getMessage() for r in caplog.records if "Importação concluída" in r.getMessage()]
    assert "3 configurações" in summary[0]
    assert "4 servidores" in summary[0]  # OTHER has settings only
    pg = await asyncio.to_thread(PgStore.open, pg_url, Shards())
    try:
        assert pg.server_settings(G1) == ServerSettings(minimum=60, company=2)
        assert pg.server_settings(OTHER) == ServerSettings(streak_minimum=1800)
        assert pg.member_settings(G1, ALICE) == MemberSettings(hidden=True, goal=7200)
    finally:
        await pg.close()


async def test_settings_already_in_the_database_are_a_conflict(settings, pg_url, caplog):
    await build_json_store(settings)
    await asyncio.to_thread(migrate, pg_url)
    pg = await asyncio.to_thread(PgStore.open, pg_url, Shards())
    await pg.save_server_settings(G3, ServerSettings(minimum=30))
    await pg.close()

    assert await run(["import-json"]) == 1
    assert any(str(G3) in message for message in errors_of(caplog))
    assert await run(["import-json", "--replace"]) == 0
    pg = await asyncio.to_thread(PgStore.open, pg_url, Shards())
    try:
        assert pg.server_settings(G3) == ServerSettings()  # the JSON store had none for it
    finally:
        await pg.close()
