"""PostgreSQL: the same commands, migrations and guarantees as on SQLite, plus ``db copy``.

The PostgreSQL cases run when ``$BUDGETCTL_TEST_POSTGRES_URL`` names a server
(``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``): each test gets a
fresh database with a unique name (``CREATE DATABASE ... TEMPLATE template0``
over an autocommit connection), dropped when the test ends. Without the
variable they are skipped with that reason; the SQLite half of every
parametrized case still runs.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from conftest import FIXTURES, Cli, Run, as_revision_0002, dump, execute
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from budgetctl.services.copy import TABLES
from budgetctl.store.schema import HEAD_REVISION

PG_ENV = "BUDGETCTL_TEST_POSTGRES_URL"
PG_URL = os.environ.get(PG_ENV, "").strip()
SKIP_REASON = (
    f"PostgreSQL tests need ${PG_ENV}, e.g. "
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres (a server where this user may "
    "CREATE DATABASE)"
)
NOW = "2026-11-25T12:00:00+00:00"  # a Wednesday
SECRET = "Sup3r-S3cret-pw"


# -- databases ---------------------------------------------------------------------------


def _admin_connect() -> Any:
    import psycopg

    url = make_url(PG_URL)
    return psycopg.connect(
        host=url.host or "localhost",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database or "postgres",
        autocommit=True,
    )


class PgServer:
    """Creates and drops uniquely named databases on the test server."""

    def __init__(self) -> None:
        self.admin = _admin_connect()
        self.created: list[str] = []

    def create(self) -> str:
        name = f"bc_test_{uuid.uuid4().hex[:12]}"
        self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        self.created.append(name)
        return (
            make_url(PG_URL)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )

    def drop(self, url: str) -> None:
        name = make_url(url).database
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in list(self.created):
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    if not PG_URL:
        pytest.skip(SKIP_REASON)
    server = PgServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database of its own for this test."""
    url = pg_server.create()
    try:
        yield url
    finally:
        pg_server.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database of one test: an SQLite file, or (when available) a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "budget.db")
    return str(request.getfixturevalue("pg_url"))


def sa_url(db: str) -> str:
    return db if "://" in db else f"sqlite:///{db}"


def sql(db: str, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(sa_url(db), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(statement), params)]
    finally:
        engine.dispose()


