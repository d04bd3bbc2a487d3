"""Deterministic benchmark data for budgetctl, at a chosen scale.

    python benchmarks/generate.py --scale small|agency|network [--out DIR] [--force]

Writes, under ``DIR/<scale>/`` (default ``benchmarks/data/<scale>/``, git-ignored):

* ``budget.db``   a budgetctl database: brands in several zones and currencies,
  campaigns (30 % with a schedule, 2 % held), a month of ledger history before
  :data:`NOW`, brand days closed through the day before yesterday (so ``reset``
  has exactly one day to close per brand), and campaign states settled by one
  ``budgetctl enforce`` at :data:`NOW` (so the benchmarks measure cron's steady
  state; that first, settling run is timed and written to ``meta.json``).
* ``generic.csv`` a generic spend file with ids (``date,brand,campaign,amount,currency,id``)
  over one month, for campaigns matched by brand and name.
* ``google-ads.csv`` a Google Ads daily campaign report (preamble, header, one row
  per campaign and day, ``Total:`` rows), campaigns linked by external id.
* ``campaigns.csv`` an onboarding sheet for ``campaign import``: as many new campaigns
  again, over the same brands, with network ids, 30 % with a schedule.
* ``new-campaigns.csv`` a Google Ads report for one brand naming campaigns budgetctl
  does not know yet (a fifth as many as the database holds, one day each), for
  ``spend import --create-missing``.
* ``meta.json``   the parameters, counts and timings; a matching ``meta.json``
  means the data is current and is reused.

The database is built the fast way: ``budgetctl init`` on a new file (so the
schema is the real one, from the migrations), then ``executemany`` straight
into the tables. Everything comes from one seeded ``random.Random``: the same
scale gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data"
GENERATOR_VERSION = 5
MIGRATIONS = Path(__file__).resolve().parents[1] / "budgetctl" / "store" / "migrations" / "versions"


def schema_fingerprint() -> str:
    """A hash of the shipped migrations: cached data built on another schema is rebuilt."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


"""Bump when the data changes shape, so cached data is rebuilt."""

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
"""The benchmark's clock: every command runs at this instant (``BUDGETCTL_NOW``)."""
NOW_TEXT = "2026-11-25T15:00:00+00:00"
HISTORY_DAYS = 30
SEED = 20261125
US_PER_DAY = 86_400_000_000
MICROS = 1_000_000


@dataclass(frozen=True)
class Scale:
    name: str
    brands: int
    campaigns: int
    ledger: int
    generic_rows: int
    generic_campaigns: int
    google_rows: int  # one per campaign and day over HISTORY_DAYS days


SCALES: dict[str, Scale] = {
    "small": Scale("small", 100, 1_000, 10_000, 10_000, 100, 6_000),
    "agency": Scale("agency", 1_000, 20_000, 200_000, 200_000, 2_000, 120_000),
    "network": Scale("network", 10_000, 100_000, 1_000_000, 1_000_000, 10_000, 600_000),
}

# (zone, currency, share of brands)
ZONES: tuple[tuple[str, str], ...] = (
    ("America/New_York", "USD"),
    ("America/New_York", "USD"),
    ("America/Chicago", "USD"),
    ("America/Los_Angeles", "USD"),
    ("UTC", "USD"),
    ("Europe/London", "GBP"),
    ("Europe/Berlin", "EUR"),
    ("Europe/Paris", "EUR"),
    ("Asia/Kolkata", "INR"),
    ("Asia/Tokyo", "JPY"),
    ("Australia/Sydney", "AUD"),
)

SCHEDULES: tuple[tuple[str, ...], ...] = (
    ("Mon-Fri 09:00-17:00",),
    ("Mon-Fri 08:00-20:00",),
    ("daily 06:00-22:00",),
    ("weekdays 07:00-10:00", "weekdays 16:00-21:00"),
    ("weekends 10:00-18:00",),
    ("Fri 22:00-06:00", "Sat 22:00-06:00"),
    ("daily 18:00-24:00",),
    ("Mon,Wed,Fri 12:00-14:00",),
)

CAMPAIGN_KINDS = (
    "Search",
    "Display",
    "Video",
    "Shopping",
    "Social",
    "Awareness",
    "Retarget",
    "PMax",
)


