"""Brands, campaigns and schedules: create, change, remove, bulk-onboard.

Each function is one use case in one write transaction. Anything that can
change whether a campaign may run (budgets, zone, holds, schedules) ends by
evaluating the affected campaigns at once.
"""

from __future__ import annotations

import csv
import enum
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from budgetctl.domain.currency import check_currency
from budgetctl.domain.decide import ACTIVE
from budgetctl.domain.errors import (
    BudgetError,
    Conflict,
    DatabaseError,
    ImportRejected,
    InvalidValue,
)
from budgetctl.domain.instants import from_us
from budgetctl.domain.money import (
    format_budget,
    format_budget_stated,
    format_exact,
    format_stated,
    parse_budget,
)
from budgetctl.domain.periods import check_zone, day_period, local_day, month_period, zone
from budgetctl.domain.schedule import Window, parse_windows
from budgetctl.domain.text import first_invisible, has_control
from budgetctl.services.base import (
    BRAND_COLUMNS,
    INSERT_EVENT,
    BrandRow,
    CampaignRow,
    Context,
    brand_from_row,
    counted,
    event_params,
    get_brand,
    get_campaign,
    name_key,
    period_totals,
    record_event,
    standard_input,
    zone_change_message,
)
from budgetctl.services.evaluate import Change, evaluate
from budgetctl.store.db import MAX_TOTAL, TOO_LARGE, execute_many, fetch_in, in_code_order

MAX_NAME = 200


def check_name(name: str, what: str) -> str:
    clean = name.strip()
    if not clean:
        raise InvalidValue(f"{what} name is empty")
    if len(clean) > MAX_NAME or len(name_key(clean)) > MAX_NAME:
        # The key names compare by is kept too, and folding can lengthen it (ß is ss).
        raise InvalidValue(f"{what} name is longer than {MAX_NAME} characters")
    if has_control(clean):
        raise InvalidValue(
            f"{what} name {clean!r} has a control character (a tab, a line break or the like)"
        )
    hidden = first_invisible(clean)
    if hidden is not None:
        # Two names that look the same must not be two brands or campaigns.
        raise InvalidValue(
            f"{what} name {clean!r} has a character that shows as nothing (U+{ord(hidden):04X}"
            f" {unicodedata.name(hidden, 'FORMAT CHARACTER')}): type the name without it"
        )
    return clean


# -- brands ---------------------------------------------------------------------


def _insert_brand(
    conn: Connection,
    ctx: Context,
    name: str,
    daily: int | None,
    monthly: int | None,
    tz: str,
    currency: str,
) -> BrandRow:
    if conn.execute(
        sa.text("SELECT 1 FROM brand WHERE name_key = :k"), {"k": name_key(name)}
    ).first():
        raise Conflict(f"brand {name!r} already exists: change it with 'budgetctl brand set'")
    yesterday = local_day(ctx.now, zone(tz)) - timedelta(days=1)
    bid = conn.execute(
        sa.text(
            "INSERT INTO brand (name, name_key, daily_budget, monthly_budget, timezone, currency, "
            "created_at, closed_through) VALUES (:n, :k, :d, :m, :tz, :cur, :at, :ct) RETURNING id"
        ),
        {
            "n": name,
            "k": name_key(name),
            "d": daily,
            "m": monthly,
            "tz": tz,
            "cur": currency,
            "at": ctx.now_us,
            "ct": yesterday.isoformat(),
        },
    ).scalar_one()
    brand = BrandRow(int(bid), name, daily, monthly, tz, currency, yesterday.isoformat())
    record_event(
        conn,
        ctx,
        "brand.created",
        f"created: daily {format_budget_stated(daily)}, monthly {format_budget_stated(monthly)}, {tz}, {currency}",
        brand=brand,
    )
    return brand


def add_brand(
    ctx: Context, name: str, daily: str, monthly: str, tz: str = "UTC", currency: str = "USD"
) -> BrandRow:
    clean = check_name(name, "brand")
    daily_m = parse_budget(daily, what="daily budget")
    monthly_m = parse_budget(monthly, what="monthly budget")
    tz = check_zone(tz)
    cur = check_currency(currency)
    with ctx.db.write() as conn:
        return _insert_brand(conn, ctx, clean, daily_m, monthly_m, tz, cur)


def list_brands(ctx: Context) -> list[BrandRow]:
    with ctx.db.read() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT {BRAND_COLUMNS} FROM brand WHERE removed_at IS NULL "
                f"ORDER BY name_key{in_code_order(conn)}"
            )
        )
        return [brand_from_row(r) for r in rows]


@dataclass(slots=True)
class BrandChanges:
    daily: int | None = None
    monthly: int | None = None
    set_daily: bool = False
    set_monthly: bool = False
    tz: str | None = None
    currency: str | None = None
    rename: str | None = None


def _budget_change(old: int | None, new: int | None) -> str:
    """``100.00 -> 80.00``; exact figures where two decimals would round (``none -> 14.999999``)
    or show no change."""
    if format_budget(old) == format_budget(new):
        before, after = (format_exact(v) if v is not None else "none" for v in (old, new))
    else:
        before, after = format_budget_stated(old), format_budget_stated(new)
    return f"{before} -> {after}"