def table_rows(db: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every budgetctl table, ints normalised (PostgreSQL SUMs are Decimals)."""
    return {t: sorted(sql(db, f"SELECT * FROM {t}"), key=repr) for t in TABLES}


def cli_for(db: str) -> Cli:
    return Cli(db)  # type: ignore[arg-type]  (BUDGETCTL_DB is a string: a path or a URL)


def micros(text: str) -> int:
    return int(Decimal(text) * 1_000_000)


def ledger_by_day(db: str) -> dict[tuple[str, str, date], int]:
    """Net spend per (brand, campaign, brand-local day), zero totals left out."""
    out: dict[tuple[str, str, date], int] = defaultdict(int)
    for brand, campaign, tz, occurred, amount in sql(
        db,
        "SELECT b.name, c.name, b.timezone, s.occurred_at, s.amount FROM spend_entry s "
        "JOIN campaign c ON c.id = s.campaign_id JOIN brand b ON b.id = s.brand_id",
    ):
        day = datetime.fromtimestamp(occurred / 1_000_000, UTC).astimezone(ZoneInfo(tz)).date()
        out[(brand, campaign, day)] += int(amount)
    return {k: v for k, v in out.items() if v}


def onboard(cli: Cli) -> None:
    cli.ok("init")
    cli.ok("brand", "import", str(FIXTURES / "brands.csv"), now=NOW)
    cli.ok("campaign", "import", str(FIXTURES / "campaigns.csv"), now=NOW)


# -- init and the schema -----------------------------------------------------------------


def test_init_on_an_empty_postgres_database(pg_url: str) -> None:
    cli = cli_for(pg_url)
    run = cli("init")
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith("created database postgresql+psycopg://")
    assert f"(schema revision {HEAD_REVISION})" in run.stdout
    assert "up to date" in cli.ok("init").stdout
    assert sql(pg_url, "SELECT version_num FROM alembic_version") == [(HEAD_REVISION,)]
    rows = table_rows(pg_url)
    assert [r[0] for r in rows.pop("pass_run")] == ["init"]  # when it was created
    assert all(r == [] for r in rows.values())


def test_fresh_postgres_schema_equals_the_models(pg_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import budgetctl.store.models  # noqa: F401

    cli_for(pg_url).ok("init")
    engine = sa.create_engine(pg_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, SQLModel.metadata)
            types = dict(
                conn.execute(
                    sa.text(
                        "SELECT table_name || '.' || column_name, data_type FROM "
                        "information_schema.columns WHERE table_schema = 'public'"
                    )
                ).all()
            )
    finally:
        engine.dispose()
    assert diff == []
    # Money and instants are BIGINT; the ledger and history may outgrow 32-bit ids.
    for column in (
        "spend_entry.amount",
        "spend_entry.occurred_at",
        "brand.daily_budget",
        "spend_entry.id",
        "event.id",
        "period_close.spend",
        "event.at",
    ):
        assert types[column] == "bigint", column


# -- the key flows on both engines -------------------------------------------------------


def test_brand_campaign_spend_status_passes_history(engine_url: str) -> None:
    cli = cli_for(engine_url)
    cli.ok("init")
    cli.ok(
        "brand",
        "add",
        "Acme",
        "--daily",
        "100",
        "--monthly",
        "1000",
        "--tz",
        "America/New_York",
        now=NOW,
    )
    cli.ok("campaign", "add", "Acme", "Search", "--external-id", "111", now=NOW)
    cli.ok("campaign", "add", "Acme", "Display", now=NOW)
    assert [
        b["brand"] for b in json.loads(cli.ok("campaign", "list", "--json", now=NOW).stdout)
    ] == ["Acme", "Acme"]

    first = cli.ok("spend", "record", "Acme", "Search", "60", "--key", "inv-1", now=NOW)
    assert first.lines == [
        "recorded 60.00 USD on Acme / Search at 2026-11-25T07:00-05:00 (entry #1)"
    ]
    again = cli.ok("spend", "record", "Acme", "Search", "60", "--key", "inv-1", now=NOW)
    assert again.stdout.startswith("already recorded as entry #1")
    clash = cli("spend", "record", "Acme", "Search", "61", "--key", "inv-1", now=NOW)
    assert clash.exit_code == 1 and "already used" in clash.stderr
    cli.ok("spend", "record", "Acme", "Display", "0.000001", now=NOW)

    status = json.loads(cli.ok("status", "--json", now=NOW).stdout)
    assert status == [
        {
            "brand": "Acme",
            "currency": "USD",
            "timezone": "America/New_York",
            "daily_budget": "100.00",
            "daily_spend": "60.000001",
            "monthly_budget": "1000.00",
            "monthly_spend": "60.000001",
            "projected_month_spend": status[0]["projected_month_spend"],
            "campaigns_active": 2,
            "campaigns_total": 2,
        }
    ]

    # Crossing the daily budget pauses both campaigns at once (one event each).
    run = cli.ok("spend", "record", "Acme", "Display", "40", now=NOW)
    assert sorted(run.lines[1:]) == [
        "Acme / Display: active -> paused (daily_budget)",
        "Acme / Search: active -> paused (daily_budget)",
    ]
    assert cli.ok("enforce", now=NOW).stdout == ""
    # The next local day: enforce reactivates, reset closes 2026-11-25, a second run changes nothing.
    nxt = "2026-11-26T06:00:00+00:00"
    changes = json.loads(cli.ok("enforce", "--now", nxt, "--json").stdout)["changes"]
    assert sorted((c["campaign"], c["from"], c["to"]) for c in changes) == [
        ("Display", "paused", "active"),
        ("Search", "paused", "active"),
    ]
    assert json.loads(cli.ok("reset", "--now", nxt, "--json").stdout)["changes"] == []
    assert cli.ok("reset", "--now", nxt).stdout == ""
    closes = sql(
        engine_url, "SELECT kind, first_day, spend, budget FROM period_close ORDER BY kind"
    )
    assert [(k, f, int(s), int(b)) for k, f, s, b in closes] == [
        ("day", "2026-11-25", 100_000_001, 100_000_000)
    ]
    assert sql(engine_url, "SELECT COUNT(*) FROM event WHERE kind = 'state'") == [(4,)]

    cli.ok("campaign", "pause", "Acme", "Search", "--note", "client call", now=nxt)
    cli.ok("brand", "set", "Acme", "--daily", "50", "--rename", "AcmeCo", now=nxt)
    history = json.loads(cli.ok("history", "--json", "--limit", "100", now=nxt).stdout)
    kinds = [e["kind"] for e in history]
    assert kinds.count("state") == 5 and "brand.created" in kinds
    searched = json.loads(
        cli.ok("history", "--brand", "AcmeCo", "--campaign", "search", "--json", now=nxt).stdout
    )
    assert searched and all(e["campaign"] == "Search" for e in searched)
    spend = json.loads(cli.ok("spend", "list", "--brand", "AcmeCo", "--json", now=nxt).stdout)
    assert [s["amount"] for s in spend] == ["60.00", "0.000001", "40.00"]
    doctor = cli("doctor", now=nxt)
    assert "schema: revision" in doctor.stdout


def test_every_fixture_imports_with_exact_totals(engine_url: str, tmp_path: Path) -> None:
    cli = cli_for(engine_url)
    onboard(cli)

    def imported(name: str) -> dict[str, Any]:
        run = cli.ok("spend", "import", str(FIXTURES / name), "--json", now=NOW)
        return dict(json.loads(run.stdout))

    google = imported("google-ads-campaign-report.csv")
    assert (google["rows"], google["entries_written"], google["net_amount"]) == (5, 3, "1533.50")
    assert imported("google-ads-excel.csv")["net_amount"] == "100.00"
    assert imported("meta-ads-daily.csv")["net_amount"] == "2236.56"
    assert imported("microsoft-ads-api.csv")["net_amount"] == "1801.20"
    ui = imported("microsoft-ads-ui.tsv")  # the same days as the API report: nothing new
    assert (ui["entries_written"], ui["net_amount"]) == (0, "0.00")
    assert imported("generic-spend.csv")["net_amount"] == "44.75"

    d = date.fromisoformat
    assert ledger_by_day(engine_url) == {
        ("Acme", "Acme - Search", d("2026-11-01")): micros("1033.33"),
        ("Acme", "Acme - Search", d("2026-11-02")): micros("412.07"),
        ("Acme", "Acme - Display", d("2026-11-01")): micros("88.10"),
        ("Acme", "Acme - Search", d("2026-11-24")): micros("61.25")
        + micros("12.50")
        + micros("7.25"),
        ("Acme", "Acme - Display", d("2026-11-24")): micros("38.75")
        + micros("30.00")
        - micros("5.00"),
        ("Globex", "Globex - Prospecting", d("2026-11-01")): micros("1234.56"),
        ("Globex", "Globex - Prospecting", d("2026-11-02")): micros("1002.00"),
        ("Initech", "Initech - Brand", d("2026-11-01")): micros("412.30"),
        ("Initech", "Initech - Brand", d("2026-11-02")): micros("1388.90"),
    }
    before = table_rows(engine_url)
    # Re-importing every export changes nothing; bad files are refused whole.
    for name in (
        "google-ads-campaign-report.csv",
        "google-ads-excel.csv",
        "meta-ads-daily.csv",
        "microsoft-ads-api.csv",
        "generic-spend.csv",
    ):
        assert imported(name)["entries_written"] == 0
    assert table_rows(engine_url)["spend_entry"] == before["spend_entry"]
    for name, problems in (("meta-ads-range.csv", 1), ("bad-generic-spend.csv", 7)):
        run = cli("spend", "import", str(FIXTURES / name), now=NOW)
        assert run.exit_code == 1
        assert f"import refused, nothing written: {problems} problem" in run.stderr
    after = table_rows(engine_url)
    assert after["spend_entry"] == before["spend_entry"]
    assert len(after["import_batch"]) == len(before["import_batch"]) + 5
    # A larger generic file goes through the bulk path (COPY on PostgreSQL) in several chunks.
    path = tmp_path / "bulk.csv"
    with path.open("w") as f:
        f.write("date,brand,campaign,amount,id\n")
        for i in range(45_000):
            f.write(f"2026-11-2{i % 3},Initech,Initech - Brand,0.{i % 100:02d},bulk-{i}\n")
    report = json.loads(cli.ok("spend", "import", str(path), "--json", now=NOW).stdout)
    expected = sum(i % 100 for i in range(45_000)) * 10_000
    assert report["rows"] == report["entries_written"] == 45_000
    assert micros(report["net_amount"]) == expected
    got = sql(
        engine_url,
        "SELECT COUNT(*), SUM(amount) FROM spend_entry WHERE batch_id = :b",
        b=report["batch"],
    )
    assert [(int(n), int(s)) for n, s in got] == [(45_000, expected)]


def test_an_import_numbers_its_entries_the_same_on_both_engines(engine_url: str, tmp_path: Path) -> None:
    cli = cli_for(engine_url)
    onboard(cli)

    def entries(batch: int) -> list[tuple[int, str, str, str]]:
        rows = json.loads(cli.ok("spend", "list", "--json", now=NOW).stdout)
        return sorted((e["id"], e["campaign"], e["amount"], e["occurred_at"][:10])
                      for e in rows if e["batch"] == batch)

    # Rows of several brands: they reach the ledger by brand and time, ties in file order.
    reports = ["meta-ads-daily.csv", "microsoft-ads-api.csv", "google-ads-campaign-report.csv"]
    cli.ok("spend", "import", *[str(FIXTURES / r) for r in reports], now=NOW)
    assert entries(1) == [
        (1, "Acme - Search", "1033.33", "2026-11-01"),
        (2, "Acme - Display", "88.10", "2026-11-01"),
        (3, "Acme - Search", "412.07", "2026-11-02"),
        (4, "Globex - Prospecting", "1234.56", "2026-11-01"),
        (5, "Globex - Prospecting", "1002.00", "2026-11-02"),
        (6, "Initech - Brand", "412.30", "2026-11-01"),
        (7, "Initech - Brand", "1388.90", "2026-11-02"),
    ]
    # One brand's campaigns listed one after the other: the rows keep the file's order.
    lines = [f"Enabled,{c},{ext},2026-11-{d:02d},USD,{d}.00,1,1"
             for c, ext in (("Acme - Display", 21456789013), ("Acme - Search", 21456789012))
             for d in range(10, 22)]
    header = "Campaign report\nNovember 10, 2026 - November 21, 2026\n" + (
        "Campaign status,Campaign,Campaign ID,Day,Currency code,Cost,Impr.,Clicks\n")
    report = tmp_path / "google-by-campaign.csv"
    report.write_text(header + "\n".join(lines) + "\n")
    cli.ok("spend", "import", str(report), now=NOW)
    in_file = [(c, d) for c in ("Acme - Display", "Acme - Search") for d in range(10, 22)]
    assert entries(2) == [(8 + i, c, f"{d}.00", f"2026-11-{d:02d}") for i, (c, d) in enumerate(in_file)]


def test_undo_restores_the_totals(engine_url: str) -> None:
    cli = cli_for(engine_url)
    onboard(cli)
    cli.ok("spend", "import", str(FIXTURES / "google-ads-campaign-report.csv"), now=NOW)
    before = ledger_by_day(engine_url)
    batch = json.loads(
        cli.ok("spend", "import", str(FIXTURES / "generic-spend.csv"), "--json", now=NOW).stdout
    )["batch"]
    assert ledger_by_day(engine_url) != before
    run = cli.ok("spend", "undo", str(batch), now=NOW)
    assert "4 compensating entries, net -44.75" in run.stdout
    assert ledger_by_day(engine_url) == before
    again = cli("spend", "undo", str(batch), now=NOW)
    assert again.exit_code == 1 and "already undone" in again.stderr
    batches = json.loads(cli.ok("spend", "batches", "--json", now=NOW).stdout)
    undone = next(b for b in batches if b["batch"] == batch)
    assert undone["undone_by"] is not None
    # The undone file may be imported again (its content hash no longer blocks it).
    assert (
        json.loads(
            cli.ok("spend", "import", str(FIXTURES / "generic-spend.csv"), "--json", now=NOW).stdout
        )["net_amount"]
        == "44.75"
    )


# -- concurrency --------------------------------------------------------------------------

WORKER = r"""
import sys
from budgetctl.clock import now as read_clock
from budgetctl.services.base import Context
from budgetctl.services.ledger import record_spend
from budgetctl.store.db import Database, resolve_url

url, worker, unique, shared = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
db = Database(resolve_url(url))
for i in range(max(unique, shared)):
    if i < unique:
        ctx = Context(db, read_clock(), f"w{worker}", "spend record")
        record_spend(ctx, "Acme", "Search" if i % 2 else "Display", "1.00", key=f"w{worker}-{i}")
    if i < shared:
        # Every worker races on the same keys: each must be recorded exactly once.
        ctx = Context(db, read_clock(), f"w{worker}", "spend record")
        record_spend(ctx, "Acme", "Search", "2.00", key=f"shared-{i}")
"""

ENFORCER = r"""
import sys, time
from budgetctl.clock import now as read_clock
from budgetctl.services.base import Context
from budgetctl.services.passes import run_pass
from budgetctl.store.db import Database, resolve_url

db = Database(resolve_url(sys.argv[1]))
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    run_pass(Context(db, read_clock(), "cron", "enforce"), "enforce")
    if open(sys.argv[2]).read().strip() == "stop":
        break
"""


def test_several_inits_at_once_create_the_database_once(engine_url: str) -> None:
    # cron on several hosts, or a deploy script run twice: one creates, the others find it made.
    from budgetctl.store.db import describe
    from budgetctl.store.schema import HEAD_REVISION

    exe = str(Path(sys.executable).with_name("budgetctl"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGETCTL_")}
    env.update(BUDGETCTL_NOW=NOW, BUDGETCTL_BUSY_TIMEOUT="60")
    procs = [
        subprocess.Popen([exe, "--db", engine_url, "init"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    results = sorted((p.wait(timeout=120), *p.communicate()) for p in procs)
    label = describe(make_url(sa_url(engine_url)))
    assert results == [
        (0, f"created database {label} (schema revision {HEAD_REVISION})\n", ""),
        *[(0, f"database {label} is up to date (schema revision {HEAD_REVISION})\n", "")] * 5,
    ]
    assert sql(engine_url, "SELECT name FROM pass_run") == [("init",)]


def test_concurrent_writers_and_enforce(engine_url: str, tmp_path: Path) -> None:
    cli = cli_for(engine_url)
    cli.ok("init")
    cli.ok("brand", "add", "Acme", "--daily", "70", "--monthly", "none", now=NOW)
    cli.ok("campaign", "add", "Acme", "Search", now=NOW)
    cli.ok("campaign", "add", "Acme", "Display", now=NOW)
    env = {**os.environ, "BUDGETCTL_NOW": NOW, "BUDGETCTL_BUSY_TIMEOUT": "60"}
    stop = tmp_path / "stop"
    stop.write_text("")
    enforcer = subprocess.Popen([sys.executable, "-c", ENFORCER, engine_url, str(stop)], env=env)
    unique, shared = 15, 10
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, engine_url, str(w), str(unique), str(shared)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(4)
    ]
    errors = [w.communicate(timeout=120)[1] for w in workers]
    stop.write_text("stop")
    assert enforcer.wait(timeout=60) == 0
    assert [w.returncode for w in workers] == [0, 0, 0, 0], errors

    total = 4 * unique * 1_000_000 + shared * 2_000_000
    rows = sql(
        engine_url, "SELECT COUNT(*), SUM(amount), COUNT(DISTINCT idem_key) FROM spend_entry"
    )
    assert [(int(n), int(s), int(k)) for n, s, k in rows] == [
        (4 * unique + shared, total, 4 * unique + shared)
    ]
    # 100.00 spent against a daily budget of 70.00: each campaign paused exactly once.
    events = sql(
        engine_url,
        "SELECT campaign, message FROM event WHERE kind = 'state' ORDER BY id",
    )
    assert sorted(c for c, _m in events) == ["Display", "Search"]
    assert all(m.startswith("active -> paused") for _c, m in events)
    assert sql(engine_url, "SELECT DISTINCT state FROM campaign") == [("paused",)]
    assert sql(engine_url, "SELECT COUNT(*) FROM event WHERE kind = 'spend.duplicate'") == [
        (3 * shared,)
    ]
    assert cli.ok("enforce", now=NOW).stdout == ""


# -- db copy --------------------------------------------------------------------------------


def populated_sqlite(tmp_path: Path) -> tuple[str, Cli]:
    db = str(tmp_path / "source.db")
    cli = cli_for(db)
    onboard(cli)
    for name in (
        "google-ads-campaign-report.csv",
        "google-ads-excel.csv",
        "meta-ads-daily.csv",
        "microsoft-ads-api.csv",
        "generic-spend.csv",
    ):
        cli.ok("spend", "import", str(FIXTURES / name), now=NOW)
    generated = tmp_path / "generated.csv"
    with generated.open("w") as f:
        f.write("date,brand,campaign,amount,note\n")
        for i in range(12_000):
            brand, campaign = [
                ("Acme", "Acme - Search"),
                ("Globex", "Globex - Prospecting"),
                ("Initech", "Initech - Generic"),
            ][i % 3]
            f.write(
                f"2026-11-{1 + i % 24:02d}T{i % 24:02d}:{i % 60:02d}:00Z,{brand},{campaign},"
                f"{(i * 37) % 10_000 / 100:.2f},gen {i}\n"
            )
    cli.ok("spend", "import", str(generated), now=NOW)
    cli.ok("spend", "undo", "5", now=NOW)
    for i in range(20):
        cli.ok(
            "spend",
            "record",
            "Globex",
            "Globex - Prospecting",
            f"{i}.5",
            "--key",
            f"m{i}",
            "--at",
            f"2026-11-{10 + i % 10}",
            now=NOW,
        )
    cli.ok("spend", "record", "Acme", "Acme - Search", "--note", "refund", "--", "-12.34", now=NOW)
    cli.ok("campaign", "pause", "Acme", "Acme - Display", "--note", "held", now=NOW)
    cli.ok("reset", now="2026-11-26T12:00:00+00:00")
    cli.ok("enforce", now="2026-11-26T12:00:00+00:00")
    cli.ok("daypart", now="2026-11-26T12:00:00+00:00")
    return db, cli


def test_db_copy_sqlite_into_postgres(tmp_path: Path, pg_url: str) -> None:
    source, cli = populated_sqlite(tmp_path)
    run = cli("db", "copy", "--to", pg_url, now=NOW)
    assert run.exit_code == 0, run.stderr
    assert "created the budgetctl schema in the target" in run.stdout
    assert "spend_entry: " in run.stdout and "verified: row counts of 9 tables" in run.stdout
    want, got = table_rows(source), table_rows(pg_url)
    assert {t: len(r) for t, r in got.items()} == {t: len(r) for t, r in want.items()}
    assert got == want
    assert len(want["period_close"]) > 0 and len(want["spend_entry"]) > 12_000
    assert sql(pg_url, "SELECT version_num FROM alembic_version") == [(HEAD_REVISION,)]

    # The copy is a working database: new ids continue after the copied ones.
    pg = cli_for(pg_url)
    top = {t: max(r[0] for r in want[t]) for t in ("brand", "campaign", "spend_entry", "event")}
    pg.ok("brand", "add", "New", "--daily", "none", "--monthly", "none", now=NOW)
    pg.ok("campaign", "add", "New", "One", now=NOW)
    pg.ok("spend", "record", "New", "One", "1", now=NOW)
    for table, highest in top.items():
        assert sql(pg_url, f"SELECT MAX(id) FROM {table}")[0][0] > highest, table
    sqlite_status = {s["brand"]: s for s in json.loads(cli.ok("status", "--json", now=NOW).stdout)}
    pg_status = {s["brand"]: s for s in json.loads(pg.ok("status", "--json", now=NOW).stdout)}
    assert {k: v for k, v in pg_status.items() if k != "New"} == sqlite_status
    doctor = pg("doctor", now=NOW)
    assert "schema: revision" in doctor.stdout

    # A second copy into the now non-empty target is refused and changes nothing.
    snapshot = table_rows(pg_url)
    again = cli("db", "copy", "--to", pg_url, now=NOW)
    assert again.exit_code == 1
    assert "is not empty" in again.stderr and "left as is" in again.stderr
    assert table_rows(pg_url) == snapshot


def test_db_copy_into_an_initialised_empty_target_and_back_to_sqlite(
    tmp_path: Path, pg_url: str
) -> None:
    source, cli = populated_sqlite(tmp_path)
    cli_for(pg_url).ok("init")  # an empty budgetctl schema counts as empty
    run = cli("db", "copy", "--to", pg_url, "--json", now=NOW)
    assert run.exit_code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["verified"] is True and report["created_schema"] is False
    assert report["rows"] == {t: len(r) for t, r in table_rows(source).items()}
    # The record of when init created the database is the source's, not the target's.
    created = sql(pg_url, "SELECT last_run_at FROM pass_run WHERE name = 'init'")
    assert created == sql(str(source), "SELECT last_run_at FROM pass_run WHERE name = 'init'")
    assert len(created) == 1
    back = str(tmp_path / "back.db")
    cli_for(pg_url).ok("db", "copy", "--to", back, now=NOW)
    assert table_rows(back) == table_rows(source)


def test_db_copy_refuses_a_target_with_other_tables(tmp_path: Path, pg_url: str) -> None:
    _source, cli = populated_sqlite(tmp_path)
    sql_exec(pg_url, "CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    run = cli("db", "copy", "--to", pg_url, now=NOW)
    assert run.exit_code == 1
    assert "is not empty (it has tables: customers)" in run.stderr
    assert "left as is" in run.stderr
    assert sql(
        pg_url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    ) == [("customers",)]


def test_db_copy_rolls_back_on_a_verification_mismatch(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from budgetctl.services import copy as copy_service

    _source, cli = populated_sqlite(tmp_path)
    real = copy_service.bulk_writer

    def lossy(conn: Any, table: str, columns: list[str]) -> Any:
        write = real(conn, table, columns)
        if table != "spend_entry":
            return write
        return lambda rows: write(rows[:-1])  # lose one row per batch

    monkeypatch.setattr(copy_service, "bulk_writer", lossy)
    run = cli("db", "copy", "--to", pg_url, now=NOW)
    assert run.exit_code == 1
    assert "verification failed" in run.stderr and "spend_entry:" in run.stderr
    assert "left as is" in run.stderr
    assert all(not rows for rows in table_rows(pg_url).values())


def test_db_copy_shows_the_verified_net_per_currency(tmp_path: Path) -> None:
    cli = cli_for(str(tmp_path / "source.db"))
    cli.ok("init")
    cli.ok("brand", "add", "Acme", "--daily", "none", "--monthly", "none", now=NOW)
    cli.ok("brand", "add", "Nikko", "--daily", "none", "--monthly", "none", "--currency", "JPY", now=NOW)
    for brand in ("Acme", "Nikko"):
        cli.ok("campaign", "add", brand, "Search", now=NOW)
    for brand, amount in (("Acme", "100.00"), ("Acme", "0.005"), ("Nikko", "1000")):
        cli.ok("spend", "record", brand, "Search", amount, now=NOW)
    run = cli.ok("db", "copy", "--to", str(tmp_path / "copy.db"), now=NOW)
    assert "  pass_run: 1 row" in run.stdout.splitlines()
    assert "  campaign: 2 rows" in run.stdout.splitlines()
    assert run.stdout.splitlines()[-1] == (
        "verified: row counts of 9 tables (12 rows) and 2 per-brand, per-day spend totals (net 1,000.00 "
        "JPY, 100.01 USD) are equal on both sides"
    )
    # Again: refused, counting the target's rows as the copy's report did (init's row too).
    before = table_rows(str(tmp_path / "copy.db"))
    again = cli("db", "copy", "--to", str(tmp_path / "copy.db"), now=NOW)
    assert again.exit_code == 1
    held = ", ".join(f"{t}: {len(rows)}" for t, rows in before.items() if rows)
    assert again.stderr == (
        f"error: target {tmp_path / 'copy.db'} is not empty ({held} rows): db copy copies only"
        " into an empty database; the target is left as is\n"
    )
    assert "pass_run: 1" in held
    assert table_rows(str(tmp_path / "copy.db")) == before


def test_db_copy_refuses_the_source_itself(tmp_path: Path) -> None:
    source, cli = populated_sqlite(tmp_path)
    run = cli("db", "copy", "--to", source, now=NOW)
    assert run.exit_code == 1 and "names the source database itself" in run.stderr


def stamped_target(path: Path, revision: str) -> Path:
    """An empty initialised SQLite target whose schema stamp says ``revision``."""
    cli_for(str(path)).ok("init")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    conn.commit()
    conn.close()
    return path


def test_db_copy_refuses_a_target_whose_schema_stamp_is_empty(tmp_path: Path) -> None:
    source, cli = populated_sqlite(tmp_path)
    target = stamped_target(tmp_path / "target.db", "")
    before, held = dump(source), dump(str(target))
    run = cli("db", "copy", "--to", str(target), now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
        f"error: target {target} is damaged (its schema stamp is empty): restore it from a backup or copy "
        "into another database; the target is left as is\n"))
    assert (dump(source), dump(str(target))) == (before, held)


def test_db_copy_into_an_older_empty_schema_says_to_upgrade_it(tmp_path: Path) -> None:
    from budgetctl.store.schema import HEAD_REVISION

    source, cli = populated_sqlite(tmp_path)
    target = stamped_target(tmp_path / "old.db", "0001")
    as_revision_0002(target)  # the schema 0001 and 0002 share
    execute(target, "UPDATE alembic_version SET version_num = '0001'")
    held = dump(str(target))
    run = cli("db", "copy", "--to", str(target), now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
        f"error: target {target} has budgetctl schema revision 0001, not {HEAD_REVISION}: db copy needs "
        "an empty database at this budgetctl's revision (an empty target: run 'budgetctl --db TARGET "
        "init' to upgrade it); the target is left as is\n"))
    assert dump(str(target)) == held
    cli_for(str(target)).ok("init")
    cli("db", "copy", "--to", str(target), now=NOW)
    assert table_rows(str(target)) == table_rows(source)


def test_db_copy_names_its_own_option_for_a_bad_target(tmp_path: Path) -> None:
    source, cli = populated_sqlite(tmp_path)
    before = dump(source)
    run = cli("db", "copy", "--to", "mysql://a/b", now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
        "error: --to 'mysql://a/b': unsupported database 'mysql' (use a file path, sqlite:///path or "
        "postgresql+psycopg://user@host/db)\n"))
    assert dump(source) == before


def sql_exec(db: str, statement: str) -> None:
    engine = sa.create_engine(sa_url(db), poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


# -- bad input ------------------------------------------------------------------------------


def with_password(url: str, password: str = SECRET, **changes: Any) -> str:
    return make_url(url).set(password=password, **changes).render_as_string(hide_password=False)


def assert_masked(run: Run) -> None:
    assert SECRET not in run.stdout and SECRET not in run.stderr
    assert "Traceback" not in run.stderr


def test_unreachable_server(pg_server: PgServer) -> None:
    url = with_password(PG_URL, port=1, drivername="postgresql+psycopg")
    run = cli_for(url)("brand", "list")
    assert run.exit_code == 1
    assert run.stderr.startswith("error: cannot connect to postgresql+psycopg://")
    assert "the server is not reachable" in run.stderr and ":***@" in run.stderr
    assert_masked(run)
    assert len(run.stderr.strip().splitlines()) == 1


def test_wrong_credentials(pg_server: PgServer) -> None:
    url = with_password(PG_URL, username="budgetctl_no_such_role", drivername="postgresql+psycopg")
    run = cli_for(url)("init")
    assert run.exit_code == 1
    assert (
        "authentication failed" in run.stderr and "check the user name and password" in run.stderr
    )
    assert_masked(run)


def test_a_database_without_the_schema(pg_url: str) -> None:
    cli = cli_for(with_password(pg_url))
    run = cli("brand", "list")
    assert run.exit_code == 1
    assert "is not a budgetctl database" in run.stderr and "run 'budgetctl init'" in run.stderr
    assert_masked(run)
    assert sql(
        pg_url, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
    ) == [(0,)]
    doctor = cli("doctor")
    assert doctor.exit_code == 1 and "not a budgetctl database" in doctor.stdout
    assert_masked(doctor)


def test_a_database_that_does_not_exist(pg_server: PgServer) -> None:
    url = with_password(
        PG_URL, database=f"bc_missing_{uuid.uuid4().hex[:8]}", drivername="postgresql+psycopg"
    )
    run = cli_for(url)("init")
    assert run.exit_code == 1
    assert "the database does not exist" in run.stderr and "createdb" in run.stderr
    assert_masked(run)


def test_a_password_is_never_echoed(tmp_path: Path, pg_url: str) -> None:
    """Every error path: URL parsing, driver choice, connection, SQLAlchemy's and our messages."""
    ready = cli_for(with_password(pg_url))
    ready.ok("init")
    out = ready.ok("init")
    assert ":***@" in out.stdout
    assert_masked(out)
    bad = [
        with_password(PG_URL, port=1, drivername="postgresql+psycopg"),
        with_password(PG_URL, drivername="postgresql+psycopg2"),
        with_password(PG_URL, drivername="mysql+pymysql"),
        f"postgresql+psycopg://u:{SECRET}@127.0.0.1:notaport/db",
        with_password(PG_URL, drivername="postgresql+psycopg", query={"sslmode": "bogus"}),
        with_password(PG_URL, drivername="postgresql+psycopg", query={"no_such_option": "1"}),
    ]
    for url in bad:
        for args in (("brand", "list"), ("init",), ("doctor",), ("spend", "import", "-")):
            run = cli_for(url)(*args, input="")
            assert run.exit_code == 1, (url, args)
            assert_masked(run)
    _source, cli = populated_sqlite(tmp_path)
    unreachable = with_password(PG_URL, port=1, drivername="postgresql+psycopg")
    for target, code in ((unreachable, 1), (with_password(pg_url), 0), (with_password(pg_url), 1)):
        run = cli("db", "copy", "--to", target, now=NOW)
        assert run.exit_code == code, run.stderr  # unreachable; copied; then: not empty
        assert_masked(run)
        assert ":***@" in run.stdout + run.stderr


def test_missing_driver_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # "import psycopg" now fails
    run = cli_for("postgresql+psycopg://u@127.0.0.1:1/db")("brand", "list")
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
        "error: PostgreSQL support is not installed: install budgetctl with its postgres extra "
        "(pip install '.[postgres]' in its source folder) or the driver itself (pip install "
        "'psycopg[binary]')\n"))


