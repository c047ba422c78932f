"""Per-server settings and per-member choices in memory (`SettingsTable`), and their JSON file.

Both stores keep a `SettingsTable` for their servers: reads answer from it at once,
and a change replaces it only once the change is durable (the JSON store's file
below, PostgreSQL's tables), so a refused write leaves the settings as they were.

The JSON store's file is `video_ranking.settings.json` beside `DATA_FILE`
(mode 0600, written atomically with the previous copy kept as `.bak`):

    {"version": 1,
     "servers": {"<guild id>": {"minimum": 60, ...}},
     "members": {"<guild id>": {"<user id>": {"hidden": true, ...}}}}

A file that cannot be read or is not valid is moved aside (`*.corrupt-<UTC time>`),
logged at ERROR, and its `.bak` is used; when neither can be used, opening fails
rather than starting with every server's settings back at their defaults.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import msgspec

from database_lock import CorruptFileError, atomic_write_json
from store.recovery import StorePaths, read_newest_good
from tracking.records import Id
from tracking.server_settings import (
    DEFAULT_MEMBER,
    DEFAULT_SERVER,
    MemberSettings,
    ServerSettings,
)

log = logging.getLogger(__name__)


class SettingsFile(msgspec.Struct, frozen=True):
    """The JSON store's settings file, version 1."""

    version: Literal[1] = 1
    servers: dict[Id, ServerSettings] = {}
    members: dict[Id, dict[Id, MemberSettings]] = {}


_decoder = msgspec.json.Decoder(SettingsFile, strict=True)
_encoder = msgspec.json.Encoder()


class SettingsFileError(CorruptFileError):
    """Neither the settings file nor its `.bak` could be used (both were moved aside)."""


class SettingsTable:
    """Settings of some servers and their members, in memory; replaced whole on a change."""

    __slots__ = ("servers", "members")

    def __init__(
        self,
        servers: Mapping[int, ServerSettings] | None = None,
        members: Mapping[int, Mapping[int, MemberSettings]] | None = None,
    ) -> None:
        """Hold these settings (records at their default are dropped)."""
        self.servers = {g: s for g, s in (servers or {}).items() if not s.is_default}
        self.members = {
            g: kept
            for g, choices in (members or {}).items()
            if (kept := {u: c for u, c in choices.items() if not c.is_default})
        }

    def server(self, guild_id: int) -> ServerSettings:
        """A server's settings (the defaults when it has none)."""
        return self.servers.get(guild_id, DEFAULT_SERVER)

    def member(self, guild_id: int, user_id: int) -> MemberSettings:
        """A member's choices in a server (the defaults when none)."""
        return self.members.get(guild_id, {}).get(user_id, DEFAULT_MEMBER)

    def members_of(self, guild_id: int) -> Mapping[int, MemberSettings]:
        """The members of a server with a choice of their own (read-only)."""
        return self.members.get(guild_id, {})

    def with_server(self, guild_id: int, settings: ServerSettings) -> SettingsTable:
        """A copy with a server's settings replaced."""
        servers = dict(self.servers)
        servers[guild_id] = settings
        return SettingsTable(servers, self.members)

    def with_member(self, guild_id: int, user_id: int, settings: MemberSettings) -> SettingsTable:
        """A copy with a member's choices replaced."""
        members = dict(self.members)
        choices = dict(members.get(guild_id, {}))
        choices[user_id] = settings
        members[guild_id] = choices
        return SettingsTable(self.servers, members)

    def encode(self) -> bytes:
        """The table as the settings file's JSON."""
        return _encoder.encode(SettingsFile(servers=self.servers, members=self.members))


def decode_settings_file(raw: bytes) -> SettingsTable:
    """A settings file's contents, validated in one step.

    Raises:
        CorruptFileError: not a valid settings file.
    """
    try:
        contents = _decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as error:
        raise CorruptFileError(str(error)) from error
    return SettingsTable(contents.servers, contents.members)


def load_settings(path: Path) -> SettingsTable:
    """Read the settings file (blocking); empty when neither it nor its `.bak` exists.

    Raises:
        SettingsFileError: files were there but none could be used (each was moved aside).
    """
    existed = path.exists() or StorePaths.backup(path).exists()
    found = read_newest_good(path, "de configurações", decode_settings_file, digest=False)
    if found is not None:
        return found[0]
    if existed:
        raise SettingsFileError(
            f"nem {path} nem a cópia .bak puderam ser lidos (guardados como *.corrupt-*); "
            f"o bot não inicia com as configurações de todos os servidores apagadas: "
            f"restaure o arquivo ou apague-o para voltar aos padrões / neither {path} nor its "
            f".bak could be read (kept aside as *.corrupt-*)"
        )
    return SettingsTable()


def write_settings(path: Path, table: SettingsTable, *, forget: bool = False) -> None:
    """Replace the settings file with `table` (blocking, atomic, the old one kept as `.bak`).

    With `forget`, what `table` no longer holds must not stay on disk: the `.bak` is
    replaced with `table` too (after the file itself, so a good copy exists at every
    instant).
    """
    raw = table.encode()
    if not forget:
        atomic_write_json(path, [raw], backup=StorePaths.backup(path))
        return
    atomic_write_json(path, [raw])
    atomic_write_json(StorePaths.backup(path), [raw])


class SettingsReads:
    """`RankingStore`'s settings reads, over `self.settings` (both stores)."""

    settings: SettingsTable

    def server_settings(self, guild_id: int) -> ServerSettings:
        """A server's settings (the defaults when it has none)."""
        return self.settings.server(guild_id)

    def member_settings(self, guild_id: int, user_id: int) -> MemberSettings:
        """A member's choices in a server (the defaults when none)."""
        return self.settings.member(guild_id, user_id)

    def members_with_settings(self, guild_id: int) -> Mapping[int, MemberSettings]:
        """The members of a server with a choice of their own (read-only)."""
        return self.settings.members_of(guild_id)

    def servers_with_settings(self) -> list[int]:
        """The servers whose settings differ from the defaults."""
        return list(self.settings.servers)
