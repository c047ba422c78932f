"""Settings, built from the environment (then `.env`) when asked, never at import time."""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

PROJECT_DIR = Path(__file__).resolve().parent
"""The folder that holds `bot.py`; relative data paths are resolved against it."""

ENV_FILE: Path | None = None
"""The `.env` file read after the environment; None: the one in `PROJECT_DIR` (tests point
this at an empty file, so a developer's `.env` never reaches them)."""

TOKEN_CREDENTIAL = "discord_token"
"""The systemd credential (`LoadCredential=discord_token:...`) that holds the token."""

CHECKPOINT_MIN_SECONDS = 5
CHECKPOINT_MAX_SECONDS = 86400
LOG_FORMATS = ("text", "json")

_PLACEHOLDER_TOKEN = re.compile(
    r"<.*>|[A-Za-z_\- ]*(?i:token|here|aqui|change_?me)[A-Za-z_\- ]*|[xX*.]+"
)
"""Values that stand for a token: a real one has dots and digits, so it never matches."""


class SettingsError(ValueError):
    """A setting has a value the bot cannot use."""


class Secret(str):
    """A string that never shows its value in `repr` (and so in logs of objects)."""

    def __repr__(self) -> str:
        return "Secret('********')" if self else "Secret('')"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot can be configured with."""

    token: Secret = field(default=Secret(""), repr=True)
    command_prefix: str = "!"
    data_file: Path = PROJECT_DIR / "video_ranking.json"
    log_level: str = "INFO"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/Sao_Paulo"))
    checkpoint_seconds: float = 60.0
    legacy_guild_id: int | None = None
    shard_count: int | None = None
    """How many shards the bot's servers are spread over; None: Discord's recommendation
    (asked for when the bot connects); 1: one connection, unsharded."""
    shard_ids: tuple[int, ...] | None = None
    """The shards this process owns; None: all of them."""
    database_url: Secret = field(default=Secret(""), repr=True)
    """`DATABASE_URL` (it may hold a password: never shown); empty for the JSON store."""
    log_format: str = "text"
    """`LOG_FORMAT`: `text` (one readable line per record) or `json` (one JSON object)."""
    metrics_port: int | None = None
    """`METRICS_PORT`: where `/healthz` and `/metrics` are served; None: not served."""
    metrics_host: str = "127.0.0.1"
    """`METRICS_HOST`: the address that port is bound to."""


def load_settings(environ: dict[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Read settings from the environment, falling back to the `.env` file beside `bot.py`.

    The token is the systemd credential `discord_token` when there is one
    (`$CREDENTIALS_DIRECTORY/discord_token`): it wins over the environment and `.env`.

    Raises:
        SettingsError: when a value is present but unusable.
    """
    source = dict(os.environ) if environ is None else dict(environ)
    dotenv_path = env_file or ENV_FILE or PROJECT_DIR / ".env"
    file_values = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None}

    def get(name: str, default: str) -> str:
        value = source.get(name)
        if value is None or value == "":
            value = file_values.get(name, default)
        return value.strip()

    data_file = Path(get("DATA_FILE", "video_ranking.json")).expanduser()
    if not data_file.is_absolute():
        data_file = PROJECT_DIR / data_file

    zone_name = get("TIMEZONE", "America/Sao_Paulo")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(f"TIMEZONE inválido / invalid TIMEZONE: {zone_name!r}") from error

    raw_checkpoint = get("CHECKPOINT_SECONDS", "60")
    try:
        checkpoint = float(raw_checkpoint)
    except ValueError:
        checkpoint = math.nan
    if not (
        math.isfinite(checkpoint) and CHECKPOINT_MIN_SECONDS <= checkpoint <= CHECKPOINT_MAX_SECONDS
    ):
        raise SettingsError(
            f"CHECKPOINT_SECONDS deve ser um número de segundos de {CHECKPOINT_MIN_SECONDS} a "
            f"{CHECKPOINT_MAX_SECONDS} / must be a number of seconds from "
            f"{CHECKPOINT_MIN_SECONDS} to {CHECKPOINT_MAX_SECONDS}: {raw_checkpoint!r}"
        )

    level = get("LOG_LEVEL", "INFO").upper()
    if not isinstance(logging.getLevelName(level), int):
        raise SettingsError(f"LOG_LEVEL inválido / invalid LOG_LEVEL: {level!r}")

    log_format = get("LOG_FORMAT", "text").lower()
    if log_format not in LOG_FORMATS:
        raise SettingsError(
            f"LOG_FORMAT deve ser text ou json / must be text or json: {log_format!r}"
        )

    legacy = get("LEGACY_GUILD_ID", "")
    if legacy and not (legacy.isdigit() and 17 <= len(legacy) <= 20):
        raise SettingsError(
            f"LEGACY_GUILD_ID deve ser o ID de um servidor / must be a server id: {legacy!r}"
        )

    shard_count, shard_ids = _shards(get("SHARD_COUNT", ""), get("SHARD_IDS", ""))
    metrics_port = _port(get("METRICS_PORT", ""))
    prefix = get("COMMAND_PREFIX", "!") or "!"
    return Settings(
        token=Secret(_credential(source, TOKEN_CREDENTIAL) or get("DISCORD_TOKEN", "")),
        command_prefix=prefix,
        data_file=data_file,
        log_level=level,
        timezone=zone,
        checkpoint_seconds=checkpoint,
        legacy_guild_id=int(legacy) if legacy else None,
        shard_count=shard_count,
        shard_ids=shard_ids,
        database_url=Secret(get("DATABASE_URL", "")),
        log_format=log_format,
        metrics_port=metrics_port,
        metrics_host=get("METRICS_HOST", "127.0.0.1") or "127.0.0.1",
    )


