"""The rule of SPEC.md against an independent oracle, over random command sequences.

A Hypothesis ``RuleBasedStateMachine`` drives the real CLI (in-process, through
conftest's ``Cli``) on a real temporary SQLite file per example: spend (late and
negative too), clock ticks across days, months and daylight-saving changes, holds,
budget and time-zone edits, schedules, and the three passes.

The oracle below is written from SPEC.md alone: its own ledger of (instant, micros)
per brand, its own day and month bucketing with ``zoneinfo``, its own window check.
It imports nothing from ``budgetctl``.

Only commands that evaluate update the stored state, so the oracle keeps the state
each campaign was last evaluated to, and every command's scope (SPEC.md, ARCHITECTURE.md):
``spend record`` and ``brand set`` evaluate the brand's campaigns, ``campaign
pause|resume`` and ``schedule set|clear`` the campaign, ``enforce`` and ``reset`` all
campaigns, ``daypart`` the scheduled ones. After every command the stored state and
reasons (``campaign list --json``), the number of state-change events, the passes'
reported changes and the closed periods must equal the oracle's.

``BUDGETCTL_STATEFUL_EXAMPLES`` sets the number of examples (default 25; CI uses 200).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import PG_TABLES, Cli, query
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CAMPAIGNS = (("A", "a1"), ("A", "a2"), ("B", "b1"))
INITIAL_ZONES = {"A": "Europe/Berlin", "B": "America/New_York"}
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC")
STARTS = (
    datetime(2026, 3, 27, 21, 0, tzinfo=UTC),  # Berlin springs forward on the 29th; month end
    datetime(2026, 10, 24, 20, 0, tzinfo=UTC),  # Berlin falls back on the 25th, New York on Nov 1
    datetime(2026, 10, 30, 22, 30, tzinfo=UTC),  # month end, New York's fall back
)
BUDGETS = ("none", "0", "50", "100", "250", "1000")
MICROS = 1_000_000
ENV = {"BUDGETCTL_ACTOR": "tester", "NO_COLOR": "1"}


# -- the oracle --------------------------------------------------------------------------


@dataclass(frozen=True)
class OWindow:
    days: frozenset[int]  # the days the window starts on, 0 = Monday
    start: int  # minutes
    end: int  # minutes, 1440 = 24:00

    def text(self, days_text: str) -> str:
        def clock(m: int) -> str:
            return f"{m // 60:02d}:{m % 60:02d}"

        return f"{days_text} {clock(self.start)}-{clock(self.end)}"

    def open_at(self, weekday: int, minute: int) -> bool:
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        # Overnight: belongs to its start day, ends on the next.
        return (weekday in self.days and minute >= self.start) or (
            (weekday - 1) % 7 in self.days and minute < self.end
        )


def budget_micros(text: str) -> int | None:
    return None if text == "none" else int(text) * MICROS


@dataclass
class OBrand:
    tz: str
    daily: int | None
    monthly: int | None
    closed_through: date
    ledger: list[tuple[datetime, int]] = field(default_factory=list)
    #: budget changes: (when, "day" or "month", the budget before it)
    budget_changes: list[tuple[datetime, str, int | None]] = field(default_factory=list)

    def budget_at(self, kind: str, end: datetime) -> int | None:
        """The day or month budget in force at ``end``: what the first change at or after it
        changed from, else the budget now."""
        for at, which, old in self.budget_changes:
            if which == kind and at >= end:
                return old
        return self.daily if kind == "day" else self.monthly

    def spend(self, at: datetime) -> tuple[int, int]:
        """The brand's spend in its day and month around ``at``, in its zone."""
        zone = ZoneInfo(self.tz)
        local = at.astimezone(zone)
        day = month = 0
        for instant, amount in self.ledger:
            when = instant.astimezone(zone)
            if (when.year, when.month) == (local.year, local.month):
                month += amount
                if when.day == local.day:
                    day += amount
        return day, month

    def spend_on(self, first: date, kind: str) -> int:
        zone = ZoneInfo(self.tz)
        total = 0
        for instant, amount in self.ledger:
            when = instant.astimezone(zone).date()
            if (kind == "day" and when == first) or (
                kind == "month" and (when.year, when.month) == (first.year, first.month)
            ):
                total += amount
        return total


