"""The one place that reads the time.

Every command reads the clock once, through :func:`now`. ``$BUDGETCTL_NOW``
(ISO 8601 with an offset) replaces the system clock for replays, dry runs and
tests; the passes and ``status`` also take ``--now``, parsed by
:func:`parse_instant`. Everything returned here is timezone-aware UTC.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from budgetctl.domain.errors import InvalidValue
from budgetctl.domain.instants import check_year

ENV_NOW = "BUDGETCTL_NOW"


def parse_instant(text: str, *, what: str = "--now") -> datetime:
    """Parse ISO 8601 text that carries an offset (or ``Z``), in the years 1900 to 9000,
    into aware UTC."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidValue(
            f"{what} {text!r} is not an ISO 8601 time: use e.g. 2026-11-25T09:30:00+01:00"
        ) from None
    if value.tzinfo is None:
        # A date alone is read as its midnight: the hint must be a time that parses.
        example = raw if "T" in raw.upper() or " " in raw else f"{value.date().isoformat()}T00:00"
        raise InvalidValue(
            f"{what} {text!r} has no UTC offset: add one, e.g. {example}+00:00 or {example}Z"
        )
    check_year(value, text, what)
    return value.astimezone(UTC)


def now() -> datetime:
    """The current instant (aware UTC), or ``$BUDGETCTL_NOW`` when set."""
    override = os.environ.get(ENV_NOW)
    if override is None:
        return system_now()
    if not override.strip():
        # BUDGETCTL_NOW=$WHEN with WHEN unset: not the system's clock, which a replay did
        # not mean (and a pass would then write at the wrong time).
        raise InvalidValue(
            "BUDGETCTL_NOW is empty (a variable that was not set?): give an ISO 8601 time"
            " with its offset, such as 2026-11-24T09:00:00-05:00, or unset it"
        )
    return parse_instant(override, what="BUDGETCTL_NOW")


def system_now() -> datetime:
    """The system's clock (aware UTC), whatever ``$BUDGETCTL_NOW`` says."""
    return datetime.now(UTC)
