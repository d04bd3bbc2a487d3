"""Instants as integer microseconds since the Unix epoch (UTC).

The database stores every instant this way; everything above the store works
with timezone-aware datetimes. Naive datetimes are refused: a time without a
zone is a bug waiting for a daylight-saving change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def to_us(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("naive datetime: budgetctl stores only timezone-aware instants")
    return (at - _EPOCH) // _US


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)
