"""`manage.py backup` and `restore`: a consistent copy of a running store, placed back safely."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest

import database
from database import Store
from store.backup import MANIFEST, Totals, backup_json_store
from store.recovery import StorePaths
from store.snapshot import copy_ledger, encode_export
from tests.helpers import camera
from tests.store_worker import credit
from tests.test_manage import ALICE, BOB, GUILD, OTHER, build_store, folder_contents, manage

pytestmark = pytest.mark.slow


def live_totals(store: Store) -> dict:
    """What `export-totals` would write for the store's ledger right now."""
    return json.loads(b"".join(encode_export(copy_ledger(store.ledger))))


def exported(data_file: Path, tmp_path: Path) -> dict:
    """`manage.py export-totals` of the store at `data_file`."""
    target = tmp_path / f"exported-{data_file.parent.name}.json"
    result = manage(data_file, "export-totals", str(target))
    assert result.returncode == 0, result.stderr
    return json.loads(target.read_text(encoding="utf-8"))


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


# ------------------------------------------------------------------ backup under load


@pytest.fixture
def world(simcord_env):
    env = simcord_env
    guild = env.create_guild("Estudos")
    return env, guild, guild.create_voice_channel("Sala")


async def test_backups_under_load_restore_to_the_totals_of_their_recorded_point(
    world, data_file, tmp_path, monkeypatch
):
    # A snapshot every 10 s of virtual time: the copies race snapshots and journal appends.
    monkeypatch.setattr(database, "SNAPSHOT_MIN_SECONDS", 10.0)
    env, guild, voice = world
    members = [guild.add_member(env.create_user(f"membro{n}")) for n in range(6)]
    store = env.bot.store
    # Enough data that copying and checking take a while, with snapshots of it racing them.
    await store.commit(credit(GUILD + n % 7, ALICE + n, 60 + n % 50) for n in range(15_000))
    await env.advance_time(11)
    seeded = live_totals(store)

    def figures() -> dict[int, tuple[int, int]]:
        """The streamed members' (seconds, sessions) as the live store has them now."""
        stats = {m.id: store.member_stats(guild.id, m.id) for m in members}
        return {user: (row.seconds, row.sessions) for user, row in stats.items()}

    seen = {store.ledger.seq: figures()}
    backups, streamed = [], []
    for number in range(3):
        folder = tmp_path / f"backup{number}"
        started = store.ledger.seq
        job = asyncio.ensure_future(
            asyncio.to_thread(backup_json_store, StorePaths(data_file), folder)
        )
        while not job.done():
            for member in members:
                await camera(env, guild, member, voice, on=True)
                seen[store.ledger.seq] = figures()
            await env.advance_time(7)
            for member in members:
                await camera(env, guild, member, voice, on=False)
                seen[store.ledger.seq] = figures()
        streamed.append(store.ledger.seq - started)
        backups.append((folder, (await job).seq))
    assert all(streamed)  # camera time was committed while each copy ran
    for number, (folder, seq) in enumerate(backups):
        restored = tmp_path / f"restored{number}" / "video_ranking.json"
        result = manage(restored, "restore", str(folder))
        assert result.returncode == 0, result.stderr
        assert seq in seen
        totals = exported(restored, tmp_path)
        streamed_totals = {
            member.id: (entry["total_seconds"], entry["sessions"])
            for member in members
            if (entry := totals.pop(str(member.id), None))
        }
        assert totals == seeded
        assert streamed_totals == {m: f for m, f in seen[seq].items() if any(f)}


