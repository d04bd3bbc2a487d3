"""``spend import``, ``spend batches`` and ``spend undo`` through the real CLI.

Every test runs the real command over a real temporary SQLite file and real CSV
files (the shared byte-exact fixtures, or copies written into ``tmp_path``), with
the clock fixed at ``NOW`` so the fixtures' dates are in the past. Amounts are
checked as integer micros in the ledger and as exact strings in the output;
every refusal is checked line for line on stderr and leaves ``dump(db)`` as it was.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import (
    FIXTURES,
    Cli,
    Run,
    as_revision_0002,
    both_engines,
    dump,
    engine_db,
    execute,
    is_url,
    query,
)

NOW = "2026-11-25T15:00:00Z"  # Wednesday 10:00 in New York, 15:00 in London, 09:00 in Chicago
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ZONES = {
    "Acme": ZoneInfo("America/New_York"),
    "Globex": ZoneInfo("Europe/London"),
    "Initech": ZoneInfo("America/Chicago"),
}
GOOGLE = FIXTURES / "google-ads-campaign-report.csv"
GOOGLE_XL = FIXTURES / "google-ads-excel.csv"
META = FIXTURES / "meta-ads-daily.csv"
META_RANGE = FIXTURES / "meta-ads-range.csv"
MS_API = FIXTURES / "microsoft-ads-api.csv"
MS_UI = FIXTURES / "microsoft-ads-ui.tsv"
GENERIC = FIXTURES / "generic-spend.csv"
BAD = FIXTURES / "bad-generic-spend.csv"
JSON_KEYS = ["batch", "files", "rows", "entries_written", "unchanged", "net_amount", "dry_run"]
BIN = Path(sys.executable).parent / "budgetctl"


def us(at: datetime) -> int:
    """An aware instant as integer microseconds since the epoch (the stored form)."""
    delta = at - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def midnight(brand: str, day: str) -> int:
    """The start of ``day`` in the brand's zone, as stored."""
    y, m, d = (int(p) for p in day.split("-"))
    return us(datetime(y, m, d, tzinfo=ZONES[brand]))


def M(amount: str) -> int:
    """A decimal string as micros, without floats."""
    sign = -1 if amount.startswith("-") else 1
    whole, _, frac = amount.lstrip("-").partition(".")
    return sign * (int(whole) * 1_000_000 + int((frac + "000000")[:6]))


@pytest.fixture(scope="session")
def onboarded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the fixtures' brands and campaigns, onboarded at NOW (built once)."""
    db = tmp_path_factory.mktemp("template") / "budget.db"
    env = {"BUDGETCTL_ACTOR": "tester", "NO_COLOR": "1", "XDG_DATA_HOME": str(db.parent / "xdg")}
    cli = Cli(db)
    for args in (("init",), ("brand", "import", str(FIXTURES / "brands.csv")),
                 ("campaign", "import", str(FIXTURES / "campaigns.csv"))):
        run = cli(*args, now=NOW, env=env)
        assert run.exit_code == 0, run.stderr
    return db


