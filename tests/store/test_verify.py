"""`store.verify`: sound stores pass, each kind of damage is found, differences are notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import store.verify
from database import Store
from store.recovery import StorePaths
from store.verify import verify_json_store
from tests.helpers import open_store
from tests.store_worker import DAY, credit
from tracking.records import Adjust, Reset
from tracking.server_settings import ServerSettings

GUILD, OTHER = 111111111111111111, 222222222222222222
ALICE, BOB = 300000000000000001, 300000000000000002


async def closed_store(data_file: Path, *batches: list) -> StorePaths:
    """A store that committed `batches` and closed normally (snapshot, export, journal)."""
    store = await open_store(data_file)
    for batch in batches:
        await store.commit(batch)
    await store.close()
    return StorePaths(data_file)


async def crashed_store(data_file: Path) -> StorePaths:
    """A snapshot, then journal-only records: the process died before the next snapshot."""
    store = Store.open(data_file)
    await store.commit([credit(GUILD, ALICE, 100), credit(GUILD, BOB, 7)])
    assert await store.snapshot()
    await store.commit([credit(OTHER, ALICE, 20), Adjust(g=GUILD, u=BOB, s=-3, day=DAY)])
    store._lock.release()
    store.journal.close()
    return StorePaths(data_file)


@pytest.fixture
def data_file(tmp_path) -> Path:
    return tmp_path / "video_ranking.json"


async def test_a_store_closed_normally_is_sound_without_notes(data_file):
    paths = await closed_store(
        data_file,
        [credit(GUILD, ALICE, 100), credit(OTHER, BOB, 50)],
        [Adjust(g=GUILD, u=ALICE, s=30, day=DAY), Reset(g=OTHER, u=BOB)],
    )
    report = verify_json_store(paths)
    assert report.sound, report.damage
    assert report.notes == []
    assert any(str(paths.state) in line for line in report.checked)


async def test_a_crashed_store_with_journal_only_records_is_sound(data_file):
    report = verify_json_store(await crashed_store(data_file))
    assert (report.damage, report.notes) == ([], [])


def test_no_files_at_all_is_sound(data_file):
    report = verify_json_store(StorePaths(data_file))
    assert report.sound and report.checked == []


async def test_a_state_file_that_does_not_decode_is_damage(data_file):
    paths = await closed_store(data_file, [credit(GUILD, ALICE, 100)])
    paths.state.write_text('{"version": 2, "seq": "x"}')
    report = verify_json_store(paths)
    assert [line for line in report.damage if str(paths.state) in line], report.damage


async def test_a_data_file_that_does_not_decode_is_damage(data_file):
    paths = await closed_store(data_file, [credit(GUILD, ALICE, 100)])
    data_file.write_text("[1, 2")
    report = verify_json_store(paths)
    assert len(report.damage) == 1 and str(data_file) in report.damage[0]


async def test_a_journal_line_that_is_not_a_record_is_damage(data_file):
    paths = await crashed_store(data_file)
    with paths.journal.open("ab") as journal:
        journal.write(b'{"seq": 99, "op": "credit", "g": "nope"}\n')
    report = verify_json_store(paths)
    assert len(report.damage) == 1 and "linha" in report.damage[0]


async def test_journal_sequence_numbers_out_of_order_are_damage(data_file):
    paths = await crashed_store(data_file)
    lines = paths.journal.read_bytes().splitlines(keepends=True)
    paths.journal.write_bytes(b"".join([lines[0], *reversed(lines[1:])]))
    report = verify_json_store(paths)
    assert [line for line in report.damage if "fora de ordem" in line], report.damage


async def test_a_torn_last_journal_line_is_a_note(data_file):
    paths = await crashed_store(data_file)
    with paths.journal.open("ab") as journal:
        journal.write(b'{"seq": 99, "op": "res')
    report = verify_json_store(paths)
    assert report.sound, report.damage
    assert len(report.notes) == 1 and "incompleta" in report.notes[0]


def edit_state(paths: StorePaths, change) -> None:
    state = json.loads(paths.state.read_text())
    change(state)
    paths.state.write_text(json.dumps(state))


async def test_more_than_a_day_of_camera_on_one_day_is_damage(data_file):
    paths = await closed_store(data_file, [credit(GUILD, ALICE, 90_000)])
    report = verify_json_store(paths)
    assert [line for line in report.damage if "24 h" in line], report.damage


async def test_an_audit_line_that_cannot_be_read_is_damage(data_file):
    paths = await closed_store(data_file, [credit(GUILD, ALICE, 100)])
    paths.audit.write_text('{"not": "an audit entry"}\n')
    report = verify_json_store(paths)
    assert len(report.damage) == 1 and str(paths.audit) in report.damage[0]


async def test_a_data_file_edited_by_hand_is_a_note_and_its_totals_too(data_file):
    paths = await closed_store(data_file, [credit(GUILD, ALICE, 100)])
    totals = json.loads(data_file.read_text())
    totals[str(ALICE)]["guilds"][str(GUILD)]["total_seconds"] = 500
    totals[str(ALICE)]["total_seconds"] = 500
    data_file.write_text(json.dumps(totals))
    report = verify_json_store(paths)
    assert report.sound, report.damage
    assert len(report.notes) == 1 and "alterado fora do bot" in report.notes[0]


async def test_totals_adopted_from_a_hand_edit_differ_from_the_days_as_a_note(data_file):
    paths = await closed_store(data_file, [credit(GUILD, ALICE, 100)])
    totals = json.loads(data_file.read_text())
    totals[str(ALICE)]["guilds"][str(GUILD)]["total_seconds"] = 500
    totals[str(ALICE)]["total_seconds"] = 500
    data_file.write_text(json.dumps(totals))
    await closed_store(data_file)  # the bot starts, adopts the totals, stops
    report = verify_json_store(paths)
    assert report.sound, report.damage
    assert len(report.notes) == 1, report.notes
    assert "1 membro tem totais diferentes da soma dos dias" in report.notes[0]


async def test_totals_from_the_original_format_are_notes(data_file):
    data_file.write_text(json.dumps({str(ALICE): {"total_seconds": 70, "sessions": 2}}))
    report = verify_json_store(StorePaths(data_file))
    assert report.sound, report.damage
    assert any("formato original" in line and "sem servidor" in line for line in report.notes)


async def test_a_data_file_the_bot_wrote_that_disagrees_with_the_state_is_damage(data_file):
    paths = await closed_store(data_file, [credit(GUILD, ALICE, 100)])
    edit_state(paths, lambda state: state.update(guilds={}))
    report = verify_json_store(paths)
    assert [line for line in report.damage if "diferem" in line], report.damage


async def test_a_long_check_says_how_far_it_got(data_file, monkeypatch):
    monkeypatch.setattr(store.verify, "PROGRESS_SECONDS", 0.0)
    paths = await closed_store(data_file, [credit(GUILD, ALICE, 100), credit(OTHER, BOB, 5)])
    said: list[str] = []
    verify_json_store(paths, said.append)
    assert said == ["verificados 1 de 2 servidores...", "verificados 2 de 2 servidores..."]


async def test_settings_are_checked_and_a_damaged_settings_file_is_damage(data_file):
    store = await open_store(data_file)
    await store.save_server_settings(GUILD, ServerSettings(minimum=60))
    await store.save_server_settings(GUILD, ServerSettings(minimum=90))
    await store.close()
    paths = StorePaths(data_file)
    report = verify_json_store(paths)
    assert report.sound, report.damage
    assert any(str(paths.settings) in line for line in report.checked)

    paths.settings.write_text('{"version": 1, "servers": {"1": {"company": 0}}}')
    report = verify_json_store(paths)
    assert len(report.damage) == 1 and str(paths.settings) in report.damage[0]
