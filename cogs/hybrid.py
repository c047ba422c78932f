"""discord.py's hybrid command decorators, with a signature mypy can check.

discord.py types a command callback as a union of two `ParamSpec` callables (with
and without the cog). mypy cannot solve a `ParamSpec` inside a union, so it rejects
every cog method given to `commands.hybrid_command`, whatever its signature. The
decorators below are discord.py's own, typed once for what the cogs pass them: an
async cog method returning None.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, cast

from discord.ext import commands

CogMethod = Callable[..., Coroutine[Any, Any, None]]
"""An async method of a cog that answers a command."""

AnyHybridCommand = commands.HybridCommand[Any, ..., None]
AnyHybridGroup = commands.HybridGroup[Any, ..., None]


def hybrid_command(**attrs: Any) -> Callable[[CogMethod], AnyHybridCommand]:
    """`commands.hybrid_command(**attrs)`: a prefix and slash command."""
    return cast(Callable[[CogMethod], AnyHybridCommand], commands.hybrid_command(**attrs))


def hybrid_group(**attrs: Any) -> Callable[[CogMethod], AnyHybridGroup]:
    """`commands.hybrid_group(**attrs)`: a prefix and slash command with subcommands."""
    return cast(Callable[[CogMethod], AnyHybridGroup], commands.hybrid_group(**attrs))


def subcommand(group: AnyHybridGroup, **attrs: Any) -> Callable[[CogMethod], AnyHybridCommand]:
    """`group.command(**attrs)`: a subcommand of a hybrid group."""
    return cast(Callable[[CogMethod], AnyHybridCommand], group.command(**attrs))
