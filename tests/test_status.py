"""``status``: periods in the brand's zone, exact JSON, the projection, campaign counts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, both_engines, dump, engine_db, query

NOW = "2026-11-25T12:00:00+00:00"


@pytest.fixture(params=both_engines())
def db_path(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Every test here runs on SQLite and, when a server is given, on PostgreSQL."""
    return engine_db(request, tmp_path)


def status(cli: Cli, now: str, *args: str) -> list[dict[str, Any]]:
    return json.loads(cli.ok("status", "--json", "--now", now, *args).stdout)


def spend_of(cli: Cli, now: str, brand: str = "Acme") -> tuple[str, str]:
    row = status(cli, now, "--brand", brand)[0]
    return row["daily_spend"], row["monthly_spend"]


def brand(cli: Cli, name: str, tz: str = "UTC", daily: str = "100", monthly: str = "1000",
          now: str = NOW, campaigns: tuple[str, ...] = ("Search",)) -> None:
    cli.ok("brand", "add", name, "--daily", daily, "--monthly", monthly, "--tz", tz, now=now)
    for c in campaigns:
        cli.ok("campaign", "add", name, c, now=now)


def test_status_json_shape(ready: Cli) -> None:
    brand(ready, "Acme", "America/New_York", "100", "2500", campaigns=("Search", "Display", "Video"))
    brand(ready, "Zeta", "UTC", "none", "none", campaigns=())
    ready.ok("brand", "set", "Zeta", "--currency", "EUR", now=NOW)
    ready.ok("campaign", "pause", "Acme", "Video", now=NOW)
    ready.ok("spend", "record", "Acme", "Search", "12.345678", now=NOW)
    assert status(ready, NOW) == [
        {
            "brand": "Acme",
            "currency": "USD",
            "timezone": "America/New_York",
            "daily_budget": "100.00",
            "daily_spend": "12.345678",
            "monthly_budget": "2500.00",
            "monthly_spend": "12.345678",
            # New York's November runs from Nov 1 04:00Z (EDT) to Dec 1 05:00Z (EST): 721 hours.
            "projected_month_spend": _projection(
                12_345_678, datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 12, 1, 5, tzinfo=UTC),
                datetime(2026, 11, 25, 12, tzinfo=UTC),
            ),
            "campaigns_active": 2,
            "campaigns_total": 3,
        },
        {
            "brand": "Zeta",
            "currency": "EUR",
            "timezone": "UTC",
            "daily_budget": None,
            "daily_spend": "0.00",
            "monthly_budget": None,
            "monthly_spend": "0.00",
            "projected_month_spend": "0.00",
            "campaigns_active": 0,
            "campaigns_total": 0,
        },
    ]


def _projection(spent: int, start: datetime, end: datetime, now: datetime) -> str:
    """month_spend * month length / elapsed, half away from zero to the cent, as decimal text."""
    exact = Fraction(spent, 10_000) * Fraction((end - start) // _US) / Fraction((now - start) // _US)
    cents = int(abs(exact) + Fraction(1, 2)) * (1 if exact >= 0 else -1)
    whole, frac = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{frac:02d}"


_US = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)


def test_projection_at_noon_of_day_ten(ready: Cli) -> None:
    brand(ready, "Acme", "UTC", "none", "none", now="2026-11-01T00:00:00+00:00")
    for day in ("01", "05", "10"):
        ready.ok("spend", "record", "Acme", "Search", "100", "--at", f"2026-11-{day}T09:00",
                 now="2026-11-10T12:00:00+00:00")
    row = status(ready, "2026-11-10T12:00:00+00:00")[0]
    # 300.00 in 9.5 days of a 30-day month: 300 * 30 / 9.5 = 947.3684210526..., to the cent.
    assert row["monthly_spend"] == "300.00"
    assert row["projected_month_spend"] == "947.37"
    assert row["projected_month_spend"] == _projection(
        300_000_000, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2026, 11, 10, 12, tzinfo=UTC),
    )
    # Exactly half the month gone: the projection doubles.
    assert status(ready, "2026-11-16T00:00:00+00:00")[0]["projected_month_spend"] == "600.00"


