"""A member's own goal (`!metavideo`): how far along it is, by the ranking's period rule."""

from __future__ import annotations

from dataclasses import dataclass

from tracking.periods import Period
from tracking.server_settings import GoalPeriod, MemberSettings
from tracking.sessions import VideoSessionManager
from tracking.standings import StoredFigures, days_of, seconds_by_day

GOAL_PERIODS: dict[GoalPeriod, Period] = {"dia": Period.TODAY, "semana": Period.WEEK}
"""The period whose seconds count toward a goal of each kind."""

MAX_GOAL_SECONDS: dict[GoalPeriod, int] = {"dia": 24 * 3600, "semana": 7 * 24 * 3600}
"""The largest goal of each kind: the whole day, the whole week."""


@dataclass(frozen=True, slots=True)
class GoalProgress:
    """A goal and the seconds done toward it in its period so far."""

    goal: int
    period: GoalPeriod
    done: int

    @property
    def reached(self) -> bool:
        """Whether the goal is met.

        >>> GoalProgress(3600, "dia", 3600).reached, GoalProgress(3600, "dia", 3599).reached
        (True, False)
        """
        return self.done >= self.goal


def goal_progress(
    store: StoredFigures,
    manager: VideoSessionManager,
    guild_id: int,
    user_id: int,
    choices: MemberSettings,
) -> GoalProgress | None:
    """A member's progress now toward their goal (None without one), running time included.

    The seconds are those the ranking of the same period shows (`hoje` or `semana`).
    """
    if choices.goal is None:
        return None
    days = days_of(manager, guild_id, GOAL_PERIODS[choices.goal_period])
    assert days is not None  # a day or a week, never all time
    done = sum(seconds_by_day(store, manager, guild_id, user_id, days).values())
    return GoalProgress(choices.goal, choices.goal_period, done)