@dataclass
class OCampaign:
    brand: str
    name: str
    held: bool = False
    windows: tuple[OWindow, ...] = ()
    schedule_tz: str | None = None
    state: str = "active"
    reasons: tuple[str, ...] = ()


class Oracle:
    def __init__(self) -> None:
        self.brands: dict[str, OBrand] = {}
        self.campaigns: dict[tuple[str, str], OCampaign] = {}
        self.state_events = 0
        self.closes: set[tuple[str, str, str, int, int | None]] = set()

    def reasons(self, c: OCampaign, at: datetime) -> tuple[str, ...]:
        brand = self.brands[c.brand]
        day, month = brand.spend(at)
        out: list[str] = []
        if c.held:
            out.append("held")
        if brand.daily is not None and (brand.daily == 0 or day >= brand.daily):
            out.append("daily_budget")
        if brand.monthly is not None and (brand.monthly == 0 or month >= brand.monthly):
            out.append("monthly_budget")
        if c.windows:
            local = at.astimezone(ZoneInfo(c.schedule_tz or brand.tz))
            minute = local.hour * 60 + local.minute
            if not any(w.open_at(local.weekday(), minute) for w in c.windows):
                out.append("outside_schedule")
        return tuple(out)

    def evaluate(self, keys: list[tuple[str, str]], at: datetime) -> list[dict[str, object]]:
        changes: list[dict[str, object]] = []
        for key in keys:
            c = self.campaigns[key]
            reasons = self.reasons(c, at)
            state = "paused" if reasons else "active"
            if state != c.state:
                changes.append(
                    {"brand": c.brand, "campaign": c.name, "from": c.state, "to": state, "reasons": list(reasons)}
                )
                self.state_events += 1
            c.state, c.reasons = state, reasons
        return changes

    def of_brand(self, brand: str) -> list[tuple[str, str]]:
        return [k for k in self.campaigns if k[0] == brand]

    def close_periods(self, at: datetime) -> None:
        keys = {(b, kind, first) for (b, kind, first, _, _) in self.closes}
        for name, brand in self.brands.items():
            yesterday = at.astimezone(ZoneInfo(brand.tz)).date() - timedelta(days=1)
            if brand.closed_through >= yesterday:
                continue
            day = brand.closed_through + timedelta(days=1)
            while day <= yesterday:
                periods = [("day", day)]
                if (day + timedelta(days=1)).day == 1:
                    periods.append(("month", day.replace(day=1)))
                for kind, first in periods:
                    if (name, kind, first.isoformat()) not in keys:
                        after = first + timedelta(days=1)
                        if kind == "month":
                            after = (first + timedelta(days=32)).replace(day=1)
                        end = datetime.combine(after, time(0), tzinfo=ZoneInfo(brand.tz))
                        budget = brand.budget_at(kind, end.astimezone(UTC))
                        self.closes.add((name, kind, first.isoformat(), brand.spend_on(first, kind), budget))
                day += timedelta(days=1)
            brand.closed_through = yesterday


# -- strategies ----------------------------------------------------------------------------

minutes_of_day = st.integers(0, 95).map(lambda q: q * 15)


@st.composite
def windows(draw: st.DrawFn) -> tuple[str, OWindow]:
    form = draw(st.sampled_from(["list", "range", "keyword"]))
    if form == "list":
        days = sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=3)))
        text, day_set = ",".join(DAY_NAMES[d] for d in days), frozenset(days)
    elif form == "range":
        first, last = draw(st.integers(0, 6)), draw(st.integers(0, 6))
        text = f"{DAY_NAMES[first]}-{DAY_NAMES[last]}"
        day_set = frozenset((first + i) % 7 for i in range((last - first) % 7 + 1))
    else:
        text = draw(st.sampled_from(["daily", "weekdays", "weekends"]))
        day_set = {"daily": frozenset(range(7)), "weekdays": frozenset(range(5)), "weekends": frozenset({5, 6})}[text]
    start = draw(minutes_of_day)
    end = draw(minutes_of_day.map(lambda m: m + 15).filter(lambda m: m != start))
    window = OWindow(day_set, start, end)
    return window.text(text), window


