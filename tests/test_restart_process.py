"""A planned restart of the real process (`systemctl restart`): the same session goes on."""

from __future__ import annotations

import json
import signal

from tests.test_process import READY, slow, start_bot  # noqa: F401 (a fixture)


def stop_after(start_bot, seconds: int) -> dict[str, str]:  # noqa: F811 (the fixture)
    """One run: the member is on camera from the start; SIGTERM after `seconds`; the ids."""
    running = start_bot(STANDIN_SIMCORD=str(seconds))
    ready = running.wait_for(READY)
    running.process.send_signal(signal.SIGTERM)
    assert running.wait() == 0, running.output
    assert "Traceback" not in running.output
    return dict(pair.split("=") for pair in ready.split()[2:])


@slow
def test_sigterm_and_a_new_start_continue_the_session_of_a_member_still_on_camera(
    start_bot,  # noqa: F811 (the fixture)
    tmp_path,
):
    first = stop_after(start_bot, 125)
    second = stop_after(start_bot, 50)  # the same server and member, still on camera
    assert first == second
    data = json.loads((tmp_path / "video_ranking.json").read_text(encoding="utf-8"))
    member = data[first["member"]]
    assert member["guilds"][first["guild"]] == {"total_seconds": 175, "sessions": 1}