def _currency_locked(conn: Connection, brand_id: int, name: str, currency: str) -> str | None:
    """Why the brand's currency cannot change (it has spend in it), or ``None``."""
    has_spend = conn.execute(
        sa.text("SELECT 1 FROM spend_entry WHERE brand_id = :b LIMIT 1"), {"b": brand_id}
    ).first()
    return f"brand {name!r} has spend in {currency}: its currency cannot change" if has_spend else None


def _closed_through_in(conn: Connection, ctx: Context, brand: BrandRow, tz: str) -> date:
    """The last day ``reset`` has closed for the brand once its zone is ``tz``; refused
    (``amounts too large``) when a day or month the new zone leaves open would add up past
    64 bits, as it would stop every later reset (all brands').

    Days the old zone has closed may not have ended in the new one (a move west): reset
    closes them once they end there (a day closed already keeps its first record). Not
    back past the brand's first day, where a clock behind its creation would put it."""
    created_us = conn.execute(
        sa.text("SELECT created_at FROM brand WHERE id = :id"), {"id": brand.id}
    ).scalar_one()
    new_zone = zone(tz)
    closed = date.fromisoformat(brand.closed_through)
    today = local_day(ctx.now, new_zone)
    day_before_first = local_day(from_us(int(created_us)), new_zone) - timedelta(days=1)
    through = max(min(closed, today - timedelta(days=1)), min(closed, day_before_first))
    day, months = through + timedelta(days=1), set()
    while day <= today:
        period_totals(conn, [brand.id], day_period(day, new_zone))
        months.add(day.replace(day=1))
        day += timedelta(days=1)
    for first in sorted(months):
        period_totals(conn, [brand.id], month_period(first, new_zone))
    return through


def _apply_brand_changes(
    conn: Connection, ctx: Context, brand: BrandRow, changes: BrandChanges
) -> list[str]:
    # Refusals first: a change written before one is refused would roll back, but its event
    # would have taken an id (PostgreSQL's sequences do not roll back).
    through = None
    if changes.tz is not None and changes.tz != brand.timezone:
        through = _closed_through_in(conn, ctx, brand, changes.tz)
    if changes.currency is not None and changes.currency != brand.currency:
        locked = _currency_locked(conn, brand.id, brand.name, brand.currency)
        if locked:
            raise Conflict(locked)
    if (
        changes.rename is not None
        and name_key(changes.rename) != name_key(brand.name)
        and conn.execute(
            sa.text("SELECT 1 FROM brand WHERE name_key = :k"), {"k": name_key(changes.rename)}
        ).first()
    ):
        raise Conflict(f"brand {changes.rename!r} already exists: pick another name")
    said: list[str] = []
    if changes.set_daily and changes.daily != brand.daily_budget:
        conn.execute(
            sa.text("UPDATE brand SET daily_budget = :v WHERE id = :id"),
            {"v": changes.daily, "id": brand.id},
        )
        msg = f"daily budget {_budget_change(brand.daily_budget, changes.daily)}"
        detail = {"period": "day", "old_budget": brand.daily_budget, "new_budget": changes.daily}
        record_event(conn, ctx, "brand.budget", msg, brand=brand, detail=detail)
        said.append(msg)
    if changes.set_monthly and changes.monthly != brand.monthly_budget:
        conn.execute(
            sa.text("UPDATE brand SET monthly_budget = :v WHERE id = :id"),
            {"v": changes.monthly, "id": brand.id},
        )
        msg = f"monthly budget {_budget_change(brand.monthly_budget, changes.monthly)}"
        detail = {
            "period": "month",
            "old_budget": brand.monthly_budget,
            "new_budget": changes.monthly,
        }
        record_event(conn, ctx, "brand.budget", msg, brand=brand, detail=detail)
        said.append(msg)
    if changes.tz is not None and through is not None:
        conn.execute(
            sa.text("UPDATE brand SET timezone = :v, closed_through = :ct WHERE id = :id"),
            {"v": changes.tz, "ct": through.isoformat(), "id": brand.id},
        )
        msg = zone_change_message(brand.timezone, changes.tz)
        record_event(conn, ctx, "brand.timezone", msg, brand=brand)
        said.append(msg)
    if changes.currency is not None and changes.currency != brand.currency:
        conn.execute(
            sa.text("UPDATE brand SET currency = :v WHERE id = :id"),
            {"v": changes.currency, "id": brand.id},
        )
        msg = f"currency {brand.currency} -> {changes.currency}"
        daily = changes.daily if changes.set_daily else brand.daily_budget
        monthly = changes.monthly if changes.set_monthly else brand.monthly_budget
        if not (changes.set_daily and changes.set_monthly) and (daily, monthly) != (None, None):
            # The figures are not converted: say what they now mean.
            msg += (
                f" (budgets not converted: daily {format_budget_stated(daily)}, monthly"
                f" {format_budget_stated(monthly)} {changes.currency})"
            )
        record_event(conn, ctx, "brand.currency", msg, brand=brand)
        said.append(msg)
    if changes.rename is not None and changes.rename != brand.name:
        conn.execute(
            sa.text("UPDATE brand SET name = :n, name_key = :k WHERE id = :id"),
            {"n": changes.rename, "k": name_key(changes.rename), "id": brand.id},
        )
        msg = f"renamed {brand.name!r} -> {changes.rename!r}"
        record_event(conn, ctx, "brand.renamed", msg, brand=brand)
        said.append(msg)
    return said


