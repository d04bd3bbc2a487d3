"""The spend ledger through the real CLI: ``spend record``, ``spend list``, ``history``.

Every test runs the real command on a real temporary SQLite file, with time given
only through ``now=`` ($BUDGETCTL_NOW), and checks the database itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Cli, both_engines, dump, engine_db, execute, is_url, query

NOW = "2026-11-25T12:00:00+00:00"


@pytest.fixture(params=both_engines())
def db_path(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Every test here runs on SQLite and, when a server is given, on PostgreSQL."""
    return engine_db(request, tmp_path)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def us(at: datetime) -> int:
    """An aware instant as integer microseconds since the epoch (the stored form)."""
    return (at - EPOCH) // (datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - EPOCH)


def acme(cli: Cli, tz: str = "UTC", *, daily: str = "100", monthly: str = "1000", now: str = NOW) -> None:
    cli.ok("brand", "add", "Acme", "--daily", daily, "--monthly", monthly, "--tz", tz, now=now)
    cli.ok("campaign", "add", "Acme", "Search", now=now)


def entries(db: Path) -> list[tuple[object, ...]]:
    return query(
        db,
        "SELECT c.name, s.amount, s.occurred_at, s.recorded_at, s.source, s.actor, s.note, s.idem_key "
        "FROM spend_entry s JOIN campaign c ON c.id = s.campaign_id ORDER BY s.id",
    )


# -- recording ------------------------------------------------------------------------------


def test_a_time_that_is_not_a_whole_minute_is_echoed_to_the_second(ready: Cli, db_path: Path) -> None:
    acme(ready)
    run = ready.ok("spend", "record", "Acme", "Search", "1", "--at", "2026-11-25T11:04:59+00:00", now=NOW)
    assert run.lines == ["recorded 1.00 USD on Acme / Search at 2026-11-25T11:04:59+00:00 (entry #1)"]
    run = ready.ok("spend", "record", "Acme", "Search", "1", "--at", "2026-11-25T11:05:00+00:00", now=NOW)
    assert run.lines == ["recorded 1.00 USD on Acme / Search at 2026-11-25T11:05+00:00 (entry #2)"]


def test_record_appends_integer_micros_with_actor(ready: Cli, db_path: Path) -> None:
    acme(ready)
    run = ready.ok("spend", "record", "Acme", "Search", "12.5", "--note", "invoice 4411", now=NOW)
    assert run.lines == ["recorded 12.50 USD on Acme / Search at 2026-11-25T12:00+00:00 (entry #1)"]
    run = ready.ok("spend", "record", "Acme", "Search", "0.000001", now=NOW)
    assert run.lines == ["recorded 0.000001 USD on Acme / Search at 2026-11-25T12:00+00:00 (entry #2)"]
    t = us(datetime(2026, 11, 25, 12, tzinfo=UTC))
    assert entries(db_path) == [
        ("Search", 12_500_000, t, t, "manual", "tester", "invoice 4411", None),
        ("Search", 1, t, t, "manual", "tester", None, None),
    ]
    if is_url(db_path):
        assert query(
            db_path,
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'spend_entry' AND column_name = 'amount'",
        ) == [("bigint",)]
    else:
        assert query(db_path, "SELECT typeof(amount) FROM spend_entry") == [
            ("integer",), ("integer",)
        ]


def test_negative_amount_after_double_dash_is_a_correction(ready: Cli, db_path: Path) -> None:
    acme(ready)
    ready.ok("spend", "record", "Acme", "Search", "40", now=NOW)
    run = ready.ok("spend", "record", "Acme", "Search", "--note", "refund", "--", "-12.50", now=NOW)
    assert run.lines == ["recorded -12.50 USD on Acme / Search at 2026-11-25T12:00+00:00 (entry #2)"]
    assert [e[1] for e in entries(db_path)] == [40_000_000, -12_500_000]
    status = json.loads(ready.ok("status", "--json", now=NOW).stdout)
    assert (status[0]["daily_spend"], status[0]["monthly_spend"]) == ("27.50", "27.50")


def test_same_key_same_amount_records_once(ready: Cli, db_path: Path) -> None:
    acme(ready)
    first = ready.ok("spend", "record", "Acme", "Search", "12.50", "--key", "inv-4411", now=NOW)
    assert first.lines == ["recorded 12.50 USD on Acme / Search at 2026-11-25T12:00+00:00 (entry #1)"]
    again = ready.ok("spend", "record", "Acme", "search", "12.500", "--key", "inv-4411", now=NOW)
    assert again.lines == [
        "already recorded as entry #1 (key inv-4411): 12.50 USD on Acme / Search; nothing written"
    ]
    t = us(datetime(2026, 11, 25, 12, tzinfo=UTC))
    assert entries(db_path) == [("Search", 12_500_000, t, t, "manual", "tester", None, "manual:inv-4411")]


def test_same_key_other_amount_is_refused(ready: Cli, db_path: Path) -> None:
    acme(ready)
    ready.ok("spend", "record", "Acme", "Search", "12.50", "--key", "inv-4411", now=NOW)
    before = dump(db_path)
    run = ready("spend", "record", "Acme", "Search", "13", "--key", "inv-4411", now=NOW)
    assert run.exit_code == 1
    assert run.stdout == ""
    assert run.stderr == (
        "error: key 'inv-4411' was already used for 12.50 on Acme / Search (entry #1): a retry must "
        "repeat the same campaign and amount; use a new key for a new entry\n"
    )
    assert dump(db_path) == before


