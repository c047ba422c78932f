"""A server's local days over time: its time zones (`!configvideo fuso`) and their switches.

Pure. A server without zones of its own lives in `TIMEZONE` (the default); each
`ZoneSince` of its settings starts a new zone at an instant, which a change always
puts at the start of a local day (`zone_change`): the day in progress when the admin
types the command ends where it would have ended, and the next day is the first one
in the new zone. Past days stay as they were.

Local days never go backwards. Moving west at a midnight (UTC+0 to UTC-3, say), the
new zone's date is still the day that just ended for a few hours: those hours count
on the new day, the first one in the new zone (`day = max(date in the zone, first day
of the zone)`). Moving far east may skip a date instead; nothing is counted on it.

>>> from datetime import UTC
>>> sp = ZoneInfo("America/Sao_Paulo")
>>> to_utc = (ZoneSince("2026-03-01T03:00:00+00:00", "UTC"),)  # 2026-03-01 00:00 in SP
>>> back = to_utc + (ZoneSince("2026-03-02T00:00:00+00:00", "America/Sao_Paulo"),)
>>> calendar = calendar_for(back, sp)
>>> date.fromordinal(calendar.day_of(datetime(2026, 3, 2, 1, tzinfo=UTC)))  # 22:00 in SP
datetime.date(2026, 3, 2)
>>> [(date.fromordinal(d).day, s) for d, s in
...  calendar.split(datetime(2026, 3, 1, 23, tzinfo=UTC), 0, 5 * 3600)]
[(1, 3600), (2, 14400)]
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, available_timezones

from tracking.periods import DayRange, Period, period_range, split_by_local_day
from tracking.server_settings import ZoneSince, known_zone


@dataclass(frozen=True, slots=True)
class ZoneSpan:
    """One zone of a server, from an instant on (None: from the beginning)."""

    since: datetime | None
    zone: ZoneInfo
    first_day: int
    """The first local day (ordinal) counted in this zone: no day of it is earlier."""

    def day_of(self, moment: datetime) -> int:
        """The local day of an instant within this span."""
        return max(self.first_day, moment.astimezone(self.zone).date().toordinal())


class ServerCalendar:
    """A server's local days: which zone is in force at an instant, and which day it is."""

    __slots__ = ("spans",)

    def __init__(self, spans: tuple[ZoneSpan, ...]) -> None:
        """The server's spans, oldest first; the first one starts at the beginning."""
        self.spans = spans

    def span_at(self, moment: datetime) -> ZoneSpan:
        """The span in force at an aware instant."""
        found = self.spans[0]
        for span in self.spans[1:]:
            assert span.since is not None
            if span.since > moment:
                break
            found = span
        return found

    def zone_at(self, moment: datetime) -> ZoneInfo:
        """The server's time zone at an aware instant."""
        return self.span_at(moment).zone

    def day_of(self, moment: datetime) -> int:
        """The server's local day (`date.toordinal()`) at an aware instant."""
        return self.span_at(moment).day_of(moment)

    def period_days(self, period: Period, now: datetime) -> DayRange | None:
        """The local days a period covers at `now`; None for all time."""
        return period_range(period, self.day_of(now))

    def next_day_starts(self, moment: datetime) -> datetime:
        """When the local day after the one of `moment` begins, in the zone in force then.

        Any later switch is ignored: this is where a new switch goes (`zone_change`).
        """
        span = self.span_at(moment)
        following = date.fromordinal(span.day_of(moment) + 1)
        return datetime.combine(following, time(), span.zone).astimezone(UTC)

    def split(self, start: datetime, begin: int, end: int) -> list[tuple[int, int]]:
        """Split the seconds `[start+begin, start+end)` into (local day, seconds) parts.

        Cut at local midnights (see `split_by_local_day`) and at zone switches.
        """
        if len(self.spans) == 1:
            return split_by_local_day(start, begin, end, self.spans[0].zone)
        parts: list[tuple[int, int]] = []
        for index, span in enumerate(self.spans):
            low = begin if span.since is None else max(begin, _offset(start, span.since))
            following = self.spans[index + 1].since if index + 1 < len(self.spans) else None
            high = end if following is None else min(end, _offset(start, following))
            if low >= high:
                continue
            for day, seconds in split_by_local_day(start, low, high, span.zone):
                day = max(day, span.first_day)
                if parts and parts[-1][0] == day:
                    parts[-1] = (day, parts[-1][1] + seconds)
                else:
                    parts.append((day, seconds))
        return parts

    def pending(self, moment: datetime) -> ZoneSpan | None:
        """The switch set for later than `moment`, if any (`zone_change` keeps at most one)."""
        for span in self.spans[1:]:
            assert span.since is not None
            if span.since > moment:
                return span
        return None