@dataclass(slots=True)
class Outcome:
    """What a catalog command did: lines to show, and the state changes it caused."""

    said: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def set_brand(
    ctx: Context,
    name: str,
    *,
    daily: str | None = None,
    monthly: str | None = None,
    tz: str | None = None,
    rename: str | None = None,
    currency: str | None = None,
) -> Outcome:
    changes = BrandChanges()
    if daily is not None:
        changes.daily, changes.set_daily = parse_budget(daily, what="daily budget"), True
    if monthly is not None:
        changes.monthly, changes.set_monthly = parse_budget(monthly, what="monthly budget"), True
    if tz is not None:
        changes.tz = check_zone(tz)
    if currency is not None:
        changes.currency = check_currency(currency)
    if rename is not None:
        changes.rename = check_name(rename, "brand")
    if not (changes.set_daily or changes.set_monthly or tz or rename or currency):
        raise InvalidValue(
            "nothing to change: give --daily, --monthly, --tz, --currency or --rename"
        )
    with ctx.db.write() as conn:
        brand = get_brand(conn, name)
        out = Outcome(_apply_brand_changes(conn, ctx, brand, changes))
        out.changes = evaluate(conn, ctx, brand_ids=[brand.id]).changes
        return out


def _removed(spend: int) -> str:
    """The history message of a removal, forced over ``spend`` entries or not."""
    kept = counted(spend, "spend entry", "spend entries")
    return f"removed (forced; {kept} kept in the ledger)" if spend else "removed"


def remove_brand(ctx: Context, name: str, *, force: bool = False) -> BrandRow:
    with ctx.db.write() as conn:
        brand = get_brand(conn, name)
        spend = conn.execute(
            sa.text("SELECT COUNT(*) FROM spend_entry WHERE brand_id = :b"), {"b": brand.id}
        ).scalar_one()
        if spend and not force:
            raise Conflict(
                f"brand {brand.name!r} has {counted(spend, 'spend entry', 'spend entries')}: "
                "they stay in the ledger; use --force to remove the brand anyway"
            )
        conn.execute(
            sa.text(
                "UPDATE campaign SET removed_at = :at, name_key = NULL WHERE brand_id = :b "
                "AND removed_at IS NULL"
            ),
            {"at": ctx.now_us, "b": brand.id},
        )
        conn.execute(
            sa.text("UPDATE brand SET removed_at = :at, name_key = NULL WHERE id = :b"),
            {"at": ctx.now_us, "b": brand.id},
        )
        record_event(
            conn,
            ctx,
            "brand.removed",
            _removed(spend),
            brand=brand,
        )
        return brand


# -- campaigns ------------------------------------------------------------------


def _insert_campaign(
    conn: Connection,
    ctx: Context,
    brand: BrandRow,
    name: str,
    external_id: str | None,
    *,
    sheet: list[dict[str, Any]] | None = None,
    id_checked: bool = False,
) -> CampaignRow:
    """Add a campaign and its history event (or gather the event into ``sheet``).
    ``id_checked``: the caller has just looked the external id up in this transaction
    and found no live campaign of the brand carrying it."""
    if conn.execute(
        sa.text("SELECT 1 FROM campaign WHERE brand_id = :b AND name_key = :k"),
        {"b": brand.id, "k": name_key(name)},
    ).first():
        raise Conflict(f"brand {brand.name!r} already has a campaign named {name!r}")
    if external_id is not None and not id_checked:
        _check_external_id(conn, brand, external_id)
    cid = conn.execute(
        _INSERT_CAMPAIGN,
        {
            "b": brand.id,
            "n": name,
            "k": name_key(name),
            "x": external_id,
            "s": ACTIVE,
            "at": ctx.now_us,
        },
    ).scalar_one()
    campaign = CampaignRow(int(cid), brand.id, name, external_id, ACTIVE, "", False, None, None)
    message = "created" + (f" (external id {external_id})" if external_id else "")
    _event(conn, ctx, sheet, "campaign.created", message, brand, campaign)
    return campaign


_INSERT_CAMPAIGN = sa.text(
    "INSERT INTO campaign (brand_id, name, name_key, external_id, state, reasons, held, "
    "created_at) VALUES (:b, :n, :k, :x, :s, '', 0, :at) RETURNING id"
)