def test_projection_rounds_half_away_from_zero_to_the_cent(ready: Cli) -> None:
    brand(ready, "Acme", "UTC", "none", "none", now="2026-11-01T00:00:00+00:00")
    ready.ok("spend", "record", "Acme", "Search", "0.01", "--at", "2026-11-01",
             now="2026-11-01T00:00:00+00:00")
    # 0.01 * 30 days / 20 days = 0.015 -> 0.02.
    assert status(ready, "2026-11-21T00:00:00+00:00")[0]["projected_month_spend"] == "0.02"
    ready.ok("spend", "record", "Acme", "Search", "--at", "2026-11-02", "--", "-0.04",
             now="2026-11-21T00:00:00+00:00")
    # -0.03 * 30 / 20 = -0.045 -> -0.05.
    assert status(ready, "2026-11-21T00:00:00+00:00")[0]["projected_month_spend"] == "-0.05"
    # 0.000004 * 30 / 20 = 0.000006: less than half a cent, so 0.00 (not -0.00).
    ready.ok("spend", "record", "Acme", "Search", "0.030004", "--at", "2026-11-03",
             now="2026-11-21T00:00:00+00:00")
    assert status(ready, "2026-11-21T00:00:00+00:00")[0]["projected_month_spend"] == "0.00"


def test_projection_text_and_json_agree(ready: Cli) -> None:
    brand(ready, "Acme", "UTC", "none", "none", now="2026-11-01T00:00:00+00:00")
    ready.ok("spend", "record", "Acme", "Search", "52.5", "--at", "2026-11-20",
             now="2026-11-25T12:00:00+00:00")
    # 52.50 * 720 h / 588 h = 64.2857...
    assert status(ready, NOW)[0]["projected_month_spend"] == "64.29"
    assert ready.ok("status", "--now", NOW).lines[1].split()[7] == "64.29"


def test_projection_in_the_first_hour_of_the_month_is_the_month_to_date(ready: Cli) -> None:
    brand(ready, "Acme", "UTC", "none", "none", now="2026-11-30T00:00:00+00:00")
    brand(ready, "Gotham", "America/New_York", "none", "none", now="2026-11-30T00:00:00+00:00")
    for name in ("Acme", "Gotham"):
        ready.ok("spend", "record", name, "Search", "5.004", "--at", "2026-12-01T05:00:00Z",
                 now="2026-12-01T05:00:00Z")

    def projected(now: str) -> list[str]:
        return [row["projected_month_spend"] for row in status(ready, now)]

    # New York's December starts at 05:00Z: at that instant no pace can be measured yet.
    # (UTC's December is 5 hours old: 5.004 * 744 h / 5 h = 744.5952.)
    assert projected("2026-12-01T05:00:00Z") == ["744.60", "5.00"]
    assert projected("2026-12-01T05:00:01Z") == ["744.55", "5.00"]
    assert projected("2026-12-01T05:59:59.999999Z") == ["620.50", "5.00"]
    # From one hour on, the pace: 5.004 in 1 of December's 744 hours.
    assert projected("2026-12-01T06:00:00Z") == ["620.50", "3722.98"]
    assert ready.ok("status", "--now", "2026-12-01T05:00:00Z").lines[3].split()[7] == "5.00"
def test_status_of_unknown_brand_is_refused(ready: Cli, db_path: Path) -> None:
    brand(ready, "Acme")
    before = dump(db_path)
    run = ready("status", "--brand", "Nope", "--now", NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (
        1, "", "error: no brand named 'Nope': 'budgetctl brand list' shows the brands\n"
    )
    assert dump(db_path) == before


def test_status_now_must_have_an_offset(ready: Cli) -> None:
    run = ready("status", "--now", "2026-11-25T12:00")
    assert (run.exit_code, run.stderr) == (
        1,
        "error: --now '2026-11-25T12:00' has no UTC offset: add one, e.g. 2026-11-25T12:00+00:00 "
        "or 2026-11-25T12:00Z\n",
    )


def test_status_now_must_be_in_range(ready: Cli, db_path: Path) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "1", "--monthly", "1", "--tz", "America/New_York", now=NOW)
    before = dump(db_path)
    for now in ("9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+00:00"):
        run = ready("status", "--now", now)
        assert (run.exit_code, run.stdout, run.stderr) == (
            1, "", f"error: --now {now!r} is out of range: give a time between the years 1900 and 9000\n")
    assert dump(db_path) == before


