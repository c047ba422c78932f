"""Drawing `!graficovideo`'s chart: one bar of camera hours per local day, as a PNG.

Pure presentation over `ChartData`; the PNG is drawn with matplotlib's Agg
canvas (never pyplot), blocking: the cog runs it in a worker thread.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator

from tracking.periods import DayRange
from ui import texts
from utils import format_seconds_to_time, truncate_string

WIDTH_PX, HEIGHT_PX, DPI = 1000, 480, 100
BACKGROUND = "#2B2D31"
PLOT_BACKGROUND = "#313338"
BAR = "#5865F2"
BAR_TODAY = "#57F287"
TEXT = "#F2F3F5"
MUTED = "#B5BAC1"
GRID = "#4E5058"
FONT = "DejaVu Sans"

_render_lock = threading.Lock()
"""matplotlib's text and font caches are not thread-safe: one chart at a time."""


TITLE_NAME_CHARS = 40
"""Longest name drawn in the chart's title (server names may have 100 characters)."""

MARGIN_PX = 12
"""Room kept between the figure's edges and anything drawn near them."""


@dataclass(frozen=True, slots=True)
class ChartData:
    """What a chart shows: one bar of seconds per local day, oldest first."""

    who: str
    days: list[date]
    seconds: list[int]

    @property
    def total(self) -> int:
        """All the seconds shown."""
        return sum(self.seconds)


def chart_days(days: int, today: int) -> DayRange:
    """The last `days` local days, today included.

    >>> r = chart_days(7, date(2026, 3, 10).toordinal())
    >>> date.fromordinal(r.first), date.fromordinal(r.last)
    (datetime.date(2026, 3, 4), datetime.date(2026, 3, 10))
    """
    return DayRange(today - days + 1, today)


def chart_data(who: str, by_day: Mapping[int, int], days: DayRange) -> ChartData:
    """One value per day of the range, zero for days without camera time.

    >>> d = chart_data("ana", {738000: 60}, DayRange(737999, 738001))
    >>> d.seconds, d.total
    ([0, 60, 0], 60)
    """
    ordinals = range(days.first, days.last + 1)
    return ChartData(
        who, [date.fromordinal(d) for d in ordinals], [int(by_day.get(d, 0)) for d in ordinals]
    )


def day_label(day: date) -> str:
    """A date as the chart's axis shows it.

    >>> day_label(date(2026, 3, 7))
    '07/03'
    """
    return day.strftime("%d/%m")


def decimal_comma(value: float, digits: int = 1) -> str:
    """A number the Brazilian way.

    >>> decimal_comma(1.25), decimal_comma(3.0), decimal_comma(0.5, 2), decimal_comma(0, 0)
    ('1,2', '3', '0,5', '0')
    """
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def short_duration(seconds: int) -> str:
    """A bar's label: the time on camera that day, in as few characters as reads well.

    >>> short_duration(50), short_duration(1200), short_duration(5400), short_duration(7200)
    ('50s', '20min', '1h30', '2h')
    >>> short_duration(3629)
    '1h'
    """
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}min"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours}h{minutes:02d}" if minutes else f"{hours}h"


def decimals_for(ticks: Sequence[float]) -> int:
    """How many decimals the axis needs to tell its ticks apart.

    >>> decimals_for([0, 1, 2]), decimals_for([0, 0.5, 1]), decimals_for([0, 0.25, 0.5])
    (0, 1, 2)
    >>> decimals_for([0, 0.002, 0.004])
    3
    """
    if len(ticks) < 2:
        return 0
    step = abs(ticks[1] - ticks[0])
    for digits in range(5):
        if abs(round(step, digits) - step) < 1e-9:
            return digits
    return 4


def tick_positions(count: int, most: int = 16) -> list[int]:
    """Which bars get a date label: evenly spaced, always the last (today).

    >>> tick_positions(5), tick_positions(30)[-3:], len(tick_positions(365)) <= 17
    ([0, 1, 2, 3, 4], [25, 27, 29], True)
    """
    step = max(1, math.ceil(count / most))
    last = count - 1
    return sorted({*range(last, -1, -step)})


@cache
def _font_charmap() -> frozenset[int]:
    path = font_manager.findfont(font_manager.FontProperties(family=FONT))
    return frozenset(FT2Font(path).get_charmap())


