"""The cron passes: ``enforce``, ``daypart`` and ``reset``.

All three are the same evaluation (:func:`budgetctl.services.evaluate.evaluate`)
over different scopes, in one write transaction, so concurrent runs serialize
on the database's write lock and none loses or duplicates an event. ``reset``
first closes every brand day and month that has ended since the brand's
``closed_through`` day (catching up whatever cron missed), recording each
period's final spend and budget. A dry run does all of it and rolls back.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from budgetctl.domain.instants import to_us
from budgetctl.domain.money import format_budget_stated, format_stated
from budgetctl.domain.periods import (
    Period,
    day_exists,
    day_period,
    local_day,
    month_period,
    zone,
)
from budgetctl.services.base import INSERT_EVENT, RUN_SLACK, Context, period_totals
from budgetctl.services.evaluate import Change, evaluate
from budgetctl.store.db import fetch_in

PASSES = ("enforce", "daypart", "reset")


@dataclass(frozen=True, slots=True)
class Closed:
    brand: str
    kind: str
    label: str
    spend: int
    budget: int | None


@dataclass(slots=True)
class PassReport:
    name: str
    dry_run: bool
    evaluated: int = 0
    changes: list[Change] = field(default_factory=list)
    closed: list[Closed] = field(default_factory=list)


def run_pass(ctx: Context, name: str, *, dry_run: bool = False) -> PassReport:
    report = PassReport(name, dry_run)
    with ctx.db.write(dry_run=dry_run) as conn:
        if name == "reset":
            report.closed = close_periods(conn, ctx)
        evaluation = evaluate(conn, ctx, scheduled_only=name == "daypart")
        report.evaluated = evaluation.evaluated
        report.changes = evaluation.changes
        mark_run(conn, ctx, name, len(report.changes))
    return report


def mark_run(conn: Connection, ctx: Context, name: str, changes: int) -> None:
    # When it ran is the clock's time, not --now's: a replay at a later --now does not hide a
    # stalled cron behind a future date. The latest run counts: a replay under an earlier
    # $BUDGETCTL_NOW, or a pass that waited for the lock, does not make it look overdue. But a
    # recorded run later than the system's clock (by more than RUN_SLACK) came from a replay
    # under a later $BUDGETCTL_NOW, or a clock since set back: this run replaces it, so that it
    # cannot keep doctor content long after cron has stopped.
    system = to_us(ctx.system) if ctx.system is not None else ctx.ran_at_us
    latest = max(ctx.ran_at_us, system) + RUN_SLACK // timedelta(microseconds=1)
    params = {"n": name, "at": ctx.ran_at_us, "late": latest, "now": ctx.now_us, "c": changes}
    updated = conn.execute(
        sa.text(
            "UPDATE pass_run SET last_run_at = CASE WHEN last_run_at > :at AND last_run_at <= "
            ":late THEN last_run_at ELSE :at END, last_now = :now, changes = :c WHERE name = :n"
        ),
        params,
    ).rowcount
    if not updated:
        conn.execute(
            sa.text(
                "INSERT INTO pass_run (name, last_run_at, last_now, changes) VALUES (:n, :at, :now, :c)"
            ),
            params,
        )


def _budgets_before(
    conn: Connection, brand_ids: list[int], first: date
) -> Callable[[int, str, int, int | None], int | None]:
    """``budget_at(brand, kind, end, current)``: the brand's day or month budget in force at
    the instant ``end`` (a period's end), from the budget changes recorded in history since
    ``first`` (a day no earlier than the first period to close, in any zone): the old value
    of the first change at or after ``end``, else ``current``.
    """
    # A day before `first` in UTC is before its start in every zone.
    since = to_us(datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC))
    changes: dict[tuple[int, str], list[tuple[int, int | None]]] = defaultdict(list)
    for bid, at, detail in fetch_in(
        conn,
        "SELECT brand_id, at, detail FROM event WHERE kind = 'brand.budget' "
        f"AND at >= {since} AND brand_id",
        sorted(brand_ids),
    ):
        what = json.loads(detail) if detail else {}
        if what.get("period") in ("day", "month"):  # older budget events carry no figures
            changes[(int(bid), what["period"])].append((int(at), what["old_budget"]))
    for found in changes.values():
        found.sort(key=lambda change: change[0])

    def budget_at(bid: int, kind: str, end: int, current: int | None) -> int | None:
        for at, old in changes.get((bid, kind), ()):
            if at >= end:
                return old
        return current

    return budget_at


def close_periods(conn: Connection, ctx: Context) -> list[Closed]:
    """Close every brand day and month that ended since it was last closed."""
    brands = conn.execute(
        sa.text(
            "SELECT id, name, timezone, daily_budget, monthly_budget, closed_through FROM brand "
            "WHERE removed_at IS NULL"
        )
    ).all()
    # Periods to close, grouped so that brands sharing a zone share one query per period.
    wanted: dict[tuple[str, str, date], list[Any]] = defaultdict(list)
    new_through: dict[int, str] = {}
    days_exist: dict[tuple[str, date], bool] = {}
    # A look ahead (--now later than the clock) closes only what has ended by the clock: a
    # day's spend is final once the day is over, and a closed day is never closed again.
    until = ctx.now if ctx.clock is None else min(ctx.now, ctx.clock)
    for brand in brands:
        bid, _name, tz, _daily, _monthly, closed_through = brand
        yesterday = local_day(until, zone(tz)) - timedelta(days=1)
        last = date.fromisoformat(closed_through)
        if last >= yesterday:
            continue
        day = last + timedelta(days=1)
        while day <= yesterday:
            exists = days_exist.get((tz, day))
            if exists is None:  # once per zone and day: brands share zones
                exists = days_exist[(tz, day)] = day_exists(day, zone(tz))
            if exists:  # not a day the zone skipped (Samoa's 2011-12-30)
                wanted[(tz, "day", day)].append(brand)
            if (day + timedelta(days=1)).day == 1:
                wanted[(tz, "month", day.replace(day=1))].append(brand)
            day += timedelta(days=1)
        new_through[bid] = yesterday.isoformat()
    if not wanted:
        return []
    earliest = min(day for _tz, _k, day in wanted)
    budget_at = _budgets_before(conn, list(new_through), earliest)
    # A period closed before (a brand whose zone moved west) keeps its first record, and is
    # not said to close again.
    existing = {
        (r[0], r[1], r[2])
        for r in conn.execute(
            sa.text("SELECT brand_id, kind, first_day FROM period_close WHERE first_day >= :f"),
            {"f": earliest.isoformat()},
        )
    }
    closed: list[Closed] = []
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for (tz, kind, first), group in sorted(
        wanted.items(), key=lambda kv: (kv[0][2], kv[0][1], kv[0][0])
    ):
        period: Period = (
            day_period(first, zone(tz)) if kind == "day" else month_period(first, zone(tz))
        )
        ids = [b[0] for b in group]
        totals = period_totals(conn, ids, period)
        end_us = to_us(period.end)
        for bid, bname, _tz, daily, monthly, _ct in group:
            if (bid, kind, first.isoformat()) in existing:
                continue
            spend = int(totals.get(bid) or 0)
            budget = budget_at(bid, kind, end_us, daily if kind == "day" else monthly)
            closed.append(Closed(bname, kind, period.label, spend, budget))
            rows.append(
                {
                    "b": bid,
                    "k": kind,
                    "f": first.isoformat(),
                    "s": spend,
                    "bud": budget,
                    "at": ctx.now_us,
                }
            )
            events.append(
                {
                    "at": ctx.now_us,
                    "actor": ctx.actor,
                    "command": ctx.command,
                    "kind": "period.closed",
                    "brand_id": bid,
                    "campaign_id": None,
                    "brand": bname,
                    "campaign": None,
                    "message": f"closed {kind} {period.label}: spent {format_stated(spend)} of "
                    f"{format_budget_stated(budget)}",
                    "detail": json.dumps(
                        {"period": kind, "label": period.label, "spend": spend, "budget": budget},
                        sort_keys=True,
                    ),
                }
            )
    if rows:
        conn.execute(
            sa.text(
                "INSERT INTO period_close (brand_id, kind, first_day, spend, budget, closed_at) "
                "VALUES (:b, :k, :f, :s, :bud, :at)"
            ),
            rows,
        )
    if events:
        conn.execute(INSERT_EVENT, events)
    conn.execute(
        sa.text("UPDATE brand SET closed_through = :d WHERE id = :id"),
        [{"d": d, "id": bid} for bid, d in new_through.items()],
    )
    return closed
