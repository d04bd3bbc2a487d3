"""Issue 2, "Foundation": the catalog (brands, campaigns), the database file and the CLI shell.

Every test runs the real CLI against a real temporary SQLite file and then checks
the database itself. After every refusal: exit code 1 (2 for a bad command line),
exactly one ``error: ...`` line on stderr, nothing on stdout, and every table
unchanged.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import (
    FIXTURES,
    Cli,
    Run,
    as_revision_0002,
    back_to_head,
    both_engines,
    dump,
    engine_db,
    execute,
    query,
    sqlite_only,
)
from typer.testing import CliRunner

import budgetctl
from budgetctl.cli.app import app
from budgetctl.store.schema import HEAD_REVISION

NOW = "2026-11-25T10:00:00Z"  # a Wednesday


@pytest.fixture(params=both_engines())
def db_path(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Every test here runs on SQLite and, when a server is given, on PostgreSQL."""
    return engine_db(request, tmp_path)
NOW_US = int(datetime(2026, 11, 25, 10, tzinfo=UTC).timestamp()) * 1_000_000
BUSY_MESSAGE = (
    "database is busy: another process held the write lock for more than 0.5 s; try again, "
    "or raise $BUDGETCTL_BUSY_TIMEOUT"
)
NOT_DECIMAL = (
    "{what} {value!r} is not a decimal number: use digits with an optional '.' and at most 6 "
    "decimals, such as 12.50 (no exponents, NaN or infinity)"
)
CONSOLE_SCRIPT = Path(sys.executable).with_name("budgetctl")


def refused(cli: Cli, db: Path, *args: str, message: str, code: int = 1,
            env: dict[str, str] | None = None) -> Run:
    """Run a command that must be refused: one error line, nothing changed."""
    before = dump(db)
    run = cli(*args, now=NOW, env=env)
    assert run.exit_code == code, (run.stdout, run.stderr)
    assert run.stderr == f"error: {message}\n"
    assert run.stdout == ""
    assert dump(db) == before
    return run


def unbroken_events(db: Path | str) -> list[str]:
    """The history's kinds, once its ids are seen to run 1, 2, 3... with no gap: no refused
    command took one (PostgreSQL's sequences do not roll back)."""
    events = query(db, "SELECT id, kind FROM event ORDER BY id")
    assert [e[0] for e in events] == list(range(1, len(events) + 1))
    return [e[1] for e in events]


def one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def acme(ready: Cli) -> Cli:
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "2500", now=NOW)
    return ready


@pytest.fixture
def spent(acme: Cli) -> Cli:
    """Acme with two campaigns, one of which has one spend entry of 12.50."""
    acme.ok("campaign", "add", "Acme", "Search", now=NOW)
    acme.ok("campaign", "add", "Acme", "Display", now=NOW)
    acme.ok("spend", "record", "Acme", "Search", "12.50", now=NOW)
    return acme


# -- brands: adding, and the values a brand refuses ----------------------------------


def test_brand_add_stores_exact_row(ready: Cli, db_path: Path) -> None:
    run = ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "2500.5",
                   "--tz", "America/New_York", "--currency", "eur", now=NOW)
    assert run.stdout == "added brand Acme: daily 100.00, monthly 2,500.50 EUR, America/New_York\n"
    assert query(db_path, "SELECT name, name_key, daily_budget, monthly_budget, timezone, currency, "
                          "created_at, closed_through, removed_at FROM brand") == [
        ("Acme", "acme", 100_000_000, 2_500_500_000, "America/New_York", "EUR", NOW_US,
         "2026-11-24", None)
    ]


def test_brand_add_defaults_and_none_budgets(ready: Cli, db_path: Path) -> None:
    run = ready.ok("brand", "add", "Open", "--daily", "none", "--monthly", "0.000001", now=NOW)
    assert run.stdout == "added brand Open: daily none, monthly 0.000001 USD, UTC\n"
    assert query(db_path, "SELECT daily_budget, monthly_budget, timezone, currency FROM brand") == [
        (None, 1, "UTC", "USD")
    ]
    assert json.loads(ready.ok("brand", "list", "--json").stdout) == [
        {"brand": "Open", "daily_budget": None, "monthly_budget": "0.000001",
         "timezone": "UTC", "currency": "USD"}
    ]


BAD_BUDGETS = [
    ("-5", "{what} '-5' is negative: give 0 or more, or 'none' for no limit"),
    ("abc", NOT_DECIMAL),
    ("NaN", NOT_DECIMAL),
    ("inf", NOT_DECIMAL),
    ("1e3", NOT_DECIMAL),
    ("1.0000001", "{what} '1.0000001' has more than 6 decimals: the smallest amount is 0.000001"),
    ("", "{what} is empty: give a decimal number such as 12.50"),
]
BUDGET_COMMANDS = [
    ("brand add --daily", "daily budget", ["brand", "add", "New", "--monthly", "100", "--daily"]),
    ("brand add --monthly", "monthly budget", ["brand", "add", "New", "--daily", "100", "--monthly"]),
    ("brand set --daily", "daily budget", ["brand", "set", "Acme", "--daily"]),
    ("brand set --monthly", "monthly budget", ["brand", "set", "Acme", "--monthly"]),
]


@pytest.mark.parametrize(("value", "template"), BAD_BUDGETS, ids=lambda v: repr(v)[:12])
@pytest.mark.parametrize(("label", "what", "args"), BUDGET_COMMANDS, ids=[c[0] for c in BUDGET_COMMANDS])
def test_bad_budget_is_refused(acme: Cli, db_path: Path, label: str, what: str, args: list[str],
                               value: str, template: str) -> None:
    refused(acme, db_path, *args, value, message=template.format(what=what, value=value))


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "localtime"])  # localtime: the host's own
@pytest.mark.parametrize(
    "args",
    [["brand", "add", "New", "--daily", "1", "--monthly", "1", "--tz"],
     ["brand", "set", "Acme", "--tz"]],
    ids=["add", "set"],
)
def test_unknown_time_zone_is_refused(acme: Cli, db_path: Path, args: list[str], tz: str) -> None:
    refused(acme, db_path, *args, tz, message=(
        f"unknown time zone {tz!r}: use an IANA name such as UTC, Europe/Berlin "
        "or America/New_York"))


@pytest.mark.parametrize(
    "args",
    [["brand", "add", "New", "--daily", "1", "--monthly", "1", "--currency", "XYZ"],
     ["brand", "set", "Acme", "--currency", "XYZ"]],
    ids=["add", "set"],
)
def test_unknown_currency_is_refused(acme: Cli, db_path: Path, args: list[str]) -> None:
    refused(acme, db_path, *args, message=(
        "unknown currency code 'XYZ': use an ISO 4217 code such as USD, EUR or GBP"))


@pytest.mark.parametrize("name", ["Acme", "ACME", "acme", "  Acme  "])
def test_duplicate_brand_is_refused(acme: Cli, db_path: Path, name: str) -> None:
    refused(acme, db_path, "brand", "add", name, "--daily", "1", "--monthly", "1", message=(
        f"brand {name.strip()!r} already exists: change it with 'budgetctl brand set'"))


def test_rename_onto_another_brand_is_refused(acme: Cli, db_path: Path) -> None:
    acme.ok("brand", "add", "Globex", "--daily", "1", "--monthly", "1", now=NOW)
    refused(acme, db_path, "brand", "set", "Globex", "--rename", "ACME",
            message="brand 'ACME' already exists: pick another name")


def test_a_refused_brand_set_changes_nothing_and_takes_no_event_id(
    spent: Cli, db_path: Path
) -> None:
    # Each refusal comes with changes that would be written first: the refusal is found
    # before them, so no event takes an id that rolls back (PostgreSQL's sequences do not).
    spent.ok("brand", "add", "Globex", "--daily", "1", "--monthly", "1", now=NOW)
    refused(spent, db_path, "brand", "set", "Globex", "--daily", "5", "--tz", "Asia/Tokyo",
            "--rename", "ACME", message="brand 'ACME' already exists: pick another name")
    refused(spent, db_path, "brand", "set", "Acme", "--monthly", "50", "--currency", "EUR",
            message="brand 'Acme' has spend in USD: its currency cannot change")
    spent.ok("brand", "set", "Globex", "--daily", "7", now=NOW)
    assert unbroken_events(db_path)[-2:] == ["brand.created", "brand.budget"]
    assert query(db_path, "SELECT name, daily_budget, monthly_budget, timezone, currency FROM "
                          "brand ORDER BY id") == [
        ("Acme", 100_000_000, 2_500_000_000, "UTC", "USD"),
        ("Globex", 7_000_000, 1_000_000, "UTC", "USD"),
    ]


