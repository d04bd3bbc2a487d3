"""Schedules and the cron passes through the real CLI on real SQLite files.

Time is only ever given with ``now=`` ($BUDGETCTL_NOW) or ``--now``. Calendar
anchors: 2026-11-23 and 2026-11-30 are Mondays, 2026-11-27 is a Friday; Europe/Berlin
springs forward on Sunday 2026-03-29 and falls back on Sunday 2026-10-25; America/New_York
on Sunday 2026-03-08 and Sunday 2026-11-01.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, both_engines, dump, engine_db, execute, is_url, query, sqlite_only
from freezegun import freeze_time

from budgetctl.store.schema import HEAD_REVISION

NOW = "2026-11-25T12:00:00+00:00"  # a Wednesday


@pytest.fixture(params=both_engines())
def db_path(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Every test here runs on SQLite and, when a server is given, on PostgreSQL."""
    return engine_db(request, tmp_path)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def campaigns(cli: Cli) -> dict[str, tuple[str, list[str]]]:
    return {
        f"{c['brand']}/{c['campaign']}": (c["state"], c["reasons"])
        for c in json.loads(cli.ok("campaign", "list", "--json").stdout)
    }


def state_events(db: Path) -> list[tuple[Any, ...]]:
    return query(db, "SELECT brand, campaign, command, message FROM event WHERE kind = 'state' ORDER BY id")


def without_pass_runs(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    tables = dump(db)
    tables.pop("pass_run", None)
    return tables


def scheduled(cli: Cli, *windows: str, tz: str = "UTC", schedule_tz: str | None = None,
              now: str = NOW) -> None:
    """Brand B (no budgets) with campaign C on ``windows``."""
    cli.ok("brand", "add", "B", "--daily", "none", "--monthly", "none", "--tz", tz, now=now)
    cli.ok("campaign", "add", "B", "C", now=now)
    extra = ["--tz", schedule_tz] if schedule_tz else []
    cli.ok("schedule", "set", "B", "C", *windows, *extra, now=now)


def at(cli: Cli, now: str) -> str:
    """Run daypart at ``now`` and return campaign B / C's state there."""
    run = cli.ok("daypart", "--now", now, "--json")
    assert json.loads(run.stdout)["pass"] == "daypart"
    state, reasons = campaigns(cli)["B/C"]
    assert reasons == ([] if state == "active" else ["outside_schedule"])
    return state


def states(cli: Cli, *nows: str) -> list[str]:
    return [at(cli, n) for n in nows]


# -- schedule set | show | clear ----------------------------------------------------------


def test_schedule_set_show_clear(ready: Cli, db_path: Path) -> None:
    ready.ok("brand", "add", "B", "--daily", "none", "--monthly", "none", "--tz", "Europe/Berlin", now=NOW)
    ready.ok("campaign", "add", "B", "C", now=NOW)
    assert ready.ok("schedule", "show", "B", "C", now=NOW).lines == ["B / C: no schedule (may run at any time)"]
    run = ready.ok("schedule", "set", "B", "C", "mon-fri 09:00-17:00", "Saturday 10:00-14:00", now=NOW)
    # 12:00Z on Wednesday is 13:00 in Berlin: inside.
    assert run.lines == ["B / C: schedule set: Mon-Fri 09:00-17:00; Sat 10:00-14:00 (Europe/Berlin)"]
    assert query(db_path, "SELECT position, spec FROM schedule_window ORDER BY position") == [
        (0, "Mon-Fri 09:00-17:00"), (1, "Sat 10:00-14:00"),
    ]
    assert ready.ok("schedule", "show", "B", "C", now=NOW).lines == [
        "B / C (Europe/Berlin):",
        "  Mon-Fri 09:00-17:00",
        "  Sat 10:00-14:00",
        "inside a window now; closes at 2026-11-25T17:00+01:00",
    ]
    assert json.loads(ready.ok("schedule", "show", "B", "C", "--json", now="2026-11-25T20:00:00+00:00").stdout) == {
        "brand": "B",
        "campaign": "C",
        "timezone": "Europe/Berlin",
        "windows": ["Mon-Fri 09:00-17:00", "Sat 10:00-14:00"],
        "inside_now": False,
        "next_change": "2026-11-26T08:00:00+00:00",
    }
    run = ready.ok("schedule", "set", "B", "C", "weekends 10:00-14:00", "--tz", "Asia/Tokyo", now=NOW)
    assert run.lines == [
        "B / C: schedule set: weekends 10:00-14:00 (Asia/Tokyo)",
        "B / C: active -> paused (outside_schedule)",
    ]
    assert query(db_path, "SELECT spec FROM schedule_window") == [("weekends 10:00-14:00",)]
    assert query(db_path, "SELECT schedule_tz FROM campaign") == [("Asia/Tokyo",)]
    run = ready.ok("schedule", "clear", "B", "C", now=NOW)
    assert run.lines == ["B / C: schedule cleared: may run at any time", "B / C: paused -> active"]
    assert query(db_path, "SELECT COUNT(*) FROM schedule_window") == [(0,)]
    assert query(db_path, "SELECT schedule_tz, state, reasons FROM campaign") == [(None, "active", "")]
    assert ready.ok("schedule", "show", "B", "C", now=NOW).lines == ["B / C: no schedule (may run at any time)"]


WINDOW_HINT = "use DAYS HH:MM-HH:MM, e.g. 'Mon-Fri 09:00-17:00'"



def test_schedule_set_or_clear_that_changes_nothing_writes_no_event(ready: Cli, db_path: Path) -> None:
    ready.ok("brand", "add", "B", "--daily", "none", "--monthly", "none", "--tz", "Europe/Berlin", now=NOW)
    ready.ok("campaign", "add", "B", "C", now=NOW)
    assert ready.ok("schedule", "clear", "B", "C", now=NOW).lines == [
        "B / C: has no schedule: nothing to clear"]
    ready.ok("schedule", "set", "B", "C", "Mon-Fri 09:00-17:00", now=NOW)
    before = dump(db_path)
    assert ready.ok("schedule", "set", "B", "C", "mon-fri 09:00-17:00", now=NOW).lines == [
        "B / C: schedule unchanged: Mon-Fri 09:00-17:00 (Europe/Berlin)"]
    assert dump(db_path) == before
    # the same windows in another zone are a change
    assert ready.ok("schedule", "set", "B", "C", "Mon-Fri 09:00-17:00", "--tz", "UTC",
                    now=NOW).lines == ["B / C: schedule set: Mon-Fri 09:00-17:00 (UTC)"]
    assert [k for (k,) in query(db_path, "SELECT kind FROM event WHERE campaign = 'C' ORDER BY id")] == [
        "campaign.created", "schedule.set", "schedule.set"]

@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["B", "C", "Mon-Fri 09:00-09:00"], "window 'Mon-Fri 09:00-09:00' starts and ends at the same time"),
        (
            ["B", "C", "Funday 10:00-11:00"],
            "window 'Funday 10:00-11:00': unknown day 'Funday' (use Mon..Sun, daily, weekdays or weekends)",
        ),
        (
            ["B", "C", "Mon 25:00-26:00"],
            "window 'Mon 25:00-26:00': 25:00 is not a time of day (00:00-23:59, or 24:00 as an end)",
        ),
        (["B", "C", "Mon 9-5"], f"window 'Mon 9-5' is not valid: {WINDOW_HINT}"),
        (["B", "C", ""], f"window is empty: {WINDOW_HINT}"),
        (["B", "C", "daily 09:00-10:00", "Mon 9-5"], f"window 'Mon 9-5' is not valid: {WINDOW_HINT}"),
        (
            ["B", "Nope", "daily 09:00-10:00"],
            "brand 'B' has no campaign named 'Nope': 'budgetctl campaign list --brand B' shows its campaigns",
        ),
        (["Nope", "C", "daily 09:00-10:00"], "no brand named 'Nope': 'budgetctl brand list' shows the brands"),
        (
            ["B", "C", "daily 09:00-10:00", "--tz", "Mars/Olympus"],
            "unknown time zone 'Mars/Olympus': use an IANA name such as UTC, Europe/Berlin or America/New_York",
        ),
    ],
    ids=["start-equals-end", "funday", "hour-25", "no-minutes", "empty", "one-bad-of-two",
         "unknown-campaign", "unknown-brand", "unknown-zone"],
)
def test_schedule_set_refusals_change_nothing(ready: Cli, db_path: Path, args: list[str], error: str) -> None:
    scheduled(ready, "Mon 01:00-02:00")
    before = dump(db_path)
    run = ready("schedule", "set", *args, now=NOW)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", f"error: {error}\n")
    assert dump(db_path) == before


def test_schedule_clear_of_unknown_campaign(ready: Cli, db_path: Path) -> None:
    scheduled(ready, "Mon 01:00-02:00")
    before = dump(db_path)
    run = ready("schedule", "clear", "B", "Nope", now=NOW)
    assert run.exit_code == 1
    assert run.stderr.startswith("error: brand 'B' has no campaign named 'Nope'")
    assert dump(db_path) == before