def _offset(start: datetime, moment: datetime) -> int:
    """Whole seconds from `start` to `moment`, rounded up (as midnights are in a split)."""
    return math.ceil((moment - start).total_seconds())


@functools.lru_cache(maxsize=4096)
def calendar_for(zones: tuple[ZoneSince, ...], default: ZoneInfo) -> ServerCalendar:
    """The calendar of a server with these zones (`ServerSettings.zones`) and `TIMEZONE`.

    A zone's first day is the day its switch instant falls on in the calendar so far,
    so the days never go backwards, even for switches set some other way than
    `zone_change`. Cached: settings are frozen, and most servers share `()`.
    """
    spans = [ZoneSpan(None, default, 0)]
    for change in zones:
        since = datetime.fromisoformat(change.since)
        before = ServerCalendar(tuple(spans))
        spans.append(ZoneSpan(since, known_zone(change.zone), before.day_of(since)))
    return ServerCalendar(tuple(spans))


def zone_change(
    zones: tuple[ZoneSince, ...], default: ZoneInfo, moment: datetime, zone: str
) -> tuple[ZoneSince, ...]:
    """The zones after an admin sets `zone` at `moment`: it applies from the next local day.

    A switch still pending is replaced (or dropped, when `zone` is the one in force).

    >>> from datetime import UTC
    >>> sp = ZoneInfo("America/Sao_Paulo")
    >>> at = datetime(2026, 3, 1, 15, tzinfo=UTC)  # 12:00 in Sao Paulo
    >>> zones = zone_change((), sp, at, "America/Manaus")
    >>> zones
    (ZoneSince(since='2026-03-02T03:00:00+00:00', zone='America/Manaus'),)
    >>> zone_change(zones, sp, at, "Europe/Lisbon")[0].zone
    'Europe/Lisbon'
    >>> zone_change(zones, sp, at, "America/Sao_Paulo")
    ()
    """
    kept = tuple(change for change in zones if datetime.fromisoformat(change.since) <= moment)
    calendar = calendar_for(kept, default)
    if calendar.zone_at(moment).key == zone:
        return kept
    since = calendar.next_day_starts(moment)
    return (*kept, ZoneSince(since.isoformat(), zone))


@functools.cache
def _zone_names() -> dict[str, str]:
    names = {name.casefold(): name for name in available_timezones()}
    names.pop("localtime", None)  # the machine's own setting, not a zone of the database
    return names


def zone_named(text: str) -> str | None:
    """The IANA name of a zone as an admin may type it (any case, spaces for `_`); else None.

    >>> zone_named("america/manaus"), zone_named(" Europe/Lisbon "), zone_named("Sao Paulo")
    ('America/Manaus', 'Europe/Lisbon', None)
    >>> zone_named("america/sao paulo")
    'America/Sao_Paulo'
    """
    key = "_".join(text.split()).casefold()
    return _zone_names().get(key)


def zone_names_like(text: str, preferred: tuple[str, ...], limit: int) -> list[str]:
    """Up to `limit` zone names containing `text` (any case), `preferred` ones first.

    >>> zone_names_like("man", ("America/Sao_Paulo", "America/Manaus"), 3)[0]
    'America/Manaus'
    """
    key = "_".join(text.split()).casefold()
    found = [name for name in preferred if key in name.casefold()]
    others = sorted(name for folded, name in _zone_names().items() if key in folded)
    found += [name for name in others if name not in found]
    return found[:limit]
