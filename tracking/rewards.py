"""Role rewards (`!cargosvideo`): which roles a member has earned, and what to change.

Pure: plain ids and seconds. A server keeps at most one reward per role
(`ServerSettings.roles`); a reward is earned while the member's total (scope
`total`) or this local month's (scope `mes`) camera time is at least its
threshold. The cog compares what is earned with the roles a member holds and
applies only the difference, so deciding again changes nothing.

>>> rewards = add_reward((), RoleReward(10, 3600))
>>> rewards = add_reward(rewards, RoleReward(20, 600, "mes"))
>>> sorted(earned_roles(rewards, total=4000, month=100))
[10]
>>> changes = role_changes(rewards, earned_roles(rewards, total=700, month=700), held={10, 99})
>>> changes.add, changes.remove
((20,), (10,))
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from tracking.server_settings import RoleReward

MAX_REWARDS = 25
"""The most role rewards one server may have."""


def find_reward(rewards: Iterable[RoleReward], role_id: int) -> RoleReward | None:
    """The reward of a role, if it has one."""
    return next((reward for reward in rewards if reward.role_id == role_id), None)


def add_reward(rewards: Iterable[RoleReward], reward: RoleReward) -> tuple[RoleReward, ...]:
    """`rewards` with `reward` in (replacing that role's old one), in listing order.

    Listed totals first, then monthly ones, each by threshold.

    >>> [r.role_id for r in add_reward([RoleReward(1, 60), RoleReward(2, 30)], RoleReward(1, 9))]
    [1, 2]
    >>> add_reward([RoleReward(1, 60), RoleReward(2, 30)], RoleReward(1, 10, "mes"))[1]
    RoleReward(role_id=1, seconds=10, scope='mes')
    """
    kept = [old for old in rewards if old.role_id != reward.role_id]
    return tuple(sorted([*kept, reward], key=_listing_order))


def remove_reward(rewards: Iterable[RoleReward], role_id: int) -> tuple[RoleReward, ...]:
    """`rewards` without the role's reward.

    >>> remove_reward([RoleReward(1, 60), RoleReward(2, 30)], 1)
    (RoleReward(role_id=2, seconds=30, scope='total'),)
    """
    return tuple(reward for reward in rewards if reward.role_id != role_id)


def _listing_order(reward: RoleReward) -> tuple[int, int, int]:
    return (0 if reward.scope == "total" else 1, reward.seconds, reward.role_id)


def earned_roles(rewards: Iterable[RoleReward], *, total: int, month: int) -> frozenset[int]:
    """The roles a member with these figures (all time, this local month) has earned.

    >>> sorted(earned_roles([RoleReward(1, 60), RoleReward(2, 60, "mes")], total=60, month=59))
    [1]
    """
    return frozenset(
        reward.role_id
        for reward in rewards
        if (total if reward.scope == "total" else month) >= reward.seconds
    )


@dataclass(frozen=True, slots=True)
class RoleChanges:
    """The roles to give a member and those to take away (reward roles only)."""

    add: tuple[int, ...]
    remove: tuple[int, ...]

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)


def role_changes(
    rewards: Iterable[RoleReward], earned: Collection[int], held: Collection[int]
) -> RoleChanges:
    """What makes a member's reward roles match what is earned; other roles are never touched.

    >>> role_changes([RoleReward(1, 60), RoleReward(2, 60)], {1}, {1, 2, 7})
    RoleChanges(add=(), remove=(2,))
    >>> bool(role_changes([RoleReward(1, 60)], {1}, {1}))
    False
    """
    managed = [reward.role_id for reward in rewards]
    return RoleChanges(
        add=tuple(role for role in managed if role in earned and role not in held),
        remove=tuple(role for role in managed if role not in earned and role in held),
    )


def lowest_threshold(rewards: Iterable[RoleReward]) -> int | None:
    """The smallest threshold: a member below it in total has earned nothing (None: no rewards).

    A month's time never passes the total, so no member under it can have earned
    a monthly reward either.

    >>> lowest_threshold([RoleReward(1, 600), RoleReward(2, 60, "mes")]), lowest_threshold([])
    (60, None)
    """
    return min((reward.seconds for reward in rewards), default=None)


def has_monthly(rewards: Iterable[RoleReward]) -> bool:
    """Whether any reward counts this month's time."""
    return any(reward.scope == "mes" for reward in rewards)