def drawable(text: str) -> str:
    """`text` without the characters the chart font has no glyph for (emoji and such).

    >>> drawable("Ana 📹 Sá")
    'Ana Sá'
    """
    charmap = _font_charmap()
    kept = "".join(c for c in text if ord(c) in charmap)
    return " ".join(kept.split()) or "?"


def render_chart(data: ChartData) -> bytes:
    """The chart as a PNG of `WIDTH_PX` x `HEIGHT_PX` (blocking: run it in a worker thread)."""
    with _render_lock:
        return _render(data)


def _render(data: ChartData) -> bytes:
    figure = chart_figure(data)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor=BACKGROUND)
    return buffer.getvalue()


def fit_axes(figure: Figure, axes: Axes, renderer: RendererAgg, top: float) -> None:
    """Place `axes` so that its tick and axis labels, however wide, stay inside the figure.

    The room each side needs is measured on the drawn labels (a y axis in the
    thousands of hours, long date labels), then the plot takes what is left,
    `MARGIN_PX` from the edges and up to `top` (a fraction of the height).
    """
    width, height = figure.bbox.width, figure.bbox.height
    plot = axes.get_window_extent(renderer)
    drawn = axes.get_tightbbox(renderer)
    if drawn is None:
        return
    left = (MARGIN_PX + max(0.0, plot.x0 - drawn.x0)) / width
    right = 1 - (MARGIN_PX + max(0.0, drawn.x1 - plot.x1)) / width
    bottom = (MARGIN_PX + max(0.0, plot.y0 - drawn.y0)) / height
    axes.set_position((left, bottom, right - left, top - bottom))


def fit_text(text: Text, renderer: RendererAgg, right_px: float) -> None:
    """Shorten `text` (ending it with …) until it ends left of `right_px`."""
    content = text.get_text()
    while len(content) > 1 and text.get_window_extent(renderer).x1 > right_px:
        content = content[:-2].rstrip() + "…"
        text.set_text(content)


def chart_figure(data: ChartData) -> Figure:
    """The chart as a matplotlib figure of `WIDTH_PX` x `HEIGHT_PX`, laid out, not yet saved."""
    hours = [s / 3600 for s in data.seconds]
    count = len(hours)
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor=BACKGROUND)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_axes((0.07, 0.13, 0.91, 0.69), facecolor=PLOT_BACKGROUND)

    colors = [BAR] * count
    colors[-1] = BAR_TODAY
    axes.bar(range(count), hours, width=0.8 if count <= 90 else 1.0, color=colors, zorder=3)
    if count <= 31:
        for x, (value, seconds) in enumerate(zip(hours, data.seconds, strict=True)):
            if seconds > 0:
                axes.annotate(
                    short_duration(seconds),
                    (x, value),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                    color=TEXT,
                )

    ticks = tick_positions(count)
    axes.set_xticks(ticks, [day_label(data.days[i]) for i in ticks])
    axes.set_xlim(-0.6, count - 0.4)
    top = max(hours, default=0.0)
    axes.set_ylim(0, top * 1.15 if top > 0 else 1)
    locator = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10])
    axes.yaxis.set_major_locator(locator)
    digits = decimals_for(locator.tick_values(*axes.get_ylim()))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: decimal_comma(value, digits)))
    axes.set_ylabel(texts.CHART_AXIS_HOURS, color=TEXT, fontsize=11)
    axes.tick_params(colors=MUTED, labelsize=9)
    axes.grid(axis="y", color=GRID, linewidth=0.8, zorder=0)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GRID)

    who = truncate_string(drawable(data.who), TITLE_NAME_CHARS)
    title = texts.CHART_TITLE.format(who=who)
    heading = figure.text(
        0.07, 0.92, title, color=TEXT, fontsize=15, fontweight="bold", family=FONT
    )
    template = texts.CHART_SUBTITLE if count > 1 else texts.CHART_SUBTITLE_TODAY
    subtitle = template.format(
        days=count,
        first=data.days[0].strftime("%d/%m/%Y"),
        last=data.days[-1].strftime("%d/%m/%Y"),
        total=format_seconds_to_time(data.total),
    )
    figure.text(0.07, 0.865, subtitle, color=MUTED, fontsize=10, family=FONT)
    figure.text(0.98, 0.865, texts.CHART_TODAY_KEY, color=BAR_TODAY, fontsize=10, ha="right")
    renderer = canvas.get_renderer()
    fit_text(heading, renderer, WIDTH_PX - MARGIN_PX)
    fit_axes(figure, axes, renderer, top=0.82)
    return figure