@pytest.mark.parametrize("name", ["enforce", "daypart", "reset"])
def test_pass_refuses_a_bad_now(ready: Cli, db_path: Path, name: str) -> None:
    scheduled(ready, "Mon 01:00-02:00")
    before = dump(db_path)
    run = ready(name, "--now", "garbage")
    assert (run.exit_code, run.stdout, run.stderr) == (
        1, "", "error: --now 'garbage' is not an ISO 8601 time: use e.g. 2026-11-25T09:30:00+01:00\n"
    )
    run = ready(name, "--now", "2026-11-25T09:30")
    assert run.exit_code == 1
    assert run.stderr == (
        "error: --now '2026-11-25T09:30' has no UTC offset: add one, e.g. 2026-11-25T09:30+00:00 "
        "or 2026-11-25T09:30Z\n"
    )
    # A date alone: the hint is a time, and the hint itself is accepted.
    run = ready(name, "--now", "2026-11-25")
    assert (run.exit_code, run.stderr) == (1, (
        "error: --now '2026-11-25' has no UTC offset: add one, e.g. 2026-11-25T00:00+00:00 "
        "or 2026-11-25T00:00Z\n"))
    # "--now $WHEN" with WHEN unset is not the system's clock.
    for empty in ("", "  "):
        run = ready(name, "--now", empty)
        assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
            "error: --now is empty (a variable that was not set?): give an ISO 8601 time with its "
            "offset, such as 2026-11-24T09:00:00-05:00, or leave --now out\n"))
    assert dump(db_path) == before
    for hint in ("2026-11-25T00:00+00:00", "2026-11-25T00:00Z"):
        assert ready(name, "--now", hint, "--dry-run").exit_code == 0


OUT_OF_RANGE = "is out of range: give a time between the years 1900 and 9000"


PAST = ("0001-01-01T00:00:00+00:00", "1899-12-31T23:59:59+00:00")
FUTURE = ("9999-12-31T23:00:00+00:00", "9001-01-01T00:00:00+00:00")


@pytest.mark.parametrize(
    ("name", "now"),
    # Not reset in the far future: were the time let through, it would first close every day
    # until then, millions of them, before any overflow.
    [(n, t) for n in ("enforce", "daypart", "reset") for t in PAST]
    + [(n, t) for n in ("enforce", "daypart") for t in FUTURE],
)
def test_pass_refuses_a_now_out_of_range(ready: Cli, db_path: Path, name: str, now: str) -> None:
    # A brand west of UTC: year 1's first hours would fall before datetime's year 1 there.
    scheduled(ready, "Mon 01:00-02:00", tz="America/New_York")
    before = dump(db_path)
    run = ready(name, "--now", now)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", f"error: --now {now!r} {OUT_OF_RANGE}\n")
    run = ready(name, now=now)
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", f"error: BUDGETCTL_NOW {now!r} {OUT_OF_RANGE}\n")
    assert dump(db_path) == before


EMPTY_NOW = ("error: BUDGETCTL_NOW is empty (a variable that was not set?): give an ISO 8601"
             " time with its offset, such as 2026-11-24T09:00:00-05:00, or unset it\n")


@pytest.mark.parametrize("value", ["", "  "])
@pytest.mark.parametrize("args", [("enforce",), ("daypart",), ("reset",),
                                  ("spend", "record", "B", "C", "10")])
def test_an_empty_budgetctl_now_is_refused_not_read_as_the_clock(
        ready: Cli, db_path: Path, args: tuple[str, ...], value: str) -> None:
    # BUDGETCTL_NOW=$WHEN in a crontab with WHEN unset: the system's clock in its place would
    # write a replay's passes and spend at today's time.
    scheduled(ready, "Mon 01:00-02:00")
    before = dump(db_path)
    run = ready(*args, env={"BUDGETCTL_NOW": value})
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", EMPTY_NOW)
    assert dump(db_path) == before


@pytest.mark.parametrize("name", ["enforce", "daypart"])
def test_the_ends_of_the_range_evaluate_in_every_zone(ready: Cli, name: str) -> None:
    # The far sides of the bounds, in the zones furthest from UTC either way.
    scheduled(ready, "Mon 01:00-02:00", tz="Pacific/Kiritimati")
    ready.ok("brand", "add", "W", "--daily", "1", "--monthly", "1", "--tz", "Etc/GMT+12", now=NOW)
    ready.ok("campaign", "add", "W", "C", now=NOW)
    for now, utc in (("9000-12-31T23:59:59-14:00", "9001-01-01T13:59:59+00:00"),
                     ("1900-01-01T00:00:00+14:00", "1899-12-31T10:00:00+00:00")):
        run = ready.ok(name, "--now", now, "-v")
        assert run.lines[-1].startswith(f"{name} at {utc}: ")
        assert ready.ok("campaign", "show", "W", "C", "--now", now).lines[0].startswith("W / C: ")


# -- the schedule examples of SPEC.md ------------------------------------------------------


def test_overnight_window_runs_friday_22_to_saturday_06(ready: Cli) -> None:
    scheduled(ready, "Fri 22:00-06:00")
    assert states(
        ready,
        "2026-11-27T21:59:00+00:00",  # Fri 21:59
        "2026-11-27T22:00:00+00:00",  # Fri 22:00: start inclusive
        "2026-11-28T00:00:00+00:00",  # Sat 00:00
        "2026-11-28T05:59:00+00:00",  # Sat 05:59
        "2026-11-28T06:00:00+00:00",  # Sat 06:00: end exclusive
        "2026-11-27T03:00:00+00:00",  # Fri 03:00 belongs to Thursday's window (none)
        "2026-11-29T03:00:00+00:00",  # Sun 03:00
    ) == ["paused", "active", "active", "active", "paused", "paused", "paused"]


def test_start_inclusive_end_exclusive(ready: Cli) -> None:
    scheduled(ready, "Mon 09:00-17:00")
    assert states(
        ready,
        "2026-11-23T08:59:00+00:00",
        "2026-11-23T09:00:00+00:00",
        "2026-11-23T16:59:59+00:00",
        "2026-11-23T17:00:00+00:00",
        "2026-11-24T10:00:00+00:00",  # Tuesday
    ) == ["paused", "active", "active", "paused", "paused"]


def test_windows_on_the_half_hour_open_and_close_to_the_minute(ready: Cli) -> None:
    scheduled(ready, "Mon 09:30-17:45")
    assert states(
        ready,
        "2026-11-23T09:29:00+00:00",
        "2026-11-23T09:45:00+00:00",
        "2026-11-23T17:44:00+00:00",
        "2026-11-23T17:45:00+00:00",
    ) == ["paused", "active", "active", "paused"]


def test_24_00_is_the_end_of_the_day(ready: Cli) -> None:
    scheduled(ready, "Mon 23:00-24:00")
    assert states(
        ready,
        "2026-11-23T22:59:00+00:00",
        "2026-11-23T23:00:00+00:00",
        "2026-11-23T23:59:59+00:00",
        "2026-11-24T00:00:00+00:00",
    ) == ["paused", "active", "active", "paused"]


def test_fri_mon_wraps_over_the_weekend(ready: Cli) -> None:
    scheduled(ready, "fri-mon 10:00-11:00")
    days = ["2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02"]
    assert states(ready, *(f"{d}T10:30:00+00:00" for d in days)) == [
        "paused", "active", "active", "active", "active", "paused", "paused",
    ]
    assert ready.ok("schedule", "show", "B", "C", now=NOW).lines[1] == "  Fri-Mon 10:00-11:00"


def test_day_lists_and_keywords(ready: Cli) -> None:
    scheduled(ready, "Mon,Wed,Fri 10:00-11:00", "weekends 12:00-13:00")
    days = ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"]
    assert states(ready, *(f"{d}T10:30:00+00:00" for d in days)) == [
        "active", "paused", "active", "paused", "active", "paused", "paused",
    ]
    assert states(ready, *(f"{d}T12:30:00+00:00" for d in days)) == [
        "paused", "paused", "paused", "paused", "paused", "active", "active",
    ]


def test_windows_combine_as_a_union(ready: Cli) -> None:
    scheduled(ready, "Mon 09:00-10:00", "Mon 14:00-15:00", "Mon 09:30-11:00")
    assert states(
        ready,
        "2026-11-23T08:59:00+00:00",
        "2026-11-23T09:00:00+00:00",
        "2026-11-23T10:30:00+00:00",
        "2026-11-23T11:00:00+00:00",
        "2026-11-23T12:00:00+00:00",
        "2026-11-23T14:00:00+00:00",
        "2026-11-23T15:00:00+00:00",
    ) == ["paused", "active", "active", "paused", "paused", "active", "paused"]


def test_brand_zone_and_tz_override(ready: Cli) -> None:
    scheduled(ready, "Wed 09:00-10:00", tz="America/New_York")
    # 09:00-10:00 in New York is 14:00-15:00Z in November.
    assert states(ready, "2026-11-25T09:30:00+00:00", "2026-11-25T14:30:00+00:00") == ["paused", "active"]
    ready.ok("schedule", "set", "B", "C", "Wed 09:00-10:00", "--tz", "Asia/Tokyo", now=NOW)
    # 09:00-10:00 in Tokyo is 00:00-01:00Z.
    assert states(ready, "2026-11-25T00:30:00+00:00", "2026-11-25T14:30:00+00:00") == ["active", "paused"]
    # The override stays when the brand moves; without it the schedule follows the brand.
    ready.ok("brand", "set", "B", "--tz", "UTC", now=NOW)
    assert states(ready, "2026-11-25T00:30:00+00:00") == ["active"]
    ready.ok("schedule", "set", "B", "C", "Wed 09:00-10:00", now=NOW)
    assert states(ready, "2026-11-25T00:30:00+00:00", "2026-11-25T09:30:00+00:00") == ["paused", "active"]


def test_the_tz_override_is_the_zone_the_explanation_names(ready: Cli, db_path: Path) -> None:
    # A UTC brand, a schedule in Tokyo: Mon 09:00Z is 18:00 in Tokyo, after the window.
    scheduled(ready, "Mon 09:00-17:00", schedule_tz="Asia/Tokyo")
    assert state_events(db_path) == [
        ("B", "C", "schedule set", "active -> paused: outside schedule: Mon 09:00-17:00 (Asia/Tokyo)"),
    ]
    assert ready.ok("campaign", "show", "B", "C", now="2026-11-23T09:00:00+00:00").lines == [
        "B / C: paused",
        "  - outside schedule: Mon 09:00-17:00 (Asia/Tokyo)",
        "schedule (Asia/Tokyo): Mon 09:00-17:00",
        "  next window opens at 2026-11-30T09:00+09:00",
        "spend today (2026-11-23): 0.00 of the brand's 0.00 / none USD",
        "spend this month (2026-11): 0.00 of the brand's 0.00 / none USD",
    ]


