"""What operators look at: status, history and the doctor's check-up."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from budgetctl.domain.errors import BudgetError, DatabaseError
from budgetctl.domain.instants import from_us, to_us
from budgetctl.domain.money import format_json
from budgetctl.domain.periods import day_period, days_in_month, zone
from budgetctl.services.base import (
    RUN_SLACK,
    BrandRow,
    Context,
    brands_named,
    campaigns_named,
    counted,
    get_brand,
    get_campaign,
    list_limit,
    name_key,
)
from budgetctl.services.evaluate import BrandState, brand_states
from budgetctl.services.ledger import resolve_when
from budgetctl.store.db import Database, damaged, read_revision
from budgetctl.store.schema import HEAD_REVISION, shipped_revisions

CENT = 10_000
"""Micros in a cent."""
PACE_AFTER_US = 3_600_000_000
"""The projection is month-to-date spend until an hour of the month has gone, then the pace."""


@dataclass(slots=True)
class BrandStatus:
    state: BrandState
    currency: str
    campaigns_active: int
    campaigns_total: int
    projected: int
    """Month-end spend at the current pace, in whole cents."""
    to_land: int | None
    """Per day, for the rest of today and each later day, to end the month on budget."""
    days: list[int] = field(default_factory=list)

    @property
    def over_budget(self) -> int:
        """How far the month's spend is past the monthly budget (0 when not past it)."""
        s = self.state
        return 0 if s.monthly_budget is None else max(s.month_spend - s.monthly_budget, 0)

    def as_json(self) -> dict[str, Any]:
        s = self.state
        return {
            "brand": s.name,
            "currency": self.currency,
            "timezone": s.timezone,
            "daily_budget": format_json(s.daily_budget),
            "daily_spend": format_json(s.day_spend),
            "monthly_budget": format_json(s.monthly_budget),
            "monthly_spend": format_json(s.month_spend),
            "projected_month_spend": format_json(self.projected),
            "campaigns_active": self.campaigns_active,
            "campaigns_total": self.campaigns_total,
        }


def _div_round(num: int, den: int) -> int:
    """Integer division rounded half away from zero."""
    q, r = divmod(abs(num), den)
    if 2 * r >= den:
        q += 1
    return q if num >= 0 else -q


def status(
    ctx: Context, *, brand: str | None = None, daily_series: bool = False
) -> list[BrandStatus]:
    with ctx.db.read() as conn:
        ids = None
        if brand is not None:
            ids = [get_brand(conn, brand).id]
        states = brand_states(conn, ctx.now, ids)
        currency: dict[int, str] = dict(
            conn.execute(sa.text("SELECT id, currency FROM brand WHERE removed_at IS NULL")).all()
        )
        counts: dict[int, tuple[int, int]] = {
            r[0]: (int(r[1]), int(r[2]))
            for r in conn.execute(
                sa.text(
                    "SELECT brand_id, SUM(CASE WHEN state = 'active' THEN 1 ELSE 0 END), COUNT(*) "
                    "FROM campaign WHERE removed_at IS NULL GROUP BY brand_id"
                )
            )
        }
        series: dict[int, list[int]] = {}
        if daily_series:
            series = _daily_series(conn, ctx, states)
    out: list[BrandStatus] = []
    now_us = ctx.now_us
    for s in sorted(states.values(), key=lambda b: name_key(b.name)):
        start, end = to_us(s.month.start), to_us(s.month.end)
        elapsed = now_us - start
        if elapsed < PACE_AFTER_US:
            projected = _div_round(s.month_spend, CENT) * CENT
        else:
            projected = _div_round(s.month_spend * (end - start), elapsed * CENT) * CENT
        to_land = None
        if s.monthly_budget is not None:
            # What is left of the budget after all of the month's spend, today's included,
            # spread over the days left counting today; down to the cent, so never past it.
            days_left = days_in_month(s.day.first_day) - s.day.first_day.day + 1
            remaining = max(s.monthly_budget - s.month_spend, 0)
            to_land = remaining // (days_left * CENT) * CENT
        active, total = counts.get(s.id, (0, 0))
        out.append(
            BrandStatus(
                s, currency.get(s.id, ""), active, total, projected, to_land, series.get(s.id, [])
            )
        )
    return out