def test_connection_dropped_in_the_middle_of_an_import(tmp_path: Path, pg_url: str) -> None:
    import psycopg

    cli = cli_for(pg_url)
    onboard(cli)
    cli.ok("spend", "import", str(FIXTURES / "meta-ads-daily.csv"), now=NOW)
    before = table_rows(pg_url)
    big = tmp_path / "big.csv"
    with big.open("w") as f:
        f.write("date,brand,campaign,amount,id\n")
        for i in range(300_000):
            f.write(f"2026-11-{1 + i % 24:02d},Initech,Initech - Brand,1.{i % 100:02d},row-{i}\n")
    env = {**os.environ, "BUDGETCTL_DB": with_password(pg_url), "BUDGETCTL_NOW": NOW}
    importer = subprocess.Popen(
        [sys.executable, "-m", "budgetctl", "spend", "import", str(big)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    name = make_url(pg_url).database
    killed = False
    with _admin_connect() as admin:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and importer.poll() is None:
            rows = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'budgetctl' "
                "AND datname = %s AND query LIKE %s",
                (name, "%import_stage%"),
            ).fetchall()
            if rows:
                admin.execute("SELECT pg_terminate_backend(%s)", (rows[0][0],))
                killed = True
                break
            time.sleep(0.01)
    out, err = importer.communicate(timeout=120)
    assert killed, f"the import finished before it could be interrupted: {out}{err}"
    assert importer.returncode == 1
    assert err.startswith("error: lost the connection to postgresql+psycopg://")
    assert "nothing was written" in err and "Traceback" not in err
    assert SECRET not in err and SECRET not in out
    # Nothing partial: no batch, no ledger rows, no events from the interrupted import.
    assert table_rows(pg_url) == before
    assert isinstance(psycopg.__version__, str)


def test_writers_wait_for_the_advisory_lock_and_readers_do_not(pg_url: str) -> None:
    import psycopg

    from budgetctl.store.db import PG_LOCK_KEY

    cli = cli_for(pg_url)
    cli.ok("init")
    cli.ok("brand", "add", "Acme", "--daily", "10", "--monthly", "none", now=NOW)
    url = make_url(pg_url)
    with psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
    ) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (PG_LOCK_KEY,))  # held until rollback
        busy = cli("enforce", now=NOW, env={"BUDGETCTL_BUSY_TIMEOUT": "1"})
        assert busy.exit_code == 1
        assert busy.stderr.startswith(
            "error: database is busy: another process held the write lock"
        )
        assert json.loads(cli.ok("status", "--json", now=NOW).stdout)[0]["brand"] == "Acme"
        holder.rollback()
    assert cli.ok("enforce", now=NOW).exit_code == 0
    assert sql(pg_url, "SELECT name FROM pass_run WHERE name <> 'init'") == [("enforce",)]


