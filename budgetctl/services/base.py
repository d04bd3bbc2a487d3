"""What every use case shares: the request context, name look-ups and history events."""

from __future__ import annotations

import getpass
import json
import os
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from budgetctl.domain.errors import InvalidValue, NotFound
from budgetctl.domain.instants import to_us
from budgetctl.domain.periods import Period, zone
from budgetctl.store.db import IN_SLICE, Database


def current_actor() -> str:
    """Who is acting: ``$BUDGETCTL_ACTOR``, else the operating-system user."""
    override = os.environ.get("BUDGETCTL_ACTOR", "").strip()
    if override:
        return override[:MAX_ACTOR]
    try:
        return getpass.getuser()[:MAX_ACTOR]  # as long as the column that keeps it
    except (KeyError, OSError):
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


MAX_ACTOR = 100

# A pass's recorded run may lie this far after another clock's now (a pass that waited for
# the write lock read its clock before the one that held it): no further. A run recorded
# later than that came from a replay under a later $BUDGETCTL_NOW or a clock since set back.
RUN_SLACK = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Context:
    """One command's request: where, when (read once), who, and which command."""

    db: Database
    now: datetime
    actor: str
    command: str
    # The clock when the command ran, where --now asked for another instant: the passes
    # record it as when they ran, so that a replay at --now cannot make doctor see a pass
    # run in the future (or long ago).
    clock: datetime | None = None
    # The system's clock whatever $BUDGETCTL_NOW says (read with the others): a pass's run
    # recorded later than it is not believed (passes.mark_run replaces it, doctor fails it).
    system: datetime | None = None

    @property
    def now_us(self) -> int:
        return to_us(self.now)

    @property
    def ran_at_us(self) -> int:
        return to_us(self.clock or self.now)


def standard_input() -> BinaryIO:
    """Standard input's bytes, for a file named ``-``."""
    if sys.stdin is None:  # closed (<&-): Python has no stream for it
        raise InvalidValue(
            "standard input is closed: pipe the file in ('... | budgetctl ... -') or name it"
        )
    return sys.stdin.buffer


def shell_word(text: str) -> str:
    """``text`` as one word of a shell command line that a hint shows: bare when it is
    plain, else in double quotes (``"Acme Corp"``) with the characters a shell expands there
    escaped; a ``!`` (which bash expands even in double quotes) takes single quotes."""
    if text and all(c.isalnum() or c in "-_.,:/@+=%" for c in text):
        return text
    if "!" in text:
        import shlex

        return shlex.quote(text)
    escaped = "".join("\\" + c if c in '"$`\\' else c for c in text)
    return f'"{escaped}"'


def counted(n: int, one: str, many: str) -> str:
    """``1 row``, ``2 rows``: a count with its noun."""
    return f"{n} {one if n == 1 else many}"


def list_limit(limit: int) -> int:
    """A ``--limit`` as a list's row count: at least 1; any larger value means all there are."""
    if limit < 1:
        raise InvalidValue("--limit must be 1 or more")
    return min(limit, 1 << 62)


def name_key(name: str) -> str:
    """Names match trimmed, without regard to case, and in Unicode NFKC: ``Café`` typed with
    a combining accent, or in full-width letters, is ``café`` (schema revision 0002 keys the
    stored names so)."""
    clean = name.strip()
    if clean.isascii():
        return clean.lower()
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", clean).casefold())


@dataclass(frozen=True, slots=True)
class BrandRow:
    id: int
    name: str
    daily_budget: int | None
    monthly_budget: int | None
    timezone: str
    currency: str
    closed_through: str


BRAND_COLUMNS = "id, name, daily_budget, monthly_budget, timezone, currency, closed_through"


def brand_from_row(row: Any) -> BrandRow:
    return BrandRow(int(row[0]), row[1], row[2], row[3], row[4], row[5], row[6])


def get_brand(conn: Connection, name: str) -> BrandRow:
    row = conn.execute(
        sa.text(f"SELECT {BRAND_COLUMNS} FROM brand WHERE name_key = :k"), {"k": name_key(name)}
    ).first()
    if row is None:
        raise NotFound(f"no brand named {name!r}: 'budgetctl brand list' shows the brands")
    return brand_from_row(row)


def brands_named(conn: Connection, name: str) -> list[BrandRow]:
    """The brands called ``name``, removed ones included: the live one first, then the
    removed ones, the latest removed first.

    For the reports (``spend list``, ``history``): a removed brand's spend and history stay,
    so its name still finds them, as :func:`campaigns_named` finds a removed campaign's.
    """
    key = name_key(name)
    rows = conn.execute(
        sa.text(
            f"SELECT {BRAND_COLUMNS}, name_key FROM brand WHERE name_key = :k OR name_key IS NULL "
            "ORDER BY removed_at IS NOT NULL, removed_at DESC, id DESC"
        ),
        {"k": key},
    ).all()
    found = [brand_from_row(r) for r in rows if r[7] == key or name_key(r[1]) == key]
    if not found:
        get_brand(conn, name)  # raises, with its hint
    return found


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: int
    brand_id: int
    name: str
    external_id: str | None
    state: str
    reasons: str
    held: bool
    hold_note: str | None
    schedule_tz: str | None


CAMPAIGN_COLUMNS = (
    "c.id, c.brand_id, c.name, c.external_id, c.state, c.reasons, c.held, c.hold_note, "
    "c.schedule_tz"
)


