"""Streaks from the ledger's per-day history: the kept runs of past days stay exact."""

from __future__ import annotations

import msgspec

from tests.store_worker import credit as closed_session
from tracking.ledger import Ledger
from tracking.records import Adjust, Change, Reset

GUILD = 111111111111111111
ANA, BIA, CAU = 300000000000000001, 300000000000000002, 300000000000000003
DAY = 740_000
MINIMUM = 900


def credit(user: int, seconds: int, day: int) -> Change:
    return msgspec.structs.replace(closed_session(GUILD, user, seconds, 1, day=day), seq=None)


def ledger_of(records: list[Change]) -> Ledger:
    ledger = Ledger()
    for record in records:
        ledger.apply(record)
    return ledger


def streak(ledger: Ledger, user: int, today: int, minimum: int = MINIMUM, live=None):
    return ledger.streaks(GUILD, minimum, today, live).of(user)


def test_asking_again_on_a_later_day_goes_on_from_the_kept_days():
    records = [credit(ANA, MINIMUM, DAY + offset) for offset in range(6)]
    ledger = ledger_of(records[:4])
    assert streak(ledger, ANA, DAY + 3) == (4, 4)  # keeps the runs up to DAY + 1
    for record in records[4:]:
        ledger.apply(record)
    assert streak(ledger, ANA, DAY + 5) == (6, 6)


def test_an_adjustment_that_removes_time_from_a_past_day_breaks_the_streak():
    records = [credit(ANA, MINIMUM, DAY + offset) for offset in range(5)]
    ledger = ledger_of(records)
    assert streak(ledger, ANA, DAY + 4) == (5, 5)
    # Today and yesterday have 1800 s together: the rest comes off DAY + 2.
    ledger.apply(Adjust(g=GUILD, u=ANA, s=-(2 * MINIMUM + 1), day=DAY + 4))
    assert streak(ledger, ANA, DAY + 4) == (0, 2)


def test_an_adjustment_that_adds_time_to_a_missed_past_day_joins_two_runs():
    records = [credit(ANA, MINIMUM, DAY + offset) for offset in (0, 1, 3, 4)]
    ledger = ledger_of(records)
    assert streak(ledger, ANA, DAY + 4) == (2, 2)
    ledger.apply(Adjust(g=GUILD, u=ANA, s=MINIMUM, day=DAY + 2))
    assert streak(ledger, ANA, DAY + 4) == (5, 5)


def test_a_reset_erases_the_member_s_streaks():
    records = [credit(ANA, MINIMUM, DAY + offset) for offset in range(4)]
    ledger = ledger_of([*records, credit(BIA, MINIMUM, DAY + 3)])
    assert streak(ledger, ANA, DAY + 3) == (4, 4)
    ledger.apply(Reset(g=GUILD, u=ANA))
    assert streak(ledger, ANA, DAY + 3) == (0, 0)
    assert streak(ledger, BIA, DAY + 3) == (1, 1)


def test_another_minimum_counts_the_past_days_again():
    records = [credit(ANA, 600, DAY + offset) for offset in range(4)]
    ledger = ledger_of(records)
    assert streak(ledger, ANA, DAY + 3) == (0, 0)
    assert streak(ledger, ANA, DAY + 3, minimum=600) == (4, 4)
    assert streak(ledger, ANA, DAY + 3) == (0, 0)


def test_a_minimum_of_zero_counts_any_day_with_time():
    ledger = ledger_of([credit(ANA, 1, DAY), credit(ANA, 1, DAY + 1)])
    assert streak(ledger, ANA, DAY + 1, minimum=0) == (2, 2)


def test_a_member_who_arrives_after_the_runs_were_kept_is_counted():
    ledger = ledger_of([credit(ANA, MINIMUM, DAY + offset) for offset in range(4)])
    assert streak(ledger, ANA, DAY + 3) == (4, 4)
    ledger.apply(credit(CAU, MINIMUM, DAY + 3))
    assert streak(ledger, CAU, DAY + 3) == (1, 1)


def test_live_time_of_a_member_the_ledger_does_not_know_counts():
    ledger = ledger_of([credit(ANA, MINIMUM, DAY)])
    live = {BIA: [(DAY, MINIMUM)]}
    assert streak(ledger, BIA, DAY, live=live) == (1, 1)


def test_live_time_adds_to_the_day_s_stored_time():
    ledger = ledger_of([credit(ANA, MINIMUM - 60, DAY + 1), credit(ANA, MINIMUM, DAY)])
    assert streak(ledger, ANA, DAY + 1) == (1, 1)
    assert streak(ledger, ANA, DAY + 1, live={ANA: [(DAY + 1, 60)]}) == (2, 2)


def test_a_session_running_for_days_counts_on_each_of_them():
    ledger = ledger_of([credit(ANA, MINIMUM, DAY)])
    assert streak(ledger, ANA, DAY + 3) == (0, 1)
    live = {ANA: [(DAY + 1, 86_400), (DAY + 2, 86_400), (DAY + 3, 60)]}
    assert streak(ledger, ANA, DAY + 3, live=live) == (3, 3)  # today not there yet