def test_lists_sort_by_code_point_whatever_the_server_s_collation(pg_server: PgServer, tmp_path: Path) -> None:
    """A server set up with an ICU or en_US collation sorts text its own way; lists must not."""
    name = f"bc_test_{uuid.uuid4().hex[:12]}"
    try:
        pg_server.admin.execute(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' "
            "LOCALE 'C.UTF-8'"
        )
    except Exception as exc:  # a server built without ICU
        pytest.skip(f"no ICU collation on this server: {exc}")
    pg_server.created.append(name)
    url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)
    lists = []
    for db in (str(tmp_path / "budget.db"), url):
        cli = cli_for(db)
        cli.ok("init")
        for brand in ("Zeta", "_x", "émile", "10x"):
            cli.ok("brand", "add", brand, "--daily", "1", "--monthly", "1", now=NOW)
            cli.ok("campaign", "add", brand, "b", now=NOW)
            cli.ok("campaign", "add", brand, "A", now=NOW)
        brands = [b["brand"] for b in json.loads(cli.ok("brand", "list", "--json").stdout)]
        campaigns = [(c["brand"], c["campaign"]) for c in
                     json.loads(cli.ok("campaign", "list", "--json").stdout)]
        lists.append((brands, campaigns))
    assert lists[0] == lists[1]
    assert lists[0][0] == ["10x", "_x", "Zeta", "émile"]
    pg_server.drop(url)


