"""How fast can a generic import be at all? Its parts, each timed next to ``sqlite3 .import``.

    python benchmarks/floor.py [--scale small|agency|network] [--repeat N]

The import goal compares ``budgetctl spend import`` with the ``sqlite3`` shell's
``.import --csv`` into a bare table. This script times, as whole processes on the
same generated data (``benchmarks/generate.py``) and in the same run:

* ``.import``: the reference;
* ``csv.reader``: Python reading the file, doing nothing with the rows;
* ``ledger insert``: the rows already parsed, matched and staged (prepared once,
  untimed), moved into the ledger with the single ``INSERT ... SELECT ... ORDER BY``
  that ``spend import`` uses, through the ledger's indexes (foreign keys off, as in
  the import, which checks its campaigns once each instead), and committed;
* the same staged rows into the ledger's columns with no index or key;
* the goal's comparison loop: ``csv.reader``, ``Decimal`` and ``executemany`` into a bare
  table of a new file, nothing matched or checked;
* ``spend import``: the whole command.

The first two plus the third are a floor for any importer that keeps this ledger;
the script prints each figure and its ratio to the reference. (Peak memory is
``run.py``'s: the staging here grows this process, which its children would inherit.)
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sqlite3
import statistics
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate
import run

INSERT = (
    "INSERT INTO spend_entry (brand_id, campaign_id, amount, occurred_at, recorded_at, source, "
    "batch_id, actor, note, idem_key) SELECT brand_id, campaign_id, amount, occurred_at, 0, "
    "'import', 1, 'floor', NULL, idem_key FROM floor_stage ORDER BY brand_id, occurred_at"
)
LEDGER_INSERT = (
    "import sqlite3, sys\n"
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "c.execute('PRAGMA foreign_keys = OFF'); c.execute('PRAGMA synchronous = NORMAL')\n"
    "c.execute('PRAGMA cache_size = -8192')\n"
    "c.execute('BEGIN IMMEDIATE'); c.execute(sys.argv[2]); c.execute('COMMIT')\n"
)
BARE_INSERT = INSERT.replace("INSERT INTO spend_entry", "INSERT INTO bare_ledger")
# The goal's own comparison: read, parse the amount with Decimal, executemany into a bare
# table of a new file; no matching, no checks, no index.
BARE_LOOP = (
    "import csv, sqlite3, sys\n"
    "from decimal import Decimal\n"
    "c = sqlite3.connect(sys.argv[2], isolation_level=None)\n"
    "c.execute('CREATE TABLE t (day TEXT, brand TEXT, campaign TEXT, amount INTEGER, id TEXT)')\n"
    "c.execute('BEGIN')\n"
    "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
    "    r = csv.reader(f); h = next(r); batch = []\n"
    "    for d, b, cp, a, cur, i in r:\n"
    "        batch.append((d, b, cp, int(Decimal(a) * 1000000), i))\n"
    "        if len(batch) == 50000:\n"
    "            c.executemany('INSERT INTO t VALUES (?, ?, ?, ?, ?)', batch); batch.clear()\n"
    "    c.executemany('INSERT INTO t VALUES (?, ?, ?, ?, ?)', batch)\n"
    "c.execute('COMMIT')\n"
)
READ_ONLY = (
    "import csv, sys\n"
    "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
    "    for row in csv.reader(f):\n"
    "        pass\n"
)


def stage(src: Path, csv_path: Path, dst: Path) -> int:
    """A copy of ``src`` with the file's rows resolved into ``floor_stage`` (untimed)."""
    run.fresh_copy(src, dst)
    con = sqlite3.connect(dst, isolation_level=None)
    brands = {
        name: (bid, ZoneInfo(tz))
        for bid, name, tz in con.execute("SELECT id, name, timezone FROM brand")
    }
    campaigns = {
        (bid, name): cid
        for cid, bid, name in con.execute("SELECT id, brand_id, name FROM campaign")
    }
    con.execute("BEGIN")
    con.execute(
        "CREATE TABLE floor_stage (brand_id INTEGER, campaign_id INTEGER, amount INTEGER, "
        "occurred_at INTEGER, idem_key TEXT)"
    )
    # The ledger's columns without its indexes or keys (what an unindexed ledger would cost).
    con.execute("CREATE TABLE bare_ledger AS SELECT * FROM spend_entry WHERE 0")
    con.execute(
        "INSERT INTO import_batch (id, created_at, actor, format, files, rows, entries_written, "
        "unchanged, skipped, net_amount) VALUES (1, 0, 'floor', 'generic', '', 0, 0, 0, 0, 0)"
    )
    rows = 0
    with csv_path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        col = {name: i for i, name in enumerate(header)}
        batch = []
        for rec in reader:
            bid, tz = brands[rec[col["brand"]]]
            whole, _, frac = rec[col["amount"]].partition(".")
            micros = int(whole) * 1_000_000 + int((frac + "000000")[:6])
            at = generate.local_midnight_us(date.fromisoformat(rec[col["date"]]), tz)
            batch.append(
                (bid, campaigns[bid, rec[col["campaign"]]], micros, at, "generic:" + rec[col["id"]])
            )
            if len(batch) == 50_000:
                con.executemany("INSERT INTO floor_stage VALUES (?, ?, ?, ?, ?)", batch)
                rows += len(batch)
                batch.clear()
        con.executemany("INSERT INTO floor_stage VALUES (?, ?, ?, ?, ?)", batch)
        rows += len(batch)
    con.execute("COMMIT")
    con.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="network", choices=sorted(generate.SCALES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=generate.DEFAULT_OUT, help="data directory")
    args = parser.parse_args()
    bench = run.Bench(
        argparse.Namespace(
            scale=args.scale, repeat=args.repeat, out=args.out, engine="sqlite", budgetctl=None
        )
    )
    db, generic = bench.db(args.scale), bench.file(args.scale, "generic.csv")
    work = bench.work
    staged_src, target, ref_db = work / "floor-src.db", work / "floor.db", work / "floor-ref.db"
    rows = stage(db, generic, staged_src)
    env = bench.env

    def timed(argv: list[str], before: object = None) -> list[run.Sample]:
        samples = []
        for i in range(args.repeat + 1):  # the first is a warm-up
            if callable(before):
                before()
            sample = run.run_child(argv, env)
            if i:
                samples.append(sample)
        return samples

    parts = [
        (
            "sqlite3 .import --csv into a bare table (the goal's reference)",
            timed(
                [run.SQLITE3, str(ref_db), f".import --csv {generic} t"],
                lambda: ref_db.unlink(missing_ok=True),
            ),
        ),
        (
            "Python csv.reader over the file, rows unused",
            timed([run.PY, "-c", READ_ONLY, str(generic)]),
        ),
        (
            f"{rows:,} staged rows into the indexed ledger (INSERT ... SELECT ... ORDER BY)",
            timed(
                [run.PY, "-c", LEDGER_INSERT, str(target), INSERT],
                lambda: run.fresh_copy(staged_src, target),
            ),
        ),
        (
            "the same rows into the ledger's columns without an index or key",
            timed(
                [run.PY, "-c", LEDGER_INSERT, str(target), BARE_INSERT],
                lambda: run.fresh_copy(staged_src, target),
            ),
        ),
        (
            "csv.reader + Decimal + executemany into a bare table of a new file, no checks",
            timed(
                [run.PY, "-c", BARE_LOOP, str(generic), str(ref_db)],
                lambda: ref_db.unlink(missing_ok=True),
            ),
        ),
        (
            "budgetctl spend import (the whole command)",
            timed(
                [*bench.budgetctl, "--db", str(target), "spend", "import", str(generic)],
                lambda: run.fresh_copy(db, target),
            ),
        ),
    ]
    ref = statistics.median(s.wall for s in parts[0][1])
    print(f"generic import floor, scale {args.scale}, median of {args.repeat}\n")
    print("| part | median s | cpu s | x .import |")
    print("|---|---:|---:|---:|")
    for label, samples in parts:
        wall = statistics.median(s.wall for s in samples)
        cpu = statistics.median(s.cpu for s in samples)
        print(f"| {label} | {wall:.3f} | {cpu:.3f} | {wall / ref:.2f}x |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
