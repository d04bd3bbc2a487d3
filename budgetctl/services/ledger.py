"""The spend ledger: append-only entries in integer micros.

Nothing here updates or deletes a ledger row. A correction is a new entry
(negative for refunds); an idempotency key makes a retry record once; a
retried key with another campaign or amount is a conflict, never an overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from budgetctl.domain.errors import Conflict, InvalidValue
from budgetctl.domain.instants import check_year, from_us, to_us
from budgetctl.domain.money import format_stated, parse_micros
from budgetctl.domain.periods import (
    day_exists,
    local_midnight,
    moved_midnight,
    periods_at,
    wall_time,
    zone,
)
from budgetctl.services.base import (
    BrandRow,
    Context,
    brands_named,
    campaigns_named,
    earlier_zones,
    get_brand,
    get_campaign,
    list_limit,
    record_event,
)
from budgetctl.services.evaluate import Change, evaluate

FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_KEY = 200
MAX_NOTE = 1000


def is_date_only(text: str) -> bool:
    """Whether ``text`` names a day (``2026-11-25`` or ``20261125``), not a time."""
    raw = text.strip()
    return (len(raw) == 10 and raw[4] == "-" and raw[7] == "-") or (
        len(raw) == 8 and raw.isdigit()
    )


def resolve_when(text: str, tz: ZoneInfo, *, what: str = "--at") -> datetime:
    """A date (its start in ``tz``), a local datetime (in ``tz``) or one with an offset, as UTC.

    The years 1900 to 9000 only (:func:`budgetctl.domain.instants.check_year`).
    """
    raw = text.strip()
    if not raw:
        raise InvalidValue(
            f"{what} is empty: give a date (2026-11-25) or a time (2026-11-25T14:30)"
        )
    if is_date_only(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise InvalidValue(f"{what} {text!r} is not a valid date") from None
        check_year(day, text, what)
        if not day_exists(day, tz):
            raise InvalidValue(
                f"{what} {text!r}: that day does not exist in {tz.key} (the zone skipped it)"
            )
        return local_midnight(day, tz)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidValue(
            f"{what} {text!r} is not a date or time: use 2026-11-25, 2026-11-25T14:30 "
            "(brand's local time) or 2026-11-25T14:30:00+01:00"
        ) from None
    check_year(value, text, what)
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    instant = wall_time(value, tz)
    if instant is None:
        raise InvalidValue(
            f"{what} {text!r} does not exist in {tz.key} (a daylight-saving change skips it): "
            "give the time with its UTC offset"
        )
    return instant


@dataclass(slots=True)
class Recorded:
    entry_id: int
    brand: str
    campaign: str
    currency: str
    timezone: str
    amount: int
    occurred_at: datetime
    duplicate: bool = False
    changes: list[Change] = field(default_factory=list)


def record_spend(
    ctx: Context,
    brand_name: str,
    campaign_name: str,
    amount: str,
    *,
    at: str | None = None,
    note: str | None = None,
    key: str | None = None,
) -> Recorded:
    micros = parse_micros(amount)
    if key is not None:
        key = key.strip()
        if not key or len(key) > MAX_KEY:
            raise InvalidValue(f"--key must be 1 to {MAX_KEY} characters")
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidValue(f"--note is longer than {MAX_NOTE} characters")
    with ctx.db.write() as conn:
        brand = get_brand(conn, brand_name)
        campaign = get_campaign(conn, brand, campaign_name)
        tz = zone(brand.timezone)
        occurred = resolve_when(at, tz) if at is not None else ctx.now
        if occurred > ctx.now + FUTURE_TOLERANCE:
            raise InvalidValue(
                f"--at {at!r} is {_ahead(occurred - ctx.now)} in the future: spend can be "
                "recorded at most 5 minutes ahead"
            )
        if key is not None:
            idem = f"manual:{key}"
            found = conn.execute(
                sa.text(
                    "SELECT s.id, s.campaign_id, s.amount, s.occurred_at, c.name, b.name "
                    "FROM spend_entry s JOIN campaign c ON c.id = s.campaign_id "
                    "JOIN brand b ON b.id = s.brand_id WHERE s.idem_key = :k"
                ),
                {"k": idem},
            ).first()
            if found is not None:
                if found[1] != campaign.id or found[2] != micros:
                    raise Conflict(
                        f"key {key!r} was already used for {format_stated(found[2])} on "
                        f"{found[5]} / {found[4]} (entry #{found[0]}): a retry must repeat the "
                        "same campaign and amount; use a new key for a new entry"
                    )
                if (
                    at is not None
                    and int(found[3]) != to_us(occurred)
                    and not moved_midnight(
                        from_us(found[3]), occurred, tz, earlier_zones(conn, brand.id)
                    )
                ):
                    # A retry without --at cannot repeat "now"; one with --at repeats its time.
                    first = from_us(found[3]).astimezone(tz).isoformat(timespec="minutes")
                    raise Conflict(
                        f"key {key!r} was already used for an entry at {first} on "
                        f"{found[5]} / {found[4]} (entry #{found[0]}): a retry must repeat the "
                        "same --at; use a new key for a new entry"
                    )
                record_event(
                    conn,
                    ctx,
                    "spend.duplicate",
                    f"duplicate of entry #{found[0]} (key {key!r}) not recorded again",
                    brand=brand,
                    campaign=campaign,
                )
                return Recorded(
                    int(found[0]),
                    brand.name,
                    campaign.name,
                    brand.currency,
                    brand.timezone,
                    micros,
                    from_us(found[3]),
                    duplicate=True,
                )
        entry_id = conn.execute(
            sa.text(
                "INSERT INTO spend_entry (brand_id, campaign_id, amount, occurred_at, recorded_at, "
                "source, actor, note, idem_key) VALUES (:b, :c, :a, :o, :r, 'manual', :actor, :n, :k) "
                "RETURNING id"
            ),
            {
                "b": brand.id,
                "c": campaign.id,
                "a": micros,
                "o": to_us(occurred),
                "r": ctx.now_us,
                "actor": ctx.actor,
                "n": note or None,
                "k": f"manual:{key}" if key is not None else None,
            },
        ).scalar_one()
        if micros < 0:
            record_event(
                conn,
                ctx,
                "spend.correction",
                f"correction {format_stated(micros)} {brand.currency} (entry #{entry_id})"
                + (f": {note}" if note else ""),
                brand=brand,
                campaign=campaign,
                detail={"entry": int(entry_id), "amount": micros},
            )
        result = Recorded(
            int(entry_id),
            brand.name,
            campaign.name,
            brand.currency,
            brand.timezone,
            micros,
            occurred,
        )
        # The entry's own day and month may be past ones, which evaluating at now does not
        # add up: a total past 64 bits there would stop every later reset (all brands').
        for period in periods_at(occurred, zone(brand.timezone)):
            conn.execute(
                sa.text(
                    "SELECT CAST(SUM(amount) AS BIGINT) FROM spend_entry WHERE brand_id = :b "
                    "AND occurred_at >= :lo AND occurred_at < :hi"
                ),
                {"b": brand.id, "lo": to_us(period.start), "hi": to_us(period.end)},
            )
        result.changes = evaluate(conn, ctx, brand_ids=[brand.id]).changes
        return result


def _ahead(delta: timedelta) -> str:
    # Rounded up: 5 min and a microsecond ahead is not "5 min in the future".
    seconds = -int(-delta // timedelta(seconds=1))
    if seconds < 7200:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min" + (f" {rest} s" if rest else "")
    return f"{seconds // 3600} h"


@dataclass(frozen=True, slots=True)
class EntryView:
    id: int
    brand: str
    campaign: str
    amount: int
    currency: str
    timezone: str
    occurred_at: datetime
    recorded_at: datetime
    source: str
    batch: int | None
    actor: str
    note: str | None
    key: str | None

    def as_json(self) -> dict[str, Any]:
        from budgetctl.domain.money import format_exact

        return {
            "id": self.id,
            "brand": self.brand,
            "campaign": self.campaign,
            "amount": format_exact(self.amount),
            "currency": self.currency,
            "occurred_at": self.occurred_at.astimezone(zone(self.timezone)).isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "source": self.source,
            "batch": self.batch,
            "actor": self.actor,
            "note": self.note,
            "key": self.key,
        }


def list_spend(
    ctx: Context,
    *,
    brand: str | None = None,
    campaign: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 50,
) -> list[EntryView]:
    limit = list_limit(limit)
    with ctx.db.read() as conn:
        where: list[str] = []
        params: dict[str, Any] = {"limit": limit}
        tz = ZoneInfo("UTC")
        brands: list[BrandRow] = []
        if brand is not None:
            brands = brands_named(conn, brand)
            tz = zone(brands[0].timezone)
            where.append("s.brand_id IN :bids")
            params["bids"] = [b.id for b in brands]
        if campaign is not None:
            # The brands too: the (brand, time) index then finds the entries.
            found = campaigns_named(conn, campaign, *brands)
            where.append("s.brand_id IN :bids AND s.campaign_id IN :cids")
            params["cids"] = [cid for cid, _bid in found]
            params["bids"] = sorted({bid for _cid, bid in found})
        if since is not None:
            where.append("s.occurred_at >= :since")
            params["since"] = to_us(resolve_when(since, tz, what="--since"))
        if until is not None:
            end = resolve_when(until, tz, what="--until")
            if is_date_only(until):
                end = local_midnight(end.astimezone(tz).date() + timedelta(days=1), tz)
            where.append("s.occurred_at < :until")
            params["until"] = to_us(end)
        stmt = sa.text(
            "SELECT s.id, b.name, c.name, s.amount, b.currency, b.timezone, s.occurred_at, "
            "s.recorded_at, s.source, s.batch_id, s.actor, s.note, s.idem_key "
            "FROM spend_entry s JOIN brand b ON b.id = s.brand_id "
            "JOIN campaign c ON c.id = s.campaign_id "
            + (f"WHERE {' AND '.join(where)} " if where else "")
            + "ORDER BY s.occurred_at DESC, s.id DESC LIMIT :limit"
        )
        if "cids" in params:
            stmt = stmt.bindparams(sa.bindparam("cids", expanding=True))
        if "bids" in params:
            stmt = stmt.bindparams(sa.bindparam("bids", expanding=True))
        rows = conn.execute(stmt, params).all()
    out = [
        EntryView(
            int(r[0]),
            r[1],
            r[2],
            int(r[3]),
            r[4],
            r[5],
            from_us(r[6]),
            from_us(r[7]),
            r[8],
            r[9],
            r[10],
            r[11],
            r[12].split(":", 1)[1] if r[12] else None,
        )
        for r in rows
    ]
    out.reverse()
    return out