def _daily_series(
    conn: sa.Connection, ctx: Context, states: dict[int, BrandState]
) -> dict[int, list[int]]:
    """Each brand's spend per local day of the current month, up to today, for the status
    table's sparkline. SQLite's ``TOTAL`` (a float) never fails where a closed day's 64-bit
    sum would (a late import into one is not checked): the bars need no exact micros."""
    by_zone: dict[str, list[BrandState]] = defaultdict(list)
    for s in states.values():
        by_zone[s.timezone].append(s)
    series: dict[int, list[int]] = {}
    for tz, group in by_zone.items():
        first = group[0].month.first_day
        today = group[0].day.first_day
        bounds = [
            to_us(day_period(first + timedelta(days=i), zone(tz)).start)
            for i in range(today.day + 1)
        ]
        bounds[-1] = to_us(group[0].day.end)
        add = "TOTAL" if conn.dialect.name == "sqlite" else "SUM"
        cols = ", ".join(
            f"{add}(CASE WHEN occurred_at >= :d{i} AND occurred_at < :d{i + 1} THEN amount ELSE 0 END)"
            for i in range(today.day)
        )
        params: dict[str, Any] = {f"d{i}": b for i, b in enumerate(bounds)}
        params["ids"] = [s.id for s in group]
        rows = conn.execute(
            sa.text(
                f"SELECT brand_id, {cols} FROM spend_entry WHERE brand_id IN :ids "
                f"AND occurred_at >= :d0 AND occurred_at < :d{today.day} GROUP BY brand_id"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            params,
        )
        for row in rows:
            series[row[0]] = [int(v or 0) for v in row[1:]]
        for s in group:
            series.setdefault(s.id, [0] * today.day)
    return series


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    id: int
    at: datetime
    actor: str
    command: str
    kind: str
    brand: str | None
    campaign: str | None
    message: str
    detail: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "command": self.command,
            "kind": self.kind,
            "brand": self.brand,
            "campaign": self.campaign,
            "message": self.message,
            "detail": money_as_text(self.detail),
        }


MONEY_KEYS = ("amount", "spend", "budget")
"""An event's detail keeps money as integer micros under a key that is one of these or ends
in ``_`` and one of them (``amount``, ``net_amount``, ``daily_budget``); JSON shows it as
decimal text, the way every other amount is shown."""


def _is_money_key(key: str) -> bool:
    return any(key == k or key.endswith("_" + k) for k in MONEY_KEYS)


def money_as_text(detail: Any, *, money: bool = False) -> Any:
    """``detail`` with every amount under a money key (nested or not) as a decimal string."""
    if isinstance(detail, dict):
        return {k: money_as_text(v, money=money or _is_money_key(k)) for k, v in detail.items()}
    if isinstance(detail, list):
        return [money_as_text(v, money=money) for v in detail]
    if money and isinstance(detail, int) and not isinstance(detail, bool):
        return format_json(detail)
    return detail


def history(
    ctx: Context,
    *,
    brand: str | None = None,
    campaign: str | None = None,
    since: str | None = None,
    limit: int = 50,
) -> list[HistoryEvent]:
    limit = list_limit(limit)
    with ctx.db.read() as conn:
        where: list[str] = []
        params: dict[str, Any] = {"limit": limit}
        tz = zone("UTC")
        brands: list[BrandRow] = []
        if brand is not None:
            brands = brands_named(conn, brand)
            tz = zone(brands[0].timezone)
            where.append("e.brand_id IN :bids")
            params["bids"] = [b.id for b in brands]
        if campaign is not None:
            where.append("e.campaign_id IN :cids")
            params["cids"] = [cid for cid, _bid in campaigns_named(conn, campaign, *brands)]
        if since is not None:
            where.append("e.at >= :since")
            params["since"] = to_us(resolve_when(since, tz, what="--since"))
        stmt = sa.text(
            "SELECT e.id, e.at, e.actor, e.command, e.kind, e.brand, e.campaign, e.message, "
            "e.detail FROM event e "
            + (f"WHERE {' AND '.join(where)} " if where else "")
            + "ORDER BY e.at DESC, e.id DESC LIMIT :limit"
        )
        for expanding in ("cids", "bids"):
            if expanding in params:
                stmt = stmt.bindparams(sa.bindparam(expanding, expanding=True))
        rows = conn.execute(stmt, params).all()
    out = [
        HistoryEvent(
            int(r[0]),
            from_us(r[1]),
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            json.loads(r[8]) if r[8] else None,
        )
        for r in rows
    ]
    out.reverse()
    return out


OVERDUE = {
    "enforce": timedelta(minutes=15),
    "daypart": timedelta(minutes=5),
    "reset": timedelta(hours=26),
}