def to_us(at: datetime) -> int:
    return (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def local_midnight_us(day: date, tz: ZoneInfo) -> int:
    return to_us(datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC))


def data_dir(scale: str, out: Path | None = None) -> Path:
    return (out or DEFAULT_OUT) / scale


def find_budgetctl() -> list[str]:
    """The installed ``budgetctl`` next to this interpreter, else on PATH, else ``-m``."""
    beside = Path(sys.executable).with_name("budgetctl")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("budgetctl")
    if found:
        return [found]
    return [sys.executable, "-m", "budgetctl"]


@dataclass
class Brand:
    id: int
    name: str
    tz: str
    currency: str
    daily: int | None
    monthly: int | None
    rate: int  # typical spend per day, micros


@dataclass
class Camp:
    id: int
    brand: Brand
    name: str
    external_id: str | None


def _money(rng: random.Random, units: float) -> int:
    """A positive amount in micros, whole cents."""
    return max(1, int(units * rng.uniform(0.5, 1.5) * 100)) * 10_000


def build(scale: Scale, where: Path, budgetctl: list[str]) -> dict[str, object]:
    rng = random.Random(SEED)
    where.mkdir(parents=True, exist_ok=True)
    db = where / "budget.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    timings: dict[str, float] = {}
    env = {**os.environ, "BUDGETCTL_NOW": NOW_TEXT, "BUDGETCTL_ACTOR": "bench"}
    env.pop("BUDGETCTL_DB", None)

    t0 = time.perf_counter()
    subprocess.run(
        [*budgetctl, "--db", str(db), "init"], check=True, env=env, stdout=subprocess.DEVNULL
    )
    timings["init"] = time.perf_counter() - t0

    # -- brands ---------------------------------------------------------------------------
    t0 = time.perf_counter()
    now_us = to_us(NOW)
    created = now_us - 400 * US_PER_DAY
    brands: list[Brand] = []
    brand_rows = []
    for i in range(1, scale.brands + 1):
        tz, cur = ZONES[rng.randrange(len(ZONES))]
        daily_units = rng.choice((50, 100, 200, 500, 1000, 2500, 5000))
        daily = daily_units * MICROS if rng.random() > 0.1 else None
        monthly = int(daily_units * rng.uniform(22, 36)) * MICROS if rng.random() > 0.1 else None
        rate = int(daily_units * rng.uniform(0.4, 1.25) * MICROS)
        name = f"Brand {i:05d}"
        brand = Brand(i, name, tz, cur, daily, monthly, rate)
        brands.append(brand)
        zi = ZoneInfo(tz)
        closed = (NOW.astimezone(zi).date() - timedelta(days=2)).isoformat()
        brand_rows.append(
            (i, name, name.strip().casefold(), daily, monthly, tz, cur, created, closed)
        )

    # -- campaigns, spread over brands (some brands have many) ----------------------------
    camps: list[Camp] = []
    camp_rows = []
    window_rows = []
    per_brand = [0] * (scale.brands + 1)
    google_every = max(1, scale.campaigns // (scale.google_rows // HISTORY_DAYS))
    for cid in range(1, scale.campaigns + 1):
        # the first `brands` campaigns give every brand one; the rest land anywhere
        b = brands[cid - 1] if cid <= scale.brands else brands[rng.randrange(scale.brands)]
        per_brand[b.id] += 1
        name = f"{CAMPAIGN_KINDS[cid % len(CAMPAIGN_KINDS)]} {cid:06d}"
        ext = str(21_000_000_000 + cid) if cid % google_every == 0 else None
        camp = Camp(cid, b, name, ext)
        camps.append(camp)
        held = 1 if rng.random() < 0.02 else 0
        scheduled = rng.random() < 0.30
        sched_tz = None
        if scheduled:
            for pos, spec in enumerate(SCHEDULES[rng.randrange(len(SCHEDULES))]):
                window_rows.append((cid, pos, spec))
            if rng.random() < 0.1:
                sched_tz = "UTC"
        camp_rows.append(
            (
                cid,
                b.id,
                name,
                name.strip().casefold(),
                ext,
                "active",
                "",
                held,
                "paused for the benchmark" if held else None,
                sched_tz,
                created,
            )
        )

    # -- a month of ledger history before NOW ---------------------------------------------
    # Each entry's amount is sized so a brand spends about `rate` a day in total.
    ledger_rows = []
    start_us = now_us - HISTORY_DAYS * US_PER_DAY
    span = now_us - start_us
    per_entry_days = HISTORY_DAYS * scale.campaigns / scale.ledger
    for n in range(scale.ledger):
        camp = (
            camps[n % scale.campaigns]
            if n < scale.campaigns
            else camps[rng.randrange(scale.campaigns)]
        )
        b = camp.brand
        share = b.rate / max(1, per_brand[b.id]) * per_entry_days
        amount = _money(rng, share / MICROS)
        if rng.random() < 0.01:
            amount = -amount // 4 // 10_000 * 10_000 or -10_000  # refunds and corrections
        at = start_us + rng.randrange(span)
        ledger_rows.append(
            (b.id, camp.id, amount, at, at + rng.randrange(3_600_000_000), "manual", "bench")
        )
    ledger_rows.sort(key=lambda r: r[3])

    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO brand (id, name, name_key, daily_budget, monthly_budget, timezone, currency, "
        "created_at, closed_through) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        brand_rows,
    )
    con.executemany(
        "INSERT INTO campaign (id, brand_id, name, name_key, external_id, state, reasons, held, "
        "hold_note, schedule_tz, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        camp_rows,
    )
    con.executemany(
        "INSERT INTO schedule_window (campaign_id, position, spec) VALUES (?, ?, ?)", window_rows
    )
    con.executemany(
        "INSERT INTO spend_entry (brand_id, campaign_id, amount, occurred_at, recorded_at, source, "
        "actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ledger_rows,
    )
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    timings["load"] = time.perf_counter() - t0

    # -- settle every campaign's state: one enforce at NOW (timed: the "first run") --------
    t0 = time.perf_counter()
    subprocess.run(
        [*budgetctl, "--db", str(db), "enforce", "--now", NOW_TEXT],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    timings["first_enforce"] = time.perf_counter() - t0
    con = sqlite3.connect(db)
    states = dict(con.execute("SELECT state, COUNT(*) FROM campaign GROUP BY state").fetchall())
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()

    # -- import files ---------------------------------------------------------------------
    t0 = time.perf_counter()
    days = [(NOW - timedelta(days=d)).date() for d in range(HISTORY_DAYS, 0, -1)]
    unlinked = [c for c in camps if c.external_id is None]
    generic_camps = unlinked[: scale.generic_campaigns]
    per_camp = scale.generic_rows // len(generic_camps)
    with open(where / "generic.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write("date,brand,campaign,amount,currency,id\n")
        row_id = 0
        for k in range(per_camp):
            day = days[k * HISTORY_DAYS // per_camp].isoformat()
            lines = []
            for c in generic_camps:
                row_id += 1
                cents = rng.randrange(1, 50_000)
                lines.append(
                    f"{day},{c.brand.name},{c.name},{cents // 100}.{cents % 100:02d},"
                    f"{c.brand.currency},bench-{row_id}\n"
                )
            fh.write("".join(lines))
    generic_rows = row_id

    linked = [c for c in camps if c.external_id is not None][: scale.google_rows // HISTORY_DAYS]
    with open(where / "google-ads.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write("Campaign report\n")
        fh.write(
            f"{days[0]:%B} {days[0].day}, {days[0].year} - {days[-1]:%B} {days[-1].day}, {days[-1].year}\n"
        )
        fh.write("Campaign status,Campaign,Campaign ID,Day,Currency code,Cost,Impr.,Clicks\n")
        google_rows = 0
        total_cents = 0
        for c in linked:
            status = "Enabled" if c.id % 7 else "Paused"
            lines = []
            for day in days:
                cents = rng.randrange(0, 250_000)
                total_cents += cents
                units = cents // 100
                cost = f"{units:,}.{cents % 100:02d}"
                if "," in cost:
                    cost = f'"{cost}"'
                elif cents == 0 and rng.random() < 0.3:
                    cost = " --"
                impr = rng.randrange(0, 50_000)
                impr_text = f'"{impr:,}"' if impr >= 1000 else str(impr)
                lines.append(
                    f"{status},{c.name},{c.external_id},{day.isoformat()},{c.brand.currency},"
                    f"{cost},{impr_text},{rng.randrange(0, 900)}\n"
                )
                google_rows += 1
            fh.write("".join(lines))
        fh.write(f'Total: Campaigns,,,,,"{total_cents // 100:,}.{total_cents % 100:02d}",,\n')
        fh.write(f'Total: Account,,,,,"{total_cents // 100:,}.{total_cents % 100:02d}",,\n')
    # An onboarding sheet: as many new campaigns again, spread over the brands, linked to
    # network ids, 30 % with a schedule (`campaign import` holds the write lock throughout).
    with open(where / "campaigns.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write("brand,name,external_id,schedule\n")
        lines = []
        for i in range(scale.campaigns):
            brand = brands[i % len(brands)]
            schedule = "Mon-Fri 09:00-17:00" if rng.random() < 0.3 else ""
            lines.append(f"{brand.name},Onboarded {i},onb-{i},{schedule}\n")
        fh.write("".join(lines))
    # Campaigns a network started that budgetctl has not seen: --create-missing adds them.
    newcomer = brands[0]
    new_campaigns = scale.campaigns // 5
    yesterday = days[-1]
    with open(where / "new-campaigns.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write("Campaign report\n")
        fh.write(f"{yesterday:%B} {yesterday.day}, {yesterday.year}\n")
        fh.write("Campaign status,Campaign,Campaign ID,Day,Currency code,Cost,Impr.,Clicks\n")
        fh.write(
            "".join(
                f"Enabled,Launch {i:06d},{31_000_000_000 + i},{yesterday.isoformat()},"
                f"{newcomer.currency},{rng.randrange(1, 9_999)}.{rng.randrange(100):02d},"
                f"{rng.randrange(0, 900)},{rng.randrange(0, 90)}\n"
                for i in range(new_campaigns)
            )
        )
    timings["files"] = time.perf_counter() - t0

    sample = camps[-1]
    return {
        "version": GENERATOR_VERSION,
        "schema": schema_fingerprint(),
        "scale": asdict(scale),
        "now": NOW_TEXT,
        "counts": {
            "brands": scale.brands,
            "campaigns": scale.campaigns,
            "scheduled_campaigns": len({r[0] for r in window_rows}),
            "held_campaigns": sum(r[7] for r in camp_rows),
            "ledger_entries": len(ledger_rows),
            "generic_rows": generic_rows,
            "google_rows": google_rows,
            "states_after_first_enforce": states,
        },
        "sample": {"brand": sample.brand.name, "campaign": sample.name},
        "newcomer": {"brand": newcomer.name, "campaigns": new_campaigns},
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "db_bytes": db.stat().st_size,
    }


def ensure(
    scale_name: str,
    out: Path | None = None,
    *,
    force: bool = False,
    budgetctl: list[str] | None = None,
    quiet: bool = False,
) -> dict[str, object]:
    """The data for ``scale_name``, generated unless a current copy is cached."""
    scale = SCALES[scale_name]
    where = data_dir(scale_name, out)
    meta_path = where / "meta.json"
    if not force and meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except ValueError:
            meta = {}
        files_ok = all(
            (where / f).exists()
            for f in (
                "budget.db",
                "generic.csv",
                "google-ads.csv",
                "campaigns.csv",
                "new-campaigns.csv",
            )
        )
        if (
            meta.get("version") == GENERATOR_VERSION
            and meta.get("schema") == schema_fingerprint()
            and meta.get("scale") == asdict(scale)
            and files_ok
        ):
            return meta
    meta_path.unlink(missing_ok=True)
    if not quiet:
        print(f"generating {scale_name} data in {where} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    meta = build(scale, where, budgetctl or find_budgetctl())
    meta["generate_s"] = round(time.perf_counter() - t0, 2)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    if not quiet:
        print(
            f"generated {scale_name} in {meta['generate_s']} s: {meta['timings_s']}",
            file=sys.stderr,
        )
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="data directory (default: %(default)s)"
    )
    parser.add_argument("--force", action="store_true", help="regenerate even if cached")
    parser.add_argument(
        "--budgetctl", help="the command to run (default: the one beside this python)"
    )
    args = parser.parse_args()
    budgetctl = args.budgetctl.split() if args.budgetctl else None
    meta = ensure(args.scale, args.out, force=args.force, budgetctl=budgetctl)
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