def test_a_zone_change_that_would_add_a_day_up_past_64_bits_is_refused(
    ready: Cli, db_path: Path, tmp_path: Path
) -> None:
    # Two UTC days of 5 of the largest amounts each are one day in Tokyo, past 64 bits: the
    # day reset has yet to close would stop every later reset (all brands'), so the move is
    # refused before any write.
    largest = "999999999999.999999"
    ready.ok("brand", "add", "Big", "--daily", "none", "--monthly", "none", now="2026-11-01T00:00:00Z")
    ready.ok("campaign", "add", "Big", "C", now=NOW)
    for _ in range(9):  # the month stays small: -9 of the largest amounts, on another day
        ready.ok("spend", "record", "Big", "C", "--at", "2026-11-10T10:00:00Z", "--", f"-{largest}", now=NOW)
    for at in ("2026-11-23T20:00:00Z", "2026-11-24T05:00:00Z") * 5:  # the 24th in Tokyo
        ready.ok("spend", "record", "Big", "C", largest, "--at", at, now=NOW)
    for budget in ([], ["--daily", "5"]):  # with no budget, no evaluation sums the day
        refused(ready, db_path, "brand", "set", "Big", *budget, "--tz", "Asia/Tokyo", message=(
            "amounts too large: a total would pass the largest budgetctl keeps "
            "(9,223,372,036,854.775807); nothing was written"))
    # A sheet: by line, before any row is written (Other's change would take event ids).
    ready.ok("brand", "add", "Other", "--daily", "1", "--monthly", "1", now=NOW)
    sheet = tmp_path / "brands.csv"
    sheet.write_text("name,daily,monthly,timezone\nOther,2,3,UTC\nBig,none,none,Asia/Tokyo\n")
    before = dump(db_path)
    run = ready("brand", "import", str(sheet), now=NOW)
    assert (run.exit_code, run.stdout, run.stderr.splitlines()) == (1, "", [
        "error: brand import refused, nothing written: 1 problem",
        f"  {sheet}:3: brand 'Big': in Asia/Tokyo a day or month would add up past the largest "
        "total budgetctl keeps (9,223,372,036,854.775807)"])
    assert dump(db_path) == before
    assert ready.ok("brand", "set", "Big", "--tz", "Europe/London", now=NOW).stdout == (
        "time zone UTC -> Europe/London\n")
    assert unbroken_events(db_path)[-1] == "brand.timezone"
    assert ready("reset", now=NOW).exit_code == 0


def test_brand_set_unknown_brand_is_refused(acme: Cli, db_path: Path) -> None:
    refused(acme, db_path, "brand", "set", "Nope", "--daily", "5",
            message="no brand named 'Nope': 'budgetctl brand list' shows the brands")


def test_brand_set_without_changes_is_a_usage_error(acme: Cli, db_path: Path) -> None:
    refused(acme, db_path, "brand", "set", "Acme", code=2, message=(
        "Invalid value for brand set: nothing to change: give --daily, --monthly, --tz, "
        "--currency or --rename (see 'budgetctl brand set --help')"))


# -- campaigns --------------------------------------------------------------------


def test_campaign_add_stores_exact_row(acme: Cli, db_path: Path) -> None:
    run = acme.ok("campaign", "add", "acme", "Acme - Search", "--external-id", " 2145 ", now=NOW)
    assert run.stdout == "added campaign Acme / Acme - Search\n"
    assert query(db_path, "SELECT brand_id, name, name_key, external_id, state, reasons, held, "
                          "hold_note, schedule_tz, created_at, removed_at FROM campaign") == [
        (1, "Acme - Search", "acme - search", "2145", "active", "", 0, None, None, NOW_US, None)
    ]


@pytest.mark.parametrize("name", ["Search", "SEARCH", "search "])
def test_duplicate_campaign_in_a_brand_is_refused(acme: Cli, db_path: Path, name: str) -> None:
    acme.ok("campaign", "add", "Acme", "Search", now=NOW)
    refused(acme, db_path, "campaign", "add", "Acme", name,
            message=f"brand 'Acme' already has a campaign named {name.strip()!r}")


def test_same_campaign_name_in_another_brand_is_fine(acme: Cli, db_path: Path) -> None:
    acme.ok("brand", "add", "Globex", "--daily", "1", "--monthly", "1", now=NOW)
    acme.ok("campaign", "add", "Acme", "Search", now=NOW)
    acme.ok("campaign", "add", "Globex", "Search", now=NOW)
    assert query(db_path, "SELECT brand_id, name FROM campaign ORDER BY id") == [
        (1, "Search"), (2, "Search")]


def test_a_name_that_folds_past_the_limit_is_refused(acme: Cli, db_path: Path) -> None:
    # 101 characters, but the key names compare by is 202 ("ß" folds to "ss"): PostgreSQL would
    # refuse the row, so both engines refuse the name.
    refused(acme, db_path, "brand", "add", "ß" * 101, "--daily", "1", "--monthly", "1",
            message="brand name is longer than 200 characters")
    refused(acme, db_path, "campaign", "add", "Acme", "\ufb03" * 70,
            message="campaign name is longer than 200 characters")
    acme.ok("brand", "add", "ß" * 100, "--daily", "1", "--monthly", "1", now=NOW)


def test_a_very_long_user_name_is_kept_to_the_column_s_width(acme: Cli, db_path: Path) -> None:
    run = acme("brand", "add", "Long", "--daily", "1", "--monthly", "1", now=NOW,
               env={"BUDGETCTL_ACTOR": "x" * 150})
    assert run.exit_code == 0, run.stderr
    assert query(db_path, "SELECT actor FROM event WHERE brand = 'Long'") == [("x" * 100,)]


def test_a_second_campaign_linked_to_one_network_campaign_is_refused(acme: Cli, db_path: Path) -> None:
    acme.ok("campaign", "add", "Acme", "Search", "--external-id", "2145", now=NOW)
    refused(acme, db_path, "campaign", "add", "Acme", "Copy", "--external-id", " 2145 ",
            message="external id 2145 is already linked to campaign Acme / Search: an import "
                    "could not tell the two apart")
    # Another brand's campaign may carry the id (networks number their campaigns apart), and so
    # may a new campaign once the old one is removed.
    acme.ok("brand", "add", "Globex", "--daily", "1", "--monthly", "1", now=NOW)
    acme.ok("campaign", "add", "Globex", "Search", "--external-id", "2145", now=NOW)
    acme.ok("campaign", "remove", "Acme", "Search", now=NOW)
    acme.ok("campaign", "add", "Acme", "Copy", "--external-id", "2145", now=NOW)
    assert query(db_path, "SELECT brand_id, name, external_id, removed_at IS NULL FROM campaign "
                          "ORDER BY id") == [
        (1, "Search", "2145", 0), (2, "Search", "2145", 1), (1, "Copy", "2145", 1)]


def test_campaign_for_unknown_brand_is_refused(acme: Cli, db_path: Path) -> None:
    refused(acme, db_path, "campaign", "add", "Nope", "Search",
            message="no brand named 'Nope': 'budgetctl brand list' shows the brands")


# -- the database file: missing, not SQLite, damaged, older, another application's ----


@pytest.mark.parametrize(
    "args",
    [["brand", "list"], ["campaign", "list"], ["status"], ["spend", "list"], ["enforce"],
     ["brand", "add", "Acme", "--daily", "1", "--monthly", "1"]],
    ids=" ".join,
)
def test_missing_database_is_refused_and_not_created(cli: Cli, tmp_path: Path,
                                                     args: list[str]) -> None:
    db = tmp_path / "nowhere" / "budget.db"
    run = cli("--db", str(db), *args, now=NOW)
    assert run.exit_code == 1
    assert run.stderr == (
        f"error: database {db} does not exist: run 'budgetctl init' to create it "
        "(or pass --db / set $BUDGETCTL_DB)\n")
    assert run.stdout == ""
    assert not db.parent.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["brand", "list"], ["status"], ["init"]], ids=" ".join)
def test_text_file_is_not_a_database(cli: Cli, tmp_path: Path, args: list[str]) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("brand,daily\nAcme,100\n")
    run = cli("--db", str(text), *args, now=NOW)
    assert run.exit_code == 1
    assert run.stderr == f"error: {text} is not a budgetctl database (not an SQLite file)\n"
    assert run.stdout == ""
    assert text.read_text() == "brand,daily\nAcme,100\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.fixture
