"""Audited changes: the audit entry first, then the change, in one order for every cog.

A change that members or admins make by hand (a reset, an adjustment, a member's
erasure of their own data, a server's settings) is written to the audit log *before* it
is applied: if the log cannot be written nothing changes, so the log never misses an
action (a crash between the two can leave an entry for an action that did not land).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from discord.ext import commands

from database import AuditEntry
from tracking.records import Adjust, Change, Erase, Reset
from tracking.server_settings import ServerSettings
from tracking.standings import now
from ui import texts

if TYPE_CHECKING:
    from bot import BatePonto

log = logging.getLogger(__name__)

COMMIT_WAIT_SECONDS = 5.0
"""How long a command waits for its change to reach the disk before replying."""


async def audited_commit(bot: BatePonto, entry: AuditEntry, record: Change) -> bool:
    """Audit, then apply a change; False (and nothing done) if the audit log failed.

    A reset or an erasure also restarts the running sessions it covers in the same step
    (no await in between), so they cannot bring back time from before it: the time they
    ran so far is not counted, and a member still on camera counts again from now.
    """
    try:
        await bot.store.audit_append(entry)
    except OSError:
        return False  # the store logged it
    if isinstance(record, Reset | Erase):
        guild_id = record.g
        keys = [(guild_id, record.u)] if record.u is not None else bot.sessions.keys_in(guild_id)
        for key in keys:
            bot.sessions.restart_session(*key)
    durable = bot.store.commit([record])
    if isinstance(record, Reset | Adjust | Erase):
        # Cogs that follow a member's figures (role rewards) look again; None: everyone.
        bot.dispatch("figures_changed", record.g, record.u)
    try:
        await asyncio.wait_for(asyncio.shield(durable), COMMIT_WAIT_SECONDS)
    except TimeoutError:
        log.warning("Alteração feita à mão aplicada, mas ainda não gravada; o bot segue tentando")
    return True


async def change_settings(
    bot: BatePonto,
    ctx: commands.Context[BatePonto],
    settings: ServerSettings,
    *,
    setting: str,
    before: str,
    after: str,
) -> bool:
    """Audit, then save a server's new settings; False (admin told) if either failed.

    The one way every settings command (`!configvideo`, `!cargosvideo`) changes a
    server's settings. `setting` names the subcommand; `before` and `after` are the
    values as admins read them (they go to the audit log).
    """
    assert ctx.guild is not None
    entry = AuditEntry(
        at=now(bot.sessions).isoformat(),
        guild_id=ctx.guild.id,
        admin_id=ctx.author.id,
        admin_name=ctx.author.display_name,
        action="config",
        setting=setting,
        change=f"{before} → {after}",
    )
    try:
        await bot.store.audit_append(entry)
        await bot.store.save_server_settings(ctx.guild.id, settings)
    except OSError:  # the disk or the database refused (the store logged why)
        await ctx.send(texts.SETTINGS_SAVE_FAILED)
        return False
    # Cogs that follow a server's rules (who is on camera, when to post) look again.
    bot.dispatch("server_settings_changed", ctx.guild)
    return True