def test_same_key_for_an_amount_two_decimals_cannot_tell_apart_says_both_exactly(
    ready: Cli, db_path: Path
) -> None:
    ready.ok("brand", "add", "Kuwait", "--daily", "none", "--monthly", "none", "--currency", "KWD", now=NOW)
    ready.ok("campaign", "add", "Kuwait", "Search", now=NOW)
    run = ready.ok("spend", "record", "Kuwait", "Search", "10.001", "--key", "k", now=NOW)
    assert run.stdout == "recorded 10.001 KWD on Kuwait / Search at 2026-11-25T12:00+00:00 (entry #1)\n"
    before = dump(db_path)
    run = ready("spend", "record", "Kuwait", "Search", "10.004", "--key", "k", now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
        "error: key 'k' was already used for 10.001 on Kuwait / Search (entry #1): a retry must "
        "repeat the same campaign and amount; use a new key for a new entry\n"))
    assert dump(db_path) == before
    run = ready.ok("spend", "record", "Kuwait", "Search", "--", "-0.000001", now=NOW)
    assert run.stdout == "recorded -0.000001 KWD on Kuwait / Search at 2026-11-25T12:00+00:00 (entry #2)\n"
    assert query(db_path, "SELECT message FROM event WHERE kind = 'spend.correction'") == [
        ("correction -0.000001 KWD (entry #2)",)]


def test_same_key_other_campaign_is_refused(ready: Cli, db_path: Path) -> None:
    acme(ready)
    ready.ok("campaign", "add", "Acme", "Display", now=NOW)
    ready.ok("spend", "record", "Acme", "Search", "12.50", "--key", "k", now=NOW)
    before = dump(db_path)
    run = ready("spend", "record", "Acme", "Display", "12.50", "--key", "k", now=NOW)
    assert run.exit_code == 1
    assert run.stderr.startswith("error: key 'k' was already used for 12.50 on Acme / Search (entry #1)")
    assert dump(db_path) == before


def test_same_key_other_at_is_refused_and_a_retry_without_at_is_not(ready: Cli, db_path: Path) -> None:
    acme(ready)
    ready.ok("spend", "record", "Acme", "Search", "12.50", "--key", "k", "--at", "2026-11-24", now=NOW)
    before = dump(db_path)
    run = ready("spend", "record", "Acme", "Search", "12.50", "--key", "k", "--at", "2026-11-20", now=NOW)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == (
        "error: key 'k' was already used for an entry at 2026-11-24T00:00+00:00 on Acme / Search "
        "(entry #1): a retry must repeat the same --at; use a new key for a new entry\n"
    )
    assert dump(db_path) == before
    # The same --at, or none (a retry cannot repeat "now"), is the same entry.
    for extra in (("--at", "2026-11-24T00:00:00Z"), ()):
        again = ready.ok("spend", "record", "Acme", "Search", "12.50", "--key", "k", *extra, now=NOW)
        assert again.lines == [
            "already recorded as entry #1 (key k): 12.50 USD on Acme / Search; nothing written"]
    assert [e[1] for e in entries(db_path)] == [12_500_000]


def test_a_retry_by_date_after_the_brand_s_zone_changed_is_the_same_entry(ready: Cli, db_path: Path) -> None:
    acme(ready)
    ready.ok("spend", "record", "Acme", "Search", "5", "--key", "k", "--at", "2026-11-24", now=NOW)
    ready.ok("brand", "set", "Acme", "--tz", "Europe/Paris", now=NOW)
    again = ready.ok("spend", "record", "Acme", "Search", "5", "--key", "k", "--at", "2026-11-24", now=NOW)
    assert again.lines == ["already recorded as entry #1 (key k): 5.00 USD on Acme / Search; nothing written"]
    # Another day, both given as this zone's dates, is another entry.
    ready.ok("spend", "record", "Acme", "Search", "5", "--key", "p", "--at", "2026-11-24", now=NOW)
    run = ready("spend", "record", "Acme", "Search", "5", "--key", "p", "--at", "2026-11-23", now=NOW)
    assert run.stderr == (
        "error: key 'p' was already used for an entry at 2026-11-24T00:00+01:00 on Acme / Search "
        "(entry #2): a retry must repeat the same --at; use a new key for a new entry\n"
    )
    assert [e[1] for e in entries(db_path)] == [5_000_000, 5_000_000]


def test_a_retry_by_date_of_another_day_is_refused_even_within_a_day_of_the_entry(
        ready: Cli, db_path: Path) -> None:
    acme(ready)
    # A time of day (it is some zone's midnight of the 25th, never this brand's).
    ready.ok("spend", "record", "Acme", "Search", "5", "--key", "t", "--at", "2026-11-24T15:00Z", now=NOW)
    # A date in UTC, then the brand moves to Paris: the 25th there is 23 hours later.
    ready.ok("spend", "record", "Acme", "Search", "5", "--key", "d", "--at", "2026-11-24", now=NOW)
    ready.ok("brand", "set", "Acme", "--tz", "Europe/Paris", now=NOW)
    before = dump(db_path)
    for key, first, n in (("t", "2026-11-24T16:00+01:00", 1), ("d", "2026-11-24T01:00+01:00", 2)):
        run = ready("spend", "record", "Acme", "Search", "5", "--key", key, "--at", "2026-11-25", now=NOW)
        assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
            f"error: key '{key}' was already used for an entry at {first} on Acme / Search "
            f"(entry #{n}): a retry must repeat the same --at; use a new key for a new entry\n"))
    assert dump(db_path) == before
    # The day the date-keyed entry was recorded for is still the same entry.
    again = ready.ok("spend", "record", "Acme", "Search", "5", "--key", "d", "--at", "2026-11-24", now=NOW)
    assert again.lines == ["already recorded as entry #2 (key d): 5.00 USD on Acme / Search; nothing written"]
    assert [e[1] for e in entries(db_path)] == [5_000_000, 5_000_000]