def _port(raw: str) -> int | None:
    """`METRICS_PORT`: a TCP port from 1 to 65535, or empty (no health or metrics server).

    Raises:
        SettingsError: naming the setting and its value, in one line.
    """
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 65535):
        raise SettingsError(
            f"METRICS_PORT deve ser uma porta de 1 a 65535 / must be a port from 1 to 65535: "
            f"{raw!r}"
        )
    return int(raw)


def _credential(source: dict[str, str], name: str) -> str | None:
    """The systemd credential `name` (surrounding whitespace removed); None if there is none.

    Raises:
        SettingsError: when the credential file exists but cannot be read, or is empty.
    """
    folder = source.get("CREDENTIALS_DIRECTORY", "")
    if not folder:
        return None
    path = Path(folder) / name
    if not os.path.lexists(path):
        return None
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = (error.strerror or str(error)) if isinstance(error, OSError) else "not UTF-8"
        raise SettingsError(
            f"não foi possível ler a credencial {name} / cannot read the credential {path}: "
            f"{reason}"
        ) from error
    if not value:
        raise SettingsError(f"a credencial {name} está vazia / the credential {path} is empty")
    return value


def _shards(raw_count: str, raw_ids: str) -> tuple[int | None, tuple[int, ...] | None]:
    """`SHARD_COUNT` (a positive int) and `SHARD_IDS` (distinct ids below it, comma separated).

    Raises:
        SettingsError: naming the setting and its value, in one line.
    """
    count: int | None = None
    if raw_count:
        if not (raw_count.isascii() and raw_count.isdigit() and int(raw_count) > 0):
            raise SettingsError(
                f"SHARD_COUNT deve ser um número inteiro positivo / must be a positive integer: "
                f"{raw_count!r}"
            )
        count = int(raw_count)
    if not raw_ids:
        return count, None
    if count is None:
        raise SettingsError(
            f"SHARD_IDS precisa de SHARD_COUNT / SHARD_IDS needs SHARD_COUNT: {raw_ids!r}"
        )
    parts = [part.strip() for part in raw_ids.split(",")]
    if not all(p.isascii() and p.isdigit() and int(p) < count for p in parts):
        raise SettingsError(
            f"SHARD_IDS deve listar números de 0 a {count - 1} separados por vírgula / must be a "
            f"comma list of ids from 0 to {count - 1}: {raw_ids!r}"
        )
    ids = tuple(int(part) for part in parts)
    if len(set(ids)) != len(ids):
        raise SettingsError(
            f"SHARD_IDS tem IDs repetidos / SHARD_IDS has duplicate ids: {raw_ids!r}"
        )
    return count, ids


def is_placeholder_token(token: str) -> bool:
    """Whether `token` is an example value (as in `.env.example`), not a real token.

    >>> is_placeholder_token("your_bot_token_here"), is_placeholder_token("<token do bot>")
    (True, True)
    >>> is_placeholder_token("SEU_TOKEN_AQUI"), is_placeholder_token("xxxxxxxx")
    (True, True)
    >>> is_placeholder_token("MTQ1NjA3NDQ0Mzk4MDgwMDAwMQ.GaBcDe.token-here-8Qm3x_Zk")
    False
    """
    return _PLACEHOLDER_TOKEN.fullmatch(token.strip()) is not None