@pytest.fixture(params=both_engines())
def db_path(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Every test here runs on SQLite and, when a server is given, on PostgreSQL."""
    return engine_db(request, tmp_path)


@pytest.fixture
def loaded(cli: Cli, db_path: Path | str, request: pytest.FixtureRequest) -> Cli:
    """The fixtures' brands and campaigns, onboarded at NOW, in this test's own database."""
    if is_url(db_path):
        request.getfixturevalue("ready")
        for args in (("brand", "import", str(FIXTURES / "brands.csv")),
                     ("campaign", "import", str(FIXTURES / "campaigns.csv"))):
            cli.ok(*args, now=NOW)
        return cli
    onboarded = request.getfixturevalue("onboarded")
    src, dst = sqlite3.connect(onboarded), sqlite3.connect(db_path)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return cli


def test_onboarding_loads_the_fixture_brands_and_campaigns(loaded: Cli, db_path: Path) -> None:
    assert query(db_path, "SELECT name, daily_budget, monthly_budget, timezone, currency FROM brand ORDER BY id") == [
        ("Acme", 100_000_000, 2_500_000_000, "America/New_York", "USD"),
        ("Globex", 1_500_000_000, 30_000_000_000, "Europe/London", "USD"),
        ("Initech", None, 12_000_000_000, "America/Chicago", "USD"),
    ]
    assert query(db_path, "SELECT brand_id, name, external_id FROM campaign ORDER BY id") == [
        (1, "Acme - Search", "21456789012"), (1, "Acme - Display", "21456789013"),
        (2, "Globex - Prospecting", "120210000000000001"), (3, "Initech - Brand", "123456789"),
        (3, "Initech - Generic", "123456790"),
    ]
    assert query(db_path, "SELECT COUNT(*) FROM spend_entry") == [(0,)]


def imp(cli: Cli, *args: str | Path, input: bytes | None = None) -> Run:
    return cli("spend", "import", *(str(a) for a in args), now=NOW, input=input)


def imp_json(cli: Cli, *args: str | Path, input: bytes | None = None) -> dict[str, object]:
    run = imp(cli, "--json", *args, input=input)
    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout)
    assert list(data) == JSON_KEYS
    return data


def result(batch: int | None, files: list[str | Path], rows: int, written: int, unchanged: int,
           net: str, dry_run: bool = False) -> dict[str, object]:
    return {"batch": batch, "files": [str(f) for f in files], "rows": rows, "entries_written": written,
            "unchanged": unchanged, "net_amount": net, "dry_run": dry_run}


def ledger(db: Path) -> list[tuple[object, ...]]:
    """(campaign, amount micros, occurred_at, snapshot_key, batch_id, source, idem_key, note).

    Batch by batch, and within a batch by time and campaign: entry ids within a batch follow
    the ledger's index order (brand, time), not the file's line order.
    """
    return query(
        db,
        "SELECT c.name, s.amount, s.occurred_at, s.snapshot_key, s.batch_id, s.source, s.idem_key, "
        "s.note FROM spend_entry s JOIN campaign c ON c.id = s.campaign_id "
        "ORDER BY COALESCE(s.batch_id, 0), s.occurred_at, c.name, s.id",
    )


def day_totals(db: Path) -> dict[tuple[str, str], int]:
    """Ledger totals in micros per (campaign, day in the brand's zone); zero days left out."""
    totals: dict[tuple[str, str], int] = {}
    for brand, campaign, at, amount in query(
        db,
        "SELECT b.name, c.name, s.occurred_at, s.amount FROM spend_entry s "
        "JOIN campaign c ON c.id = s.campaign_id JOIN brand b ON b.id = s.brand_id",
    ):
        day = datetime.fromtimestamp(at // 1_000_000, ZONES[brand]).date().isoformat()
        totals[(campaign, day)] = totals.get((campaign, day), 0) + amount
    return {k: v for k, v in totals.items() if v}


def refused(cli: Cli, db: Path, *args: str | Path, stderr: str, input: bytes | None = None,
            code: int = 1) -> None:
    """The import is refused with exactly ``stderr`` and the database is unchanged."""
    before = dump(db)
    run = imp(cli, *args, input=input)
    assert (run.exit_code, run.stderr, run.stdout) == (code, stderr, "")
    assert dump(db) == before


def already_imported(f: Path | str, rows: str = "its rows have no ids") -> str:
    """The refusal of a generic file without ids that batch #1 imported."""
    name = "<stdin>" if f == "-" else f
    return (
        "error: import refused, nothing written: 1 problem\n"
        f"  {name}: this file was already imported as batch #1 on 2026-11-25T15:00:00+00:00; {rows}, "
        "so importing it again would count them twice ('budgetctl spend undo 1' first to replace it)\n"
    )


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def updated_google(tmp_path: Path) -> Path:
    """The Google report with Acme - Search's 2026-11-02 Cost moved from 412.07 to 500.00."""
    data = GOOGLE.read_bytes()
    assert data.count(b",412.07,") == 1
    return write(tmp_path / "google-updated.csv", data.replace(b",412.07,", b",500.00,"))


# -- every fixture imports to its README totals; re-imports change nothing -----------------------

README_TOTALS: dict[str, dict[tuple[str, str], str]] = {
    "google-ads-campaign-report.csv": {
        ("Acme - Search", "2026-11-01"): "1033.33",
        ("Acme - Search", "2026-11-02"): "412.07",
        ("Acme - Search", "2026-11-03"): "0.00",
        ("Acme - Display", "2026-11-01"): "88.10",
        ("Acme - Display", "2026-11-02"): "0.00",
    },
    "google-ads-excel.csv": {
        ("Acme - Search", "2026-11-24"): "61.25",
        ("Acme - Display", "2026-11-24"): "38.75",
    },
    "meta-ads-daily.csv": {
        ("Globex - Prospecting", "2026-11-01"): "1234.56",
        ("Globex - Prospecting", "2026-11-02"): "1002.00",
    },
    "microsoft-ads-api.csv": {
        ("Initech - Brand", "2026-11-01"): "412.30",
        ("Initech - Brand", "2026-11-02"): "1388.90",
        ("Initech - Generic", "2026-11-02"): "0.00",
    },
    "microsoft-ads-ui.tsv": {
        ("Initech - Brand", "2026-11-02"): "1388.90",
        ("Initech - Generic", "2026-11-02"): "0.00",
    },
    "generic-spend.csv": {
        ("Acme - Search", "2026-11-24"): "19.75",  # 12.50 + 7.25
        ("Acme - Display", "2026-11-24"): "25.00",  # 30.00 - 5.00
    },
}

# (rows, entries written, unchanged, net) of the first import; a re-import writes 0 of `rows` keys
FIRST_IMPORT = {
    "google-ads-campaign-report.csv": (5, 3, 2, "1533.50"),
    "google-ads-excel.csv": (2, 2, 0, "100.00"),
    "meta-ads-daily.csv": (2, 2, 0, "2236.56"),
    "microsoft-ads-api.csv": (3, 2, 1, "1801.20"),
    "microsoft-ads-ui.tsv": (2, 1, 1, "1388.90"),
    "generic-spend.csv": (4, 4, 0, "44.75"),
}


@pytest.mark.parametrize("name", list(README_TOTALS))
def test_fixture_imports_to_its_totals_and_reimport_changes_nothing(
    loaded: Cli, db_path: Path, name: str
) -> None:
    path = FIXTURES / name
    rows, written, unchanged, net = FIRST_IMPORT[name]
    assert imp_json(loaded, path) == result(1, [path], rows, written, unchanged, net)
    expected = {k: M(v) for k, v in README_TOTALS[name].items() if M(v)}
    assert day_totals(db_path) == expected
    assert sum(expected.values()) == M(net)
    entries = ledger(db_path)
    assert imp_json(loaded, path) == result(2, [path], rows, 0, rows if name != "generic-spend.csv" else 4, "0.00")
    assert ledger(db_path) == entries
    assert day_totals(db_path) == expected


def test_google_report_ledger_rows_are_exact(loaded: Cli, db_path: Path) -> None:
    run = imp(loaded, GOOGLE)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.lines == [
        "batch #1: 5 rows (google-ads), wrote 3 entries, 2 unchanged, 2 total rows skipped, net 1,533.50",
        "  Acme / Acme - Display: 1 entry, net 88.10 USD",
        "  Acme / Acme - Search: 2 entries, net 1,445.40 USD",
    ]
    # 2026-11-01 is the day New York leaves daylight saving: midnight is still EDT (04:00Z)
    assert midnight("Acme", "2026-11-01") == us(datetime(2026, 11, 1, 4, tzinfo=UTC))
    assert midnight("Acme", "2026-11-02") == us(datetime(2026, 11, 2, 5, tzinfo=UTC))
    assert ledger(db_path) == [
        ("Acme - Display", 88_100_000, midnight("Acme", "2026-11-01"), "google-ads:2026-11-01", 1, "import", None, None),
        ("Acme - Search", 1_033_330_000, midnight("Acme", "2026-11-01"), "google-ads:2026-11-01", 1, "import", None, None),
        ("Acme - Search", 412_070_000, midnight("Acme", "2026-11-02"), "google-ads:2026-11-02", 1, "import", None, None),
    ]
    assert query(db_path, "SELECT DISTINCT recorded_at, actor FROM spend_entry") == [
        (us(datetime(2026, 11, 25, 15, tzinfo=UTC)), "tester")
    ]


def test_network_fixtures_store_local_midnights(loaded: Cli, db_path: Path) -> None:
    imp_json(loaded, META)
    imp_json(loaded, MS_API)
    imp_json(loaded, GOOGLE_XL)
    assert ledger(db_path) == [
        ("Globex - Prospecting", 1_234_560_000, us(datetime(2026, 11, 1, tzinfo=UTC)), "meta:2026-11-01", 1, "import", None, None),
        ("Globex - Prospecting", 1_002_000_000, us(datetime(2026, 11, 2, tzinfo=UTC)), "meta:2026-11-02", 1, "import", None, None),
        ("Initech - Brand", 412_300_000, us(datetime(2026, 11, 1, 5, tzinfo=UTC)), "microsoft:2026-11-01", 2, "import", None, None),
        ("Initech - Brand", 1_388_900_000, us(datetime(2026, 11, 2, 6, tzinfo=UTC)), "microsoft:2026-11-02", 2, "import", None, None),
        ("Acme - Display", 38_750_000, us(datetime(2026, 11, 24, 5, tzinfo=UTC)), "google-ads:2026-11-24", 3, "import", None, None),
        ("Acme - Search", 61_250_000, us(datetime(2026, 11, 24, 5, tzinfo=UTC)), "google-ads:2026-11-24", 3, "import", None, None),
    ]


def test_generic_fixture_ledger_rows_keep_time_id_and_note(loaded: Cli, db_path: Path) -> None:
    imp_json(loaded, GENERIC)
    assert ledger(db_path) == [
        ("Acme - Display", 30_000_000, midnight("Acme", "2026-11-24"), None, 1, "import", "generic:txn-0003", "daily settlement"),
        ("Acme - Search", 12_500_000, us(datetime(2026, 11, 24, 14, 15, tzinfo=UTC)), None, 1, "import", "generic:txn-0001", "morning burst"),
        ("Acme - Search", 7_250_000, us(datetime(2026, 11, 24, 15, 40, tzinfo=UTC)), None, 1, "import", "generic:txn-0002", None),
        ("Acme - Display", -5_000_000, us(datetime(2026, 11, 24, 16, tzinfo=UTC)), None, 1, "import", "generic:txn-0004", "refund for invalid clicks"),
    ]


def test_microsoft_ui_report_is_the_same_snapshot_as_the_api_report(loaded: Cli, db_path: Path) -> None:
    imp_json(loaded, MS_API)
    assert imp_json(loaded, MS_UI) == result(2, [MS_UI], 2, 0, 2, "0.00")
    assert day_totals(db_path) == {
        ("Initech - Brand", "2026-11-01"): 412_300_000,
        ("Initech - Brand", "2026-11-02"): 1_388_900_000,
    }


def test_every_fixture_together_is_one_mixed_batch(loaded: Cli, db_path: Path) -> None:
    files = [GOOGLE, GOOGLE_XL, META, MS_API, GENERIC]
    assert imp_json(loaded, *files) == result(1, files, 16, 13, 3, "5716.01")
    expected = {}
    for f in files:
        expected.update({k: M(v) for k, v in README_TOTALS[f.name].items() if M(v)})
    expected[("Acme - Search", "2026-11-24")] = M("81.00")  # 61.25 Google + 19.75 generic
    expected[("Acme - Display", "2026-11-24")] = M("63.75")  # 38.75 Google + 25.00 generic
    assert day_totals(db_path) == expected
    batches = json.loads(loaded.ok("spend", "batches", "--json", now=NOW).stdout)
    assert [(b["batch"], b["format"], b["files"]) for b in batches] == [(1, "mixed", [str(f) for f in files])]


def test_quiet_prints_only_what_the_import_paused_or_resumed(loaded: Cli, db_path: Path,
                                                            tmp_path: Path) -> None:
    f = write(tmp_path / "today.csv", "date,brand,campaign,amount,id\n"
              "2026-11-25,Acme,Acme - Search,150.00,t1\n")  # fmt: skip
    run = imp(loaded, "--quiet", f)
    assert (run.exit_code, run.stdout, run.stderr) == (
        0, "Acme / Acme - Display: active -> paused (daily_budget)\n"
        "Acme / Acme - Search: active -> paused (daily_budget)\n", "")  # the brand's budget
    assert query(db_path, "SELECT COUNT(*) FROM import_batch") == [(1,)]
    # Nothing new: nothing to mail.
    assert imp(loaded, "-q", f) == Run(0, "", "")
    assert imp(loaded, "-q", GOOGLE) == Run(0, "", "")
    assert query(db_path, "SELECT COUNT(*) FROM import_batch") == [(3,)]


def test_a_batch_over_several_currencies_shows_each_net_apart(loaded: Cli, db_path: Path,
                                                             tmp_path: Path) -> None:
    loaded.ok("brand", "add", "Euro", "--daily", "none", "--monthly", "none", "--currency", "EUR",
              now=NOW)  # fmt: skip
    loaded.ok("campaign", "add", "Euro", "Search", now=NOW)
    f = write(tmp_path / "mixed.csv", "date,brand,campaign,amount,id\n"
              "2026-11-24,Euro,Search,10.50,e1\n2026-11-24,Acme,Acme - Search,5.25,u1\n"
              "2026-11-24,Euro,Search,1.00,e2\n")  # fmt: skip
    run = imp(loaded, f)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.lines == [
        "batch #1: 3 rows (generic), wrote 3 entries, 0 unchanged, 0 total rows skipped, net "
        "11.50 EUR, 5.25 USD",
        "  Acme / Acme - Search: 1 entry, net 5.25 USD",
        "  Euro / Search: 2 entries, net 11.50 EUR",
    ]


def test_a_file_name_with_a_line_break_is_shown_escaped_everywhere(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    odd = tmp_path / "spend\nerror: fake\x1b[31m.csv"
    odd.write_text("date,campaign,amount,id\n2026-11-24,Nope,1.00,e1\n", encoding="utf-8")
    shown = str(odd).replace("\n", "\\x0a").replace("\x1b", "\\x1b")
    refused(loaded, db_path, odd, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {shown}:2: unknown campaign 'Nope': add it with 'budgetctl campaign add', or import "
        "with --create-missing --brand B\n"
    ))
    odd.write_text("date,campaign,amount,id\n2026-11-24,Acme - Search,1.00,e1\n", encoding="utf-8")
    assert imp_json(loaded, odd, GENERIC)["files"] == [shown, str(GENERIC)]
    batches = json.loads(loaded.ok("spend", "batches", "--json", now=NOW).stdout)
    assert [b["files"] for b in batches] == [[shown, str(GENERIC)]]


# -- snapshots: updated reports replace, across networks, with undo --------------------------------


def test_updated_google_report_replaces_the_day(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    imp_json(loaded, GOOGLE)
    updated = updated_google(tmp_path)
    assert imp_json(loaded, updated) == result(2, [updated], 5, 1, 4, "87.93")
    assert ledger(db_path)[-1] == (
        "Acme - Search", 87_930_000, midnight("Acme", "2026-11-02"), "google-ads:2026-11-02", 2, "import", None, None,
    )
    totals = day_totals(db_path)
    assert totals[("Acme - Search", "2026-11-02")] == 500_000_000
    assert sum(totals.values()) == M("1621.43")
    assert imp_json(loaded, updated) == result(3, [updated], 5, 0, 5, "0.00")
    # the older report again moves the day back
    assert imp_json(loaded, GOOGLE) == result(4, [GOOGLE], 5, 1, 4, "-87.93")
    assert ledger(db_path)[-1][1:5] == (-87_930_000, midnight("Acme", "2026-11-02"), "google-ads:2026-11-02", 4)
    assert day_totals(db_path)[("Acme - Search", "2026-11-02")] == 412_070_000


def test_after_a_zone_change_a_report_puts_each_day_on_the_brand_s_new_day(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    imp_json(loaded, GOOGLE)
    loaded.ok("brand", "set", "Acme", "--tz", "Pacific/Honolulu", now=NOW)
    updated = updated_google(tmp_path)
    # Each day with spend is taken back from New York's midnight and written at Honolulu's.
    assert imp_json(loaded, updated) == result(2, [updated], 5, 6, 2, "87.93")
    hawaii = ZoneInfo("Pacific/Honolulu")

    def days() -> dict[tuple[str, str], int]:
        totals: dict[tuple[str, str], int] = {}
        for campaign, at, amount in query(
            db_path, "SELECT c.name, s.occurred_at, s.amount FROM spend_entry s "
                     "JOIN campaign c ON c.id = s.campaign_id WHERE s.brand_id = 1"):
            day = datetime.fromtimestamp(at // 1_000_000, hawaii).date().isoformat()
            totals[(campaign, day)] = totals.get((campaign, day), 0) + amount
        return {k: v for k, v in totals.items() if v}

    expected = {("Acme - Search", "2026-11-01"): M("1033.33"), ("Acme - Search", "2026-11-02"): M("500.00"),
                ("Acme - Display", "2026-11-01"): M("88.10")}
    assert days() == expected
    assert [(at, amount) for _c, amount, at, key, *_ in ledger(db_path) if key == "google-ads:2026-11-02"] == [
        (midnight("Acme", "2026-11-02"), M("412.07")),
        (midnight("Acme", "2026-11-02"), -M("412.07")),
        (us(datetime(2026, 11, 2, tzinfo=hawaii)), M("500.00")),
    ]
    assert imp_json(loaded, updated) == result(3, [updated], 5, 0, 5, "0.00")
    # A day moved counts as changed even when its figure did not (here: back to New York).
    loaded.ok("brand", "set", "Acme", "--tz", "America/New_York", now=NOW)
    assert imp_json(loaded, updated) == result(4, [updated], 5, 6, 2, "0.00")
    loaded.ok("spend", "undo", "4", now=NOW)
    # Undone, the batch puts the days back where they were.
    loaded.ok("spend", "undo", "2", now=NOW)
    assert day_totals(db_path) == {("Acme - Search", "2026-11-01"): M("1033.33"),
                                   ("Acme - Search", "2026-11-02"): M("412.07"),
                                   ("Acme - Display", "2026-11-01"): M("88.10")}


def test_a_later_report_over_fewer_days_keeps_the_days_it_leaves_out(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    imp_json(loaded, GOOGLE)
    before = day_totals(db_path)
    # Only 2026-11-02, with a new figure: 2026-11-01 is not read as no spend.
    later = write(tmp_path / "nov-02.csv", "Campaign,Campaign ID,Day,Currency code,Cost\n"
                                           "Acme - Search,21456789012,2026-11-02,USD,400.00\n")
    assert imp_json(loaded, later) == result(2, [later], 1, 1, 0, "-12.07")
    assert day_totals(db_path) == {**before, ("Acme - Search", "2026-11-02"): 400_000_000}
    assert day_totals(db_path)[("Acme - Search", "2026-11-01")] == 1_033_330_000


def test_same_report_twice_in_one_import_counts_once(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    assert imp_json(loaded, GOOGLE, GOOGLE) == result(1, [GOOGLE, GOOGLE], 10, 3, 2, "1533.50")
    assert sum(day_totals(db_path).values()) == M("1533.50")
    updated = updated_google(tmp_path)
    # old and updated report in one import: the later file is the day's figure, as in sequence
    assert imp_json(loaded, GOOGLE, updated) == result(2, [GOOGLE, updated], 10, 1, 4, "87.93")
    assert day_totals(db_path)[("Acme - Search", "2026-11-02")] == 500_000_000
    # The summary says where the first file's five rows went.
    run = imp(loaded, "--dry-run", updated, GOOGLE)
    assert run.lines[:2] == [
        "dry run: 10 rows (google-ads), would write 1 entry, 4 unchanged, 4 total rows skipped, net -87.93",
        "  5 rows replaced by the same campaign and day in a later file (the later file counts, as if "
        "imported after)",
    ]


def test_a_report_listing_a_day_in_parts_sums_them_and_says_so(loaded: Cli, db_path: Path,
                                                               tmp_path: Path) -> None:
    # (A report split by device or network.) The counts add up: 2 rows, 1 day's figure.
    f = write(tmp_path / "parts.csv", "Campaign,Campaign ID,Day,Currency code,Cost\n"
                                      "Acme - Search,21456789012,2026-11-01,USD,60.00\n"
                                      "Acme - Search,21456789012,2026-11-01,USD,40.00\n")
    said = "  1 row added to another row of the same campaign and day in its file (the day's figure is their sum)"
    assert imp(loaded, f).lines[:2] == [
        "batch #1: 2 rows (google-ads), wrote 1 entry, 0 unchanged, 0 total rows skipped, net 100.00", said]
    assert day_totals(db_path) == {("Acme - Search", "2026-11-01"): 100_000_000}
    assert imp(loaded, "--dry-run", f).lines == [
        "dry run: 2 rows (google-ads), would write 0 entries, 1 unchanged, 0 total rows skipped, net 0.00", said]


def test_snapshots_are_per_network_and_leave_other_spend_alone(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    imp_json(loaded, GOOGLE)
    ms = write(tmp_path / "ms.csv", "TimePeriod,CampaignName,CampaignId,CurrencyCode,Spend\n"
                                    "2026-11-02,Acme - Search,21456789012,USD,20.00\n")
    assert imp_json(loaded, ms) == result(2, [ms], 1, 1, 0, "20.00")
    loaded.ok("spend", "record", "Acme", "Acme - Search", "10", "--at", "2026-11-02", now=NOW)
    assert day_totals(db_path)[("Acme - Search", "2026-11-02")] == M("442.07")
    updated = updated_google(tmp_path)
    assert imp_json(loaded, updated) == result(3, [updated], 5, 1, 4, "87.93")
    assert day_totals(db_path)[("Acme - Search", "2026-11-02")] == M("530.00")
    # the manual entry (no batch) is listed first, then the Microsoft snapshot (batch 2)
    assert [r[3] for r in ledger(db_path) if r[1] in (20_000_000, 10_000_000)] == [None, "microsoft:2026-11-02"]
    # the Microsoft snapshot is still its own: re-importing it changes nothing
    assert imp_json(loaded, ms) == result(4, [ms], 1, 0, 1, "0.00")
    loaded.ok("spend", "undo", "3", now=NOW)
    assert day_totals(db_path)[("Acme - Search", "2026-11-02")] == M("442.07")


# -- undo -----------------------------------------------------------------------------------------


def test_undo_writes_compensating_entries_and_restores_totals(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    imp_json(loaded, GOOGLE)
    imp_json(loaded, META)
    before = day_totals(db_path)
    updated = updated_google(tmp_path)
    imp_json(loaded, updated)
    run = loaded("spend", "undo", "3", now=NOW)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.lines == ["undid batch #3 as batch #4: 1 compensating entry, net -87.93"]
    assert ledger(db_path)[-1] == (
        "Acme - Search", -87_930_000, midnight("Acme", "2026-11-02"), "google-ads:2026-11-02", 4, "undo",
        None, "undo of batch #3",
    )
    assert day_totals(db_path) == before
    # the snapshot is back to 412.07: the updated report applies again
    assert imp_json(loaded, updated) == result(5, [updated], 5, 1, 4, "87.93")
    assert day_totals(db_path)[("Acme - Search", "2026-11-02")] == 500_000_000


def test_undo_of_a_first_import_empties_its_days_and_reimport_restores(loaded: Cli, db_path: Path) -> None:
    imp_json(loaded, GOOGLE)
    loaded.ok("spend", "undo", "1", now=NOW)
    assert day_totals(db_path) == {}
    assert [r[1:6] for r in ledger(db_path)[3:]] == [
        (-88_100_000, midnight("Acme", "2026-11-01"), "google-ads:2026-11-01", 2, "undo"),
        (-1_033_330_000, midnight("Acme", "2026-11-01"), "google-ads:2026-11-01", 2, "undo"),
        (-412_070_000, midnight("Acme", "2026-11-02"), "google-ads:2026-11-02", 2, "undo"),
    ]
    assert imp_json(loaded, GOOGLE) == result(3, [GOOGLE], 5, 3, 2, "1533.50")
    assert sum(day_totals(db_path).values()) == M("1533.50")



def test_undo_is_in_each_brand_s_history_with_its_entries_and_net(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    both = write(tmp_path / "both.csv", "date,brand,campaign,amount,id\n2026-11-24,Acme,Acme - Search,12.50,a\n"
                                        "2026-11-24,Acme,Acme - Display,-2.25,b\n"
                                        "2026-11-24,Globex,Globex - Prospecting,3.00,c\n")
    imp_json(loaded, both)
    loaded.ok("spend", "undo", "1", now=NOW)
    assert query(db_path, "SELECT brand, message, detail FROM event WHERE kind = 'import.undo' ORDER BY id") == [
        ("Acme", "undo of batch #1 (batch #2): 2 compensating entries, net -10.25 USD",
         '{"batch": 2, "currency": "USD", "entries": 2, "net_amount": -10250000, "undoes": 1}'),
        ("Globex", "undo of batch #1 (batch #2): 1 compensating entry, net -3.00 USD",
         '{"batch": 2, "currency": "USD", "entries": 1, "net_amount": -3000000, "undoes": 1}'),
    ]
    # history --json shows the figures as decimal strings, with the import's own.
    events = json.loads(loaded.ok("history", "--brand", "Acme", "--json", now=NOW).stdout)
    assert [(e["kind"], e["detail"]) for e in events if e["kind"].startswith("import")] == [
        ("import", {"batch": 1, "currency": "USD", "files": [str(both)], "net_amount": "10.25"}),
        ("import.undo", {"batch": 2, "currency": "USD", "entries": 2, "net_amount": "-10.25", "undoes": 1}),
    ]


def undo_1_waits_for_2(loaded: Cli, db_path: Path) -> None:
    """Batch 1 cannot be undone before batch 2, which moved its days; then both can."""
    before = dump(db_path)
    run = loaded("spend", "undo", "1", now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
        "error: batch #1's days were updated since by batch #2: undo it first, or import a "
        "corrected report (it moves each day to its figure)\n"))
    assert dump(db_path) == before
    loaded.ok("spend", "undo", "2", now=NOW)
    loaded.ok("spend", "undo", "1", now=NOW)
    assert day_totals(db_path) == {}


def test_undo_of_a_batch_a_later_report_updated_is_refused_until_the_later_is_undone(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    imp_json(loaded, GOOGLE)
    updated = updated_google(tmp_path)
    imp_json(loaded, updated)  # batch 2 moves Acme - Search's 2026-11-02 to 500.00
    undo_1_waits_for_2(loaded, db_path)


@pytest.mark.parametrize("link", ["external id", "name"])
def test_undo_order_holds_across_a_campaign_removed_and_added_again(
    loaded: Cli, db_path: Path, tmp_path: Path, link: str
) -> None:
    imp_json(loaded, GOOGLE)  # batch 1: Acme - Search's 2026-11-02 at 412.07
    loaded.ok("campaign", "remove", "Acme", "Acme - Search", "--force", now=NOW)
    again = ["--external-id", "21456789012"] if link == "external id" else []
    loaded.ok("campaign", "add", "Acme", "Acme - Search", *again, now=NOW)
    updated = updated_google(tmp_path)
    if link == "name":  # the new campaign has no id: the report matches it by name
        updated.write_bytes(updated.read_bytes().replace(b",21456789012,", b",,"))
    # batch 2 writes the new campaign only the difference to 500.00, from the old one's figure.
    assert imp_json(loaded, updated)["net_amount"] == "87.93"
    undo_1_waits_for_2(loaded, db_path)


def test_batches_are_numbered_without_gaps_past_a_refused_write(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # Refused at the write (after the batch got its number): a total past the 64-bit range.
    huge = write(tmp_path / "huge.csv", "date,brand,campaign,amount,id\n" + "".join(
        f"2026-11-24,Initech,Initech - Brand,999999999999,h{i}\n" for i in range(10)))
    imp_json(loaded, GOOGLE)
    before = dump(db_path)
    run = imp(loaded, huge)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
        "error: amounts too large: a total would pass the largest budgetctl keeps "
        "(9,223,372,036,854.775807); nothing was written\n"))
    assert dump(db_path) == before
    assert imp_json(loaded, "--dry-run", GENERIC)["batch"] is None
    assert imp_json(loaded, GENERIC)["batch"] == 2
    assert loaded.ok("spend", "undo", "2", now=NOW).stdout.startswith("undid batch #2 as batch #3:")
    assert imp_json(loaded, updated_google(tmp_path))["batch"] == 4
    assert query(db_path, "SELECT id, undoes FROM import_batch ORDER BY id") == [
        (1, None), (2, None), (3, 2), (4, None)]
    if is_url(db_path):  # a client numbering from the sequence would go on after them
        assert query(db_path, "SELECT nextval(pg_get_serial_sequence('import_batch', 'id'))") == [
            (5,)]


def test_undo_twice_is_refused(loaded: Cli, db_path: Path) -> None:
    imp_json(loaded, GOOGLE)
    loaded.ok("spend", "undo", "1", now=NOW)
    before = dump(db_path)
    run = loaded("spend", "undo", "1", now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", "error: batch #1 was already undone by batch #2\n")
    run = loaded("spend", "undo", "2", now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (
        1, "", "error: batch #2 is itself an undo (of #1): it cannot be undone\n"
    )
    assert dump(db_path) == before


def test_undo_of_an_unknown_batch_is_refused(loaded: Cli, db_path: Path) -> None:
    imp_json(loaded, GOOGLE)
    before = dump(db_path)
    run = loaded("spend", "undo", "99", now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (
        1, "", "error: no import batch #99: 'budgetctl spend batches' lists them\n"
    )
    for number in ("0", "-1", "99999999999999999999999"):  # the last is past any 64-bit integer
        run = loaded("spend", "undo", "--", number, now=NOW)
        assert (run.exit_code, run.stdout, run.stderr) == (
            1, "", f"error: no import batch #{number}: 'budgetctl spend batches' lists them\n"
        )
    run = loaded("spend", "undo", "abc", now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (
        2, "", "error: Invalid value for 'batch': not a whole number (see 'budgetctl spend undo --help')\n"
    )
    assert dump(db_path) == before


def test_batches_limit_is_one_or_more_and_any_larger_lists_all(loaded: Cli, db_path: Path) -> None:
    imp_json(loaded, GOOGLE)
    imp_json(loaded, META)
    for limit in ("0", "-5"):
        run = loaded("spend", "batches", f"--limit={limit}", now=NOW)
        assert (run.exit_code, run.stdout, run.stderr) == (1, "", "error: --limit must be 1 or more\n")
    listed = json.loads(loaded.ok("spend", "batches", "--json", "--limit", "99999999999999999999", now=NOW).stdout)
    assert [b["batch"] for b in listed] == [1, 2]
    assert [b["batch"] for b in json.loads(loaded.ok("spend", "batches", "--json", "--limit", "1", now=NOW).stdout)] == [2]


def test_undo_generic_with_ids_then_reimport_records_again(loaded: Cli, db_path: Path) -> None:
    imp_json(loaded, GENERIC)
    assert imp_json(loaded, GENERIC) == result(2, [GENERIC], 4, 0, 4, "0.00")
    loaded.ok("spend", "undo", "1", now=NOW)
    assert day_totals(db_path) == {}
    assert imp_json(loaded, GENERIC) == result(4, [GENERIC], 4, 4, 0, "44.75")
    assert day_totals(db_path) == {
        ("Acme - Search", "2026-11-24"): M("19.75"), ("Acme - Display", "2026-11-24"): M("25.00")
    }
    assert [r[4] for r in ledger(db_path)] == [1, 1, 1, 1, 3, 3, 3, 3, 4, 4, 4, 4]


def test_undo_generic_without_ids_allows_the_file_again(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "noid.csv", "date,brand,campaign,amount\n2026-11-24,Acme,Acme - Search,3.00\n")
    imp_json(loaded, f)
    loaded.ok("spend", "undo", "1", now=NOW)
    assert imp_json(loaded, f) == result(3, [f], 1, 1, 0, "3.00")
    assert day_totals(db_path) == {("Acme - Search", "2026-11-24"): 3_000_000}


# -- spend batches ----------------------------------------------------------------------------------


def test_batches_lists_id_files_format_rows_net_when_who(
    loaded: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "g.csv", GOOGLE.read_bytes())
    write(tmp_path / "m.csv", META.read_bytes())
    imp_json(loaded, "g.csv", "m.csv")
    imp_json(loaded, "g.csv")
    loaded.ok("spend", "undo", "1", now=NOW)
    rows = json.loads(loaded.ok("spend", "batches", "--json", now=NOW).stdout)
    at = "2026-11-25T15:00:00+00:00"
    assert rows == [
        {"batch": 1, "created_at": at, "actor": "tester", "format": "mixed", "files": ["g.csv", "m.csv"],
         "rows": 7, "entries_written": 5, "unchanged": 2, "net_amount": "3770.06",
         "nets": {"USD": "3770.06"}, "undoes": None, "undone_by": 3},
        {"batch": 2, "created_at": at, "actor": "tester", "format": "google-ads", "files": ["g.csv"],
         "rows": 5, "entries_written": 0, "unchanged": 5, "net_amount": "0.00", "nets": {},
         "undoes": None, "undone_by": None},
        {"batch": 3, "created_at": at, "actor": "tester", "format": "undo", "files": [],
         "rows": 0, "entries_written": 5, "unchanged": 0, "net_amount": "-3770.06",
         "nets": {"USD": "-3770.06"}, "undoes": 1, "undone_by": None},
    ]
    text = loaded.ok("spend", "batches", now=NOW).lines
    assert text[0].split() == ["#", "when", "(UTC)", "who", "format", "files", "rows", "entries", "net", "note"]
    assert [line.split() for line in text[1:]] == [
        ["1", "2026-11-25", "15:00", "tester", "mixed", "g.csv,", "m.csv", "7", "5", "3,770.06", "undone", "by", "#3"],
        ["2", "2026-11-25", "15:00", "tester", "google-ads", "g.csv", "5", "0", "0.00"],
        ["3", "2026-11-25", "15:00", "tester", "undo", "0", "5", "-3,770.06", "undoes", "#1"],
    ]
    limited = json.loads(loaded.ok("spend", "batches", "--json", "--limit", "1", now=NOW).stdout)
    assert [b["batch"] for b in limited] == [3]


def test_batches_and_undo_show_each_currency_s_net_on_its_own(loaded: Cli, db_path: Path,
                                                              tmp_path: Path) -> None:
    loaded.ok("brand", "add", "Yen", "--daily", "none", "--monthly", "none", "--currency", "JPY", now=NOW)
    loaded.ok("campaign", "add", "Yen", "Y1", now=NOW)
    f = write(tmp_path / "mixed.csv", "date,brand,campaign,amount,currency\n"
                                      "2026-11-20,Acme,Acme - Search,10.00,USD\n2026-11-20,Yen,Y1,5000,JPY\n")
    assert imp(loaded, f).lines[0] == (
        "batch #1: 2 rows (generic), wrote 2 entries, 0 unchanged, 0 total rows skipped, "
        "net 5,000.00 JPY, 10.00 USD")
    assert loaded.ok("spend", "undo", "1", now=NOW).lines == [
        "undid batch #1 as batch #2: 2 compensating entries, net -5,000.00 JPY, -10.00 USD"]
    rows = json.loads(loaded.ok("spend", "batches", "--json", now=NOW).stdout)
    assert [(b["net_amount"], b["nets"]) for b in rows] == [
        ("5010.00", {"JPY": "5000.00", "USD": "10.00"}),
        ("-5010.00", {"JPY": "-5000.00", "USD": "-10.00"}),
    ]
    text = loaded.ok("spend", "batches", now=NOW).lines
    assert text[1].split()[-7:] == ["5,000.00", "JPY,", "10.00", "USD", "undone", "by", "#2"]
    assert text[2].split()[-6:] == ["-5,000.00", "JPY,", "-10.00", "USD", "undoes", "#1"]
    assert query(db_path, "SELECT id, nets FROM import_batch ORDER BY id") == [
        (1, '{"JPY": 5000000000, "USD": 10000000}'), (2, '{"JPY": -5000000000, "USD": -10000000}')]


def test_init_gives_the_batches_of_an_older_schema_their_nets_per_currency(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    loaded.ok("brand", "add", "Yen", "--daily", "none", "--monthly", "none", "--currency", "JPY", now=NOW)
    loaded.ok("campaign", "add", "Yen", "Y1", now=NOW)
    f = write(tmp_path / "mixed.csv", "date,brand,campaign,amount,currency\n"
                                      "2026-11-20,Acme,Acme - Search,10.00,USD\n2026-11-20,Yen,Y1,5000,JPY\n")
    imp_json(loaded, f)
    imp_json(loaded, GOOGLE)
    imp_json(loaded, GOOGLE)  # changes nothing: no entries
    loaded.ok("spend", "undo", "1", now=NOW)
    as_revision_0002(db_path)
    from budgetctl.store.schema import HEAD_REVISION
    assert loaded.ok("init", now=NOW).lines == [
        f"upgraded database {db_path} from schema revision 0002 to {HEAD_REVISION}"]
    assert query(db_path, "SELECT id, nets FROM import_batch ORDER BY id") == [
        (1, '{"JPY": 5000000000, "USD": 10000000}'), (2, '{"USD": 1533500000}'), (3, "{}"),
        (4, '{"JPY": -5000000000, "USD": -10000000}')]


def test_batches_with_no_imports(ready: Cli) -> None:
    assert json.loads(ready.ok("spend", "batches", "--json", now=NOW).stdout) == []
    assert ready.ok("spend", "batches", now=NOW).lines == ["no imports yet"]


def test_import_is_recorded_in_history(loaded: Cli, db_path: Path) -> None:
    imp_json(loaded, GOOGLE, META)
    assert query(db_path, "SELECT kind, command, brand, message FROM event WHERE kind LIKE 'import%' ORDER BY id") == [
        ("import", "spend import", "Acme", "import batch #1 (mixed): net 1,533.50 USD"),
        ("import", "spend import", "Globex", "import batch #1 (mixed): net 2,236.56 USD"),
    ]


def test_an_import_s_state_changes_are_in_history_in_campaign_order(loaded: Cli, db_path: Path) -> None:
    # As the passes write theirs, on both engines: SQLite read the brand's campaigns in
    # name order (Display before Search), PostgreSQL in id order.
    run = loaded("spend", "import", str(GOOGLE_XL), now="2026-11-24T12:00:00-05:00")
    assert run.exit_code == 0, run.stderr
    assert query(db_path, "SELECT e.campaign, e.message, c.id FROM event e JOIN campaign c ON c.id = e.campaign_id "
                          "WHERE e.kind = 'state' AND e.command = 'spend import' ORDER BY e.id") == [
        ("Acme - Search", "active -> paused: daily budget: 100.00 of 100.00 spent on 2026-11-24 "
                          "(America/New_York)", 1),
        ("Acme - Display", "active -> paused: daily budget: 100.00 of 100.00 spent on 2026-11-24 "
                           "(America/New_York)", 2),
    ]


# -- dry run ----------------------------------------------------------------------------------------


def test_dry_run_shows_per_campaign_and_writes_nothing(loaded: Cli, db_path: Path) -> None:
    before = dump(db_path)
    run = imp(loaded, "--dry-run", GOOGLE, META)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.lines == [
        "dry run: 7 rows (mixed), would write 5 entries, 2 unchanged, 3 total rows skipped, net 3,770.06",
        "  Acme / Acme - Display: 1 entry, net 88.10 USD",
        "  Acme / Acme - Search: 2 entries, net 1,445.40 USD",
        "  Globex / Globex - Prospecting: 2 entries, net 2,236.56 USD",
    ]
    assert dump(db_path) == before


def test_dry_run_says_which_campaigns_would_pause(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "today.csv", "Campaign,Campaign ID,Day,Currency code,Cost\n"
                                      "Acme - Search,21456789012,2026-11-25,USD,150.00\n")
    before = dump(db_path)
    run = imp(loaded, "--dry-run", f)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.lines == [
        "dry run: 1 row (google-ads), would write 1 entry, 0 unchanged, 0 total rows skipped, net 150.00",
        "  Acme / Acme - Search: 1 entry, net 150.00 USD",
        "would: Acme / Acme - Display: active -> paused (daily_budget)",
        "would: Acme / Acme - Search: active -> paused (daily_budget)",
    ]
    assert dump(db_path) == before
    assert imp(loaded, f).lines[-2:] == ["Acme / Acme - Display: active -> paused (daily_budget)",
                                         "Acme / Acme - Search: active -> paused (daily_budget)"]


def test_dry_run_json_has_dry_run_true_and_writes_nothing(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    imp_json(loaded, GOOGLE)
    before = dump(db_path)
    updated = updated_google(tmp_path)
    # a dry run makes no batch: its number would be one that a real import may not get
    assert imp_json(loaded, "--dry-run", updated) == result(None, [updated], 5, 1, 4, "87.93", dry_run=True)
    assert dump(db_path) == before


def test_dry_run_with_create_missing_creates_nothing(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "new.csv", "date,campaign,amount\n2026-11-24,Acme - Video,2.00\n")
    before = dump(db_path)
    run = imp(loaded, "--dry-run", "--create-missing", "--brand", "Acme", f)
    assert run.lines == [
        "dry run: 1 row (generic), would write 1 entry, 0 unchanged, 0 total rows skipped, net 2.00",
        "  would create campaign Acme / Acme - Video",
        "  Acme / Acme - Video: 1 entry, net 2.00 USD",
    ]
    assert dump(db_path) == before


def test_past_twenty_campaigns_only_a_real_import_points_to_spend_list(loaded: Cli, db_path: Path,
                                                                        tmp_path: Path) -> None:
    # A dry run wrote nothing: `spend list` would not show its entries.
    f = write(tmp_path / "many.csv", "date,campaign,amount\n" + "".join(
        f"2026-11-24,Wave {i:02},1.00\n" for i in range(22)))
    before = dump(db_path)
    dry = imp(loaded, "--dry-run", "--create-missing", "--brand", "Acme", f)
    assert (dry.exit_code, dry.lines[-1]) == (0, "  ... and 2 more campaigns")
    assert dump(db_path) == before
    real = imp(loaded, "--create-missing", "--brand", "Acme", f)
    assert (real.exit_code, real.lines[-1]) == (
        0, "  ... and 2 more campaigns ('budgetctl spend list' shows the entries)")
    assert [line for line in real.lines if line.startswith("  Acme / ")][-1] == (
        "  Acme / Wave 19: 1 entry, net 1.00 USD")

# -- standard input ---------------------------------------------------------------------------------


def test_dash_reads_standard_input(loaded: Cli, db_path: Path) -> None:
    assert imp_json(loaded, "-", input=GOOGLE.read_bytes()) == result(1, ["<stdin>"], 5, 3, 2, "1533.50")
    # UTF-16 with BOM, tab-separated, CRLF, through stdin too
    assert imp_json(loaded, "-", input=GOOGLE_XL.read_bytes()) == result(2, ["<stdin>"], 2, 2, 0, "100.00")
    assert sum(day_totals(db_path).values()) == M("1633.50")


def test_standard_input_errors_name_stdin(loaded: Cli, db_path: Path) -> None:
    refused(
        loaded, db_path, "-", input=b"date,campaign,amount\n2026-11-24,Acme - Search,abc\n",
        stderr="error: import refused, nothing written: 1 problem\n"
        "  <stdin>:2: amount 'abc' is not a decimal number: use digits with an optional '.' and at most "
        "6 decimals, such as 12.50 (no exponents, NaN or infinity)\n",
    )


def test_standard_input_only_once(loaded: Cli, db_path: Path) -> None:
    refused(loaded, db_path, "-", "-", input=b"", stderr="error: standard input ('-') can be read only once\n")


@pytest.mark.parametrize("files", [[""], [str(GENERIC), ""]], ids=["alone", "among-others"])
def test_an_empty_file_name_is_refused_as_such(loaded: Cli, db_path: Path, files: list[str]) -> None:
    # Not "cannot read .: Is a directory" (the current directory).
    refused(loaded, db_path, *files, stderr=(
        "error: a file name is empty: name each export file, or '-' for standard input\n"))


def test_real_command_reads_a_piped_file(loaded: Cli, db_path: Path) -> None:
    env = {**os.environ, "BUDGETCTL_DB": str(db_path), "BUDGETCTL_NOW": NOW, "BUDGETCTL_ACTOR": "cron"}
    with GENERIC.open("rb") as stdin:
        proc = subprocess.run(
            [str(BIN), "spend", "import", "-", "--json"], stdin=stdin, capture_output=True, env=env,
            timeout=60, check=False,
        )
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert json.loads(proc.stdout) == result(1, ["<stdin>"], 4, 4, 0, "44.75")
    assert query(db_path, "SELECT DISTINCT actor, batch_id FROM spend_entry") == [("cron", 1)]
    # piped again: ids make it a no-op
    proc = subprocess.run(
        [str(BIN), "spend", "import", "-"], input=GENERIC.read_bytes(), capture_output=True, env=env,
        timeout=60, check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert proc.stdout.decode().splitlines() == [
        "batch #2: 4 rows (generic), wrote 0 entries, 4 unchanged, 0 total rows skipped, net 0.00"
    ]


# -- matching -----------------------------------------------------------------------------------------


def test_external_id_matches_after_a_rename(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    imp_json(loaded, GOOGLE)
    # renamed on the network side: the report carries the new name, the same id
    renamed = write(tmp_path / "renamed.csv", updated_google(tmp_path).read_bytes().replace(
        b"Acme - Search", b"Acme - Search (Q4)"))
    assert imp_json(loaded, renamed) == result(2, [renamed], 5, 1, 4, "87.93")
    # renamed here (no CLI command renames a campaign, so in the database): still the id
    execute(db_path, "UPDATE campaign SET name = 'Search', name_key = 'search' WHERE external_id = '21456789012'")
    assert imp_json(loaded, GOOGLE) == result(3, [GOOGLE], 5, 1, 4, "-87.93")
    assert day_totals(db_path)[("Search", "2026-11-02")] == 412_070_000
    assert query(db_path, "SELECT COUNT(*) FROM campaign") == [(5,)]


def test_unlinked_campaign_matches_by_trimmed_case_insensitive_name(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    loaded.ok("campaign", "add", "Acme", "Acme - Video", now=NOW)  # no external id
    g = write(tmp_path / "g.csv", "Campaign,Campaign ID,Day,Currency code,Cost\n"
                                  "  ACME - video ,99999,2026-11-02,USD,5.00\n")
    assert imp_json(loaded, g) == result(1, [g], 1, 1, 0, "5.00")
    f = write(tmp_path / "generic.csv", "Date,Campaign,Amount\n2026-11-02,\"  aCmE - sEaRcH  \",1.50\n")
    assert imp_json(loaded, f) == result(2, [f], 1, 1, 0, "1.50")
    assert [r[:2] for r in ledger(db_path)] == [("Acme - Video", 5_000_000), ("Acme - Search", 1_500_000)]


def test_brand_from_column_option_or_unique_name(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    unique = write(tmp_path / "unique.csv", "date,campaign,amount\n2026-11-02,Globex - Prospecting,7.00\n")
    assert imp_json(loaded, unique) == result(1, [unique], 1, 1, 0, "7.00")
    loaded.ok("campaign", "add", "Globex", "Shared", now=NOW)
    loaded.ok("campaign", "add", "Initech", "shared", now=NOW)
    amb = write(tmp_path / "amb.csv", "date,campaign,amount\n2026-11-02,  SHARED ,1.00\n")
    assert imp_json(loaded, "--brand", "initech", amb) == result(2, [amb], 1, 1, 0, "1.00")
    col = write(tmp_path / "col.csv", "date,client,campaign,amount\n2026-11-02,GLOBEX,shared,2.00\n")
    assert imp_json(loaded, col) == result(3, [col], 1, 1, 0, "2.00")
    assert query(db_path, "SELECT b.name, c.name, s.amount FROM spend_entry s JOIN campaign c ON c.id = s.campaign_id "
                          "JOIN brand b ON b.id = s.brand_id ORDER BY s.id") == [
        ("Globex", "Globex - Prospecting", 7_000_000), ("Initech", "shared", 1_000_000), ("Globex", "Shared", 2_000_000),
    ]


def test_ambiguous_campaign_without_brand_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    loaded.ok("campaign", "add", "Globex", "Shared", now=NOW)
    loaded.ok("campaign", "add", "Initech", "shared", now=NOW)
    amb = write(tmp_path / "amb.csv", "date,campaign,amount\n2026-11-02,  SHARED ,1.00\n")
    refused(loaded, db_path, amb, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {amb}:2: campaign 'SHARED' exists in several brands (Globex, Initech): give --brand or a brand column\n"
    ))


def test_create_missing_records_every_campaign_it_creates_past_one_statement_of_events(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # The created campaigns' events are written a few thousand at a time: none is lost at
    # the seams, and each campaign is linked to its network id.
    n = 2_001
    f = write(tmp_path / "launch.csv", "Day,Campaign,Campaign ID,Cost,Currency code\n" + "".join(
        f"2026-11-24,Launch {i},{5000 + i},1.00,USD\n" for i in range(n)))
    assert imp_json(loaded, "--create-missing", "--brand", "Initech", f) == result(1, [f], n, n, 0, "2001.00")
    assert query(db_path, "SELECT COUNT(*), COUNT(DISTINCT campaign_id), MIN(message), MAX(message) FROM event "
                          "WHERE kind = 'campaign.created' AND command = 'spend import'") == [
        (n, n, "created (external id 5000)", "created (external id 7000)")]
    assert query(db_path, "SELECT COUNT(*) FROM campaign WHERE name LIKE 'Launch %' AND external_id = "
                          "CAST(5000 + CAST(SUBSTR(name, 8) AS INTEGER) AS TEXT)") == [(n,)]


def test_create_missing_with_brand_creates_the_campaign(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "new.csv", "date,campaign,amount,external_id\n2026-11-24,Acme - Video,2.00,777\n"
                                    "2026-11-24,acme - video,3.00,777\n")
    run = imp(loaded, "--create-missing", "--brand", "Acme", f)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.lines == [
        "batch #1: 2 rows (generic), wrote 2 entries, 0 unchanged, 0 total rows skipped, net 5.00",
        "  created campaign Acme / Acme - Video",
        "  Acme / Acme - Video: 2 entries, net 5.00 USD",
    ]
    assert query(db_path, "SELECT b.name, c.name, c.name_key, c.external_id, c.state, c.held FROM campaign c "
                          "JOIN brand b ON b.id = c.brand_id WHERE c.name = 'Acme - Video'") == [
        ("Acme", "Acme - Video", "acme - video", "777", "active", 0)
    ]
    assert query(db_path, "SELECT kind, command, brand, campaign, message, actor FROM event "
                          "WHERE campaign = 'Acme - Video'") == [
        ("campaign.created", "spend import", "Acme", "Acme - Video", "created (external id 777)", "tester")
    ]
    assert day_totals(db_path) == {("Acme - Video", "2026-11-24"): 5_000_000}
    campaigns = json.loads(loaded.ok("campaign", "list", "--json", "--brand", "Acme", now=NOW).stdout)
    assert {"brand": "Acme", "campaign": "Acme - Video", "external_id": "777", "state": "active",
            "reasons": []} in campaigns


def test_a_campaign_created_in_a_brand_over_budget_starts_paused_though_its_rows_change_nothing(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    loaded.ok("spend", "record", "Acme", "Acme - Search", "150", now=NOW)
    f = write(tmp_path / "zero.csv", "Campaign,Campaign ID,Day,Currency code,Cost\n"
                                     "Acme - Video,777,2026-11-25,USD,0.00\n")
    run = imp(loaded, "--create-missing", "--brand", "Acme", f)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.lines == [
        "batch #1: 1 row (google-ads), wrote 0 entries, 1 unchanged, 0 total rows skipped, net 0.00",
        "  created campaign Acme / Acme - Video",
        "Acme / Acme - Video: active -> paused (daily_budget)",
    ]
    assert query(db_path, "SELECT state, reasons FROM campaign WHERE name = 'Acme - Video'") == [
        ("paused", "daily_budget")
    ]
    assert loaded.ok("enforce", now=NOW).stdout == ""


@pytest.mark.parametrize("char", ["\ufeff", "\u200b", "\u200e", "\u00ad"])
def test_a_report_name_with_a_character_that_shows_as_nothing_is_the_same_campaign(
    loaded: Cli, db_path: Path, tmp_path: Path, char: str
) -> None:
    """A stray zero-width space (or BOM, direction mark, soft hyphen) in a report's campaign
    or brand name must not make a second campaign whose days count again."""
    header = "Campaign,Day,Currency code,Cost\n"
    odd = write(tmp_path / "odd.csv", f"{header}{char}Acme - Sea{char}rch,2026-11-24,USD,61.25\n")
    clean = write(tmp_path / "clean.csv", f"{header}Acme - Search,2026-11-24,USD,61.25\n")
    run = imp(loaded, "--create-missing", "--brand", "Acme", odd)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.lines[1:] == ["  Acme / Acme - Search: 1 entry, net 61.25 USD"]
    run = imp(loaded, clean)
    assert run.lines[0].startswith("batch #2: 1 row (google-ads), wrote 0 entries, 1 unchanged")
    assert day_totals(db_path) == {("Acme - Search", "2026-11-24"): 61_250_000}
    assert query(db_path, "SELECT COUNT(*) FROM campaign WHERE brand_id = "
                          "(SELECT id FROM brand WHERE name = 'Acme')") == [(2,)]
    # A new campaign's name is created without the character; the brand column is read so too.
    new = write(tmp_path / "new.csv", f"date,brand,campaign,amount\n2026-11-24,Ac{char}me,"
                                      f"Acme - Vi{char}deo,2.00\n")
    run = imp(loaded, "--create-missing", new)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.lines[1:] == ["  created campaign Acme / Acme - Video",
                             "  Acme / Acme - Video: 1 entry, net 2.00 USD"]


def test_a_campaign_cell_of_only_characters_that_show_as_nothing_is_an_empty_name(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    f = write(tmp_path / "blank.csv", "Campaign,Day,Currency code,Cost\n"
                                      "Acme - Search,2026-11-24,USD,1.00\n\u200b,2026-11-24,USD,5.00\n")
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}:3: campaign name is empty\n"))


def test_a_name_stored_with_such_a_character_by_an_older_budgetctl_still_matches_as_it_is(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    """Names took those characters before they were refused: a report naming one exactly is
    that campaign, not a new one."""
    from budgetctl.services.base import name_key

    old = "Acme\u00adSearch"
    execute(db_path, f"UPDATE campaign SET name = '{old}', name_key = '{name_key(old)}' "
                     "WHERE name = 'Acme - Search'")
    f = write(tmp_path / "old.csv", f"date,brand,campaign,amount\n2026-11-24,Acme,{old},2.00\n")
    campaigns = query(db_path, "SELECT id, name FROM campaign ORDER BY id")
    run = imp(loaded, "--create-missing", f)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.lines[1:] == [f"  Acme / {old}: 1 entry, net 2.00 USD"]
    assert query(db_path, "SELECT id, name FROM campaign ORDER BY id") == campaigns


def test_a_day_the_brand_s_zone_skipped_is_refused_as_spend_record_refuses_it(
    ready: Cli, db_path: Path, tmp_path: Path
) -> None:
    """Samoa left out 2011-12-30: a row dated so would land on Dec 31 and count there."""
    now = "2012-01-05T12:00:00Z"
    ready.ok("brand", "add", "AP", "--daily", "50", "--monthly", "500", "--tz", "Pacific/Apia", now=now)
    ready.ok("campaign", "add", "AP", "s", "--external-id", "111", now=now)
    generic = write(tmp_path / "ap.csv", "date,campaign,amount\n2011-12-29,s,1\n2011-12-30,s,3\n")
    google = write(tmp_path / "apg.csv", "Campaign,Campaign ID,Day,Currency code,Cost\n"
                                         "s,111,2011-12-31,USD,5\ns,111,2011-12-30,USD,7\n")
    before = dump(db_path)
    for f, line in ((generic, 3), (google, 3)):
        run = ready("spend", "import", str(f), now=now)
        assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
            "error: import refused, nothing written: 1 problem\n"
            f"  {f}:{line}: day 2011-12-30 does not exist in Pacific/Apia (the zone skipped it)\n"))
    assert dump(db_path) == before
    refused_record = ready("spend", "record", "AP", "s", "3", "--at", "2011-12-30", now=now)
    assert refused_record.stderr == (
        "error: --at '2011-12-30': that day does not exist in Pacific/Apia (the zone skipped it)\n")


def test_create_missing_without_brand_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "new.csv", "date,campaign,amount\n2026-11-24,Acme - Video,2.00\n"
                                    "2026-11-24,Acme - Search,1.00\n2026-11-24,Globex - Video,3.00\n")
    refused(loaded, db_path, "--create-missing", f, stderr=(
        "error: import refused, nothing written: 2 problems\n"
        f"  {f}:2: unknown campaign 'Acme - Video': --create-missing needs the brand it belongs "
        "to: give --brand or a brand column\n"
        f"  {f}:4: unknown campaign 'Globex - Video': --create-missing needs the brand it belongs "
        "to: give --brand or a brand column\n"))


def test_a_network_campaign_linked_to_another_brand_is_not_created_again(
    loaded: Cli, db_path: Path
) -> None:
    # Meta's campaign 120210000000000001 is Globex's: --brand Acme is a mistake, not a new campaign.
    problem = ("campaign 'Globex - Prospecting' (external id 120210000000000001) is linked to Globex / "
               "Globex - Prospecting, not to brand 'Acme': check the brand column or --brand")
    for options in (("--brand", "Acme", "--create-missing"), ("--brand", "Acme")):
        refused(loaded, db_path, *options, META, stderr=(
            "error: import refused, nothing written: 2 problems\n"
            f"  {META}:3: {problem}\n"
            f"  {META}:4: {problem}\n"
        ))
    # A campaign of the brand with the same name is still matched by name.
    loaded.ok("campaign", "add", "Acme", "Globex - Prospecting", now=NOW)
    assert imp_json(loaded, "--brand", "Acme", META)["net_amount"] == "2236.56"
    assert day_totals(db_path) == {("Globex - Prospecting", "2026-11-01"): 1_234_560_000,
                                   ("Globex - Prospecting", "2026-11-02"): 1_002_000_000}
    assert query(db_path, "SELECT DISTINCT brand_id FROM spend_entry") == [(1,)]


def test_an_external_id_two_campaigns_share_needs_the_name_to_match(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # campaign add refuses a second link to one network campaign; a database from before that
    # refusal may still hold one.
    loaded.ok("campaign", "add", "Acme", "Acme - Copy", now=NOW)
    execute(db_path, "UPDATE campaign SET external_id = '21456789012' WHERE name = 'Acme - Copy'")
    g = write(tmp_path / "g.csv", "Day,Campaign,Campaign ID,Cost,Currency code\n"
                                  "2026-11-24,Renamed,21456789012,5.00,USD\n"
                                  "2026-11-24,Acme - Copy,21456789012,7.00,USD\n")
    refused(loaded, db_path, g, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {g}:2: campaign 'Renamed' (external id 21456789012): that id is linked to several campaigns "
        "(Acme / Acme - Search; Acme / Acme - Copy) and none has this name: give each campaign its own "
        "external id\n"
    ))
    imp_json(loaded, write(tmp_path / "h.csv", g.read_text().replace("Renamed", "Acme - Search")))
    assert day_totals(db_path) == {("Acme - Search", "2026-11-24"): 5_000_000,
                                   ("Acme - Copy", "2026-11-24"): 7_000_000}


def test_create_missing_takes_the_brand_from_the_brand_column(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    f = write(tmp_path / "new.csv", "date,brand,campaign,amount\n2026-11-24,Globex,Globex - Video,3.00\n"
                                    "2026-11-24,Acme,Acme - Video,2.00\n2026-11-24,Acme,Acme - Search,1.00\n")
    run = imp(loaded, "--create-missing", f)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.lines == [
        "batch #1: 3 rows (generic), wrote 3 entries, 0 unchanged, 0 total rows skipped, net 6.00",
        "  created campaign Globex / Globex - Video",
        "  created campaign Acme / Acme - Video",
        "  Acme / Acme - Search: 1 entry, net 1.00 USD",
        "  Acme / Acme - Video: 1 entry, net 2.00 USD",
        "  Globex / Globex - Video: 1 entry, net 3.00 USD",
    ]
    assert day_totals(db_path) == {("Acme - Search", "2026-11-24"): 1_000_000,
                                   ("Acme - Video", "2026-11-24"): 2_000_000,
                                   ("Globex - Video", "2026-11-24"): 3_000_000}


def test_unknown_brand_option_and_conflicting_brand_column(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    refused(loaded, db_path, "--brand", "Nope", GENERIC,
            stderr="error: no brand named 'Nope': 'budgetctl brand list' shows the brands\n")
    refused(loaded, db_path, "--brand", "Globex", GENERIC, stderr=(
        "error: import refused, nothing written: 4 problems\n"
        + "".join(f"  {GENERIC}:{n}: row is for brand 'Acme' but --brand is 'Globex'\n" for n in (2, 3, 4, 5))
    ))


# -- generic ids -----------------------------------------------------------------------------------


def test_generic_ids_are_recorded_once(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    imp_json(loaded, GENERIC)
    more = write(tmp_path / "more.csv", "date,brand,campaign,amount,id\n"
                                        "2026-11-24T09:15:00-05:00,Acme,Acme - Search,12.500,txn-0001\n"
                                        "2026-11-24,Acme,Acme - Search,1.00,txn-0005\n"
                                        "2026-11-24,Acme,Acme - Search,1.00,txn-0005\n")
    assert imp_json(loaded, more) == result(2, [more], 3, 1, 2, "1.00")
    assert [(r[1], r[4], r[6]) for r in ledger(db_path)[4:]] == [(1_000_000, 2, "generic:txn-0005")]


def test_id_repeated_only_within_one_file_is_recorded_once(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "repeat.csv", "date,campaign,amount,id\n2026-11-24,Acme - Search,1.00,r-1\n"
                                       "2026-11-24,Acme - Search,2.00,r-2\n2026-11-24,Acme - Search,1.00,r-1\n")
    assert imp_json(loaded, f) == result(1, [f], 3, 2, 1, "3.00")
    assert [(r[1], r[4], r[6]) for r in ledger(db_path)] == [
        (1_000_000, 1, "generic:r-1"),
        (2_000_000, 1, "generic:r-2"),
    ]


def test_ids_repeated_only_from_an_earlier_batch_are_unchanged(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    first = write(tmp_path / "first.csv", "date,campaign,amount,id\n2026-11-24,Acme - Search,1.00,k-1\n")
    imp_json(loaded, first)
    later = write(tmp_path / "later.csv", "date,campaign,amount,id\n2026-11-24,Acme - Search,1.00,k-1\n"
                                          "2026-11-24,Acme - Search,4.00,k-2\n")
    assert imp_json(loaded, later) == result(2, [later], 2, 1, 1, "4.00")
    assert [(r[1], r[4], r[6]) for r in ledger(db_path)] == [
        (1_000_000, 1, "generic:k-1"),
        (4_000_000, 2, "generic:k-2"),
    ]


def test_same_id_twice_in_a_file_with_different_amounts_names_both_lines(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    f = write(tmp_path / "dup.csv", "date,campaign,amount,id\n2026-11-24,Acme - Search,1.00,a\n"
                                    "2026-11-24,Acme - Search,1.00,b\n2026-11-24,Acme - Search,2.00,a\n")
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}:4: id 'a' appears earlier ({f}:2) with 1.00, here with 2.00\n"
    ))


def test_id_imported_before_with_another_amount_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    imp_json(loaded, GENERIC)
    f = write(tmp_path / "again.csv", "date,brand,campaign,amount,id\n2026-11-24,Acme,Acme - Search,13.00,txn-0001\n")
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}:2: id 'txn-0001' was imported in batch #1 as 12.50, here 13.00: ids are recorded once; "
        "correct it with a new row (a new id)\n"
    ))
    # Amounts two decimals would show alike are shown whole.
    h = write(tmp_path / "close.csv", "date,brand,campaign,amount,id\n2026-11-24,Acme,Acme - Search,12.500001,txn-0001\n"
                                      "2026-11-24,Acme,Acme - Search,1.001,x\n2026-11-24,Acme,Acme - Search,1.004,x\n")
    refused(loaded, db_path, h, stderr=(
        "error: import refused, nothing written: 2 problems\n"
        f"  {h}:2: id 'txn-0001' was imported in batch #1 as 12.50, here 12.500001: ids are recorded once; "
        "correct it with a new row (a new id)\n"
        f"  {h}:4: id 'x' appears earlier ({h}:3) with 1.001, here with 1.004\n"
    ))
    # The same amount for another campaign: the message says what differs.
    g = write(tmp_path / "other.csv", "date,brand,campaign,amount,id\n"
                                      "2026-11-24,Globex,Globex - Prospecting,12.50,txn-0001\n"
                                      "2026-11-24,Globex,Globex - Prospecting,1.00,new-1\n"
                                      "2026-11-24,Acme,Acme - Search,1.00,new-1\n")
    refused(loaded, db_path, g, stderr=(
        "error: import refused, nothing written: 2 problems\n"
        f"  {g}:2: id 'txn-0001' was imported in batch #1 for Acme / Acme - Search, here for Globex / "
        "Globex - Prospecting: ids are recorded once; correct it with a new row (a new id)\n"
        f"  {g}:4: id 'new-1' appears earlier ({g}:3) for Globex / Globex - Prospecting, here for Acme / "
        "Acme - Search\n"
    ))


def test_ids_recorded_for_a_campaign_removed_and_added_again_are_its_own(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    assert imp_json(loaded, GENERIC) == result(1, [GENERIC], 4, 4, 0, "44.75")
    loaded.ok("campaign", "remove", "Acme", "Acme - Search", "--force", now=NOW)
    loaded.ok("campaign", "add", "Acme", "Acme - Search", "--external-id", "21456789012", now=NOW)
    # The same file again: its rows were recorded, two of them for the campaign the new one
    # replaced (same brand, name and network id).
    assert imp_json(loaded, GENERIC) == result(2, [GENERIC], 4, 0, 4, "0.00")
    f = write(tmp_path / "again.csv", "date,brand,campaign,amount,id\n"
                                      "2026-11-24T09:15:00-05:00,Acme,Acme - Search,13.00,txn-0001\n")
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}:2: id 'txn-0001' was imported in batch #1 as 12.50, here 13.00: ids are recorded once; "
        "correct it with a new row (a new id)\n"
    ))
    assert query(db_path, "SELECT SUM(amount) FROM spend_entry") == [(44_750_000,)]


def test_an_id_recorded_for_a_removed_campaign_of_the_same_name_says_so(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    imp_json(loaded, GENERIC)
    loaded.ok("campaign", "remove", "Acme", "Acme - Search", "--force", now=NOW)
    # Another network campaign (another id) under the old name: not the one removed.
    loaded.ok("campaign", "add", "Acme", "Acme - Search", "--external-id", "333", now=NOW)
    refused(loaded, db_path, GENERIC, stderr=(
        "error: import refused, nothing written: 2 problems\n"
        f"  {GENERIC}:2: id 'txn-0001' was imported in batch #1 for Acme / Acme - Search (removed), "
        "here for Acme / Acme - Search: ids are recorded once; correct it with a new row (a new id)\n"
        f"  {GENERIC}:3: id 'txn-0002' was imported in batch #1 for Acme / Acme - Search (removed), "
        "here for Acme / Acme - Search: ids are recorded once; correct it with a new row (a new id)\n"
    ))


def test_id_again_for_another_day_is_refused_not_skipped(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    imp_json(loaded, GENERIC)
    # txn-0001 was 12.50 on Acme - Search at 2026-11-24T09:15:00-05:00 (Acme's zone is New York).
    f = write(tmp_path / "day.csv", "date,brand,campaign,amount,id\n2026-11-23,Acme,Acme - Search,12.50,txn-0001\n"
                                    "2026-11-23,Acme,Acme - Search,1.00,n-1\n"
                                    "2026-11-23T09:30:00,Acme,Acme - Search,1.00,n-1\n")
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 2 problems\n"
        f"  {f}:2: id 'txn-0001' was imported in batch #1 for 2026-11-24 09:15:00-05:00, here for 2026-11-23: ids are "
        "recorded once; correct it with a new row (a new id)\n"
        f"  {f}:4: id 'n-1' appears earlier ({f}:3) for 2026-11-23, here for 2026-11-23 09:30:00-05:00\n"
    ))
    # The same campaign, amount and day again is the same row: skipped.
    same = write(tmp_path / "same.csv", "date,brand,campaign,amount,id\n"
                                      "2026-11-24T14:15:00Z,Acme,Acme - Search,12.50,txn-0001\n")
    assert imp_json(loaded, same) == result(2, [same], 1, 0, 1, "0.00")


def test_generic_rows_by_date_imported_again_after_a_zone_change_are_the_same_rows(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    f = write(tmp_path / "days.csv", "date,brand,campaign,amount,id\n2026-11-24,Acme,Acme - Search,10.00,d-1\n")
    imp_json(loaded, f)
    loaded.ok("brand", "set", "Acme", "--tz", "Europe/London", now=NOW)
    assert imp_json(loaded, f) == result(2, [f], 1, 0, 1, "0.00")


def test_a_generic_id_imported_again_as_another_day_is_refused_even_within_a_day(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # d-1 at a time of day, d-2 by its date in New York; then Acme moves to London.
    f = write(tmp_path / "first.csv", "date,brand,campaign,amount,id\n"
                                      "2026-11-24T14:15:00Z,Acme,Acme - Search,10.00,d-1\n"
                                      "2026-11-24,Acme,Acme - Search,20.00,d-2\n")
    imp_json(loaded, f)
    loaded.ok("brand", "set", "Acme", "--tz", "Europe/London", now=NOW)
    # The 25th in London is within a day of both, and neither's day.
    g = write(tmp_path / "again.csv", "date,brand,campaign,amount,id\n"
                                      "2026-11-25,Acme,Acme - Search,10.00,d-1\n"
                                      "2026-11-25,Acme,Acme - Search,20.00,d-2\n")
    refused(loaded, db_path, g, stderr=(
        "error: import refused, nothing written: 2 problems\n"
        f"  {g}:2: id 'd-1' was imported in batch #1 for 2026-11-24 14:15:00+00:00, here for "
        "2026-11-25: ids are recorded once; correct it with a new row (a new id)\n"
        f"  {g}:3: id 'd-2' was imported in batch #1 for 2026-11-24 05:00:00+00:00, here for "
        "2026-11-25: ids are recorded once; correct it with a new row (a new id)\n"
    ))


def test_a_row_with_an_id_does_not_pick_a_brand_by_a_name_several_brands_have(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # Acme - Search is linked to another id; Globex has an unlinked campaign of the same name.
    loaded.ok("campaign", "add", "Globex", "Acme - Search", now=NOW)
    g = write(tmp_path / "g.csv", "Day,Campaign,Campaign ID,Cost,Currency code\n"
                                  "2026-11-24,Acme - Search,999,40.00,USD\n")
    refused(loaded, db_path, g, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {g}:2: campaign 'Acme - Search' exists in several brands (Acme, Globex): give --brand or a "
        "brand column\n"
    ))
    assert imp_json(loaded, "--brand", "Globex", g) == result(1, [g], 1, 1, 0, "40.00")


def test_a_row_never_goes_to_a_campaign_linked_to_another_network_id(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # Acme - Search is linked to 21456789012; a row for network campaign 999 of the same name
    # is another campaign's spend.
    g = write(tmp_path / "g.csv", "Day,Campaign,Campaign ID,Cost,Currency code\n"
                                  "2026-11-24,Acme - Search,21456789012,5.00,USD\n"
                                  "2026-11-24,Acme - Search,999,900.00,USD\n")
    message = (
        "error: import refused, nothing written: 1 problem\n"
        f"  {g}:3: campaign 'Acme - Search' (external id 999): Acme / Acme - Search is linked to external "
        "id 21456789012, so it is not this row's campaign: check the brand, or relink it with "
        "'budgetctl campaign import' (an external_id column)\n"
    )
    refused(loaded, db_path, g, stderr=message)
    refused(loaded, db_path, "--create-missing", "--brand", "Acme", g, stderr=message)
    # Removed and added again under another network id, the campaign does not take the old
    # campaign's report a second time.
    first = write(tmp_path / "first.csv", "Day,Campaign,Campaign ID,Cost,Currency code\n"
                                          "2026-11-24,Acme - Search,21456789012,5.00,USD\n")
    imp_json(loaded, first)
    loaded.ok("campaign", "remove", "Acme", "Acme - Search", "--force", now=NOW)
    loaded.ok("campaign", "add", "Acme", "Acme - Search", "--external-id", "333", now=NOW)
    refused(loaded, db_path, first, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {first}:2: campaign 'Acme - Search' (external id 21456789012): Acme / Acme - Search is linked "
        "to external id 333, so it is not this row's campaign: check the brand, or relink it with "
        "'budgetctl campaign import' (an external_id column)\n"
    ))
    assert day_totals(db_path) == {("Acme - Search", "2026-11-24"): 5_000_000}


def test_generic_file_without_ids_twice_is_refused_naming_the_batch(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    f = write(tmp_path / "noid.csv", "date,brand,campaign,amount\n2026-11-24,Acme,Acme - Search,3.00\n")
    imp_json(loaded, f)
    refused(loaded, db_path, f, stderr=already_imported(f))
    # the same content under another name (or on stdin) is the same file
    refused(loaded, db_path, "-", input=f.read_bytes(), stderr=already_imported("-"))


def test_generic_rows_without_ids_saved_again_another_way_are_the_same_content(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    text = ("date,brand,campaign,amount,note\n2026-11-24,Acme,Acme - Search,3.00,a\n"
            "2026-11-24T10:00,Acme,Acme - Display,1.50,\n")
    first = write(tmp_path / "noid.csv", text)
    assert imp_json(loaded, first) == result(1, [first], 2, 2, 0, "4.50")
    resaved = {
        "crlf.csv": text.replace("\n", "\r\n").encode(),
        "bom.csv": b"\xef\xbb\xbf" + text.encode(),
        "utf16.csv": text.encode("utf-16"),
        "semicolons.csv": text.replace(",", ";").encode(),
        "spaced.csv": text.replace("3.00", " 3.0 ").replace("\n", "\n\n").encode(),
        "reordered.csv": (b"Amount,Campaign,Date,Brand,Note\n1.50,acme - display,2026-11-24T10:00,ACME,\n"
                          b"3,Acme - Search,2026-11-24,Acme,a\n"),
    }
    for name, data in resaved.items():
        f = write(tmp_path / name, data)
        refused(loaded, db_path, f, stderr=already_imported(f))
    # Other rows are other content: another amount, time or note.
    for name, changed in (("amount.csv", text.replace("1.50", "1.51")),
                          ("time.csv", text.replace("T10:00", "T10:01")),
                          ("note.csv", text.replace(",a\n", ",b\n"))):
        assert imp_json(loaded, write(tmp_path / name, changed))["entries_written"] == 2


def test_generic_file_without_ids_is_the_same_file_after_a_zone_change_or_a_campaign_re_added(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # Its content is its rows as read (the brand's date, the campaign's name): neither a new
    # zone for the brand (another midnight for the date) nor the campaign removed and added
    # again (another campaign id) makes it a new file whose rows would count twice.
    f = write(tmp_path / "noid.csv", "date,campaign,amount\n2026-11-20,Acme - Search,10.00\n"
                                     "2026-11-21T09:30,Acme - Search,5.00\n")
    assert imp_json(loaded, f) == result(1, [f], 2, 2, 0, "15.00")
    again = already_imported(f)
    loaded.ok("brand", "set", "Acme", "--tz", "UTC", now=NOW)
    refused(loaded, db_path, f, stderr=again)
    loaded.ok("campaign", "remove", "Acme", "Acme - Search", "--force", now=NOW)
    loaded.ok("campaign", "add", "Acme", "Acme - Search", "--external-id", "21456789012", now=NOW)
    refused(loaded, db_path, f, stderr=again)
    assert query(db_path, "SELECT SUM(amount) FROM spend_entry") == [(15_000_000,)]


def test_generic_rows_without_ids_are_the_same_with_their_times_written_with_an_offset(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # 10:00 in New York (Acme's zone) is 15:00Z: the same rows, whichever way they are written.
    naive = write(tmp_path / "naive.csv", "date,brand,campaign,amount\n2026-11-20T10:00:00,Acme,Acme - Search,5\n")
    utc = write(tmp_path / "utc.csv", "date,brand,campaign,amount\n2026-11-20T15:00:00Z,Acme,Acme - Search,5\n")
    refused(loaded, db_path, naive, utc, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {utc}: has the same content as {naive} in this import; its rows have no ids, so importing "
        "both would count them twice\n"))
    imp_json(loaded, naive)
    refused(loaded, db_path, utc, stderr=already_imported(utc))
    assert query(db_path, "SELECT SUM(amount) FROM spend_entry") == [(5_000_000,)]


def test_generic_file_without_ids_recorded_by_an_earlier_version_is_still_recognised(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # Earlier versions recorded such a file's content as the sum of its rows' SHA-256 over
    # (campaign id, UTC instant in microseconds, amount in micros, note).
    import hashlib

    f = write(tmp_path / "noid.csv", "date,campaign,amount,note\n2026-11-20,Acme - Search,10.00,x\n")
    imp_json(loaded, f)
    [(campaign, at, amount)] = query(db_path, "SELECT campaign_id, occurred_at, amount FROM spend_entry")
    text = f"{campaign}\x1f{at}\x1f{amount}\x1fx"
    legacy = int.from_bytes(hashlib.sha256(text.encode()).digest(), "big") % (1 << 256)
    execute(db_path, f"UPDATE import_file SET content_hash = '{legacy:064x}'")
    refused(loaded, db_path, f, stderr=already_imported(f))


def test_generic_file_with_some_rows_without_ids_twice_is_refused(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    f = write(tmp_path / "partial.csv", "date,brand,campaign,amount,id\n2026-11-24,Acme,Acme - Search,1.00,a\n"
                                        "2026-11-24,Acme,Acme - Search,2.00,\n")
    assert imp_json(loaded, f) == result(1, [f], 2, 2, 0, "3.00")
    refused(loaded, db_path, f, stderr=already_imported(f, "its rows without ids are the same"))
    # Its rows without ids are its content: with another id row beside them, the same.
    g = write(tmp_path / "other.csv", "date,brand,campaign,amount,id\n2026-11-25,Acme,Acme - Search,7.00,b\n"
                                      "2026-11-24,Acme,Acme - Search,2.00,\n")
    refused(loaded, db_path, g, stderr=already_imported(g, "its rows without ids are the same"))
    assert day_totals(db_path) == {("Acme - Search", "2026-11-24"): 3_000_000}


def test_generic_file_without_ids_twice_in_one_import_is_refused(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    f = write(tmp_path / "noid.csv", "date,brand,campaign,amount\n2026-11-24,Acme,Acme - Search,3.00\n")
    refused(loaded, db_path, f, f, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}: has the same content as {f} in this import; its rows have no ids, so importing both "
        "would count them twice\n"
    ))


def test_generic_file_without_ids_from_a_multi_file_import_is_remembered(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    f = write(tmp_path / "noid.csv", "date,brand,campaign,amount\n2026-11-24,Acme,Acme - Search,3.00\n")
    imp_json(loaded, f, GOOGLE)
    assert query(db_path, "SELECT batch_id, position, name FROM import_file ORDER BY position") == [
        (1, 0, str(f)), (1, 1, str(GOOGLE)),
    ]
    before = dump(db_path)
    run = imp(loaded, f)
    assert run.exit_code == 1
    assert run.stderr.startswith(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}: this file was already imported as batch #1 on 2026-11-25T15:00:00+00:00; its rows "
        "have no ids, so importing it again would count them twice ('budgetctl spend undo 1' first "
        "to replace it)\n"
    )
    assert dump(db_path) == before


# -- the effect: touched brands are evaluated at once ----------------------------------------------------


def test_import_over_the_daily_budget_pauses_at_once(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    # yesterday's 100.00 (Google Excel, 2026-11-24 in New York) does not block today
    imp_json(loaded, GOOGLE_XL)
    states = json.loads(loaded.ok("campaign", "list", "--json", "--brand", "Acme", now=NOW).stdout)
    assert [(c["campaign"], c["state"], c["reasons"]) for c in states] == [
        ("Acme - Display", "active", []), ("Acme - Search", "active", []),
    ]
    # 10:00 in New York: today is 2026-11-25 there
    f = write(tmp_path / "today.csv", "date,brand,campaign,amount,id\n2026-11-25,Acme,Acme - Search,60.00,t1\n"
                                      "2026-11-25T09:59:00,Acme,Acme - Display,40.00,t2\n")
    run = imp(loaded, f)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.lines == [
        "batch #2: 2 rows (generic), wrote 2 entries, 0 unchanged, 0 total rows skipped, net 100.00",
        "  Acme / Acme - Display: 1 entry, net 40.00 USD",
        "  Acme / Acme - Search: 1 entry, net 60.00 USD",
        "Acme / Acme - Display: active -> paused (daily_budget)",
        "Acme / Acme - Search: active -> paused (daily_budget)",
    ]
    assert ledger(db_path)[-1][2] == us(datetime(2026, 11, 25, 14, 59, tzinfo=UTC))  # naive = brand time
    states = json.loads(loaded.ok("campaign", "list", "--json", now=NOW).stdout)
    assert [(c["campaign"], c["state"], c["reasons"]) for c in states] == [
        ("Acme - Display", "paused", ["daily_budget"]),
        ("Acme - Search", "paused", ["daily_budget"]),
        ("Globex - Prospecting", "paused", ["outside_schedule"]),
        ("Initech - Brand", "active", []),
        ("Initech - Generic", "active", []),
    ]
    assert query(db_path, "SELECT name, state, reasons FROM campaign WHERE brand_id = 1 ORDER BY id") == [
        ("Acme - Search", "paused", "daily_budget"), ("Acme - Display", "paused", "daily_budget"),
    ]
    # undoing the import lifts the budget pause at once
    run = loaded.ok("spend", "undo", "2", now=NOW)
    assert run.lines == [
        "undid batch #2 as batch #3: 2 compensating entries, net -100.00",
        "Acme / Acme - Display: paused -> active",
        "Acme / Acme - Search: paused -> active",
    ]


# -- refusals: one test each, nothing written -----------------------------------------------------------


def test_bad_generic_fixture_lists_one_error_per_bad_line(loaded: Cli, db_path: Path) -> None:
    amount = "is not a decimal number: use digits with an optional '.' and at most 6 decimals, such as 12.50 (no exponents, NaN or infinity)"
    refused(loaded, db_path, BAD, stderr=(
        "error: import refused, nothing written: 7 problems\n"
        f"  {BAD}:3: date '2026-11-31' is not a valid date\n"
        f"  {BAD}:4: amount 'abc' {amount}\n"
        f"  {BAD}:5: amount 'NaN' {amount}\n"
        f"  {BAD}:6: amount '1e6' {amount}\n"
        f"  {BAD}:7: amount '0.0000001' has more than 6 decimals: the smallest amount is 0.000001\n"
        f"  {BAD}:8: unknown campaign 'No Such Campaign' in brand 'Acme': add it with 'budgetctl campaign add', "
        "or import with --create-missing --brand B\n"
        f"  {BAD}:9: currency EUR differs from brand Acme's USD\n"
    ))


def test_meta_range_export_is_refused_with_the_daily_breakdown_hint(loaded: Cli, db_path: Path) -> None:
    refused(loaded, db_path, META_RANGE, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {META_RANGE}:2: row covers 2026-11-01 to 2026-11-07: export from Ads Manager with "
        "Breakdown > By time > Day so that each row is one day\n"
    ))


def test_microsoft_report_not_aggregated_by_day_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    data = MS_API.read_bytes()
    assert data.count(b'"Report Aggregation: Daily"') == 1
    for aggregation in ("Weekly", "Monthly", "Summary"):
        f = write(tmp_path / f"ms-{aggregation}.csv",
                  data.replace(b"Aggregation: Daily", b"Aggregation: " + aggregation.encode()))
        refused(loaded, db_path, f, stderr=(
            "error: import refused, nothing written: 1 problem\n"
            f"  {f}:6: the report's aggregation is {aggregation}, so a row is not one day's spend: "
            "download it with Report Aggregation: Daily\n"
        ))


def test_empty_file_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "empty.csv", b"")
    refused(loaded, db_path, f, stderr=f"error: import refused, nothing written: 1 problem\n  {f}: file is empty\n")
    blank = write(tmp_path / "blank.csv", b"\xef\xbb\xbf\r\n\n  \n")
    refused(loaded, db_path, blank,
            stderr=f"error: import refused, nothing written: 1 problem\n  {blank}: file is empty\n")


def test_a_semicolon_file_with_amounts_a_decimal_comma_reads_otherwise_is_refused(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    f = write(tmp_path / "eu.csv", "date;brand;campaign;amount;id\n2026-11-24;Acme;Acme - Search;12,500;e1\n"
                                   "2026-11-24;Acme;Acme - Search;12.50;e2\n")
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}:2: amount '12,500' could mean 12500 or 12.5: this file is separated by semicolons, as "
        "spreadsheets save it where ',' marks decimals; write 12500 or 12.5\n"
    ))


def test_header_only_file_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "header.csv", "date,campaign,amount\n")
    refused(loaded, db_path, f, stderr=(
        f"error: import refused, nothing written: 1 problem\n  {f}: no spend rows after the header\n"
    ))


def test_totals_only_report_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    lines = GOOGLE.read_bytes().splitlines(keepends=True)
    f = write(tmp_path / "totals.csv", b"".join(lines[:3] + lines[-2:]))
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}: its total rows show spend but it has no spend rows: download the report again "
        "with its campaign rows\n"
    ))


def test_a_meta_row_whose_day_its_reporting_range_does_not_hold_is_refused(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    f = write(tmp_path / "meta.csv", (
        "Reporting starts,Reporting ends,Campaign name,Day,Amount spent (USD)\n"
        "2026-11-01,2026-11-01,Globex - Prospecting,2026-11-01,5.00\n"
        "2026-11-01,2026-11-01,Globex - Prospecting,2026-11-02,6.00\n"
    ))  # fmt: skip
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}:3: day 2026-11-02 lies outside the row's reporting range (2026-11-01): the row "
        "contradicts itself\n"
    ))


def test_a_report_of_a_day_without_spend_imports_as_no_rows(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # A cron fetch on a quiet day: the report is whole (totals of 0.00, or Rows: 0), just empty.
    lines = GOOGLE.read_bytes().splitlines(keepends=True)
    zero = [line.replace(b'"1,533.50"', b"0.00") for line in lines[-2:]]
    google = write(tmp_path / "quiet.csv", b"".join(lines[:3] + zero))
    head = MS_API.read_bytes().split(b'"TimePeriod"')[0].replace(b"Rows: 3", b"Rows: 0")
    microsoft = write(
        tmp_path / "quiet-ms.csv",
        head + b'"TimePeriod","CampaignName","CampaignId","CurrencyCode","Spend"\r\n',
    )
    imp_json(loaded, GOOGLE)
    before = ledger(db_path)
    run = imp(loaded, google, microsoft)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.stdout == (
        "batch #2: 0 rows (mixed), wrote 0 entries, 0 unchanged, 2 total rows "
        "skipped, net 0.00\n"
    )
    assert ledger(db_path) == before
    assert query(db_path, "SELECT id, rows, entries_written, net_amount FROM import_batch") == [
        (1, 5, 3, 1_533_500_000), (2, 0, 0, 0)]
    # Header only, with nothing to show the report reached its end: refused as before.
    bare = write(tmp_path / "bare.csv", b"".join(lines[:3]))
    refused(loaded, db_path, bare, stderr=(
        f"error: import refused, nothing written: 1 problem\n  {bare}: no spend rows after the header\n"
    ))


def test_unrecognised_header_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "odd.csv", "foo,bar,baz\n1,2,3\n")
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}: no spend header found: expected columns like date, campaign, amount (generic) or a Google "
        "Ads, Meta or Microsoft Advertising export (Google Ads: Day, Campaign, Cost (optional: Campaign ID, "
        "Currency code); Meta Ads: Campaign name, Amount spent (CUR), and Day or Reporting starts + Reporting "
        "ends (optional: Campaign ID); Microsoft Advertising: Gregorian date or TimePeriod, Campaign name or "
        "CampaignName, Spend (optional: Campaign ID or CampaignId, Currency code or CurrencyCode); generic: "
        "date (or day, time, timestamp, occurred_at), campaign (or campaign_name), amount (or cost, spend); "
        "optional: brand, currency, id (or key, idempotency_key, txn), external_id (or campaign_id), note "
        "(or memo, description))\n"
    ))


def test_wrong_explicit_format_is_refused_with_a_hint(loaded: Cli, db_path: Path) -> None:
    refused(loaded, db_path, "--format", "meta", GOOGLE, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {GOOGLE}: no Meta Ads header found: expected columns Campaign name, Amount spent (CUR), and Day or "
        "Reporting starts + Reporting ends (optional: Campaign ID) (this looks like a Google Ads export: use "
        "--format google-ads or auto)\n"
    ))
    assert imp_json(loaded, "--format", "google-ads", GOOGLE) == result(1, [GOOGLE], 5, 3, 2, "1533.50")


def test_a_network_export_is_not_read_as_generic_rows(loaded: Cli, db_path: Path) -> None:
    # As generic rows without ids the report would add up: the same report again in auto
    # counted every day twice.
    for path, line, label, network in ((GOOGLE, 3, "Google Ads", "google-ads"),
                                       (GOOGLE_XL, 3, "Google Ads", "google-ads")):
        refused(loaded, db_path, "--format", "generic", path, stderr=(
            "error: import refused, nothing written: 1 problem\n"
            f"  {path}:{line}: this is a {label} export: its rows are days of spend that a later report "
            "replaces, while generic rows add up (the same report twice would count twice): use --format "
            f"{network} or auto (a file of your own: give each row an id in an id column)\n"
        ))
    # A Microsoft report has no column the generic format takes for a day: the hint is the
    # format it looks like, not a missing date column.
    refused(loaded, db_path, "--format", "generic", MS_UI, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {MS_UI}: no generic header found: expected columns date (or day, time, timestamp, occurred_at), "
        "campaign (or campaign_name), amount (or cost, spend); optional: brand, currency, id (or key, "
        "idempotency_key, txn), external_id (or campaign_id), note (or memo, description) (this looks like a "
        "Microsoft Advertising export: use --format microsoft or auto)\n"
    ))
    assert imp_json(loaded, "--format", "generic", GENERIC)["entries_written"] == 4


def test_a_file_of_one_s_own_in_a_network_s_spelling_with_ids_is_generic_when_asked(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # Two invoices on one day: generic rows, once per id; not one day's snapshot.
    own = write(tmp_path / "own.csv", "Day,Campaign,Cost,id\n2026-11-06,Acme - Search,4.00,inv-1\n"
                                      "2026-11-06,Acme - Search,6.00,inv-2\n")
    assert imp_json(loaded, "--format", "generic", own) == result(1, [own], 2, 2, 0, "10.00")
    assert imp_json(loaded, "--format", "generic", own) == result(2, [own], 2, 0, 2, "0.00")
    # auto reads it so too: a third invoice that day adds to the day, it does not replace it.
    more = write(tmp_path / "more.csv", "Day,Campaign,Cost,id\n2026-11-06,Acme - Search,5.00,inv-3\n")
    run = imp(loaded, more)
    assert run.lines[0] == "batch #3: 1 row (generic), wrote 1 entry, 0 unchanged, 0 total rows skipped, net 5.00"
    assert day_totals(db_path)[("Acme - Search", "2026-11-06")] == 15_000_000
    # Without an id column it is the network's export, and --format generic refuses it.
    bare = write(tmp_path / "bare.csv", "Day,Campaign,Cost,note\n2026-11-06,Acme - Search,5.00,x\n")
    assert imp(loaded, "--format", "generic", bare).stderr.startswith(
        f"error: import refused, nothing written: 1 problem\n  {bare}:1: this is a Google Ads export")


def test_a_network_export_whose_header_differs_only_in_case_is_refused_not_read_as_generic(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # A fetch script upper-cased one header cell: generic rows without ids would add up where
    # the report's days replace, so a second copy of the same report would double the spend.
    f = write(tmp_path / "upper.csv", GOOGLE.read_bytes().replace(b",Currency code,Cost,", b",Currency code,COST,"))
    message = (
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}:3: this header is a Google Ads export's but for letter case (expected Day, Campaign, Cost "
        "(optional: Campaign ID, Currency code)): read as generic rows, its days would add up where a later "
        "report replaces them: restore the header's letter case (a file of your own: give each row an id in "
        "an id column)\n"
    )
    refused(loaded, db_path, f, stderr=message)
    refused(loaded, db_path, "--format", "generic", f, stderr=message)
    # A header all in one's own case is a file of one's own (generic), as before.
    lower = write(tmp_path / "lower.csv", "day,campaign,cost\n2026-11-06,Acme - Search,5.00\n")
    assert imp_json(loaded, lower)["entries_written"] == 1
    # With ids it is a file of one's own: once per id.
    own = write(tmp_path / "own.csv", "day,campaign,cost,id\n2026-11-06,Acme - Search,5.00,inv-1\n")
    assert imp_json(loaded, own) == result(2, [own], 1, 1, 0, "5.00")
    assert day_totals(db_path)[("Acme - Search", "2026-11-06")] == 10_000_000


@pytest.mark.parametrize(
    ("fixture", "old", "new", "line", "label", "column"),
    [(GOOGLE, b",Day,Currency code,", b",Date,Currency code,", 3, "Google Ads", "Day"),
     (GOOGLE, b",Currency code,Cost,", b",Currency code,Amount,", 3, "Google Ads", "Cost"),
     (META, b"Amount spent (USD)", b"Amount spent", 1, "Meta Ads", "Amount spent (CUR)")],
    ids=["google-day-as-date", "google-cost-as-amount", "meta-amount-without-currency"],
)
def test_a_network_export_with_a_column_renamed_is_refused_not_read_as_generic(
    loaded: Cli, db_path: Path, tmp_path: Path, fixture: Path, old: bytes, new: bytes, line: int,
    label: str, column: str,
) -> None:
    # Read as generic rows (date, campaign, amount), the report would add its days up: the
    # same report imported later under its own header would count every day twice.
    data = fixture.read_bytes()
    assert data.count(old) == 1
    f = write(tmp_path / "renamed.csv", data.replace(old, new))
    from budgetctl.importers.formats import PROFILES
    expects = next(p.expects for p in PROFILES.values() if p.label == label)
    message = (
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}:{line}: this header is a {label} export's but for its {column} column (expected "
        f"{expects}): read as generic rows, its days would add up where a later report replaces "
        "them: give the column its name again, or download the report anew (a file of your own: "
        "give each row an id in an id column, or write the header in lower case)\n"
    )
    refused(loaded, db_path, f, stderr=message)
    refused(loaded, db_path, "--format", "generic", f, stderr=message)


@pytest.mark.parametrize("fmt", ["auto", "generic"])
def test_a_header_of_generic_names_alone_is_a_file_of_ones_own(
    loaded: Cli, db_path: Path, tmp_path: Path, fmt: str
) -> None:
    # Each is a network's header but for one column (Google's Cost or Day, Microsoft's
    # Campaign name), yet nothing in the file shows an export: no report lines before the
    # header, no column a file of one's own has no use for.
    for n, header in enumerate(["Day,Campaign,Amount", "Date,Campaign,Cost", "Date,Campaign,Spend",
                                "Day,Campaign,Spend"], start=1):
        f = write(tmp_path / f"own{n}.csv", f"{header}\n2026-11-2{n},Acme - Search,1.00\n")
        assert imp_json(loaded, "--format", fmt, f) == result(n, [f], 1, 1, 0, "1.00")
    # With the export's other columns, or its report lines, the same header is the export's.
    from budgetctl.importers.formats import PROFILES
    for n, (line, text) in enumerate([
        (1, "Date,Campaign,Cost,Impr.\n2026-11-20,Acme - Search,1.00,10\n"),
        (2, "Campaign report\nDate,Campaign,Cost\n2026-11-20,Acme - Search,1.00\n"),
    ]):
        f = write(tmp_path / f"export{n}.csv", text)
        refused(loaded, db_path, "--format", fmt, f, stderr=(
            "error: import refused, nothing written: 1 problem\n"
            f"  {f}:{line}: this header is a Google Ads export's but for its Day column (expected "
            f"{PROFILES['google-ads'].expects}): read as generic rows, its days would add up where a "
            "later report replaces them: give the column its name again, or download the report anew "
            "(a file of your own: give each row an id in an id column, or write the header in lower "
            "case)\n"
        ))
    assert day_totals(db_path) == {("Acme - Search", f"2026-11-2{n}"): 1_000_000 for n in range(1, 5)}


def test_a_file_of_ones_own_with_one_network_name_is_still_generic(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # One of the network's required names (Campaign) is not a network's export.
    one = write(tmp_path / "one.csv", "date,Campaign,amount\n2026-11-06,Acme - Search,5.00\n")
    assert imp_json(loaded, one) == result(1, [one], 1, 1, 0, "5.00")
    # Two, with an id column: a file of one's own, once per id.
    own = write(tmp_path / "own.csv", "Date,Campaign,Cost,id\n2026-11-06,Acme - Search,5.00,inv-1\n")
    assert imp_json(loaded, own) == result(2, [own], 1, 1, 0, "5.00")
    # Two in lower case: a file of one's own.
    lower = write(tmp_path / "lower.csv", "date,campaign,cost\n2026-11-07,Acme - Search,2.00\n")
    assert imp_json(loaded, lower) == result(3, [lower], 1, 1, 0, "2.00")
    assert day_totals(db_path)[("Acme - Search", "2026-11-06")] == 10_000_000


def test_a_microsoft_day_outside_its_report_time_is_refused_as_dates_saved_day_first(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # A spreadsheet set to day-first dates re-saved 2026-11-02 as 02/11/2026: read month first
    # it is 11 February, which the report's own "Report Time: 11/2/2026" does not cover.
    data = MS_UI.read_bytes()
    assert data.count(b"\n2026-11-02\t") == 2 and b"Report Time: 11/2/2026\n" in data
    uk = write(tmp_path / "uk.tsv", data.replace(b"\n2026-11-02\t", b"\n02/11/2026\t"))
    why = ("day 2026-02-11 ('02/11/2026') is not one the report covers, 2026-11-02 (its Report Time, "
           "line 2): were its dates saved day first, as a spreadsheet can? Download the report again "
           "and import it unopened")
    refused(loaded, db_path, uk, stderr=(
        f"error: import refused, nothing written: 2 problems\n  {uk}:7: {why}\n  {uk}:8: {why}\n"))
    # Month first, as Microsoft writes it, the same days import as the fixture's.
    us = write(tmp_path / "us.tsv", data.replace(b"\n2026-11-02\t", b"\n11/2/2026\t"))
    assert imp_json(loaded, us) == result(1, [us], 2, 1, 1, "1388.90")  # Generic spent 0.00
    assert imp_json(loaded, MS_UI) == result(2, [MS_UI], 2, 0, 2, "0.00")
    # A period over two days holds both; a day after it does not.
    api = MS_API.read_bytes()
    late = write(tmp_path / "late.csv", api.replace(b'"2026-11-02","Initech - Brand"',
                                                    b'"11/3/2026","Initech - Brand"'))
    run = imp(loaded, late)
    assert run.exit_code == 1 and run.stderr.splitlines()[1:] == [
        f"  {late}:13: day 2026-11-03 ('11/3/2026') is not one the report covers, 2026-11-01 to "
        "2026-11-02 (its Report Time, line 2): were its dates saved day first, as a spreadsheet can? "
        "Download the report again and import it unopened"], run.stderr


def test_two_reports_joined_in_one_file_are_refused_at_the_repeated_header(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # cat report.csv report.csv: the second report's header (with its byte-order mark, for
    # Meta) is named as what it is, and nothing is written.
    joined = "are two reports joined in one file? Import each report as a file of its own"
    meta = write(tmp_path / "meta.csv", META.read_bytes() * 2)
    refused(loaded, db_path, meta, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {meta}:5: the header of line 1 comes again here: {joined}\n"))
    generic = write(tmp_path / "generic.csv", GENERIC.read_bytes() * 2)
    refused(loaded, db_path, generic, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {generic}:6: the header of line 1 comes again here: {joined}\n"))
    google = write(tmp_path / "google.csv", GOOGLE.read_bytes() * 2)
    run = imp(loaded, google)
    assert run.exit_code == 1
    assert run.stderr.splitlines()[-1] == f"  {google}:13: the header of line 3 comes again here: {joined}"


def test_a_batch_whose_net_passes_64_bits_is_refused_as_amounts_too_large(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    # Each campaign's net fits in 64 bits of micros; the ten together, the batch's net, do not.
    rows = "".join(f'Big {i},{9000 + i},2026-11-20,USD,"999,999,999,999.99"\n' for i in range(10))
    f = write(tmp_path / "big.csv", "Campaign,Campaign ID,Day,Currency code,Cost\n" + rows)
    message = (
        "error: amounts too large: a total would pass the largest budgetctl keeps "
        "(9,223,372,036,854.775807); nothing was written\n"
    )
    refused(loaded, db_path, "--create-missing", "--brand", "Initech", f, stderr=message)
    refused(loaded, db_path, "--dry-run", "--create-missing", "--brand", "Initech", f, stderr=message)


def test_an_import_taking_a_day_reset_has_yet_to_close_past_64_bits_is_refused(
    ready: Cli, db_path: Path, tmp_path: Path
) -> None:
    # 2026-11-30 is yesterday, not yet closed, and in last month: neither the day nor the
    # month is one the evaluation sums, but tonight's reset will.
    made, now = "2026-11-20T12:00:00Z", "2026-12-01T12:00:00Z"
    ready.ok("brand", "add", "Big", "--daily", "none", "--monthly", "none", now=made)
    for i in range(5):
        ready.ok("campaign", "add", "Big", f"C{i}", now=made)
        ready.ok("spend", "record", "Big", f"C{i}", "999999999999", "--at", "2026-11-30", now=now)
    rows = "".join(f"2026-11-30,C{i},999999999999,x-{i}\n" for i in range(5))
    f = write(tmp_path / "more.csv", "date,campaign,amount,id\n" + rows)
    before = dump(db_path)
    for extra in ((), ("--dry-run",)):
        run = ready("spend", "import", "--brand", "Big", *extra, str(f), now=now)
        assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
            "error: amounts too large: a total would pass the largest budgetctl keeps "
            "(9,223,372,036,854.775807); nothing was written\n"))
        assert dump(db_path) == before
    # So reset still closes the day and the month.
    assert ready("reset", now=now).exit_code == 0
    assert query(db_path, "SELECT kind, first_day, spend FROM period_close ORDER BY kind, first_day") == [
        *[("day", f"2026-11-{d:02}", 0) for d in range(20, 30)],
        ("day", "2026-11-30", 5 * 999_999_999_999_000_000), ("month", "2026-11-01", 5 * 999_999_999_999_000_000)]


def test_status_draws_a_closed_day_of_this_month_past_64_bits(
    ready: Cli, db_path: Path, tmp_path: Path
) -> None:
    # A late import into a closed day is not checked (SPEC-sized files would pay for every
    # past day they touch); the status table's day-by-day bars still draw such a day.
    made = "2026-11-20T12:00:00Z"
    ready.ok("brand", "add", "Big", "--daily", "none", "--monthly", "none", now=made)
    ready.ok("campaign", "add", "Big", "C", now=made)
    for _ in range(9):  # the month stays small: -9 of the largest amounts, on another day
        ready.ok("spend", "record", "Big", "C", "--at", "2026-11-21", "--", "-999999999999", now=NOW)
    assert ready("reset", now=NOW).exit_code == 0
    for part in ("early", "late"):  # 5 + 5 of the largest amounts on the closed 2026-11-24
        rows = "".join(f"2026-11-24,C,999999999999,{part}-{i}\n" for i in range(5))
        f = write(tmp_path / f"{part}.csv", "date,campaign,amount,id\n" + rows)
        assert imp_json(ready, "--brand", "Big", f)["entries_written"] == 5
    run = ready("status", now=NOW)
    assert (run.exit_code, run.stderr) == (0, "")
    big = next(line for line in run.lines if line.startswith("Big "))
    assert big.split()[1:6] == ["0.00", "/", "none", "999,999,999,999.00", "/"]
    assert "▁" * 23 + "█" + "▁" in big  # 2026-11-24 the tallest of the 25 days
    status = json.loads(ready.ok("status", "--json", now=NOW).stdout)
    assert [(b["brand"], b["daily_spend"], b["monthly_spend"]) for b in status] == [
        ("Big", "0.00", "999999999999.00")]


def test_binary_garbage_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)))
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}:3: contains NUL bytes: this is not a text CSV export (a binary file, or UTF-16 without a "
        "byte-order mark: then try --encoding utf-16-le or utf-16-be)\n"
    ))
    xlsx = write(tmp_path / "report.csv", b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))
    refused(loaded, db_path, xlsx, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {xlsx}: this is a ZIP archive (an Excel .xlsx workbook?), not CSV: download the report as CSV "
        "(or save it as CSV from the spreadsheet)\n"
    ))


@pytest.mark.parametrize("order", ["le", "be"])
def test_utf16_without_a_byte_order_mark_is_told_its_byte_order(
    loaded: Cli, db_path: Path, tmp_path: Path, order: str
) -> None:
    text = "date,brand,campaign,amount\n2026-11-24,Acme,Acme - Search,1.00\n"
    f = write(tmp_path / "u16.csv", text.encode(f"utf-16-{order}"))
    problem = "error: import refused, nothing written: 1 problem\n"
    refused(loaded, db_path, f, stderr=problem + (
        f"  {f}:1: contains NUL bytes: this is not a text CSV export (a binary file, or UTF-16 without a "
        f"byte-order mark: then try --encoding utf-16-{order})\n"))
    # Python's utf-16 reads only after a byte-order mark: the order is what is missing.
    refused(loaded, db_path, "--encoding", "utf-16", f, stderr=problem + (
        f"  {f}:1: cannot decode as utf-16: the file has no byte-order mark, so give its byte order: "
        f"try --encoding utf-16-{order}\n"))
    # Cut short inside the last character: not a file for another encoding.
    cut = write(tmp_path / "cut.csv", text.encode(f"utf-16-{order}")[:-1])
    refused(loaded, db_path, "--encoding", f"utf-16-{order}", cut, stderr=problem + (
        f"  {cut}:2: cannot decode as utf-16-{order}: the file ends inside a character (a download cut "
        "short? download it again)\n"))
    assert imp_json(loaded, "--encoding", f"utf-16-{order}", f) == result(1, [f], 1, 1, 0, "1.00")


def test_a_utf8_file_cut_inside_a_character_and_bomless_utf32_get_their_own_hints(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    problem = "error: import refused, nothing written: 1 problem\n"
    text = "date,brand,campaign,amount,note\n2026-11-24,Acme,Acme - Search,1.00,café\n"
    cut = write(tmp_path / "cut.csv", text.encode()[:-2])  # the last line ends inside "é"
    refused(loaded, db_path, cut, stderr=problem + (
        f"  {cut}:2: cannot decode as utf-8: the file ends inside a character (a download cut short? "
        "download it again)\n"))
    big = write(tmp_path / "u32.csv", text.encode("utf-32-be"))
    refused(loaded, db_path, "--encoding", "utf-32", big, stderr=problem + (
        f"  {big}:1: cannot decode as utf-32: the file has no byte-order mark, so give its byte order: "
        "try --encoding utf-32-be\n"))
    assert imp_json(loaded, "--encoding", "utf-32-be", big) == result(1, [big], 1, 1, 0, "1.00")


def test_latin1_needs_encoding(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "latin1.csv", b"date,brand,campaign,amount,note\n"
                                       b"2026-11-24,Acme,Acme - Search,1.00,ok\n"
                                       b"2026-11-24,Acme,Acme - Search,2.00,caf\xe9\n")
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}:3: cannot decode as utf-8: try --encoding latin-1 (or the file's real encoding)\n"
    ))
    refused(loaded, db_path, "--encoding", "klingon", f,
            stderr="error: unknown encoding 'klingon': try utf-8, utf-16 or latin-1\n")
    assert imp_json(loaded, "--encoding", "latin-1", f) == result(1, [f], 2, 2, 0, "3.00")
    assert [(r[1], r[7]) for r in ledger(db_path)] == [(1_000_000, "ok"), (2_000_000, "café")]


def test_a_header_unreadable_in_the_given_encoding_names_the_encoding(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    f = write(tmp_path / "utf8.csv", b"date,brand,campaign,amount\n2026-11-24,Acme,Acme - Search,1.00\n")
    read_as = ("; it was read as utf-16-le, as --encoding says: if that is not the file's encoding,"
               " give the right one, or leave --encoding out (UTF-8 and UTF-16 with a byte-order mark"
               " are recognised)")
    from budgetctl.importers.formats import PROFILES

    refused(loaded, db_path, "--encoding", "utf-16-le", "--format", "generic", f, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {f}: no generic header found: expected columns {PROFILES['generic'].expects}{read_as}\n"))
    run = imp(loaded, "--encoding", "utf-16-le", f)
    assert run.exit_code == 1 and run.stderr.endswith(read_as + "\n"), run.stderr
    # Without --encoding the same refusal says nothing of encodings.
    bare = write(tmp_path / "bare.csv", b"when,who,what\n2026-11-24,Acme,1.00\n")
    run = imp(loaded, bare)
    assert run.exit_code == 1 and "--encoding" not in run.stderr, run.stderr
    assert imp_json(loaded, f) == result(1, [f], 1, 1, 0, "1.00")


def test_currency_other_than_the_brands_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "meta-eur.csv", META.read_bytes().replace(b"Amount spent (USD)", b"Amount spent (EUR)"))
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 2 problems\n"
        f"  {f}:3: currency EUR differs from brand Globex's USD\n"
        f"  {f}:4: currency EUR differs from brand Globex's USD\n"
    ))


def test_rows_dated_in_the_future_are_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "future.csv", "date,brand,campaign,amount\n"
                                       "2026-11-25T15:04:00Z,Acme,Acme - Search,1.00\n"
                                       "2026-11-26,Acme,Acme - Search,1.00\n"
                                       "2026-11-25T15:06:00Z,Acme,Acme - Search,1.00\n")
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 2 problems\n"
        f"  {f}:3: day 2026-11-26 is in the future for Acme (today is 2026-11-25 in America/New_York)\n"
        f"  {f}:4: time 2026-11-25T15:06:00+00:00 is in the future (now is 2026-11-25T10:00-05:00 in "
        "America/New_York)\n"
    ))
    # a network report for tomorrow in London (already 2026-11-25 15:00 there) is refused too
    g = write(tmp_path / "meta-future.csv", "Campaign name,Day,Amount spent (USD)\nGlobex - Prospecting,2026-11-26,1.00\n")
    refused(loaded, db_path, g, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {g}:2: day 2026-11-26 is in the future for Globex (today is 2026-11-25 in Europe/London)\n"
    ))


