"""Small helpers: formatting, validation, and member name lookup."""

from __future__ import annotations

import re

import aiohttp
import discord

SNOWFLAKE = re.compile(r"^[0-9]{17,20}$")

LOOKUP_ERRORS = (discord.HTTPException, aiohttp.ClientError, TimeoutError)
"""How a request to Discord can fail for a while: an error answer, a broken connection, a
time-out (`NotFound`, a subclass of the first, means the member is gone)."""


def format_seconds_to_time(seconds: int) -> str:
    """Seconds as hours, minutes and seconds, leaving out the units that are zero.

    Every view shows durations this way.

    >>> [format_seconds_to_time(s) for s in (3665, 59, 7200, 0)]
    ['1h 1min 5s', '59s', '2h', '0s']
    >>> [format_seconds_to_time(s) for s in (3900, 3605, 600)]
    ['1h 5min', '1h 5s', '10min']
    """
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    units = ((hours, "h"), (minutes, "min"), (secs, "s"))
    parts = [f"{value}{unit}" for value, unit in units if value]
    return " ".join(parts) or "0s"


def plural(count: int, singular: str, plural_form: str) -> str:
    """A count with its noun in the right number: `1 sessão`, `2 sessões`.

    The word pairs live in `texts` (e.g. `plural(n, *texts.MEMBERS)`).

    >>> plural(1, "sessão", "sessões"), plural(0, "sessão", "sessões")
    ('1 sessão', '0 sessões')
    """
    return f"{count} {singular if count == 1 else plural_form}"


def validate_user_id(value: str) -> bool:
    """Whether a string is a Discord snowflake (17 to 20 digits).

    >>> validate_user_id("123456789012345678"), validate_user_id("1234"), validate_user_id("x" * 18)
    (True, False, False)
    """
    return isinstance(value, str) and bool(SNOWFLAKE.match(value))


def escape_name(name: str) -> str:
    r"""A member name safe to show in Markdown.

    >>> escape_name("*ana*_")
    '\\*ana\\*\\_'
    """
    return discord.utils.escape_markdown(discord.utils.escape_mentions(name))


def truncate_string(text: str, limit: int, suffix: str = "…") -> str:
    """Cut `text` to `limit` characters, ending with `suffix` when cut.

    >>> truncate_string("abcdef", 4)
    'abc…'
    """
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(suffix))] + suffix
