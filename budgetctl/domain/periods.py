"""A brand's day and month around an instant, in the brand's own time zone.

Spend counts toward the calendar day and month in which it *occurred*, in the
brand's zone. A period is the half-open range of instants ``[start, end)``
between two local midnights, converted to UTC, so a 23-hour or 25-hour
daylight-saving day is exactly as long as it is on the wall.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from budgetctl.domain.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar period of a brand: ``kind`` is ``day`` or ``month``."""

    kind: str
    first_day: date
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return (
            self.first_day.isoformat() if self.kind == "day" else self.first_day.strftime("%Y-%m")
        )


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``, or :class:`InvalidValue` naming it."""
    try:
        if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidValue(
            f"unknown time zone {name!r}: use an IANA name such as UTC, Europe/Berlin "
            "or America/New_York"
        ) from None


def check_zone(name: str) -> str:
    """Validate a zone name and return it in its canonical spelling."""
    zone(name)
    if name not in _known_zones():
        raise InvalidValue(
            f"unknown time zone {name!r}: use an IANA name such as UTC, Europe/Berlin "
            "or America/New_York"
        )
    return name


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    # "localtime" is the host's own zone file, not an IANA name: it changes with the machine.
    return (frozenset(available_timezones()) | {"UTC"}) - {"localtime"}


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant (aware UTC) at which ``day`` begins in ``tz``."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def day_exists(day: date, tz: ZoneInfo) -> bool:
    """Whether ``day`` is on ``tz``'s calendar: Samoa left out 2011-12-30, whose "midnight"
    is the next day's."""
    return local_midnight(day, tz).astimezone(tz).date() == day


def wall_time(value: datetime, tz: ZoneInfo) -> datetime | None:
    """A naive wall-clock time in ``tz`` as an aware UTC instant (the first of an hour a
    daylight-saving change repeats), or ``None`` when such a change skips it."""
    local = value.replace(tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != value.replace(tzinfo=None):
        return None
    return instant


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def day_period(day: date, tz: ZoneInfo) -> Period:
    return Period("day", day, local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz))


def month_period(day: date, tz: ZoneInfo) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period("month", first, local_midnight(first, tz), local_midnight(following, tz))


def periods_at(at: datetime, tz: ZoneInfo) -> tuple[Period, Period]:
    """The brand's current day and month at instant ``at``."""
    today = local_day(at, tz)
    return day_period(today, tz), month_period(today, tz)


def days_in_month(day: date) -> int:
    first = day.replace(day=1)
    return ((first + timedelta(days=32)).replace(day=1) - first).days


def moved_midnight(
    before: datetime, now: datetime, tz: ZoneInfo, earlier: Iterable[ZoneInfo]
) -> bool:
    """Whether ``now``, a midnight in ``tz``, is the same day as ``before``, an instant
    recorded earlier that is no midnight of ``tz``: a day given by its date lands at its
    midnight, so one recorded before the brand's zone changed sits at that day's midnight
    in one of the brand's ``earlier`` zones. Two midnights of ``tz`` that differ are two
    days, and so is any other instant (a time of day that some zone's midnight happens to
    be)."""
    # A day's start, not 00:00 on the wall: where a daylight-saving change skips midnight the
    # day begins at 01:00, and a date lands there.
    day = now.astimezone(tz).date()
    if now != local_midnight(day, tz):
        return False
    if before == local_midnight(before.astimezone(tz).date(), tz):
        return False
    return any(before == local_midnight(day, other) for other in earlier)