def campaign_from_row(row: Any) -> CampaignRow:
    return CampaignRow(
        int(row[0]), int(row[1]), row[2], row[3], row[4], row[5], bool(row[6]), row[7], row[8]
    )


def get_campaign(conn: Connection, brand: BrandRow, name: str) -> CampaignRow:
    row = conn.execute(
        sa.text(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaign c WHERE c.brand_id = :b AND c.name_key = :k"
        ),
        {"b": brand.id, "k": name_key(name)},
    ).first()
    if row is None:
        raise NotFound(
            f"brand {brand.name!r} has no campaign named {name!r}: "
            f"'budgetctl campaign list --brand {shell_word(brand.name)}' shows its campaigns"
        )
    return campaign_from_row(row)


def campaigns_named(conn: Connection, name: str, *brands: BrandRow) -> list[tuple[int, int]]:
    """``(campaign id, brand id)`` of the campaigns called ``name`` (in ``brands``, if any
    are given), removed ones included.

    For the reports (``spend list``, ``history``): a removed campaign's spend and history
    stay, so its name still finds them. Live campaigns match on their name key; removed
    ones, whose key is freed, on their casefolded name (in Python: SQL's ``LOWER`` is not
    casefold, and ASCII-only on SQLite).
    """
    key = name_key(name)
    stmt = sa.text(
        "SELECT id, brand_id, name, name_key FROM campaign "
        "WHERE (name_key = :k OR name_key IS NULL)" + (" AND brand_id IN :b" if brands else "")
    )
    if brands:
        stmt = stmt.bindparams(sa.bindparam("b", expanding=True))
    rows = conn.execute(stmt, {"k": key, "b": [b.id for b in brands]} if brands else {"k": key})
    found = [
        (int(cid), int(bid))
        for cid, bid, cname, ckey in rows
        if ckey == key or name_key(cname) == key
    ]
    if not found:
        if brands:
            get_campaign(conn, brands[0], name)  # raises, with the brand's hint
        raise NotFound(f"no campaign named {name!r}: 'budgetctl campaign list' shows the campaigns")
    return found


EVENT_COLUMNS = (
    "at",
    "actor",
    "command",
    "kind",
    "brand_id",
    "campaign_id",
    "brand",
    "campaign",
    "message",
    "detail",
)
INSERT_EVENT = sa.text(
    f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in EVENT_COLUMNS)})"
)
"""One event from :func:`event_params`' dictionary."""
INSERT_EVENT_ROWS = f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})"
"""Events as tuples in :data:`EVENT_COLUMNS` order, for ``store.db.execute_many``."""


def event_params(
    ctx: Context,
    kind: str,
    message: str,
    *,
    brand: BrandRow | None = None,
    campaign: CampaignRow | None = None,
    detail: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "at": ctx.now_us,
        "actor": ctx.actor,
        "command": ctx.command,
        "kind": kind,
        "brand_id": brand.id if brand else None,
        "campaign_id": campaign.id if campaign else None,
        "brand": brand.name if brand else None,
        "campaign": campaign.name if campaign else None,
        "message": message,
        "detail": json.dumps(detail, sort_keys=True) if detail else None,
    }


def record_event(
    conn: Connection,
    ctx: Context,
    kind: str,
    message: str,
    *,
    brand: BrandRow | None = None,
    campaign: CampaignRow | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    conn.execute(
        INSERT_EVENT,
        event_params(ctx, kind, message, brand=brand, campaign=campaign, detail=detail),
    )


_ZONE_CHANGE = ("time zone ", " -> ")  # a zone change's message: its prefix, then A -> B


def zone_change_message(old: str, new: str) -> str:
    """The history message of a brand's time-zone change, which :func:`earlier_zones` reads."""
    prefix, arrow = _ZONE_CHANGE
    return f"{prefix}{old}{arrow}{new}"


def earlier_zones(conn: Connection, brand_id: int) -> list[ZoneInfo]:
    """The time zones brand ``brand_id`` had before its current one, from its history's
    zone changes: a day recorded by its date sits at its midnight there."""
    found: list[ZoneInfo] = []
    for (message,) in conn.execute(
        sa.text("SELECT message FROM event WHERE brand_id = :b AND kind = 'brand.timezone'"),
        {"b": brand_id},
    ):
        prefix, arrow = _ZONE_CHANGE
        name = str(message).removeprefix(prefix).partition(arrow)[0]
        try:
            found.append(zone(name))
        except InvalidValue:
            continue  # not a zone this Python knows (any more): no midnight there to match
    return found


def period_totals(conn: Connection, brand_ids: list[int], period: Period) -> dict[int, int]:
    """Each brand's spend within ``period`` (brands without any are left out), as 64-bit
    sums on both engines: one past the limit is refused (``amounts too large``), as
    PostgreSQL's numeric sum would not be."""
    totals: dict[int, int] = {}
    for start in range(0, len(brand_ids), IN_SLICE):
        for bid, total in conn.execute(
            sa.text(
                "SELECT brand_id, CAST(SUM(amount) AS BIGINT) FROM spend_entry "
                "WHERE brand_id IN :ids AND occurred_at >= :s AND occurred_at < :e "
                "GROUP BY brand_id"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {
                "ids": brand_ids[start : start + IN_SLICE],
                "s": to_us(period.start),
                "e": to_us(period.end),
            },
        ):
            totals[int(bid)] = int(total or 0)
    return totals