def test_rows_dated_before_1900_are_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "old.csv", "date,brand,campaign,amount\n"
                                    "0001-01-01,Acme,Acme - Search,1.00\n"
                                    "0001-01-01T05:00:00+09:00,Acme,Acme - Search,1.00\n"
                                    "1900-01-01,Acme,Acme - Search,1.00\n")
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 2 problems\n"
        f"  {f}:2: day '0001-01-01' is out of range: give a time between the years 1900 and 9000\n"
        f"  {f}:3: time '0001-01-01T05:00:00+09:00' is out of range: give a time between the years 1900 "
        "and 9000\n"
    ))


def test_local_times_follow_the_brands_daylight_saving(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    # New York skips 02:00-03:00 on 2026-03-08 and repeats 01:00-02:00 on 2026-11-01.
    gap = write(tmp_path / "gap.csv", "date,brand,campaign,amount\n"
                                      "2026-03-08T01:59,Acme,Acme - Search,1.00\n"
                                      "2026-03-08T02:30,Acme,Acme - Search,2.00\n")
    refused(loaded, db_path, gap, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {gap}:3: time 2026-03-08T02:30:00 does not exist in America/New_York (a daylight-saving "
        "change skips it): give the time with its UTC offset\n"
    ))
    # A repeated hour is read as its first pass (EDT), as 'spend record --at' reads it.
    both = write(tmp_path / "both.csv", "date,brand,campaign,amount\n"
                                        "2026-03-08T03:00,Acme,Acme - Search,1.00\n"
                                        "2026-11-01T01:30,Acme,Acme - Search,2.00\n")
    imp_json(loaded, both)
    assert [(r[1], r[2]) for r in ledger(db_path)] == [
        (1_000_000, us(datetime(2026, 3, 8, 7, tzinfo=UTC))),
        (2_000_000, us(datetime(2026, 11, 1, 5, 30, tzinfo=UTC))),
    ]


def test_unknown_campaign_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    g = write(tmp_path / "g.csv", "Campaign,Campaign ID,Day,Cost\nAcme - Video,555,2026-11-02,5.00\n")
    refused(loaded, db_path, g, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {g}:2: unknown campaign 'Acme - Video' (external id 555): add it with 'budgetctl campaign add', "
        "or import with --create-missing --brand B\n"
    ))