def test_a_retry_by_date_after_a_zone_change_matches_a_day_that_began_at_one_o_clock(
        ready: Cli, db_path: Path) -> None:
    # Havana skips midnight into 2026-03-08: that day began at 01:00, where its date landed.
    now = "2026-03-10T12:00:00+00:00"
    acme(ready, "America/Havana", now=now)
    first = ready.ok("spend", "record", "Acme", "Search", "5", "--key", "h", "--at", "2026-03-08", now=now)
    assert first.lines == ["recorded 5.00 USD on Acme / Search at 2026-03-08T01:00-04:00 (entry #1)"]
    ready.ok("brand", "set", "Acme", "--tz", "UTC", now=now)
    again = ready.ok("spend", "record", "Acme", "Search", "5", "--key", "h", "--at", "2026-03-08", now=now)
    assert again.lines == ["already recorded as entry #1 (key h): 5.00 USD on Acme / Search; nothing written"]
    before = dump(db_path)
    other = ready("spend", "record", "Acme", "Search", "5", "--key", "h", "--at", "2026-03-09", now=now)
    assert (other.exit_code, other.stderr) == (1, (
        "error: key 'h' was already used for an entry at 2026-03-08T05:00+00:00 on Acme / Search "
        "(entry #1): a retry must repeat the same --at; use a new key for a new entry\n"))
    assert dump(db_path) == before
    assert [e[1] for e in entries(db_path)] == [5_000_000]


def test_at_a_date_is_midnight_in_the_brand_zone(ready: Cli, db_path: Path) -> None:
    acme(ready, "Asia/Tokyo")
    run = ready.ok("spend", "record", "Acme", "Search", "5", "--at", "2026-11-24", now=NOW)
    assert run.lines == ["recorded 5.00 USD on Acme / Search at 2026-11-24T00:00+09:00 (entry #1)"]
    assert query(db_path, "SELECT occurred_at, recorded_at FROM spend_entry") == [
        (us(datetime(2026, 11, 23, 15, tzinfo=UTC)), us(datetime(2026, 11, 25, 12, tzinfo=UTC)))
    ]


def test_at_a_local_datetime_is_in_the_brand_zone(ready: Cli, db_path: Path) -> None:
    acme(ready, "America/New_York")
    run = ready.ok("spend", "record", "Acme", "Search", "5", "--at", "2026-11-25T06:30", now=NOW)
    assert run.lines == ["recorded 5.00 USD on Acme / Search at 2026-11-25T06:30-05:00 (entry #1)"]
    assert query(db_path, "SELECT occurred_at FROM spend_entry") == [
        (us(datetime(2026, 11, 25, 11, 30, tzinfo=UTC)),)
    ]


def test_at_an_offset_datetime_is_that_instant(ready: Cli, db_path: Path) -> None:
    acme(ready, "America/New_York")
    run = ready.ok("spend", "record", "Acme", "Search", "5", "--at", "2026-11-25T10:00:00+01:00", now=NOW)
    assert run.lines == ["recorded 5.00 USD on Acme / Search at 2026-11-25T04:00-05:00 (entry #1)"]
    assert query(db_path, "SELECT occurred_at FROM spend_entry") == [
        (us(datetime(2026, 11, 25, 9, tzinfo=UTC)),)
    ]


def test_at_five_minutes_ahead_is_accepted(ready: Cli, db_path: Path) -> None:
    acme(ready)
    run = ready.ok("spend", "record", "Acme", "Search", "5", "--at", "2026-11-25T12:05", now=NOW)
    assert run.lines == ["recorded 5.00 USD on Acme / Search at 2026-11-25T12:05+00:00 (entry #1)"]
    assert query(db_path, "SELECT occurred_at FROM spend_entry") == [
        (us(datetime(2026, 11, 25, 12, 5, tzinfo=UTC)),)
    ]


