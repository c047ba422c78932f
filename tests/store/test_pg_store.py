"""The PostgreSQL store on its own: ownership, idempotent writes, period rows, bad batches."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import date

import psycopg
import pytest

from store.pg.load import load_ledger
from store.pg.migrate import migrate
from store.pg.shards import Shards
from store.pg.store import PgStore, ShardsInUseError, UnsavedFileError
from store.pg.writes import LoggedChange, append_batch, fold, is_written
from tracking.periods import DayRange
from tracking.records import Adjust, Credit, Erase, Reset

GUILD = 4 << 22  # shard 0 of 2
OTHER_GUILD = 5 << 22  # shard 1 of 2
ANA, BIA = 300_000_000_000_000_001, 300_000_000_000_000_002
START = "2026-01-01T00:00:00+00:00"
SUNDAY = date(2026, 1, 4).toordinal()
MONDAY = SUNDAY + 1
JAN_31 = date(2026, 1, 31).toordinal()


def checkpoint(
    credited: int,
    seconds: int,
    *,
    guild: int = GUILD,
    user: int = ANA,
    first: bool = False,
    closing: bool = False,
    days: list[tuple[int, int]] | None = None,
    start: str = START,
) -> Credit:
    """A session's credit as `VideoSessionManager` records it: watermark `credited`."""
    return Credit(
        g=guild,
        u=user,
        s=seconds,
        n=1 if first else 0,
        days=days if days is not None else [(SUNDAY, seconds)],
        day=SUNDAY,
        long=credited,
        open=not closing,
        start=start,
        credited=credited,
    )


def rows(url: str, query: str, *params: object) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(query, params).fetchall()


def totals(url: str, guild: int = GUILD, user: int = ANA) -> tuple | None:
    found = rows(
        url,
        "SELECT seconds, sessions, longest, adjusted FROM member_totals"
        " WHERE guild_id = %s AND user_id = %s",
        guild,
        user,
    )
    return found[0] if found else None


ONE_SHARD = Shards()


async def open_store(url: str, shards: Shards = ONE_SHARD) -> PgStore:
    return await asyncio.to_thread(PgStore.open, url, shards)


async def idle(store: PgStore) -> None:
    """Wait until the store's writer has nothing left to do (it folds after its first write)."""
    while store._writer is not None and not store._writer.done():
        await asyncio.sleep(0.01)


@pytest.fixture
def migrated(pg_url: str) -> str:
    migrate(pg_url)
    return pg_url


# ------------------------------------------------------------------- ownership


async def test_a_second_process_for_the_same_shard_is_refused(migrated):
    first = await open_store(migrated, Shards(2, (0,)))
    try:
        with pytest.raises(ShardsInUseError, match="shard 0"):
            await open_store(migrated, Shards(2, (0, 1)))
        other = await open_store(migrated, Shards(2, (1,)))  # the other shard is free
        await other.close()
    finally:
        await first.close()
    again = await open_store(migrated, Shards(2, (0,)))  # free once its owner closed
    await again.close()


async def test_a_dead_owners_shards_are_free_again(migrated):
    first = await open_store(migrated, Shards(2, (0,)))
    first.abandon()  # its connection goes, as with kill -9
    second = await open_store(migrated, Shards(2, (0,)))
    await second.close()


async def test_a_process_loads_only_the_servers_of_its_shards(migrated):
    store = await open_store(migrated, Shards(2, (0, 1)))
    await store.commit(
        [
            checkpoint(60, 60, first=True, closing=True),
            checkpoint(30, 30, guild=OTHER_GUILD, first=True, closing=True),
        ]
    )
    await store.close()
    mine = await open_store(migrated, Shards(2, (1,)))
    try:
        assert mine.member_stats(OTHER_GUILD, ANA).seconds == 30
        assert mine.member_stats(GUILD, ANA).seconds == 0
        assert list(mine.ledger.guilds) == [OTHER_GUILD]
    finally:
        await mine.close()