def _event(
    conn: Connection,
    ctx: Context,
    sheet: list[dict[str, Any]] | None,
    kind: str,
    message: str,
    brand: BrandRow,
    campaign: CampaignRow,
) -> None:
    """Record an event now, or gather it into ``sheet`` (campaign import writes them at once)."""
    if sheet is None:
        record_event(conn, ctx, kind, message, brand=brand, campaign=campaign)
    else:
        sheet.append(event_params(ctx, kind, message, brand=brand, campaign=campaign))


def _linked(conn: Connection, brand: BrandRow, external_id: str) -> list[tuple[int, str]]:
    """The brand's live campaigns (id, name) linked to this external id, by name."""
    # Sorted here, not by ORDER BY name_key: SQLite would then walk the brand's whole
    # (brand_id, name_key) index instead of the external id's, once per campaign created.
    found = conn.execute(
        sa.text(
            "SELECT id, name, name_key FROM campaign WHERE brand_id = :b AND external_id = :x "
            "AND removed_at IS NULL"
        ),
        {"b": brand.id, "x": external_id},
    ).all()
    return [(int(r[0]), r[1]) for r in sorted(found, key=lambda r: str(r[2]))]


def _external_id_taken(brand: BrandRow, external_id: str, other: str) -> Conflict:
    return Conflict(
        f"external id {external_id} is already linked to campaign {brand.name} / {other}: "
        "an import could not tell the two apart"
    )


def _check_external_id(conn: Connection, brand: BrandRow, external_id: str) -> None:
    """Refuse a second live campaign of the brand linked to the same network campaign."""
    linked = _linked(conn, brand, external_id)
    if linked:
        raise _external_id_taken(brand, external_id, linked[0][1])


def clean_external_id(external_id: str | None) -> str | None:
    if external_id is None:
        return None
    clean = external_id.strip()
    if len(clean) > 100:
        raise InvalidValue("external id is longer than 100 characters")
    if has_control(clean):
        raise InvalidValue(
            f"external id {clean!r} has a control character (a tab, a line break or the like)"
        )
    return clean or None


def add_campaign(
    ctx: Context, brand_name: str, name: str, external_id: str | None = None
) -> Outcome:
    clean = check_name(name, "campaign")
    ext = clean_external_id(external_id)
    with ctx.db.write() as conn:
        brand = get_brand(conn, brand_name)
        campaign = _insert_campaign(conn, ctx, brand, clean, ext)
        out = Outcome([f"added campaign {brand.name} / {campaign.name}"])
        out.changes = evaluate(conn, ctx, campaign_ids=[campaign.id]).changes
        return out


@dataclass(frozen=True, slots=True)
class CampaignListing:
    brand: str
    campaign: str
    external_id: str | None
    state: str
    reasons: tuple[str, ...]
    scheduled: bool


def list_campaigns(
    ctx: Context, *, brand: str | None = None, state: str | None = None
) -> list[CampaignListing]:
    with ctx.db.read() as conn:
        where = ["c.removed_at IS NULL"]
        params: dict[str, Any] = {}
        if brand is not None:
            where.append("c.brand_id = :b")
            params["b"] = get_brand(conn, brand).id
        if state is not None:
            where.append("c.state = :s")
            params["s"] = state
        rows = conn.execute(
            sa.text(
                "SELECT b.name, c.name, c.external_id, c.state, c.reasons, "
                "EXISTS (SELECT 1 FROM schedule_window w WHERE w.campaign_id = c.id) "
                "FROM campaign c JOIN brand b ON b.id = c.brand_id "
                f"WHERE {' AND '.join(where)} ORDER BY b.name_key{in_code_order(conn)}, "
                f"c.name_key{in_code_order(conn)}"
            ),
            params,
        )
        return [
            CampaignListing(
                r[0], r[1], r[2], r[3], tuple(r[4].split(",")) if r[4] else (), bool(r[5])
            )
            for r in rows
        ]


def remove_campaign(
    ctx: Context, brand_name: str, name: str, *, force: bool = False
) -> CampaignRow:
    with ctx.db.write() as conn:
        brand = get_brand(conn, brand_name)
        campaign = get_campaign(conn, brand, name)
        spend = conn.execute(
            sa.text("SELECT COUNT(*) FROM spend_entry WHERE brand_id = :b AND campaign_id = :c"),
            {"b": brand.id, "c": campaign.id},
        ).scalar_one()
        if spend and not force:
            raise Conflict(
                f"campaign {brand.name} / {campaign.name} has "
                f"{counted(spend, 'spend entry', 'spend entries')}: they stay in the ledger; "
                "use --force to remove the campaign anyway"
            )
        conn.execute(
            sa.text("UPDATE campaign SET removed_at = :at, name_key = NULL WHERE id = :c"),
            {"at": ctx.now_us, "c": campaign.id},
        )
        record_event(
            conn,
            ctx,
            "campaign.removed",
            _removed(spend),
            brand=brand,
            campaign=campaign,
        )
        return campaign


