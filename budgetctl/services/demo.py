"""``budgetctl demo``: a sample agency through one day, on one screen.

Brands in three zones, scheduled and held campaigns, a Google Ads export and
hand-recorded spend, and the cron passes at several times of day; then status
and history. Everything goes through the same services as the real commands,
at fixed times, so the demo shows the same thing on every machine.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from budgetctl.clock import parse_instant
from budgetctl.domain.errors import InvalidValue
from budgetctl.services.base import Context, counted, current_actor
from budgetctl.services.evaluate import Change
from budgetctl.store.db import Database, note_interrupt, resolve_url

BRANDS = """name,daily,monthly,timezone,currency
Acme,100.00,2500.00,America/New_York,USD
Globex,1500,30000,Europe/London,USD
Initech,none,12000,America/Chicago,USD
"""

CAMPAIGNS = """brand,name,external_id,schedule
Acme,Acme - Search,21456789012,
Acme,Acme - Display,21456789013,Mon-Fri 09:00-17:00
Globex,Globex - Prospecting,120210000000000001,daily 22:00-06:00; Sat-Sun 10:00-14:00
Globex,Globex - Retargeting,120210000000000002,
Initech,Initech - Brand,123456789,
Initech,Initech - Generic,123456790,weekdays 08:00-20:00
"""

GOOGLE_REPORT = """Campaign report
November 22, 2026 - November 23, 2026
Campaign status,Campaign,Campaign ID,Day,Currency code,Cost,Impr.,Clicks
Enabled,Acme - Search,21456789012,2026-11-22,USD,"1,033.33","12,345",321
Enabled,Acme - Search,21456789012,2026-11-23,USD,64.07,"9,876",230
Paused,Acme - Display,21456789013,2026-11-23,USD,31.10,"40,112",57
Total: Campaigns,,,,USD,"1,128.50","62,333",608
"""

GENERIC = """date,brand,campaign,amount,currency,id,note
2026-11-24T09:15:00-05:00,Acme,Acme - Search,42.50,USD,txn-0001,morning burst
2026-11-24T10:40:00-05:00,Acme,Acme - Display,30.00,USD,txn-0002,
2026-11-24T11:00:00+00:00,Globex,Globex - Retargeting,980.00,USD,txn-0003,
"""


def _require_new(db: Database) -> None:
    """The demo writes a sample agency at fixed past times: never into a database in use."""
    import sqlalchemy as sa

    if db.sqlite:
        path = db.label
        if not Path(path).exists() or Path(path).stat().st_size == 0:
            return
    with db._translate(), db.engine(create=True).connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        used = bool(names - {"alembic_version"}) and (
            "brand" not in names
            or conn.exec_driver_sql(
                "SELECT EXISTS (SELECT 1 FROM brand) OR EXISTS (SELECT 1 FROM import_batch)"
            ).scalar_one()
        )
    if used:
        raise InvalidValue(
            f"demo builds its sample agency in a new database, and {db.label} is in use: "
            "name a new file with --db, or leave --db out for a temporary one"
        )


def run_demo(db_option: str | None, say: Callable[[str], None] | None = None) -> None:
    from budgetctl.cli import render
    from budgetctl.cli.reports import show_status
    from budgetctl.services import catalog, imports, ledger, passes, reports
    from budgetctl.services.setup import init_database

    emit = say or render.out
    if db_option is not None and not db_option.strip():
        # A variable that was not set: not taken for "a temporary database".
        raise InvalidValue(
            "--db is empty: name a new database file (leave --db out for a temporary one)"
        )
    workdir = Path(tempfile.mkdtemp(prefix="budgetctl-demo-"))
    url = resolve_url(db_option or str(workdir / "demo.db"))
    db = Database(url)
    actor = current_actor()

    def at(when: str, command: str) -> Context:
        return Context(db, parse_instant(when), actor, command)

    def step(title: str) -> None:
        emit("")
        emit(f"== {title}")

    def show_changes(changes: list[Change]) -> None:
        if not changes:
            emit("   (no change)")
        for change in changes:
            emit("   " + render.change_line(change))

    if db_option is not None:
        _require_new(db)
    # Stopped halfway, the demo's database is the place to look, not the default one.
    note_interrupt(saved=f"the demo's database {db.label} holds what it built so far")
    emit(init_database(db))
    files = {}
    for name, text in (
        ("brands.csv", BRANDS),
        ("campaigns.csv", CAMPAIGNS),
        ("google-ads-report.csv", GOOGLE_REPORT),
        ("spend.csv", GENERIC),
    ):
        files[name] = workdir / name
        files[name].write_text(text, encoding="utf-8")

    step("Mon 2026-11-23 22:00 UTC: onboard three brands in three zones, six campaigns")
    ctx = at("2026-11-23T22:00:00+00:00", "brand import")
    for line in catalog.import_brands(ctx, files["brands.csv"]).said:
        emit("   " + line)
    outcome = catalog.import_campaigns(
        at("2026-11-23T22:00:00+00:00", "campaign import"), files["campaigns.csv"]
    )
    for line in outcome.said:
        emit("   " + line)
    show_changes(outcome.changes)
    held = catalog.set_hold(
        at("2026-11-23T22:05:00+00:00", "campaign pause"),
        "Initech",
        "Initech - Brand",
        held=True,
        note="creative under legal review",
    )
    emit("   operator: " + "; ".join(held.said))
    show_changes(held.changes)

    step("Import the Google Ads export for Acme (Sun and Mon)")
    report = imports.import_spend(
        at("2026-11-23T22:10:00+00:00", "spend import"), [str(files["google-ads-report.csv"])]
    )
    emit(
        f"   batch #{report.batch}: {counted(report.rows, 'row', 'rows')}, "
        f"{counted(report.entries_written, 'entry', 'entries')}, "
        f"{counted(report.skipped, 'total row', 'total rows')} skipped"
    )

    timeline = [
        (
            "2026-11-24T05:05:00+00:00",
            "reset",
            "Tue 00:05 New York: cron runs reset (closes Monday)",
        ),
        ("2026-11-24T08:00:00+00:00", "daypart", "Tue 08:00 London / 03:00 New York: daypart"),
        (
            "2026-11-24T14:00:00+00:00",
            "daypart",
            "Tue 09:00 New York: daypart (Acme Display's window opens)",
        ),
        ("2026-11-24T14:05:00+00:00", "enforce", "Tue 09:05 New York: enforce"),
    ]
    for when, name, title in timeline:
        step(title)
        show_changes(passes.run_pass(at(when, name), name).changes)

    step("Tue 16:30 UTC: a fetch script imports today's generic spend")
    report = imports.import_spend(
        at("2026-11-24T16:30:00+00:00", "spend import"), [str(files["spend.csv"])]
    )
    emit(
        f"   batch #{report.batch}: {counted(report.entries_written, 'entry', 'entries')}, "
        f"net {_money(report.net_amount)}"
    )
    show_changes(report.changes)

    step("Tue 16:45 UTC: an operator records 30.00 more for Acme - Search: the budget is reached")
    recorded = ledger.record_spend(
        at("2026-11-24T16:45:00+00:00", "spend record"),
        "Acme",
        "Acme - Search",
        "30.00",
        note="invoice 4411",
        key="inv-4411",
    )
    emit(f"   recorded {_money(recorded.amount)} (entry #{recorded.entry_id})")
    show_changes(recorded.changes)

    step("Tue 16:50 UTC: the same invoice is retried: recorded once")
    again = ledger.record_spend(
        at("2026-11-24T16:50:00+00:00", "spend record"),
        "Acme",
        "Acme - Search",
        "30.00",
        note="invoice 4411",
        key="inv-4411",
    )
    if again.duplicate:
        emit(f"   already recorded as entry #{again.entry_id} (key inv-4411): nothing written")
    else:
        emit(f"   recorded again as entry #{again.entry_id}")

    for when, name, title in [
        (
            "2026-11-24T22:00:00+00:00",
            "daypart",
            "Tue 22:00 London: daypart (Globex night window opens)",
        ),
        (
            "2026-11-25T05:05:00+00:00",
            "reset",
            "Wed 00:05 New York: reset closes Tuesday, Acme runs again",
        ),
    ]:
        step(title)
        show_changes(passes.run_pass(at(when, name), name).changes)

    step("Wed 2026-11-25 05:10 UTC: status")
    show_status(reports.status(at("2026-11-25T05:10:00+00:00", "status"), daily_series=True))

    step("History (newest 15)")
    for event in reports.history(at("2026-11-25T05:10:00+00:00", "history"), limit=15):
        who = " / ".join(x for x in (event.brand, event.campaign) if x)
        emit(
            f"   {event.at.strftime('%Y-%m-%d %H:%M')}  {event.command:<15} {who}: {event.message}"
        )
    emit("")
    emit(f"demo database: {db.label}")
    emit("try: budgetctl --db " + _quote(db.label) + " campaign list")
    db.dispose()


def _money(micros: int) -> str:
    from budgetctl.domain.money import format_money

    return format_money(micros)


def _quote(text: str) -> str:
    return text if all(c.isalnum() or c in "/._-:" for c in text) else repr(text)