def test_status_with_no_brands(ready: Cli) -> None:
    assert ready.ok("status", "--now", NOW).lines == ["no brands yet: add one with 'budgetctl brand add'"]
    assert status(ready, NOW) == []


def test_tokyo_spend_at_2330_utc_counts_toward_the_next_tokyo_day(ready: Cli) -> None:
    brand(ready, "Tokyo", "Asia/Tokyo", now="2026-11-20T00:00:00+00:00")
    brand(ready, "London", "UTC", now="2026-11-20T00:00:00+00:00")
    for name in ("Tokyo", "London"):
        ready.ok("spend", "record", name, "Search", "7.5", "--at", "2026-11-24T23:30:00+00:00",
                 now="2026-11-24T23:31:00+00:00")
    # 14:59:59Z on the 24th is 23:59:59 in Tokyo: still the 24th there, so not that day's spend
    # (the month is the whole calendar month around --now).
    assert spend_of(ready, "2026-11-24T14:59:59+00:00", "Tokyo") == ("0.00", "7.50")
    # Any time of the Tokyo 25th (15:00Z on the 24th to 15:00Z on the 25th) counts it.
    assert spend_of(ready, "2026-11-24T15:00:00+00:00", "Tokyo") == ("7.50", "7.50")
    assert spend_of(ready, "2026-11-25T14:59:59+00:00", "Tokyo") == ("7.50", "7.50")
    assert spend_of(ready, "2026-11-25T15:00:00+00:00", "Tokyo") == ("0.00", "7.50")
    # In UTC the same instant is the 24th.
    assert spend_of(ready, "2026-11-24T23:59:59+00:00", "London") == ("7.50", "7.50")
    assert spend_of(ready, "2026-11-25T00:00:00+00:00", "London") == ("0.00", "7.50")


def test_tokyo_month_boundary(ready: Cli) -> None:
    brand(ready, "Tokyo", "Asia/Tokyo", now="2026-11-20T00:00:00+00:00")
    ready.ok("spend", "record", "Tokyo", "Search", "9", "--at", "2026-11-30T23:30:00+00:00",
             now="2026-12-01T00:00:00+00:00")
    # 23:30Z on Nov 30 is 08:30 on Dec 1 in Tokyo: December's spend, not November's.
    assert spend_of(ready, "2026-11-30T14:00:00+00:00", "Tokyo") == ("0.00", "0.00")
    assert spend_of(ready, "2026-12-01T00:00:00+00:00", "Tokyo") == ("9.00", "9.00")


def test_late_entry_changes_yesterday_and_the_month_not_today(ready: Cli, db_path: Path) -> None:
    brand(ready, "Acme", "America/New_York", "100", "1000", now="2026-11-20T12:00:00+00:00")
    now = "2026-11-25T17:00:00+00:00"  # noon in New York
    ready.ok("spend", "record", "Acme", "Search", "30", now=now)
    assert spend_of(ready, now) == ("30.00", "30.00")
    run = ready.ok("spend", "record", "Acme", "Search", "100", "--at", "2026-11-24", now=now)
    assert run.lines == ["recorded 100.00 USD on Acme / Search at 2026-11-24T00:00-05:00 (entry #2)"]
    # Today is untouched, so the campaign stays active: the daily budget was spent yesterday.
    assert spend_of(ready, now) == ("30.00", "130.00")
    campaigns = json.loads(ready.ok("campaign", "list", "--json").stdout)
    assert [(c["state"], c["reasons"]) for c in campaigns] == [("active", [])]
    # Yesterday (any time of the New York 24th) shows it.
    assert spend_of(ready, "2026-11-25T04:59:00+00:00") == ("100.00", "130.00")
    # spend list by brand day.
    items = json.loads(ready.ok("spend", "list", "--brand", "Acme", "--since", "2026-11-24",
                                "--until", "2026-11-24", "--json").stdout)
    assert [(e["amount"], e["occurred_at"]) for e in items] == [("100.00", "2026-11-24T00:00:00-05:00")]
    # reset closes the 20th..24th: the 24th with the late 100.00.
    ready.ok("reset", "--now", now)
    assert query(db_path, "SELECT first_day, spend, budget FROM period_close WHERE kind = 'day' "
                 "ORDER BY first_day") == [
        ("2026-11-20", 0, 100_000_000),
        ("2026-11-21", 0, 100_000_000),
        ("2026-11-22", 0, 100_000_000),
        ("2026-11-23", 0, 100_000_000),
        ("2026-11-24", 100_000_000, 100_000_000),
    ]