def test_berlin_spring_forward(ready: Cli) -> None:
    scheduled(ready, "daily 09:00-17:00", "Sun 02:00-03:00", tz="Europe/Berlin")
    assert states(
        ready,
        "2026-03-27T07:59:00+00:00",  # Fri 08:59 CET
        "2026-03-27T08:00:00+00:00",  # Fri 09:00 CET
        "2026-03-29T00:30:00+00:00",  # Sun 01:30 CET
        "2026-03-29T00:59:00+00:00",  # Sun 01:59 CET: 02:00-03:00 never happens this Sunday
        "2026-03-29T01:00:00+00:00",  # Sun 03:00 CEST
        "2026-03-30T06:59:00+00:00",  # Mon 08:59 CEST
        "2026-03-30T07:00:00+00:00",  # Mon 09:00 CEST
        "2026-03-30T14:59:00+00:00",  # Mon 16:59 CEST
        "2026-03-30T15:00:00+00:00",  # Mon 17:00 CEST
        "2026-04-05T00:30:00+00:00",  # next Sun 02:30 CEST
    ) == ["paused", "active", "paused", "paused", "paused", "paused", "active", "active", "paused", "active"]


def test_berlin_fall_back(ready: Cli) -> None:
    scheduled(ready, "Sun 02:00-03:00", tz="Europe/Berlin")
    assert states(
        ready,
        "2026-10-24T23:59:00+00:00",  # 01:59 CEST
        "2026-10-25T00:00:00+00:00",  # 02:00 CEST
        "2026-10-25T00:59:00+00:00",  # 02:59 CEST
        "2026-10-25T01:00:00+00:00",  # 02:00 CET: the repeated hour is inside again
        "2026-10-25T01:59:00+00:00",  # 02:59 CET
        "2026-10-25T02:00:00+00:00",  # 03:00 CET
    ) == ["paused", "active", "active", "active", "active", "paused"]


def test_new_york_spring_forward(ready: Cli) -> None:
    scheduled(ready, "daily 09:00-17:00", "Sun 02:00-03:00", tz="America/New_York")
    assert states(
        ready,
        "2026-03-06T13:59:00+00:00",  # Fri 08:59 EST
        "2026-03-06T14:00:00+00:00",  # Fri 09:00 EST
        "2026-03-08T06:59:00+00:00",  # Sun 01:59 EST
        "2026-03-08T07:00:00+00:00",  # Sun 03:00 EDT
        "2026-03-09T12:59:00+00:00",  # Mon 08:59 EDT
        "2026-03-09T13:00:00+00:00",  # Mon 09:00 EDT
        "2026-03-09T21:00:00+00:00",  # Mon 17:00 EDT
    ) == ["paused", "active", "paused", "paused", "paused", "active", "paused"]


def test_new_york_fall_back(ready: Cli) -> None:
    scheduled(ready, "Sun 01:00-02:00", "Mon 09:00-17:00", tz="America/New_York")
    assert states(
        ready,
        "2026-11-01T04:59:00+00:00",  # 00:59 EDT
        "2026-11-01T05:00:00+00:00",  # 01:00 EDT
        "2026-11-01T05:59:00+00:00",  # 01:59 EDT
        "2026-11-01T06:00:00+00:00",  # 01:00 EST again
        "2026-11-01T06:59:00+00:00",  # 01:59 EST
        "2026-11-01T07:00:00+00:00",  # 02:00 EST
        "2026-11-02T13:59:00+00:00",  # Mon 08:59 EST
        "2026-11-02T14:00:00+00:00",  # Mon 09:00 EST
    ) == ["paused", "active", "active", "active", "active", "paused", "paused", "active"]


# -- passes: output, JSON, dry runs, idempotence ----------------------------------------


@pytest.fixture
def spent(ready: Cli) -> Cli:
    """Acme (UTC, daily 100): Search and Display both paused by 100.00 spent on Nov 25."""
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "1000", now=NOW)
    # Added in name order, so that creation order and name order agree (SPEC fixes neither).
    ready.ok("campaign", "add", "Acme", "Display", now=NOW)
    ready.ok("campaign", "add", "Acme", "Search", now=NOW)
    run = ready.ok("spend", "record", "Acme", "Search", "100", now=NOW)
    assert run.lines[1:] == [
        "Acme / Display: active -> paused (daily_budget)",
        "Acme / Search: active -> paused (daily_budget)",
    ]
    return ready


NEXT_DAY = "2026-11-26T00:00:00+00:00"


@pytest.mark.parametrize("name", ["enforce", "daypart", "reset"])
def test_pass_is_silent_when_nothing_changed(spent: Cli, db_path: Path, name: str) -> None:
    events = state_events(db_path)
    run = spent.ok(name, "--now", NOW)
    assert (run.stdout, run.stderr) == ("", "")
    assert state_events(db_path) == events


def test_pass_prints_one_line_per_change(spent: Cli, db_path: Path) -> None:
    run = spent.ok("enforce", "--now", NEXT_DAY)
    assert run.lines == ["Acme / Display: paused -> active", "Acme / Search: paused -> active"]
    assert campaigns(spent) == {"Acme/Display": ("active", []), "Acme/Search": ("active", [])}
    assert state_events(db_path)[-2:] == [
        ("Acme", "Display", "enforce", "paused -> active"),
        ("Acme", "Search", "enforce", "paused -> active"),
    ]


def test_pass_json_shape(spent: Cli) -> None:
    run = spent.ok("reset", "--now", "2026-11-26T01:00:00+01:00", "--json")
    assert json.loads(run.stdout) == {
        "pass": "reset",
        "now": "2026-11-26T00:00:00+00:00",
        "dry_run": False,
        "changes": [
            {"brand": "Acme", "campaign": "Display", "from": "paused", "to": "active", "reasons": []},
            {"brand": "Acme", "campaign": "Search", "from": "paused", "to": "active", "reasons": []},
        ],
    }
    run = spent.ok("enforce", "--now", NEXT_DAY, "--json")
    assert json.loads(run.stdout) == {"pass": "enforce", "now": NEXT_DAY, "dry_run": False, "changes": []}
    spent.ok("campaign", "pause", "Acme", "Search", now=NEXT_DAY)
    spent.ok("schedule", "set", "Acme", "Search", "Mon 01:00-02:00", now=NEXT_DAY)
    spent.ok("campaign", "resume", "Acme", "Search", now=NEXT_DAY)
    spent.ok("spend", "record", "Acme", "Display", "1000", "--at", "2026-11-25T23:00", now=NEXT_DAY)
    # Evaluated at once; a daypart later only confirms the reasons.
    assert campaigns(spent)["Acme/Search"] == ("paused", ["monthly_budget", "outside_schedule"])


def test_dry_run_reports_and_writes_nothing(spent: Cli, db_path: Path) -> None:
    before = dump(db_path)
    run = spent.ok("enforce", "--now", NEXT_DAY, "--dry-run")
    assert run.lines == ["would: Acme / Display: paused -> active", "would: Acme / Search: paused -> active"]
    assert dump(db_path) == before
    run = spent.ok("reset", "--now", "2026-12-02T00:00:00+00:00", "--dry-run", "--json",
                   now="2026-12-02T00:00:00+00:00")
    assert json.loads(run.stdout) == {
        "pass": "reset",
        "now": "2026-12-02T00:00:00+00:00",
        "dry_run": True,
        "changes": [
            {"brand": "Acme", "campaign": "Display", "from": "paused", "to": "active", "reasons": []},
            {"brand": "Acme", "campaign": "Search", "from": "paused", "to": "active", "reasons": []},
        ],
    }
    assert dump(db_path) == before


def test_verbose_pass_explains_each_change_on_its_own_line(ready: Cli) -> None:
    scheduled(ready, "Wed 11:00-13:00")
    run = ready.ok("daypart", "--now", "2026-11-25T13:00:00+00:00", "-v")
    assert run.lines == [
        "B / C: active -> paused (outside_schedule)",
        "    outside schedule: Wed 11:00-13:00 (UTC)",
        "daypart at 2026-11-25T13:00:00+00:00: 1 campaign evaluated, 1 changed",
    ]


def test_passes_are_idempotent(spent: Cli, db_path: Path) -> None:
    spent.ok("schedule", "set", "Acme", "Display", "Thu 00:00-01:00", now=NOW)
    first = spent.ok("enforce", "--now", NEXT_DAY)
    assert first.lines == ["Acme / Display: paused -> active", "Acme / Search: paused -> active"]
    events = query(db_path, "SELECT id FROM event ORDER BY id")
    settled = without_pass_runs(db_path)
    for name in ("enforce", "daypart", "enforce", "daypart"):
        run = spent.ok(name, "--now", NEXT_DAY)
        assert run.stdout == "", name
    assert without_pass_runs(db_path) == settled
    # reset closes Nov 25 once and changes no campaign.
    assert spent.ok("reset", "--now", NEXT_DAY).stdout == ""
    assert query(db_path, "SELECT kind, command, message FROM event WHERE id > ? ORDER BY id", events[-1][0]) == [
        ("period.closed", "reset", "closed day 2026-11-25: spent 100.00 of 100.00"),
    ]
    settled = without_pass_runs(db_path)
    for name in ("reset", "enforce", "daypart", "reset"):
        run = spent.ok(name, "--now", NEXT_DAY)
        assert run.stdout == "", name
    assert without_pass_runs(db_path) == settled


