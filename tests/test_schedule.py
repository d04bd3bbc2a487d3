"""Dayparting windows: grammar, wall-clock evaluation, DST, next change."""

from __future__ import annotations

import ast
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgetctl.domain import schedule
from budgetctl.domain.errors import BudgetError, InvalidValue
from budgetctl.domain.schedule import (
    DAY_NAMES,
    Window,
    is_open,
    is_open_local,
    next_change,
    parse_window,
    parse_windows,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ZULU = ZoneInfo("UTC")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def opens(spec: str, weekday: int, clock: str) -> bool:
    return is_open_local([parse_window(spec)], weekday, hm(clock))


def open_spans(
    windows: Sequence[Window], tz: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Oracle: the open spans in ``[start, end)``, found minute by minute."""
    spans: list[tuple[datetime, datetime]] = []
    t = start
    while t < end:
        if is_open(windows, tz, t):
            if spans and spans[-1][1] == t:
                spans[-1] = (spans[-1][0], t + timedelta(minutes=1))
            else:
                spans.append((t, t + timedelta(minutes=1)))
        t += timedelta(minutes=1)
    return spans


# -- evaluation on the local clock --------------------------------------------------


def test_day_names() -> None:
    assert DAY_NAMES == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def test_start_is_inclusive_and_end_exclusive() -> None:
    spec = "Mon-Fri 09:00-17:00"
    assert not opens(spec, MON, "08:59")
    assert opens(spec, MON, "09:00")
    assert opens(spec, FRI, "16:59")
    assert not opens(spec, FRI, "17:00")
    assert not opens(spec, SAT, "10:00")
    assert not parse_window(spec).overnight


def test_overnight_window_belongs_to_its_start_day() -> None:
    spec = "Fri 22:00-06:00"
    window = parse_window(spec)
    assert window.overnight
    assert window.days == frozenset({FRI})
    assert not opens(spec, FRI, "21:59")
    assert opens(spec, FRI, "22:00")
    assert opens(spec, FRI, "23:59")
    assert opens(spec, SAT, "00:00")
    assert opens(spec, SAT, "05:59")
    assert not opens(spec, SAT, "06:00")
    assert not opens(spec, SAT, "22:30")
    assert not opens(spec, THU, "23:00")
    assert not opens(spec, FRI, "05:00")  # Thursday's night, and Thursday is not listed


def test_sunday_overnight_runs_into_monday() -> None:
    spec = "Sun 22:00-06:00"
    assert not opens(spec, SUN, "21:59")
    assert opens(spec, SUN, "23:30")
    assert opens(spec, MON, "05:59")
    assert not opens(spec, MON, "06:00")
    assert not opens(spec, SUN, "05:00")


def test_windows_of_one_shape_share_their_minute_table() -> None:
    # An onboarding sheet gives thousands of campaigns the same schedule: one 10,080-byte
    # table each made a 100,000-campaign import take 644 MB.
    first, second = parse_window("Mon-Fri 09:00-17:00"), parse_window("mon-fri 09:00-17:00")
    assert first == second
    assert first._open is second._open
    assert parse_window("Mon-Fri 09:00-18:00")._open is not first._open
    assert opens("Mon-Fri 09:00-17:00", MON, "16:59")
    assert not opens("Mon-Fri 09:00-17:00", MON, "17:00")


def test_24_00_is_the_end_of_the_day() -> None:
    spec = "Mon,Wed,Fri 10:00-24:00"
    window = parse_window(spec)
    assert window.end == 1440
    assert not window.overnight
    assert not opens(spec, MON, "09:59")
    assert opens(spec, MON, "10:00")
    assert opens(spec, MON, "23:59")
    assert not opens(spec, TUE, "00:00")
    assert opens("Mon 00:00-24:00", MON, "00:00")
    assert opens("Mon 00:00-24:00", MON, "23:59")
    assert not opens("Mon 00:00-24:00", SUN, "23:59")
    assert not opens("Mon 00:00-24:00", TUE, "00:00")


def test_an_end_of_00_00_means_midnight_at_the_end_of_the_day() -> None:
    assert parse_window("Mon 22:00-00:00") == parse_window("Mon 22:00-24:00")
    assert str(parse_window("Mon 22:00-00:00")) == "Mon 22:00-24:00"
    assert not opens("Mon 22:00-00:00", TUE, "00:00")


def test_day_ranges_may_wrap_over_the_weekend() -> None:
    assert parse_window("Fri-Mon 10:00-11:00").days == frozenset({FRI, SAT, SUN, MON})
    assert parse_window("Sat-Tue 10:00-11:00").days == frozenset({SAT, SUN, MON, TUE})
    assert parse_window("Mon-Mon 10:00-11:00").days == frozenset({MON})
    assert opens("Fri-Mon 10:00-11:00", SUN, "10:30")
    assert opens("Fri-Mon 10:00-11:00", MON, "10:30")
    assert not opens("Fri-Mon 10:00-11:00", TUE, "10:30")
    assert not opens("Fri-Mon 10:00-11:00", THU, "10:30")


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("daily", {MON, TUE, WED, THU, FRI, SAT, SUN}),
        ("weekdays", {MON, TUE, WED, THU, FRI}),
        ("weekends", {SAT, SUN}),
        ("DAILY", {MON, TUE, WED, THU, FRI, SAT, SUN}),
        ("WeekEnds", {SAT, SUN}),
    ],
)
def test_day_keywords(days: str, expected: set[int]) -> None:
    assert parse_window(f"{days} 09:00-17:00").days == frozenset(expected)


@pytest.mark.parametrize(
    "text",
    [
        "monday-friday 09:00-17:00",
        "Monday-FRIDAY 09:00-17:00",
        "MON-fri 09:00-17:00",
        "mon,tue,wed,thursday,Fri 09:00-17:00",
        "Mon, Tue,  Wed, Thu, Fri 09:00-17:00",
        "weekdays 09:00-17:00",
        "  Mon-Fri   09:00-17:00  ",
    ],
)
def test_full_names_case_and_spaces_after_commas(text: str) -> None:
    assert parse_window(text) == Window(frozenset({MON, TUE, WED, THU, FRI}), 540, 1020)


def test_several_windows_combine_as_a_union() -> None:
    windows = parse_windows(["Mon-Fri 09:00-12:00", "Mon-Fri 13:00-17:00", "Sat 10:00-11:00"])
    assert is_open_local(windows, MON, hm("09:00"))
    assert not is_open_local(windows, MON, hm("12:30"))
    assert is_open_local(windows, MON, hm("13:00"))
    assert is_open_local(windows, SAT, hm("10:30"))
    assert not is_open_local(windows, SUN, hm("10:30"))


def test_no_windows_means_always_open() -> None:
    assert is_open_local([], WED, 0)
    assert is_open([], BERLIN, utc(2026, 6, 10, 3))
    assert next_change([], BERLIN, utc(2026, 6, 10, 3)) is None


def test_is_open_refuses_a_naive_datetime() -> None:
    windows = parse_windows(["daily 09:00-17:00"])
    with pytest.raises(ValueError, match="naive datetime"):
        is_open(windows, BERLIN, datetime(2026, 6, 10, 12))
    with pytest.raises(ValueError, match="naive datetime"):
        next_change(windows, BERLIN, datetime(2026, 6, 10, 12))


# -- parse_windows ---------------------------------------------------------------------


def test_parse_windows_splits_on_semicolons() -> None:
    assert parse_windows(["daily 22:00-06:00; Sat-Sun 10:00-14:00", "Mon 08:00-09:00"]) == (
        Window(frozenset(range(7)), 1320, 360),
        Window(frozenset({SAT, SUN}), 600, 840),
        Window(frozenset({MON}), 480, 540),
    )


def test_parse_windows_ignores_empty_pieces() -> None:
    assert parse_windows([";Mon 08:00-09:00;; ;"]) == (Window(frozenset({MON}), 480, 540),)
    assert parse_windows([]) == ()


@pytest.mark.parametrize("text", ["", "   ", ";", " ; ;"])
def test_parse_windows_refuses_an_empty_text(text: str) -> None:
    with pytest.raises(InvalidValue) as err:
        parse_windows(["Mon 08:00-09:00", text])
    assert str(err.value) == "window is empty: use DAYS HH:MM-HH:MM, e.g. 'Mon-Fri 09:00-17:00'"


def test_parse_windows_takes_spaces_around_day_lists_and_ranges() -> None:
    assert parse_windows(["Mon ,Wed 08:00-09:00", "Mon - Fri 10:00-11:00", "Mon , weekends 12:00-13:00"]) == (
        Window(frozenset({MON, WED}), 480, 540),
        Window(frozenset({MON, TUE, WED, THU, FRI}), 600, 660),
        Window(frozenset({MON, SAT, SUN}), 720, 780),
    )
    with pytest.raises(InvalidValue) as err:
        parse_windows(["Mon ,Xyz 08:00-09:00"])
    assert str(err.value) == (
        "window 'Mon ,Xyz 08:00-09:00': unknown day 'Xyz' (use Mon..Sun, daily, weekdays or weekends)")


def test_parse_windows_reports_the_bad_piece() -> None:
    with pytest.raises(InvalidValue) as err:
        parse_windows(["Mon 08:00-09:00; Funday 10:00-11:00"])
    assert str(err.value) == (
        "window 'Funday 10:00-11:00': unknown day 'Funday' "
        "(use Mon..Sun, daily, weekdays or weekends)"
    )


# -- canonical text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Mon-Fri 09:00-17:00", "Mon-Fri 09:00-17:00"),
        ("weekdays 09:00-17:00", "Mon-Fri 09:00-17:00"),
        ("mon,tue,wed,thu,fri,sat,sun 22:00-06:00", "daily 22:00-06:00"),
        ("Tue-Mon 00:00-24:00", "daily 00:00-24:00"),
        ("fri, wed,MON 10:00-24:00", "Mon,Wed,Fri 10:00-24:00"),
        ("Saturday,sun 10:00-14:00", "weekends 10:00-14:00"),
        ("Fri-Mon 10:00-11:00", "Fri-Mon 10:00-11:00"),
        ("Sat-Mon,Wed 10:00-11:00", "Wed,Sat-Mon 10:00-11:00"),
        ("Sun,Mon 10:00-11:00", "Mon,Sun 10:00-11:00"),
        ("Mon,Tue 10:00-11:00", "Mon,Tue 10:00-11:00"),
        ("Fri,Wed,Mon-Tue 07:05-07:06", "Mon-Wed,Fri 07:05-07:06"),
        ("Mon-Mon 08:00-09:00", "Mon 08:00-09:00"),
        ("Mon 22:00-00:00", "Mon 22:00-24:00"),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    window = parse_window(text)
    assert str(window) == canonical
    assert parse_window(canonical) == window


# Wall times around the daylight-saving jumps (00:30..03:30), half of the time.
NEAR_JUMPS = st.sampled_from(range(30, 211, 15))


@st.composite
def valid_windows(draw: st.DrawFn, near_jumps: bool = False) -> Window:
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    starts = st.integers(0, 1439)
    ends = st.integers(1, 1440)
    if near_jumps:
        starts, ends = st.one_of(NEAR_JUMPS, starts), st.one_of(NEAR_JUMPS, ends)
    start = draw(starts)
    end = draw(ends.filter(lambda e: e != start))
    return Window(days, start, end)


@given(valid_windows())
def test_canonical_text_round_trips(window: Window) -> None:
    text = str(window)
    assert parse_window(text) == window
    assert str(parse_window(text)) == text
    assert parse_window(text.upper()) == window
    assert parse_window(text.lower()) == window


@given(valid_windows(), st.integers(0, 6), st.integers(0, 1439))
def test_is_open_local_matches_the_definition(window: Window, weekday: int, minute: int) -> None:
    yesterday = (weekday - 1) % 7
    if window.overnight:
        expected = (weekday in window.days and minute >= window.start) or (
            yesterday in window.days and minute < window.end
        )
    else:
        expected = weekday in window.days and window.start <= minute < window.end
    assert is_open_local([window], weekday, minute) is expected


def test_windows_compare_and_hash_by_value() -> None:
    a = parse_window("Mon-Fri 09:00-17:00")
    b = Window(frozenset({MON, TUE, WED, THU, FRI}), 540, 1020)
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    assert repr(a) == "Window(days=frozenset({0, 1, 2, 3, 4}), start=540, end=1020)"


@pytest.mark.parametrize(
    ("days", "start", "end"),
    [
        (frozenset(), 0, 60),
        (frozenset({7}), 0, 60),
        (frozenset({MON}), -1, 60),
        (frozenset({MON}), 1440, 60),
        (frozenset({MON}), 0, 0),
        (frozenset({MON}), 0, 1441),
        (frozenset({MON}), 60, 60),
    ],
)
def test_window_refuses_impossible_fields(days: frozenset[int], start: int, end: int) -> None:
    with pytest.raises(ValueError):
        Window(days, start, end)


# -- refusals ------------------------------------------------------------------------

USE = "use DAYS HH:MM-HH:MM, e.g. 'Mon-Fri 09:00-17:00'"
DAY_HELP = "(use Mon..Sun, daily, weekdays or weekends)"
TIME_HELP = "(00:00-23:59, or 24:00 as an end)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mon-Fri 09:00-09:00", "window 'Mon-Fri 09:00-09:00' starts and ends at the same time"),
        ("Mon 00:00-00:00", "window 'Mon 00:00-00:00' starts and ends at the same time"),
        (
            "Funday 10:00-11:00",
            f"window 'Funday 10:00-11:00': unknown day 'Funday' {DAY_HELP}",
        ),
        ("Mon-Fry 10:00-11:00", f"window 'Mon-Fry 10:00-11:00': unknown day 'Fry' {DAY_HELP}"),
        ("Mo 10:00-11:00", f"window 'Mo 10:00-11:00': unknown day 'Mo' {DAY_HELP}"),
        (
            "Mon Wed 10:00-11:00",
            f"window 'Mon Wed 10:00-11:00': unknown day 'Mon Wed' {DAY_HELP}",
        ),
        (
            "Mon,,Wed 10:00-11:00",
            f"window 'Mon,,Wed 10:00-11:00': a day is missing in the list {DAY_HELP}",
        ),
        (
            "Mon-Tue-Wed 10:00-11:00",
            "window 'Mon-Tue-Wed 10:00-11:00': 'Mon-Tue-Wed' is not a day or a range of days "
            "(e.g. Mon-Fri)",
        ),
        (
            "Mon 25:00-26:00",
            f"window 'Mon 25:00-26:00': 25:00 is not a time of day {TIME_HELP}",
        ),
        ("Mon 10:60-11:00", f"window 'Mon 10:60-11:00': 10:60 is not a time of day {TIME_HELP}"),
        ("Mon 10:00-24:30", f"window 'Mon 10:00-24:30': 24:30 is not a time of day {TIME_HELP}"),
        (
            "Mon 24:00-01:00",
            "window 'Mon 24:00-01:00': 24:00 is only an end; "
            "a window starting at midnight starts at 00:00",
        ),
        ("Mon 9-5", f"window 'Mon 9-5' is not valid: {USE}"),
        ("Mon 9:00-17:00", f"window 'Mon 9:00-17:00' is not valid: {USE}"),
        ("Mon 09:00 - 17:00", f"window 'Mon 09:00 - 17:00' is not valid: {USE}"),
        ("Mon 09:00-17:00:00", f"window 'Mon 09:00-17:00:00' is not valid: {USE}"),
        ("Mon-Fri", f"window 'Mon-Fri' is not valid: {USE}"),
        ("Mon \u0661\u0660:00-11:00", f"window 'Mon \u0661\u0660:00-11:00' is not valid: {USE}"),
        ("09:00-17:00", f"window '09:00-17:00' has no days: {USE}"),
        ("Mon\n9-5", f"window 'Mon\\n9-5' is not valid: {USE}"),
        (
            "Mon 08:00-09:00; Tue 08:00-09:00",
            f"window 'Mon 08:00-09:00; Tue 08:00-09:00' holds several windows: give one, {USE}",
        ),
        ("", f"window is empty: {USE}"),
        ("  \t ", f"window is empty: {USE}"),
    ],
)
def test_refused_windows(text: str, message: str) -> None:
    with pytest.raises(InvalidValue) as err:
        parse_window(text)
    assert str(err.value) == message
    assert err.value.message == message
    assert "\n" not in message
    assert isinstance(err.value, BudgetError)


# -- zones and daylight saving -----------------------------------------------------------


def test_the_same_window_differs_by_zone() -> None:
    windows = parse_windows(["Mon-Fri 09:00-17:00"])
    at = utc(2026, 6, 10, 8)  # Wednesday: 10:00 in Berlin, 04:00 in New York
    assert is_open(windows, BERLIN, at)
    assert not is_open(windows, NEW_YORK, at)
    later = utc(2026, 6, 10, 20)  # 22:00 in Berlin, 16:00 in New York
    assert not is_open(windows, BERLIN, later)
    assert is_open(windows, NEW_YORK, later)


def test_the_zone_decides_the_weekday() -> None:
    windows = parse_windows(["Sat 00:00-24:00"])
    at = utc(2026, 6, 13, 2)  # Saturday 04:00 in Berlin, still Friday 22:00 in New York
    assert is_open(windows, BERLIN, at)
    assert not is_open(windows, NEW_YORK, at)


def test_berlin_spring_forward_skips_the_window() -> None:
    windows = parse_windows(["daily 02:00-02:30"])
    # 2026-03-29 02:00 CET jumps to 03:00 CEST: no 02:xx on the wall that day.
    assert open_spans(windows, BERLIN, utc(2026, 3, 28, 12), utc(2026, 3, 30, 12)) == [
        (utc(2026, 3, 30, 0, 0), utc(2026, 3, 30, 0, 30)),
    ]


def test_berlin_fall_back_opens_the_window_twice() -> None:
    windows = parse_windows(["daily 02:00-02:30"])
    # 2026-10-25 03:00 CEST falls back to 02:00 CET: 02:00-03:00 happens twice.
    assert open_spans(windows, BERLIN, utc(2026, 10, 24, 12), utc(2026, 10, 26, 12)) == [
        (utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 30)),
        (utc(2026, 10, 25, 1, 0), utc(2026, 10, 25, 1, 30)),
        (utc(2026, 10, 26, 1, 0), utc(2026, 10, 26, 1, 30)),
    ]


def test_new_york_spring_forward_skips_the_window() -> None:
    windows = parse_windows(["daily 02:00-02:30"])
    # 2026-03-08 02:00 EST jumps to 03:00 EDT.
    assert open_spans(windows, NEW_YORK, utc(2026, 3, 7, 12), utc(2026, 3, 9, 12)) == [
        (utc(2026, 3, 9, 6, 0), utc(2026, 3, 9, 6, 30)),
    ]


def test_new_york_fall_back_opens_the_window_twice() -> None:
    windows = parse_windows(["daily 01:00-01:30"])
    # 2026-11-01 02:00 EDT falls back to 01:00 EST: 01:00-02:00 happens twice.
    assert open_spans(windows, NEW_YORK, utc(2026, 10, 31, 12), utc(2026, 11, 2, 12)) == [
        (utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 5, 30)),
        (utc(2026, 11, 1, 6, 0), utc(2026, 11, 1, 6, 30)),
        (utc(2026, 11, 2, 6, 0), utc(2026, 11, 2, 6, 30)),
    ]


def test_new_york_fall_back_outside_the_repeated_hour_opens_once() -> None:
    windows = parse_windows(["daily 02:00-02:30"])
    assert open_spans(windows, NEW_YORK, utc(2026, 11, 1, 0), utc(2026, 11, 1, 12)) == [
        (utc(2026, 11, 1, 7, 0), utc(2026, 11, 1, 7, 30)),
    ]


# -- next_change -------------------------------------------------------------------------


def test_next_change_is_strictly_after() -> None:
    windows = parse_windows(["Mon-Fri 09:00-17:00"])
    monday = utc(2026, 6, 8)
    assert next_change(windows, ZULU, monday) == utc(2026, 6, 8, 9)
    assert next_change(windows, ZULU, utc(2026, 6, 8, 9)) == utc(2026, 6, 8, 17)
    assert next_change(windows, ZULU, utc(2026, 6, 8, 12, 34)) == utc(2026, 6, 8, 17)
    friday_evening = utc(2026, 6, 12, 17)
    assert next_change(windows, ZULU, friday_evening) == utc(2026, 6, 15, 9)


def test_next_change_returns_utc_for_any_aware_input() -> None:
    windows = parse_windows(["Mon-Fri 09:00-17:00"])
    at = datetime(2026, 6, 8, 8, 0, tzinfo=BERLIN)  # 06:00 UTC, closed in Berlin
    change = next_change(windows, BERLIN, at)
    assert change == utc(2026, 6, 8, 7)
    assert change is not None
    assert change.tzinfo is UTC


def test_next_change_a_week_ahead() -> None:
    windows = parse_windows(["Mon 10:00-11:00"])
    assert next_change(windows, ZULU, utc(2026, 6, 8, 11)) == utc(2026, 6, 15, 10)


def test_next_change_over_a_sunday_overnight() -> None:
    windows = parse_windows(["Sun 22:00-06:00"])
    assert next_change(windows, ZULU, utc(2026, 6, 14, 21)) == utc(2026, 6, 14, 22)
    assert next_change(windows, ZULU, utc(2026, 6, 14, 22)) == utc(2026, 6, 15, 6)


@pytest.mark.parametrize(
    "specs",
    [
        ["daily 00:00-24:00"],
        ["Tue-Mon 00:00-24:00"],
        ["daily 06:00-18:00", "daily 18:00-06:00"],
        ["Mon-Fri 00:00-24:00", "weekends 00:00-24:00"],
    ],
)
def test_next_change_is_none_when_open_all_week(specs: list[str]) -> None:
    windows = parse_windows(specs)
    assert next_change(windows, BERLIN, utc(2026, 3, 28, 12)) is None
    assert next_change(windows, NEW_YORK, utc(2026, 10, 31, 12)) is None


def test_next_change_over_the_new_york_dst_weekend() -> None:
    windows = parse_windows(["Mon-Fri 09:00-17:00"])
    friday_close = utc(2026, 3, 6, 22)  # Friday 17:00 EST
    assert next_change(windows, NEW_YORK, friday_close) == utc(2026, 3, 9, 13)  # 09:00 EDT


def test_next_change_finds_the_repeated_hour_in_berlin() -> None:
    windows = parse_windows(["daily 02:00-02:30"])
    assert next_change(windows, BERLIN, utc(2026, 10, 24, 23, 50)) == utc(2026, 10, 25, 0, 0)
    assert next_change(windows, BERLIN, utc(2026, 10, 25, 0, 0)) == utc(2026, 10, 25, 0, 30)
    # 02:45 CEST, closed; the wall clock returns to 02:00 (CET) at 01:00 UTC.
    assert next_change(windows, BERLIN, utc(2026, 10, 25, 0, 45)) == utc(2026, 10, 25, 1, 0)
    assert next_change(windows, BERLIN, utc(2026, 10, 25, 1, 0)) == utc(2026, 10, 25, 1, 30)
    assert next_change(windows, BERLIN, utc(2026, 10, 25, 1, 30)) == utc(2026, 10, 26, 1, 0)


def test_next_change_skips_the_missing_hour_in_berlin() -> None:
    windows = parse_windows(["daily 02:00-02:30"])
    assert next_change(windows, BERLIN, utc(2026, 3, 28, 1, 30)) == utc(2026, 3, 30, 0, 0)


def test_next_change_at_the_spring_forward_jump() -> None:
    # Open 01:00-02:30 CET: the wall clock jumps from 02:00 to 03:00 at 01:00 UTC.
    closes = parse_windows(["daily 01:00-02:30"])
    assert next_change(closes, BERLIN, utc(2026, 3, 29, 0, 10)) == utc(2026, 3, 29, 1, 0)
    # Closed at 01:30 CET; the jump lands at 03:00 CEST, inside 02:30-04:00.
    opens_ = parse_windows(["daily 02:30-04:00"])
    assert next_change(opens_, BERLIN, utc(2026, 3, 29, 0, 30)) == utc(2026, 3, 29, 1, 0)
    assert next_change(opens_, BERLIN, utc(2026, 3, 29, 1, 0)) == utc(2026, 3, 29, 2, 0)


def test_next_change_at_the_fall_back_jump_in_new_york() -> None:
    windows = parse_windows(["daily 01:30-03:00"])
    at = utc(2026, 11, 1, 5, 0)  # 01:00 EDT
    assert next_change(windows, NEW_YORK, at) == utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    # 02:00 EDT becomes 01:00 EST at 06:00 UTC: back before the window.
    assert next_change(windows, NEW_YORK, utc(2026, 11, 1, 5, 30)) == utc(2026, 11, 1, 6, 0)
    assert next_change(windows, NEW_YORK, utc(2026, 11, 1, 6, 0)) == utc(2026, 11, 1, 6, 30)
    assert next_change(windows, NEW_YORK, utc(2026, 11, 1, 6, 30)) == utc(2026, 11, 1, 8, 0)


ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # 30-minute daylight-saving shift
    "Asia/Kolkata",
    "UTC",
]
DST_DAYS = [
    utc(2026, 3, 8),
    utc(2026, 3, 29),
    utc(2026, 4, 5),
    utc(2026, 10, 4),
    utc(2026, 10, 25),
    utc(2026, 11, 1),
    utc(2026, 6, 10),
]


def brute_next_change(windows: Sequence[Window], tz: ZoneInfo, at: datetime) -> datetime | None:
    """Oracle: step minute by minute for 8 days."""
    state = is_open(windows, tz, at)
    t = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while t <= at + timedelta(days=8):
        if is_open(windows, tz, t) != state:
            return t
        t += timedelta(minutes=1)
    return None


@settings(max_examples=40, deadline=None)
@given(
    st.lists(valid_windows(near_jumps=True), min_size=1, max_size=3),
    st.sampled_from(ZONES),
    st.sampled_from(DST_DAYS),
    st.integers(-1440, 1440),
    st.integers(0, 59),
)
def test_next_change_matches_a_minute_by_minute_search(
    windows: list[Window], zone: str, day: datetime, minutes: int, seconds: int
) -> None:
    tz = ZoneInfo(zone)
    at = day + timedelta(minutes=minutes, seconds=seconds)
    assert next_change(windows, tz, at) == brute_next_change(windows, tz, at)


JUMPS = [
    ("Europe/Berlin", utc(2026, 3, 29, 1)),
    ("Europe/Berlin", utc(2026, 10, 25, 1)),
    ("America/New_York", utc(2026, 3, 8, 7)),
    ("America/New_York", utc(2026, 11, 1, 6)),
    ("Australia/Lord_Howe", utc(2026, 4, 4, 15)),
    ("Australia/Lord_Howe", utc(2026, 10, 3, 15, 30)),
]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(JUMPS),
    st.integers(0, 6),
    st.sampled_from(range(30, 211, 15)),
    st.sampled_from(range(30, 211, 15)),
    st.integers(-150, 90),
)
def test_next_change_next_to_a_daylight_saving_jump(
    jump: tuple[str, datetime], other_day: int, start: int, end: int, minutes: int
) -> None:
    """A window on the wall times around each jump, from just before it."""
    zone, instant = jump
    tz = ZoneInfo(zone)
    jump_day = instant.astimezone(tz).weekday()
    if start == end:
        end += 15
    windows = [Window(frozenset({jump_day, other_day}), start, end)]
    at = instant + timedelta(minutes=minutes)
    assert next_change(windows, tz, at) == brute_next_change(windows, tz, at)


# -- architecture --------------------------------------------------------------------------


def test_schedule_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(schedule.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or name.startswith("budgetctl.domain"), name
