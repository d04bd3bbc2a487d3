"""Evaluate campaigns at ``now``, apply the difference, write one event per change.

This is the single place where the rule of :mod:`budgetctl.domain.decide` meets
the database. Every pass, ``spend record``, ``spend import``, ``brand set``,
``campaign pause|resume`` and ``schedule set|clear`` ends here, so no command
can disagree with another about whether a campaign may run.

It works in sets, whatever the scope: one grouped ``SUM`` per time zone for the
brands' day and month totals (a range scan of the ``(brand_id, occurred_at,
amount)`` index), one query for the campaigns, one for their windows, a loop in
Python, then one batched ``UPDATE`` and one batched ``INSERT`` of events.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from budgetctl.domain.decide import (
    DAILY_BUDGET,
    HELD,
    MONTHLY_BUDGET,
    OUTSIDE_SCHEDULE,
    BrandSpend,
    reasons_at,
    state_for,
)
from budgetctl.domain.instants import to_us
from budgetctl.domain.money import format_stated
from budgetctl.domain.periods import Period, periods_at, zone
from budgetctl.domain.schedule import Window, is_open_local, parse_window
from budgetctl.services.base import INSERT_EVENT_ROWS, Context, name_key
from budgetctl.store.db import execute_many, fetch_rows, placeholders

WRITE_CHUNK = 2_000
"""Rows (state events, campaign updates) an evaluation writes per statement."""


@dataclass(slots=True)
class BrandState:
    """A brand's budgets and its spend in the day and month around ``now``."""

    id: int
    name: str
    timezone: str
    daily_budget: int | None
    monthly_budget: int | None
    day: Period
    month: Period
    day_spend: int = 0
    month_spend: int = 0

    @property
    def spend(self) -> BrandSpend:
        return BrandSpend(self.daily_budget, self.monthly_budget, self.day_spend, self.month_spend)


@dataclass(frozen=True, slots=True)
class Change:
    """One campaign's state change (or, with ``quiet``, a change of reasons only)."""

    campaign_id: int
    brand: str
    campaign: str
    from_state: str
    to_state: str
    reasons: tuple[str, ...]
    explanation: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "brand": self.brand,
            "campaign": self.campaign,
            "from": self.from_state,
            "to": self.to_state,
            "reasons": list(self.reasons),
        }


@dataclass(slots=True)
class Evaluation:
    evaluated: int = 0
    changes: list[Change] = field(default_factory=list)


def period_bounds(timezone: str, now: datetime) -> tuple[Period, Period]:
    return periods_at(now, zone(timezone))


def brand_states(
    conn: Connection, now: datetime, brand_ids: Collection[int] | None = None
) -> dict[int, BrandState]:
    """The brands (all live ones, or ``brand_ids``) with their day and month spend at ``now``."""
    sql = (
        "SELECT id, name, timezone, daily_budget, monthly_budget FROM brand "
        "WHERE removed_at IS NULL"
    )
    ids: list[int] = []
    if brand_ids is not None:
        ids = list(brand_ids)
        sql += f" AND id IN ({placeholders(len(ids))})"
    states: dict[int, BrandState] = {}
    by_zone: dict[str, list[int]] = defaultdict(list)
    bounds: dict[str, tuple[Period, Period]] = {}
    for bid, name, tz, daily, monthly in fetch_rows(conn, sql, ids):
        if tz not in bounds:
            bounds[tz] = period_bounds(tz, now)
        day, month = bounds[tz]
        states[bid] = BrandState(bid, name, tz, daily, monthly, day, month)
        by_zone[tz].append(bid)
    for tz, zone_ids in by_zone.items():
        day, month = bounds[tz]
        head = (
            # 64-bit totals on both engines: PostgreSQL sums bigints as numeric, so the cast is
            # what refuses spend past the limit there, as SQLite's SUM does itself.
            "SELECT s.brand_id, CAST(SUM(s.amount) AS BIGINT), CAST(SUM(CASE WHEN "
            "s.occurred_at >= ? AND s.occurred_at < ? THEN s.amount ELSE 0 END) AS BIGINT) "
            "FROM spend_entry s WHERE "
        )
        tail = " AND s.occurred_at >= ? AND s.occurred_at < ? GROUP BY s.brand_id"
        params: list[Any] = [to_us(day.start), to_us(day.end)]
        if brand_ids is None:
            where = (
                "s.brand_id IN (SELECT b.id FROM brand b WHERE b.timezone = ? "
                "AND b.removed_at IS NULL)"
            )
            params.append(tz)
        else:
            where = f"s.brand_id IN ({placeholders(len(zone_ids))})"
            params.extend(zone_ids)
        params += [to_us(month.start), to_us(month.end)]
        for bid, month_spend, day_spend in fetch_rows(conn, head + where + tail, params):
            state = states.get(bid)
            if state is not None:
                state.month_spend = int(month_spend or 0)
                state.day_spend = int(day_spend or 0)
    return states