NUMBER_HINT = (
    "is not a decimal number: use digits with an optional '.' and at most 6 decimals, such as "
    "12.50 (no exponents, NaN or infinity)"
)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["Acme", "Search", "abc"], f"amount 'abc' {NUMBER_HINT}"),
        (["Acme", "Search", "NaN"], f"amount 'NaN' {NUMBER_HINT}"),
        (["Acme", "Search", "inf"], f"amount 'inf' {NUMBER_HINT}"),
        (["Acme", "Search", "1e2"], f"amount '1e2' {NUMBER_HINT}"),
        (["Acme", "Search", "١٢"], f"amount '١٢' {NUMBER_HINT}"),  # Arabic-Indic digits
        (["Acme", "Search", "１２.５"], f"amount '１２.５' {NUMBER_HINT}"),  # full-width
        (
            ["Acme", "Search", "0.0000001"],
            "amount '0.0000001' has more than 6 decimals: the smallest amount is 0.000001",
        ),
        (["Acme", "Search", ""], "amount is empty: give a decimal number such as 12.50"),
        (
            ["Acme", "Search", "1000000000000"],
            "amount '1000000000000' is too large: 999,999,999,999.999999 at most",
        ),
        (["Nope", "Search", "1"], "no brand named 'Nope': 'budgetctl brand list' shows the brands"),
        (
            ["Acme", "Nope", "1"],
            "brand 'Acme' has no campaign named 'Nope': 'budgetctl campaign list --brand Acme' "
            "shows its campaigns",
        ),
        (  # 13:10 in Berlin is 12:10Z: 10 minutes after now
            ["Acme", "Search", "1", "--at", "2026-11-25T13:10"],
            "--at '2026-11-25T13:10' is 10 min in the future: spend can be recorded at most "
            "5 minutes ahead",
        ),
        (
            ["Acme", "Search", "1", "--at", "2026-11-25T12:05:01+00:00"],
            "--at '2026-11-25T12:05:01+00:00' is 5 min 1 s in the future: spend can be recorded at "
            "most 5 minutes ahead",
        ),
        (  # rounded up: a microsecond past the limit is not "5 min in the future"
            ["Acme", "Search", "1", "--at", "2026-11-25T12:05:00.000001+00:00"],
            "--at '2026-11-25T12:05:00.000001+00:00' is 5 min 1 s in the future: spend can be "
            "recorded at most 5 minutes ahead",
        ),
        (["Acme", "Search", "1", "--at", "2026-02-30"], "--at '2026-02-30' is not a valid date"),
        (
            ["Acme", "Search", "1", "--at", "garbage"],
            "--at 'garbage' is not a date or time: use 2026-11-25, 2026-11-25T14:30 (brand's local "
            "time) or 2026-11-25T14:30:00+01:00",
        ),
        (
            ["Acme", "Search", "1", "--at", "2026-03-29T02:30"],
            "--at '2026-03-29T02:30' does not exist in Europe/Berlin (a daylight-saving change skips "
            "it): give the time with its UTC offset",
        ),
    ],
    ids=[
        "abc", "nan", "inf", "exponent", "arabic-indic", "full-width", "7-decimals", "empty", "too-large", "unknown-brand",
        "unknown-campaign",
        "10-min-ahead", "just-over-5-min", "a-microsecond-over", "feb-30", "garbage", "dst-gap",
    ],
)
def test_record_refusals_change_nothing(ready: Cli, db_path: Path, args: list[str], error: str) -> None:
    acme(ready, "Europe/Berlin")
    ready.ok("spend", "record", "Acme", "Search", "1", now=NOW)
    before = dump(db_path)
    run = ready("spend", "record", *args, now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", f"error: {error}\n")
    assert dump(db_path) == before


def test_a_date_is_its_day_s_first_instant_and_a_day_a_zone_skipped_is_refused(
    ready: Cli, db_path: Path
) -> None:
    for brand, tz in (("Samoa", "Pacific/Apia"), ("Chile", "America/Santiago")):
        ready.ok("brand", "add", brand, "--daily", "none", "--monthly", "none", "--tz", tz, now=NOW)
        ready.ok("campaign", "add", brand, "Search", now=NOW)
    before = dump(db_path)
    run = ready("spend", "record", "Samoa", "Search", "5", "--at", "2011-12-30", now=NOW)
    assert (run.exit_code, run.stderr) == (1, (
        "error: --at '2011-12-30': that day does not exist in Pacific/Apia (the zone skipped it)\n"))
    assert dump(db_path) == before
    # Chile's 2026-09-06 begins at 01:00 (its midnight is skipped); both ways of writing it.
    for day in ("2026-09-06", "20260906"):
        run = ready.ok("spend", "record", "Chile", "Search", "5", "--at", day, now=NOW)
        assert run.stdout.startswith("recorded 5.00 USD on Chile / Search at 2026-09-06T01:00-03:00 ")
    run = ready.ok("spend", "record", "Samoa", "Search", "5", "--at", "2011-12-31", now=NOW)
    assert run.stdout.startswith("recorded 5.00 USD on Samoa / Search at 2011-12-31T00:00+14:00 ")


def test_the_largest_amounts_sum_without_overflow(ready: Cli, db_path: Path) -> None:
    acme(ready)
    for _ in range(9):
        ready.ok("spend", "record", "Acme", "Search", "999999999999.999999", now=NOW)
    ready.ok("enforce", "--now", NOW)
    [row] = json.loads(ready.ok("status", "--json", "--now", NOW).stdout)
    assert (row["daily_spend"], row["monthly_spend"]) == ("8999999999999.999991",) * 2
    # A tenth would take the day past the 64-bit totals: refused, with nothing written, on
    # both engines (PostgreSQL sums bigints as numeric; a later reset could not keep its day).
    before = dump(db_path)
    run = ready("spend", "record", "Acme", "Search", "999999999999.999999", now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
        "error: amounts too large: a total would pass the largest budgetctl keeps "
        "(9,223,372,036,854.775807); nothing was written\n"
    ))
    assert dump(db_path) == before


