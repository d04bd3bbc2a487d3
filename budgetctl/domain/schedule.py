"""Dayparting windows: the grammar, parsing, and "is this instant inside".

A window is ``DAYS HH:MM-HH:MM`` (SPEC.md, "Schedules"), for example
``Mon-Fri 09:00-17:00``, ``daily 22:00-06:00`` or ``Fri-Mon 10:00-24:00``.
A campaign's windows combine as a union; a campaign without windows may run
at any time.

Design:

* **Wall clock.** Windows are times on the wall clock of a zone, not spans of
  UTC. An instant is evaluated by converting it to the zone
  (``at.astimezone(tz)``) and asking whether its local weekday and minute of
  day fall inside a window. Daylight-saving changes therefore need no special
  case: on the spring-forward day the skipped wall times never occur, so a
  window lying wholly inside the skipped hour is simply never open that day;
  on the fall-back day the repeated wall times occur twice, so a window inside
  the repeated hour is open both times.
* **Overnight windows belong to their start day.** When the end is before the
  start the window runs past midnight: ``Fri 22:00-06:00`` is open from Friday
  22:00 to Saturday 06:00, and is *not* open on Friday 00:00-06:00 (that part
  belongs to Thursday's window, if Thursday is listed). ``Window.days`` are
  the days a window *starts* on.
* **Half-open.** Start is inclusive, end exclusive; ``24:00`` is a valid end
  (midnight at the end of the day) and only an end. An end of ``00:00`` means
  the same as ``24:00`` and is stored that way.
* **Fast core.** Each :class:`Window` precomputes, once, a table of the 10,080
  minutes of the week (one byte each) telling whether it is open, so
  :func:`is_open_local` is one index per window; passes call it for every
  scheduled campaign.
* **Next change.** :func:`next_change` does not walk minute by minute: the
  open/closed state can only flip where the local wall clock crosses a window
  boundary or where the zone's UTC offset changes. It converts each boundary
  wall time near ``at`` to instants (both folds, so a repeated hour is seen
  twice), adds the offset transitions found between them, and checks the
  candidates in order with :func:`is_open`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from budgetctl.domain.errors import InvalidValue

DAY_NAMES: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_BY_NAME: dict[str, int] = {
    **{name.lower(): i for i, name in enumerate(DAY_NAMES)},
    **{name: i for i, name in enumerate(_FULL_NAMES)},
}
_DAILY = frozenset(range(7))
_WEEKDAYS = frozenset(range(5))
_WEEKENDS = frozenset({5, 6})
_KEYWORDS: dict[str, frozenset[int]] = {
    "daily": _DAILY,
    "weekdays": _WEEKDAYS,
    "weekends": _WEEKENDS,
}

_MINUTES_PER_DAY = 1440
_MINUTES_PER_WEEK = 7 * _MINUTES_PER_DAY
_SEARCH_AHEAD = timedelta(days=8)

_EXAMPLE = "use DAYS HH:MM-HH:MM, e.g. 'Mon-Fri 09:00-17:00'"
_DAY_HELP = "use Mon..Sun, daily, weekdays or weekends"
_TIME_HELP = "00:00-23:59, or 24:00 as an end"

_SHAPE = re.compile(r"(?P<days>\S.*?)\s+(?P<times>\S+)", re.ASCII)
_TIMES = re.compile(r"([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})", re.ASCII)
_COMMA = re.compile(r",\s*")


def _quote(text: str) -> str:
    """``text`` in quotes, on one line whatever it holds."""
    return repr(text)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, slots=True)
class Window:
    """One weekly window: open on ``days`` from ``start`` to ``end`` (minutes).

    ``days`` are the days the window starts on (0=Monday .. 6=Sunday);
    ``start`` is 0..1439, ``end`` 1..1440 (1440 is 24:00); ``end < start``
    means the window runs overnight into the next day.
    """

    days: frozenset[int]
    start: int
    end: int
    _open: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.days or not self.days <= _DAILY:
            raise ValueError(
                f"window days must be a non-empty subset of 0..6, not {set(self.days)}"
            )
        if not 0 <= self.start < _MINUTES_PER_DAY:
            raise ValueError(f"window start must be 0..1439 minutes, not {self.start}")
        if not 0 < self.end <= _MINUTES_PER_DAY:
            raise ValueError(f"window end must be 1..1440 minutes, not {self.end}")
        if self.start == self.end:
            raise ValueError("window start and end must differ")
        # One table per distinct window: an onboarding sheet repeats a few schedules over
        # thousands of campaigns, and each table is 10,080 bytes.
        object.__setattr__(self, "_open", _minute_table(frozenset(self.days), self.start, self.end))

    @property
    def overnight(self) -> bool:
        """True when the window runs past midnight into the next day."""
        return self.end < self.start

    def __str__(self) -> str:
        return f"{_days_text(self.days)} {_clock(self.start)}-{_clock(self.end)}"


@functools.lru_cache(maxsize=1024)
def _minute_table(days: frozenset[int], start: int, end: int) -> bytes:
    """A week of minutes, 1 where a window on ``days`` from ``start`` to ``end`` is open."""
    table = bytearray(_MINUTES_PER_WEEK)
    length = (end - start) % _MINUTES_PER_DAY or _MINUTES_PER_DAY
    for day in days:
        first = day * _MINUTES_PER_DAY + start
        last = first + length
        if last <= _MINUTES_PER_WEEK:
            table[first:last] = b"\x01" * length
        else:  # Sunday overnight: the tail is Monday morning
            table[first:] = b"\x01" * (_MINUTES_PER_WEEK - first)
            table[: last - _MINUTES_PER_WEEK] = b"\x01" * (last - _MINUTES_PER_WEEK)
    return bytes(table)


def _days_text(days: frozenset[int]) -> str:
    """Canonical DAYS: ``daily``, ``weekends``, else days and (wrapping) ranges of 3+.

    Monday to Friday reads ``Mon-Fri``, the form SPEC.md and users write most.
    """
    if days == _DAILY:
        return "daily"
    if days == _WEEKENDS:
        return "weekends"
    items: list[tuple[int, str]] = []
    for first in sorted(days):
        if (first - 1) % 7 in days:
            continue
        run = [first]
        while (run[-1] + 1) % 7 in days:
            run.append((run[-1] + 1) % 7)
        if len(run) >= 3:
            items.append((first, f"{DAY_NAMES[first]}-{DAY_NAMES[run[-1]]}"))
        else:
            items.extend((day, DAY_NAMES[day]) for day in run)
    return ",".join(text for _, text in sorted(items))


def _day(name: str, text: str) -> int:
    name = name.strip()  # "Mon ,Wed", "Mon - Fri"
    day = _DAY_BY_NAME.get(name.lower())
    if day is None:
        if not name:
            raise InvalidValue(f"window {_quote(text)}: a day is missing in the list ({_DAY_HELP})")
        raise InvalidValue(f"window {_quote(text)}: unknown day {_quote(name)} ({_DAY_HELP})")
    return day


def _parse_days(spec: str, text: str) -> frozenset[int]:
    days: set[int] = set()
    for item in _COMMA.split(spec):
        item = item.strip()
        keyword = _KEYWORDS.get(item.lower())
        if keyword is not None:
            days |= keyword
            continue
        ends = item.split("-")
        if len(ends) > 2:
            raise InvalidValue(
                f"window {_quote(text)}: {_quote(item)} is not a day or a range of days "
                "(e.g. Mon-Fri)"
            )
        first = _day(ends[0], text)
        last = _day(ends[-1], text)
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    return frozenset(days)


def _parse_time(hours: str, minutes: str, text: str) -> int:
    hour, minute = int(hours), int(minutes)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise InvalidValue(
            f"window {_quote(text)}: {hours}:{minutes} is not a time of day ({_TIME_HELP})"
        )
    return hour * 60 + minute


def parse_window(text: str) -> Window:
    """The window written as ``DAYS HH:MM-HH:MM``, or :class:`InvalidValue`."""
    text = text.strip()
    if not text:
        raise InvalidValue(f"window is empty: {_EXAMPLE}")
    if ";" in text:
        raise InvalidValue(f"window {_quote(text)} holds several windows: give one, {_EXAMPLE}")
    shape = _SHAPE.fullmatch(text)
    if shape is None:
        if _TIMES.fullmatch(text):
            raise InvalidValue(f"window {_quote(text)} has no days: {_EXAMPLE}")
        raise InvalidValue(f"window {_quote(text)} is not valid: {_EXAMPLE}")
    times = _TIMES.fullmatch(shape["times"])
    if times is None:
        raise InvalidValue(f"window {_quote(text)} is not valid: {_EXAMPLE}")
    days = _parse_days(shape["days"], text)
    start = _parse_time(times[1], times[2], text)
    end = _parse_time(times[3], times[4], text)
    if start == _MINUTES_PER_DAY:
        raise InvalidValue(
            f"window {_quote(text)}: 24:00 is only an end; a window starting at midnight "
            "starts at 00:00"
        )
    if start == end:
        raise InvalidValue(f"window {_quote(text)} starts and ends at the same time")
    return Window(days, start, end or _MINUTES_PER_DAY)


def parse_windows(texts: Iterable[str]) -> tuple[Window, ...]:
    """Every window in ``texts``; each text may hold several separated by ``;``.

    Empty pieces between ``;`` are ignored, but a text with no window at all
    is refused.
    """
    windows: list[Window] = []
    for text in texts:
        pieces = [piece for piece in text.split(";") if piece.strip()]
        if not pieces:
            raise InvalidValue(f"window is empty: {_EXAMPLE}")
        windows.extend(parse_window(piece) for piece in pieces)
    return tuple(windows)


def is_open_local(windows: Sequence[Window], weekday: int, minute: int) -> bool:
    """Whether any window is open at local ``weekday`` (0=Monday) and ``minute`` of day.

    ``minute`` is 0..1439. No windows means open, as in :func:`is_open`.
    """
    if not windows:
        return True
    at = weekday * _MINUTES_PER_DAY + minute
    for window in windows:  # noqa: SIM110 - a plain loop is twice as fast as any(generator)
        if window._open[at]:
            return True
    return False


def is_open(windows: Sequence[Window], tz: ZoneInfo, at: datetime) -> bool:
    """Whether the instant ``at`` falls inside a window, on the wall clock of ``tz``.

    No windows means open: an unscheduled campaign may always run.
    """
    if at.tzinfo is None:
        raise ValueError("naive datetime: schedules need a timezone-aware instant")
    local = at.astimezone(tz)
    return is_open_local(windows, local.weekday(), local.hour * 60 + local.minute)


def _offset(tz: ZoneInfo, at: datetime) -> timedelta | None:
    return at.astimezone(tz).utcoffset()


def _transition(tz: ZoneInfo, lo: datetime, hi: datetime) -> datetime:
    """The first instant in ``(lo, hi]`` with ``hi``'s UTC offset, to the second."""
    target = _offset(tz, hi)
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid <= lo:
            mid = lo + timedelta(seconds=1)
        if _offset(tz, mid) == target:
            hi = mid
        else:
            lo = mid
    return hi