def test_ten_megabyte_line_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    long_row = write(tmp_path / "long-row.csv", "date,campaign,amount\n2026-11-24," + "x" * (10 << 20) + ",1.00\n")
    refused(loaded, db_path, long_row, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {long_row}:2: cannot read this line as CSV: a cell is longer than 131072 characters (a quote that "
        "is never closed, or not a CSV file)\n"
    ))
    long_head = write(tmp_path / "long-head.csv", "x" * (10 << 20) + "\n")
    refused(loaded, db_path, long_head, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {long_head}:1: line is longer than 65536 characters and no spend header came before it: this is "
        "not a CSV export\n"
    ))


def test_a_report_cut_short_inside_a_row_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    # Cut inside the cost of 2026-11-02 ("412.07" -> "41"): the row still has its day,
    # campaign and a number, but not its other cells.
    data = GOOGLE.read_bytes()
    cut = write(tmp_path / "google-cut.csv", data[: data.index(b"412.07") + 2])
    refused(loaded, db_path, cut, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {cut}:5: row has 6 cells but the header has 8 (comma-separated): "
        "is the file cut short? (a complete row has a cell for every column, empty or not)\n"
    ))
    # A generic file cut inside its last amount keeps nothing of that row: with the id it
    # lost, the full file could not tell that the row was already in.
    full = "date,campaign,amount,currency,id\n2026-11-20,Acme - Search,3.00,USD,g1\n"
    short = write(tmp_path / "generic-cut.csv", full + "2026-11-20,Acme - Search,1")
    refused(loaded, db_path, short, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {short}:3: row has 3 cells but the header has 5 (comma-separated): "
        "is the file cut short? (a complete row has a cell for every column, empty or not)\n"
    ))
    whole = write(tmp_path / "generic.csv", full + "2026-11-20,Acme - Search,12.34,USD,g2\n")
    assert imp_json(loaded, whole)["net_amount"] == "15.34"


