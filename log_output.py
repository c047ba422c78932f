"""Log output for the entry points: the text or JSON line format, and secrets masked out.

`configure` is called by `bot.py` and `manage.py` (never at import time). Every record
goes through `SecretFilter` on the way out, in either format, so a token or a database
password that reaches a message, its arguments, a traceback or a stack never gets printed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

TEXT_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
TEXT_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
MASK = "********"

CONTEXT_KEYS = ("shard", "server", "member", "event")
"""What a log call may pass with `extra=`; the JSON format shows those that are set."""


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, and context.

    >>> record = logging.LogRecord("bate-ponto", logging.INFO, "", 0, "oi %s", ("ana",), None)
    >>> record.created = 0.0
    >>> record.event, record.server = "camera_on", 42
    >>> JsonFormatter().format(record)
    '{"time": "1970-01-01T00:00:00.000Z", "level": "INFO", "logger": "bate-ponto", \
"message": "oi ana", "server": 42, "event": "camera_on"}'
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON (a traceback goes in `exception`, escaped)."""
        moment = datetime.fromtimestamp(record.created, UTC)
        line: dict[str, Any] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in CONTEXT_KEYS:
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class SecretFilter(logging.Filter):
    """Replaces each secret with `MASK` in a record's message, arguments and traceback.

    It rewrites the record (message formatted, arguments dropped, traceback text set),
    so every handler and formatter after it sees only the masked text.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        unique = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, unique))) if unique else None

    def mask(self, text: str) -> str:
        """`text` with every secret replaced.

        >>> SecretFilter(["abc.def"]).mask("token abc.def!")
        'token ********!'
        """
        return text if self._pattern is None else self._pattern.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place; it is always let through."""
        if self._pattern is None:
            return True
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def secrets_of(token: str, database_url: str) -> list[str]:
    """What must never be printed: the token and the database password (as written, decoded).

    >>> secrets_of("abc.def", "postgresql://bate:s%40nha@db/ranking")
    ['abc.def', 's%40nha', 's@nha']
    >>> secrets_of("", "host=db password=segredo dbname=ranking")
    ['segredo']
    """
    found = [token] if token else []
    password: str | None = None
    if "://" in database_url:
        try:
            password = urlsplit(database_url).password
        except ValueError:
            password = None
    elif match := re.search(r"\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", database_url):
        password = match.group(1).strip("'")
    if password:
        found += [password] if unquote(password) == password else [password, unquote(password)]
    return found


def configure(level: str, log_format: str = "text", secrets: Iterable[str] = ()) -> None:
    """Send the process's logs to stderr, in `log_format`, with `secrets` masked.

    Called again (once the settings are read), it replaces what an earlier call set up.
    """
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT, TEXT_DATE_FORMAT))
    handler.addFilter(SecretFilter(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