async def test_the_owner_beats_for_its_shards_at_open_and_at_each_fold(migrated):
    store = await open_store(migrated, Shards(2, (1,)))
    try:
        (before,) = rows(migrated, "SELECT shard_id, owner, beat_at FROM shard_heartbeats")
        assert before[0] == 1 and before[1] == store.owner
        await store.commit([checkpoint(60, 60, guild=OTHER_GUILD, first=True)])
        await idle(store)  # written, then folded
        (after,) = rows(migrated, "SELECT shard_id, owner, beat_at FROM shard_heartbeats")
        assert after[2] > before[2]
    finally:
        await store.close()


# ---------------------------------------------------------------- idempotency


def append(url: str, batch_id: uuid.UUID, *credits: Credit) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        append_batch(connection, batch_id, [LoggedChange(credit) for credit in credits])


def fold_log(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as connection:
        return fold(connection, Shards(), owner="test")


def write(url: str, *credits: Credit) -> None:
    """Log one batch and fold it into the figure tables."""
    append(url, uuid.uuid4(), *credits)
    fold_log(url)


def test_a_replayed_checkpoint_or_close_credits_nothing(migrated):
    write(migrated, checkpoint(60, 60, first=True))
    write(migrated, checkpoint(60, 60, first=True))  # replayed: the watermark is there
    assert totals(migrated) == (60, 1, 60, 0)
    write(migrated, checkpoint(100, 40, closing=True))
    write(migrated, checkpoint(100, 40, closing=True))  # a replayed close
    write(migrated, checkpoint(60, 60, first=True))  # an old checkpoint, late
    assert totals(migrated) == (100, 1, 100, 0)
    assert rows(migrated, "SELECT credited_seconds, is_open FROM camera_sessions") == [(100, False)]
    assert rows(migrated, "SELECT seconds, sessions FROM member_days") == [(100, 1)]


def test_a_replayed_close_still_ends_a_session_already_credited_to_its_end(migrated):
    write(migrated, checkpoint(60, 60, first=True))
    write(migrated, checkpoint(60, 0, closing=True))  # left right after a checkpoint
    assert rows(migrated, "SELECT is_open FROM camera_sessions") == [(False,)]
    assert totals(migrated) == (60, 1, 60, 0)


def test_a_batch_retried_under_its_id_is_applied_once(migrated):
    batch_id = uuid.uuid4()
    append(migrated, batch_id, checkpoint(60, 60, first=True))
    # "Commit status unknown": the same batch again lands on the same rows.
    append(migrated, batch_id, checkpoint(60, 60, first=True))
    assert fold_log(migrated) == 1
    assert totals(migrated) == (60, 1, 60, 0)
    with psycopg.connect(migrated, autocommit=True) as connection:
        assert is_written(connection, batch_id)  # folded, and still known by its id
        assert not is_written(connection, uuid.uuid4())


def test_the_change_log_is_folded_in_order_and_emptied(migrated):
    append(migrated, uuid.uuid4(), checkpoint(60, 60, first=True))
    append(migrated, uuid.uuid4(), checkpoint(100, 40, closing=True))
    assert rows(migrated, "SELECT count(*) FROM change_log") == [(2,)]
    assert totals(migrated) is None  # logged (durable), not folded yet
    with psycopg.connect(migrated, autocommit=True) as connection:
        loaded = load_ledger(connection, Shards())  # a load replays the log
    assert loaded.member_stats(GUILD, ANA).seconds == 100
    assert fold_log(migrated) == 2
    assert rows(migrated, "SELECT count(*) FROM change_log") == [(0,)]
    assert totals(migrated) == (100, 1, 100, 0)


def test_an_erasure_deletes_every_row_of_the_member_in_that_server_only(migrated):
    write(migrated, checkpoint(60, 60, first=True), checkpoint(30, 30, user=BIA, first=True))
    write(migrated, checkpoint(60, 60, guild=OTHER_GUILD, first=True))
    with psycopg.connect(migrated, autocommit=True) as connection:
        for user in (ANA, BIA):  # changes a fold once refused, of each member
            connection.execute(
                "INSERT INTO rejected_changes (position, batch_id, change, reason)"
                " VALUES (%s, %s, %s, 'check')",
                (user, uuid.uuid4(), f'{{"op":"adjust","g":{GUILD},"u":{user},"s":-1,"day":1}}'),
            )
    append(migrated, uuid.uuid4(), Erase(g=GUILD, u=ANA))
    fold_log(migrated)
    for table in ("member_totals", "member_days", "member_weeks", "member_months"):
        found = rows(migrated, f"SELECT guild_id, user_id FROM {table} ORDER BY guild_id")
        assert found == [(GUILD, BIA), (OTHER_GUILD, ANA)], table
    found = rows(migrated, "SELECT guild_id, user_id FROM camera_sessions ORDER BY guild_id")
    assert found == [(GUILD, BIA), (OTHER_GUILD, ANA)]
    (kept,) = rows(migrated, "SELECT change FROM rejected_changes")
    assert f'"u":{BIA}' in kept[0]


def test_a_new_session_ends_the_one_a_crash_left_open_at_its_watermark(migrated):
    write(migrated, checkpoint(60, 60, first=True))
    later = "2026-01-01T05:00:00+00:00"
    write(migrated, checkpoint(30, 30, first=True, start=later))
    sessions = rows(
        migrated,
        "SELECT is_open, ended_at - started_at FROM camera_sessions ORDER BY started_at",
    )
    assert [(is_open, ended and ended.total_seconds()) for is_open, ended in sessions] == [
        (False, 60),
        (True, None),
    ]
    assert totals(migrated) == (90, 2, 60, 0)


# ------------------------------------------------------------------- periods


async def test_week_and_month_rows_are_the_sums_of_their_days(migrated):
    store = await open_store(migrated)
    try:
        # A session over Sunday's midnight (two weeks), then one over a month's end.
        await store.commit(
            [checkpoint(7200, 7200, first=True, days=[(SUNDAY, 3600), (MONDAY, 3600)])]
        )
        await store.commit(
            [
                checkpoint(
                    600,
                    600,
                    user=BIA,
                    first=True,
                    closing=True,
                    days=[(JAN_31, 400), (JAN_31 + 1, 200)],
                )
            ]
        )
        await store.commit([Adjust(g=GUILD, u=ANA, s=-5000, day=MONDAY)])  # off Monday first
    finally:
        await store.close()
    weeks = rows(
        migrated,
        "SELECT user_id, week, seconds FROM member_weeks WHERE seconds > 0 ORDER BY 1, 2",
    )
    assert weeks == [
        (ANA, date(2025, 12, 29), 2200),  # Sunday's week: 3600 - (5000 - 3600)
        (BIA, date(2026, 1, 26), 600),  # Saturday the 31st and Sunday the 1st: one week
    ]
    months = rows(
        migrated,
        "SELECT user_id, month, seconds, sessions FROM member_months"
        " WHERE seconds > 0 OR sessions > 0 ORDER BY 1, 2",
    )
    assert months == [
        (ANA, date(2026, 1, 1), 2200, 1),
        (BIA, date(2026, 1, 1), 400, 1),
        (BIA, date(2026, 2, 1), 200, 0),
    ]
    assert totals(migrated) == (2200, 1, 7200, -5000)


async def test_what_a_store_wrote_loads_back_the_same(migrated):
    store = await open_store(migrated)
    await store.commit(
        [
            checkpoint(7200, 7200, first=True, days=[(SUNDAY, 3600), (MONDAY, 3600)]),
            checkpoint(600, 600, user=BIA, first=True, closing=True),
            Adjust(g=GUILD, u=BIA, s=900, day=MONDAY),
            Reset(g=OTHER_GUILD),
        ]
    )
    week = DayRange(MONDAY, MONDAY + 6)
    expected = (
        store.member_stats(GUILD, ANA),
        store.member_stats(GUILD, BIA),
        store.seconds_by_day(GUILD, None, DayRange(1, MONDAY + 6)),
        store.standings(GUILD, week).top(10),
        store.open_sessions(),
    )
    await store.close()
    with psycopg.connect(migrated, autocommit=True) as connection:
        loaded = load_ledger(connection, Shards())
    assert (
        loaded.member_stats(GUILD, ANA),
        loaded.member_stats(GUILD, BIA),
        loaded.seconds_by_day(GUILD, None, DayRange(1, MONDAY + 6)),
        loaded.standings(GUILD, week).top(10),
        loaded.open_sessions,
    ) == expected


# -------------------------------------------------------------- refused batch


async def test_a_change_the_database_refuses_is_kept_aside_and_the_others_still_apply(
    migrated, caplog
):
    store = await open_store(migrated)
    try:
        await store.commit([checkpoint(60, 60, first=True)])
        await idle(store)  # written and folded
        with psycopg.connect(migrated, autocommit=True) as connection:
            # A hand edit the ledger does not know: the next removal cannot be applied.
            connection.execute("UPDATE member_days SET seconds = 0")
        await store.commit([Adjust(g=GUILD, u=ANA, s=-30, day=SUNDAY)])
        await store.commit([checkpoint(60, 60, user=BIA, first=True)])
    finally:
        await store.close()
    assert totals(migrated, user=BIA) == (60, 1, 60, 0)
    assert totals(migrated) == (60, 1, 60, 0)
    ((change, reason),) = rows(migrated, "SELECT change, reason FROM rejected_changes")
    assert '"op":"adjust"' in change and "check" in reason
    assert rows(migrated, "SELECT count(*) FROM change_log") == [(0,)]
    (line,) = [r for r in caplog.records if "PostgreSQL recusou" in r.getMessage()]
    assert line.levelno == logging.ERROR


async def test_logged_changes_follow_their_server_when_the_shard_count_changes(migrated):
    # Logged, not folded yet, by a process that ran on one shard (then died).
    append(migrated, uuid.uuid4(), checkpoint(60, 60, first=True, closing=True))
    append(migrated, uuid.uuid4(), checkpoint(30, 30, guild=OTHER_GUILD, first=True, closing=True))

    # Now on two shards: the owner of shard 1 sees and folds only its own server's change.
    second = await open_store(migrated, Shards(2, (1,)))
    try:
        assert second.member_stats(OTHER_GUILD, ANA).seconds == 30
        assert second.member_stats(GUILD, ANA).seconds == 0
        assert rows(migrated, "SELECT guild_id FROM change_log") == [(GUILD,)]
    finally:
        await second.close()
    with psycopg.connect(migrated, autocommit=True) as connection:
        everything = load_ledger(connection, Shards())  # a reader of every server
    assert everything.member_stats(GUILD, ANA).seconds == 60
    assert everything.member_stats(OTHER_GUILD, ANA).seconds == 30


def test_a_day_row_without_totals_loads_with_zero_totals_and_a_warning(migrated, caplog):
    with psycopg.connect(migrated, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO member_totals (guild_id, user_id, seconds, sessions)"
            " VALUES (%s, %s, 60, 1)",
            (GUILD, BIA),
        )
        connection.execute(
            "INSERT INTO member_days (guild_id, user_id, day, seconds, sessions)"
            " VALUES (%s, %s, %s, 60, 1), (%s, %s, %s, 30, 0)",
            (GUILD, BIA, date.fromordinal(SUNDAY), GUILD, ANA, date.fromordinal(MONDAY)),
        )
        ledger = load_ledger(connection, Shards())
    assert ledger.member_stats(GUILD, BIA).seconds == 60
    assert ledger.member_stats(GUILD, ANA).seconds == 0  # a hand edit: the day is kept
    assert ledger.seconds_by_day(GUILD, ANA, DayRange(SUNDAY, MONDAY)) == {MONDAY: 30}
    assert ledger.seconds_by_day(GUILD, BIA, DayRange(SUNDAY, MONDAY)) == {SUNDAY: 60}
    assert "têm dias sem totais" in caplog.text


async def test_a_damaged_file_of_unsaved_changes_stops_the_start_and_is_kept(migrated, tmp_path):
    unsaved = tmp_path / "video_ranking.pg-unsaved.jsonl"
    good = b'{"batch":"' + str(uuid.uuid4()).encode() + b'","records":[]}\n'
    unsaved.write_bytes(good + b'{"batch": "not a batch"\n')
    with pytest.raises(UnsavedFileError, match="linha 2"):
        await asyncio.to_thread(PgStore.open, migrated, Shards(), unsaved=unsaved)
    assert unsaved.read_bytes() == good + b'{"batch": "not a batch"\n'  # kept as it was
    assert rows(migrated, "SELECT count(*) FROM change_log") == [(0,)]
    again = await open_store(migrated)  # the shard was let go: a fixed start can take it
    await again.close()