def test_a_report_holding_less_than_it_states_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    # Microsoft's title lines state the row count; Meta's summary row, the amount spent.
    ui = MS_UI.read_bytes()
    cut = write(tmp_path / "ms-cut.tsv", ui[: ui.index(b"2026-11-02\tInitech\tInitech - Generic")])
    refused(loaded, db_path, cut, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {cut}:4: the report says it has 2 rows but the file holds 1: is the file cut short? Download it "
        "again (if rows were removed on purpose, remove this line too)\n"
    ))
    meta = META.read_bytes()
    short = write(tmp_path / "meta-cut.csv", meta[: meta.index(b"2026-11-02,2026-11-02")])
    refused(loaded, db_path, short, "--dry-run", stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {short}:2: the summary row says 2,236.56 was spent but the rows add up to 1,234.56: is the file "
        "cut short? Download it again (if rows were removed on purpose, remove the summary row too)\n"
    ))
    assert imp_json(loaded, MS_UI, META)["net_amount"] == "3625.46"


def test_a_report_cut_short_inside_a_quote_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    # A download that stops inside '"1,388.90"': the open quote would take "1" for the cost.
    data = MS_API.read_bytes()
    cut = write(tmp_path / "ms-cut.csv", data[: data.index(b'"1,388.90"') + 2])
    assert cut.read_bytes().endswith(b'"USD","1')
    refused(loaded, db_path, cut, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {cut}:13: cannot read this line as CSV: a quote opened on this line is never closed (is the "
        "file cut short?)\n"
    ))
    # A note whose quote is never closed would swallow every later row into itself.
    note = write(tmp_path / "note.csv", "date,campaign,amount,id,note\n"
                                        '2026-11-24,Acme - Search,1.00,e1,"unterminated\n'
                                        "2026-11-24,Acme - Search,2.00,e2,x\n")
    refused(loaded, db_path, note, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {note}:2: cannot read this line as CSV: a quote opened on this line is never closed (is the "
        "file cut short?)\n"
    ))
    after = write(tmp_path / "after.csv", 'date,campaign,amount\n2026-11-24,Acme - Search,"1,234".56\n')
    refused(loaded, db_path, after, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {after}:2: cannot read this line as CSV: a quoted value has more text after its closing quote\n"
    ))