async def test_a_snapshot_during_the_copy_is_noticed_and_the_copy_taken_again(tmp_path):
    data_file = tmp_path / "live" / "video_ranking.json"
    store = await asyncio.to_thread(Store.open, data_file)
    await store.commit([credit(GUILD, ALICE, 100)])
    assert await store.snapshot()
    loop = asyncio.get_running_loop()
    raced = []

    def two_snapshots_during_the_first_file(what: str, done: int, total: int) -> None:
        """While the first attempt copies the state: two more changes, each snapshotted."""
        if raced:
            return
        raced.append(what)
        for seconds in (20, 3):
            change = asyncio.run_coroutine_threadsafe(
                _commit_and_snapshot(store, credit(OTHER, BOB, seconds)), loop
            )
            change.result(timeout=30)

    folder = tmp_path / "backup"
    manifest = await asyncio.to_thread(
        backup_json_store,
        StorePaths(data_file),
        folder,
        progress=two_snapshots_during_the_first_file,
    )
    expected = live_totals(store)
    await store.close()
    assert raced == ["video_ranking.state.json"]
    assert manifest.seq == 3
    assert manifest.totals == Totals(servers=2, members=2, seconds=123, sessions=3)
    restored = tmp_path / "restored" / "video_ranking.json"
    assert manage(restored, "restore", str(folder)).returncode == 0
    assert exported(restored, tmp_path) == expected


async def _commit_and_snapshot(store: Store, change) -> None:
    await store.commit([change])
    assert await store.snapshot()


# ------------------------------------------------------------------ the backup folder


async def test_backup_folder_is_private_and_its_manifest_lists_every_file_with_its_digest(
    tmp_path,
):
    data_file = tmp_path / "live" / "video_ranking.json"
    await build_store(data_file)
    folder = tmp_path / "backup"
    result = manage(data_file, "backup", str(folder))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    manifest = manifest_of(folder)
    contents = folder_contents(folder)
    assert set(contents) == {*manifest["files"], MANIFEST}
    for name, (_, mode) in contents.items():
        assert stat.S_IMODE(mode) == 0o600, name
    for name, entry in manifest["files"].items():
        assert (data_file.parent / name).read_bytes() == contents[name][0]
        assert entry["size"] == len(contents[name][0])
    assert manifest["seq"] == 3
    assert manifest["totals"] == {"servers": 2, "members": 2, "seconds": 127, "sessions": 3}


async def test_backup_copies_every_file_of_the_store_the_audit_log_included(tmp_path):
    data_file = tmp_path / "live" / "video_ranking.json"
    await build_store(data_file)
    paths = StorePaths(data_file)
    paths.audit.write_bytes(b'{"not": "read by the backup"}\n')
    paths.rejected.write_bytes(b"kept byte for byte\n")
    folder = tmp_path / "backup"
    assert manage(data_file, "backup", str(folder)).returncode == 0
    present = {p.name for p in paths.files if p.exists()} - {paths.lock.name}
    assert set(manifest_of(folder)["files"]) == present
    assert paths.audit.name in present and paths.rejected.name in present


async def test_backup_into_a_folder_that_is_not_empty_is_refused(tmp_path):
    data_file = tmp_path / "live" / "video_ranking.json"
    await build_store(data_file)
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "something.txt").write_text("mine")
    result = manage(data_file, "backup", str(folder))
    assert result.returncode == 1
    assert "não está vazia" in result.stderr
    assert [p.name for p in folder.iterdir()] == ["something.txt"]


def test_backup_of_a_store_without_files_is_refused_and_creates_nothing(tmp_path):
    folder = tmp_path / "backup"
    result = manage(tmp_path / "none" / "video_ranking.json", "backup", str(folder))
    assert result.returncode == 1
    assert "nada para copiar" in result.stderr
    assert not folder.exists()


async def test_restore_from_a_path_that_is_not_a_folder_exits_2(tmp_path, backup):
    data_file = tmp_path / "live" / "video_ranking.json"
    result = manage(data_file, "restore", str(backup / MANIFEST))
    assert result.returncode == 2
    assert "não é uma pasta de backup" in result.stderr
    assert not data_file.parent.exists()