def set_hold(
    ctx: Context, brand_name: str, name: str, *, held: bool, note: str | None = None
) -> Outcome:
    with ctx.db.write() as conn:
        brand = get_brand(conn, brand_name)
        campaign = get_campaign(conn, brand, name)
        out = Outcome()
        if held == campaign.held:
            out.said.append(
                f"{brand.name} / {campaign.name} is already " + ("held" if held else "not held")
            )
        else:
            conn.execute(
                sa.text("UPDATE campaign SET held = :h, hold_note = :n WHERE id = :c"),
                {"h": 1 if held else 0, "n": note if held else None, "c": campaign.id},
            )
            kind, msg = (
                ("campaign.held", "hold placed" + (f": {note}" if note else ""))
                if held
                else ("campaign.resumed", "hold lifted")
            )
            record_event(conn, ctx, kind, msg, brand=brand, campaign=campaign)
            out.said.append(f"{brand.name} / {campaign.name}: {msg}")
        out.changes = evaluate(conn, ctx, campaign_ids=[campaign.id]).changes
        return out


# -- schedules -------------------------------------------------------------------


def _replace_windows(
    conn: Connection,
    ctx: Context,
    brand: BrandRow,
    campaign: CampaignRow,
    windows: Sequence[Window],
    tz: str | None,
    *,
    sheet: list[dict[str, Any]] | None = None,
) -> str:
    conn.execute(_DELETE_WINDOWS, {"c": campaign.id})
    if windows:
        conn.execute(
            _INSERT_WINDOW,
            [{"c": campaign.id, "p": i, "s": str(w)} for i, w in enumerate(windows)],
        )
    conn.execute(_SET_SCHEDULE_TZ, {"tz": tz if windows else None, "c": campaign.id})
    text = "; ".join(str(w) for w in windows)
    if windows:
        msg = f"schedule set: {text} ({tz or brand.timezone})"
        _event(conn, ctx, sheet, "schedule.set", msg, brand, campaign)
    else:
        msg = "schedule cleared: may run at any time"
        _event(conn, ctx, sheet, "schedule.cleared", msg, brand, campaign)
    return msg


_DELETE_WINDOWS = sa.text("DELETE FROM schedule_window WHERE campaign_id = :c")
_INSERT_WINDOW = sa.text(
    "INSERT INTO schedule_window (campaign_id, position, spec) VALUES (:c, :p, :s)"
)
_SET_SCHEDULE_TZ = sa.text("UPDATE campaign SET schedule_tz = :tz WHERE id = :c")


def set_schedule(
    ctx: Context, brand_name: str, name: str, specs: Sequence[str], tz: str | None = None
) -> Outcome:
    windows = parse_windows(specs)
    if not windows:
        raise InvalidValue(
            "no windows given: use e.g. 'Mon-Fri 09:00-17:00' ('schedule clear' removes a schedule)"
        )
    zone_name = check_zone(tz) if tz is not None else None
    with ctx.db.write() as conn:
        brand = get_brand(conn, brand_name)
        campaign = get_campaign(conn, brand, name)
        who = f"{brand.name} / {campaign.name}"
        if campaign_windows(conn, campaign.id) == [str(w) for w in windows] and (
            campaign.schedule_tz == zone_name
        ):
            # Nothing to write or to record; the campaign is still evaluated, as after any set.
            text = "; ".join(str(w) for w in windows)
            said = f"schedule unchanged: {text} ({zone_name or brand.timezone})"
        else:
            said = _replace_windows(conn, ctx, brand, campaign, windows, zone_name)
        out = Outcome([f"{who}: {said}"])
        out.changes = evaluate(conn, ctx, campaign_ids=[campaign.id]).changes
        return out


def clear_schedule(ctx: Context, brand_name: str, name: str) -> Outcome:
    with ctx.db.write() as conn:
        brand = get_brand(conn, brand_name)
        campaign = get_campaign(conn, brand, name)
        who = f"{brand.name} / {campaign.name}"
        if campaign_windows(conn, campaign.id):
            said = _replace_windows(conn, ctx, brand, campaign, (), None)
        else:
            said = "has no schedule: nothing to clear"
        out = Outcome([f"{who}: {said}"])
        out.changes = evaluate(conn, ctx, campaign_ids=[campaign.id]).changes
        return out


def campaign_windows(conn: Connection, campaign_id: int) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            sa.text("SELECT spec FROM schedule_window WHERE campaign_id = :c ORDER BY position"),
            {"c": campaign_id},
        )
    ]


# -- bulk onboarding --------------------------------------------------------------