def test_missing_or_unreadable_path_is_refused(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    refused(loaded, db_path, GOOGLE, missing, stderr=f"error: cannot read {missing}: No such file or directory\n")
    refused(loaded, db_path, tmp_path, stderr=f"error: cannot read {tmp_path}: Is a directory\n")


def test_wrong_format_value_is_a_usage_error(loaded: Cli, db_path: Path) -> None:
    before = dump(db_path)
    run = loaded("spend", "import", "--format", "excel", str(GOOGLE), now=NOW)
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr == (
        "error: Invalid value for '--format': unknown format 'excel': use one of auto, google-ads, "
        "meta, microsoft, generic (see 'budgetctl spend import --help')\n")
    assert dump(db_path) == before


def test_no_files_is_a_usage_error(loaded: Cli, db_path: Path) -> None:
    before = dump(db_path)
    run = loaded("spend", "import", now=NOW)
    assert run.exit_code == 2
    assert dump(db_path) == before


def test_more_than_twenty_problems_shows_twenty_and_a_count(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    rows = "".join(f"2026-11-24,Acme - Search,bad{n}\n" for n in range(25))
    f = write(tmp_path / "many.csv", "date,campaign,amount\n" + rows)
    amount = "is not a decimal number: use digits with an optional '.' and at most 6 decimals, such as 12.50 (no exponents, NaN or infinity)"
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 25 problems\n"
        + "".join(f"  {f}:{n + 2}: amount 'bad{n}' {amount}\n" for n in range(20))
        + "  ... and 5 more\n"
    ))