def damaged(spent: Cli, db_path: Path) -> bytes:
    """The spent database with pages 2..N overwritten by random bytes; its new contents."""
    sqlite_only(db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(db_path.read_bytes())
    assert len(data) // page_size > 5
    rng = random.Random(20261125)
    data[page_size:] = rng.randbytes(len(data) - page_size)
    db_path.write_bytes(bytes(data))
    return bytes(data)


@pytest.mark.parametrize(
    "args",
    [["brand", "list"], ["campaign", "list"], ["status"], ["history"], ["init"],
     ["brand", "add", "Globex", "--daily", "1", "--monthly", "1"],
     ["spend", "record", "Acme", "Search", "1"]],
    ids=" ".join,
)
def test_damaged_database_is_refused(spent: Cli, db_path: Path, damaged: bytes,
                                     args: list[str]) -> None:
    run = spent(*args, now=NOW)
    assert run.exit_code == 1
    assert run.stderr == (
        f"error: database {db_path} is damaged (database disk image is malformed): restore it "
        "from a backup; 'budgetctl doctor' shows the details\n")
    assert run.stdout == ""
    assert db_path.read_bytes() == damaged


@pytest.fixture
def stamped_0000(spent: Cli, db_path: Path) -> Path:
    sqlite_only(db_path)
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '0000'")
    conn.close()
    return db_path


UNKNOWN_REVISION = (
    "database {db} has schema revision 0000, which this budgetctl does not know: it was written "
    "by a newer budgetctl (upgrade budgetctl) or is not budgetctl's"
)


@pytest.mark.parametrize(
    "args",
    [["brand", "list"], ["status"], ["brand", "add", "Globex", "--daily", "1", "--monthly", "1"]],
    ids=" ".join,
)
def test_unknown_schema_revision_is_refused(spent: Cli, stamped_0000: Path,
                                            args: list[str]) -> None:
    refused(spent, stamped_0000, *args, message=UNKNOWN_REVISION.format(db=stamped_0000))


def test_init_refuses_an_unknown_schema_revision(spent: Cli, stamped_0000: Path) -> None:
    # Before the fix, init crashed with "unexpected CommandError: Can't locate revision ...".
    refused(spent, stamped_0000, "init", message=UNKNOWN_REVISION.format(db=stamped_0000))


def test_known_older_revision_asks_for_init(spent: Cli, stamped_0000: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Only one revision ships today, so '0000' stands in for a released older one."""
    monkeypatch.setattr(
        "budgetctl.store.db.shipped_revisions", lambda: frozenset({"0000", HEAD_REVISION})
    )
    refused(spent, stamped_0000, "brand", "list", message=(
        f"database {stamped_0000} has schema revision 0000, this budgetctl needs "
        f"{HEAD_REVISION}: run 'budgetctl init' to upgrade it"))


NFD_CAFE = "Cafe\u0301"  # "Café" with a combining accent, as macOS pastes it


def test_names_compare_in_unicode_nfkc(acme: Cli, db_path: Path) -> None:
    acme.ok("brand", "add", "Café", "--daily", "10", "--monthly", "100", now=NOW)
    for lookalike in (NFD_CAFE, "ＣＡＦÉ"):  # combining accent; full-width capitals
        refused(acme, db_path, "brand", "add", lookalike, "--daily", "10", "--monthly", "100",
                message=f"brand {lookalike!r} already exists: change it with 'budgetctl brand set'")
    acme.ok("campaign", "add", NFD_CAFE, "Search", now=NOW)
    acme.ok("spend", "record", "ｃａｆé", "search", "12", now=NOW)
    assert query(db_path, "SELECT b.name, c.name, SUM(s.amount) FROM spend_entry s JOIN brand b ON "
                          "b.id = s.brand_id JOIN campaign c ON c.id = s.campaign_id GROUP BY 1, 2") == [
        ("Café", "Search", 12_000_000)
    ]


def test_names_with_control_characters_or_invalid_utf8_are_refused(acme: Cli, db_path: Path) -> None:
    # The line and paragraph separators split lines too.
    for name in ("New\nLine", "Tab\tX", "Bell\x07", "Line\u2028Sep", "Para\u2029Sep"):
        refused(acme, db_path, "brand", "add", name, "--daily", "1", "--monthly", "1",
                message=f"brand name {name!r} has a control character (a tab, a line break or the like)")
        refused(acme, db_path, "campaign", "add", "Acme", name,
                message=f"campaign name {name!r} has a control character (a tab, a line break or the like)")
        refused(acme, db_path, "campaign", "add", "Acme", "Search 2", "--external-id", name,
                message=f"external id {name!r} has a control character (a tab, a line break or the like)")
    # Bytes that are not UTF-8 reach Python as lone surrogates: a command-line error.
    bad = b"\xff\xfe bad".decode("utf-8", "surrogateescape")
    refused(acme, db_path, "brand", "add", bad, "--daily", "1", "--monthly", "1", code=2, message=(
        "'\ufffd\ufffd bad' is not valid UTF-8 text: give names and values in UTF-8 "
        "(see 'budgetctl brand add --help')"))


@pytest.mark.parametrize("char", ["\u200b", "\ufeff", "\u200e", "\u00ad", "\u202e", "\u2060"])
def test_names_with_characters_that_show_as_nothing_are_refused(
    acme: Cli, db_path: Path, tmp_path: Path, char: str
) -> None:
    """Two names that look the same must not be two brands or campaigns (a zero-width space,
    a byte-order mark, a direction mark, a soft hyphen, a word joiner)."""
    import unicodedata

    name = f"Ac{char}me"
    said = f"has a character that shows as nothing (U+{ord(char):04X} {unicodedata.name(char)})"
    refused(acme, db_path, "brand", "add", name, "--daily", "1", "--monthly", "1",
            message=f"brand name {name!r} {said}: type the name without it")
    refused(acme, db_path, "campaign", "add", "Acme", name,
            message=f"campaign name {name!r} {said}: type the name without it")
    refused(acme, db_path, "brand", "set", "Acme", "--rename", name,
            message=f"brand name {name!r} {said}: type the name without it")
    sheet = tmp_path / "campaigns.csv"
    sheet.write_text(f"brand,name\nAcme,Search\nAcme,{name}\n", encoding="utf-8")
    before = dump(db_path)
    run = acme("campaign", "import", str(sheet), now=NOW)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == (
        "error: campaign import refused, nothing written: 1 problem\n"
        f"  {sheet}:3: campaign name {name!r} {said}: type the name without it\n"
    )
    assert dump(db_path) == before


def test_the_joiners_that_shape_scripts_and_emoji_are_kept_in_names(acme: Cli, db_path: Path) -> None:
    names = [
        "\U0001f468\u200d\U0001f469\u200d\U0001f467 Family",  # joined emoji
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian, with a non-joiner
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f England",  # a tag flag
        "\u0600\u0661\u0662 Arabic number sign",  # a format character that shows
    ]
    for name in names:
        acme.ok("campaign", "add", "Acme", name, now=NOW)
    assert query(db_path, "SELECT name FROM campaign ORDER BY id") == [(n,) for n in names]


def _as_revision_0001(db: Path | str, keys: dict[int, str]) -> None:
    """The database as schema revision 0001 left it: brand keys trimmed and case-folded only,
    and no per-currency nets for import batches (0003)."""
    as_revision_0002(db)
    execute(db, "UPDATE alembic_version SET version_num = '0001'")
    for brand_id, key in keys.items():
        execute(db, f"UPDATE brand SET name_key = '{key}' WHERE id = {brand_id}")


def test_init_upgrades_0001_name_keys_to_nfkc(acme: Cli, db_path: Path) -> None:
    acme.ok("brand", "add", NFD_CAFE, "--daily", "10", "--monthly", "100", now=NOW)
    _as_revision_0001(db_path, {2: NFD_CAFE.casefold()})
    run = acme.ok("init", now=NOW)
    assert run.stdout == f"upgraded database {db_path} from schema revision 0001 to {HEAD_REVISION}\n"
    assert query(db_path, "SELECT id, name, name_key FROM brand ORDER BY id") == [
        (1, "Acme", "acme"), (2, NFD_CAFE, "café")]
    acme.ok("campaign", "add", "Café", "Search", now=NOW)  # found under the new key


def test_init_refuses_0001_names_the_new_keys_make_one(acme: Cli, db_path: Path) -> None:
    acme.ok("brand", "add", "Café", "--daily", "10", "--monthly", "100", now=NOW)
    # a second Café that revision 0001 let in, under its own key
    execute(db_path, "INSERT INTO brand (name, name_key, daily_budget, monthly_budget, timezone, currency, "
                     f"created_at, closed_through) SELECT '{NFD_CAFE}', '{NFD_CAFE.casefold()}', daily_budget, "
                     "monthly_budget, timezone, currency, created_at, closed_through FROM brand WHERE id = 2")
    _as_revision_0001(db_path, {})
    try:
        refused(acme, db_path, "init", message=(
            f"brands 'Café' and {NFD_CAFE!r} are one name now that names compare in Unicode NFKC "
            "without regard to case: rename one with the budgetctl that wrote this database, then run "
            "'budgetctl init' again"))
    finally:  # PostgreSQL: the session's database goes on to the next test
        execute(db_path, "DELETE FROM brand WHERE id = 3")
        back_to_head(db_path)


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    """Another application's SQLite database."""
    path = tmp_path / "crm.sqlite"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        conn.execute("INSERT INTO customer (name) VALUES ('Acme')")
    conn.close()
    return path


@pytest.mark.parametrize("args", [["brand", "list"], ["status"], ["enforce"]], ids=" ".join)
def test_another_applications_database_is_refused(cli: Cli, foreign: Path,
                                                  args: list[str]) -> None:
    cli.db = foreign
    refused(cli, foreign, *args, message=(
        f"{foreign} is not a budgetctl database (it has no budgetctl schema): check --db, or run "
        "'budgetctl init' on a new path"))


def test_init_refuses_another_applications_database(cli: Cli, foreign: Path) -> None:
    cli.db = foreign
    refused(cli, foreign, "init", message=(
        f"{foreign} already holds tables of another application: refusing to add budgetctl's; "
        "choose a new path with --db"))
    assert query(foreign, "PRAGMA journal_mode") == [("delete",)]


# -- removing brands and campaigns ------------------------------------------------------


def test_brand_remove_with_spend_needs_force(spent: Cli, db_path: Path) -> None:
    refused(spent, db_path, "brand", "remove", "Acme", message=(
        "brand 'Acme' has 1 spend entry: they stay in the ledger; use --force to remove the "
        "brand anyway"))


def test_brand_remove_force_keeps_the_ledger(spent: Cli, db_path: Path) -> None:
    ledger = query(db_path, "SELECT * FROM spend_entry")
    run = spent.ok("brand", "remove", "ACME", "--force", now="2026-11-26T08:00:00Z")
    assert run.stdout == "removed brand Acme\n"
    removed_at = NOW_US + 22 * 3600 * 1_000_000
    assert query(db_path, "SELECT name, name_key, removed_at FROM brand") == [
        ("Acme", None, removed_at)]
    assert query(db_path, "SELECT name, name_key, removed_at FROM campaign ORDER BY id") == [
        ("Search", None, removed_at), ("Display", None, removed_at)]
    assert query(db_path, "SELECT * FROM spend_entry") == ledger
    assert [r[1:] for r in ledger] == [
        (1, 1, 12_500_000, NOW_US, NOW_US, "manual", None, "tester", None, None, None)]
    assert spent.ok("brand", "list").stdout == "no brands yet: add one with 'budgetctl brand add'\n"
    assert json.loads(spent.ok("brand", "list", "--json").stdout) == []
    assert json.loads(spent.ok("campaign", "list", "--json").stdout) == []
    assert query(db_path, "SELECT at, actor, command, kind, brand, campaign, message FROM event "
                          "WHERE kind = 'brand.removed'") == [
        (removed_at, "tester", "brand remove", "brand.removed", "Acme", None,
         "removed (forced; 1 spend entry kept in the ledger)")]
    events = json.loads(spent.ok("history", "--json").stdout)
    assert events[-1]["message"] == "removed (forced; 1 spend entry kept in the ledger)"
    assert events[-1]["at"] == "2026-11-26T08:00:00+00:00"
    # The name is free again; the new brand starts with no spend.
    spent.ok("brand", "add", "Acme", "--daily", "1", "--monthly", "1", now="2026-11-26T08:00:00Z")
    assert query(db_path, "SELECT id, name, name_key FROM brand ORDER BY id") == [
        (1, "Acme", None), (2, "Acme", "acme")]


def test_brand_remove_without_spend(acme: Cli, db_path: Path) -> None:
    acme.ok("campaign", "add", "Acme", "Search", now=NOW)
    assert acme.ok("brand", "remove", "Acme", now=NOW).stdout == "removed brand Acme\n"
    assert query(db_path, "SELECT removed_at FROM brand") == [(NOW_US,)]
    assert query(db_path, "SELECT message FROM event WHERE kind = 'brand.removed'") == [("removed",)]


def test_brand_remove_unknown_is_refused(acme: Cli, db_path: Path) -> None:
    refused(acme, db_path, "brand", "remove", "Nope",
            message="no brand named 'Nope': 'budgetctl brand list' shows the brands")


def test_campaign_remove_with_spend_needs_force(spent: Cli, db_path: Path) -> None:
    refused(spent, db_path, "campaign", "remove", "Acme", "Search", message=(
        "campaign Acme / Search has 1 spend entry: they stay in the ledger; use --force to "
        "remove the campaign anyway"))


def test_campaign_remove_force_keeps_the_ledger(spent: Cli, db_path: Path) -> None:
    ledger = query(db_path, "SELECT * FROM spend_entry")
    run = spent.ok("campaign", "remove", "Acme", "search", "--force", now=NOW)
    assert run.stdout == "removed campaign Acme / Search\n"
    assert query(db_path, "SELECT name, name_key, removed_at FROM campaign ORDER BY id") == [
        ("Search", None, NOW_US), ("Display", "display", None)]
    assert query(db_path, "SELECT * FROM spend_entry") == ledger
    assert len(ledger) == 1
    assert json.loads(spent.ok("campaign", "list", "--json").stdout) == [
        {"brand": "Acme", "campaign": "Display", "external_id": None, "state": "active",
         "reasons": []}]
    assert query(db_path, "SELECT actor, command, brand, campaign, message FROM event "
                          "WHERE kind = 'campaign.removed'") == [
        ("tester", "campaign remove", "Acme", "Search",
         "removed (forced; 1 spend entry kept in the ledger)")]


def test_campaign_remove_without_spend(spent: Cli, db_path: Path) -> None:
    run = spent.ok("campaign", "remove", "Acme", "Display", now=NOW)
    assert run.stdout == "removed campaign Acme / Display\n"
    assert query(db_path, "SELECT message FROM event WHERE kind = 'campaign.removed'") == [
        ("removed",)]


# -- bulk onboarding ----------------------------------------------------------------------

BRAND_ROWS = [
    ("Acme", "acme", 100_000_000, 2_500_000_000, "America/New_York", "USD", NOW_US,
     "2026-11-24", None),
    ("Globex", "globex", 1_500_000_000, 30_000_000_000, "Europe/London", "USD", NOW_US,
     "2026-11-24", None),
    ("Initech", "initech", None, 12_000_000_000, "America/Chicago", "USD", NOW_US,
     "2026-11-24", None),
]
BRAND_SQL = ("SELECT name, name_key, daily_budget, monthly_budget, timezone, currency, created_at, "
             "closed_through, removed_at FROM brand ORDER BY id")


def test_brand_import_fixture(ready: Cli, db_path: Path) -> None:
    run = ready.ok("brand", "import", str(FIXTURES / "brands.csv"), now=NOW)
    assert run.stdout == "brands: 3 created, 0 updated, 0 unchanged\n"
    assert query(db_path, BRAND_SQL) == BRAND_ROWS
    assert query(db_path, "SELECT kind, brand, message FROM event ORDER BY id") == [
        ("brand.created", "Acme", "created: daily 100.00, monthly 2,500.00, America/New_York, USD"),
        ("brand.created", "Globex",
         "created: daily 1,500.00, monthly 30,000.00, Europe/London, USD"),
        ("brand.created", "Initech", "created: daily none, monthly 12,000.00, America/Chicago, USD"),
    ]
    before = dump(db_path)
    again = ready.ok("brand", "import", str(FIXTURES / "brands.csv"), now="2026-11-26T10:00:00Z")
    assert again.stdout == "brands: 0 created, 0 updated, 3 unchanged\n"
    assert dump(db_path) == before


def test_brand_import_updates_by_name(ready: Cli, db_path: Path, tmp_path: Path) -> None:
    ready.ok("brand", "import", str(FIXTURES / "brands.csv"), now=NOW)
    sheet = tmp_path / "update.csv"
    sheet.write_text("name,daily,monthly,timezone,currency\n"
                     "ACME,80,2500,America/New_York,USD\nHooli,5,50,,\n")
    run = ready.ok("brand", "import", str(sheet), now=NOW)
    assert run.stdout == "brands: 1 created, 1 updated, 0 unchanged\n"
    assert query(db_path, "SELECT name, daily_budget, monthly_budget, timezone, currency "
                          "FROM brand ORDER BY id") == [
        ("ACME", 80_000_000, 2_500_000_000, "America/New_York", "USD"),
        ("Globex", 1_500_000_000, 30_000_000_000, "Europe/London", "USD"),
        ("Initech", None, 12_000_000_000, "America/Chicago", "USD"),
        ("Hooli", 5_000_000, 50_000_000, "UTC", "USD"),
    ]



def test_brand_import_without_zone_or_currency_keeps_the_stored_ones(
    ready: Cli, db_path: Path, tmp_path: Path
) -> None:
    ready.ok("brand", "import", str(FIXTURES / "brands.csv"), now=NOW)
    ready.ok("brand", "add", "Umbrella", "--daily", "1", "--monthly", "2", "--currency", "EUR",
             now=NOW)
    ready.ok("campaign", "import", str(FIXTURES / "campaigns.csv"), now=NOW)
    campaigns = query(db_path, CAMPAIGN_SQL)
    # no zone or currency column at all; then the columns with empty cells
    for text in ("name,daily,monthly\nAcme,200,3000\nUmbrella,1,2\nHooli,5,50\n",
                 "name,daily,monthly,timezone,currency\nAcme,200,3000,,\nUmbrella,1,2, ,\n"):
        sheet = tmp_path / "update.csv"
        sheet.write_text(text)
        ready.ok("brand", "import", str(sheet), now=NOW)
        assert query(db_path, "SELECT name, daily_budget, monthly_budget, timezone, currency "
                              "FROM brand ORDER BY id") == [
            ("Acme", 200_000_000, 3_000_000_000, "America/New_York", "USD"),
            ("Globex", 1_500_000_000, 30_000_000_000, "Europe/London", "USD"),
            ("Initech", None, 12_000_000_000, "America/Chicago", "USD"),
            ("Umbrella", 1_000_000, 2_000_000, "UTC", "EUR"),
            ("Hooli", 5_000_000, 50_000_000, "UTC", "USD"),
        ]
        assert query(db_path, "SELECT COUNT(*) FROM event WHERE kind IN "
                              "('brand.timezone', 'brand.currency')") == [(0,)]
    # Acme - Display's schedule is still read in New York time
    assert query(db_path, CAMPAIGN_SQL) == campaigns


def test_campaign_import_keeps_what_its_sheet_has_no_column_for(
    ready: Cli, db_path: Path, tmp_path: Path
) -> None:
    ready.ok("brand", "import", str(FIXTURES / "brands.csv"), now=NOW)
    ready.ok("campaign", "import", str(FIXTURES / "campaigns.csv"), now=NOW)
    windows = "SELECT campaign_id, position, spec FROM schedule_window ORDER BY campaign_id, position"
    before = dump(db_path)
    sheet = tmp_path / "names.csv"
    sheet.write_text("brand,name\nAcme,Acme - Search\nAcme,Acme - Display\n")
    run = ready.ok("campaign", "import", str(sheet), now=NOW)
    assert run.stdout == "campaigns: 0 created, 0 updated, 2 unchanged\n"
    assert dump(db_path) == before
    # A column that is there is the sheet's word, an empty cell included.
    sheet.write_text("brand,name,schedule\nAcme,Acme - Display,\n")
    run = ready.ok("campaign", "import", str(sheet), now=NOW)
    assert run.lines == [
        "campaigns: 0 created, 1 updated, 0 unchanged",
        "Acme / Acme - Display: paused -> active",
    ]
    assert query(db_path, windows) == [
        (3, 0, "daily 22:00-06:00"),
        (3, 1, "weekends 10:00-14:00"),
        (5, 0, "Mon-Fri 08:00-20:00"),
    ]
    assert query(db_path, "SELECT external_id FROM campaign WHERE id = 2") == [("21456789013",)]
    sheet.write_text("brand,name,external_id\nAcme,Acme - Display,\n")
    ready.ok("campaign", "import", str(sheet), now=NOW)
    assert query(db_path, "SELECT external_id FROM campaign WHERE id = 2") == [(None,)]



def test_campaign_import_without_a_timezone_column_keeps_a_schedule_s_own_zone(
    ready: Cli, db_path: Path, tmp_path: Path
) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "none", "--monthly", "none", now=NOW)
    ready.ok("campaign", "add", "Acme", "S", now=NOW)
    ready.ok("schedule", "set", "Acme", "S", "Mon-Fri 09:00-17:00", "--tz", "Asia/Tokyo", now=NOW)
    before = dump(db_path)
    sheet = tmp_path / "same.csv"
    sheet.write_text("brand,name,schedule\nAcme,S,Mon-Fri 09:00-17:00\n")
    run = ready.ok("campaign", "import", str(sheet), now=NOW)
    assert run.stdout == "campaigns: 0 created, 0 updated, 1 unchanged\n"
    assert dump(db_path) == before
    # An empty timezone cell is the sheet's word: the brand's zone.
    sheet.write_text("brand,name,schedule,timezone\nAcme,S,Mon-Fri 09:00-17:00,\n")
    assert ready.ok("campaign", "import", str(sheet), now=NOW).lines[0] == (
        "campaigns: 0 created, 1 updated, 0 unchanged"
    )
    assert query(db_path, "SELECT schedule_tz FROM campaign WHERE name = 'S'") == [(None,)]

CAMPAIGN_ROWS = [
    (1, "Acme - Search", "acme - search", "21456789012", "active", "", 0, None, None, NOW_US, None),
    (1, "Acme - Display", "acme - display", "21456789013", "paused", "outside_schedule", 0, None,
     None, NOW_US, None),
    (2, "Globex - Prospecting", "globex - prospecting", "120210000000000001", "paused",
     "outside_schedule", 0, None, None, NOW_US, None),
    (3, "Initech - Brand", "initech - brand", "123456789", "active", "", 0, None, None, NOW_US,
     None),
    (3, "Initech - Generic", "initech - generic", "123456790", "paused", "outside_schedule", 0,
     None, None, NOW_US, None),
]
CAMPAIGN_SQL = ("SELECT brand_id, name, name_key, external_id, state, reasons, held, hold_note, "
                "schedule_tz, created_at, removed_at FROM campaign ORDER BY id")


def test_campaign_import_fixture(ready: Cli, db_path: Path) -> None:
    ready.ok("brand", "import", str(FIXTURES / "brands.csv"), now=NOW)
    run = ready.ok("campaign", "import", str(FIXTURES / "campaigns.csv"), now=NOW)
    # At 10:00 UTC on a Wednesday it is 05:00 in New York, 10:00 in London, 04:00 in Chicago.
    assert run.lines == [
        "campaigns: 5 created, 0 updated, 0 unchanged",
        "Acme / Acme - Display: active -> paused (outside_schedule)",
        "Globex / Globex - Prospecting: active -> paused (outside_schedule)",
        "Initech / Initech - Generic: active -> paused (outside_schedule)",
    ]
    assert query(db_path, CAMPAIGN_SQL) == CAMPAIGN_ROWS
    assert query(db_path, "SELECT campaign_id, position, spec FROM schedule_window "
                          "ORDER BY campaign_id, position") == [
        (2, 0, "Mon-Fri 09:00-17:00"),
        (3, 0, "daily 22:00-06:00"),
        (3, 1, "weekends 10:00-14:00"),
        (5, 0, "Mon-Fri 08:00-20:00"),
    ]
    before = dump(db_path)
    again = ready.ok("campaign", "import", str(FIXTURES / "campaigns.csv"), now=NOW)
    assert again.stdout == "campaigns: 0 created, 0 updated, 5 unchanged\n"
    assert dump(db_path) == before


def test_brand_import_with_one_bad_row_imports_nothing(ready: Cli, db_path: Path,
                                                       tmp_path: Path) -> None:
    sheet = tmp_path / "brands.csv"
    sheet.write_text("name,daily,monthly,timezone,currency\n"
                     "Acme,100,2500,UTC,USD\n"
                     "Globex,1500,30000,Europe/London,USD\n"
                     "Initech,abc,12000,America/Chicago,USD\n"
                     "Hooli,none,none,UTC,USD\n")
    before = dump(db_path)
    run = ready("brand", "import", str(sheet), now=NOW)
    assert run.exit_code == 1
    assert run.stdout == ""
    assert run.stderr == (
        "error: brand import refused, nothing written: 1 problem\n"
        f"  {sheet}:4: " + NOT_DECIMAL.format(what="daily budget", value="abc") + "\n")
    assert [line for line in run.stderr.splitlines() if line.startswith("error:")] == [
        "error: brand import refused, nothing written: 1 problem"]
    assert dump(db_path) == before


@pytest.mark.parametrize(("text", "message"), [
    ("name,daily,monthly,name\nA,1,1,B\n",
     "{sheet}:1: column name appears twice: which one counts is not clear"),
    ("name,daily,monthly\nA,1,1\nB,2,\"2\nC,3,3\n",
     "{sheet}:3: a quote opened on this line is never closed (is the file cut short?)"),
    # A misspelt column would be dropped without a word: the brand keeps its old zone.
    ("name,daily,monthly,timezon\nAcme,100,2500,Europe/Paris\n",
     "{sheet}:1: unknown column 'timezon' (did you mean timezone?): the columns are name, daily, "
     "monthly, timezone, currency; rename it or take it out of the sheet"),
    ("Name,Daily,Monthly,Owner,Notes\nAcme,100,2500,jo,x\n",
     "{sheet}:1: unknown columns 'owner', 'notes': the columns are name, daily, monthly, timezone, "
     "currency; rename them or take them out of the sheet"),
    ("name,daily,monthly,\nAcme,100,2500,\nZed,1,2,Europe/Paris\n",
     "{sheet}:3: a value in column 4, which the header does not name: give the column its name, or "
     "clear the cell"),
    ("name,daily,monthly\nZed,1,2,Europe/Paris\n",
     "{sheet}:2: a value in column 4, which the header does not name: give the column its name, or "
     "clear the cell"),
], ids=["column-twice", "quote-never-closed", "misspelt-column", "columns-it-does-not-read",
        "value-under-a-blank-header-cell", "value-past-the-header"])
def test_brand_import_refuses_an_unclear_sheet(ready: Cli, db_path: Path, tmp_path: Path,
                                               text: str, message: str) -> None:
    sheet = tmp_path / "brands.csv"
    sheet.write_text(text)
    refused(ready, db_path, "brand", "import", str(sheet), message=message.format(sheet=sheet))


def test_brand_import_lists_every_bad_row(ready: Cli, db_path: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "brands.csv"
    sheet.write_text("name,daily,monthly,timezone,currency\n"
                     "Acme,100,2500,Mars/Base,USD\n"
                     "Globex,1500,30000,UTC,XYZ\n"
                     "acme,1,1,UTC,USD\n")
    before = dump(db_path)
    run = ready("brand", "import", str(sheet), now=NOW)
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        "error: brand import refused, nothing written: 3 problems",
        f"  {sheet}:2: unknown time zone 'Mars/Base': use an IANA name such as UTC, "
        "Europe/Berlin or America/New_York",
        f"  {sheet}:3: unknown currency code 'XYZ': use an ISO 4217 code such as USD, EUR or GBP",
        f"  {sheet}:4: brand 'acme' appears twice in the file",
    ]
    assert dump(db_path) == before


def test_brand_import_refuses_a_currency_change_of_a_brand_with_spend_by_line(
    spent: Cli, db_path: Path, tmp_path: Path
) -> None:
    spent.ok("brand", "add", "Globex", "--daily", "1", "--monthly", "1", now=NOW)
    sheet = tmp_path / "brands.csv"
    # Rows that would be written before it (a new brand, a brand without spend changing its
    # currency): none is, and no event takes an id that rolls back.
    sheet.write_text("name,daily,monthly,currency\n"
                     "Hooli,1,2,USD\n"
                     "Globex,1,1,EUR\n"
                     "ACME,5,50,EUR\n"
                     "Initech,1,2,\n")
    refused(spent, db_path, "brand", "import", str(sheet), message=(
        "brand import refused, nothing written: 1 problem\n"
        f"  {sheet}:4: brand 'Acme' has spend in USD: its currency cannot change"))
    spent.ok("brand", "set", "Globex", "--currency", "EUR", now=NOW)
    assert unbroken_events(db_path)[-1] == "brand.currency"


def test_campaign_import_with_one_bad_row_imports_nothing(ready: Cli, db_path: Path,
                                                          tmp_path: Path) -> None:
    ready.ok("brand", "import", str(FIXTURES / "brands.csv"), now=NOW)
    sheet = tmp_path / "campaigns.csv"
    sheet.write_text("brand,name,external_id,schedule\n"
                     "Acme,Acme - Search,1,\n"
                     "Acme,Acme - Display,2,Mon-Fri 09:00-17:00\n"
                     "Globex,Globex - Late,3,Mon 09:00-09:00\n"
                     "Initech,Initech - Brand,4,\n")
    before = dump(db_path)
    run = ready("campaign", "import", str(sheet), now=NOW)
    assert run.exit_code == 1
    assert run.stdout == ""
    assert run.stderr == (
        "error: campaign import refused, nothing written: 1 problem\n"
        f"  {sheet}:4: window 'Mon 09:00-09:00' starts and ends at the same time\n")
    assert dump(db_path) == before


def test_campaign_import_lists_shared_external_ids_with_the_other_problems(
    ready: Cli, db_path: Path, tmp_path: Path
) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "2500", now=NOW)
    ready.ok("campaign", "add", "Acme", "Search", "--external-id", "111", now=NOW)
    sheet = tmp_path / "campaigns.csv"
    sheet.write_text("brand,name,external_id,schedule\nAcme,C1,,\nNope,C2,,\nAcme,C3,,bad window\n"
                     "Acme,C4,111,\nAcme,C5,222,bad\nAcme,C6,222,\n")
    before = dump(db_path)
    run = ready("campaign", "import", str(sheet), now=NOW)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr.splitlines() == [
        "error: campaign import refused, nothing written: 6 problems",
        f"  {sheet}:3: no brand named 'Nope': 'budgetctl brand list' shows the brands",
        f"  {sheet}:4: window 'bad window' is not valid: use DAYS HH:MM-HH:MM, e.g. 'Mon-Fri 09:00-17:00'",
        f"  {sheet}:5: external id 111 is already linked to campaign Acme / Search: an import could not "
        "tell the two apart",
        f"  {sheet}:6: window 'bad' is not valid: use DAYS HH:MM-HH:MM, e.g. 'Mon-Fri 09:00-17:00'",
        f"  {sheet}:6: external id 222 is already linked to campaign Acme / C6: an import could not tell "
        "the two apart",
        f"  {sheet}:7: external id 222 is already linked to campaign Acme / C5: an import could not tell "
        "the two apart",
    ]
    assert dump(db_path) == before