def test_a_dry_run_uses_no_batch_number(engine_url: str) -> None:
    """The README's tour (a dry run, the import, `spend undo 1`) runs the same on both."""
    cli = cli_for(engine_url)
    cli.ok("init")
    cli.ok("brand", "import", str(FIXTURES / "brands.csv"), now=NOW)
    cli.ok("campaign", "import", str(FIXTURES / "campaigns.csv"), now=NOW)
    report = str(FIXTURES / "google-ads-campaign-report.csv")
    cli.ok("spend", "import", "--dry-run", report, now=NOW)
    assert cli.ok("spend", "import", report, now=NOW).lines[0].startswith("batch #1: ")
    assert cli.ok("spend", "undo", "1", now=NOW).lines[0] == (
        "undid batch #1 as batch #2: 3 compensating entries, net -1,533.50")


# -- a server with no free connection ------------------------------------------------------


@pytest.fixture
def one_connection(pg_server: PgServer) -> Iterator[str]:
    """A database owned by a role that may hold one connection at a time (the limit a full
    server, max_connections, also sets; a superuser would not be held to a role's limit)."""
    role = f"bc_role_{uuid.uuid4().hex[:12]}"
    pg_server.admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 1')
    try:
        name = f"bc_test_{uuid.uuid4().hex[:12]}"
        pg_server.admin.execute(f'CREATE DATABASE "{name}" OWNER "{role}" TEMPLATE template0')
        pg_server.created.append(name)
        url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=name, username=role)
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            pg_server.drop(url.render_as_string(hide_password=False))
    finally:
        pg_server.admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def _connect_as(url: str) -> Any:
    import psycopg

    u = make_url(url)
    return psycopg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=u.database
    )