_WINDOWS: dict[str, Window] = {}


def _window(spec: str) -> Window:
    window = _WINDOWS.get(spec)
    if window is None:
        window = _WINDOWS[spec] = parse_window(spec)
    return window


def load_windows(conn: Connection, where: str, params: Sequence[Any]) -> dict[int, list[Window]]:
    """The windows of the campaigns ``c`` that ``where`` selects, in their order."""
    windows: dict[int, list[Window]] = defaultdict(list)
    for cid, spec in fetch_rows(
        conn,
        "SELECT w.campaign_id, w.spec FROM schedule_window w JOIN campaign c ON c.id = w.campaign_id "
        f"WHERE {where} ORDER BY w.campaign_id, w.position",
        params,
    ):
        windows[cid].append(_window(spec))
    return windows


def explain(
    reasons: Iterable[str],
    brand: BrandState,
    *,
    hold_note: str | None = None,
    windows: list[Window] | None = None,
    schedule_tz: str | None = None,
) -> tuple[str, ...]:
    """Each reason in words, with its figures."""
    out: list[str] = []
    for reason in reasons:
        if reason == HELD:
            out.append("held by an operator" + (f": {hold_note}" if hold_note else ""))
        elif reason == DAILY_BUDGET:
            assert brand.daily_budget is not None
            out.append(
                f"daily budget: {format_stated(brand.day_spend)} of "
                f"{format_stated(brand.daily_budget)} spent on {brand.day.label} ({brand.timezone})"
            )
        elif reason == MONTHLY_BUDGET:
            assert brand.monthly_budget is not None
            out.append(
                f"monthly budget: {format_stated(brand.month_spend)} of "
                f"{format_stated(brand.monthly_budget)} spent in {brand.month.label} "
                f"({brand.timezone})"
            )
        elif reason == OUTSIDE_SCHEDULE:
            specs = "; ".join(str(w) for w in windows or [])
            out.append(f"outside schedule: {specs} ({schedule_tz or brand.timezone})")
    return tuple(out)


def _event_text(
    state: str, new_state: str, reasons: tuple[str, ...], words: tuple[str, ...]
) -> tuple[str, str]:
    """A state event's message and its JSON detail."""
    message = f"{state} -> {new_state}" + (f": {'; '.join(words)}" if words else "")
    detail = {"from": state, "to": new_state, "reasons": list(reasons), "figures": list(words)}
    return message, json.dumps(detail)


