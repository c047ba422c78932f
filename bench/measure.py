"""The measurements, each returning raw figures (seconds, counts, bytes)."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.baseline import OriginalStore
from bench.data import GUILD_ID, History, build_ledger
from database import RankingStore, Store
from tracking.ledger import Ledger
from tracking.periods import DayRange
from tracking.records import Credit

FSYNC_BLOCK = b"\0" * 4096


@dataclass(frozen=True, slots=True)
class Samples:
    """Durations in seconds."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: list[float]) -> Samples:
        """Wrap a list of durations."""
        return cls(tuple(values))

    def __len__(self) -> int:
        return len(self.values)

    def pct(self, percent: float) -> float:
        """The `percent` percentile (nearest rank, so p99 of 3 samples is the worst)."""
        return float(np.percentile(self.values, percent, method="higher"))

    @property
    def p50(self) -> float:
        """The median."""
        return self.pct(50)

    @property
    def p99(self) -> float:
        """The 99th percentile."""
        return self.pct(99)


def fsync_floor(folder: Path, count: int) -> Samples:
    """Append 4 KiB to a file and fsync it, `count` times: what durability costs here."""
    path = folder / "fsync-floor.bin"
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
    samples = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            os.write(fd, FSYNC_BLOCK)
            os.fsync(fd)
            samples.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        path.unlink()
    return Samples.of(samples)


def original_latency(path: Path, events: list[Credit]) -> Samples:
    """Time the original design's update, once per event (the file at `path` exists)."""
    store = OriginalStore(path)
    samples = []
    for event in events:
        started = time.perf_counter()
        store.update_video_time(event.u, event.s)
        samples.append(time.perf_counter() - started)
    return Samples.of(samples)


async def commit_latency(store: RankingStore, events: list[Credit], warm_up: int) -> Samples:
    """Commit events one at a time, each awaited until durable (fsync'd, or committed)."""
    for event in events[:warm_up]:
        await store.commit([event])
    samples = []
    for event in events[warm_up:]:
        started = time.perf_counter()
        await store.commit([event])
        samples.append(time.perf_counter() - started)
    return Samples.of(samples)


async def durable_throughput(
    store: Store, events: list[Credit], writers: int, seconds: float
) -> float:
    """Durable events per second while `writers` tasks each commit and await, back to back."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def writer(offset: int) -> None:
        nonlocal done
        index = offset
        while time.perf_counter() < deadline:
            await store.commit([events[index % len(events)]])
            done += 1
            index += writers

    started = time.perf_counter()
    await asyncio.gather(*(writer(i) for i in range(writers)))
    return done / (time.perf_counter() - started)


def ranking_latency(ledger: Ledger, days: DayRange | None, repeats: int) -> Samples:
    """Time `standings(...).top(10)` of the benchmark's server, `repeats` times."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        top = ledger.standings(GUILD_ID, days).top(10)
        samples.append(time.perf_counter() - started)
        assert len(top) == 10
    return Samples.of(samples)


PEAK_RSS_SCRIPT = """
import resource, sys
from pathlib import Path

def peak():
    # The peak of this process's own memory. ru_maxrss would not do: on Linux it
    # keeps the peak of the parent it was forked from (the benchmark, gigabytes).
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

import database
baseline = peak()
store = database.Store.open(Path(sys.argv[1]))
opened = peak()
store.journal.close()
store._lock.release()
print(baseline, opened)
"""


@dataclass(frozen=True, slots=True)
class PeakMemory:
    """Peak resident memory (bytes) of a fresh interpreter."""

    baseline: int
    """After importing the store (the interpreter, numpy, msgspec, ...)."""
    opened: int
    """After `Store.open` returned: the peak of the whole start-up."""


def open_peak_memory(data_file: Path) -> PeakMemory:
    """Open the store at `data_file` in a fresh interpreter; its peak resident memory.

    Read from the child's `VmHWM` (/proc/self/status, KiB), the peak of its own
    memory since it started; nothing is subtracted. `getrusage(RUSAGE_SELF)
    .ru_maxrss` is the fallback where /proc is missing: on Linux it carries the
    peak of the process that forked the child (here the benchmark, which holds
    gigabytes by then), so it cannot measure the child alone. The child opens
    the store and lets go without writing anything.
    """
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_SCRIPT, str(data_file)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    baseline, opened = (int(kib) * 1024 for kib in run.stdout.split())
    return PeakMemory(baseline, opened)


def timed_open(data_file: Path) -> tuple[Store, float]:
    """`Store.open` (lock, load the newest snapshot, replay the journal) and its duration."""
    started = time.perf_counter()
    store = Store.open(data_file)
    return store, time.perf_counter() - started


def ledger_memory(history: History) -> tuple[Ledger, float]:
    """Build the ledger of `history` under tracemalloc; (ledger, bytes held per member).

    A full collection before each reading empties the interpreter's free lists,
    so objects that are only parked there (the input records' tuples) do not
    count as held by the ledger.
    """
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        ledger = build_ledger(history)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return ledger, (after - before) / len(history.user_ids)


@dataclass(frozen=True, slots=True)
class LoopLag:
    """What a ticker saw while events streamed in."""

    seconds: float
    """How long the window lasted."""
    worst: float
    p99: float
    events: int
    snapshots: int
    durable_p99: float


async def loop_lag(
    store: Store,
    events: list[Credit],
    rate: int,
    seconds: float,
    tick: float = 0.001,
    *,
    longest: float | None = None,
) -> LoopLag:
    """Worst oversleep of a `tick` sleeper while a producer commits `rate` events/s.

    Runs `seconds`, then on until a snapshot has completed in the window (each
    replaces the state file) or `longest` seconds have passed; counts them.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    lags: list[float] = []
    durable: list[float] = []
    snapshots = 0

    async def ticker() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await asyncio.sleep(tick)
            lags.append(time.perf_counter() - started - tick)

    async def watcher() -> None:
        nonlocal snapshots
        inode = _inode(store.paths.state)
        while not stop.is_set():
            await asyncio.sleep(0.05)
            current = _inode(store.paths.state)
            if current != inode:
                snapshots += 1
                inode = current

    def on_durable(started: float) -> Callable[[asyncio.Future[None]], None]:
        """A done-callback noting how long the event took to be durable."""

        def done(_future: asyncio.Future[None]) -> None:
            durable.append(time.perf_counter() - started)

        return done

    sent = 0
    pending: list[asyncio.Future[None]] = []
    tasks = [loop.create_task(ticker()), loop.create_task(watcher())]
    began = time.perf_counter()
    limit = max(seconds, longest or 0.0)
    while (elapsed := time.perf_counter() - began) < seconds or (
        snapshots == 0 and elapsed < limit
    ):
        while sent < int(elapsed * rate):
            started = time.perf_counter()
            future = store.commit([events[sent % len(events)]])
            future.add_done_callback(on_durable(started))
            pending.append(future)
            sent += 1
        await asyncio.sleep(tick)
    stop.set()
    await asyncio.gather(*tasks)
    await asyncio.gather(*pending)  # after the ticker: gathering thousands takes a while
    return LoopLag(
        seconds=time.perf_counter() - began,
        worst=max(lags),
        p99=Samples.of(lags).p99,
        events=sent,
        snapshots=snapshots,
        durable_p99=Samples.of(durable).p99,
    )


def _inode(path: Path) -> tuple[int, int] | None:
    """Identity of the file now at `path` (a new one after every atomic replace)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns
