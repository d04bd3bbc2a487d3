"""Instants as integer microseconds since the Unix epoch (UTC).

The database stores every instant this way; everything above the store works
with timezone-aware datetimes. Naive datetimes are refused: a time without a
zone is a bug waiting for a daylight-saving change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from budgetctl.domain.errors import InvalidValue

MIN_YEAR = 1900
MAX_YEAR = 9000
"""The years a time given on the command line may fall in: far enough inside
``datetime``'s 1 to 9999 that no zone, day, month or schedule window around it
can leave that range."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def to_us(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("naive datetime: budgetctl stores only timezone-aware instants")
    return (at - _EPOCH) // _US


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def check_year(value: date, text: str, what: str) -> None:
    """Refuse a parsed date or time (before any zone conversion) outside the sane years."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InvalidValue(
            f"{what} {text!r} is out of range: give a time between the years {MIN_YEAR} "
            f"and {MAX_YEAR}"
        )