async def test_backup_on_postgresql_prints_pg_dump_guidance_and_changes_nothing(tmp_path):
    data_file = tmp_path / "video_ranking.json"
    folder = tmp_path / "backup"
    url = "postgresql://bate:secret@127.0.0.1:1/ponto"
    result = manage(data_file, "backup", str(folder), DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert f'pg_dump --format=custom --file="{folder}/bate-ponto.dump" "$DATABASE_URL"' in (
        result.stderr
    )
    assert "pg_restore --clean --if-exists --single-transaction --no-owner" in result.stderr
    assert "secret" not in result.stderr
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == []


async def test_restore_on_postgresql_prints_pg_restore_guidance_and_changes_nothing(tmp_path):
    data_file = tmp_path / "video_ranking.json"
    url = "postgresql://bate:secret@127.0.0.1:1/ponto"
    result = manage(data_file, "restore", str(tmp_path / "backup"), DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    command = "pg_restore --clean --if-exists --single-transaction --no-owner"
    assert f'{command} --dbname="$DATABASE_URL"' in result.stderr
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ restore


@pytest.fixture
async def backup(tmp_path) -> Path:
    """A backup folder of the store `build_store` makes."""
    data_file = tmp_path / "source" / "video_ranking.json"
    await build_store(data_file)
    folder = tmp_path / "backup"
    result = manage(data_file, "backup", str(folder))
    assert result.returncode == 0, result.stderr
    return folder


async def test_restore_refuses_while_the_bot_runs_and_changes_nothing(tmp_path, backup):
    data_file = tmp_path / "live" / "video_ranking.json"
    store = await asyncio.to_thread(Store.open, data_file)
    await store.commit([credit(GUILD, BOB, 5)])
    try:
        before = folder_contents(data_file.parent)
        result = manage(data_file, "restore", str(backup))
        assert result.returncode == 1
        assert "pare-o antes de restaurar, nada foi alterado" in result.stderr
        assert folder_contents(data_file.parent) == before
    finally:
        await store.close()


async def test_restore_keeps_every_file_it_replaces_aside(tmp_path, backup):
    data_file = tmp_path / "live" / "video_ranking.json"
    store = await asyncio.to_thread(Store.open, data_file)
    await store.commit([credit(GUILD, BOB, 5)])
    await store.close()
    StorePaths(data_file).audit.write_bytes(b"an audit log the backup does not have\n")
    before = folder_contents(data_file.parent)
    result = manage(data_file, "restore", str(backup))
    assert result.returncode == 0, result.stderr
    after = folder_contents(data_file.parent)
    for name, content in before.items():
        if name.endswith(".lock"):
            continue
        kept = [other for other in after if other.startswith(f"{name}.before-restore-")]
        assert len(kept) == 1, name
        assert after[kept[0]][0] == content[0]
    assert not StorePaths(data_file).audit.exists()  # the backup had none: nothing stale stays
    assert exported(data_file, tmp_path)[str(ALICE)]["total_seconds"] == 120


@pytest.mark.parametrize("damage", ["changed", "missing", "no manifest"])
async def test_restore_refuses_a_damaged_backup_and_changes_nothing(tmp_path, backup, damage):
    data_file = tmp_path / "live" / "video_ranking.json"
    store = await asyncio.to_thread(Store.open, data_file)
    await store.commit([credit(GUILD, BOB, 5)])
    await store.close()
    state = backup / "video_ranking.state.json"
    if damage == "changed":
        raw = bytearray(state.read_bytes())
        raw[-3] ^= 1
        state.write_bytes(bytes(raw))
    elif damage == "missing":
        state.unlink()
    else:
        (backup / MANIFEST).unlink()
    before = folder_contents(data_file.parent)
    result = manage(data_file, "restore", str(backup))
    assert result.returncode == 1
    assert "nada foi alterado" in result.stderr or "não é um backup inteiro" in result.stderr
    assert folder_contents(data_file.parent) == before


async def test_restore_names_the_files_after_the_configured_data_file(tmp_path, backup):
    data_file = tmp_path / "elsewhere" / "ranking.json"
    result = manage(data_file, "restore", str(backup))
    assert result.returncode == 0, result.stderr
    names = {path.name for path in data_file.parent.iterdir()}
    assert {"ranking.json", "ranking.state.json", "ranking.journal.jsonl"} <= names
    assert not [name for name in names if name.startswith("video_ranking")]
    assert exported(data_file, tmp_path)[str(ALICE)]["total_seconds"] == 120