@pytest.mark.parametrize("at", ["2026-10-15", "2026-11-03"], ids=["past-month", "past-day"])
def test_a_past_period_past_64_bits_is_refused_too(ready: Cli, db_path: Path, at: str) -> None:
    # Evaluating at now adds up only today and this month; spend dated in another day or
    # month took that period past 64 bits unrefused, and every reset after failed, for all
    # brands ("amounts too large").
    acme(ready)
    ready.ok("brand", "add", "Other", "--daily", "10", "--monthly", "100", now=NOW)
    ready.ok("campaign", "add", "Other", "o", now=NOW)
    for _ in range(9):
        ready.ok("spend", "record", "Acme", "Search", "999999999999.999999", "--at", at, now=NOW)
    before = dump(db_path)
    run = ready("spend", "record", "Acme", "Search", "999999999999.999999", "--at", at, now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
        "error: amounts too large: a total would pass the largest budgetctl keeps "
        "(9,223,372,036,854.775807); nothing was written\n"
    ))
    assert dump(db_path) == before
    ready.ok("reset", "--now", NOW)


def test_ten_tenths_make_exactly_one(ready: Cli, db_path: Path) -> None:
    acme(ready)
    for _ in range(10):
        ready.ok("spend", "record", "Acme", "Search", "0.1", now=NOW)
    assert query(db_path, "SELECT SUM(amount), COUNT(*) FROM spend_entry") == [(1_000_000, 10)]
    status = json.loads(ready.ok("status", "--json", now=NOW).stdout)
    assert status[0]["daily_spend"] == "1.00"
    assert status[0]["monthly_spend"] == "1.00"


# -- history -----------------------------------------------------------------------------


def test_history_shows_duplicates_and_corrections(ready: Cli, db_path: Path | str) -> None:
    acme(ready)
    ready.ok("spend", "record", "Acme", "Search", "12.50", "--key", "inv-1", now=NOW)
    ready.ok("spend", "record", "Acme", "Search", "12.50", "--key", "inv-1", now="2026-11-25T12:01:00+00:00")
    ready.ok(
        "spend", "record", "Acme", "Search", "--note", "refund", "--", "-2.50",
        now="2026-11-25T12:02:00+00:00",
    )
    events = json.loads(ready.ok("history", "--brand", "Acme", "--json").stdout)
    assert [(e["at"], e["actor"], e["command"], e["kind"], e["campaign"], e["message"]) for e in events] == [
        ("2026-11-25T12:00:00+00:00", "tester", "brand add", "brand.created", None,
         "created: daily 100.00, monthly 1,000.00, UTC, USD"),
        ("2026-11-25T12:00:00+00:00", "tester", "campaign add", "campaign.created", "Search", "created"),
        ("2026-11-25T12:01:00+00:00", "tester", "spend record", "spend.duplicate", "Search",
         "duplicate of entry #1 (key 'inv-1') not recorded again"),
        ("2026-11-25T12:02:00+00:00", "tester", "spend record", "spend.correction", "Search",
         "correction -2.50 USD (entry #2): refund"),
    ]
    # The amount is stored as micros and shown as decimal text, as every amount is in JSON.
    assert events[3]["detail"] == {"amount": "-2.50", "entry": 2}
    assert query(db_path, "SELECT detail FROM event WHERE kind = 'spend.correction'") == [
        ('{"amount": -2500000, "entry": 2}',)
    ]


def test_the_smallest_negative_amount_is_one_correction_and_zero_is_none(
    ready: Cli, db_path: Path | str
) -> None:
    acme(ready)
    ready.ok("spend", "record", "Acme", "Search", "0", now=NOW)
    run = ready.ok("spend", "record", "Acme", "Search", "--", "-0.000001", now=NOW)
    assert run.lines == ["recorded -0.000001 USD on Acme / Search at 2026-11-25T12:00+00:00 (entry #2)"]
    assert [e[1] for e in entries(db_path)] == [0, -1]
    events = json.loads(ready.ok("history", "--brand", "Acme", "--json").stdout)
    assert [(e["command"], e["kind"], e["campaign"], e["message"], e["detail"])
            for e in events if e["kind"].startswith("spend.")] == [
        ("spend record", "spend.correction", "Search", "correction -0.000001 USD (entry #2)",
         {"amount": "-0.000001", "entry": 2}),
    ]
    assert query(db_path, "SELECT detail FROM event WHERE kind = 'spend.correction'") == [
        ('{"amount": -1, "entry": 2}',)
    ]


def test_history_json_shows_every_amount_in_a_detail_as_decimal_text(ready: Cli, db_path: Path | str) -> None:
    """Money in a detail is kept as micros under an amount, spend or budget key (or one ending
    in _amount, _spend, _budget), at any depth; ids, counts and other numbers stay numbers."""
    acme(ready)
    detail = {
        "batch": 7, "rows": 3, "net_amount": 1_234_500_000, "spend": 1, "daily_budget": None,
        "budget": {"from": 300_000_000, "to": 0}, "entries": [1, 2], "files": ["a.csv"], "held": True,
    }
    execute(db_path, "INSERT INTO event (at, actor, command, kind, brand_id, campaign_id, brand, campaign, "
            f"message, detail) VALUES ({us(datetime(2026, 11, 25, 13, tzinfo=UTC))}, 'tester', 'x', "
            f"'test', 1, NULL, 'Acme', NULL, 'm', '{json.dumps(detail)}')")
    events = json.loads(ready.ok("history", "--brand", "Acme", "--json").stdout)
    assert events[-1]["detail"] == {
        "batch": 7, "rows": 3, "net_amount": "1234.50", "spend": "0.000001", "daily_budget": None,
        "budget": {"from": "300.00", "to": "0.00"}, "entries": [1, 2], "files": ["a.csv"], "held": True,
    }