ticks = st.one_of(
    st.integers(1, 16).map(lambda q: q * 15),  # quarter hours: lands on window boundaries
    st.integers(1, 180),  # minutes
    st.integers(1, 48).map(lambda h: h * 60),  # hours
    st.integers(1, 4).map(lambda d: d * 1440),  # days
)


# -- the machine ---------------------------------------------------------------------------

_TEMPLATE: Path | None = None


def template() -> Path:
    """One ``init``-ed database per session, copied for each example."""
    global _TEMPLATE
    if _TEMPLATE is None:
        path = Path(tempfile.mkdtemp(prefix="budgetctl-template-")) / "budget.db"
        run = Cli(path)("init", env=ENV)
        assert run.exit_code == 0, run.stderr
        _TEMPLATE = path
    return _TEMPLATE


def change_line(change: dict[str, object]) -> str:
    reasons = ", ".join(change["reasons"])  # type: ignore[arg-type]
    return f"{change['brand']} / {change['campaign']}: {change['from']} -> {change['to']}" + (
        f" ({reasons})" if reasons else ""
    )


class BudgetMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="budgetctl-sm-"))
        self.db = self.dir / "budget.db"
        source, key = sqlite3.connect(template()), sqlite3.connect(self.db)
        try:
            source.backup(key)
        finally:
            source.close()
            key.close()
        self.cli = Cli(self.db)
        self.oracle = Oracle()
        self.now = STARTS[0]
        self.ready = False

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def query(self, statement: str) -> list[tuple[object, ...]]:
        return query(self.db, statement)

    # -- helpers

    @property
    def now_text(self) -> str:
        return self.now.isoformat()

    def run(self, *args: str) -> list[str]:
        result = self.cli(*args, now=self.now_text, env=ENV)
        assert result.exit_code == 0, f"{args} at {self.now_text}: {result.stderr}{result.stdout}"
        assert result.stderr == ""
        return result.lines

    def expect_changes(self, lines: list[str], changes: list[dict[str, object]]) -> None:
        assert sorted(lines) == sorted(change_line(c) for c in changes)

    def check(self) -> None:
        listed = json.loads("\n".join(self.run("campaign", "list", "--json")))
        stored = {(c["brand"], c["campaign"]): (c["state"], c["reasons"]) for c in listed}
        expected = {k: (c.state, list(c.reasons)) for k, c in self.oracle.campaigns.items()}
        assert stored == expected, f"at {self.now_text}"
        events = self.query("SELECT COUNT(*) FROM event WHERE kind = 'state'")
        assert events == [(self.oracle.state_events,)]
        closes = set(
            self.query(
                "SELECT b.name, p.kind, p.first_day, p.spend, p.budget FROM period_close p "
                "JOIN brand b ON b.id = p.brand_id",
            )
        )
        assert closes == self.oracle.closes

    # -- rules

    @initialize(
        start=st.sampled_from(STARTS),
        budgets=st.lists(st.sampled_from(BUDGETS), min_size=4, max_size=4),
    )
    def setup(self, start: datetime, budgets: list[str]) -> None:
        self.now = start
        for i, (name, tz) in enumerate(INITIAL_ZONES.items()):
            daily, monthly = budgets[2 * i], budgets[2 * i + 1]
            self.run("brand", "add", name, "--daily", daily, "--monthly", monthly, "--tz", tz)
            self.oracle.brands[name] = OBrand(
                tz, budget_micros(daily), budget_micros(monthly),
                start.astimezone(ZoneInfo(tz)).date() - timedelta(days=1),
            )
        for brand, name in CAMPAIGNS:
            lines = self.run("campaign", "add", brand, name)
            self.oracle.campaigns[(brand, name)] = OCampaign(brand, name)
            changes = self.oracle.evaluate([(brand, name)], self.now)
            self.expect_changes(lines[1:], changes)
        self.ready = True
        self.check()

    @rule(minutes=ticks)
    def tick(self, minutes: int) -> None:
        # No command: stored state may now be stale, which is allowed; the next command checks.
        self.now += timedelta(minutes=minutes)

    @rule(
        key=st.sampled_from(CAMPAIGNS),
        cents=st.one_of(st.integers(-5000, 15000), st.sampled_from([5000, 10000, 25000, -1])),
        back=st.one_of(st.just(0), st.integers(0, 30 * 1440)),
        advance=st.one_of(st.just(0), ticks),
    )
    def spend(self, key: tuple[str, str], cents: int, back: int, advance: int) -> None:
        self.now += timedelta(minutes=advance)
        brand, name = key
        at = self.now - timedelta(minutes=back)
        sign, whole = ("-" if cents < 0 else ""), abs(cents)
        amount = f"{sign}{whole // 100}.{whole % 100:02d}"
        lines = self.run("spend", "record", brand, name, "--at", at.isoformat(), "--", amount)
        assert lines[0].startswith("recorded ")
        self.oracle.brands[brand].ledger.append((at, cents * 10_000))
        self.expect_changes(lines[1:], self.oracle.evaluate(self.oracle.of_brand(brand), self.now))
        self.check()

    @rule(key=st.sampled_from(CAMPAIGNS), held=st.booleans())
    def hold(self, key: tuple[str, str], held: bool) -> None:
        lines = self.run("campaign", "pause" if held else "resume", *key)
        campaign = self.oracle.campaigns[key]
        said = 1
        if campaign.held == held:
            assert lines[0] == f"{key[0]} / {key[1]} is already {'held' if held else 'not held'}"
        campaign.held = held
        self.expect_changes(lines[said:], self.oracle.evaluate([key], self.now))
        self.check()

    @rule(brand=st.sampled_from(["A", "B"]), which=st.sampled_from(["daily", "monthly"]),
          value=st.sampled_from(BUDGETS))
    def budget(self, brand: str, which: str, value: str) -> None:
        lines = self.run("brand", "set", brand, f"--{which}", value)
        b = self.oracle.brands[brand]
        old, new = getattr(b, which), budget_micros(value)
        if new != old:
            b.budget_changes.append((self.now, "day" if which == "daily" else "month", old))
        setattr(b, which, new)
        self.expect_changes(lines[1:], self.oracle.evaluate(self.oracle.of_brand(brand), self.now))
        self.check()

    @rule(brand=st.sampled_from(["A", "B"]), tz=st.sampled_from(ZONES))
    def move(self, brand: str, tz: str) -> None:
        lines = self.run("brand", "set", brand, "--tz", tz)
        self.oracle.brands[brand].tz = tz
        self.expect_changes(lines[1:], self.oracle.evaluate(self.oracle.of_brand(brand), self.now))
        self.check()

    @rule(
        key=st.sampled_from(CAMPAIGNS),
        specs=st.lists(windows(), min_size=1, max_size=3),
        tz=st.sampled_from([None, None, "Asia/Tokyo", "UTC"]),
    )
    def schedule(self, key: tuple[str, str], specs: list[tuple[str, OWindow]], tz: str | None) -> None:
        lines = self.run("schedule", "set", *key, *(text for text, _ in specs), *(["--tz", tz] if tz else []))
        campaign = self.oracle.campaigns[key]
        if lines[0].startswith(f"{key[0]} / {key[1]}: schedule unchanged: "):
            # only when the campaign already had these windows, in this zone
            assert campaign.windows == tuple(w for _, w in specs) and campaign.schedule_tz == tz
        else:
            assert lines[0].startswith(f"{key[0]} / {key[1]}: schedule set: ")
        campaign.windows = tuple(w for _, w in specs)
        campaign.schedule_tz = tz
        self.expect_changes(lines[1:], self.oracle.evaluate([key], self.now))
        self.check()

    @rule(key=st.sampled_from(CAMPAIGNS))
    def unschedule(self, key: tuple[str, str]) -> None:
        lines = self.run("schedule", "clear", *key)
        campaign = self.oracle.campaigns[key]
        assert lines[0] == f"{key[0]} / {key[1]}: " + (
            "schedule cleared: may run at any time" if campaign.windows
            else "has no schedule: nothing to clear"
        )
        campaign.windows, campaign.schedule_tz = (), None
        self.expect_changes(lines[1:], self.oracle.evaluate([key], self.now))
        self.check()

    @rule(name=st.sampled_from(["enforce", "daypart", "reset"]), advance=st.one_of(st.just(0), ticks),
          again=st.booleans())
    def run_pass(self, name: str, advance: int, again: bool) -> None:
        self.now += timedelta(minutes=advance)  # cron runs passes as time goes by
        data = json.loads("\n".join(self.run(name, "--now", self.now_text, "--json")))
        if name == "reset":
            self.oracle.close_periods(self.now)
        scope = [k for k, c in self.oracle.campaigns.items() if name != "daypart" or c.windows]
        expected = self.oracle.evaluate(scope, self.now)
        assert data["pass"] == name and data["dry_run"] is False
        assert datetime.fromisoformat(data["now"]) == self.now
        assert sorted(data["changes"], key=repr) == sorted(expected, key=repr)
        self.check()
        if again:  # idempotent: the same pass at the same now changes nothing
            assert self.run(name, "--now", self.now_text) == []
            assert self.query("SELECT COUNT(*) FROM event WHERE kind = 'state'") == [
                (self.oracle.state_events,)
            ]

    @precondition(lambda self: self.ready)
    @invariant()
    def reasons_are_from_the_vocabulary(self) -> None:
        for c in self.oracle.campaigns.values():
            assert set(c.reasons) <= {"held", "daily_budget", "monthly_budget", "outside_schedule"}


BudgetMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("BUDGETCTL_STATEFUL_EXAMPLES", "25")),
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestBudgetMachine = BudgetMachine.TestCase


# -- the same model check on PostgreSQL ----------------------------------------------------

PG_URL = os.environ.get("BUDGETCTL_TEST_POSTGRES_URL", "")
_PG_DATABASE: str | None = None


def _pg(url: str, *statements: str, fetch: bool = False) -> list[tuple[object, ...]]:
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    engine = sa.create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            rows: list[tuple[object, ...]] = []
            for statement in statements:
                result = conn.exec_driver_sql(statement)
                if fetch:
                    rows = [tuple(r) for r in result]
            return rows
    finally:
        engine.dispose()


def pg_cli(url: str) -> Cli:
    """The in-process CLI on a URL (``Cli`` takes a path; a URL must not pass through Path)."""
    cli = Cli(Path("unused"))
    cli.db = url  # type: ignore[assignment]
    return cli


def pg_database() -> str:
    """One PostgreSQL database for this module's examples, created and initialised once."""
    global _PG_DATABASE
    if _PG_DATABASE is None:
        from sqlalchemy.engine import make_url

        name = f"bc_sm_{os.getpid()}"
        _pg(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=name)
        _PG_DATABASE = url.render_as_string(hide_password=False)
        run = pg_cli(_PG_DATABASE)("init", env=ENV)
        assert run.exit_code == 0, run.stderr
    return _PG_DATABASE