def test_several_files_are_one_batch_all_or_nothing(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.csv", "date,campaign,amount\n2026-11-24,Acme - Search,12.5.0\n")
    amount = "is not a decimal number: use digits with an optional '.' and at most 6 decimals, such as 12.50 (no exponents, NaN or infinity)"
    refused(loaded, db_path, GOOGLE, bad, stderr=(
        f"error: import refused, nothing written: 1 problem\n  {bad}:2: amount '12.5.0' {amount}\n"
    ))
    # problems from every file are listed, file by file
    refused(loaded, db_path, bad, GOOGLE, META_RANGE, stderr=(
        "error: import refused, nothing written: 2 problems\n"
        f"  {bad}:2: amount '12.5.0' {amount}\n"
        f"  {META_RANGE}:2: row covers 2026-11-01 to 2026-11-07: export from Ads Manager with "
        "Breakdown > By time > Day so that each row is one day\n"
    ))
    assert query(db_path, "SELECT COUNT(*) FROM import_batch") == [(0,)]
    assert imp_json(loaded, GOOGLE, META) == result(1, [GOOGLE, META], 7, 5, 2, "3770.06")
    assert query(db_path, "SELECT DISTINCT batch_id FROM spend_entry") == [(1,)]


# -- many rows: the staging writes fifty rows to a statement, then the rest one by one -------------


def test_many_generic_rows_keep_each_id_note_and_amount(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    lines = ["date,brand,campaign,amount,id,note"]
    for n in range(1, 124):  # 123 rows: two statements of fifty and 23 single rows
        row_id = f"m-{n}" if n % 2 == 0 else ""
        note = f"note {n}" if n % 3 == 0 else ""
        lines.append(f"2026-11-{1 + n % 24:02d},Acme,Acme - Search,{n}.{n % 100:02d},{row_id},{note}")
    f = write(tmp_path / "many.csv", "\n".join(lines) + "\n")
    total = sum(n * 1_000_000 + (n % 100) * 10_000 for n in range(1, 124))
    assert imp_json(loaded, f) == result(1, [f], 123, 123, 0, "7678.26")
    assert total == 7_678_260_000
    assert sorted(
        query(db_path, "SELECT amount, idem_key, note, snapshot_key FROM spend_entry"), key=lambda r: r[0]
    ) == [
        (
            n * 1_000_000 + (n % 100) * 10_000,
            f"generic:m-{n}" if n % 2 == 0 else None,
            f"note {n}" if n % 3 == 0 else None,
            None,
        )
        for n in range(1, 124)
    ]


def test_many_google_rows_keep_each_day(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    lines = ["Campaign,Campaign ID,Day,Currency code,Cost"]
    days = [f"2026-10-{d:02d}" for d in range(1, 32)] + [f"2026-11-{d:02d}" for d in range(1, 25)]
    for i, day in enumerate(days):  # 55 days: one statement of fifty and five single rows
        lines.append(f"Acme - Search,21456789012,{day},USD,{i + 1}.25")
    f = write(tmp_path / "google.csv", "\n".join(lines) + "\n")
    assert imp_json(loaded, f)["entries_written"] == 55
    assert sorted(query(db_path, "SELECT snapshot_key, amount, idem_key, note FROM spend_entry")) == sorted(
        (f"google-ads:{day}", (i + 1) * 1_000_000 + 250_000, None, None) for i, day in enumerate(days)
    )


# -- row order: files listed day by day are sorted by brand before the ledger insert --------------


def test_rows_alternating_brands_are_written_in_brand_order(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "days.csv", "date,brand,campaign,amount,id\n"
                                     "2026-11-23,Acme,Acme - Search,1.00,d-1\n"
                                     "2026-11-23,Globex,Globex - Prospecting,2.00,d-2\n"
                                     "2026-11-24,Acme,Acme - Search,3.00,d-3\n"
                                     "2026-11-24,Globex,Globex - Prospecting,4.00,d-4\n")
    assert imp_json(loaded, f) == result(1, [f], 4, 4, 0, "10.00")
    assert query(db_path, "SELECT b.name, s.amount FROM spend_entry s JOIN brand b ON b.id = s.brand_id "
                          "ORDER BY s.id") == [
        ("Acme", 1_000_000), ("Acme", 3_000_000), ("Globex", 2_000_000), ("Globex", 4_000_000)
    ]


def test_network_rows_alternating_brands_are_written_in_brand_order(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    f = write(tmp_path / "google.csv", "Campaign,Campaign ID,Day,Currency code,Cost\n"
                                       "Acme - Search,21456789012,2026-11-23,USD,1.00\n"
                                       "Globex - Prospecting,,2026-11-23,USD,2.00\n"
                                       "Acme - Search,21456789012,2026-11-24,USD,3.00\n"
                                       "Globex - Prospecting,,2026-11-24,USD,4.00\n")
    assert imp_json(loaded, f) == result(1, [f], 4, 4, 0, "10.00")
    assert query(db_path, "SELECT b.name, s.amount, s.snapshot_key FROM spend_entry s "
                          "JOIN brand b ON b.id = s.brand_id ORDER BY s.id") == [
        ("Acme", 1_000_000, "google-ads:2026-11-23"),
        ("Acme", 3_000_000, "google-ads:2026-11-24"),
        ("Globex", 2_000_000, "google-ads:2026-11-23"),
        ("Globex", 4_000_000, "google-ads:2026-11-24"),
    ]


# -- references: checked once per campaign, not once per row --------------------------------------


def test_import_leaves_no_dangling_reference(loaded: Cli, db_path: Path, tmp_path: Path) -> None:
    if is_url(db_path):
        pytest.skip("PostgreSQL checks its foreign keys row by row")
    new = write(tmp_path / "new.csv", "date,campaign,amount,id\n2026-11-24,Brand New,4.25,n-1\n")
    loaded.ok("spend", "import", str(GOOGLE), str(GENERIC), now=NOW)
    loaded.ok("spend", "import", "--brand", "Acme", "--create-missing", str(new), now=NOW)
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    assert query(
        db_path,
        "SELECT b.name, c.name, s.amount FROM spend_entry s JOIN campaign c ON c.id = s.campaign_id "
        "JOIN brand b ON b.id = s.brand_id AND b.id = c.brand_id WHERE s.idem_key = 'generic:n-1'",
    ) == [("Acme", "Brand New", 4_250_000)]


def test_reference_check_refuses_a_campaign_the_database_lacks(loaded: Cli, db_path: Path) -> None:
    from budgetctl.domain.errors import DatabaseError
    from budgetctl.services.imports import _check_references
    from budgetctl.store.db import Database, resolve_url

    [(cid, bid)] = query(db_path, "SELECT id, brand_id FROM campaign WHERE name = 'Acme - Search'")
    [(other,)] = query(db_path, "SELECT id FROM brand WHERE name = 'Globex'")
    database = Database(resolve_url(str(db_path)))
    try:
        with database.write(dry_run=True) as conn:
            _check_references(conn, {(cid, bid)})  # a campaign of its brand: nothing to say
            for pair in ((cid, other), (99_999, bid)):
                with pytest.raises(DatabaseError) as err:
                    _check_references(conn, {(cid, bid), pair})
                assert err.value.message == (
                    f"import refused, nothing written: campaign #{pair[0]} of brand #{pair[1]} "
                    "is not in the database ('budgetctl doctor' checks it)"
                )
    finally:
        database.dispose()


def test_only_the_import_writes_without_per_row_foreign_key_checks(db_path: Path, ready: Cli) -> None:
    if is_url(db_path):
        pytest.skip("a setting of SQLite connections")
    from budgetctl.store.db import Database, resolve_url

    database = Database(resolve_url(str(db_path)))
    try:
        seen = []
        for checks in (True, False, True):
            with database.write(dry_run=True, row_checks=checks) as conn:
                seen.append(conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one())
        with database.read() as conn:
            seen.append(conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one())
    finally:
        database.dispose()
    assert seen == [1, 0, 1, 1]


def test_a_removed_and_re_added_campaign_keeps_its_days_counted_once(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    imp_json(loaded, GOOGLE_XL)
    loaded.ok("campaign", "remove", "Acme", "Acme - Search", "--force", now=NOW)
    loaded.ok("campaign", "add", "Acme", "Acme - Search", "--external-id", "21456789012", now=NOW)
    # the same report again: the removed campaign's 61.25 is the new one's day too
    assert imp_json(loaded, GOOGLE_XL) == result(2, [GOOGLE_XL], 2, 0, 2, "0.00")
    status = json.loads(loaded.ok("status", "--json", "--brand", "Acme",
                                  "--now", "2026-11-24T12:00:00-05:00").stdout)
    assert status[0]["daily_spend"] == "100.00"
    # an updated report moves the day to its new figure, once; the entry goes to the new campaign
    text = GOOGLE_XL.read_bytes().decode("utf-16").replace("\t61.25\t", "\t70.00\t")
    updated = write(tmp_path / "updated.csv", text.encode("utf-16"))
    assert imp_json(loaded, updated) == result(3, [updated], 2, 1, 1, "8.75")
    assert query(db_path, "SELECT c.id, c.removed_at IS NULL, s.amount FROM spend_entry s JOIN "
                          "campaign c ON c.id = s.campaign_id WHERE s.batch_id = 3") == [
        (6, 1, 8_750_000)]
    status = json.loads(loaded.ok("status", "--json", "--brand", "Acme",
                                  "--now", "2026-11-24T12:00:00-05:00").stdout)
    assert status[0]["daily_spend"] == "108.75"
    # undo returns the day to what it held before
    loaded.ok("spend", "undo", "3", now=NOW)
    assert imp_json(loaded, GOOGLE_XL) == result(5, [GOOGLE_XL], 2, 0, 2, "0.00")



def test_ids_and_external_ids_longer_than_the_ledger_keeps_are_refused(
    loaded: Cli, db_path: Path, tmp_path: Path
) -> None:
    long_id, long_ext = "k" * 201, "9" * 101
    f = write(tmp_path / "long.csv", "date,campaign,amount,id\n"
                                     f"2026-11-24,Acme - Search,1.00,{long_id}\n"
                                     f"2026-11-24,Acme - Search,2.00,{'k' * 200}\n"
                                     f"2026-11-24,Nope,3.00,{long_id}\n")
    refused(loaded, db_path, f, stderr=(
        "error: import refused, nothing written: 2 problems\n"
        f"  {f}:2: id is longer than 200 characters\n"
        f"  {f}:4: id is longer than 200 characters\n"))
    g = write(tmp_path / "ext.csv", f"Day,Campaign,Campaign ID,Cost\n2026-11-24,New One,{long_ext},1\n")
    refused(loaded, db_path, "--brand", "Acme", "--create-missing", g, stderr=(
        "error: import refused, nothing written: 1 problem\n"
        f"  {g}:2: external id is longer than 100 characters\n"))