def test_history_records_the_pause_caused_by_spend(ready: Cli) -> None:
    acme(ready, "America/New_York")
    run = ready.ok("spend", "record", "Acme", "Search", "100", now=NOW)
    assert run.lines == [
        "recorded 100.00 USD on Acme / Search at 2026-11-25T07:00-05:00 (entry #1)",
        "Acme / Search: active -> paused (daily_budget)",
    ]
    events = json.loads(ready.ok("history", "--campaign", "Search", "--json").stdout)
    state = [e for e in events if e["kind"] == "state"]
    assert [(e["command"], e["message"], e["detail"]) for e in state] == [
        (
            "spend record",
            "active -> paused: daily budget: 100.00 of 100.00 spent on 2026-11-25 (America/New_York)",
            {
                "from": "active",
                "to": "paused",
                "reasons": ["daily_budget"],
                "figures": ["daily budget: 100.00 of 100.00 spent on 2026-11-25 (America/New_York)"],
            },
        )
    ]


# -- listing ------------------------------------------------------------------------------


@pytest.fixture
def ledger(ready: Cli) -> Cli:
    """Two brands, three campaigns, entries over three days."""
    ready.ok("brand", "add", "Acme", "--daily", "none", "--monthly", "none", "--tz", "America/New_York", now=NOW)
    ready.ok("brand", "add", "Zeta", "--daily", "none", "--monthly", "none", now=NOW)
    ready.ok("campaign", "add", "Acme", "Search", now=NOW)
    ready.ok("campaign", "add", "Acme", "Display", now=NOW)
    ready.ok("campaign", "add", "Zeta", "Search", now=NOW)
    rows = [
        ("Acme", "Search", "10", "2026-11-23T10:00"),  # 15:00Z
        ("Acme", "Display", "20", "2026-11-24T23:30"),  # 04:30Z on the 25th
        ("Zeta", "Search", "30", "2026-11-24T12:00"),
        ("Acme", "Search", "40", "2026-11-25T06:00"),  # 11:00Z
    ]
    for brand, campaign, amount, at in rows:
        ready.ok("spend", "record", brand, campaign, amount, "--at", at, now=NOW)
    return ready


def listed(cli: Cli, *args: str) -> list[tuple[int, str, str, str, str]]:
    items = json.loads(cli.ok("spend", "list", "--json", *args).stdout)
    return [(e["id"], e["brand"], e["campaign"], e["amount"], e["occurred_at"]) for e in items]


def test_spend_list_json_objects(ledger: Cli) -> None:
    items = json.loads(ledger.ok("spend", "list", "--json", "--limit", "1").stdout)
    assert items == [
        {
            "id": 4,
            "brand": "Acme",
            "campaign": "Search",
            "amount": "40.00",
            "currency": "USD",
            "occurred_at": "2026-11-25T06:00:00-05:00",
            "recorded_at": "2026-11-25T12:00:00+00:00",
            "source": "manual",
            "batch": None,
            "actor": "tester",
            "note": None,
            "key": None,
        }
    ]


def test_spend_list_filters(ledger: Cli) -> None:
    assert listed(ledger) == [
        (1, "Acme", "Search", "10.00", "2026-11-23T10:00:00-05:00"),
        (3, "Zeta", "Search", "30.00", "2026-11-24T12:00:00+00:00"),
        (2, "Acme", "Display", "20.00", "2026-11-24T23:30:00-05:00"),
        (4, "Acme", "Search", "40.00", "2026-11-25T06:00:00-05:00"),
    ]
    assert [e[0] for e in listed(ledger, "--brand", "Acme")] == [1, 2, 4]
    assert [e[0] for e in listed(ledger, "--brand", "acme", "--campaign", "search")] == [1, 4]
    assert [e[0] for e in listed(ledger, "--campaign", "Search")] == [1, 3, 4]
    # Dates are brand days with --brand: the 24th in New York ends at 05:00Z on the 25th.
    assert [e[0] for e in listed(ledger, "--brand", "Acme", "--since", "2026-11-24")] == [2, 4]
    assert [e[0] for e in listed(ledger, "--brand", "Acme", "--until", "2026-11-24")] == [1, 2]
    # The 8-digit form of a date is the same whole day.
    assert [e[0] for e in listed(ledger, "--brand", "Acme", "--until", "20261124")] == [1, 2]
    assert [e[0] for e in listed(ledger, "--brand", "Acme", "--since", "20261124", "--until", "20261124")] == [2]
    assert [e[0] for e in listed(ledger, "--brand", "Acme", "--since", "2026-11-24", "--until", "2026-11-24")] == [2]
    # Without --brand, dates are UTC days.
    assert [e[0] for e in listed(ledger, "--since", "2026-11-25")] == [2, 4]
    assert [e[0] for e in listed(ledger, "--until", "2026-11-24T12:00:00+00:00")] == [1]
    # --limit keeps the newest, listed oldest first.
    assert [e[0] for e in listed(ledger, "--limit", "2")] == [2, 4]
    # A --limit past any 64-bit integer lists them all.
    assert [e[0] for e in listed(ledger, "--limit", "99999999999999999999")] == [1, 3, 2, 4]