def us_at(text: str) -> int:
    """ISO text as the stored integer microseconds since the epoch."""
    return (datetime.fromisoformat(text) - EPOCH) // timedelta(microseconds=1)


# -- holds, zero and none budgets, budget edits ------------------------------------------


def test_holds_are_never_lifted_by_passes(ready: Cli, db_path: Path) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "none", "--monthly", "none", now=NOW)
    ready.ok("campaign", "add", "Acme", "Search", now=NOW)
    ready.ok("schedule", "set", "Acme", "Search", "Wed 11:00-13:00", now=NOW)
    run = ready.ok("campaign", "pause", "Acme", "Search", "--note", "creative review", now=NOW)
    assert run.lines == ["Acme / Search: hold placed: creative review", "Acme / Search: active -> paused (held)"]
    for now in (NOW, "2026-11-25T14:00:00+00:00", "2026-12-02T12:00:00+00:00", "2027-01-01T00:00:00+00:00"):
        for name in ("enforce", "daypart", "reset"):
            run = ready.ok(name, "--now", now)
            assert run.stdout == "", (name, now)
        reasons = ["held"] if now in (NOW, "2026-12-02T12:00:00+00:00") else ["held", "outside_schedule"]
        assert campaigns(ready) == {"Acme/Search": ("paused", reasons)}
    assert query(db_path, "SELECT held, hold_note FROM campaign") == [(1, "creative review")]
    run = ready.ok("campaign", "pause", "Acme", "Search", now="2027-01-06T12:00:00+00:00")
    assert run.lines == ["Acme / Search is already held"]
    run = ready.ok("campaign", "resume", "Acme", "Search", now="2027-01-06T12:00:00+00:00")
    assert run.lines == ["Acme / Search: hold lifted", "Acme / Search: paused -> active"]
    assert query(db_path, "SELECT held, hold_note, state, reasons FROM campaign") == [(0, None, "active", "")]


def test_a_budget_of_zero_blocks(ready: Cli) -> None:
    ready.ok("brand", "add", "Zero", "--daily", "0", "--monthly", "none", now=NOW)
    run = ready.ok("campaign", "add", "Zero", "C", now=NOW)
    assert run.lines == ["added campaign Zero / C", "Zero / C: active -> paused (daily_budget)"]
    ready.ok("brand", "add", "Month", "--daily", "none", "--monthly", "0", now=NOW)
    run = ready.ok("campaign", "add", "Month", "C", now=NOW)
    assert run.lines == ["added campaign Month / C", "Month / C: active -> paused (monthly_budget)"]
    assert ready.ok("enforce", "--now", "2026-12-25T00:00:00+00:00").stdout == ""


def test_a_budget_of_zero_blocks_even_after_refunds(ready: Cli) -> None:
    ready.ok("brand", "add", "Zero", "--daily", "0", "--monthly", "0", now=NOW)
    ready.ok("campaign", "add", "Zero", "C", now=NOW)
    run = ready.ok("spend", "record", "Zero", "C", "--", "-50", now=NOW)
    assert run.lines == ["recorded -50.00 USD on Zero / C at 2026-11-25T12:00+00:00 (entry #1)"]
    assert ready.ok("enforce", "--now", NOW).stdout == ""
    assert campaigns(ready) == {"Zero/C": ("paused", ["daily_budget", "monthly_budget"])}


def test_none_never_blocks(ready: Cli) -> None:
    ready.ok("brand", "add", "Free", "--daily", "none", "--monthly", "none", now=NOW)
    ready.ok("campaign", "add", "Free", "C", now=NOW)
    run = ready.ok("spend", "record", "Free", "C", "999999999999.999999", now=NOW)
    assert run.lines == ["recorded 999,999,999,999.999999 USD on Free / C at 2026-11-25T12:00+00:00 (entry #1)"]
    assert ready.ok("enforce", "--now", NOW).stdout == ""
    assert campaigns(ready) == {"Free/C": ("active", [])}


def test_budget_edits_take_effect_at_once(ready: Cli, db_path: Path) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "1000", now=NOW)
    ready.ok("campaign", "add", "Acme", "Search", now=NOW)
    ready.ok("spend", "record", "Acme", "Search", "60", now=NOW)
    run = ready.ok("brand", "set", "Acme", "--daily", "60", now=NOW)
    assert run.lines == ["daily budget 100.00 -> 60.00", "Acme / Search: active -> paused (daily_budget)"]
    run = ready.ok("brand", "set", "Acme", "--monthly", "50", now=NOW)
    assert run.lines == ["monthly budget 1,000.00 -> 50.00"]
    assert campaigns(ready) == {"Acme/Search": ("paused", ["daily_budget", "monthly_budget"])}
    run = ready.ok("brand", "set", "Acme", "--daily", "60.01", now=NOW)
    assert run.lines == ["daily budget 60.00 -> 60.01"]
    assert campaigns(ready) == {"Acme/Search": ("paused", ["monthly_budget"])}
    run = ready.ok("brand", "set", "Acme", "--monthly", "none", now=NOW)
    assert run.lines == ["monthly budget 50.00 -> none", "Acme / Search: paused -> active"]
    run = ready.ok("brand", "set", "Acme", "--monthly", "none", now=NOW)
    assert run.lines == ["nothing changed"]
    assert [m for (m,) in query(db_path, "SELECT message FROM event WHERE kind = 'brand.budget' ORDER BY id")] == [
        "daily budget 100.00 -> 60.00",
        "monthly budget 1,000.00 -> 50.00",
        "daily budget 60.00 -> 60.01",
        "monthly budget 50.00 -> none",
    ]


def test_spend_at_the_next_local_midnight_counts_for_that_day_not_today(ready: Cli) -> None:
    ready.ok("brand", "add", "A", "--daily", "100", "--monthly", "none", "--tz", "UTC",
             now="2026-11-23T23:50:00+00:00")
    ready.ok("campaign", "add", "A", "c", now="2026-11-23T23:50:00+00:00")
    # 3 minutes ahead is allowed; the instant is the first of Nov 24, not the last of Nov 23.
    run = ready.ok("spend", "record", "A", "c", "100", "--at", "2026-11-24T00:00:00+00:00",
                   now="2026-11-23T23:57:00+00:00")
    assert run.lines == ["recorded 100.00 USD on A / c at 2026-11-24T00:00+00:00 (entry #1)"]
    assert campaigns(ready) == {"A/c": ("active", [])}
    run = ready.ok("enforce", "--now", "2026-11-24T00:00:00+00:00")
    assert run.lines == ["A / c: active -> paused (daily_budget)"]
    assert campaigns(ready) == {"A/c": ("paused", ["daily_budget"])}


def test_spend_that_reaches_the_daily_budget_pauses_every_campaign_of_the_brand(
    ready: Cli, db_path: Path
) -> None:
    ready.ok("brand", "add", "A", "--daily", "100", "--monthly", "none", "--tz", "UTC", now=NOW)
    ready.ok("campaign", "add", "A", "a1", now=NOW)
    ready.ok("campaign", "add", "A", "a2", now=NOW)
    run = ready.ok("spend", "record", "A", "a1", "100", now=NOW)
    assert run.lines == [
        "recorded 100.00 USD on A / a1 at 2026-11-25T12:00+00:00 (entry #1)",
        "A / a1: active -> paused (daily_budget)",
        "A / a2: active -> paused (daily_budget)",
    ]
    assert campaigns(ready) == {"A/a1": ("paused", ["daily_budget"]), "A/a2": ("paused", ["daily_budget"])}
    figures = "daily budget: 100.00 of 100.00 spent on 2026-11-25 (UTC)"
    assert state_events(db_path) == [
        ("A", "a1", "spend record", f"active -> paused: {figures}"),
        ("A", "a2", "spend record", f"active -> paused: {figures}"),
    ]


# -- reset: closing periods ------------------------------------------------------------


