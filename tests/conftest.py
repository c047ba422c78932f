"""Shared fixtures: a bot built from settings pointing at a temporary data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import config
import database
from bot import create_bot


@pytest.fixture(autouse=True)
def no_developer_env_file(monkeypatch):
    """Read `.env` as empty: a developer's real `.env` must not change what tests see.

    Settings then come from the environment alone, which tests set themselves
    (`tests/test_process.py` does the same for the processes it starts).
    """
    monkeypatch.setattr(config, "ENV_FILE", Path(os.devnull))


@pytest.fixture(autouse=True)
def hourly_background_snapshots(monkeypatch):
    """Space the store's background snapshots an hour of virtual time apart.

    A snapshot is real disk work (several fsyncs in a worker thread), and simcord
    gives one `advance_time` call a real-time budget equal to its settle timeout.
    At the production pause (10 s) an advance over hours of virtual time would
    run hundreds of snapshots inside that budget. Tests about snapshots set
    their own pause; every change still reaches the journal at once, and the
    final snapshot is still written on close.
    """
    monkeypatch.setattr(database, "SNAPSHOT_MIN_SECONDS", 3600.0)


@pytest.fixture
def virtual_snapshots(monkeypatch):
    """Keep the store's pause between snapshots longer than simcord's settle timeout.

    simcord lets a timer shorter than its settle timeout (5 s) also fire in real
    time, so `settle()` waits for it. A snapshot due 5 s after a change that
    lands at the very end of `advance_time` then makes the next `settle()` wait
    about 5 real seconds and time out. At 10 s the pause runs on virtual time only.
    Modules that drive camera time through simcord ask for it with
    `pytestmark = pytest.mark.usefixtures("virtual_snapshots")`.
    """
    monkeypatch.setattr(database, "SNAPSHOT_MIN_SECONDS", 10.0)


@pytest.fixture
def data_file(tmp_path, monkeypatch):
    """A fresh DATA_FILE for the test, and default settings for everything else."""
    path = tmp_path / "video_ranking.json"
    monkeypatch.setenv("DATA_FILE", str(path))
    monkeypatch.setenv("DISCORD_TOKEN", "")
    monkeypatch.setenv("CHECKPOINT_SECONDS", "60")
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    monkeypatch.delenv("LEGACY_GUILD_ID", raising=False)
    monkeypatch.delenv("COMMAND_PREFIX", raising=False)
    monkeypatch.delenv("SHARD_COUNT", raising=False)
    monkeypatch.delenv("SHARD_IDS", raising=False)
    return path


@pytest.fixture
def simcord_bot(data_file):
    return create_bot()