@dataclass(slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def _wal_in_header(db: Database) -> bool:
    """Whether the SQLite file's header marks it a WAL database (format versions 2)."""
    try:
        with open(str(db.url.database), "rb") as f:
            header = f.read(20)
    except OSError:
        return False
    return header[18:20] == b"\x02\x02"


def doctor(db: Database, now: datetime, system: datetime | None = None) -> list[Check]:
    """Integrity, schema, journal mode and pass freshness (as of ``now``); never raises for a
    damaged file. ``system``: the system's clock, against which a run recorded in the
    future is told from one after a ``--now`` in the past."""
    checks: list[Check] = []
    try:
        engine = db.engine()
        with engine.connect() as conn:
            if db.sqlite:
                try:
                    rows = conn.exec_driver_sql("PRAGMA integrity_check").fetchall()
                except sa.exc.DBAPIError as exc:
                    # The file opened, so "not a database" here is damage too; busy, I/O
                    # and the rest are said below, as every command says them.
                    if not damaged(exc) and "not a database" not in str(exc.orig):
                        raise
                    # Damage the check cannot read past (a damaged schema or index root).
                    first = str(exc.orig).strip().splitlines()[0]
                    checks.append(
                        Check(
                            "integrity",
                            False,
                            f"SQLite could not check the file: {first}; restore it "
                            "from a backup ('sqlite3 FILE .recover' may save what is readable)",
                        )
                    )
                    return checks
                # One finding may run over several lines: every finding on one, after the
                # "*** in database main ***" heading SQLite puts before them.
                result = [line for r in rows for line in str(r[0]).splitlines() if line.strip()]
                ok = result == ["ok"]
                found = [line for line in result if not line.startswith("*** ")]
                more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
                checks.append(Check("integrity", ok, "ok" if ok else "; ".join(found[:5]) + more))
                mode = str(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
                if db.frozen and mode != "wal" and _wal_in_header(db):
                    # Read as it stands, SQLite reports no journal: the file says WAL.
                    mode = "wal (read only: its folder takes no log files)"
                checks.append(Check("journal mode", mode.startswith("wal"), mode))
            else:
                checks.append(Check("integrity", True, "ok (PostgreSQL checks its own pages)"))
            revision = read_revision(conn)
            if revision is None:
                checks.append(Check("schema", False, "not a budgetctl database"))
                return checks
            checks.append(Check("schema", revision == HEAD_REVISION, _schema_detail(revision)))
            runs = {
                r[0]: from_us(r[1])
                for r in conn.exec_driver_sql("SELECT name, last_run_at FROM pass_run").fetchall()
                if isinstance(r[1], int)  # a damaged page reads back as anything (integrity says)
            }
            counts = conn.exec_driver_sql(
                "SELECT (SELECT COUNT(*) FROM brand WHERE removed_at IS NULL), "
                "(SELECT COUNT(*) FROM campaign WHERE removed_at IS NULL), "
                "(SELECT COUNT(*) FROM spend_entry)"
            ).one()
            checks.append(
                Check(
                    "contents",
                    True,
                    f"{counted(counts[0], 'brand', 'brands')}, "
                    f"{counted(counts[1], 'campaign', 'campaigns')}, "
                    f"{counted(counts[2], 'ledger entry', 'ledger entries')}",
                )
            )
    except (BudgetError, sa.exc.DBAPIError) as exc:
        from budgetctl.store.db import translate_error

        error = exc if isinstance(exc, BudgetError) else translate_error(exc, db.label)
        # What every command says, less its pointer to doctor: this is doctor.
        message = error.plain if isinstance(error, DatabaseError) else error.message
        checks.append(Check("database", False, message))
        return checks
    created = runs.get("init")  # when init created the database (older ones do not say)
    for name, limit in OVERDUE.items():
        last = runs.get(name)
        if last is None:
            if created is not None and timedelta(0) <= now - created <= limit:
                # A database younger than the pass's interval: cron has had no turn yet.
                checks.append(
                    Check(
                        f"last {name}",
                        True,
                        f"not run yet (the database was created {_span(now - created)} ago; "
                        f"expected within {_span(limit)})",
                    )
                )
                continue
            checks.append(
                Check(f"last {name}", False, f"never ran (expected at least every {_span(limit)})")
            )
            continue
        age = now - last
        ahead = last - (system or now)
        if ahead > RUN_SLACK:
            # Recorded under a later $BUDGETCTL_NOW, or the clock was set back since: whether
            # cron still runs the pass cannot be told (its next run records its own time).
            checks.append(
                Check(
                    f"last {name}",
                    False,
                    f"{last.isoformat(timespec='seconds')} ({_span(ahead)} after the system's"
                    " clock: cannot tell whether it still runs; a replay under a later"
                    " $BUDGETCTL_NOW records such a time, and the pass's next run replaces it)",
                )
            )
            continue
        ok = age <= limit
        checks.append(
            Check(
                f"last {name}",
                ok,
                f"{last.isoformat(timespec='seconds')} ("
                + (f"{_span(age)} ago" if age >= timedelta(0) else "after this clock's now")
                + ("" if ok else f", overdue: expected every {_span(limit)}")
                + ")",
            )
        )
    return checks


def _schema_detail(revision: str) -> str:
    """The revision and, when it is not this budgetctl's, what to do (as the commands say)."""
    if revision == HEAD_REVISION:
        return f"revision {revision}"
    if revision in shipped_revisions():
        return f"revision {revision}, expected {HEAD_REVISION}: run 'budgetctl init' to upgrade it"
    return (
        f"revision {revision}, which this budgetctl (revision {HEAD_REVISION}) does not know: "
        "it was written by a newer budgetctl (upgrade budgetctl) or is not budgetctl's"
    )


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min" + (f" {rest} s" if rest else "")
    if seconds < 172_800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86_400} d"


@dataclass(slots=True)
class CampaignReport:
    """``state`` is the stored state (what ``campaign list`` and the ad network show);
    ``reasons`` and ``explanation`` are the rule's at ``now``, and ``due`` the state the
    next pass will set when the rule says otherwise (``None`` when it agrees)."""

    brand: BrandState
    currency: str
    campaign: str
    external_id: str | None
    state: str
    due: str | None
    reasons: tuple[str, ...]
    explanation: tuple[str, ...]
    held: bool
    hold_note: str | None
    windows: list[str]
    schedule_tz: str
    campaign_day_spend: int
    campaign_month_spend: int
    next_change: datetime | None

    def as_json(self) -> dict[str, Any]:
        b = self.brand
        return {
            "brand": b.name,
            "campaign": self.campaign,
            "external_id": self.external_id,
            "state": self.state,
            "reasons": list(self.reasons),
            "explanation": list(self.explanation),
            "due": {"state": self.due, "reasons": list(self.reasons)} if self.due else None,
            "held": self.held,
            "hold_note": self.hold_note,
            "schedule": self.windows,
            "schedule_timezone": self.schedule_tz if self.windows else None,
            "next_schedule_change": self.next_change.isoformat() if self.next_change else None,
            "currency": self.currency,
            "campaign_daily_spend": format_json(self.campaign_day_spend),
            "campaign_monthly_spend": format_json(self.campaign_month_spend),
            "brand_daily_spend": format_json(b.day_spend),
            "brand_monthly_spend": format_json(b.month_spend),
            "daily_budget": format_json(b.daily_budget),
            "monthly_budget": format_json(b.monthly_budget),
        }


def campaign_report(ctx: Context, brand_name: str, name: str) -> CampaignReport:
    """The campaign's stored state, every reason that holds now with its figures, and the
    state the rule gives now when it differs from the stored one."""
    from budgetctl.domain.decide import reasons_at, state_for
    from budgetctl.domain.schedule import is_open, next_change, parse_window
    from budgetctl.services.catalog import campaign_windows
    from budgetctl.services.evaluate import explain

    with ctx.db.read() as conn:
        brand = get_brand(conn, brand_name)
        campaign = get_campaign(conn, brand, name)
        state = brand_states(conn, ctx.now, [brand.id])[brand.id]
        specs = campaign_windows(conn, campaign.id)
        day_s, month_s = conn.execute(
            sa.text(
                "SELECT COALESCE(SUM(CASE WHEN occurred_at >= :ds AND occurred_at < :de THEN amount "
                "ELSE 0 END), 0), COALESCE(SUM(amount), 0) FROM spend_entry WHERE brand_id = :b AND campaign_id = :c "
                "AND occurred_at >= :ms AND occurred_at < :me"
            ),
            {
                "b": brand.id,
                "c": campaign.id,
                "ds": to_us(state.day.start),
                "de": to_us(state.day.end),
                "ms": to_us(state.month.start),
                "me": to_us(state.month.end),
            },
        ).one()
    windows = [parse_window(s) for s in specs]
    tz_name = campaign.schedule_tz or brand.timezone
    open_now = is_open(windows, zone(tz_name), ctx.now) if windows else True
    reasons = reasons_at(campaign.held, state.spend, open_now)
    words = explain(
        reasons,
        state,
        hold_note=campaign.hold_note,
        windows=windows,
        schedule_tz=campaign.schedule_tz,
    )
    upcoming = next_change(windows, zone(tz_name), ctx.now) if windows else None
    due = state_for(reasons)
    return CampaignReport(
        state,
        brand.currency,
        campaign.name,
        campaign.external_id,
        campaign.state,
        None if due == campaign.state else due,
        reasons,
        words,
        campaign.held,
        campaign.hold_note,
        specs,
        tz_name,
        int(day_s),
        int(month_s),
        upcoming,
    )
