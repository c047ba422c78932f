"""Small pure helpers: formatting, validation and member lookup."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable

import discord

log = logging.getLogger(__name__)

SNOWFLAKE = re.compile(r"^[0-9]{17,20}$")


def format_duration(seconds: int) -> str:
    """Seconds as hours, minutes and seconds, the way the ranking shows them.

    >>> format_duration(3665)
    '1h 1min 5s'
    >>> format_duration(59)
    '59s'
    >>> format_duration(7200)
    '2h 0min 0s'
    >>> format_duration(0)
    '0s'
    """
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}min {secs}s"
    if minutes:
        return f"{minutes}min {secs}s"
    return f"{secs}s"


def plural(count: int, singular: str, plural_form: str) -> str:
    """`1 sessão`, `2 sessões`.

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


def validate_and_convert_user_id(value: str) -> int:
    """A snowflake string as an int.

    Raises:
        ValueError: it is not a snowflake.
    """
    if not validate_user_id(value):
        raise ValueError(f"{value!r} is not a Discord id (17 to 20 digits)")
    return int(value)


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


async def resolve_names(guild: discord.Guild, user_ids: Iterable[int]) -> dict[int, str | None]:
    """Display names by id: from the cache, fetching only the misses, concurrently.

    A member who left the server (or whose account was deleted) maps to None.
    When Discord fails to answer, the member is shown by id rather than hidden.
    """
    names: dict[int, str | None] = {}
    missing = []
    for user_id in user_ids:
        member = guild.get_member(user_id)
        if member is not None:
            names[user_id] = member.display_name
        else:
            missing.append(user_id)

    async def fetch(user_id: int) -> str | None:
        try:
            return (await guild.fetch_member(user_id)).display_name
        except discord.NotFound:
            return None
        except discord.HTTPException as error:
            log.warning("Could not fetch member %s of %s: %s", user_id, guild.id, error)
            return f"Membro {user_id}"

    fetched = await asyncio.gather(*(fetch(user_id) for user_id in missing))
    names.update(zip(missing, fetched, strict=True))
    return names
