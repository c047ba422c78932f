"""What a store tells the health check, and the hooks it calls after each durable write.

Both stores (the JSON `database.Store` and `store.pg.store.PgStore`) keep a
`StoreHooks` and answer `health()`; the monitoring layer reads and sets them,
so no store knows about metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


def _ignore(seconds: float) -> None:
    del seconds


@dataclass(slots=True)
class StoreHooks:
    """Called on the event loop with the duration, in seconds, of each durable write."""

    wrote: Callable[[float], None] = field(default=_ignore)
    """A journal append and its fsync (JSON) or a change-log batch (PostgreSQL)."""
    snapshot: Callable[[float], None] = field(default=_ignore)
    """A good snapshot (JSON store only)."""


@dataclass(frozen=True, slots=True)
class StoreHealth:
    """How the store is doing; times are `time.monotonic()` readings, None: not yet."""

    failing: str | None
    """Why the store cannot write now (a short English reason), None while it can."""
    last_write: float | None
    last_snapshot: float | None = None
    """The last good snapshot (JSON store; None for PostgreSQL)."""
    unavailable: bool | None = None
    """Whether PostgreSQL is unreachable (None for the JSON store)."""