def read_sheet(
    path: str | Path, required: Sequence[str], optional: Sequence[str]
) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    """Rows of an onboarding CSV as dicts keyed by lower-case column, with their line numbers."""
    from budgetctl.importers.reader import show_name

    if str(path) == "":
        raise InvalidValue(
            "the file name is empty: name the sheet's CSV file, or '-' for standard input"
        )
    label = show_name(str(path))
    try:
        raw = standard_input().read() if str(path) == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise InvalidValue(f"cannot read {label}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidValue(
            f"{label}: cannot decode as utf-8 at byte {exc.start}: save the sheet as CSV UTF-8"
        ) from None
    if not text.strip():
        raise InvalidValue(f"{label}: file is empty")
    sample = text[:4096]
    delimiter = max((",", "\t", ";"), key=lambda d: sample.split("\n", 1)[0].count(d))
    # Strict, as spend imports read: a quote never closed is an error, not a swallowed sheet.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise InvalidValue(f"{label}:1: {exc}") from None
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        raise InvalidValue(
            f"{label}:1: column{'s' if len(twice) > 1 else ''} {', '.join(twice)} "
            f"appear{'' if len(twice) > 1 else 's'} twice: which one counts is not clear"
        )
    known = [*required, *optional]
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidValue(
            f"{label}:1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(expected {', '.join(known)})"
        )
    # A misspelt column ("timezon") would be a column the sheet does not have: its values
    # dropped without a word. Every named column must be one the import reads.
    unknown = [h for h in header if h and h not in known]
    if unknown:
        import difflib

        named = []
        for h in unknown:
            close = difflib.get_close_matches(h, known, n=1)
            named.append(repr(h) + (f" (did you mean {close[0]}?)" if close else ""))
        them = "them" if len(unknown) > 1 else "it"
        raise InvalidValue(
            f"{label}:1: unknown column{'s' if len(unknown) > 1 else ''} {', '.join(named)}: "
            f"the columns are {', '.join(known)}; rename {them} or take {them} out of the sheet"
        )
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1  # where the record being read begins
    try:
        for record in reader:
            start, line = reader.line_num + 1, start
            if not any(cell.strip() for cell in record):
                continue
            # A value under no column name (a blank header cell, or past the header's last)
            # would be dropped without a word, as a misspelt column's would.
            stray = next(
                (
                    i
                    for i, cell in enumerate(record)
                    if cell.strip() and not (i < len(header) and header[i])
                ),
                None,
            )
            if stray is not None:
                raise InvalidValue(
                    f"{label}:{line}: a value in column {stray + 1}, which the header does not "
                    "name: give the column its name, or clear the cell"
                )
            values = {
                h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(header)
            }
            rows.append((line, values))
    except csv.Error as exc:
        from budgetctl.importers.reader import csv_reason

        raise InvalidValue(f"{label}:{start}: {csv_reason(exc)}") from None
    if not rows:
        raise InvalidValue(f"{label}: no rows after the header")
    return label, rows


def import_brands(ctx: Context, path: str | Path) -> Outcome:
    label, rows = read_sheet(path, ("name", "daily", "monthly"), ("timezone", "currency"))
    problems: list[str] = []
    parsed: list[tuple[str, int | None, int | None, str | None, str | None]] = []
    lines: list[int] = []
    seen: set[str] = set()
    for line, row in rows:
        try:
            name = check_name(row["name"], "brand")
            if name_key(name) in seen:
                raise Conflict(f"brand {name!r} appears twice in the file")
            seen.add(name_key(name))
            parsed.append(
                (
                    name,
                    parse_budget(row["daily"], what="daily budget"),
                    parse_budget(row["monthly"], what="monthly budget"),
                    # No column, or an empty cell: a new brand takes the default, an
                    # existing one keeps what it has.
                    check_zone(row["timezone"]) if row.get("timezone") else None,
                    check_currency(row["currency"]) if row.get("currency") else None,
                )
            )
            lines.append(line)
        except BudgetError as exc:
            problems.append(f"{label}:{line}: {exc.message}")
    if problems:
        raise ImportRejected(problems, "brand import refused, nothing written")
    # A zone move that would add a day or month up past 64 bits, found before any row is
    # written and listed by line. Only the (rare) moves are summed, each in a read of its own:
    # on PostgreSQL the failed sum ends its transaction. The write checks again, in case.
    with ctx.db.read() as conn:
        stored = {
            name_key(b.name): b
            for b in map(brand_from_row, conn.execute(sa.text(f"SELECT {BRAND_COLUMNS} FROM brand")))
        }
    for line, (name, _daily, _monthly, tz, _cur) in zip(lines, parsed, strict=True):
        brand = stored.get(name_key(name))
        if tz is None or brand is None or brand.timezone == tz:
            continue
        try:
            with ctx.db.read() as conn:
                _closed_through_in(conn, ctx, brand, tz)
        except DatabaseError as exc:
            if exc.message != TOO_LARGE:
                raise
            problems.append(
                f"{label}:{line}: brand {name!r}: in {tz} a day or month would add up past "
                f"the largest total budgetctl keeps ({format_stated(MAX_TOTAL)})"
            )
    if problems:
        raise ImportRejected(problems, "brand import refused, nothing written")
    out = Outcome()
    with ctx.db.write() as conn:
        # A brand with spend keeps its currency: such rows are found before any row is
        # written, and listed by line as the sheet's other problems are.
        current = {
            str(r[0]): (int(r[1]), str(r[2]), str(r[3]))
            for r in conn.execute(
                sa.text("SELECT name_key, id, name, currency FROM brand WHERE removed_at IS NULL")
            )
        }
        for line, (name, _daily, _monthly, _tz, cur) in zip(lines, parsed, strict=True):
            have = current.get(name_key(name))
            if cur is None or have is None or have[2] == cur:
                continue
            locked = _currency_locked(conn, *have)
            if locked:
                problems.append(f"{label}:{line}: {locked}")
        if problems:
            raise ImportRejected(problems, "brand import refused, nothing written")
        touched: list[int] = []
        created = updated = 0
        for name, daily, monthly, tz, cur in parsed:
            found = conn.execute(
                sa.text(f"SELECT {BRAND_COLUMNS} FROM brand WHERE name_key = :k"),
                {"k": name_key(name)},
            ).first()
            if found is None:
                brand = _insert_brand(conn, ctx, name, daily, monthly, tz or "UTC", cur or "USD")
                created += 1
            else:
                brand = brand_from_row(found)
                said = _apply_brand_changes(
                    conn,
                    ctx,
                    brand,
                    BrandChanges(daily, monthly, True, True, tz, cur, name),
                )
                updated += bool(said)
            touched.append(brand.id)
        out.said.append(
            f"brands: {created} created, {updated} updated, {len(parsed) - created - updated} unchanged"
        )
        out.changes = evaluate(conn, ctx, brand_ids=touched).changes
    return out