def test_reset_catches_up_missed_days_across_a_month_end(ready: Cli, db_path: Path) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "1000", now="2026-11-28T12:00:00+00:00")
    ready.ok("brand", "add", "Tokyo", "--daily", "none", "--monthly", "500", "--tz", "Asia/Tokyo",
             now="2026-11-28T12:00:00+00:00")
    ready.ok("campaign", "add", "Acme", "Search", now="2026-11-28T12:00:00+00:00")
    ready.ok("campaign", "add", "Tokyo", "Search", now="2026-11-28T12:00:00+00:00")
    for day, amount in (("28", "10"), ("29", "20"), ("30", "30")):
        for brand in ("Acme", "Tokyo"):
            ready.ok("spend", "record", brand, "Search", amount, "--at", f"2026-11-{day}T12:00:00+00:00",
                     now=f"2026-11-{day}T12:00:00+00:00")
    ready.ok("spend", "record", "Acme", "Search", "5", now="2026-12-01T12:00:00+00:00")
    # The first reset after the brands were created closes Nov 28 (12:00Z is 21:00 in Tokyo).
    run = ready.ok("reset", "--now", "2026-11-29T00:05:00+00:00", "-v")
    assert sorted(run.lines[:-1]) == [
        "closed day 2026-11-28 for Acme: spent 10.00 of 100.00",
        "closed day 2026-11-28 for Tokyo: spent 10.00 of none",
    ]
    assert run.lines[-1] == "reset at 2026-11-29T00:05:00+00:00: 2 campaigns evaluated, 0 changed"
    # Cron then missed three runs, across the month end: Nov 29, Nov 30, the month, Dec 1.
    run = ready.ok("reset", "--now", "2026-12-02T00:05:00+00:00", "-v", now="2026-12-02T00:05:00+00:00")
    assert sorted(run.lines[:-1]) == [
        "closed day 2026-11-29 for Acme: spent 20.00 of 100.00",
        "closed day 2026-11-29 for Tokyo: spent 20.00 of none",
        "closed day 2026-11-30 for Acme: spent 30.00 of 100.00",
        "closed day 2026-11-30 for Tokyo: spent 30.00 of none",
        "closed day 2026-12-01 for Acme: spent 5.00 of 100.00",
        "closed day 2026-12-01 for Tokyo: spent 0.00 of none",
        "closed month 2026-11 for Acme: spent 60.00 of 1,000.00",
        "closed month 2026-11 for Tokyo: spent 60.00 of 500.00",
    ]
    assert run.lines[-1] == "reset at 2026-12-02T00:05:00+00:00: 2 campaigns evaluated, 0 changed"
    rows = query(
        db_path,
        "SELECT b.name, p.kind, p.first_day, p.spend, p.budget, p.closed_at FROM period_close p "
        "JOIN brand b ON b.id = p.brand_id ORDER BY b.name, p.kind, p.first_day",
    )
    first, second = us_at("2026-11-29T00:05:00+00:00"), us_at("2026-12-02T00:05:00+00:00")
    assert rows == [
        ("Acme", "day", "2026-11-28", 10_000_000, 100_000_000, first),
        ("Acme", "day", "2026-11-29", 20_000_000, 100_000_000, second),
        ("Acme", "day", "2026-11-30", 30_000_000, 100_000_000, second),
        ("Acme", "day", "2026-12-01", 5_000_000, 100_000_000, second),
        ("Acme", "month", "2026-11-01", 60_000_000, 1_000_000_000, second),
        ("Tokyo", "day", "2026-11-28", 10_000_000, None, first),
        ("Tokyo", "day", "2026-11-29", 20_000_000, None, second),
        ("Tokyo", "day", "2026-11-30", 30_000_000, None, second),
        ("Tokyo", "day", "2026-12-01", 0, None, second),
        ("Tokyo", "month", "2026-11-01", 60_000_000, 500_000_000, second),
    ]
    assert query(db_path, "SELECT name, closed_through FROM brand ORDER BY name") == [
        ("Acme", "2026-12-01"), ("Tokyo", "2026-12-01"),
    ]
    before = dump(db_path)
    for now in ("2026-12-02T00:05:00+00:00", "2026-12-02T14:00:00+00:00"):
        run = ready.ok("reset", "--now", now, "-v", now=now)
        assert run.lines == [f"reset at {now}: 2 campaigns evaluated, 0 changed"]
    assert without_pass_runs(db_path) == {k: v for k, v in before.items() if k != "pass_run"}
    # Tokyo's Dec 2 ends at 15:00Z.
    run = ready.ok("reset", "--now", "2026-12-02T15:00:00+00:00", "-v", now="2026-12-02T15:00:00+00:00")
    assert run.lines[0] == "closed day 2026-12-02 for Tokyo: spent 0.00 of none"
    assert run.lines[1:] == ["reset at 2026-12-02T15:00:00+00:00: 2 campaigns evaluated, 0 changed"]
    events = query(db_path, "SELECT brand, message FROM event WHERE kind = 'period.closed' ORDER BY id")
    assert len(events) == 11
    assert ("Acme", "closed month 2026-11: spent 60.00 of 1,000.00") in events


@pytest.mark.parametrize(
    ("created", "old", "new", "moved", "ends", "day", "month"),
    [
        # Added without --tz at 02:00Z, put right that evening: 22:00 on Jun 30 in New York.
        ("2026-07-01T02:00:00+00:00", "UTC", "America/New_York", "2026-07-01T02:00:00+00:00",
         "2026-07-01T04:05:00+00:00", "2026-06-30", "2026-06"),
        # Across the date line: Jul 1 in Kiritimati is still Jun 30 in Pago Pago.
        ("2026-06-30T12:00:00+00:00", "Pacific/Kiritimati", "Pacific/Pago_Pago",
         "2026-06-30T13:00:00+00:00", "2026-07-01T11:05:00+00:00", "2026-06-30", "2026-06"),
    ],
    ids=["utc-to-new-york", "kiritimati-to-pago-pago"],
)
def test_a_brand_moved_west_has_its_open_day_and_month_closed_in_its_new_zone(
    ready: Cli, db_path: Path, created: str, old: str, new: str, moved: str, ends: str, day: str,
    month: str,
) -> None:
    """The old zone had closed the brand's days through yesterday; in the new zone that
    yesterday is today. reset closes it, and its month, when they end there."""
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "1000", "--tz", old, now=created)
    ready.ok("campaign", "add", "Acme", "C", now=created)
    ready.ok("brand", "set", "Acme", "--tz", new, now=moved)
    ready.ok("spend", "record", "Acme", "C", "40", now=moved)
    run = ready.ok("reset", "-v", now=ends)
    assert run.lines == [
        f"closed month {month} for Acme: spent 40.00 of 1,000.00",
        f"closed day {day} for Acme: spent 40.00 of 100.00",
        f"reset at {ends}: 1 campaign evaluated, 0 changed",
    ]
    assert query(db_path, "SELECT kind, first_day, spend FROM period_close ORDER BY kind") == [
        ("day", day, 40_000_000), ("month", f"{month}-01", 40_000_000),
    ]
    assert query(db_path, "SELECT closed_through FROM brand") == [(day,)]


def test_a_day_closed_before_a_move_west_is_not_closed_or_said_again(
    ready: Cli, db_path: Path
) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "1000",
             now="2026-06-30T12:00:00+00:00")
    ready.ok("campaign", "add", "Acme", "C", now="2026-06-30T12:00:00+00:00")
    ready.ok("spend", "record", "Acme", "C", "40", now="2026-06-30T12:00:00+00:00")
    run = ready.ok("reset", "-v", now="2026-07-01T00:05:00+00:00")
    assert run.lines[:2] == [
        "closed month 2026-06 for Acme: spent 40.00 of 1,000.00",
        "closed day 2026-06-30 for Acme: spent 40.00 of 100.00",
    ]
    ready.ok("brand", "set", "Acme", "--tz", "America/New_York", now="2026-07-01T02:00:00+00:00")
    ready.ok("spend", "record", "Acme", "C", "5", now="2026-07-01T02:00:00+00:00")  # Jun 30 there
    closes = query(db_path, "SELECT * FROM period_close ORDER BY id")
    # New York's Jun 30, and June, end at 04:00Z: closed already, in UTC, they keep that record.
    run = ready.ok("reset", "-v", now="2026-07-01T04:05:00+00:00")
    assert run.lines == ["reset at 2026-07-01T04:05:00+00:00: 1 campaign evaluated, 0 changed"]
    assert query(db_path, "SELECT * FROM period_close ORDER BY id") == closes
    assert query(db_path, "SELECT COUNT(*) FROM event WHERE kind = 'period.closed'") == [(2,)]
    assert query(db_path, "SELECT closed_through FROM brand") == [("2026-06-30",)]
    run = ready.ok("reset", "-v", now="2026-07-02T04:05:00+00:00")
    assert run.lines[0] == "closed day 2026-07-01 for Acme: spent 0.00 of 100.00"


def test_a_zone_change_under_a_clock_behind_the_brand_s_creation_reopens_no_day_before_it(
    ready: Cli, db_path: Path
) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "1000",
             now="2026-07-10T12:00:00+00:00")
    ready.ok("brand", "set", "Acme", "--tz", "America/New_York", now="2026-07-01T02:00:00+00:00")
    assert query(db_path, "SELECT closed_through FROM brand") == [("2026-07-09",)]
    run = ready.ok("reset", "-v", now="2026-07-11T12:00:00+00:00")
    assert run.lines == [
        "closed day 2026-07-10 for Acme: spent 0.00 of 100.00",
        "reset at 2026-07-11T12:00:00+00:00: 0 campaigns evaluated, 0 changed",
    ]


def test_reset_closes_no_day_the_zone_skipped_but_closes_its_month(ready: Cli, db_path: Path) -> None:
    """Samoa left out 2011-12-30; December still ends, with its 31st."""
    ready.ok("brand", "add", "AP", "--daily", "50", "--monthly", "500", "--tz", "Pacific/Apia",
             now="2011-12-29T12:00:00+00:00")
    run = ready.ok("reset", "-v", now="2012-01-02T12:00:00+00:00")
    assert run.lines == [
        "closed month 2011-12 for AP: spent 0.00 of 500.00",
        "closed day 2011-12-29 for AP: spent 0.00 of 50.00",
        "closed day 2011-12-31 for AP: spent 0.00 of 50.00",
        "closed day 2012-01-01 for AP: spent 0.00 of 50.00",
        "closed day 2012-01-02 for AP: spent 0.00 of 50.00",
        "reset at 2012-01-02T12:00:00+00:00: 0 campaigns evaluated, 0 changed",
    ]
    assert query(db_path, "SELECT kind, first_day FROM period_close ORDER BY first_day, kind") == [
        ("month", "2011-12-01"), ("day", "2011-12-29"), ("day", "2011-12-31"),
        ("day", "2012-01-01"), ("day", "2012-01-02"),
    ]