@pytest.mark.parametrize("what", ["brand", "campaign"])
def test_sheet_import_refuses_an_empty_file_name_as_such(ready: Cli, db_path: Path, what: str) -> None:
    refused(ready, db_path, what, "import", "", message=(
        "the file name is empty: name the sheet's CSV file, or '-' for standard input"))


def test_campaign_import_refuses_a_column_it_does_not_read(ready: Cli, db_path: Path,
                                                            tmp_path: Path) -> None:
    ready.ok("brand", "import", str(FIXTURES / "brands.csv"), now=NOW)
    sheet = tmp_path / "campaigns.csv"
    sheet.write_text("brand,name,external id,schedul\nAcme,C9,999,Mon 09:00-10:00\n")
    refused(ready, db_path, "campaign", "import", str(sheet), message=(
        f"{sheet}:1: unknown columns 'external id' (did you mean external_id?), 'schedul' (did you "
        "mean schedule?): the columns are brand, name, external_id, schedule, timezone; rename them "
        "or take them out of the sheet"))


def test_campaign_import_refuses_two_campaigns_of_a_brand_on_one_external_id(
    ready: Cli, db_path: Path, tmp_path: Path
) -> None:
    ready.ok("brand", "import", str(FIXTURES / "brands.csv"), now=NOW)
    ready.ok("campaign", "import", str(FIXTURES / "campaigns.csv"), now=NOW)
    sheet = tmp_path / "campaigns.csv"
    sheet.write_text("brand,name,external_id\n"
                     "Acme,Acme - Video,21456789012\n"
                     "Initech,Initech - New,777\n"
                     "Initech,Initech - Newer,777\n"
                     "Globex,Globex - Video,21456789012\n")
    before = dump(db_path)
    run = ready("campaign", "import", str(sheet), now=NOW)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr.splitlines() == [
        "error: campaign import refused, nothing written: 3 problems",
        f"  {sheet}:2: external id 21456789012 is already linked to campaign Acme / Acme - Search: "
        "an import could not tell the two apart",
        f"  {sheet}:3: external id 777 is already linked to campaign Initech / Initech - Newer: "
        "an import could not tell the two apart",
        f"  {sheet}:4: external id 777 is already linked to campaign Initech / Initech - New: "
        "an import could not tell the two apart",
    ]
    assert dump(db_path) == before
    # Judged on the brand as the whole sheet leaves it: two campaigns may swap their ids.
    sheet.write_text("brand,name,external_id\n"
                     "Acme,Acme - Search,21456789013\n"
                     "Acme,Acme - Display,21456789012\n")
    assert ready.ok("campaign", "import", str(sheet), now=NOW).lines[0] == (
        "campaigns: 0 created, 2 updated, 0 unchanged")
    assert query(db_path, "SELECT name, external_id FROM campaign WHERE brand_id = 1 ORDER BY id") == [
        ("Acme - Search", "21456789013"), ("Acme - Display", "21456789012")]


