"""The benchmark runs end to end at tiny sizes and prints its table (timings are not checked)."""

from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path

import numpy as np

import bench.report
from bench.measure import open_peak_memory
from tests.helpers import open_store
from tests.store_worker import credit

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_prints_one_table_with_every_measurement(pg_server):
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for measurement in (
        "fsync of a 4 KiB append",
        "event latency p50 (durable)",
        "event latency p99 (durable)",
        "p50 growth",
        "durable events/s",
        "top-10, all time",
        "top-10, this week",
        "start-up: load + replay",
        "memory per tracked member",
        "event-loop worst lag",
        "peak RSS of a fresh process",
        "close (final snapshot)",
        # The PostgreSQL store, in the same table (a server is reachable: `pg_server`).
        "PostgreSQL: 1-row INSERT commit (floor)",
        "PostgreSQL: event latency p50 (durable)",
        "PostgreSQL: durable events/s, 4 writer processes",
        "PostgreSQL: top-10, this week (SQL, p50)",
        "PostgreSQL: a member's position (SQL, p50)",
        "PostgreSQL: start-up (PgStore.open)",
    ):
        assert measurement in out.split("targets met:")[0], measurement
    assert "no server reachable" not in out
    assert "targets met:" in out
    assert out.count("Bate-Ponto benchmark") == 1


def test_table_figures_read_as_their_documented_examples():
    result = doctest.testmod(bench.report)
    assert result.attempted > 0
    assert result.failed == 0


async def test_peak_memory_is_the_fresh_process_own_not_its_parents(tmp_path):
    data_file = tmp_path / "video_ranking.json"
    store = await open_store(data_file)
    store.commit([credit(111111111111111111, 123456789012345678, 60)])
    await store.close()
    held = np.ones(256 * 2**20 // 8)  # this process now holds 256 MiB more than the child needs
    peak = open_peak_memory(data_file)
    assert held.sum() > 0
    assert 0 < peak.baseline <= peak.opened < 200 * 2**20
