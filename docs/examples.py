"""Examples for the README, made by the bot's own presentation code from sample data.

Run `python -m docs.examples` (or `python docs/examples.py`) from the repository
after changing how rankings or charts look. It writes:

- `docs/ranking-example.md`: a `!rankingvideo semana` reply, as members read it;
- `docs/chart-example.png`: a `!graficovideo` chart of 30 days;

and puts the same ranking reply between the `ranking-example` markers of
`README.md`. `--out DIR` writes the two files elsewhere; `--no-readme` leaves
the README alone.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
RANKING_FILE = "ranking-example.md"
CHART_FILE = "chart-example.png"
README_START = "<!-- ranking-example:start (python -m docs.examples writes this block) -->"
README_END = "<!-- ranking-example:end -->"

SERVER = "Estudos & Foco"
COMMAND = "!rankingvideo semana"
MEMBERS = (  # name, seconds this week, sessions
    ("Ana Souza", 12 * 3600 + 4 * 60 + 10, 9),
    ("João Pedro", 9 * 3600 + 30 * 60, 7),
    ("Beatriz", 7 * 3600 + 2 * 60, 5),
    ("Lucas M.", 5 * 3600 + 45 * 60 + 33, 6),
    ("Marina", 3 * 3600, 2),
    ("Rafa", 59 * 60 + 59, 1),
)
ASKING = 3
"""Position of the member who asked (the last line of the reply is about them)."""
ASKER = MEMBERS[ASKING - 1][0]
TODAY = date(2026, 3, 10)
CHART_DAYS = 30


def _import_path() -> None:
    """Let `python docs/examples.py` import the bot's modules from the repository."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def ranking_example() -> str:
    """The `!rankingvideo semana` reply to the sample data, as a Markdown code block."""
    _import_path()
    import discord

    from tracking.periods import Period
    from ui.ranking import Placing, RankedMember, RankingPage, ranking_embed

    entries = [
        RankedMember(position, 100 + position, name, seconds, sessions)
        for position, (name, seconds, sessions) in enumerate(MEMBERS, start=1)
    ]
    embed = ranking_embed(
        guild_name=SERVER,
        icon_url=None,
        period=Period.WEEK,
        ranking=RankingPage(entries, page=1, pages=1, members=len(entries)),
        placing=Placing(ASKING, entries[ASKING - 1].seconds),
        live=True,
    )
    assert embed.author.name and embed.title and embed.description and embed.footer.text
    shown = [embed.author.name, embed.title, "", *embed.description.splitlines()]
    shown += ["", embed.footer.text]
    # As Discord shows it: bold rendered, not typed out; the bar stands for the embed's edge.
    box = [f"┃ {discord.utils.remove_markdown(line)}".rstrip() for line in shown]
    return "\n".join(["```text", f"{ASKER}: {COMMAND}", "", "Bate-Ponto:", *box, "```", ""])


def chart_example() -> bytes:
    """The `!graficovideo` PNG for the sample server over the last 30 days."""
    _import_path()
    from ui.chart import chart_data, chart_days, render_chart

    days = chart_days(CHART_DAYS, TODAY.toordinal())
    sample = random.Random(7)  # the same chart on every run
    by_day = {
        day: sample.randrange(20 * 60, 9 * 3600) if date.fromordinal(day).weekday() < 5 else 0
        for day in range(days.first, days.last + 1)
    }
    by_day[days.last] = 2 * 3600 + 15 * 60  # today, still under way
    return render_chart(chart_data(SERVER, by_day, days))


def with_ranking_example(readme: str, example: str) -> str:
    """`readme` with the block between the markers replaced by `example`."""
    start = readme.index(README_START) + len(README_START)
    end = readme.index(README_END, start)
    return f"{readme[:start]}\n{example}{readme[end:]}"


def main(argv: list[str] | None = None) -> int:
    """Write the examples; the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="folder for the two files")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    example = ranking_example()
    (args.out / RANKING_FILE).write_text(example, encoding="utf-8")
    (args.out / CHART_FILE).write_bytes(chart_example())
    if not args.no_readme:
        README.write_text(
            with_ranking_example(README.read_text(encoding="utf-8"), example), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