def test_every_command_needs_one_connection_at_a_time(one_connection: str, tmp_path: Path) -> None:
    """A role (or server) that allows one connection still runs all of cron's work."""
    cli = cli_for(one_connection)
    onboard(cli)
    cli.ok("spend", "import", str(FIXTURES / "generic-spend.csv"), now=NOW)
    cli.ok("spend", "record", "Acme", "Acme - Search", "1.25", now=NOW)
    for command in ("enforce", "daypart", "reset", "doctor"):
        cli.ok(command, now=NOW)
    cli.ok("spend", "undo", "1", now=NOW)
    copy = tmp_path / "copy.db"
    cli.ok("db", "copy", "--to", str(copy))
    assert ledger_by_day(str(copy)) == ledger_by_day(one_connection)
    assert sum(ledger_by_day(one_connection).values()) == 1_250_000


def test_no_free_connection_is_waited_for_then_refused_in_one_line(one_connection: str) -> None:
    cli = cli_for(one_connection)
    onboard(cli)
    before = table_rows(one_connection)
    holder = _connect_as(one_connection)
    try:
        started = time.monotonic()
        run = cli("spend", "record", "Acme", "Acme - Search", "5.00", now=NOW,
                  env={"BUDGETCTL_BUSY_TIMEOUT": "1"})
        waited = time.monotonic() - started
    finally:
        holder.close()
    role = make_url(one_connection).username
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == (
        f"error: cannot connect to {make_url(one_connection).render_as_string()}: the server had"
        f' no free connection for 1 s (too many connections for role "{role}"); try again, raise'
        " $BUDGETCTL_BUSY_TIMEOUT, or let the server take more (max_connections, or the role's or"
        " database's CONNECTION LIMIT)\n"
    )
    assert waited >= 1.0  # it asked again for the whole busy timeout, not once
    assert table_rows(one_connection) == before
    cli.ok("spend", "record", "Acme", "Acme - Search", "5.00", now=NOW)  # the slot is free again


