"""Shared fixtures: a bot built from settings pointing at a temporary data folder."""

from __future__ import annotations

import pytest

from bot import create_bot


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
    return path


@pytest.fixture
def simcord_bot(data_file):
    return create_bot()