def evaluate(
    conn: Connection,
    ctx: Context,
    *,
    brand_ids: Collection[int] | None = None,
    campaign_ids: Collection[int] | None = None,
    scheduled_only: bool = False,
) -> Evaluation:
    """Evaluate the campaigns in scope at ``ctx.now`` and apply the difference.

    Scope: every live campaign, narrowed by ``brand_ids``, ``campaign_ids`` and
    ``scheduled_only``. Returns every state change, each already written to
    history (one event per change).
    """
    if (brand_ids is not None and not brand_ids) or (campaign_ids is not None and not campaign_ids):
        return Evaluation()
    where = ["c.removed_at IS NULL"]
    params: list[Any] = []
    if brand_ids is not None:
        where.append(f"c.brand_id IN ({placeholders(len(brand_ids))})")
        params.extend(brand_ids)
    if campaign_ids is not None:
        where.append(f"c.id IN ({placeholders(len(campaign_ids))})")
        params.extend(campaign_ids)
    # The windows' query joins schedule_window itself: it needs no "scheduled only" filter.
    clause = " AND ".join(where)
    select = (
        "SELECT c.id, c.brand_id, c.name, c.state, c.reasons, c.held, c.hold_note, "
        f"c.schedule_tz FROM campaign c WHERE {clause}"
    )
    if scheduled_only:
        select += " AND EXISTS (SELECT 1 FROM schedule_window sw WHERE sw.campaign_id = c.id)"
    # Campaign by campaign in id order: history then lists a pass's changes in the same order
    # on both engines. SQLite's passes scan the table in that order already (an ORDER BY costs
    # daypart 5 %); PostgreSQL's table order moves with every update, and SQLite reads the
    # campaigns of some brands (an import's, an undo's) through an index in name order.
    if conn.dialect.name != "sqlite" or brand_ids is not None or campaign_ids is not None:
        select += " ORDER BY c.id"
    result = Evaluation()
    rows: Iterable[Any]
    if campaign_ids is None:
        # The brands are known up front: stream the campaigns (a pass can cover 100,000).
        brands = brand_states(conn, ctx.now, brand_ids)
        windows = load_windows(conn, clause, params)
        rows = fetch_rows(conn, select, params)
    else:
        rows = list(fetch_rows(conn, select, params))
        brands = brand_states(conn, ctx.now, {row[1] for row in rows})
        windows = load_windows(conn, clause, params)

    local_cache: dict[str, tuple[int, int]] = {}

    def local_clock(tz: str) -> tuple[int, int]:
        hit = local_cache.get(tz)
        if hit is None:
            local = ctx.now.astimezone(zone(tz))
            hit = local_cache[tz] = (local.weekday(), local.hour * 60 + local.minute)
        return hit

    budget_cache: dict[int, BrandSpend] = {}
    budget_words: dict[tuple[int, tuple[str, ...]], tuple[str, ...]] = {}
    updates: list[tuple[str, str, int]] = []
    joins: dict[tuple[str, ...], str] = {}  # the stored form of each combination of reasons
    events: list[tuple[Any, ...]] = []
    now_us, actor, command = ctx.now_us, ctx.actor, ctx.command
    for cid, bid, cname, state, stored, held, hold_note, schedule_tz in rows:
        brand = brands.get(bid)
        if brand is None:
            continue
        spend = budget_cache.get(bid)
        if spend is None:
            spend = budget_cache[bid] = brand.spend
        wins = windows.get(cid)
        if wins:
            weekday, minute = local_clock(schedule_tz or brand.timezone)
            open_now = is_open_local(wins, weekday, minute)
        else:
            open_now = True
        reasons = reasons_at(bool(held), spend, open_now)
        new_state = state_for(reasons)
        joined = joins.get(reasons)
        if joined is None:
            joined = joins[reasons] = ",".join(reasons)
        result.evaluated += 1
        if new_state == state and joined == stored:
            continue
        updates.append((new_state, joined, cid))
        if new_state == state:
            continue
        if HELD in reasons or OUTSIDE_SCHEDULE in reasons:
            words = explain(
                reasons, brand, hold_note=hold_note, windows=wins, schedule_tz=schedule_tz
            )
        else:
            # Budget reasons read the same for every campaign of a brand: share the words.
            known = budget_words.get((bid, reasons))
            if known is None:
                known = budget_words[(bid, reasons)] = explain(reasons, brand)
            words = known
        message, detail = _event_text(state, new_state, reasons, words)
        change = Change(cid, brand.name, cname, state, new_state, reasons, words)
        result.changes.append(change)
        events.append(
            (
                now_us,
                actor,
                command,
                "state",
                bid,
                cid,
                brand.name,
                cname,
                message,
                detail,
            )
        )
        if len(events) >= WRITE_CHUNK:
            # Events go out as they come: a pass over every brand may change tens of thousands
            # of campaigns, and their messages need not wait in memory.
            execute_many(conn, INSERT_EVENT_ROWS, events)
            events.clear()
    # By brand, then campaign: two stable sorts, so that only one key per change exists at a
    # time (and the brands' keys are shared), not a pair of new strings for each of 50,000.
    result.changes.sort(key=lambda c: name_key(c.campaign))
    brand_keys: dict[str, str] = {}
    result.changes.sort(
        key=lambda c: brand_keys.get(c.brand) or brand_keys.setdefault(c.brand, name_key(c.brand))
    )
    # After the loop (the campaigns are read while it runs), in slices: the driver's
    # copy of a statement's parameters is what would otherwise set the peak memory.
    for start in range(0, len(updates), WRITE_CHUNK):
        execute_many(
            conn,
            "UPDATE campaign SET state = ?, reasons = ? WHERE id = ?",
            updates[start : start + WRITE_CHUNK],
        )
    execute_many(conn, INSERT_EVENT_ROWS, events)
    return result