def test_reset_looking_ahead_closes_only_what_the_clock_has_seen_end(ready: Cli, db_path: Path) -> None:
    """--now after the clock: evaluate there, but close no day that has not ended yet."""
    clock = "2026-11-25T12:00:00+00:00"
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "1000", now="2026-11-20T12:00:00+00:00")
    ready.ok("campaign", "add", "Acme", "Search", now="2026-11-20T12:00:00+00:00")
    ready.ok("spend", "record", "Acme", "Search", "100", now=clock)
    run = ready.ok("reset", "--now", "2027-03-01T00:05:00+00:00", "-v", now=clock)
    # Closed: Nov 20 to 24, ended by the clock. Not Nov 25 on: their spend is not final.
    assert [line for line in run.lines if line.startswith("closed")] == [
        f"closed day 2026-11-{day} for Acme: spent 0.00 of 100.00" for day in range(20, 25)
    ]
    assert run.lines[-1] == "reset at 2027-03-01T00:05:00+00:00: 1 campaign evaluated, 1 changed"
    assert query(db_path, "SELECT closed_through FROM brand") == [("2026-11-24",)]
    # At the clock's own next day the 25th closes with its real spend; an unreadable
    # $BUDGETCTL_NOW leaves the system's clock to say how far that is.
    with freeze_time("2026-11-27T12:00:00+00:00"):
        run = ready("reset", "--now", "2027-03-01T00:05:00+00:00", "-v", env={"BUDGETCTL_NOW": "garbage"})
    assert [line for line in run.lines if line.startswith("closed")] == [
        "closed day 2026-11-25 for Acme: spent 100.00 of 100.00",
        "closed day 2026-11-26 for Acme: spent 0.00 of 100.00",
    ]


def test_reset_records_the_budget_each_closed_period_had(ready: Cli, db_path: Path) -> None:
    """Budgets changed after a period ended, before reset ran: each close keeps its own."""
    ready.ok("brand", "add", "Acme", "--daily", "10", "--monthly", "300", now="2026-06-01T12:00:00+00:00")
    ready.ok("campaign", "add", "Acme", "C", now="2026-06-01T12:00:00+00:00")
    ready.ok("spend", "record", "Acme", "C", "10", now="2026-06-01T12:00:00+00:00")
    ready.ok("brand", "set", "Acme", "--daily", "100", now="2026-06-02T00:01:00+00:00")
    # At 06-03 00:00 exactly: 06-02 ends then, so it had the budget before the change.
    ready.ok("brand", "set", "Acme", "--daily", "50.000001", "--monthly", "none", now="2026-06-03T00:00:00+00:00")
    ready.ok("brand", "import", "-", now="2026-07-01T00:00:00+00:00",
             input=b"name,daily,monthly\nAcme,none,400\n")
    ready.ok("reset", "--now", "2026-07-02T00:03:00+00:00")
    rows = query(db_path, "SELECT kind, first_day, spend, budget FROM period_close ORDER BY kind, first_day")
    assert rows[:3] == [("day", "2026-06-01", 10_000_000, 10_000_000),
                        ("day", "2026-06-02", 0, 100_000_000),
                        ("day", "2026-06-03", 0, 50_000_001)]
    assert rows[29:] == [("day", "2026-06-30", 0, 50_000_001), ("day", "2026-07-01", 0, None),
                         ("month", "2026-06-01", 10_000_000, None)]
    assert len(rows) == 32
    assert query(db_path, "SELECT message FROM event WHERE kind = 'period.closed' ORDER BY id LIMIT 1") == [
        ("closed day 2026-06-01: spent 10.00 of 10.00",)]
    # history --json carries the figures as decimal strings; a budget of none is null.
    closes = [e["detail"] for e in json.loads(ready.ok("history", "--json", "--limit", "100").stdout)
              if e["kind"] == "period.closed"]
    assert len(closes) == 32
    for close in ({"period": "day", "label": "2026-06-01", "spend": "10.00", "budget": "10.00"},
                  {"period": "day", "label": "2026-06-03", "spend": "0.00", "budget": "50.000001"},
                  {"period": "month", "label": "2026-06", "spend": "10.00", "budget": None}):
        assert close in closes


def test_reset_reactivates_at_the_new_brand_day(ready: Cli, db_path: Path) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "none", "--tz", "America/New_York",
             now="2026-11-25T17:00:00+00:00")
    ready.ok("campaign", "add", "Acme", "Search", now="2026-11-25T17:00:00+00:00")
    run = ready.ok("spend", "record", "Acme", "Search", "100", now="2026-11-25T17:00:00+00:00")
    assert run.lines[1] == "Acme / Search: active -> paused (daily_budget)"
    # Midnight UTC is 19:00 in New York: still the 25th there.
    assert ready.ok("reset", "--now", "2026-11-26T00:30:00+00:00").stdout == ""
    assert ready.ok("reset", "--now", "2026-11-26T04:59:59+00:00").stdout == ""
    assert campaigns(ready) == {"Acme/Search": ("paused", ["daily_budget"])}
    run = ready.ok("reset", "--now", "2026-11-26T05:00:00+00:00")
    assert run.lines == ["Acme / Search: paused -> active"]
    assert query(db_path, "SELECT first_day, spend, budget FROM period_close") == [
        ("2026-11-25", 100_000_000, 100_000_000)
    ]
    events = json.loads(ready.ok("history", "--brand", "Acme", "--json").stdout)
    assert [(e["command"], e["message"], e["detail"]) for e in events if e["kind"] == "state"] == [
        (
            "spend record",
            "active -> paused: daily budget: 100.00 of 100.00 spent on 2026-11-25 (America/New_York)",
            {
                "from": "active",
                "to": "paused",
                "reasons": ["daily_budget"],
                "figures": ["daily budget: 100.00 of 100.00 spent on 2026-11-25 (America/New_York)"],
            },
        ),
        ("reset", "paused -> active", {"from": "paused", "to": "active", "reasons": [], "figures": []}),
    ]


def test_history_has_one_event_per_state_change(ready: Cli, db_path: Path) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "150", now=NOW)
    ready.ok("campaign", "add", "Acme", "Search", now=NOW)
    ready.ok("schedule", "set", "Acme", "Search", "daily 08:00-20:00", now=NOW)
    ready.ok("spend", "record", "Acme", "Search", "100", now=NOW)  # paused (daily)
    ready.ok("campaign", "pause", "Acme", "Search", now=NOW)  # reasons change, state does not
    ready.ok("daypart", "--now", "2026-11-25T21:00:00+00:00")  # reasons change
    ready.ok("campaign", "resume", "Acme", "Search", now="2026-11-25T21:00:00+00:00")
    ready.ok("enforce", "--now", "2026-11-26T09:00:00+00:00")  # active again
    ready.ok("spend", "record", "Acme", "Search", "50", now="2026-11-26T09:00:00+00:00")  # monthly
    ready.ok("enforce", "--now", "2026-12-01T09:00:00+00:00")  # active
    for name in ("enforce", "daypart", "reset"):
        ready.ok(name, "--now", "2026-12-01T09:00:00+00:00")
    assert state_events(db_path) == [
        ("Acme", "Search", "spend record",
         "active -> paused: daily budget: 100.00 of 100.00 spent on 2026-11-25 (UTC)"),
        ("Acme", "Search", "enforce", "paused -> active"),
        ("Acme", "Search", "spend record",
         "active -> paused: monthly budget: 150.00 of 150.00 spent in 2026-11 (UTC)"),
        ("Acme", "Search", "enforce", "paused -> active"),
    ]


# -- campaign show -------------------------------------------------------------------


def test_campaign_show_explains_every_reason(ready: Cli) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "150", "--tz", "Europe/Berlin", now=NOW)
    ready.ok("campaign", "add", "Acme", "Search", "--external-id", "2145", now=NOW)
    ready.ok("campaign", "add", "Acme", "Display", now=NOW)
    ready.ok("schedule", "set", "Acme", "Search", "Mon-Fri 09:00-12:00", now=NOW)
    ready.ok("campaign", "pause", "Acme", "Search", "--note", "creative review", now=NOW)
    ready.ok("spend", "record", "Acme", "Display", "120.5", "--at", "2026-11-02", now=NOW)
    ready.ok("spend", "record", "Acme", "Search", "100", now=NOW)
    ready.ok("spend", "record", "Acme", "Display", "0.25", now=NOW)
    assert ready.ok("campaign", "show", "Acme", "Search", "--now", NOW).lines == [
        "Acme / Search: paused",
        "  - held by an operator: creative review",
        "  - daily budget: 100.25 of 100.00 spent on 2026-11-25 (Europe/Berlin)",
        "  - monthly budget: 220.75 of 150.00 spent in 2026-11 (Europe/Berlin)",
        "  - outside schedule: Mon-Fri 09:00-12:00 (Europe/Berlin)",
        "external id: 2145",
        "schedule (Europe/Berlin): Mon-Fri 09:00-12:00",
        "  next window opens at 2026-11-26T09:00+01:00",
        "spend today (2026-11-25): 100.00 of the brand's 100.25 / 100.00 USD",
        "spend this month (2026-11): 100.00 of the brand's 220.75 / 150.00 USD",
    ]
    ready.ok("campaign", "resume", "Acme", "Search", now=NOW)
    ready.ok("brand", "set", "Acme", "--daily", "none", "--monthly", "none", now=NOW)
    # Stored: paused outside its window since the resume; at 11:00 in Berlin the window is open.
    assert ready.ok("campaign", "show", "Acme", "Search", "--now", "2026-11-27T10:00:00+00:00").lines == [
        "Acme / Search: paused",
        "next pass: paused -> active",
        "external id: 2145",
        "schedule (Europe/Berlin): Mon-Fri 09:00-12:00",
        "  next window closes at 2026-11-27T12:00+01:00",
        "spend today (2026-11-27): 0.00 of the brand's 0.00 / none USD",
        "spend this month (2026-11): 100.00 of the brand's 220.75 / none USD",
    ]
    # Friday after closing: the next window opens on Monday.
    assert ready.ok("campaign", "show", "Acme", "Search", "--now", "2026-11-27T12:00:00+00:00").lines[:5] == [
        "Acme / Search: paused",
        "  - outside schedule: Mon-Fri 09:00-12:00 (Europe/Berlin)",
        "external id: 2145",
        "schedule (Europe/Berlin): Mon-Fri 09:00-12:00",
        "  next window opens at 2026-11-30T09:00+01:00",
    ]
    assert ready.ok("campaign", "show", "Acme", "Display", "--now", NOW).lines == [
        "Acme / Display: active",
        "schedule: none (may run at any time)",
        "spend today (2026-11-25): 0.25 of the brand's 100.25 / none USD",
        "spend this month (2026-11): 120.75 of the brand's 220.75 / none USD",
    ]


