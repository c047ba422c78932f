"""Automatic ranking posts: which finished period is due, and the markers that make it once.

Pure. A server that posts its ranking (`ServerSettings.post_every`) gets, at the end of each
local week (Monday 00:00) or month (the 1st, 00:00), the finished period's ranking. The
store keeps a marker per period in `ServerSettings.posted`: `claimed(key)` is saved before
the post is sent and the bare key once it was sent (or given up, when the channel is gone),
so a crash between the two is noticed on the next start and the channel is checked for the
post before it is sent again.

>>> from datetime import UTC
>>> sp = ZoneInfo("America/Sao_Paulo")
>>> week = last_finished("semanal", datetime(2026, 11, 30, 3, tzinfo=UTC), sp)  # Mon 00:00
>>> week.key, date.fromordinal(week.days.first), date.fromordinal(week.days.last)
('semanal:2026-11-23', datetime.date(2026, 11, 23), datetime.date(2026, 11, 29))
>>> month = last_finished("mensal", datetime(2026, 12, 1, 3, tzinfo=UTC), sp)
>>> month.key, month.ended.isoformat()
('mensal:2026-11', '2026-12-01T03:00:00+00:00')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from tracking.periods import DayRange
from tracking.server_settings import PostEvery, ServerSettings

POSTS_KEPT = 6
"""How many period markers a server keeps (the newest)."""

CLAIMED = "/claimed"
"""The suffix of a period's marker while its post is on its way."""

MarkerState = Literal["new", "claimed", "done"]


@dataclass(frozen=True, slots=True)
class FinishedPeriod:
    """A week or month that is over, as its post needs it."""

    every: PostEvery
    key: str
    """`semanal:<its Monday>` or `mensal:<year-month>`: names the period in the markers."""
    days: DayRange
    """Its local days, as `!rankingvideo semana`/`mes` counted them."""
    ended: datetime
    """The aware UTC instant it ended: the local midnight that began the next one."""


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The aware UTC instant a local day begins."""
    return datetime.combine(day, time.min, zone).astimezone(UTC)


def _first_of_next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def last_finished(every: PostEvery, now: datetime, zone: ZoneInfo) -> FinishedPeriod:
    """The most recent week (Monday to Sunday) or month over at `now`, local to `zone`."""
    today = now.astimezone(zone).date()
    if every == "semanal":
        begins = today - timedelta(days=today.weekday())
        first = begins - timedelta(days=7)
        key = f"semanal:{first.isoformat()}"
    else:
        begins = today.replace(day=1)
        first = (begins - timedelta(days=1)).replace(day=1)
        key = f"mensal:{first.year:04d}-{first.month:02d}"
    days = DayRange(first.toordinal(), begins.toordinal() - 1)
    return FinishedPeriod(every, key, days, _midnight(begins, zone))


def next_end(every: PostEvery, now: datetime, zone: ZoneInfo) -> datetime:
    """The next local Monday 00:00 (or 1st of the month, 00:00) strictly after `now`.

    >>> from datetime import UTC
    >>> sp = ZoneInfo("America/Sao_Paulo")
    >>> next_end("semanal", datetime(2026, 11, 30, 3, tzinfo=UTC), sp).isoformat()
    '2026-12-07T03:00:00+00:00'
    >>> next_end("mensal", datetime(2026, 12, 31, 12, tzinfo=UTC), sp).isoformat()
    '2027-01-01T03:00:00+00:00'
    """
    today = now.astimezone(zone).date()
    if every == "semanal":
        return _midnight(today + timedelta(days=7 - today.weekday()), zone)
    return _midnight(_first_of_next_month(today), zone)


def claimed(key: str) -> str:
    """The marker of a period whose post is on its way.

    >>> claimed("mensal:2026-11")
    'mensal:2026-11/claimed'
    """
    return f"{key}{CLAIMED}"


def marker_state(posted: tuple[str, ...], key: str) -> MarkerState:
    """Whether a period's post was never started, is on its way, or is done.

    >>> marker_state(("semanal:2026-11-23/claimed",), "semanal:2026-11-23")
    'claimed'
    >>> marker_state(("semanal:2026-11-16",), "semanal:2026-11-23")
    'new'
    """
    if key in posted:
        return "done"
    if claimed(key) in posted:
        return "claimed"
    return "new"


def with_marker(posted: tuple[str, ...], marker: str) -> tuple[str, ...]:
    """`posted` with `marker` newest, replacing its period's other marker; the last few kept.

    >>> with_marker(("a", "b/claimed"), "b")
    ('a', 'b')
    >>> len(with_marker(tuple(str(n) for n in range(POSTS_KEPT)), "new"))
    6
    """
    key = marker.removesuffix(CLAIMED)
    kept = tuple(m for m in posted if m.removesuffix(CLAIMED) != key)
    return (*kept, marker)[-POSTS_KEPT:]


def due(settings: ServerSettings, now: datetime, zone: ZoneInfo) -> FinishedPeriod | None:
    """The finished period a server still has to post at `now`; None when nothing is due.

    Only the most recent finished period is ever due (a bot down for weeks posts the last
    one, not a backlog), and only if it ended after posting was set up (`post_since`).

    >>> from datetime import UTC
    >>> sp = ZoneInfo("America/Sao_Paulo")
    >>> since = "2026-11-25T12:00:00+00:00"
    >>> on = ServerSettings(post_channel=1, post_every="semanal", post_since=since)
    >>> due(on, datetime(2026, 11, 30, 3, tzinfo=UTC), sp).key
    'semanal:2026-11-23'
    >>> due(on, datetime(2026, 11, 30, 2, tzinfo=UTC), sp) is None  # set up after it ended
    True
    """
    if settings.post_channel is None or settings.post_every is None:
        return None
    period = last_finished(settings.post_every, now, zone)
    if settings.post_since is not None and period.ended <= datetime.fromisoformat(
        settings.post_since
    ):
        return None
    if marker_state(settings.posted, period.key) == "done":
        return None
    return period
