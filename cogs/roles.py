"""`!cargosvideo`: roles members earn with camera time, and the worker that gives them.

The decision is `tracking.rewards` (pure): from a member's total and this local
month's time (running session included), the reward roles earned; only the
difference with the roles the member holds is applied. Members are looked at
again when a credit lands (checkpoints, session ends), after a reset or an
adjustment, when a reward is added, when the server's month turns, and on every
start (so deciding again after a restart changes nothing that is already right).

Role changes go through one queue, one member at a time, with a pause between
requests to Discord; answers that mean "try later" (429, 5xx, a broken
connection) are retried with a growing pause. A role the bot cannot give
(no Manage Roles, above the bot's top role, managed, deleted) is logged once and
skipped: counting never depends on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
import msgspec
from discord import app_commands
from discord.ext import commands

from cogs.audited import change_settings
from cogs.checks import for_admins
from cogs.hybrid import hybrid_group, subcommand
from tracking.periods import DayRange, Period
from tracking.rewards import (
    MAX_REWARDS,
    add_reward,
    earned_roles,
    find_reward,
    has_monthly,
    lowest_threshold,
    remove_reward,
    role_changes,
)
from tracking.server_settings import RoleReward
from tracking.standings import days_of, member_figures, period_standings, seconds_by_day
from ui import texts
from ui.converters import RoleArgument, RoleIdArgument, RoleScopeArgument, Threshold
from utils import LOOKUP_ERRORS, escape_name, format_seconds_to_time, plural

if TYPE_CHECKING:
    from bot import BatePonto

log = logging.getLogger(__name__)

Context = commands.Context["BatePonto"]
Key = tuple[int, int]
"""(server id, member id)."""

MAX_THRESHOLD = 100_000 * 3600
"""The largest threshold a reward may have."""

CHANGE_SPACING_SECONDS = 0.5
"""Pause after each request to Discord, so a burst of changes never hits its rate limits."""
RETRY_FIRST_SECONDS = 1.0
"""Pause before a request that Discord asked to retry is sent again; it doubles each time."""
ATTEMPTS = 5
"""How many times one change is tried before it waits for the next look at the member."""
UNKNOWN_ROLE = 10011
"""Discord's error code for a role that does not exist (any more)."""

ROLE: discord.Role = commands.parameter(converter=RoleArgument())
ROLE_ID: int = commands.parameter(converter=RoleIdArgument())
THRESHOLD: int = commands.parameter(converter=Threshold(limit=MAX_THRESHOLD))
SCOPE: str = commands.parameter(converter=RoleScopeArgument(), default="total")

PROBLEM_LOGS = {
    "managed": (
        "O cargo %s do servidor %s é gerenciado por uma integração (ou é o @everyone) e não "
        "pode ser dado nem tirado; a contagem continua"
    ),
    "no_permission": (
        "Sem a permissão Gerenciar Cargos no servidor %s: o cargo %s não pode ser dado nem "
        "tirado; a contagem continua"
    ),
    "above": (
        "O cargo %s do servidor %s não está abaixo do cargo mais alto do bot: ele não pode ser "
        "dado nem tirado; a contagem continua"
    ),
    "forbidden": (
        "O Discord recusou (403) o cargo %s do servidor %s: confira a permissão Gerenciar "
        "Cargos e se o cargo do bot está acima dele; a contagem continua"
    ),
    "deleted": (
        "O cargo %s do servidor %s foi apagado: ele é ignorado até sair da lista "
        "(!cargosvideo remover <id>)"
    ),
}
"""Operator lines for a reward that cannot be applied, each logged once per server and role."""


def role_problem(guild: discord.Guild, role: discord.Role) -> str | None:
    """Why the bot cannot give or take `role` in `guild` (a `PROBLEM_LOGS` key); None if it can."""
    if role.is_default() or role.managed:
        return "managed"
    me = guild.me
    if not me.guild_permissions.manage_roles:
        return "no_permission"
    if role >= me.top_role:
        return "above"
    return None


def retryable(error: Exception) -> bool:
    """Whether a failed request may work if sent again later (rate limit, Discord's fault)."""
    if isinstance(error, discord.HTTPException):
        return error.status == 429 or error.status >= 500
    return True  # a broken connection or a time-out


