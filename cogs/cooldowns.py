"""Per-member cooldowns shared by the commands that cost the most to answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from discord.ext import commands

T = TypeVar("T")

RATE = 1
"""Uses allowed per member within `PER_SECONDS`."""

PER_SECONDS = 5.0
"""Length of the cooldown window."""


def member_cooldown(rate: int = RATE, per: float = PER_SECONDS) -> Callable[[T], T]:
    """Limit a (hybrid) command to `rate` uses per member every `per` seconds.

    Over the limit, the command raises `commands.CommandOnCooldown`, which the
    error handler answers with a friendly line saying when the wait ends. A use
    that fails on its arguments is given back (the error handler resets the
    cooldown), so a typo never costs a wait. In direct messages the limit
    applies per user. Put it below the command decorator:

        @commands.hybrid_command(name="graficovideo")
        @member_cooldown()
        async def graficovideo(self, ctx): ...
    """
    return commands.cooldown(rate, per, commands.BucketType.member)