def test_campaign_import_unknown_brand_row(ready: Cli, db_path: Path, tmp_path: Path) -> None:
    ready.ok("brand", "import", str(FIXTURES / "brands.csv"), now=NOW)
    sheet = tmp_path / "campaigns.csv"
    sheet.write_text("brand,name\nAcme,Acme - Search\nNope,Nope - Search\n")
    before = dump(db_path)
    run = ready("campaign", "import", str(sheet), now=NOW)
    assert run.exit_code == 1
    assert run.stderr == (
        "error: campaign import refused, nothing written: 1 problem\n"
        f"  {sheet}:3: no brand named 'Nope': 'budgetctl brand list' shows the brands\n")
    assert dump(db_path) == before


# -- names are data: stored, shown and escaped exactly --------------------------------------

HOSTILE_NAMES = [
    "[red]x[/red]",
    "[bold",
    "'; DROP TABLE brand;--",
    "Café ☕ 東京",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
def test_names_are_stored_and_shown_verbatim(ready: Cli, db_path: Path, name: str) -> None:
    ready.ok("brand", "add", name, "--daily", "1", "--monthly", "2", now=NOW)
    ready.ok("campaign", "add", name, name, now=NOW)
    assert query(db_path, "SELECT name, name_key FROM brand") == [(name, name.casefold())]
    assert query(db_path, "SELECT name FROM campaign") == [(name,)]
    assert sorted(dump(db_path)) == sorted([
        "alembic_version", "brand", "campaign", "event", "import_batch", "import_file", "pass_run",
        "period_close", "schedule_window", "spend_entry"])

    assert json.loads(ready.ok("brand", "list", "--json").stdout) == [
        {"brand": name, "daily_budget": "1.00", "monthly_budget": "2.00", "timezone": "UTC",
         "currency": "USD"}]
    assert json.loads(ready.ok("campaign", "list", "--json").stdout) == [
        {"brand": name, "campaign": name, "external_id": None, "state": "active", "reasons": []}]
    history = json.loads(ready.ok("history", "--json").stdout)
    assert [(e["brand"], e["campaign"]) for e in history] == [(name, None), (name, name)]

    shown = name.replace("\x1b", "\\x1b")
    for args in (["brand", "list"], ["campaign", "list"], ["history"], ["brand", "show", name]):
        out = ready.ok(*args, now=NOW).stdout
        assert "\x1b" not in out, args
        assert shown in out, (args, out)


def test_escape_never_reaches_the_terminal(ready: Cli, db_path: Path) -> None:
    name = "evil\x1b[31mred"
    err = ready("brand", "add", name, "--daily", "1", "--monthly", "2", now=NOW)
    assert (err.exit_code, err.stdout) == (1, "")
    assert err.stderr == (
        "error: brand name 'evil\\x1b[31mred' has a control character (a tab, a line break or the "
        "like)\n")
    # A note may hold one (it is free text): shown escaped.
    ready.ok("brand", "add", "Acme", "--daily", "1", "--monthly", "2", now=NOW)
    ready.ok("campaign", "add", "Acme", "Search", now=NOW)
    ready.ok("spend", "record", "Acme", "Search", "1", "--note", name, now=NOW)
    out = ready.ok("spend", "list", now=NOW).stdout
    assert "\x1b" not in out
    assert "evil\\x1b[31mred" in out


def test_markup_in_table_is_literal(ready: Cli) -> None:
    ready.ok("brand", "add", "[red]x[/red]", "--daily", "1", "--monthly", "2", now=NOW)
    ready.ok("brand", "add", "[bold", "--daily", "1", "--monthly", "2", now=NOW)
    assert [line.rstrip() for line in ready.ok("brand", "list").lines] == [
        "brand         daily  monthly  currency  time zone",
        "[bold          1.00     2.00  USD       UTC",
        "[red]x[/red]   1.00     2.00  USD       UTC",
    ]


# -- history of the catalog -------------------------------------------------------------------


def test_history_lists_catalog_events(ready: Cli, db_path: Path) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "2500",
             now="2026-11-25T09:00:00+01:00")
    ready.ok("campaign", "add", "Acme", "Search", "--external-id", "2145",
             now="2026-11-25T08:05:00Z")
    set1 = ready.ok("brand", "set", "Acme", "--daily", "80.5", "--monthly", "none",
                    now="2026-11-25T08:10:00Z")
    assert set1.lines == ["daily budget 100.00 -> 80.50", "monthly budget 2,500.00 -> none"]
    set2 = ready.ok("brand", "set", "acme", "--tz", "Europe/Berlin", "--rename", "Acme Corp",
                    now="2026-11-25T08:15:00Z")
    assert set2.lines == ["time zone UTC -> Europe/Berlin", "renamed 'Acme' -> 'Acme Corp'"]
    ready.ok("campaign", "remove", "Acme Corp", "Search", now="2026-11-25T08:20:00Z")
    ready.ok("brand", "remove", "Acme Corp", now="2026-11-25T08:25:00Z")

    events = json.loads(ready.ok("history", "--json").stdout)
    assert [(e["at"], e["actor"], e["command"], e["kind"], e["brand"], e["campaign"],
             e["message"]) for e in events] == [
        ("2026-11-25T08:00:00+00:00", "tester", "brand add", "brand.created", "Acme", None,
         "created: daily 100.00, monthly 2,500.00, UTC, USD"),
        ("2026-11-25T08:05:00+00:00", "tester", "campaign add", "campaign.created", "Acme",
         "Search", "created (external id 2145)"),
        ("2026-11-25T08:10:00+00:00", "tester", "brand set", "brand.budget", "Acme", None,
         "daily budget 100.00 -> 80.50"),
        ("2026-11-25T08:10:00+00:00", "tester", "brand set", "brand.budget", "Acme", None,
         "monthly budget 2,500.00 -> none"),
        ("2026-11-25T08:15:00+00:00", "tester", "brand set", "brand.timezone", "Acme", None,
         "time zone UTC -> Europe/Berlin"),
        ("2026-11-25T08:15:00+00:00", "tester", "brand set", "brand.renamed", "Acme", None,
         "renamed 'Acme' -> 'Acme Corp'"),
        ("2026-11-25T08:20:00+00:00", "tester", "campaign remove", "campaign.removed",
         "Acme Corp", "Search", "removed"),
        ("2026-11-25T08:25:00+00:00", "tester", "brand remove", "brand.removed", "Acme Corp",
         None, "removed"),
    ]
    assert query(db_path, "SELECT name, daily_budget, monthly_budget, timezone FROM brand") == [
        ("Acme Corp", 80_500_000, None, "Europe/Berlin")]

    table = [line.rstrip() for line in ready.ok("history").lines]
    assert table[0].split() == ["when", "(UTC)", "who", "command", "brand", "/", "campaign",
                                "what"]
    assert table[3].split("  ")[0] == "2026-11-25 08:10:00"
    assert all(" tester " in line for line in table[1:])
    assert table[3].endswith("daily budget 100.00 -> 80.50")
    assert table[6].endswith("renamed 'Acme' -> 'Acme Corp'")