def test_a_connection_freed_while_waiting_is_taken(one_connection: str) -> None:
    from budgetctl.store.db import ConnectionWait

    holder = _connect_as(one_connection)
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        holder.close()  # another command ends while this one waits

    conn = ConnectionWait(30, pause).connect(lambda: _connect_as(one_connection))
    try:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        conn.close()
    assert pauses == [0.05]


def test_the_wait_for_a_free_connection_is_one_budget_for_the_whole_command(
    one_connection: str,
) -> None:
    """A command opens its connections one after another: together they wait the timeout."""
    import psycopg

    from budgetctl.store.db import ConnectionWait

    pauses: list[float] = []
    slots = ConnectionWait(1.0, pauses.append)  # a pause that does not sleep: nothing frees
    holder = _connect_as(one_connection)
    try:
        for _ in range(2):
            with pytest.raises(psycopg.OperationalError, match="too many connections for role"):
                slots.connect(lambda: _connect_as(one_connection))
    finally:
        holder.close()
    # 0.05, 0.1, 0.2, 0.4, then what is left of the second (less the refusals' own time);
    # the second connection is refused at once.
    assert pauses[:4] == [0.05, 0.1, 0.2, 0.4]
    assert len(pauses) == 5 and 0 < pauses[4] < 0.25
    assert slots.left <= 0


