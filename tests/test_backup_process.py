"""`manage.py backup` and `restore` beside a real `python bot.py` that keeps counting."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading

from tests.test_manage import folder_contents, manage
from tests.test_process import READY, REPO, bot_environment, slow, start_bot  # noqa: F401

STEP = 60
"""Virtual seconds the bot's clock moves on for each SIGUSR1 (one checkpoint each)."""


@slow
def test_backup_beside_a_running_bot_restores_to_what_it_had_at_the_copy(
    start_bot,  # noqa: F811 (the fixture)
    tmp_path,
):
    data_file = tmp_path / "video_ranking.json"
    running = start_bot(STANDIN_SIMCORD="5", STANDIN_STEP=str(STEP), CHECKPOINT_SECONDS="60")
    ready = dict(pair.split("=") for pair in running.wait_for(READY).split()[2:])
    advanced = [0]

    def step() -> None:
        running.process.send_signal(signal.SIGUSR1)
        advanced.append(advanced[-1] + STEP)
        running.wait_for(f"STANDIN ADVANCED {advanced[-1] + 5}")

    for _ in range(3):
        step()
    folder = tmp_path / "backup"
    copying = subprocess.Popen(
        [sys.executable, "manage.py", "backup", str(folder)],
        cwd=REPO,
        env=bot_environment(data_file),
        stderr=subprocess.PIPE,
        text=True,
    )

    def keep_counting() -> None:
        while copying.poll() is None:
            step()

    stepper = threading.Thread(target=keep_counting)
    stepper.start()
    _, said = copying.communicate(timeout=60)
    stepper.join(60)
    assert copying.returncode == 0, said
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))

    before = folder_contents(tmp_path)
    refused = manage(data_file, "restore", str(folder))
    assert refused.returncode == 1
    assert "pare-o antes de restaurar" in refused.stderr
    assert folder_contents(tmp_path) == before

    running.process.send_signal(signal.SIGTERM)
    assert running.wait() == 0, running.output
    restored = tmp_path / "restored" / "video_ranking.json"
    assert manage(restored, "restore", str(folder)).returncode == 0
    assert manage(restored, "export-totals", str(tmp_path / "out.json")).returncode == 0
    totals = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    member = totals[ready["member"]]["guilds"][ready["guild"]]
    # Each step is one checkpoint: one change crediting STEP seconds to the member.
    checkpoints = len(advanced) - 1
    assert 3 <= manifest["seq"] <= checkpoints
    assert member == {"total_seconds": STEP * manifest["seq"], "sessions": 1}
    assert manifest["totals"] == {
        "servers": 1,
        "members": 1,
        "seconds": STEP * manifest["seq"],
        "sessions": 1,
    }