def test_campaign_show_gives_the_stored_state_and_what_the_next_pass_will_do(ready: Cli, db_path: Path) -> None:
    noon = "2026-06-01T12:30:00+00:00"
    ready.ok("brand", "add", "Acme", "--daily", "none", "--monthly", "none", now=noon)
    ready.ok("campaign", "add", "Acme", "C", now=noon)
    ready.ok("schedule", "set", "Acme", "C", "daily 12:00-13:00", now=noon)
    # 14:00: the window has closed and no pass has run since.
    later = "2026-06-01T14:00:00+00:00"
    before = dump(db_path)
    assert ready.ok("campaign", "show", "Acme", "C", now=later).lines == [
        "Acme / C: active",
        "next pass: active -> paused (outside_schedule)",
        "  - outside schedule: daily 12:00-13:00 (UTC)",
        "schedule (UTC): daily 12:00-13:00",
        "  next window opens at 2026-06-02T12:00+00:00",
        "spend today (2026-06-01): 0.00 of the brand's 0.00 / none USD",
        "spend this month (2026-06): 0.00 of the brand's 0.00 / none USD",
    ]
    shown = json.loads(ready.ok("campaign", "show", "Acme", "C", "--json", now=later).stdout)
    assert {k: shown[k] for k in ("state", "reasons", "explanation", "due")} == {
        "state": "active",
        "reasons": ["outside_schedule"],
        "explanation": ["outside schedule: daily 12:00-13:00 (UTC)"],
        "due": {"state": "paused", "reasons": ["outside_schedule"]},
    }
    assert shown["state"] == json.loads(ready.ok("campaign", "list", "--json", now=later).stdout)[0]["state"]
    assert dump(db_path) == before
    # The pass says the same words, and then the stored state agrees with the rule.
    assert ready.ok("daypart", now=later).lines == ["Acme / C: active -> paused (outside_schedule)"]
    assert ready.ok("campaign", "show", "Acme", "C", now=later).lines[:2] == [
        "Acme / C: paused",
        "  - outside schedule: daily 12:00-13:00 (UTC)",
    ]
    shown = json.loads(ready.ok("campaign", "show", "Acme", "C", "--json", now=later).stdout)
    assert (shown["state"], shown["reasons"], shown["due"]) == ("paused", ["outside_schedule"], None)


def test_campaign_show_before_the_new_day_is_applied(ready: Cli) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "10", "--monthly", "none", now=NOW)
    ready.ok("campaign", "add", "Acme", "C", now=NOW)
    ready.ok("spend", "record", "Acme", "C", "10", now=NOW)
    # Just after midnight: still paused for yesterday's budget until a pass runs.
    assert ready.ok("campaign", "show", "Acme", "C", now="2026-11-26T00:01:00+00:00").lines[:2] == [
        "Acme / C: paused",
        "next pass: paused -> active",
    ]
    shown = json.loads(ready.ok("campaign", "show", "Acme", "C", "--json", now="2026-11-26T00:01:00+00:00").stdout)
    assert (shown["state"], shown["reasons"], shown["due"]) == ("paused", [], {"state": "active", "reasons": []})


# -- doctor ---------------------------------------------------------------------------


T0 = "2026-11-25T12:00:00+00:00"


def engine_checks(db: Path | str) -> list[str]:
    """doctor's engine lines: SQLite checks pages and journal mode; PostgreSQL its own pages."""
    if is_url(db):
        return ["ok   integrity: ok (PostgreSQL checks its own pages)"]
    return ["ok   integrity: ok", "ok   journal mode: wal"]


def test_doctor_judges_a_pass_by_when_it_ran_not_by_the_now_it_ran_for(ready: Cli) -> None:
    for name in ("enforce", "daypart", "reset"):
        ready.ok(name, now=T0)
    later = "2026-11-25T12:00:30+00:00"
    ready.ok("reset", "--now", "2026-11-20T00:00:00+00:00", now=later)  # a replay of an earlier day
    ready.ok("enforce", "--now", "2030-01-01T00:00:00+00:00", now=later)  # a look ahead
    run = ready("doctor", "--now", "2026-11-25T12:01:00+00:00")
    assert run.exit_code == 0, run.stdout
    assert run.lines[-3:] == [
        "ok   last enforce: 2026-11-25T12:00:30+00:00 (30 s ago)",
        "ok   last daypart: 2026-11-25T12:00:00+00:00 (60 s ago)",
        "ok   last reset: 2026-11-25T12:00:30+00:00 (30 s ago)",
    ]
    # The look ahead does not hide a cron that stopped after it.
    run = ready("doctor", "--now", "2026-11-25T12:20:00+00:00")
    assert run.exit_code == 1
    assert run.lines[-3] == (
        "FAIL last enforce: 2026-11-25T12:00:30+00:00 (19 min 30 s ago, overdue: expected every 15 min)"
    )
    assert query(ready.db, "SELECT name, last_now FROM pass_run WHERE name <> 'init' ORDER BY name") == [
        ("daypart", 1_795_608_000_000_000), ("enforce", 1_893_456_000_000_000), ("reset", 1_795_132_800_000_000)]


def test_doctor_keeps_the_latest_run_when_a_replay_runs_under_an_earlier_clock(ready: Cli) -> None:
    ready.ok("enforce", now=T0)
    ready.ok("enforce", now="2026-11-24T12:00:00+00:00")  # a replay under $BUDGETCTL_NOW
    run = ready("doctor", "--now", "2026-11-25T12:01:00+00:00")
    assert run.lines[-3] == "ok   last enforce: 2026-11-25T12:00:00+00:00 (60 s ago)"
    # --now given: an unreadable $BUDGETCTL_NOW is not in the way; the system's clock says
    # when the pass ran (not the --now it evaluated, which may lie ahead).
    with freeze_time("2026-11-25T12:02:30+00:00"):
        bad = ready("enforce", "--now", "2026-11-25T12:02:00+00:00", env={"BUDGETCTL_NOW": "garbage"})
    assert (bad.exit_code, bad.stderr) == (0, "")
    assert ready("doctor", "--now", "2026-11-25T12:03:00+00:00").lines[-3] == (
        "ok   last enforce: 2026-11-25T12:02:30+00:00 (30 s ago)")


def test_doctor_passes_when_the_passes_ran_recently(ready: Cli, db_path: Path | str) -> None:
    for name in ("enforce", "daypart", "reset"):
        ready.ok(name, now=T0)
    run = ready("doctor", "--now", "2026-11-25T12:05:00+00:00")
    assert run.exit_code == 0, run.stdout
    assert run.stderr == ""
    assert run.lines[1:] == [
        *engine_checks(db_path),
        f"ok   schema: revision {HEAD_REVISION}",
        "ok   contents: 0 brands, 0 campaigns, 0 ledger entries",
        "ok   last enforce: 2026-11-25T12:00:00+00:00 (5 min ago)",
        "ok   last daypart: 2026-11-25T12:00:00+00:00 (5 min ago)",
        "ok   last reset: 2026-11-25T12:00:00+00:00 (5 min ago)",
    ]


def test_doctor_counts_one_of_each_in_the_singular(ready: Cli) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "10", "--monthly", "100", now=T0)
    ready.ok("campaign", "add", "Acme", "Search", now=T0)
    ready.ok("spend", "record", "Acme", "Search", "1", now=T0)
    lines = ready("doctor", "--now", T0).lines
    assert "ok   contents: 1 brand, 1 campaign, 1 ledger entry" in lines, lines


def test_doctor_fails_when_a_pass_is_overdue(ready: Cli) -> None:
    run = ready("doctor", "--now", T0)
    assert run.exit_code == 1
    checks = len(run.lines) - 1
    assert run.stderr == (
        f"error: 3 of {checks} checks failed: last enforce, last daypart, last reset\n"
    )
    assert run.lines[-3:] == [
        "FAIL last enforce: never ran (expected at least every 15 min)",
        "FAIL last daypart: never ran (expected at least every 5 min)",
        "FAIL last reset: never ran (expected at least every 26 h)",
    ]
    for name in ("enforce", "daypart", "reset"):
        ready.ok(name, now=T0)
    # daypart: 5 min is fine, 5 min 1 s is overdue.
    assert ready("doctor", "--now", "2026-11-25T12:05:00+00:00").exit_code == 0
    run = ready("doctor", "--now", "2026-11-25T12:05:01+00:00")
    assert run.exit_code == 1
    assert run.lines[-2] == (
        "FAIL last daypart: 2026-11-25T12:00:00+00:00 (5 min 1 s ago, overdue: expected every 5 min)"
    )
    # enforce: 15 min with daypart fresh.
    ready.ok("daypart", now="2026-11-25T12:14:00+00:00")
    assert ready("doctor", "--now", "2026-11-25T12:15:00+00:00").exit_code == 0
    ready.ok("daypart", now="2026-11-25T12:16:00+00:00")
    run = ready("doctor", "--now", "2026-11-25T12:16:00+00:00")
    assert run.exit_code == 1
    assert run.lines[-3] == (
        "FAIL last enforce: 2026-11-25T12:00:00+00:00 (16 min ago, overdue: expected every 15 min)"
    )
    # reset: 26 h with enforce and daypart fresh.
    for name in ("enforce", "daypart"):
        ready.ok(name, now="2026-11-26T14:00:00+00:00")
    assert ready("doctor", "--now", "2026-11-26T14:00:00+00:00").exit_code == 0
    for name in ("enforce", "daypart"):
        ready.ok(name, now="2026-11-26T14:00:01+00:00")
    run = ready("doctor", "--now", "2026-11-26T14:00:01+00:00")
    assert run.exit_code == 1
    assert run.lines[-1] == (
        "FAIL last reset: 2026-11-25T12:00:00+00:00 (26 h ago, overdue: expected every 26 h)"
    )
    assert [line for line in run.lines if line.startswith("FAIL")] == [run.lines[-1]]
    assert run.stderr == f"error: 1 of {checks} checks failed: last reset\n"



