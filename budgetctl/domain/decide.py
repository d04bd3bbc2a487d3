"""The one rule of budgetctl: may this campaign run at this moment?

A campaign is **active** if and only if none of the reasons below holds; any
that holds pauses it, and the set of them says why:

=====================  ===================================================
``held``               an operator paused it (only ``campaign resume`` lifts it)
``daily_budget``       its brand's spend in the current brand day >= the daily budget
``monthly_budget``     its brand's spend in the current brand month >= the monthly budget
``outside_schedule``   it has a schedule and the moment is in none of its windows
=====================  ===================================================

A budget of ``None`` never blocks; a budget of 0 always does. Every pass and
every command that changes spend, budgets, holds or schedules calls
:func:`reasons_at` through one service, so no two commands can disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

HELD = "held"
DAILY_BUDGET = "daily_budget"
MONTHLY_BUDGET = "monthly_budget"
OUTSIDE_SCHEDULE = "outside_schedule"
REASONS = (HELD, DAILY_BUDGET, MONTHLY_BUDGET, OUTSIDE_SCHEDULE)

ACTIVE = "active"
PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class BrandSpend:
    """A brand's budgets and its spend in the current day and month (micros)."""

    daily_budget: int | None
    monthly_budget: int | None
    day_spend: int
    month_spend: int

    def budget_reasons(self) -> tuple[str, ...]:
        """The budget reasons, shared by every campaign of the brand."""
        daily = _blocks(self.daily_budget, self.day_spend)
        monthly = _blocks(self.monthly_budget, self.month_spend)
        if daily and monthly:
            return (DAILY_BUDGET, MONTHLY_BUDGET)
        if daily:
            return (DAILY_BUDGET,)
        if monthly:
            return (MONTHLY_BUDGET,)
        return ()


def _blocks(budget: int | None, spend: int) -> bool:
    """``None`` never blocks; 0 always does (even after refunds); else spend >= budget."""
    return budget is not None and (budget == 0 or spend >= budget)


def reasons_at(held: bool, brand: BrandSpend, in_schedule: bool) -> tuple[str, ...]:
    """Why the campaign must be paused, in the fixed order of :data:`REASONS`; empty if it may run.

    ``in_schedule`` is True for a campaign without a schedule.
    """
    budget = brand.budget_reasons()
    if not held and in_schedule:
        return budget  # one of a few shared tuples: a pass may pause 50,000 campaigns
    out: list[str] = [HELD] if held else []
    out.extend(budget)
    if not in_schedule:
        out.append(OUTSIDE_SCHEDULE)
    reasons = tuple(out)
    return _SHARED.setdefault(reasons, reasons)


# Every combination of reasons there is (at most eight), each kept once.
_SHARED: dict[tuple[str, ...], tuple[str, ...]] = {}


def state_for(reasons: tuple[str, ...]) -> str:
    return PAUSED if reasons else ACTIVE
