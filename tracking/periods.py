"""Calendar arithmetic in the server's time zone: local days, periods, midnight splits."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


class Period(enum.Enum):
    """A ranking period, named as members type it."""

    TODAY = "hoje"
    WEEK = "semana"
    MONTH = "mes"
    TOTAL = "total"

    @classmethod
    def parse(cls, text: str) -> Period | None:
        """Read a period name, accepting accents and a few synonyms.

        >>> Period.parse("Mês"), Period.parse("semana"), Period.parse("x")
        (<Period.MONTH: 'mes'>, <Period.WEEK: 'semana'>, None)
        """
        key = text.strip().lower().replace("ê", "e")
        aliases = {"dia": "hoje", "mensal": "mes", "semanal": "semana", "geral": "total"}
        key = aliases.get(key, key)
        for period in cls:
            if period.value == key:
                return period
        return None


PERIOD_LABELS = {
    Period.TODAY: "hoje",
    Period.WEEK: "esta semana",
    Period.MONTH: "este mês",
    Period.TOTAL: "desde sempre",
}


@dataclass(frozen=True, slots=True)
class DayRange:
    """An inclusive range of local days, as `date.toordinal()` numbers."""

    first: int
    last: int

    def __contains__(self, day: int) -> bool:
        return self.first <= day <= self.last


def local_day(moment: datetime, zone: ZoneInfo) -> int:
    """The local calendar day (ordinal) of an aware instant.

    >>> from datetime import UTC
    >>> sp = ZoneInfo("America/Sao_Paulo")
    >>> date.fromordinal(local_day(datetime(2026, 3, 1, 2, 0, tzinfo=UTC), sp))
    datetime.date(2026, 2, 28)
    """
    return moment.astimezone(zone).date().toordinal()


def period_days(period: Period, now: datetime, zone: ZoneInfo) -> DayRange | None:
    """The local days a period covers at `now`; `None` for all time.

    Weeks start on Monday.

    >>> from datetime import UTC
    >>> sp = ZoneInfo("America/Sao_Paulo")
    >>> r = period_days(Period.WEEK, datetime(2026, 11, 26, 12, tzinfo=UTC), sp)
    >>> date.fromordinal(r.first), date.fromordinal(r.last)
    (datetime.date(2026, 11, 23), datetime.date(2026, 11, 26))
    """
    return period_range(period, local_day(now, zone))


def period_range(period: Period, today: int) -> DayRange | None:
    """The local days a period covers when the local day is `today`; `None` for all time.

    >>> r = period_range(Period.MONTH, date(2026, 11, 26).toordinal())
    >>> date.fromordinal(r.first), date.fromordinal(r.last)
    (datetime.date(2026, 11, 1), datetime.date(2026, 11, 26))
    """
    if period is Period.TODAY:
        return DayRange(today, today)
    if period is Period.WEEK:
        return DayRange(today - date.fromordinal(today).weekday(), today)
    if period is Period.MONTH:
        return DayRange(date.fromordinal(today).replace(day=1).toordinal(), today)
    return None


def split_by_local_day(
    start: datetime, begin: int, end: int, zone: ZoneInfo
) -> list[tuple[int, int]]:
    """Split the seconds `[start+begin, start+end)` into (local day, seconds) parts.

    Parts are cut at local midnights, so a session that crosses midnight
    counts on both days.

    >>> from datetime import UTC
    >>> sp = ZoneInfo("America/Sao_Paulo")  # UTC-3
    >>> start = datetime(2026, 5, 10, 2, 30, tzinfo=UTC)  # 23:30 local
    >>> [(date.fromordinal(d).day, s) for d, s in split_by_local_day(start, 0, 3600, sp)]
    [(9, 1800), (10, 1800)]
    """
    parts: list[tuple[int, int]] = []
    cursor = begin
    while cursor < end:
        moment = (start + timedelta(seconds=cursor)).astimezone(zone)
        day = moment.date()
        next_midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
        to_midnight = (next_midnight - moment).total_seconds()
        step = max(1, min(end - cursor, int(to_midnight + 0.999999)))
        if parts and parts[-1][0] == day.toordinal():
            parts[-1] = (parts[-1][0], parts[-1][1] + step)
        else:
            parts.append((day.toordinal(), step))
        cursor += step
    return parts