def test_doctor_at_a_clock_before_the_last_run_says_so(ready: Cli) -> None:
    for name in ("enforce", "daypart", "reset"):
        ready.ok(name, now=T0)
    # A doctor --now before the runs (they are not in the future of the system's clock).
    for before in ("2026-11-25T11:55:00+00:00", "2026-11-25T11:00:00+00:00"):
        run = ready("doctor", "--now", before)
        assert run.exit_code == 0, run.stdout
        assert run.lines[-3:] == [
            f"ok   last {name}: 2026-11-25T12:00:00+00:00 (after this clock's now)"
            for name in ("enforce", "daypart", "reset")
        ]


@freeze_time("2026-11-25T12:02:30+00:00")  # the system's clock; $BUDGETCTL_NOW each command's
def test_a_replay_under_a_later_clock_cannot_hide_a_cron_that_stopped(ready: Cli) -> None:
    for name in ("enforce", "daypart", "reset"):
        ready.ok(name, now=T0)
    ready.ok("enforce", now="2030-01-01T00:00:00+00:00")  # a replay under $BUDGETCTL_NOW
    run = ready("doctor", "--now", "2026-11-25T12:01:00+00:00")
    assert run.exit_code == 1
    assert run.lines[-3] == (
        "FAIL last enforce: 2030-01-01T00:00:00+00:00 (1132 d after the system's clock: cannot "
        "tell whether it still runs; a replay under a later $BUDGETCTL_NOW records such a time, "
        "and the pass's next run replaces it)"
    )
    # cron's next run replaces the future record with its own time; a stop after it shows.
    ready.ok("enforce", now="2026-11-25T12:02:00+00:00")
    assert ready("doctor", "--now", "2026-11-25T12:03:00+00:00").lines[-3] == (
        "ok   last enforce: 2026-11-25T12:02:00+00:00 (60 s ago)"
    )
    run = ready("doctor", "--now", "2026-11-28T12:02:00+00:00")
    assert run.lines[-3] == (
        "FAIL last enforce: 2026-11-25T12:02:00+00:00 (3 d ago, overdue: expected every 15 min)"
    )
    # A run that read its clock a little before the latest (it waited for the lock) keeps it.
    ready.ok("daypart", now="2026-11-25T12:10:00+00:00")
    ready.ok("daypart", now="2026-11-25T12:06:00+00:00")
    assert query(ready.db, "SELECT last_run_at FROM pass_run WHERE name = 'daypart'") == [
        (1_795_608_600_000_000,)
    ]

def test_doctor_gives_a_new_database_time_for_its_first_runs(cli: Cli, db_path: Path) -> None:
    sqlite_only(db_path)
    cli.ok("init", now=T0)
    assert query(db_path, "SELECT name, last_run_at, changes FROM pass_run") == [
        ("init", 1_795_608_000_000_000, 0)]
    run = cli("doctor", "--now", "2026-11-25T12:05:00+00:00")
    assert (run.exit_code, run.lines[-3:]) == (0, [
        "ok   last enforce: not run yet (the database was created 5 min ago; expected within 15 min)",
        "ok   last daypart: not run yet (the database was created 5 min ago; expected within 5 min)",
        "ok   last reset: not run yet (the database was created 5 min ago; expected within 26 h)",
    ])
    run = cli("doctor", "--now", "2026-11-25T12:05:01+00:00")
    assert (run.exit_code, run.lines[-2]) == (1, "FAIL last daypart: never ran (expected at least every 5 min)")
    # Before the database existed there is nothing to excuse.
    run = cli("doctor", "--now", "2026-11-25T11:59:00+00:00")
    assert run.lines[-3] == "FAIL last enforce: never ran (expected at least every 15 min)"
    # init again (an upgrade check) keeps the first record.
    cli.ok("init", now="2026-11-26T00:00:00+00:00")
    assert query(db_path, "SELECT name, last_run_at FROM pass_run") == [
        ("init", 1_795_608_000_000_000)]


def test_doctor_json(ready: Cli, db_path: Path | str) -> None:
    for name in ("enforce", "daypart", "reset"):
        ready.ok(name, now=T0)
    data = json.loads(ready.ok("doctor", "--now", T0, "--json").stdout)
    assert data["ok"] is True
    engine = [("integrity", True)] if is_url(db_path) else [("integrity", True), ("journal mode", True)]
    assert [(c["name"], c["ok"]) for c in data["checks"]] == [
        *engine, ("schema", True), ("contents", True),
        ("last enforce", True), ("last daypart", True), ("last reset", True),
    ]


def test_doctor_on_a_newer_schema_says_to_upgrade_budgetctl(ready: Cli, db_path: Path | str) -> None:
    """init refuses such a database, so doctor must not send the operator to init."""
    from budgetctl.store.schema import HEAD_REVISION

    newer = f"{int(HEAD_REVISION) + 1:04d}"
    for name in ("enforce", "daypart", "reset"):
        ready.ok(name, now=T0)
    execute(db_path, f"UPDATE alembic_version SET version_num = '{newer}'")
    try:
        run = ready("doctor", "--now", T0)
        assert run.exit_code == 1
        assert [line for line in run.lines if line.startswith("FAIL")] == [
            f"FAIL schema: revision {newer}, which this budgetctl (revision {HEAD_REVISION}) does not "
            "know: it was written by a newer budgetctl (upgrade budgetctl) or is not budgetctl's"
        ]
        assert "upgrade budgetctl" in ready("init").stderr
    finally:  # the PostgreSQL lane shares one database across the session's tests
        execute(db_path, f"UPDATE alembic_version SET version_num = '{HEAD_REVISION}'")


def test_doctor_on_a_known_older_schema_says_to_run_init(
    ready: Cli, db_path: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'0000' stands in for a released older revision."""
    from budgetctl.store.schema import HEAD_REVISION

    monkeypatch.setattr(
        "budgetctl.services.reports.shipped_revisions", lambda: frozenset({"0000", HEAD_REVISION})
    )
    execute(db_path, "UPDATE alembic_version SET version_num = '0000'")
    try:
        run = ready("doctor", "--now", T0)
        assert run.exit_code == 1
        assert run.lines[len(engine_checks(db_path)) + 1] == (
            f"FAIL schema: revision 0000, expected {HEAD_REVISION}: run 'budgetctl init' to upgrade it"
        )
    finally:  # the PostgreSQL lane shares one database across the session's tests
        execute(db_path, f"UPDATE alembic_version SET version_num = '{HEAD_REVISION}'")


def test_doctor_fails_on_a_damaged_file(ready: Cli, db_path: Path, tmp_path: Path) -> None:
    sqlite_only(db_path)
    damaged = tmp_path / "damaged.db"
    header = db_path.read_bytes()[:100]
    damaged.write_bytes(header + bytes(range(256)) * 31 + b"\xff" * 124)
    run = ready("--db", str(damaged), "doctor", "--now", T0)
    assert run.exit_code == 1
    assert run.lines[0] == f"database: {damaged}"
    assert run.lines[-1].startswith("FAIL ")
    assert "damaged" in run.stdout or "not a database" in run.stdout
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all\n" * 200)
    run = ready("--db", str(junk), "doctor", "--now", T0)
    assert run.exit_code == 1
    assert run.lines[-1].startswith("FAIL database: ")
    assert run.stderr == "error: 1 of 1 checks failed: database\n"


# -- concurrency smoke ------------------------------------------------------------------


def test_concurrent_passes_and_spend(ready: Cli, db_path: Path, tmp_path: Path) -> None:
    """Two enforcers at the next day's now race a spend recorder at today's now."""
    ready.ok("brand", "add", "Acme", "--daily", "30", "--monthly", "none", now=NOW)
    ready.ok("campaign", "add", "Acme", "Search", now=NOW)
    ready.ok("campaign", "add", "Acme", "Display", now=NOW)
    exe = str(Path(sys.executable).with_name("budgetctl"))
    env = {**os.environ, "BUDGETCTL_DB": str(db_path), "BUDGETCTL_ACTOR": "tester", "NO_COLOR": "1"}
    loops = 3
    enforce = f'for i in $(seq {loops}); do "{exe}" enforce --now 2026-11-26T00:10:00+00:00 || exit 1; done'
    record = (
        f'for i in $(seq {loops}); do BUDGETCTL_NOW={NOW} "{exe}" spend record Acme Search 10 || exit 1; done'
    )
    procs = [
        subprocess.Popen(["sh", "-c", cmd], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for cmd in (enforce, enforce, record)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], results
    assert [err for _, err in results] == ["", "", ""]
    assert query(db_path, "SELECT COUNT(*), SUM(amount) FROM spend_entry") == [(loops, loops * 10_000_000)]
    # One event per change: each campaign's events form a chain of real changes.
    for name in ("Search", "Display"):
        chain = [
            json.loads(d) for (d,) in query(
                db_path, "SELECT detail FROM event WHERE kind = 'state' AND campaign = ? ORDER BY id", name
            )
        ]
        current = "active"
        for event in chain:
            assert (event["from"], event["to"]) == (current, "paused" if current == "active" else "active")
            current = event["to"]
        assert query(db_path, "SELECT state FROM campaign WHERE name = ?", name) == [(current,)]
    printed = sum(len(out.splitlines()) for out, _ in results[:2])
    enforced = query(db_path, "SELECT COUNT(*) FROM event WHERE kind = 'state' AND command = 'enforce'")
    assert enforced == [(printed,)]
