"""Display names of server members, looked up through Discord and remembered for a while.

Also the one rule of `!privacidade oculto` (`is_hidden_from`): a hidden member is counted
but never named to anyone but themself; every view that names members asks it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Protocol

import discord

from tracking.server_settings import MemberSettings
from ui import texts
from utils import LOOKUP_ERRORS

log = logging.getLogger(__name__)

NAME_CACHE_SECONDS = 600.0
"""How long a looked-up name (or a departure) is trusted before asking Discord again."""


class MemberChoices(Protocol):
    """Where members' own choices are read (the store)."""

    def member_settings(self, guild_id: int, user_id: int) -> MemberSettings:
        """A member's choices in a server (the defaults when none)."""
        ...

    def members_with_settings(self, guild_id: int) -> Mapping[int, MemberSettings]:
        """The members of a server with a choice of their own."""
        ...


def is_hidden_from(choices: MemberChoices, guild_id: int, user_id: int, viewer_id: int) -> bool:
    """Whether member `user_id` must not be shown to `viewer_id`: hidden, and someone else.

    The one rule of `!privacidade oculto`; `hidden_members` applies it to a whole server.
    """
    return user_id != viewer_id and choices.member_settings(guild_id, user_id).hidden


def hidden_members(choices: MemberChoices, guild_id: int, viewer_id: int) -> set[int]:
    """The members of a server `viewer_id` must see only as `texts.HIDDEN_MEMBER`."""
    return {
        user_id
        for user_id in choices.members_with_settings(guild_id)
        if is_hidden_from(choices, guild_id, user_id, viewer_id)
    }


class MemberNames:
    """Display names of server members, remembered for a while; departures too.

    Members in the bot's cache are read from it; others are fetched from
    Discord concurrently and remembered for `ttl` seconds, so paging through a
    ranking does not ask Discord again. A member who left (404) is remembered
    as departed for the same time, or until seen again (`seen`). Bots are never
    shown: they are answered as None, like members who left, and listed in `bots`.
    """

    def __init__(self, ttl: float = NAME_CACHE_SECONDS) -> None:
        """Remember answers for `ttl` seconds (monotonic)."""
        self.ttl = ttl
        self._guilds: dict[int, dict[int, tuple[str | None, float]]] = {}
        self._bots: dict[int, set[int]] = {}

    def bots(self, guild_id: int) -> set[int]:
        """Ids found to be bots in a server (never shown in rankings, exports or charts)."""
        return self._bots.get(guild_id, set())

    def departed(self, guild_id: int) -> set[int]:
        """Members of a server currently known to have left."""
        now = time.monotonic()
        known = self._guilds.get(guild_id, {})
        return {uid for uid, (name, until) in known.items() if name is None and until > now}

    def seen(self, guild_id: int, user_id: int, name: str | None = None) -> None:
        """A member was seen in the server (or, with no name, should be looked up again)."""
        known = self._guilds.get(guild_id)
        if known is None:
            return
        if name is None:
            known.pop(user_id, None)
        else:
            known[user_id] = (name, time.monotonic() + self.ttl)

    def left(self, guild_id: int, user_id: int) -> None:
        """A member was seen leaving the server."""
        self._guilds.setdefault(guild_id, {})[user_id] = (None, time.monotonic() + self.ttl)

    def forget_guild(self, guild_id: int) -> None:
        """Drop everything known about a server."""
        self._guilds.pop(guild_id, None)

    async def lookup(self, guild: discord.Guild, user_ids: Iterable[int]) -> dict[int, str | None]:
        """Names by id (None for members who left), asking Discord only for unknown ones."""
        now = time.monotonic()
        known = self._guilds.setdefault(guild.id, {})
        if len(known) > 4096:
            for uid in [uid for uid, (_, until) in known.items() if until <= now]:
                del known[uid]
        names: dict[int, str | None] = {}
        missing: list[int] = []
        for user_id in user_ids:
            member = guild.get_member(user_id)
            entry = known.get(user_id)
            if member is not None and member.bot:
                names[user_id] = None
                self._bots.setdefault(guild.id, set()).add(user_id)
            elif member is not None:
                names[user_id] = member.display_name
            elif entry is not None and entry[1] > now:
                names[user_id] = entry[0]
            else:
                missing.append(user_id)
        if missing:
            fetched = await asyncio.gather(*(self._fetch(guild, uid) for uid in missing))
            until = time.monotonic() + self.ttl
            for user_id, (name, trusted) in zip(missing, fetched, strict=True):
                names[user_id] = name
                if trusted:
                    known[user_id] = (name, until)
        return names

    async def _fetch(self, guild: discord.Guild, user_id: int) -> tuple[str | None, bool]:
        """(name, or None if gone or a bot; whether the answer may be remembered)."""
        try:
            member = await guild.fetch_member(user_id)
        except discord.NotFound:
            return None, True
        except LOOKUP_ERRORS as error:
            log.warning(
                "Não foi possível buscar o membro %s do servidor %s: %s", user_id, guild.id, error
            )
            return texts.UNKNOWN_MEMBER.format(user_id=user_id), False
        if member.bot:
            self._bots.setdefault(guild.id, set()).add(user_id)
            return None, True
        return member.display_name, True