def test_spend_list_table_and_empty(ready: Cli) -> None:
    acme(ready)
    assert ready.ok("spend", "list").lines == ["no spend recorded"]
    assert ready.ok("spend", "list", "--brand", "Acme").lines == ["no spend matches"]
    ready.ok("spend", "record", "Acme", "Search", "1234.5", "--note", "[red]x", now=NOW)
    lines = ready.ok("spend", "list").lines
    assert len(lines) == 2
    assert lines[1].split() == ["1", "2026-11-25", "12:00", "Acme", "Search", "1,234.50", "USD", "manual", "tester", "[red]x"]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--brand", "Nope"], "no brand named 'Nope': 'budgetctl brand list' shows the brands"),
        (["--campaign", "Nope"],
         "no campaign named 'Nope': 'budgetctl campaign list' shows the campaigns"),
        (["--brand", "Acme", "--campaign", "Nope"],
         "brand 'Acme' has no campaign named 'Nope': 'budgetctl campaign list --brand Acme' shows "
         "its campaigns"),
        (["--limit", "0"], "--limit must be 1 or more"),
        (
            ["--since", "garbage"],
            "--since 'garbage' is not a date or time: use 2026-11-25, 2026-11-25T14:30 (brand's "
            "local time) or 2026-11-25T14:30:00+01:00",
        ),
    ],
)
def test_spend_list_refusals(ledger: Cli, args: list[str], error: str) -> None:
    run = ledger("spend", "list", *args)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", f"error: {error}\n")


def test_a_hint_names_a_brand_as_the_shell_takes_it(ready: Cli, db_path: Path | str) -> None:
    ready.ok("brand", "add", 'Acme "Nord" $1', "--daily", "none", "--monthly", "none", now=NOW)
    before = dump(db_path)
    run = ready("spend", "record", 'Acme "Nord" $1', "Nope", "1", now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (
        1,
        "",
        "error: brand 'Acme \"Nord\" $1' has no campaign named 'Nope': 'budgetctl campaign list "
        '--brand "Acme \\"Nord\\" \\$1"\' shows its campaigns\n',
    )
    assert dump(db_path) == before


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("Acme", "Acme"),
        ("Acme Corp", '"Acme Corp"'),
        ('Acme "Nord" $1', '"Acme \\"Nord\\" \\$1"'),
        ("Acme!Corp", "'Acme!Corp'"),  # bash expands ! even in double quotes
        ("it's!", "'it'\"'\"'s!'"),
    ],
)
def test_a_name_becomes_one_word_for_the_shell(name: str, word: str) -> None:
    import subprocess

    from budgetctl.services.base import shell_word

    assert shell_word(name) == word
    said = subprocess.run(["sh", "-c", f"printf '%s|' {word}"], capture_output=True, text=True)
    assert said.stdout == f"{name}|"  # one word, as typed


def test_line_separators_are_shown_escaped_like_control_characters() -> None:
    from budgetctl.domain.text import visible

    assert visible("a\nb\x1bc\u2028d\u2029é") == "a\\x0ab\\x1bc\\u2028d\\u2029é"


OUT_OF_RANGE = "is out of range: give a time between the years 1900 and 9000"


@pytest.mark.parametrize(
    "args",
    [
        ["spend", "record", "Acme", "Search", "1", "--at", "0001-01-01"],
        ["spend", "record", "Acme", "Search", "1", "--at", "0001-01-01T00:00"],
        ["spend", "record", "Acme", "Search", "1", "--at", "1899-12-31T23:59:59+00:00"],
        ["spend", "record", "Acme", "Search", "1", "--at", "9999-12-31T23:00:00-05:00"],
        ["spend", "list", "--brand", "Acme", "--since", "0001-01-01"],
        ["spend", "list", "--brand", "Acme", "--until", "9999-12-31"],
        ["spend", "list", "--until", "9001-01-01T00:00:00+00:00"],
        ["history", "--brand", "Acme", "--since", "0001-01-01"],
        ["history", "--since", "9999-12-31T23:00"],
    ],
    ids=["at-date", "at-local", "at-1899", "at-9999", "list-since", "list-until", "list-until-9001",
         "history-since", "history-since-9999"],
)
def test_times_out_of_range_are_refused(ready: Cli, db_path: Path, args: list[str]) -> None:
    # A zone west of UTC: the first day of year 1 would begin before datetime's year 1 there.
    acme(ready, "America/New_York")
    ready.ok("spend", "record", "Acme", "Search", "1", now=NOW)
    before = dump(db_path)
    run = ready(*args, now=NOW)
    option, value = args[-2:]
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", f"error: {option} {value!r} {OUT_OF_RANGE}\n")
    assert dump(db_path) == before


def test_the_ends_of_the_range_are_accepted(ready: Cli) -> None:
    acme(ready, "America/New_York")
    run = ready.ok("spend", "record", "Acme", "Search", "1", "--at", "1900-01-01", now=NOW)
    assert run.lines == ["recorded 1.00 USD on Acme / Search at 1900-01-01T00:00-05:00 (entry #1)"]
    assert [e[0] for e in listed(ready, "--brand", "Acme", "--since", "1900-01-01", "--until", "9000-12-31")] == [1]
    assert [e["kind"] for e in json.loads(ready.ok("history", "--since", "1900-01-01", "--json").stdout)] == [
        "brand.created", "campaign.created"]


