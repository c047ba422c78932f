"""The one table the benchmark prints, and the formatting of its figures."""

from __future__ import annotations

from dataclasses import dataclass

HEADERS = ("measurement", "members", "ours", "original design", "ratio", "target", "result")


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table; `passed` is None for figures shown without a target."""

    measurement: str
    members: str
    ours: str
    original: str = ""
    ratio: str = ""
    target: str = ""
    passed: bool | None = None

    def cells(self) -> tuple[str, ...]:
        """The row as the table shows it."""
        result = "" if self.passed is None else ("PASS" if self.passed else "FAIL")
        return (
            self.measurement,
            self.members,
            self.ours,
            self.original,
            self.ratio,
            self.target,
            result,
        )


def duration(seconds: float) -> str:
    """A duration with a unit that keeps three significant digits.

    >>> duration(0.000215), duration(0.0123), duration(2.5)
    ('215 µs', '12.3 ms', '2.50 s')
    """
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return _three(seconds * 1e3) + " ms"
    return _three(seconds) + " s"


def _three(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def mebibytes(count: int) -> str:
    """A byte count in MiB.

    >>> mebibytes(512 * 2**20), mebibytes(3 * 2**19)
    ('512 MiB', '1.5 MiB')
    """
    value = count / 2**20
    return f"{value:.0f} MiB" if value >= 10 else f"{value:.1f} MiB"


def members(count: int) -> str:
    """A member count as the table shows it.

    >>> members(1_000), members(100_000), members(1_000_000), members(250)
    ('1k', '100k', '1M', '250')
    """
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count >= 1_000 and count % 1_000 == 0:
        return f"{count // 1_000}k"
    return str(count)


def ratio(value: float) -> str:
    """A ratio such as `23x`.

    >>> ratio(23.4), ratio(1.05), ratio(15000.0)
    ('23x', '1.05x', '15,000x')
    """
    if value >= 100:
        return f"{value:,.0f}x"
    if value >= 10:
        return f"{value:.0f}x"
    return f"{value:.2f}x"


def render(title: str, rows: list[Row], notes: list[str]) -> str:
    """The table as text: a title line, aligned columns, then numbered notes."""
    table = [HEADERS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]
    rule = "  ".join("-" * w for w in widths)

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()

    passed = sum(1 for r in rows if r.passed)
    judged = sum(1 for r in rows if r.passed is not None)
    out = [title, rule, line(HEADERS), rule, *(line(c) for c in table[1:]), rule]
    out.append(f"targets met: {passed}/{judged}")
    out += [f"[{number}] {note}" for number, note in enumerate(notes, 1)]
    return "\n".join(out)