class _Keep(enum.Enum):
    """A column the sheet does not have: the stored value stays."""

    KEEP = "keep"


KEEP = _Keep.KEEP


def _shared_external_ids(
    conn: Connection,
    label: str,
    links: Sequence[tuple[int, BrandRow, str, str | _Keep | None]],
) -> list[tuple[int, str]]:
    """Rows that would link a network campaign to a second campaign of the same brand, judged
    on the brand as the whole sheet leaves it (two campaigns may swap their ids): ``links``
    are the rows' (line, brand, campaign name, external id)."""
    brands = {brand.id: brand for _line, brand, _n, ext in links if isinstance(ext, str)}
    if not brands:
        return []
    # (brand, name key) -> (name, external id): the linked campaigns now, then as the sheet
    # leaves them. One read for all the sheet's brands, then dictionaries: a sheet of 100,000
    # campaigns must not look each one up against every other.
    stored: dict[tuple[int, str], tuple[str, str | None]] = {
        (int(bid), key): (name, ext)
        for bid, key, name, ext in fetch_in(
            conn,
            "SELECT brand_id, name_key, name, external_id FROM campaign WHERE removed_at IS NULL "
            "AND external_id IS NOT NULL AND brand_id",
            sorted(brands),
        )
    }
    final = dict(stored)
    for _line, brand, name, ext in links:
        if brand.id in brands and ext is not KEEP:
            slot = (brand.id, name_key(name))
            final[slot] = (stored.get(slot, (name, None))[0], ext)
    owners: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for (bid, owner_key), (owner, linked) in final.items():
        if linked is not None:
            owners.setdefault((bid, linked), []).append((owner, owner_key))
    problems: list[tuple[int, str]] = []
    for line, brand, name, ext in links:
        if not isinstance(ext, str):
            continue
        key = name_key(name)
        if stored.get((brand.id, key), ("", None))[1] == ext:
            continue  # unchanged: a link made before this sheet is not its problem
        others = sorted(n for n, k in owners.get((brand.id, ext), []) if k != key)
        if others:
            message = _external_id_taken(brand, ext, others[0]).message
            problems.append((line, f"{label}:{line}: {message}"))
    return problems


_SET_EXTERNAL_ID = sa.text("UPDATE campaign SET external_id = :x WHERE id = :c")