def describe(reward: RoleReward) -> str:
    """A reward's threshold as admins read it: `10h no total`, `5h no mês`."""
    return f"{format_seconds_to_time(reward.seconds)} {texts.ROLE_SCOPES[reward.scope]}"


@dataclass(slots=True)
class Held:
    """What the bot knows of one member's reward roles."""

    known: frozenset[int]
    """The reward roles this covers (asked of Discord, or changed here since)."""
    held: set[int]
    """Those of them the member holds."""


class RoleRewards(commands.Cog, name="Cargos"):
    """`!cargosvideo` and the worker that keeps members' reward roles as earned."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot."""
        self.bot = bot
        self._queued: dict[Key, None] = {}
        """Members to look at, in the order asked (a member once, however often asked)."""
        self._worker: asyncio.Task[None] | None = None
        self._roles: dict[Key, Held] = {}
        """What is known of the reward roles of each member looked at (see `Held`)."""
        self._logged: set[tuple[int, int, str]] = set()
        self._months: dict[int, int] = {}
        """Per server, the first local day of the month it was last looked at in."""
        self._months_task: asyncio.Task[None] | None = None
        self._started = False

    async def cog_load(self) -> None:
        """Start the periodic look at the month."""
        self._months_task = asyncio.create_task(self._watch_months(), name="role-months")

    async def cog_unload(self) -> None:
        """Stop it, and the worker if it is running."""
        tasks = [task for task in (self._months_task, self._worker) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._months_task = self._worker = None

    # ------------------------------------------------------------ who to look at

    def rewards(self, guild_id: int) -> tuple[RoleReward, ...]:
        """A server's role rewards."""
        return self.bot.store.server_settings(guild_id).roles

    def enqueue(self, guild_id: int, user_id: int) -> None:
        """Look at a member soon (once, however often asked before it happens)."""
        self._queued[(guild_id, user_id)] = None
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name="role-rewards")

    def enqueue_server(self, guild_id: int) -> None:
        """Look at every member of a server who may have earned or may hold a reward.

        Those whose total reaches the lowest threshold (no one else can have earned
        anything, this month included) and those known to hold a reward role.
        """
        rewards = self.rewards(guild_id)
        lowest = lowest_threshold(rewards)
        if lowest is None:
            return
        standings = period_standings(self.bot.store, self.bot.sessions, guild_id, None)
        for standing in standings.top(len(standings)):
            if standing.seconds < lowest:
                break
            self.enqueue(guild_id, standing.user_id)
        managed = {reward.role_id for reward in rewards}
        for (server, user_id), known in list(self._roles.items()):
            if server == guild_id and known.held & managed:
                self.enqueue(server, user_id)

    def _servers_with_rewards(self) -> list[int]:
        """Servers of this process (its shards) that give roles."""
        store = self.bot.store
        return [
            guild_id
            for guild_id in store.servers_with_settings()
            if store.server_settings(guild_id).roles and self.bot.get_guild(guild_id) is not None
        ]

    def _month_days(self, guild_id: int) -> DayRange:
        """The local days of a server's month so far (the calendar every view uses)."""
        days = days_of(self.bot.sessions, guild_id, Period.MONTH)
        assert days is not None  # a month is never all time
        return days

    def _month_of(self, guild_id: int) -> int:
        return self._month_days(guild_id).first

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Once a start is connected, look again at every server with rewards.

        Later READY events (reconnects) add nothing: time credited on a reconnect
        arrives through `camera_credited` like any other, and a month's turn is
        watched apart.
        """
        if self._started:
            return
        self._started = True
        for guild_id in self._servers_with_rewards():
            self._months[guild_id] = self._month_of(guild_id)
            self.enqueue_server(guild_id)

    @commands.Cog.listener()
    async def on_camera_credited(self, keys: list[Key]) -> None:
        """Camera time landed (a checkpoint, a session's end): look at those members."""
        for guild_id, user_id in keys:
            if self.rewards(guild_id):
                self.enqueue(guild_id, user_id)

    @commands.Cog.listener()
    async def on_figures_changed(self, guild_id: int, user_id: int | None) -> None:
        """A reset or an adjustment: look at the member (None: the whole server) at once."""
        if not self.rewards(guild_id):
            return
        if user_id is None:
            self.enqueue_server(guild_id)
        else:
            self.enqueue(guild_id, user_id)

    @commands.Cog.listener()
    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        """The bot's own role changed (Manage Roles given, moved up): look at its server again."""
        guild = after.guild
        if after not in guild.me.roles or not self.rewards(guild.id):
            return
        if before.permissions != after.permissions or before.position != after.position:
            self._logged = {entry for entry in self._logged if entry[0] != guild.id}
            self.enqueue_server(guild.id)

    async def _watch_months(self) -> None:
        """Every checkpoint interval, look at each server whose local month has turned."""
        while True:
            await asyncio.sleep(self.bot.settings.checkpoint_seconds)
            self.look_at_months()

    def look_at_months(self) -> None:
        """Look at every server whose local month turned since the last time."""
        for guild_id in self._servers_with_rewards():
            month = self._month_of(guild_id)
            if self._months.get(guild_id, month) != month:
                log.info("Virada do mês no servidor %s: revendo os cargos do mês", guild_id)
                self.enqueue_server(guild_id)
            self._months[guild_id] = month

    # ------------------------------------------------------------ the worker

    async def _work(self) -> None:
        """Look at the queued members one at a time, until none is left (then the task ends)."""
        while self._queued:
            key = next(iter(self._queued))
            del self._queued[key]
            try:
                await self.settle_member(*key)
            except Exception:  # one member's trouble never stops the others'
                log.exception("Falha ao rever os cargos do membro %s no servidor %s", *key[::-1])

    def _log_once(self, guild_id: int, role_id: int, problem: str) -> None:
        if (guild_id, role_id, problem) in self._logged:
            return
        self._logged.add((guild_id, role_id, problem))
        if problem == "no_permission":
            log.warning(PROBLEM_LOGS[problem], guild_id, role_id)
        else:
            log.warning(PROBLEM_LOGS[problem], role_id, guild_id)

    async def settle_member(self, guild_id: int, user_id: int) -> None:
        """Give and take a member's reward roles until they match what is earned now."""
        guild = self.bot.get_guild(guild_id)
        if guild is None or guild.unavailable:
            return
        settings = self.bot.store.server_settings(guild_id)
        roles: dict[int, discord.Role] = {}
        for reward in settings.roles:
            role = guild.get_role(reward.role_id)
            if role is None:
                self._log_once(guild_id, reward.role_id, "deleted")
            else:
                roles[role.id] = role
        rewards = [reward for reward in settings.roles if reward.role_id in roles]
        if not rewards:
            return
        store, sessions = self.bot.store, self.bot.sessions
        total = member_figures(store, sessions, guild_id, user_id).seconds
        month = 0
        if has_monthly(rewards):
            days = self._month_days(guild_id)
            month = sum(seconds_by_day(store, sessions, guild_id, user_id, days).values())
        earned = earned_roles(rewards, total=total, month=month)
        held = await self._held(guild, user_id, frozenset(roles))
        if held is None:
            return  # not a member any more
        changes = role_changes(rewards, earned, held)
        for role_id in changes.add:
            await self._change(guild, user_id, roles[role_id], add=True)
        for role_id in changes.remove:
            await self._change(guild, user_id, roles[role_id], add=False)

    async def _held(
        self, guild: discord.Guild, user_id: int, managed: frozenset[int]
    ) -> set[int] | None:
        """Which of the `managed` roles a member holds (None if not a member any more).

        Discord is asked (the cache, else a request) only about roles not known yet:
        the bot hears of no member updates, so the cache misses the changes made
        here, which are kept instead.
        """
        key = (guild.id, user_id)
        known = self._roles.get(key)
        if known is not None and managed <= known.known:
            return known.held
        member = guild.get_member(user_id) or await self._fetch(guild, user_id)
        if member is None:
            return None
        learned = {role.id for role in member.roles} & managed
        if known is not None:  # what was changed here stays as it is
            learned = (learned - known.known) | known.held
        held = Held(known=managed | (known.known if known else frozenset()), held=learned)
        self._roles[key] = held
        return held.held

    async def _fetch(self, guild: discord.Guild, user_id: int) -> discord.Member | None:
        delay = RETRY_FIRST_SECONDS
        for _ in range(ATTEMPTS):
            try:
                return await guild.fetch_member(user_id)
            except discord.NotFound:
                return None
            except LOOKUP_ERRORS as error:
                if not retryable(error):
                    break
                log.info("Consulta ao membro %s adiada (%s)", user_id, error)
                await asyncio.sleep(delay)
                delay *= 2
            finally:
                await asyncio.sleep(CHANGE_SPACING_SECONDS)
        log.warning(
            "Não foi possível consultar o membro %s do servidor %s: os cargos dele ficam para "
            "a próxima vez",
            user_id,
            guild.id,
        )
        return None

    async def _change(
        self, guild: discord.Guild, user_id: int, role: discord.Role, *, add: bool
    ) -> None:
        """Give (or take) one role, retrying what Discord asks to retry."""
        problem = role_problem(guild, role)
        if problem is not None:
            self._log_once(guild.id, role.id, problem)
            return
        http = self.bot.http
        request = http.add_role if add else http.remove_role
        delay = RETRY_FIRST_SECONDS
        for _ in range(ATTEMPTS):
            try:
                await request(guild.id, user_id, role.id, reason=texts.ROLE_CHANGE_REASON)
            except discord.Forbidden:
                self._log_once(guild.id, role.id, "forbidden")
                return
            except discord.NotFound as error:
                if error.code == UNKNOWN_ROLE:
                    self._log_once(guild.id, role.id, "deleted")
                else:
                    self._roles.pop((guild.id, user_id), None)  # the member left
                return
            except LOOKUP_ERRORS as error:
                if not retryable(error):
                    log.warning("O Discord recusou o cargo %s para %s: %s", role.id, user_id, error)
                    return
                log.info("Mudança do cargo %s para %s adiada (%s)", role.id, user_id, error)
                await asyncio.sleep(delay)
                delay *= 2
                continue
            known = self._roles.setdefault((guild.id, user_id), Held(frozenset(), set()))
            known.known |= {role.id}
            if add:
                known.held.add(role.id)
            else:
                known.held.discard(role.id)
            log.info(
                "Cargo %s %s o membro %s (servidor %s)",
                role.name,
                "dado para" if add else "tirado de",
                user_id,
                guild.id,
            )
            await asyncio.sleep(CHANGE_SPACING_SECONDS)
            return
        log.warning(
            "O Discord não aceitou o cargo %s para %s depois de %d tentativas; fica para a "
            "próxima vez",
            role.id,
            user_id,
            ATTEMPTS,
        )

    # ------------------------------------------------------------ commands

    @hybrid_group(
        name="cargosvideo",
        fallback="ver",
        usage=texts.USAGE_ROLES,
        description=texts.DESCRIPTION_ROLES,
        brief=texts.BRIEF_ROLES,
        invoke_without_command=True,
        ignore_extra=False,
        extras={"example": texts.EXAMPLE_ROLES, "section": texts.HELP_SECTION_ADMINS},
    )
    @for_admins()
    async def cargosvideo(self, ctx: Context) -> None:
        """Lista os cargos dados por tempo de câmera neste servidor."""
        assert ctx.guild is not None
        guild = ctx.guild
        prefix = self.bot.settings.command_prefix
        rewards = self.rewards(guild.id)
        if not rewards:
            await ctx.send(texts.ROLES_EMPTY.format(prefix=prefix))
            return
        lines = []
        for reward in rewards:
            role = guild.get_role(reward.role_id)
            line = texts.ROLES_LINE.format(
                role=self._role_name(guild, reward.role_id),
                time=format_seconds_to_time(reward.seconds),
                scope=texts.ROLE_SCOPES[reward.scope],
            )
            if role is not None and role_problem(guild, role) == "above":
                line += f" {texts.ROLES_LIST_ABOVE}"
            lines.append(f"• {line}")
        if any(reward.scope == "mes" for reward in rewards):
            lines.append(texts.ROLES_MONTH_NOTE)
        if not guild.me.guild_permissions.manage_roles:
            lines.append(texts.ROLES_LIST_NO_PERMISSION)
        title = texts.ROLES_TITLE.format(guild=escape_name(guild.name))
        await ctx.send("\n".join([f"**{title}**", *lines]))

    @staticmethod
    def _role_name(guild: discord.Guild, role_id: int) -> str:
        role = guild.get_role(role_id)
        return (
            role.mention if role is not None else texts.ROLES_DELETED_ROLE.format(role_id=role_id)
        )

    @subcommand(
        cargosvideo,
        name="adicionar",
        usage=texts.USAGE_ROLES_ADD,
        description=texts.DESCRIPTION_ROLES_ADD,
        ignore_extra=False,
    )
    @for_admins(slash_default=False)  # a subcommand takes its group's slash permissions
    @app_commands.describe(**texts.DESCRIBE_ROLES_ADD)
    async def cargosvideo_adicionar(
        self,
        ctx: Context,
        cargo: discord.Role = ROLE,
        duracao: int = THRESHOLD,
        escopo: str = SCOPE,
    ) -> None:
        """Dá um cargo a quem chegar a um tempo de câmera (no total ou no mês)."""
        assert ctx.guild is not None
        guild = ctx.guild
        problem = role_problem(guild, cargo)
        if problem == "managed":
            await ctx.send(texts.ROLES_REFUSED_MANAGED.format(role=cargo.mention))
            return
        settings = self.bot.store.server_settings(guild.id)
        old = find_reward(settings.roles, cargo.id)
        new = RoleReward(cargo.id, duracao, "mes" if escopo == "mes" else "total")
        time = format_seconds_to_time(new.seconds)
        scope = texts.ROLE_SCOPES[new.scope]
        if old == new:
            await ctx.send(texts.ROLES_UNCHANGED.format(role=cargo.mention, time=time, scope=scope))
            return
        if old is None and len(settings.roles) >= MAX_REWARDS:
            count = plural(len(settings.roles), *texts.ROLE_REWARDS)
            await ctx.send(texts.ROLES_TOO_MANY.format(count=count))
            return
        changed = msgspec.structs.replace(settings, roles=add_reward(settings.roles, new))
        before = texts.AUDIT_ROLE_CHANGE.format(
            role=cargo.name, value=describe(old) if old else texts.AUDIT_ROLE_NONE
        )
        if not await change_settings(
            self.bot, ctx, changed, setting="cargos", before=before, after=describe(new)
        ):
            return
        if old is None:
            reply = texts.ROLES_ADDED.format(time=time, scope=scope, role=cargo.mention)
        else:
            reply = texts.ROLES_CHANGED.format(
                role=cargo.mention, time=time, scope=scope, before=describe(old)
            )
        if new.scope == "mes":
            reply += texts.ROLES_MONTHLY_ADDED
        if problem == "no_permission":
            reply += f"\n{texts.ROLES_WARN_NO_PERMISSION}"
        elif problem == "above":
            top = guild.me.top_role.mention
            reply += f"\n{texts.ROLES_WARN_ABOVE.format(role=cargo.mention, top=top)}"
        await ctx.send(reply)
        self._months.setdefault(guild.id, self._month_of(guild.id))
        self.enqueue_server(guild.id)

    @subcommand(
        cargosvideo,
        name="remover",
        usage=texts.USAGE_ROLES_REMOVE,
        description=texts.DESCRIPTION_ROLES_REMOVE,
        ignore_extra=False,
    )
    @for_admins(slash_default=False)
    @app_commands.describe(**texts.DESCRIBE_ROLES_REMOVE)
    async def cargosvideo_remover(self, ctx: Context, cargo: int = ROLE_ID) -> None:
        """Deixa de dar um cargo por tempo de câmera (quem já tem continua com ele)."""
        assert ctx.guild is not None
        guild = ctx.guild
        name = self._role_name(guild, cargo)
        settings = self.bot.store.server_settings(guild.id)
        old = find_reward(settings.roles, cargo)
        if old is None:
            await ctx.send(texts.ROLES_NOT_LISTED.format(role=name))
            return
        changed = msgspec.structs.replace(settings, roles=remove_reward(settings.roles, cargo))
        role = guild.get_role(cargo)
        before = texts.AUDIT_ROLE_CHANGE.format(
            role=role.name if role else str(cargo), value=describe(old)
        )
        if await change_settings(
            self.bot, ctx, changed, setting="cargos", before=before, after=texts.AUDIT_ROLE_NONE
        ):
            await ctx.send(texts.ROLES_REMOVED.format(role=name))


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(RoleRewards(bot))