def test_unchanged_brand_set_records_nothing(acme: Cli, db_path: Path) -> None:
    before = dump(db_path)
    run = acme.ok("brand", "set", "Acme", "--daily", "100.000", now=NOW)
    assert run.stdout == "nothing changed\n"
    assert dump(db_path) == before


# -- where the database is -----------------------------------------------------------------


def test_xdg_default_location(tmp_path: Path) -> None:
    assert "BUDGETCTL_DB" not in os.environ
    result = CliRunner().invoke(app, ["init"], catch_exceptions=False)
    expected = tmp_path / "xdg" / "budgetctl" / "budget.db"
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"created database {expected} (schema revision {HEAD_REVISION})\n"
    assert query(expected, "SELECT version_num FROM alembic_version") == [(HEAD_REVISION,)]
    result = CliRunner().invoke(app, ["brand", "add", "Acme", "--daily", "1", "--monthly", "2"],
                                env={"BUDGETCTL_NOW": NOW}, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert query(expected, "SELECT name FROM brand") == [("Acme",)]


def test_a_relative_xdg_data_home_is_ignored_and_an_empty_home_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", "relative")  # the XDG rule: only an absolute path counts
    result = CliRunner().invoke(app, ["init"], catch_exceptions=False)
    expected = tmp_path / "home" / ".local" / "share" / "budgetctl" / "budget.db"
    assert (result.exit_code, result.stdout) == (0, f"created database {expected} (schema revision {HEAD_REVISION})\n")
    assert not (tmp_path / "relative").exists()
    monkeypatch.delenv("XDG_DATA_HOME")
    for home, said in (("", "empty"), ("home", "relative ('home')")):
        monkeypatch.setenv("HOME", home)  # cron with HOME= : not the root folder
        for args in (["init"], ["status"]):
            result = CliRunner().invoke(app, args, catch_exceptions=False)
            assert (result.exit_code, result.stdout, result.stderr) == (1, "", (
                f"error: $HOME is {said}, so there is no default database: pass --db PATH or set "
                "$BUDGETCTL_DB\n"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_db_option_beats_the_environment(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    sqlite_only(db_path)
    other = tmp_path / "other.db"
    cli.ok("--db", str(other), "init")
    cli.ok("--db", str(other), "brand", "add", "Acme", "--daily", "1", "--monthly", "2", now=NOW)
    assert not db_path.exists()
    assert query(other, "SELECT name FROM brand") == [("Acme",)]


def test_sqlite_url(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    sqlite_only(db_path)
    path = tmp_path / "url.db"
    url = f"sqlite:///{path}"
    run = cli.ok("--db", url, "init")
    assert run.stdout == f"created database {path} (schema revision {HEAD_REVISION})\n"
    cli.ok("--db", url, "brand", "add", "Acme", "--daily", "1", "--monthly", "2", now=NOW)
    assert query(path, "SELECT name FROM brand") == [("Acme",)]
    assert json.loads(cli.ok("--db", url, "brand", "list", "--json").stdout)[0]["brand"] == "Acme"
    assert not db_path.exists()


def test_an_empty_db_option_is_refused_not_read_as_the_default(ready: Cli, db_path: Path) -> None:
    # budgetctl --db "$UNSET" must not write to $BUDGETCTL_DB's (or the default) database.
    sqlite_only(db_path)
    before = dump(db_path)
    for empty in ("", "  "):
        run = ready("--db", empty, "brand", "add", "Oops", "--daily", "1", "--monthly", "2", now=NOW)
        assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
            "error: --db is empty: give a database file path or URL (leave --db out for $BUDGETCTL_DB "
            "or the default)\n"))
    assert dump(db_path) == before


def test_an_empty_budgetctl_db_is_refused_not_read_as_the_default(
    cli: Cli, db_path: Path, tmp_path: Path
) -> None:
    # BUDGETCTL_DB=$UNSET in a crontab must not write to the default database instead.
    sqlite_only(db_path)
    default = tmp_path / "xdg" / "budgetctl" / "budget.db"
    cli.ok("--db", str(default), "init")
    before = dump(default)
    for empty in ("", " "):
        run = cli(
            "brand", "add", "Oops", "--daily", "1", "--monthly", "2", now=NOW,
            env={"BUDGETCTL_DB": empty},
        )  # fmt: skip
        assert (run.exit_code, run.stdout, run.stderr) == (
            1,
            "",
            "error: $BUDGETCTL_DB is set but empty: give it a database file path or URL, or unset "
            "it for the default\n",
        )
    assert dump(default) == before
    # --db given: the empty variable is not in the way.
    run = cli("--db", str(default), "brand", "list", env={"BUDGETCTL_DB": ""})
    assert (run.exit_code, run.stdout, run.stderr) == (
        0,
        "no brands yet: add one with 'budgetctl brand add'\n",
        "",
    )


def test_a_file_where_the_database_folder_should_be_is_named(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    sqlite_only(db_path)
    (tmp_path / "spend.csv").write_text("not a folder\n", encoding="utf-8")
    run = cli("--db", str(tmp_path / "spend.csv" / "budget.db"), "init")
    assert (run.exit_code, run.stderr) == (1, (
        f"error: cannot create the folder {tmp_path / 'spend.csv'}: {tmp_path / 'spend.csv'} is a file, "
        "not a folder\n"))
    run = cli("--db", str(tmp_path / "spend.csv" / "sub" / "budget.db"), "init")
    assert (run.exit_code, run.stderr) == (1, (
        f"error: cannot create the folder {tmp_path / 'spend.csv' / 'sub'}: a part of its path is a file, "
        "not a folder\n"))
    assert (tmp_path / "spend.csv").read_text(encoding="utf-8") == "not a folder\n"


def test_a_relative_sqlite_url_is_relative_to_the_working_folder(
    cli: Cli, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqlite_only(db_path)
    monkeypatch.chdir(tmp_path)
    run = cli.ok("--db", "sqlite:///sub dir/rel.db", "init")
    assert run.stdout == (
        f"created database {tmp_path / 'sub dir' / 'rel.db'} (schema revision {HEAD_REVISION})\n"
    )
    cli.ok("--db", "sqlite:///./sub dir/rel.db", "brand", "add", "Acme", "--daily", "1",
           "--monthly", "2", now=NOW)  # fmt: skip
    assert query(tmp_path / "sub dir" / "rel.db", "SELECT name FROM brand") == [("Acme",)]
    run = cli("--db", "sqlite:///missing.db", "brand", "list")
    assert (run.exit_code, run.stderr) == (1, (
        f"error: database {tmp_path / 'missing.db'} does not exist: run 'budgetctl init' to create it "
        "(or pass --db / set $BUDGETCTL_DB)\n"))
    assert not (tmp_path / "missing.db").exists()


# -- the command itself ------------------------------------------------------------------------


def test_version(cli: Cli) -> None:
    run = cli("--version")
    assert (run.exit_code, run.stdout, run.stderr) == (0, f"budgetctl {budgetctl.__version__}\n", "")
    assert budgetctl.__version__ == "0.1.0"


def test_python_dash_m_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "budgetctl", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "budgetctl 0.1.0\n", "")


def _script(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CONSOLE_SCRIPT), *args], capture_output=True, text=True,
                          env={**os.environ, **env}, input=stdin, timeout=60)


def test_console_script_end_to_end(db_path: Path) -> None:
    sqlite_only(db_path)  # about a file that is missing, locked or not yet created
    env = {"BUDGETCTL_DB": str(db_path), "BUDGETCTL_NOW": NOW}
    assert _script("init", env=env).returncode == 0
    proc = _script("brand", "add", "Acme", "--daily", "100", "--monthly", "2500", env=env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "added brand Acme: daily 100.00, monthly 2,500.00 USD, UTC\n", "")
    assert query(db_path, "SELECT name, daily_budget FROM brand") == [("Acme", 100_000_000)]


def test_console_script_error_is_one_line(db_path: Path) -> None:
    sqlite_only(db_path)  # about a file that is missing, locked or not yet created
    proc = _script("brand", "list", env={"BUDGETCTL_DB": str(db_path)})
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == (
        f"error: database {db_path} does not exist: run 'budgetctl init' to create it "
        "(or pass --db / set $BUDGETCTL_DB)\n")
    assert "Traceback" not in proc.stderr
    assert not db_path.exists()


def test_console_script_refusal_changes_nothing(db_path: Path) -> None:
    env = {"BUDGETCTL_DB": str(db_path), "BUDGETCTL_NOW": NOW}
    _script("init", env=env)
    _script("brand", "add", "Acme", "--daily", "100", "--monthly", "2500", env=env)
    before = dump(db_path)
    proc = _script("brand", "add", "acme", "--daily", "1", "--monthly", "1", env=env)
    assert proc.returncode == 1
    assert proc.stderr == "error: brand 'acme' already exists: change it with 'budgetctl brand set'\n"
    assert dump(db_path) == before


def test_console_script_bad_command_line_exits_2(db_path: Path) -> None:
    sqlite_only(db_path)  # about a file that is missing, locked or not yet created
    proc = _script("brand", "add", "Acme", "--daily", "1", env={"BUDGETCTL_DB": str(db_path)})
    assert proc.returncode == 2
    assert proc.stderr == "error: Missing option '--monthly'. (see 'budgetctl brand add --help')\n"
    assert not db_path.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [(["nosuch"], "No such command 'nosuch'. (see 'budgetctl --help')"),
     (["brand", "list", "--limit", "3"], "No such option: --limit (see 'budgetctl brand list --help')"),
     (["brand", "add", "Acme", "--monthly", "1"],
      "Missing option '--daily'. (see 'budgetctl brand add --help')"),
     (["spend", "record", "Acme", "Search", "-5.5"],
      "-5.5 reads as an option: a negative amount goes after --, as in 'budgetctl spend record ... -- -5.5'"),
     (["spend", "record", "Acme", "Search", "-.5", "--note", "refund"],
      "-.5 reads as an option: a negative amount goes after --, as in 'budgetctl spend record ... -- -.5'"),
     # An option's value does not go after "--": joined to the option it does.
     (["brand", "set", "Acme", "--daily", "--", "-5"],
      "-5 reads as an option: give a negative value joined to its option, as in "
      "'budgetctl brand set ... --daily=-5'"),
     # Another word is the unknown option: that is the error, whatever follows it.
     (["brand", "set", "Acme", "--daily", "5", "--json", "-5"],
      "No such option: --json (see 'budgetctl brand set --help')"),
     # No amount to put after "--" here: the number is just no option of the command.
     (["spend", "list", "--json", "-5"], "No such option: -5 (see 'budgetctl spend list --help')"),
     # budgetctl's own --db after the command: say where it goes.
     (["status", "--db", "other.db"],
      "--db is an option of budgetctl itself: put it before the command, as in "
      "'budgetctl --db FILE status ...' (or set $BUDGETCTL_DB)"),
     (["spend", "import", "--db=other.db", "-"],
      "--db is an option of budgetctl itself: put it before the command, as in "
      "'budgetctl --db FILE spend import ...' (or set $BUDGETCTL_DB)")],
    ids=["command", "option", "missing", "negative", "negative-fraction", "negative-option",
         "unknown-before-negative", "negative-without-amount", "db-after-command",
         "db-joined-after-command"],
)
def test_bad_command_line_exits_2(acme: Cli, db_path: Path, args: list[str], message: str) -> None:
    refused(acme, db_path, *args, message=message, code=2)


def test_debug_shows_the_traceback(db_path: Path) -> None:
    sqlite_only(db_path)  # about a file that is missing, locked or not yet created
    proc = _script("brand", "list", env={"BUDGETCTL_DB": str(db_path), "BUDGETCTL_DEBUG": "1"})
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert proc.stderr.rstrip().splitlines()[-1] == (
        f"budgetctl.domain.errors.DatabaseError: database {db_path} does not exist: run "
        "'budgetctl init' to create it (or pass --db / set $BUDGETCTL_DB)")


# -- a busy database ------------------------------------------------------------------------

_HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
conn.close()
"""


def test_busy_database_fails_cleanly(spent: Cli, db_path: Path) -> None:
    sqlite_only(db_path)  # about a file that is missing, locked or not yet created
    before = dump(db_path)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(db_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline() == "locked\n"
        run = spent("spend", "record", "Acme", "Search", "5", now=NOW,
                    env={"BUDGETCTL_BUSY_TIMEOUT": "0.5"})
        assert run.exit_code == 1
        assert run.stderr == f"error: {BUSY_MESSAGE}\n"
        assert run.stdout == ""
        # Readers never wait for writers.
        listing = spent("brand", "list", "--json", env={"BUDGETCTL_BUSY_TIMEOUT": "0.5"})
        assert listing.exit_code == 0
        assert json.loads(listing.stdout)[0]["brand"] == "Acme"
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert dump(db_path) == before
    # Once the lock is gone the same command goes through.
    spent.ok("spend", "record", "Acme", "Search", "5", now=NOW)
    assert query(db_path, "SELECT amount FROM spend_entry ORDER BY id") == [
        (12_500_000,), (5_000_000,)]


def test_a_currency_change_says_the_budgets_are_not_converted(acme: Cli, db_path: Path) -> None:
    assert acme.ok("brand", "set", "Acme", "--currency", "jpy", now=NOW).lines == [
        "currency USD -> JPY (budgets not converted: daily 100.00, monthly 2,500.00 JPY)"]
    assert acme.ok("brand", "set", "Acme", "--currency", "eur", "--daily", "90", now=NOW).lines == [
        "daily budget 100.00 -> 90.00",
        "currency JPY -> EUR (budgets not converted: daily 90.00, monthly 2,500.00 EUR)"]
    # Both budgets given with the new currency: nothing left unconverted to mention.
    run = acme.ok("brand", "set", "Acme", "--currency", "usd", "--daily", "80", "--monthly", "none", now=NOW)
    assert run.lines == ["daily budget 90.00 -> 80.00", "monthly budget 2,500.00 -> none", "currency EUR -> USD"]
    assert query(db_path, "SELECT message FROM event WHERE kind = 'brand.currency' ORDER BY id") == [
        ("currency USD -> JPY (budgets not converted: daily 100.00, monthly 2,500.00 JPY)",),
        ("currency JPY -> EUR (budgets not converted: daily 90.00, monthly 2,500.00 EUR)",),
        ("currency EUR -> USD",)]


def test_brand_set_names_a_sub_cent_change_exactly(acme: Cli, db_path: Path) -> None:
    run = acme.ok("brand", "set", "Acme", "--monthly", "2500.000001", "--daily", "90", now=NOW)
    assert run.lines == ["daily budget 100.00 -> 90.00", "monthly budget 2500.00 -> 2500.000001"]
    assert query(db_path, "SELECT message FROM event WHERE kind = 'brand.budget' ORDER BY id") == [
        ("daily budget 100.00 -> 90.00",), ("monthly budget 2500.00 -> 2500.000001",)]
    # A budget that two decimals would round is shown exactly, whatever it changes from.
    assert acme.ok("brand", "set", "Acme", "--daily", "14.999999", now=NOW).lines == [
        "daily budget 90.00 -> 14.999999"]
    assert acme.ok("brand", "set", "Acme", "--daily", "none", now=NOW).lines == [
        "daily budget 14.999999 -> none"]


def test_an_option_given_twice_takes_its_last_value(ready: Cli) -> None:
    # As README says: a wrapper script can append an override.
    run = ready.ok("brand", "add", "New", "--daily", "5", "--monthly", "10", "--daily", "6", now=NOW)
    assert run.stdout == "added brand New: daily 6.00, monthly 10.00 USD, UTC\n"