def teardown_module() -> None:
    global _PG_DATABASE
    if _PG_DATABASE is not None:
        from sqlalchemy.engine import make_url

        name = make_url(_PG_DATABASE).database
        _pg(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _PG_DATABASE = None


class PostgresBudgetMachine(BudgetMachine):
    """The same rules and oracle against PostgreSQL: the database is emptied before each example."""

    def __init__(self) -> None:
        RuleBasedStateMachine.__init__(self)
        self.dir = Path(tempfile.mkdtemp(prefix="budgetctl-sm-pg-"))
        self.url = pg_database()
        _pg(self.url, f"TRUNCATE {PG_TABLES} RESTART IDENTITY CASCADE")
        self.cli = pg_cli(self.url)
        self.oracle = Oracle()
        self.now = STARTS[0]
        self.ready = False

    def query(self, statement: str) -> list[tuple[object, ...]]:
        return _pg(self.url, statement, fetch=True)


PostgresBudgetMachine.TestCase.settings = settings(
    BudgetMachine.TestCase.settings,
    max_examples=max(10, int(os.environ.get("BUDGETCTL_STATEFUL_EXAMPLES", "25")) // 4),
)
TestPostgresBudgetMachine = pytest.mark.skipif(
    not PG_URL,
    reason="PostgreSQL tests need $BUDGETCTL_TEST_POSTGRES_URL, e.g. "
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
)(PostgresBudgetMachine.TestCase)