def test_changing_the_time_zone_reassigns_entries(ready: Cli) -> None:
    brand(ready, "Acme", "UTC", "12", "1000", now="2026-11-20T00:00:00+00:00")
    now = "2026-11-25T03:00:00+00:00"
    ready.ok("spend", "record", "Acme", "Search", "10", "--at", "2026-11-24T20:00:00+00:00", now=now)
    ready.ok("spend", "record", "Acme", "Search", "5", "--at", "2026-11-25T02:00:00+00:00", now=now)
    ready.ok("spend", "record", "Acme", "Search", "1", "--at", "2026-10-31T23:00:00+00:00", now=now)
    assert spend_of(ready, now) == ("5.00", "15.00")
    # In New York it is 22:00 on the 24th: that day holds both entries (05:00Z to 05:00Z).
    run = ready.ok("brand", "set", "Acme", "--tz", "America/New_York", now=now)
    assert run.lines == [
        "time zone UTC -> America/New_York",
        "Acme / Search: active -> paused (daily_budget)",
    ]
    # And the entry at 23:00Z on Oct 31 is 19:00 on Oct 31 in New York: not November's.
    assert spend_of(ready, now) == ("15.00", "15.00")
    # In Tokyo it is 12:00 on the 25th: that day (15:00Z to 15:00Z) holds both too;
    # Oct 31 23:00Z is Nov 1 08:00 in Tokyo: November's.
    run = ready.ok("brand", "set", "Acme", "--tz", "Asia/Tokyo", now=now)
    assert run.lines == ["time zone America/New_York -> Asia/Tokyo"]
    assert spend_of(ready, now) == ("15.00", "16.00")
    run = ready.ok("brand", "set", "Acme", "--tz", "UTC", now=now)
    assert run.lines == ["time zone Asia/Tokyo -> UTC", "Acme / Search: paused -> active"]
    assert spend_of(ready, now) == ("5.00", "15.00")


def test_campaign_counts_follow_the_stored_state(ready: Cli) -> None:
    brand(ready, "Acme", "UTC", "100", "1000", campaigns=("A", "B", "C"))
    assert [(r["campaigns_active"], r["campaigns_total"]) for r in status(ready, NOW)] == [(3, 3)]
    ready.ok("campaign", "pause", "Acme", "B", now=NOW)
    assert [(r["campaigns_active"], r["campaigns_total"]) for r in status(ready, NOW)] == [(2, 3)]
    ready.ok("spend", "record", "Acme", "A", "100", now=NOW)
    assert [(r["campaigns_active"], r["campaigns_total"]) for r in status(ready, NOW)] == [(0, 3)]
    ready.ok("campaign", "remove", "Acme", "C", now=NOW)
    assert [(r["campaigns_active"], r["campaigns_total"]) for r in status(ready, NOW)] == [(0, 2)]


def test_status_table(ready: Cli) -> None:
    brand(ready, "Acme", "UTC", "100", "none")
    ready.ok("spend", "record", "Acme", "Search", "85", now=NOW)
    lines = ready.ok("status", "--now", NOW).lines
    assert lines[0].split() == ["brand", "today", "(2026-11-25)", "month", "projected", "this", "month", "active"]
    assert "85.00 / 100.00" in lines[1]
    assert "85.00 / none" in lines[1]
    assert lines[1].split()[-1] == "1/1"
    assert "85.0%" in lines[2]
    assert "no limit" in lines[2]