def _refusal(conninfo: str) -> Exception:
    import psycopg

    with pytest.raises(psycopg.OperationalError) as caught:
        psycopg.connect(conninfo)
    return caught.value


def test_only_refusals_for_want_of_a_connection_are_waited_out(one_connection: str) -> None:
    from budgetctl.store.db import ConnectionWait, no_free_connection

    url = make_url(one_connection)
    role, host = url.username, url.host
    holder = _connect_as(one_connection)
    try:
        full = _refusal(f"host={host} port={url.port or 5432} user={role} dbname={url.database}")
        # Two hosts, the second of which does not answer: not a full server.
        mixed = _refusal(
            f"host={host},127.0.0.2 port={url.port or 5432},5432 user={role} dbname={url.database}"
        )
    finally:
        holder.close()
    # A database whose name holds the words of a refusal does not exist: not waited out.
    odd = _refusal(
        f"host={host} port={url.port or 5432} user={role} "
        "dbname='bc_too many connections for role \"x\"'"
    )
    assert [no_free_connection(e) for e in (full, mixed, odd)] == [True, False, False]
    pauses: list[float] = []
    for refusal in (mixed, odd):

        def refuse(refusal: Exception = refusal) -> None:
            raise refusal

        with pytest.raises(type(refusal)):
            ConnectionWait(30, pauses.append).connect(refuse)
    assert pauses == []
    # Through the command: refused at once, in the words of the host that did not answer.
    two_hosts = (
        f"postgresql+psycopg://{role}@/{url.database}"
        f"?host={host}:{url.port or 5432}&host=127.0.0.2:5432"
    )
    holder = _connect_as(one_connection)
    try:
        started = time.monotonic()
        run = cli_for(two_hosts)("brand", "list", env={"BUDGETCTL_BUSY_TIMEOUT": "30"})
        took = time.monotonic() - started
    finally:
        holder.close()
    assert run.exit_code == 1 and "the server is not reachable" in run.stderr, run.stderr
    assert took < 10  # not the 30 s of a full server
    cli_for(two_hosts).ok("init")  # the first host answers once the slot is free


def test_other_connection_failures_are_not_waited_out(pg_server: PgServer) -> None:
    import psycopg

    from budgetctl.store.db import ConnectionWait

    pauses: list[float] = []
    missing = make_url(PG_URL).set(database=f"bc_missing_{uuid.uuid4().hex[:8]}")
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        ConnectionWait(30, pauses.append).connect(
            lambda: _connect_as(missing.render_as_string(False))
        )
    assert pauses == []


def test_a_table_lock_held_outside_budgetctl_is_not_called_the_write_lock(pg_url: str) -> None:
    """A DBA's LOCK TABLE (or VACUUM FULL, CREATE INDEX) stops writers and readers alike;
    the error says so instead of blaming another budgetctl writer."""
    cli = cli_for(pg_url)
    onboard(cli)
    cli.ok("spend", "record", "Acme", "Acme - Search", "5.00", now=NOW)
    before = table_rows(pg_url)
    holder = _connect_as(pg_url)
    expected = (
        f"error: database {make_url(pg_url).render_as_string()}: another session held a lock on"
        " a table this command needs for more than 1 s (a LOCK TABLE, VACUUM FULL, ALTER TABLE or"
        " CREATE INDEX outside budgetctl?); nothing was written: try again when it ends, or raise"
        " $BUDGETCTL_BUSY_TIMEOUT\n"
    )
    try:
        holder.execute("LOCK TABLE spend_entry IN ACCESS EXCLUSIVE MODE")  # held until rollback
        for args in (("spend", "record", "Acme", "Acme - Search", "1.00"), ("status",)):
            run = cli(*args, now=NOW, env={"BUDGETCTL_BUSY_TIMEOUT": "1"})
            assert (run.exit_code, run.stdout, run.stderr) == (1, "", expected), args
    finally:
        holder.rollback()
        holder.close()
    assert table_rows(pg_url) == before
    cli.ok("spend", "record", "Acme", "Acme - Search", "1.00", now=NOW)