def import_campaigns(ctx: Context, path: str | Path) -> Outcome:
    label, rows = read_sheet(path, ("brand", "name"), ("external_id", "schedule", "timezone"))
    problems: list[tuple[int, str]] = []
    out = Outcome()
    with ctx.db.write() as conn:
        brands: dict[str, BrandRow] = {}
        # An absent column keeps what an existing campaign has (KEEP); a column that is there
        # is the sheet's word, an empty cell included (no external id, no schedule).
        plan: list[
            tuple[
                BrandRow,
                str,
                str | _Keep | None,
                tuple[Window, ...] | _Keep | None,
                str | _Keep | None,
            ]
        ] = []
        # Every row's link to its network campaign, a row whose other cells are wrong too:
        # the refusal lists the links a sheet would share with every other problem.
        links: list[tuple[int, BrandRow, str, str | _Keep | None]] = []
        seen: set[tuple[int, str]] = set()
        for line, row in rows:
            try:
                key = name_key(row["brand"])
                if key not in brands:
                    brands[key] = get_brand(conn, row["brand"])
                brand = brands[key]
                name = check_name(row["name"], "campaign")
                if (brand.id, name_key(name)) in seen:
                    raise Conflict(f"campaign {brand.name} / {name} appears twice in the file")
                seen.add((brand.id, name_key(name)))
                ext: str | _Keep | None = (
                    clean_external_id(row["external_id"]) if "external_id" in row else KEEP
                )
                links.append((line, brand, name, ext))
                windows: tuple[Window, ...] | _Keep | None = KEEP
                if "schedule" in row:
                    windows = parse_windows([row["schedule"]]) if row["schedule"] else None
                tz: str | _Keep | None = KEEP
                if "timezone" in row:
                    tz = check_zone(row["timezone"]) if row["timezone"] else None
                plan.append((brand, name, ext, windows, tz))
            except BudgetError as exc:
                problems.append((line, f"{label}:{line}: {exc.message}"))
        problems += _shared_external_ids(conn, label, links)
        if problems:
            raise ImportRejected(
                [text for _line, text in sorted(problems, key=lambda p: p[0])],
                "campaign import refused, nothing written",
            )
        created = updated = 0
        touched: list[int] = []
        events: list[dict[str, Any]] = []  # written at once, in the order they happened
        new_windows: list[tuple[int, int, str]] = []
        new_zones: list[tuple[str | None, int]] = []
        # The sheet's campaigns that exist, in one read (name keys are unique per brand).
        found_rows = {
            (int(r[1]), r[9]): r
            for r in fetch_in(
                conn,
                "SELECT c.id, c.brand_id, c.name, c.external_id, c.state, c.reasons, c.held, "
                "c.hold_note, c.schedule_tz, c.name_key FROM campaign c WHERE c.removed_at IS NULL "
                "AND c.name_key",
                sorted({name_key(name) for _b, name, _x, _w, _t in plan}),
            )
        }
        # The new campaigns in one statement, then their ids in one read.
        fresh = [
            (brand.id, name, name_key(name), None if ext is KEEP else ext, ACTIVE, ctx.now_us)
            for brand, name, ext, _w, _t in plan
            if (brand.id, name_key(name)) not in found_rows
        ]
        execute_many(
            conn,
            "INSERT INTO campaign (brand_id, name, name_key, external_id, state, reasons, held, "
            "created_at) VALUES (?, ?, ?, ?, ?, '', 0, ?)",
            fresh,
        )
        new_ids = {
            (int(bid), key): int(cid)
            for cid, bid, key in fetch_in(
                conn,
                "SELECT id, brand_id, name_key FROM campaign WHERE removed_at IS NULL AND name_key",
                sorted({row[2] for row in fresh}),
            )
        }
        for brand, name, ext, windows, tz in plan:
            found = found_rows.get((brand.id, name_key(name)))
            if found is None:
                link = None if ext is KEEP else ext
                campaign = CampaignRow(
                    new_ids[(brand.id, name_key(name))],
                    brand.id,
                    name,
                    link,
                    ACTIVE,
                    "",
                    False,
                    None,
                    None,
                )
                events.append(
                    event_params(
                        ctx,
                        "campaign.created",
                        "created" + (f" (external id {link})" if link else ""),
                        brand=brand,
                        campaign=campaign,
                    )
                )
                created += 1
                if windows and windows is not KEEP:
                    # A new campaign has no windows to replace: its rows go in with the rest.
                    new_windows += [(campaign.id, i, str(w)) for i, w in enumerate(windows)]
                    if isinstance(tz, str) and tz:
                        new_zones.append((tz, campaign.id))
                    text = "; ".join(str(w) for w in windows)
                    events.append(
                        event_params(
                            ctx,
                            "schedule.set",
                            f"schedule set: {text} ({tz if isinstance(tz, str) and tz else brand.timezone})",
                            brand=brand,
                            campaign=campaign,
                        )
                    )
            else:
                campaign = CampaignRow(
                    int(found[0]),
                    int(found[1]),
                    found[2],
                    found[3],
                    found[4],
                    found[5],
                    bool(found[6]),
                    found[7],
                    found[8],
                )
                changed = False
                if ext is not KEEP and ext != campaign.external_id:
                    conn.execute(_SET_EXTERNAL_ID, {"x": ext, "c": campaign.id})
                    events.append(
                        event_params(
                            ctx,
                            "campaign.changed",
                            f"external id {campaign.external_id or '-'} -> {ext or '-'}",
                            brand=brand,
                            campaign=campaign,
                        )
                    )
                    changed = True
                if windows is not KEEP:
                    if isinstance(tz, _Keep):
                        # No timezone column: the schedule keeps the zone it has.
                        tz = campaign.schedule_tz
                    current = campaign_windows(conn, campaign.id)
                    wanted = [str(w) for w in windows or ()]
                    if current != wanted or (windows and tz != campaign.schedule_tz):
                        _replace_windows(
                            conn, ctx, brand, campaign, windows or (), tz, sheet=events
                        )
                        changed = True
                updated += changed
            touched.append(campaign.id)
        execute_many(
            conn, "INSERT INTO schedule_window (campaign_id, position, spec) VALUES (?, ?, ?)",
            new_windows,
        )  # fmt: skip
        execute_many(conn, "UPDATE campaign SET schedule_tz = ? WHERE id = ?", new_zones)
        if events:
            conn.execute(INSERT_EVENT, events)
        out.said.append(
            f"campaigns: {created} created, {updated} updated, "
            f"{len(plan) - created - updated} unchanged"
        )
        out.changes = evaluate(conn, ctx, campaign_ids=touched).changes
    return out
