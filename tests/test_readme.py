"""The README: its ranking reply and chart come from the bot's own code; its invite link."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import discord
import pytest
from matplotlib import image

from docs import examples
from ui.chart import HEIGHT_PX, WIDTH_PX
from ui.ranking import RankedMember, ranking_line

REPO = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """The folder `python docs/examples.py --out ... --no-readme` wrote into."""
    out = tmp_path_factory.mktemp("examples")
    subprocess.run(
        [sys.executable, "docs/examples.py", "--out", str(out), "--no-readme"],
        cwd=REPO,
        check=True,
        timeout=120,
    )
    return out


def assert_chart_png(path: Path) -> None:
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    height, width, _channels = image.imread(path).shape  # decodes the whole image
    assert (width, height) == (WIDTH_PX, HEIGHT_PX) == (1000, 480)


def test_the_script_writes_a_1000_by_480_chart_png(written):
    assert_chart_png(written / examples.CHART_FILE)


def test_the_script_writes_the_ranking_reply_with_one_line_per_sample_member(written):
    text = (written / examples.RANKING_FILE).read_text(encoding="utf-8")
    for position, (name, seconds, sessions) in enumerate(examples.MEMBERS, start=1):
        line = ranking_line(RankedMember(position, position, name, seconds, sessions))
        assert f"┃ {discord.utils.remove_markdown(line)}\n" in text


def test_the_readme_shows_the_ranking_reply_the_code_makes_now():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert examples.with_ranking_example(readme, examples.ranking_example()) == readme, (
        "README.md's ranking example is out of date: run python -m docs.examples"
    )


def test_the_chart_the_readme_shows_is_a_chart_png():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"](docs/{examples.CHART_FILE})" in readme
    assert_chart_png(REPO / "docs" / examples.CHART_FILE)


def test_the_readme_invite_link_asks_for_the_documented_scopes_and_permissions():
    permissions = discord.Permissions(
        view_channel=True,
        send_messages=True,
        embed_links=True,
        attach_files=True,
        read_message_history=True,
    )
    link = discord.utils.oauth_url(
        "<APPLICATION_ID>", permissions=permissions, scopes=("bot", "applications.commands")
    )
    assert link in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_readme_gives_the_postgresql_stores_retry_and_stop_timings():
    from store.pg.store import CLOSE_WAIT_SECONDS, RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS

    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    retries = f"({RETRY_FIRST_SECONDS:g} s, doubling, at most {RETRY_MAX_SECONDS:g} s)"
    assert retries in readme
    assert f"keeps trying for up to {CLOSE_WAIT_SECONDS:g} s" in readme
    timeouts = set()
    for name in ("bate-ponto.service", "bate-ponto@.service"):
        unit = (REPO / "deploy" / name).read_text(encoding="utf-8")
        timeouts.update(line for line in unit.splitlines() if line.startswith("TimeoutStopSec="))
    (timeout,) = timeouts  # the same in both
    assert f"Both units give a stop {timeout.removeprefix('TimeoutStopSec=')} s" in readme