def test_tokyo_entry_keeps_its_offset_in_listing(ready: Cli) -> None:
    acme(ready, "Asia/Tokyo")
    ready.ok("spend", "record", "Acme", "Search", "7", "--at", "2026-11-24T23:30:00+00:00", now=NOW)
    items = json.loads(ready.ok("spend", "list", "--json").stdout)
    assert items[0]["occurred_at"] == "2026-11-25T08:30:00+09:00"
    assert datetime.fromisoformat(items[0]["occurred_at"]).astimezone(ZoneInfo("UTC")) == datetime(
        2026, 11, 24, 23, 30, tzinfo=UTC
    )


def test_history_by_campaign_name_alone_folds_case_beyond_ascii(ready: Cli) -> None:
    acme(ready)
    for name in ("Été Ünique", "Straße"):
        ready.ok("campaign", "add", "Acme", name, now=NOW)
        ready.ok("campaign", "pause", "Acme", name, now=NOW)
    ready.ok("campaign", "remove", "Acme", "Straße", now=NOW)
    for asked, name in (("été ünique", "Été Ünique"), ("STRASSE", "Straße"), (" straße ", "Straße")):
        events = json.loads(ready.ok("history", "--campaign", asked, "--json").stdout)
        assert {e["campaign"] for e in events} == {name}, asked
        assert [e["kind"] for e in events][:2] == ["campaign.created", "campaign.held"], asked
    run = ready("history", "--campaign", "Nope")
    assert (run.exit_code, run.stdout, run.stderr) == (
        1, "", "error: no campaign named 'Nope': 'budgetctl campaign list' shows the campaigns\n")


def test_history_says_when_nothing_matches_its_filters(ready: Cli) -> None:
    assert ready.ok("history").lines == ["no history yet"]
    assert ready.ok("history", "--since", "2026-11-01").lines == ["no history matches"]
    acme(ready, "America/New_York")
    # Acme's day of 2026-11-26 begins at 05:00Z, after every event.
    for args in (["--since", "2026-11-26"], ["--brand", "Acme", "--since", "2026-11-26"],
                 ["--campaign", "Search", "--since", "2026-11-25T12:00:01+00:00"]):
        assert ready.ok("history", *args).lines == ["no history matches"], args
        assert ready.ok("history", *args, "--json").stdout == "[]\n", args
    assert len(ready.ok("history", "--brand", "Acme", "--since", "2026-11-25").lines) == 3


def test_a_removed_campaigns_spend_is_still_listed_by_its_name(ready: Cli) -> None:
    acme(ready)
    ready.ok("spend", "record", "Acme", "Search", "12.50", now=NOW)
    ready.ok("campaign", "remove", "Acme", "Search", "--force", now=NOW)
    for args in (("--campaign", "search"), ("--brand", "Acme", "--campaign", "SEARCH")):
        items = json.loads(ready.ok("spend", "list", *args, "--json").stdout)
        assert [(i["campaign"], i["amount"]) for i in items] == [("Search", "12.50")], args
        events = json.loads(ready.ok("history", *args, "--json").stdout)
        assert [e["kind"] for e in events] == ["campaign.created", "campaign.removed"], args


def test_a_removed_brands_spend_and_history_are_still_found_by_its_name(ready: Cli) -> None:
    acme(ready, "America/New_York")
    ready.ok("spend", "record", "Acme", "Search", "12.50", now=NOW)
    ready.ok("brand", "remove", "Acme", "--force", now=NOW)
    for args in (("--brand", "acme"), ("--brand", "ACME", "--campaign", "search")):
        items = json.loads(ready.ok("spend", "list", *args, "--json").stdout)
        assert [(i["brand"], i["campaign"], i["amount"]) for i in items] == [
            ("Acme", "Search", "12.50")], args
        events = json.loads(ready.ok("history", *args, "--json").stdout)
        kinds = ["brand.created", "campaign.created", "brand.removed"]
        assert [e["kind"] for e in events] == (kinds if "--campaign" not in args else kinds[1:2]), args
    # A brand of the same name added since: both are found, the live one's zone reads --since.
    ready.ok("brand", "add", "Acme", "--daily", "1", "--monthly", "1", "--tz", "UTC", now=NOW)
    ready.ok("campaign", "add", "Acme", "Search", now=NOW)
    ready.ok("spend", "record", "Acme", "Search", "2", now=NOW)
    items = json.loads(ready.ok("spend", "list", "--brand", "Acme", "--json").stdout)
    assert [i["amount"] for i in items] == ["12.50", "2.00"]
    items = json.loads(ready.ok("spend", "list", "--brand", "Acme", "--since", NOW[:10], "--json").stdout)
    assert [i["amount"] for i in items] == ["12.50", "2.00"]
    refused = ready("spend", "list", "--brand", "Acme", "--campaign", "Display")
    assert (refused.exit_code, refused.stderr) == (1, (
        "error: brand 'Acme' has no campaign named 'Display': 'budgetctl campaign list --brand Acme' "
        "shows its campaigns\n"))