def test_status_table_names_each_brands_own_day_when_they_differ(ready: Cli) -> None:
    # 05:10 UTC on the 25th is still the 24th in Chicago
    brand(ready, "Acme", "UTC", "100", "none")
    brand(ready, "Initech", "America/Chicago", "100", "none")
    lines = ready.ok("status", "--now", "2026-11-25T05:10:00Z").lines
    assert lines[0].split() == ["brand", "today", "month", "projected", "this", "month", "active"]
    assert lines[2].split()[:4] == ["UTC", "USD,", "today", "2026-11-25"]
    assert lines[4].split()[:4] == ["America/Chicago", "USD,", "today", "2026-11-24"]


# -- lands on budget -------------------------------------------------------------------------


def landing(cli: Cli, now: str) -> str:
    """The figure under the first brand's projection in the status table ('' when none)."""
    line = cli.ok("status", "--now", now).lines[2]
    found = re.search(r"\S+/day lands on budget|over budget by \S+", line)
    return found.group() if found else ""


def test_lands_on_budget_counts_todays_spend(ready: Cli) -> None:
    brand(ready, "U", "UTC", "none", "300", now="2026-11-20T00:00:00+00:00")
    ready.ok("spend", "record", "U", "Search", "150", "--at", "2026-11-24", now=NOW)
    # 150.00 left for the 25th to the 30th: 6 days counting today.
    assert landing(ready, NOW) == "25.00/day lands on budget"
    ready.ok("spend", "record", "U", "Search", "60", now=NOW)
    # Today's 60.00 is spent too: 90.00 left for the rest of today and the 5 days after it.
    assert landing(ready, NOW) == "15.00/day lands on budget"
    # On the last day, what is left is all of it.
    assert landing(ready, "2026-11-30T12:00:00+00:00") == "90.00/day lands on budget"


def test_lands_on_budget_rounds_down_to_the_cent(ready: Cli) -> None:
    brand(ready, "U", "UTC", "none", "100", now="2026-11-20T00:00:00+00:00")
    # 100.00 / 6 days = 16.666...: 16.67 a day would end the month on 100.02.
    assert landing(ready, NOW) == "16.66/day lands on budget"


def test_lands_on_budget_counts_the_days_left_in_the_brands_zone(ready: Cli) -> None:
    brand(ready, "U", "America/New_York", "none", "70", now="2026-11-20T00:00:00+00:00")
    # 03:00Z on the 25th is 22:00 on the 24th in New York: 7 days left counting that one.
    assert landing(ready, "2026-11-25T03:00:00+00:00") == "10.00/day lands on budget"
    assert landing(ready, "2026-11-25T05:00:00+00:00") == "11.66/day lands on budget"


def test_lands_on_budget_at_and_past_the_budget(ready: Cli) -> None:
    brand(ready, "U", "UTC", "none", "300", now="2026-11-20T00:00:00+00:00")
    ready.ok("spend", "record", "U", "Search", "300", "--at", "2026-11-24", now=NOW)
    assert landing(ready, NOW) == "0.00/day lands on budget"
    ready.ok("spend", "record", "U", "Search", "12.5", now=NOW)
    assert landing(ready, NOW) == "over budget by 12.50"
    # The excess goes up to the cent: past the budget never reads 0.00.
    ready.ok("spend", "record", "U", "Search", "--", "-12.499999", now=NOW)
    assert landing(ready, NOW) == "over budget by 0.01"
    ready.ok("spend", "record", "U", "Search", "0.005", now=NOW)
    assert landing(ready, NOW) == "over budget by 0.01"
    ready.ok("spend", "record", "U", "Search", "0.004999", now=NOW)
    assert landing(ready, NOW) == "over budget by 0.01"
    ready.ok("spend", "record", "U", "Search", "0.000001", now=NOW)
    assert landing(ready, NOW) == "over budget by 0.02"
    ready.ok("spend", "record", "U", "Search", "12.489999", now=NOW)  # 312.50 again
    assert landing(ready, NOW) == "over budget by 12.50"
    # A refund that brings the month back under the budget brings the figure back.
    ready.ok("spend", "record", "U", "Search", "--", "-24.5", now=NOW)
    assert landing(ready, NOW) == "2.00/day lands on budget"


def test_no_landing_figure_without_a_monthly_budget(ready: Cli) -> None:
    brand(ready, "U", "UTC", "100", "none", now="2026-11-20T00:00:00+00:00")
    assert landing(ready, NOW) == ""