def _candidates(windows: Sequence[Window], tz: ZoneInfo, at: datetime) -> list[datetime]:
    """Instants in ``(at, at + 8 days]`` where the open state may flip, sorted."""
    horizon = at + _SEARCH_AHEAD
    today = at.astimezone(tz).date()
    boundaries: set[tuple[date, int]] = set()
    for offset in range(-1, 11):
        day = today + timedelta(days=offset)
        boundaries.add((day, 0))
        weekday = day.weekday()
        for window in windows:
            if weekday in window.days:
                boundaries.add((day, window.start))
                end_day = day + timedelta(days=1) if window.overnight else day
                boundaries.add((end_day, window.end))
    instants: set[datetime] = set()
    for day, minute in boundaries:
        wall = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minute)
        for fold in (0, 1):
            instant = wall.replace(fold=fold).astimezone(UTC)
            if at < instant <= horizon:
                instants.add(instant)
    instants.add(horizon)
    ordered = sorted(instants)
    # The wall clock jumps where the UTC offset changes: add those instants.
    transitions = [
        _transition(tz, lo, hi)
        for lo, hi in zip([at, *ordered], ordered, strict=False)
        if _offset(tz, lo) != _offset(tz, hi)
    ]
    return sorted(instants.union(transitions))


def next_change(windows: Sequence[Window], tz: ZoneInfo, at: datetime) -> datetime | None:
    """The first instant after ``at`` at which :func:`is_open` flips, in UTC.

    ``None`` when it does not flip within the next 8 days: no windows, or the
    windows cover the whole week.
    """
    if at.tzinfo is None:
        raise ValueError("naive datetime: schedules need a timezone-aware instant")
    if not windows:
        return None
    at = at.astimezone(UTC)
    now_open = is_open(windows, tz, at)
    for instant in _candidates(windows, tz, at):
        if is_open(windows, tz, instant) != now_open:
            return instant
    return None
