"""Per-server settings and per-member choices, as typed records decoded in one step.

Pure: both stores keep these records (the JSON store in a file beside `DATA_FILE`,
PostgreSQL in two tables) and hand them out as frozen Structs; a change is a new
record saved whole (`msgspec.structs.replace`). Every field has the default a
server or member without settings gets, and records at their default are not kept.

>>> settings = decode_server_settings(b'{"minimum": 60}')
>>> settings.minimum, settings.company, settings.streak_minimum
(60, 1, 900)
>>> decode_server_settings(b'{"minimum": -1}')
Traceback (most recent call last):
...
tracking.server_settings.SettingsRecordError: Expected `int` >= 0 - at `$.minimum`
>>> encode_settings(MemberSettings(hidden=True))
b'{"hidden":true}'
>>> MemberSettings().is_default, ServerSettings(company=2).is_default
(True, False)
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import msgspec
from msgspec import Meta, Struct

from tracking.records import MAX_RECORD_SECONDS, Id, check_timestamp

Seconds = Annotated[int, Meta(ge=0, le=MAX_RECORD_SECONDS)]
ZoneName = Annotated[str, Meta(min_length=1, max_length=64)]
People = Annotated[int, Meta(ge=1, le=99)]

DEFAULT_STREAK_MINIMUM = 15 * 60
"""A day counts toward a streak with at least this much camera time (15 min)."""

PostEvery = Literal["semanal", "mensal"]
RoleScope = Literal["total", "mes"]
GoalPeriod = Literal["dia", "semana"]


class SettingsRecordError(ValueError):
    """Bytes or values that are not valid settings."""


class ZoneSince(Struct, array_like=True, frozen=True):
    """A server's time zone from an instant on (aware UTC, ISO-8601)."""

    since: str
    zone: ZoneName

    def __post_init__(self) -> None:
        """The instant is aware and the zone is one the system knows."""
        check_timestamp(self.since)
        known_zone(self.zone)


class RoleReward(Struct, array_like=True, frozen=True):
    """A role members reach once their total (or this month's) time passes `seconds`."""

    role_id: Id
    seconds: Seconds
    scope: RoleScope = "total"


class ServerSettings(Struct, kw_only=True, frozen=True, omit_defaults=True):
    """A server's own rules (`!configvideo`, `!cargosvideo`); the defaults count as before."""

    zones: tuple[ZoneSince, ...] = ()
    """The server's time zones, oldest first; before the first (or with none), `TIMEZONE`."""
    ignored: tuple[Id, ...] = ()
    """Voice channels and categories whose camera time does not count (like the AFK channel)."""
    minimum: Seconds = 0
    """Sessions shorter than this are not counted."""
    daily_limit: Seconds | None = None
    """The most that counts per member per local day; None: no limit."""
    company: People = 1
    """Camera time counts only while at least this many people are in the channel."""
    streak_minimum: Seconds = DEFAULT_STREAK_MINIMUM
    """The camera time a local day needs to count toward a streak."""
    post_channel: Id | None = None
    post_every: PostEvery | None = None
    """Where and how often the period's ranking is posted; None: never."""
    post_since: str | None = None
    """When posting was last set up (aware UTC, ISO-8601): periods over before are not posted."""
    posted: tuple[str, ...] = ()
    """The periods whose ranking was posted (or is on its way, see `tracking.posts`), newest
    last (a few are kept)."""
    roles: tuple[RoleReward, ...] = ()

    def __post_init__(self) -> None:
        """The instant posting was set up is aware."""
        if self.post_since is not None:
            check_timestamp(self.post_since)

    @property
    def is_default(self) -> bool:
        """Whether nothing differs from a server without settings."""
        return self == DEFAULT_SERVER


class MemberSettings(Struct, kw_only=True, frozen=True, omit_defaults=True):
    """A member's own choices in one server (`!metavideo`, `!privacidade`)."""

    hidden: bool = False
    """Counted, but shown to others as "membro oculto"."""
    paused: bool = False
    """Not counted at all while set (`!privacidade parar`)."""
    goal: Seconds | None = None
    goal_period: GoalPeriod = "dia"

    @property
    def is_default(self) -> bool:
        """Whether nothing differs from a member without choices."""
        return self == DEFAULT_MEMBER


DEFAULT_SERVER = ServerSettings()
DEFAULT_MEMBER = MemberSettings()


def known_zone(name: str) -> ZoneInfo:
    """The zone named `name`, or `ValueError` when the system does not know it.

    >>> known_zone("America/Manaus").key
    'America/Manaus'
    >>> known_zone("Marte/Olympus")
    Traceback (most recent call last):
    ...
    ValueError: unknown time zone 'Marte/Olympus'
    """
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"unknown time zone {name!r}") from error


def zone_at(settings: ServerSettings, default: ZoneInfo, moment: datetime) -> ZoneInfo:
    """The server's time zone at an aware instant: the last one set since before it.

    >>> from datetime import UTC
    >>> lisbon = ServerSettings(zones=(ZoneSince("2026-03-01T03:00:00+00:00", "Europe/Lisbon"),))
    >>> sp = ZoneInfo("America/Sao_Paulo")
    >>> zone_at(lisbon, sp, datetime(2026, 3, 1, 2, tzinfo=UTC)).key
    'America/Sao_Paulo'
    >>> zone_at(lisbon, sp, datetime(2026, 3, 1, 3, tzinfo=UTC)).key
    'Europe/Lisbon'
    """
    zone = default
    for change in settings.zones:
        if datetime.fromisoformat(change.since) > moment:
            break
        zone = known_zone(change.zone)
    return zone


_server_decoder = msgspec.json.Decoder(ServerSettings, strict=True)
_member_decoder = msgspec.json.Decoder(MemberSettings, strict=True)
_encoder = msgspec.json.Encoder()


def _error(error: Exception) -> SettingsRecordError:
    return SettingsRecordError(str(error))


def decode_server_settings(raw: bytes | str) -> ServerSettings:
    """A server's settings from JSON, validated.

    Raises:
        SettingsRecordError: not valid settings (nothing of it is used).
    """
    try:
        return _server_decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as error:
        raise _error(error) from error


def decode_member_settings(raw: bytes | str) -> MemberSettings:
    """A member's choices from JSON, validated.

    Raises:
        SettingsRecordError: not valid choices (nothing of it is used).
    """
    try:
        return _member_decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as error:
        raise _error(error) from error


def server_settings_from(value: Any) -> ServerSettings:
    """A server's settings from decoded JSON (e.g. a JSONB column), validated.

    Raises:
        SettingsRecordError: not valid settings.
    """
    return decode_server_settings(_encoder.encode(value))


def member_settings_from(value: Any) -> MemberSettings:
    """A member's choices from decoded JSON (e.g. a JSONB column), validated.

    Raises:
        SettingsRecordError: not valid choices.
    """
    return decode_member_settings(_encoder.encode(value))


def encode_settings(settings: ServerSettings | MemberSettings) -> bytes:
    """Settings as compact JSON (defaults left out)."""
    return _encoder.encode(settings)


def settings_to_builtins(settings: ServerSettings | MemberSettings) -> dict[str, Any]:
    """Settings as plain JSON values (defaults left out)."""
    value: dict[str, Any] = msgspec.to_builtins(settings)
    return value
