"""``spend import``, ``spend batches`` and ``spend undo``.

An import is one batch in one write transaction, all or nothing:

1. Each file is streamed through :class:`~budgetctl.importers.reader.SpendReader`.
   Every row is matched to a campaign (external id, then name; the brand from
   the file, ``--brand`` or a campaign name unique across brands), checked
   (currency, not in the future) and appended to a temporary staging table in
   batches: memory stays flat whatever the file's size.
2. Any problem anywhere rejects the whole import, listing every
   ``FILE:LINE: message``; the transaction rolls back and nothing is written.
3. Set-based SQL moves the staged rows into the ledger:

   * network rows are *snapshots* keyed by (network, campaign, day): the ledger
     gets, per key, the difference between the file's total and what the ledger
     already holds for that key, so a re-import changes nothing and an updated
     report moves each day to its new figure;
   * generic rows with an ``id`` are recorded once per id (a retry with the
     same amount is unchanged, another amount is an error);
   * generic rows without ids are appended, and a file whose content was
     imported before is refused, naming the earlier batch.

4. The brands touched are evaluated at once (same transaction).

``spend undo`` appends compensating entries for a batch, so snapshot totals
return to what they were before it, and marks the batch undone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from budgetctl.domain.errors import (
    BudgetError,
    Conflict,
    DatabaseError,
    ImportRejected,
    InvalidValue,
    NotFound,
)
from budgetctl.domain.instants import check_year, from_us, to_us
from budgetctl.domain.money import format_money, format_stated
from budgetctl.domain.periods import (
    day_exists,
    day_period,
    local_day,
    local_midnight,
    month_period,
    moved_midnight,
    wall_time,
    zone,
)
from budgetctl.domain.text import first_invisible, without_invisible
from budgetctl.importers.reader import FORMATS, SpendReader, SpendRow, show_name
from budgetctl.services.base import (
    INSERT_EVENT,
    BrandRow,
    Context,
    counted,
    earlier_zones,
    event_params,
    list_limit,
    name_key,
    period_totals,
    record_event,
    standard_input,
)
from budgetctl.services.evaluate import Change, evaluate
from budgetctl.services.ledger import MAX_KEY
from budgetctl.store.db import (
    MAX_TOTAL,
    TOO_LARGE,
    bulk_writer,
    execute_many,
    fetch_in,
    fetch_rows,
    in_code_order,
)

STAGE_CHUNK = 20_000
IMPORT_CACHE_KIB = 8_192
CLUSTERED_RUN = 8
"""Rows per brand run, on average, from which a file counts as listed brand by brand."""
ANALYZE_AFTER = 10_000
FUTURE_TOLERANCE = timedelta(minutes=5)

Progress = Callable[[int, int], None]
"""``progress(bytes_done, bytes_total)``; total is 0 when unknown (stdin)."""


class _Hashing:
    """A binary stream that hashes what it hands out: a file's bytes, as recorded for every
    imported file (batches before the content check below matched on these alone)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()


@dataclass(slots=True)
class _Brand:
    id: int
    name: str
    tz: ZoneInfo
    currency: str
    today: date
    closed_through: date  # reset has closed its days through this one


# Run once per campaign a file names (ten thousand times for a large export): through the
# driver, without SQLAlchemy's per-statement cost.
_BY_EXTERNAL = (
    "SELECT id, brand_id, name, external_id FROM campaign "
    "WHERE external_id = ? AND removed_at IS NULL"
)
_BY_NAME = (
    "SELECT id, brand_id, name, external_id FROM campaign WHERE name_key = ? AND removed_at IS NULL"
)


EVENT_CHUNK = 2_000  # campaign.created events written per statement


class _Catalog:
    """Brands, loaded once, and campaigns, looked up as the file names them.

    Campaigns are fetched on first mention (by external id or by name) and
    remembered: an export names a few thousand campaigns at most, while the
    database may hold a hundred thousand, so loading them all would cost more
    memory than the whole import.
    """

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn = conn
        self.brands: dict[str, _Brand] = {}
        self.by_id: dict[int, _Brand] = {}
        for bid, name, tz, cur, closed in conn.execute(
            sa.text(
                "SELECT id, name, timezone, currency, closed_through FROM brand "
                "WHERE removed_at IS NULL"
            )
        ):
            z = zone(tz)
            brand = _Brand(bid, name, z, cur, local_day(now, z), date.fromisoformat(closed))
            self.brands[name_key(name)] = brand
            self.by_id[bid] = brand
        self._by_external: dict[str, list[tuple[int, int]]] = {}
        self._by_name: dict[str, list[tuple[int, int]]] = {}
        self.names: dict[int, str] = {}
        self.links: dict[int, str | None] = {}  # each fetched campaign's external id
        self.new_events: list[dict[str, Any]] = []  # --create-missing's, not yet written

    def _fetch(self, sql: str, value: str) -> list[tuple[int, int]]:
        hits = []
        for cid, bid, name, ext in fetch_rows(self.conn, sql, (value,)):
            if bid in self.by_id:
                hits.append((int(cid), int(bid)))
                self.names[int(cid)] = name
                self.links[int(cid)] = ext
        return hits

    def external(self, ext: str) -> list[tuple[int, int]]:
        hits = self._by_external.get(ext)
        if hits is None:
            hits = self._by_external[ext] = self._fetch(_BY_EXTERNAL, ext)
        return hits

    def named(self, key: str) -> list[tuple[int, int]]:
        hits = self._by_name.get(key)
        if hits is None:
            hits = self._by_name[key] = self._fetch(_BY_NAME, key)
        return hits

    def labels(self, hits: list[tuple[int, int]]) -> str:
        """``Acme / Search; Globex / Search`` for (campaign, brand) look-up hits."""
        return "; ".join(f"{self.by_id[b].name} / {self.names[c]}" for c, b in sorted(hits))

    def forget_campaigns(self) -> None:
        """Drop every campaign look-up (the names of created campaigns stay)."""
        self._by_external.clear()
        self._by_name.clear()
        self.links.clear()

    def forget(self, key: str, ext: str | None) -> None:
        """A campaign was created by this import: look these up afresh next time."""
        self._by_name.pop(key, None)
        if ext:
            self._by_external.pop(ext, None)


@dataclass(slots=True)
class ImportReport:
    batch: int | None
    files: list[str]
    format: str
    rows: int = 0
    entries_written: int = 0
    unchanged: int = 0
    skipped: int = 0
    superseded: int = 0  # network rows a later file of the import gave again
    summed: int = 0  # network rows added to another row of their campaign and day in the file
    net_amount: int = 0
    created_campaigns: list[str] = field(default_factory=list)
    dry_run: bool = False
    per_campaign: list[tuple[str, str, str, int, int, int]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    # brand id: the first and the last instant of the batch's entries
    span: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def nets(self) -> dict[str, int]:
        """Each currency's net (``net_amount`` adds them up)."""
        nets: dict[str, int] = {}
        for _brand, _campaign, currency, _n, net, _bid in self.per_campaign:
            nets[currency] = nets.get(currency, 0) + net
        return nets

    def as_json(self) -> dict[str, Any]:
        from budgetctl.domain.money import format_exact

        return {
            "batch": None if self.dry_run else self.batch,
            "files": self.files,
            "rows": self.rows,
            "entries_written": self.entries_written,
            "unchanged": self.unchanged,
            "net_amount": format_exact(self.net_amount),
            "dry_run": self.dry_run,
        }


@contextmanager
def _open(path: str) -> Iterator[tuple[BinaryIO, int]]:
    if path == "-":
        yield standard_input(), 0
        return
    p = Path(path)
    try:
        handle = p.open("rb")
    except OSError as exc:
        raise InvalidValue(f"cannot read {show_name(path)}: {exc.strerror or exc}") from None
    try:
        yield handle, p.stat().st_size
    finally:
        handle.close()


_STAGE_DDL = (
    "CREATE TEMPORARY TABLE import_stage (line BIGINT NOT NULL, file_no INTEGER NOT NULL, "
    "brand_id INTEGER NOT NULL, campaign_id INTEGER NOT NULL, amount BIGINT NOT NULL, "
    "occurred_at BIGINT NOT NULL, idem_key VARCHAR(300), snapshot_key VARCHAR(40), note TEXT)"
)
_STAGE_COLUMNS = (
    "line",
    "file_no",
    "brand_id",
    "campaign_id",
    "amount",
    "occurred_at",
    "idem_key",
    "snapshot_key",
    "note",
)
_STAGE_ROWS_PER_INSERT = 50

StageRow = tuple[int, int, int, int, int, str, str]
"""``(line, brand_id, campaign_id, micros, occurred_us, key, note)``; ``''`` for no key or note.

The key is a generic row's id or a network row's snapshot key.
"""


def _stage_writer(
    conn: Connection, file_no: int, generic: bool
) -> Callable[[list[StageRow]], None]:
    """A function that appends one file's rows to the staging table.

    SQLite: the file number and the kind of key are literals, and missing keys and notes
    travel as ``''``: binding ``None`` costs Python's sqlite3 an adapter lookup per value,
    which made the staging of a million rows twice as slow. Rows go fifty to a statement.
    PostgreSQL: ``COPY`` (:func:`~budgetctl.store.db.bulk_writer`).
    """
    if conn.dialect.name != "sqlite":
        copy = bulk_writer(conn, "import_stage", _STAGE_COLUMNS)

        def write_copy(rows: list[StageRow]) -> None:
            copy(
                [
                    (
                        line,
                        file_no,
                        bid,
                        cid,
                        micros,
                        at,
                        (f"generic:{key}" if generic else None) if key else None,
                        None if generic else key,
                        note or None,
                    )
                    for line, bid, cid, micros, at, key, note in rows
                ]
            )

        return write_copy

    raw = conn.connection.dbapi_connection
    assert raw is not None
    keys = "'generic:' || NULLIF(?, ''), NULL" if generic else "NULL, ?"
    values = f"(?, {int(file_no)}, ?, ?, ?, ?, {keys}, NULLIF(?, ''))"
    head = f"INSERT INTO import_stage ({', '.join(_STAGE_COLUMNS)}) VALUES "
    one = head + values
    many = head + ", ".join([values] * _STAGE_ROWS_PER_INSERT)
    width = _STAGE_ROWS_PER_INSERT * values.count("?")

    def write_sqlite(rows: list[StageRow]) -> None:
        whole = len(rows) - len(rows) % _STAGE_ROWS_PER_INSERT
        flat = list(chain.from_iterable(rows[:whole]))
        cursor = raw.cursor()
        try:
            cursor.executemany(many, [flat[i : i + width] for i in range(0, len(flat), width)])
            cursor.executemany(one, rows[whole:])
        finally:
            cursor.close()

    return write_sqlite


def import_spend(
    ctx: Context,
    paths: Sequence[str],
    *,
    fmt: str = "auto",
    brand: str | None = None,
    dry_run: bool = False,
    create_missing: bool = False,
    encoding: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    if fmt not in FORMATS:
        raise InvalidValue(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if not paths:
        raise InvalidValue("no files given: name one or more files, or '-' for standard input")
    if any(p == "" for p in paths):
        raise InvalidValue("a file name is empty: name each export file, or '-' for standard input")
    if sum(1 for p in paths if p == "-") > 1:
        raise InvalidValue("standard input ('-') can be read only once")
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidValue(
                f"unknown encoding {encoding!r}: try utf-8, utf-16 or latin-1"
            ) from None
    report = ImportReport(None, [show_name(p) for p in paths], fmt, dry_run=dry_run)
    # The ledger's foreign keys would be checked once per row and key (three million look-ups
    # for a million rows); the import checks the campaigns and brands it matched, as a set,
    # before it writes (_check_references).
    with ctx.db.write(dry_run=dry_run, row_checks=False) as conn:
        catalog = _Catalog(conn, ctx.now)
        forced: _Brand | None = None
        if brand is not None:
            forced = catalog.brands.get(name_key(brand))
            if forced is None:
                raise NotFound(f"no brand named {brand!r}: 'budgetctl brand list' shows the brands")
        cache_size = None
        if ctx.db.sqlite:
            # The write below updates the ledger's indexes all over: with SQLite's default
            # 2 MB page cache it re-reads pages from the file system again and again.
            cache_size = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
            conn.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        conn.exec_driver_sql("DROP TABLE IF EXISTS import_stage")
        # PostgreSQL: the staging table never outlives the transaction, whatever happens.
        conn.exec_driver_sql(_STAGE_DDL if ctx.db.sqlite else _STAGE_DDL + " ON COMMIT DROP")

        problems: list[str] = []
        problem_total = 0
        networks: set[str] = set()
        # Generic files with rows without ids: (label, content as read, content by instant,
        # bytes' digest, whether some rows have ids).
        hashes: list[tuple[str, str, str, str, bool]] = []
        files: list[dict[str, Any]] = []
        created: dict[tuple[int, str], int] = {}
        # Rows repeat campaigns and days: match each (campaign, id, brand) once, and turn
        # each (day, time zone) into its local midnight once.
        matched: dict[tuple[str, str | None, str | None], tuple[int, _Brand]] = {}
        midnights: dict[tuple[date, ZoneInfo], int] = {}
        done_bytes = 0
        total_bytes = 0
        # Runs of consecutive rows for one brand: few and long when a file lists each campaign's
        # days together, then the rows can reach the ledger in file order (see _write).
        brand_runs = 0
        last_brand = -1
        max_key = MAX_KEY

        for file_no, path in enumerate(paths):
            label = show_name(path)
            try:
                with _open(path) as (handle, size):
                    total_bytes += size
                    hashing = _Hashing(handle)
                    reader = SpendReader(hashing, path, fmt, encoding)  # type: ignore[arg-type]
                    networks.add(reader.network)
                    # A generic row without an id: the file's content counts, the multiset of
                    # those rows both as read (brand, campaign name, date or time as written,
                    # amount, note) and by instant (campaign id, UTC time), so the same rows
                    # saved again with other line endings, encoding, delimiter or order match,
                    # after a zone change too, or with their times written another way.
                    unkeyed = keyed = False
                    content = instant = 0
                    pending: list[StageRow] = []
                    generic = reader.network == "generic"
                    stage = _stage_writer(conn, file_no, generic)
                    snap_keys: dict[date, str] = {}
                    for row in reader:
                        line, cname, ext, bname, day, _at, micros, currency, row_id, note = row
                        # The fast path: a campaign and a (day, zone) seen before, no surprises.
                        hit = matched.get((cname, ext, bname))
                        if (
                            hit is None
                            or day is None
                            or (currency is not None and currency != hit[1].currency)
                            or (occurred_us := midnights.get((day, hit[1].tz))) is None
                            or (row_id is not None and len(row_id) > max_key)
                        ):
                            try:
                                hit, occurred_us = _resolve(
                                    row, catalog, matched, midnights, forced, create_missing,
                                    conn, ctx, created,
                                )  # fmt: skip
                            except BudgetError as exc:
                                problem_total += 1
                                if len(problems) < 1000:
                                    problems.append(f"{label}:{line}: {exc.message}")
                                continue
                        if problem_total:
                            continue  # only looking for more problems now
                        # The key: a generic row's id, or a network row's day ('' for none).
                        if generic:
                            key = row_id or ""
                            if key:
                                keyed = True
                            else:
                                unkeyed = True
                                content += _row_digest(hit[1].id, cname, ext, day, _at, micros, note)
                                instant += _instant_digest(hit[0], occurred_us, micros, note)
                        else:
                            on = day or from_us(occurred_us).date()
                            key = snap_keys.get(on) or snap_keys.setdefault(
                                on, f"{reader.network}:{on.isoformat()}"
                            )
                        bid = hit[1].id
                        if bid != last_brand:
                            last_brand = bid
                            brand_runs += 1
                        pending.append((line, bid, hit[0], micros, occurred_us, key, note or ""))
                        if len(pending) >= STAGE_CHUNK:
                            stage(pending)
                            pending.clear()
                            if progress is not None:
                                progress(done_bytes + reader.bytes_read, total_bytes)
                    if pending and problem_total == 0:
                        stage(pending)
                    report.rows += reader.rows_read
                    report.skipped += reader.skipped_totals
                    problem_total += reader.problem_count
                    problems.extend(reader.problems[: max(0, 1000 - len(problems))])
                    done_bytes += reader.bytes_read
                    digest = hashing.digest.hexdigest()
                    instant_digest = None
                    if reader.network == "generic" and unkeyed:
                        rows_digest = f"{content % _DIGEST_SPACE:064x}"
                        instant_digest = f"{instant % _DIGEST_SPACE:064x}"
                        hashes.append((label, rows_digest, instant_digest, digest, keyed))
                        digest = rows_digest
                    files.append({"p": file_no, "n": label, "h": digest, "i": instant_digest})
                    if reader.rows_read == 0 and not reader.problem_count and not reader.empty_report:
                        problem_total += 1
                        problems.append(f"{label}: no spend rows after the header")
            except ImportRejected as exc:
                # A file that cannot be read at all: list it with every other file's problems.
                problem_total += len(exc.problems)
                problems.extend(exc.problems[: max(0, 1000 - len(problems))])
        if progress is not None:
            progress(total_bytes or done_bytes, total_bytes or done_bytes)

        if not problem_total:
            if not ctx.db.sqlite:
                # Autovacuum never analyzes temporary tables: give the planner the row counts.
                conn.exec_driver_sql("ANALYZE import_stage")
            # Removed campaigns that live ones took the place of: their entries are the
            # live campaign's for the snapshots and the ids alike.
            pairs = {(cid, b.id) for cid, b in matched.values()}
            predecessors = _predecessors(conn, pairs)
            found, repeats = _check_keys(conn, problems, report.files, set(predecessors))
            problem_total += found
        seen_digests: dict[str, str] = {}
        for label, digest, instant_digest, byte_digest, keyed in hashes:
            # Only the rows without ids count as the file's content (those with ids count
            # once each anyway).
            rows = "its rows without ids are the same" if keyed else "its rows have no ids"
            same = seen_digests.get(digest) or seen_digests.get(instant_digest)
            if same is not None:
                problem_total += 1
                problems.append(
                    f"{label}: has the same content as {same} in this import; {rows}, so "
                    "importing both would count them twice"
                )
                continue
            seen_digests[digest] = seen_digests[instant_digest] = label
            earlier = conn.execute(
                sa.text(
                    "SELECT b.id, b.created_at FROM import_file f JOIN import_batch b "
                    "ON b.id = f.batch_id WHERE (f.content_hash IN (:h, :i, :b) "
                    "OR f.instant_hash = :i) AND b.undone_by IS NULL ORDER BY b.id LIMIT 1"
                ),
                {"h": digest, "i": instant_digest, "b": byte_digest},
            ).first()
            if earlier is not None:
                problem_total += 1
                problems.append(
                    f"{label}: this file was already imported as batch #{earlier[0]} on "
                    f"{from_us(earlier[1]).isoformat(timespec='seconds')}; {rows}, so importing it "
                    f"again would count them twice ('budgetctl spend undo {earlier[0]}' first to "
                    "replace it)"
                )
        if problem_total:
            order = {label: i for i, label in enumerate(report.files)}
            problems.sort(key=lambda problem: _problem_order(problem, order))
            raise ImportRejected(problems, "import refused, nothing written", total=problem_total)

        if catalog.new_events:
            conn.execute(INSERT_EVENT, catalog.new_events)
        # The batch gets its number only once every row is known to be good, past the last
        # (writers take turns), not from a sequence: a refused, killed or dry-run import
        # leaves no gap in the numbering on either engine (PostgreSQL sequences do not roll
        # back).
        batch_values = {
            "at": ctx.now_us,
            "actor": ctx.actor,
            "fmt": fmt,
            "files": "\n".join(report.files),
        }
        columns = "created_at, actor, format, files, rows, entries_written, unchanged, skipped, "
        batch_id = conn.execute(
            sa.text(
                f"INSERT INTO import_batch (id, {columns}net_amount) SELECT "
                "COALESCE(MAX(id), 0) + 1, :at, :actor, :fmt, :files, 0, 0, 0, 0, 0 "
                "FROM import_batch RETURNING id"
            ),
            batch_values,
        ).scalar_one()
        report.batch = int(batch_id)
        _keep_sequence(conn, report.batch)
        _check_references(conn, pairs)
        _write(conn, ctx, report, batch_id, repeats, brand_runs, predecessors)
        if not ctx.db.sqlite and report.entries_written >= ANALYZE_AFTER:
            # Fresh statistics keep the evaluation below (and later reads) on a good plan.
            conn.exec_driver_sql("ANALYZE spend_entry")
        report.format = networks.pop() if len(networks) == 1 else "mixed"
        if files:
            conn.execute(
                sa.text(
                    "INSERT INTO import_file (batch_id, position, name, content_hash, "
                    "instant_hash) VALUES (:b, :p, :n, :h, :i)"
                ),
                [{**f, "b": batch_id} for f in files],
            )
        conn.execute(
            sa.text(
                "UPDATE import_batch SET format = :fmt, rows = :rows, entries_written = :w, "
                "unchanged = :u, skipped = :s, net_amount = :net, nets = :nets WHERE id = :id"
            ),
            {
                "fmt": report.format,
                "rows": report.rows,
                "w": report.entries_written,
                "u": report.unchanged,
                "s": report.skipped,
                "net": report.net_amount,
                "nets": _nets_json(report.nets),
                "id": batch_id,
            },
        )
        report.created_campaigns = [
            f"{catalog.by_id[b].name} / {catalog.names[cid]}" for (b, _key), cid in created.items()
        ]
        nets: dict[int, int] = {}
        for r in report.per_campaign:
            nets[r[5]] = nets.get(r[5], 0) + r[4]
        touched = sorted(nets)
        events = [
            event_params(
                ctx,
                "import",
                f"import batch #{batch_id} ({report.format}): net {format_money(nets[bid])} "
                f"{catalog.by_id[bid].currency}",
                detail={
                    "batch": int(batch_id),
                    "files": report.files,
                    "net_amount": nets[bid],
                    "currency": catalog.by_id[bid].currency,
                },
                brand=_as_brand_row(catalog.by_id[bid]),
            )
            for bid in touched
        ]
        if events:
            conn.execute(INSERT_EVENT, events)
        # The staging table goes with the connection (SQLite: a temporary table; PostgreSQL:
        # ON COMMIT DROP), which is not pooled; dropping it row by row here would cost more.
        _check_open_periods(conn, catalog, report.span)
        if cache_size is not None:
            # The evaluation reads little: give the memory back before it runs.
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache_size)}")
        # And the matching's look-ups, whose memory the evaluation can then reuse: it sets
        # the import's peak when it pauses tens of thousands of campaigns.
        del pairs, events
        matched.clear()
        midnights.clear()
        catalog.forget_campaigns()
        # A brand whose only news is a campaign created for it (its rows zero, say) is
        # evaluated too: the new campaign starts paused if the brand is over budget.
        evaluated = sorted({*touched, *(bid for bid, _key in created)})
        report.changes = evaluate(conn, ctx, brand_ids=evaluated).changes
    return report


def _nets_json(nets: dict[str, int]) -> str:
    """``import_batch.nets``: each currency's net in micros, as a JSON object."""
    return json.dumps(nets, sort_keys=True)


def _check_open_periods(
    conn: Connection, catalog: _Catalog, span: dict[int, tuple[int, int]]
) -> None:
    """Refuse (``amounts too large``) an import that takes a past day or month that reset
    has yet to close past a 64-bit total: every later reset would fail on it. The current
    day and month are the evaluation's to sum; closed periods are never summed again. Each
    brand's days from the batch's first entry to its last are summed (a report's days
    follow each other), as far as yesterday."""
    past = {
        bid: (first, last)
        for bid, (first, last) in span.items()
        if first < to_us(local_midnight(catalog.by_id[bid].today, catalog.by_id[bid].tz))
    }
    if not past:
        return
    wanted: dict[tuple[ZoneInfo, str, date], set[int]] = {}
    for bid, (first, last) in past.items():
        b = catalog.by_id[bid]
        day = max(b.closed_through + timedelta(days=1), local_day(from_us(first), b.tz))
        end = min(b.today, local_day(from_us(last), b.tz) + timedelta(days=1))
        while day < end:
            wanted.setdefault((b.tz, "day", day), set()).add(b.id)
            month = day.replace(day=1)
            if month != b.today.replace(day=1):
                wanted.setdefault((b.tz, "month", month), set()).add(b.id)
            day += timedelta(days=1)
    for (tz, kind, begins), group in wanted.items():
        period = day_period(begins, tz) if kind == "day" else month_period(begins, tz)
        period_totals(conn, sorted(group), period)  # as reset will sum it


_DIGEST_SPACE = 1 << 256


def _row_digest(
    brand: int,
    campaign: str,
    ext: str | None,
    day: date | None,
    at: datetime | None,
    micros: int,
    note: str | None,
) -> int:
    """One generic row's share of its file's content digest (summed, so order does not count).

    The row as read, for its brand: its campaign's name and network id as the file gives
    them, and its date or local time as written (a time with an offset as its instant), so
    that neither ``brand set --tz`` nor a campaign removed and added again makes the same
    file new.
    """
    if day is not None:
        when = day.isoformat()
    else:
        assert at is not None
        when = (at.astimezone(UTC) if at.tzinfo is not None else at).isoformat()
    text = f"{brand}\x1f{name_key(campaign)}\x1f{ext or ''}\x1f{when}\x1f{micros}\x1f{note or ''}"
    return _digest_int(text)


def _instant_digest(campaign: int, occurred_us: int, micros: int, note: str | None) -> int:
    """A row's share by campaign id and UTC instant: the same rows with their times written
    another way (``10:00`` as ``15:00Z``) match. Earlier versions recorded only this one."""
    return _digest_int(f"{campaign}\x1f{occurred_us}\x1f{micros}\x1f{note or ''}")


def _digest_int(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(), "big")


def _problem_order(problem: str, files: dict[str, int]) -> tuple[int, int]:
    """Problems in the order of the command's files, then by line."""
    head, _, _ = problem.partition(": ")
    name, _, line = head.rpartition(":")
    if line.isdigit():
        return files.get(name, len(files)), int(line)
    return files.get(head, len(files)), 0


def _as_brand_row(b: _Brand) -> BrandRow:
    return BrandRow(b.id, b.name, None, None, b.tz.key, b.currency, "")


def _resolve(
    row: SpendRow,
    catalog: _Catalog,
    matched: dict[tuple[str, str | None, str | None], tuple[int, _Brand]],
    midnights: dict[tuple[date, ZoneInfo], int],
    forced: _Brand | None,
    create_missing: bool,
    conn: Connection,
    ctx: Context,
    created: dict[tuple[int, str], int],
) -> tuple[tuple[int, _Brand], int]:
    """The careful path for a row: its campaign and the instant it occurred, or why not."""
    _line, cname, ext, bname, day, at, _micros, currency, row_id, _note = row
    if row_id is not None and len(row_id) > MAX_KEY:
        raise InvalidValue(f"id is longer than {MAX_KEY} characters")
    ref = (cname, ext, bname)
    hit = matched.get(ref)
    if hit is None:
        hit = matched[ref] = _match(
            catalog, cname, ext, bname, forced, create_missing, conn, ctx, created
        )
    b = hit[1]
    if currency is not None and currency != b.currency:
        raise InvalidValue(f"currency {currency} differs from brand {b.name}'s {b.currency}")
    if day is not None:
        occurred_us = midnights.get((day, b.tz))
        if occurred_us is None:
            check_year(day, day.isoformat(), "day")
            if day > b.today:
                raise InvalidValue(
                    f"day {day.isoformat()} is in the future for {b.name} "
                    f"(today is {b.today.isoformat()} in {b.tz.key})"
                )
            if not day_exists(day, b.tz):
                raise InvalidValue(
                    f"day {day.isoformat()} does not exist in {b.tz.key} (the zone skipped it)"
                )
            occurred_us = midnights[(day, b.tz)] = to_us(local_midnight(day, b.tz))
        return hit, occurred_us
    assert at is not None
    check_year(at, at.isoformat(), "time")
    if at.tzinfo is not None:
        occurred = at.astimezone(UTC)
    elif (local := wall_time(at, b.tz)) is not None:
        occurred = local
    else:
        raise InvalidValue(
            f"time {at.isoformat()} does not exist in {b.tz.key} (a daylight-saving change "
            "skips it): give the time with its UTC offset"
        )
    if occurred > ctx.now + FUTURE_TOLERANCE:
        raise InvalidValue(
            f"time {at.isoformat()} is in the future (now is "
            f"{ctx.now.astimezone(b.tz).isoformat(timespec='minutes')} in {b.tz.key})"
        )
    return hit, to_us(occurred)


def _match(
    catalog: _Catalog,
    cname: str,
    ext: str | None,
    bname: str | None,
    forced: _Brand | None,
    create_missing: bool,
    conn: Connection,
    ctx: Context,
    created: dict[tuple[int, str], int],
) -> tuple[int, _Brand]:
    """The campaign a row belongs to, or :class:`InvalidValue` saying why none."""
    brand = forced
    if bname:
        found = catalog.brands.get(name_key(bname))
        if found is None and first_invisible(bname) is not None:
            # A stray zero-width space or the like: the brand whose name shows so.
            found = catalog.brands.get(name_key(without_invisible(bname)))
        if found is None:
            raise InvalidValue(f"unknown brand {bname!r}")
        if forced is not None and found.id != forced.id:
            raise InvalidValue(f"row is for brand {bname!r} but --brand is {forced.name!r}")
        brand = found
    elsewhere: list[tuple[int, int]] = []  # campaigns of other brands linked to this id
    shared: list[tuple[int, int]] = []
    if ext:
        hits = catalog.external(ext)
        if hits:
            if brand is not None:
                elsewhere = [h for h in hits if h[1] != brand.id]
                hits = [h for h in hits if h[1] == brand.id]
            if len(hits) == 1:
                return hits[0][0], catalog.by_id[hits[0][1]]
            shared = hits  # several campaigns carry this id: the name must tell them apart
    key = name_key(cname)
    hits = catalog.named(key)
    if not hits and first_invisible(cname) is not None:
        # A stray zero-width space or the like in the report (stored names hold none, but
        # for older ones, matched as they are above): the campaign whose name shows so,
        # and the name --create-missing gives a new one.
        cname = without_invisible(cname).strip()
        key = name_key(cname)
        hits = catalog.named(key)
    if not key:
        raise InvalidValue("campaign name is empty")
    if brand is not None:
        hits = [h for h in hits if h[1] == brand.id]
    elif len({h[1] for h in hits}) > 1:
        # Without a brand the name must be unique across brands, whatever their links.
        brands = ", ".join(sorted(catalog.by_id[h[1]].name for h in hits))
        raise InvalidValue(
            f"campaign {cname!r} exists in several brands ({brands}): give --brand or a brand column"
        )
    if ext:
        # A campaign linked to another network campaign is not this row's, whatever its name.
        other = [h for h in hits if catalog.links[h[0]] not in (None, ext)]
        hits = [h for h in hits if h not in other]
        if not hits and other:
            linked = "; ".join(
                f"{catalog.labels([h])} is linked to external id {catalog.links[h[0]]}"
                for h in other
            )
            raise InvalidValue(
                f"campaign {cname!r} (external id {ext}): {linked}, so it is not this row's campaign: "
                "check the brand, or relink it with 'budgetctl campaign import' "
                "(an external_id column)"
            )
    if hits:  # one: names are unique within a brand, and several brands were refused above
        return hits[0][0], catalog.by_id[hits[0][1]]
    if len(shared) > 1:
        raise InvalidValue(
            f"campaign {cname!r} (external id {ext}): that id is linked to several campaigns "
            f"({catalog.labels(shared)}) and none has this name: give each campaign its own "
            "external id"
        )
    if elsewhere and brand is not None:
        # Not a campaign to create: the network's campaign is another brand's.
        raise InvalidValue(
            f"campaign {cname!r} (external id {ext}) is linked to {catalog.labels(elsewhere)}, "
            f"not to brand {brand.name!r}: check the brand column or --brand"
        )
    if create_missing and brand is not None:
        cid = created.get((brand.id, key))
        if cid is None:
            from budgetctl.services.catalog import (
                _insert_campaign,
                check_name,
                clean_external_id,
            )

            # The external id was looked up above (catalog.external): no live campaign of
            # this brand carries it. The events go out a few thousand at a time.
            campaign = _insert_campaign(
                conn,
                ctx,
                _as_brand_row(brand),
                check_name(cname, "campaign"),
                clean_external_id(ext),
                sheet=catalog.new_events,
                id_checked=True,
            )
            if len(catalog.new_events) >= EVENT_CHUNK:
                conn.execute(INSERT_EVENT, catalog.new_events)
                catalog.new_events.clear()
            cid = created[(brand.id, key)] = campaign.id
            catalog.forget(key, ext)
            catalog.names[cid] = campaign.name
        return cid, brand
    if create_missing:
        raise InvalidValue(
            f"unknown campaign {cname!r}" + (f" (external id {ext})" if ext else "")
            + ": --create-missing needs the brand it belongs to: give --brand or a brand column"
        )  # fmt: skip
    where = f" in brand {brand.name!r}" if brand is not None else ""
    raise InvalidValue(
        f"unknown campaign {cname!r}{where}"
        + (f" (external id {ext})" if ext else "")
        + ": add it with 'budgetctl campaign add', or import with --create-missing --brand B"
    )


def _check_references(conn: Connection, pairs: set[tuple[int, int]]) -> None:
    """Every (campaign, brand) the staged rows name is a campaign of that brand.

    What the ledger's foreign keys would check row by row, checked once per campaign. The
    pairs come from this transaction's own reads, so a failure here is a defect, not bad input.
    """
    found = {
        (int(cid), int(bid))
        for cid, bid in fetch_in(
            conn,
            "SELECT c.id, c.brand_id FROM campaign c JOIN brand b ON b.id = c.brand_id WHERE c.id",
            sorted(cid for cid, _bid in pairs),
        )
    }
    missing = sorted(pairs - found)
    if missing:
        cid, bid = missing[0]
        raise DatabaseError(
            f"import refused, nothing written: campaign #{cid} of brand #{bid} is not in the "
            "database ('budgetctl doctor' checks it)"
        )


def _predecessors(conn: Connection, pairs: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """``(removed campaign, live campaign)`` for each removed campaign of the import's brands
    that the live one replaced: same brand, and the same external id, or the same name where
    either has no external id. A removed campaign that two live ones could claim is left alone.
    """
    removed = fetch_in(
        conn,
        "SELECT id, brand_id, name, external_id FROM campaign WHERE removed_at IS NOT NULL "
        "AND brand_id",
        sorted({bid for _cid, bid in pairs}),
    )
    if not removed:
        return []
    brands = {r[1] for r in removed}
    kin = _kin_finder(
        fetch_in(
            conn,
            "SELECT id, brand_id, name, external_id FROM campaign WHERE id",
            sorted(cid for cid, bid in pairs if bid in brands),
        )
    )
    found = []
    for old_id, bid, old_name, old_ext in removed:
        heirs = kin(bid, old_name, old_ext)
        if len(heirs) == 1:
            found.append((int(old_id), int(heirs[0])))
    return found


def _kin_finder(
    campaigns: Sequence[tuple[Any, ...]],
) -> Callable[[int, str, str | None], list[int]]:
    """``kin(brand, name, external_id)``: the ids of ``campaigns`` (id, brand, name, external
    id) that are the same network campaign: same brand, and the same external id, or the
    same name where either has no external id."""
    by_ext: dict[tuple[int, str], list[int]] = {}
    by_name: dict[tuple[int, str], list[tuple[int, str | None]]] = {}
    for cid, bid, name, ext in campaigns:
        if ext:
            by_ext.setdefault((bid, ext), []).append(int(cid))
        by_name.setdefault((bid, name_key(name)), []).append((int(cid), ext))

    def kin(brand: int, name: str, ext: str | None) -> list[int]:
        found = list(by_ext.get((brand, ext), [])) if ext else []
        return found + [
            cid for cid, other in by_name.get((brand, name_key(name)), []) if not (ext and other)
        ]

    return kin


def _temp_table(conn: Connection, name: str, columns: str) -> None:
    """A temporary table for this transaction (PostgreSQL drops it at commit; SQLite's goes
    with the connection, so one left by an earlier statement is replaced)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({columns})")
    else:
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP")


def _keep_sequence(conn: Connection, batch_id: int) -> None:
    """PostgreSQL: keep ``import_batch``'s id sequence at the batch just numbered, for any
    client that still numbers batches from it (ids past the largest are free: writers take
    turns, so the sequence may be moved back to there)."""
    if conn.dialect.name != "sqlite":
        conn.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('import_batch', 'id'), :n)"),
            {"n": batch_id},
        )


def _later_on_relatives(conn: Connection, batch: int) -> list[int]:
    """Live imports after ``batch`` that moved its (network, day) snapshots on a campaign
    that took over from one of its campaigns, or was taken over by one (a campaign removed
    and added again, with the same external id or name): such an import wrote its figure as
    a difference from this batch's (see _predecessors)."""
    mine = [
        int(r[0])
        for r in conn.execute(
            sa.text(
                "SELECT DISTINCT campaign_id FROM spend_entry WHERE batch_id = :b "
                "AND snapshot_key IS NOT NULL"
            ),
            {"b": batch},
        )
    ]
    if not mine:
        return []
    own = fetch_in(conn, "SELECT id, brand_id, name, external_id FROM campaign WHERE id", mine)
    kin = _kin_finder(
        fetch_in(
            conn,
            "SELECT id, brand_id, name, external_id FROM campaign WHERE brand_id",
            sorted({r[1] for r in own}),
        )
    )
    pairs = {(int(cid), other) for cid, bid, name, ext in own for other in kin(bid, name, ext)}
    relatives = sorted((m, o) for m, o in pairs if m != o)
    if not relatives:
        return []
    # One pass over the batch's entries, each looking its kin up in an indexed table, then
    # the later entries by the (snapshot_key, campaign_id) index: SQLite keeps a CROSS JOIN's
    # order, PostgreSQL plans the join itself.
    _temp_table(conn, "undo_kin", "mine INTEGER NOT NULL, other INTEGER NOT NULL")
    conn.exec_driver_sql("CREATE INDEX undo_kin_mine ON undo_kin (mine)")
    execute_many(conn, "INSERT INTO undo_kin (mine, other) VALUES (?, ?)", relatives)
    found = [
        int(r[0])
        for r in conn.execute(
            sa.text(
                "SELECT DISTINCT later.batch_id FROM spend_entry mine CROSS JOIN undo_kin kin "
                "CROSS JOIN spend_entry later CROSS JOIN import_batch b "
                "WHERE mine.batch_id = :b AND mine.snapshot_key IS NOT NULL "
                "AND kin.mine = mine.campaign_id AND later.snapshot_key = mine.snapshot_key "
                "AND later.campaign_id = kin.other AND later.batch_id > mine.batch_id "
                "AND b.id = later.batch_id AND b.undone_by IS NULL AND b.undoes IS NULL"
            ),
            {"b": batch},
        )
    ]
    conn.exec_driver_sql("DROP TABLE undo_kin")
    return sorted(found)


@dataclass(frozen=True, slots=True)
class _Repeats:
    """Whether any generic id repeats, within the import or from the ledger (then the write
    must skip those rows; a fresh import, the usual case, need not look for them)."""

    in_import: bool
    in_ledger: bool


_LIVE_KEY = (
    "s.idem_key = st.idem_key AND s.source = 'import' AND NOT EXISTS ("
    "SELECT 1 FROM import_batch ib WHERE ib.id = s.batch_id AND ib.undone_by IS NOT NULL)"
)


def _check_keys(
    conn: Connection,
    problems: list[str],
    files: list[str],
    predecessors: set[tuple[int, int]],
) -> tuple[int, _Repeats]:
    """Generic ids: the same id twice with different amounts, or an id recorded before
    differently. An id recorded for a removed campaign that the row's campaign took the place
    of (``predecessors``: removed, live) is recorded for the row's campaign."""
    found = 0
    conn.exec_driver_sql("CREATE INDEX import_stage_key ON import_stage (idem_key)")
    # One pass over the index says whether any id repeats at all; only then look for which.
    in_import = (
        conn.exec_driver_sql(
            "SELECT 1 FROM import_stage WHERE idem_key IS NOT NULL "
            "GROUP BY idem_key HAVING COUNT(*) > 1 LIMIT 1"
        ).first()
        is not None
    )
    if in_import:
        for (
            line,
            file_no,
            key,
            amount,
            other,
            other_line,
            other_file,
            here,
            there,
            at,
            other_at,
            tz,
        ) in conn.exec_driver_sql(
            "SELECT st.line, st.file_no, st.idem_key, st.amount, o.amount, o.line, o.file_no, "
            "sb.name || ' / ' || sc.name, ob.name || ' / ' || oc.name, st.occurred_at, "
            "o.occurred_at, sb.timezone FROM import_stage st "
            "JOIN import_stage o ON o.idem_key = st.idem_key AND (o.file_no < st.file_no OR "
            "(o.file_no = st.file_no AND o.line < st.line)) "
            "JOIN campaign sc ON sc.id = st.campaign_id JOIN campaign oc ON oc.id = o.campaign_id "
            "JOIN brand sb ON sb.id = sc.brand_id JOIN brand ob ON ob.id = oc.brand_id "
            "WHERE st.idem_key IS NOT NULL "
            "AND (o.amount <> st.amount OR o.campaign_id <> st.campaign_id "
            "OR o.occurred_at <> st.occurred_at) "
            "ORDER BY st.file_no, st.line LIMIT 1000"
        ):
            found += 1
            problems.append(
                f"{files[file_no]}:{line}: id {key.split(':', 1)[1]!r} appears earlier "
                f"({files[other_file]}:{other_line}) "
                + _what_differs(
                    (other, there, _when(other_at, tz)),
                    (amount, here, _when(at, tz)),
                    before="with",
                    now="here with",
                )
            )
    in_ledger = (
        conn.exec_driver_sql(
            "SELECT 1 FROM import_stage st WHERE st.idem_key IS NOT NULL AND EXISTS ("
            f"SELECT 1 FROM spend_entry s WHERE {_LIVE_KEY}) LIMIT 1"
        ).first()
        is not None
    )
    if in_ledger:
        zones: dict[int, list[ZoneInfo]] = {}
        for (
            line,
            file_no,
            key,
            amount,
            old,
            old_batch,
            here,
            there,
            at,
            old_at,
            tz,
            brand_id,
            campaign,
            old_campaign,
        ) in conn.exec_driver_sql(
            # Every such row, not the first thousand: the ones that prove the same below
            # must not hide one that differs (which the write would then skip).
            "SELECT st.line, st.file_no, st.idem_key, st.amount, s.amount, s.batch_id, "
            "sb.name || ' / ' || sc.name, ob.name || ' / ' || oc.name || CASE WHEN "
            "oc.removed_at IS NULL THEN '' ELSE ' (removed)' END, st.occurred_at, "
            "s.occurred_at, sb.timezone, sb.id, st.campaign_id, s.campaign_id "
            f"FROM import_stage st JOIN spend_entry s ON {_LIVE_KEY} "
            "JOIN campaign sc ON sc.id = st.campaign_id JOIN campaign oc ON oc.id = s.campaign_id "
            "JOIN brand sb ON sb.id = sc.brand_id JOIN brand ob ON ob.id = oc.brand_id "
            "WHERE st.idem_key IS NOT NULL AND (s.amount <> st.amount "
            "OR s.campaign_id <> st.campaign_id OR s.occurred_at <> st.occurred_at) "
            "ORDER BY st.file_no, st.line"
        ):
            if brand_id not in zones:
                zones[brand_id] = earlier_zones(conn, brand_id)
            if (
                amount == old
                and (campaign == old_campaign or (old_campaign, campaign) in predecessors)
                and (
                    at == old_at
                    or moved_midnight(
                        from_us(int(old_at)), from_us(int(at)), zone(tz), zones[brand_id]
                    )
                )
            ):
                # The same row: for the campaign this one replaced, or on the same day
                # recorded before the brand's zone changed.
                continue
            found += 1
            if len(problems) >= 1000:
                continue
            problems.append(
                f"{files[file_no]}:{line}: id {key.split(':', 1)[1]!r} was imported in batch "
                f"#{old_batch} "
                + _what_differs(
                    (old, there, _when(old_at, tz)),
                    (amount, here, _when(at, tz)),
                    before="as",
                    now="here",
                )
                + ": ids are recorded once; correct it with a new row (a new id)"
            )
    return found, _Repeats(in_import, in_ledger)


def _when(us: int, tz: str) -> str:
    """An instant as the brand's day (its midnight), else its local time with offset."""
    local = from_us(int(us)).astimezone(zone(tz))
    if local.time() == dt_time(0):
        return local.date().isoformat()
    return local.isoformat(sep=" ")


def _what_differs(
    first: tuple[int, str, str], again: tuple[int, str, str], *, before: str, now: str
) -> str:
    """How a repeated id's row differs from its first: the amount, else the campaign, else
    when it occurred. Each side is (amount, campaign, when)."""
    (amount, campaign, when), (new_amount, new_campaign, new_when) = first, again
    if amount != new_amount:
        return f"{before} {format_stated(amount)}, {now} {format_stated(new_amount)}"
    if campaign != new_campaign:
        return f"for {campaign}, here for {new_campaign}"
    return f"for {when}, here for {new_when}"


def _write(
    conn: Connection,
    ctx: Context,
    report: ImportReport,
    batch_id: int,
    repeats: _Repeats,
    brand_runs: int,
    predecessors: list[tuple[int, int]],
) -> None:
    params = {"now": ctx.now_us, "actor": ctx.actor, "batch": batch_id}
    staged = conn.exec_driver_sql("SELECT COUNT(*) FROM import_stage").scalar_one()
    # The ledger's (brand, time) index takes a million rows in half the time when they come
    # brand by brand. Files that list each campaign's days together already do (rows stay in
    # file order); files that list each day's campaigns together are sorted first.
    # Either way the staged row's place in the file breaks ties, so that entries get the same
    # ids on both engines (the table's physical order: it is only ever appended to; SQLite's
    # is its scan order, free).
    pos = "rowid" if ctx.db.sqlite else "ctid"
    order = (
        f" ORDER BY st.{pos}"
        if brand_runs * CLUSTERED_RUN <= int(staged)
        else f" ORDER BY st.brand_id, st.occurred_at, st.{pos}"
    )
    snap_rows = conn.exec_driver_sql(
        "SELECT COUNT(*) FROM import_stage WHERE snapshot_key IS NOT NULL"
    ).scalar_one()
    snap_keys = conn.exec_driver_sql(
        "SELECT COUNT(*) FROM (SELECT DISTINCT campaign_id, snapshot_key FROM import_stage "
        "WHERE snapshot_key IS NOT NULL) k"
    ).scalar_one()
    if snap_rows == snap_keys:
        # Every key once (the usual report): each row is its key's total.
        source = (
            f"(SELECT brand_id, campaign_id, snapshot_key, occurred_at, amount AS total, {pos} AS pos "
            "FROM import_stage WHERE snapshot_key IS NOT NULL)"
        )
        snap_order = order.replace(f"st.{pos}", "st.pos")
    else:
        # A key's total is the sum of its rows in the last file that has it: naming the same
        # report twice (or an old and an updated one) in one import counts it once, as in
        # sequence.
        source = (
            "(SELECT brand_id, campaign_id, snapshot_key, occurred_at, total FROM "
            "(SELECT brand_id, campaign_id, snapshot_key, file_no, MIN(occurred_at) AS occurred_at, "
            "SUM(amount) AS total, MAX(file_no) OVER (PARTITION BY campaign_id, snapshot_key) "
            "AS last_file FROM import_stage WHERE snapshot_key IS NOT NULL "
            "GROUP BY brand_id, campaign_id, snapshot_key, file_no) per_file "
            "WHERE file_no = last_file)"
        )
        snap_order = " ORDER BY st.brand_id, st.campaign_id, st.snapshot_key"
        # Rows that a later file's rows for the same campaign and day replace (not written).
        report.superseded = int(
            conn.exec_driver_sql(
                "SELECT COUNT(*) FROM (SELECT file_no, MAX(file_no) OVER (PARTITION BY "
                "campaign_id, snapshot_key) AS last_file FROM import_stage "
                "WHERE snapshot_key IS NOT NULL) k WHERE file_no < last_file"
            ).scalar_one()
        )
    report.summed = int(snap_rows) - int(snap_keys) - report.superseded
    # What the ledger holds per key: a removed campaign's snapshots count for the campaign
    # that took its place (the same network campaign), so its days are not counted twice.
    held = (
        "SELECT campaign_id, snapshot_key, SUM(amount) AS total FROM spend_entry "
        "WHERE snapshot_key IN (SELECT DISTINCT snapshot_key FROM import_stage) "
        "GROUP BY campaign_id, snapshot_key"
    )
    if predecessors:
        _temp_table(
            conn, "import_alias", "alias_id INTEGER PRIMARY KEY, campaign_id INTEGER NOT NULL"
        )
        execute_many(
            conn, "INSERT INTO import_alias (alias_id, campaign_id) VALUES (?, ?)", predecessors
        )
        # Kept in an indexed table: joined as a subquery, its campaign (an expression) could
        # not be looked up, and each staged row would read all of its day's entries.
        _temp_table(
            conn,
            "import_held",
            "campaign_id INTEGER NOT NULL, snapshot_key VARCHAR(40) NOT NULL, total BIGINT "
            "NOT NULL, PRIMARY KEY (campaign_id, snapshot_key)",
        )
        conn.exec_driver_sql(
            "INSERT INTO import_held (campaign_id, snapshot_key, total) "
            "SELECT COALESCE(a.campaign_id, s.campaign_id), s.snapshot_key, SUM(s.amount) "
            "FROM spend_entry s LEFT JOIN import_alias a ON a.alias_id = s.campaign_id "
            "WHERE s.snapshot_key IN (SELECT DISTINCT snapshot_key FROM import_stage) "
            "GROUP BY COALESCE(a.campaign_id, s.campaign_id), s.snapshot_key"
        )
        held = "SELECT campaign_id, snapshot_key, total FROM import_held"
    # A key's entries sit at its day's midnight in the brand's zone. A brand whose zone changed
    # since holds them at the old zone's midnight, another day of its new calendar: take them
    # back there, so that the key's whole figure lands on its day below.
    # (Driven from the ledger's entries for the import's days: none for fresh days, the usual
    # large import, so nothing is looked up row by row.) With predecessors, each staged key is
    # also matched under the removed campaign it took over from: by plain columns, so that the
    # join stays an index look-up (matching through COALESCE would compare every staged row of
    # a day with every entry of it).
    staged_keys = (
        "SELECT DISTINCT campaign_id, snapshot_key, occurred_at FROM import_stage "
        "WHERE snapshot_key IS NOT NULL"
    )
    if predecessors:
        staged_keys = (
            f"{staged_keys} UNION ALL SELECT a.alias_id, k.snapshot_key, k.occurred_at FROM "
            f"({staged_keys}) k JOIN import_alias a ON a.campaign_id = k.campaign_id"
        )
    moved = conn.execute(
        sa.text(
            "INSERT INTO spend_entry (brand_id, campaign_id, amount, occurred_at, recorded_at, "
            "source, batch_id, actor, snapshot_key) "
            "SELECT s.brand_id, s.campaign_id, -SUM(s.amount), s.occurred_at, :now, 'import', "
            f":batch, :actor, s.snapshot_key FROM spend_entry s JOIN ({staged_keys}) "
            "st ON st.snapshot_key = s.snapshot_key AND st.campaign_id = s.campaign_id "
            "AND st.occurred_at <> s.occurred_at WHERE s.snapshot_key IN (SELECT DISTINCT "
            "snapshot_key FROM import_stage WHERE snapshot_key IS NOT NULL) "
            "GROUP BY s.brand_id, s.campaign_id, s.snapshot_key, s.occurred_at "
            "HAVING SUM(s.amount) <> 0 ORDER BY s.brand_id, s.campaign_id, s.snapshot_key, "
            "s.occurred_at"
        ),
        params,
    ).rowcount
    # Network snapshots: the ledger gets each key's difference from what it holds.
    snap = conn.execute(
        sa.text(
            "INSERT INTO spend_entry (brand_id, campaign_id, amount, occurred_at, recorded_at, "
            "source, batch_id, actor, snapshot_key) "
            "SELECT st.brand_id, st.campaign_id, st.total - COALESCE(prev.total, 0), st.occurred_at, "
            f":now, 'import', :batch, :actor, st.snapshot_key FROM {source} st "
            f"LEFT JOIN ({held}) prev "
            "ON prev.campaign_id = st.campaign_id AND prev.snapshot_key = st.snapshot_key "
            f"WHERE st.total <> COALESCE(prev.total, 0){snap_order}"
        ),
        params,
    ).rowcount
    # Generic rows: once per id (the first occurrence), always when without id.
    skip = []
    if repeats.in_import:
        skip.append(
            "NOT EXISTS (SELECT 1 FROM import_stage o WHERE o.idem_key = st.idem_key AND "
            "(o.file_no < st.file_no OR (o.file_no = st.file_no AND o.line < st.line)))"
        )
    if repeats.in_ledger:
        skip.append(f"NOT EXISTS (SELECT 1 FROM spend_entry s WHERE {_LIVE_KEY})")
    keyed = f" AND (st.idem_key IS NULL OR ({' AND '.join(skip)}))" if skip else ""
    generic = conn.execute(
        sa.text(
            "INSERT INTO spend_entry (brand_id, campaign_id, amount, occurred_at, recorded_at, "
            "source, batch_id, actor, note, idem_key) "
            "SELECT st.brand_id, st.campaign_id, st.amount, st.occurred_at, :now, 'import', :batch, "
            f":actor, st.note, st.idem_key FROM import_stage st WHERE st.snapshot_key IS NULL{keyed}"
            f"{order}"
        ),
        params,
    ).rowcount
    report.entries_written = int(moved) + int(snap) + int(generic)
    generic_rows = int(staged) - int(snap_rows)
    changed_keys = int(snap)
    if moved:
        # A day taken back from an old zone's midnight changed, whether or not its figure did.
        changed_keys = int(
            conn.execute(
                sa.text(
                    "SELECT COUNT(*) FROM (SELECT DISTINCT campaign_id, snapshot_key FROM "
                    "spend_entry WHERE batch_id = :batch AND snapshot_key IS NOT NULL) k"
                ),
                {"batch": batch_id},
            ).scalar_one()
        )
    report.unchanged = (int(snap_keys) - changed_keys) + (generic_rows - int(generic))
    totals = conn.execute(
        sa.text(
            # Sum first, name after: the join then runs per campaign, not per entry.
            "SELECT b.name, c.name, b.currency, t.n, t.total, b.id, t.first_at, t.last_at FROM "
            "(SELECT brand_id, campaign_id, COUNT(*) AS n, SUM(amount) AS total, "
            "MIN(occurred_at) AS first_at, MAX(occurred_at) AS last_at FROM spend_entry "
            "WHERE batch_id = :batch GROUP BY brand_id, campaign_id) t "
            "JOIN campaign c ON c.id = t.campaign_id "
            f"JOIN brand b ON b.id = t.brand_id ORDER BY b.name{in_code_order(conn)}, "
            f"c.name{in_code_order(conn)}"
        ),
        {"batch": batch_id},
    ).all()
    report.per_campaign = [(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5])) for r in totals]
    for r in totals:
        bid, first, last = int(r[5]), int(r[6]), int(r[7])
        was = report.span.get(bid, (first, last))
        report.span[bid] = (min(first, was[0]), max(last, was[1]))
    report.net_amount = sum(r[4] for r in report.per_campaign)
    if abs(report.net_amount) > MAX_TOTAL:
        # Each campaign's net fits, the batch's (kept in the batch row) does not.
        raise DatabaseError(TOO_LARGE)


@dataclass(frozen=True, slots=True)
class BatchView:
    id: int
    created_at: datetime
    actor: str
    format: str
    files: list[str]
    rows: int
    entries_written: int
    unchanged: int
    net_amount: int
    undoes: int | None
    undone_by: int | None
    nets: dict[str, int]
    """Each currency's net: ``net_amount`` adds them up, which means nothing when several."""

    def as_json(self) -> dict[str, Any]:
        from budgetctl.domain.money import format_exact

        return {
            "batch": self.id,
            "created_at": self.created_at.isoformat(),
            "actor": self.actor,
            "format": self.format,
            "files": self.files,
            "rows": self.rows,
            "entries_written": self.entries_written,
            "unchanged": self.unchanged,
            "net_amount": format_exact(self.net_amount),
            "nets": {code: format_exact(v) for code, v in sorted(self.nets.items())},
            "undoes": self.undoes,
            "undone_by": self.undone_by,
        }


def list_batches(ctx: Context, *, limit: int = 50) -> list[BatchView]:
    limit = list_limit(limit)
    with ctx.db.read() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT id, created_at, actor, format, files, rows, entries_written, unchanged, "
                "net_amount, undoes, undone_by, nets FROM import_batch ORDER BY id DESC LIMIT :n"
            ),
            {"n": limit},
        ).all()
    return [
        BatchView(
            int(r[0]),
            from_us(r[1]),
            r[2],
            r[3],
            r[4].split("\n") if r[4] else [],  # an undo reads no file
            int(r[5]),
            int(r[6]),
            int(r[7]),
            int(r[8]),
            r[9],
            r[10],
            {code: int(v) for code, v in json.loads(r[11] or "{}").items()},
        )
        for r in reversed(rows)
    ]


@dataclass(slots=True)
class UndoReport:
    batch: int
    undo_batch: int
    entries: int
    net_amount: int
    nets: dict[str, int]
    changes: list[Change] = field(default_factory=list)


def undo_batch(ctx: Context, batch: int) -> UndoReport:
    with ctx.db.write() as conn:
        row = None
        if 0 < batch < 1 << 63:  # a larger number is no batch (and no 64-bit integer)
            row = conn.execute(
                sa.text("SELECT id, undoes, undone_by FROM import_batch WHERE id = :b"),
                {"b": batch},
            ).first()
        if row is None:
            raise NotFound(f"no import batch #{batch}: 'budgetctl spend batches' lists them")
        if row[1] is not None:
            raise InvalidValue(
                f"batch #{batch} is itself an undo (of #{row[1]}): it cannot be undone"
            )
        if row[2] is not None:
            raise InvalidValue(f"batch #{batch} was already undone by batch #{row[2]}")
        # A later live import that moved the same (campaign, day) snapshots wrote its figure as
        # a difference from this batch's: taking this one out would leave a total no report gave.
        later = [
            int(r[0])
            for r in conn.execute(
                sa.text(
                    "SELECT DISTINCT later.batch_id FROM spend_entry mine JOIN spend_entry later "
                    "ON later.snapshot_key = mine.snapshot_key AND later.campaign_id = mine.campaign_id "
                    "AND later.batch_id > mine.batch_id JOIN import_batch b ON b.id = later.batch_id "
                    "WHERE mine.batch_id = :b AND mine.snapshot_key IS NOT NULL "
                    "AND b.undone_by IS NULL AND b.undoes IS NULL ORDER BY later.batch_id"
                ),
                {"b": batch},
            )
        ]
        later = sorted({*later, *_later_on_relatives(conn, batch)})
        if later:
            names = ", ".join(f"#{b}" for b in later)
            several = len(later) > 1
            raise Conflict(
                f"batch #{batch}'s days were updated since by batch{'es' if several else ''} "
                f"{names}: undo {'those first, newest first' if several else 'it first'}, or "
                "import a corrected report (it moves each day to its figure)"
            )
        undo_id = int(
            conn.execute(
                sa.text(
                    "INSERT INTO import_batch (id, created_at, actor, format, files, rows, "
                    "entries_written, unchanged, skipped, net_amount, undoes) SELECT "
                    "COALESCE(MAX(id), 0) + 1, :at, :actor, 'undo', '', 0, 0, 0, 0, 0, :b "
                    "FROM import_batch RETURNING id"
                ),
                {"at": ctx.now_us, "actor": ctx.actor, "b": batch},
            ).scalar_one()
        )
        _keep_sequence(conn, undo_id)
        written = conn.execute(
            sa.text(
                "INSERT INTO spend_entry (brand_id, campaign_id, amount, occurred_at, recorded_at, "
                "source, batch_id, actor, note, snapshot_key) SELECT brand_id, campaign_id, -amount, "
                "occurred_at, :now, 'undo', :undo, :actor, :note, snapshot_key FROM spend_entry "
                "WHERE batch_id = :b ORDER BY id"
            ),
            {
                "now": ctx.now_us,
                "undo": undo_id,
                "actor": ctx.actor,
                "b": batch,
                "note": f"undo of batch #{batch}",
            },
        ).rowcount
        # Per brand, as the import's own events: its compensating entries and their net.
        per_brand = conn.execute(
            sa.text(
                "SELECT b.id, b.name, b.timezone, b.currency, t.n, t.net FROM (SELECT brand_id, "
                "COUNT(*) AS n, SUM(amount) AS net FROM spend_entry WHERE batch_id = :u "
                "GROUP BY brand_id) t JOIN brand b ON b.id = t.brand_id ORDER BY b.id"
            ),
            {"u": undo_id},
        ).all()
        net = sum(int(r[5]) for r in per_brand)
        nets: dict[str, int] = {}
        for r in per_brand:
            nets[r[3]] = nets.get(r[3], 0) + int(r[5])
        conn.execute(
            sa.text(
                "UPDATE import_batch SET entries_written = :w, net_amount = :net, nets = :nets "
                "WHERE id = :u"
            ),
            {"w": written, "net": net, "nets": _nets_json(nets), "u": undo_id},
        )
        conn.execute(
            sa.text("UPDATE import_batch SET undone_by = :u WHERE id = :b"),
            {"u": undo_id, "b": batch},
        )
        brands = [int(r[0]) for r in per_brand]
        for bid, name, tz, cur, count, brand_net in per_brand:
            record_event(
                conn,
                ctx,
                "import.undo",
                f"undo of batch #{batch} (batch #{undo_id}): "
                f"{counted(int(count), 'compensating entry', 'compensating entries')}, net "
                f"{format_money(int(brand_net))} {cur}",
                brand=BrandRow(bid, name, None, None, tz, cur, ""),
                detail={
                    "batch": undo_id,
                    "undoes": batch,
                    "entries": int(count),
                    "net_amount": int(brand_net),
                    "currency": cur,
                },
            )
        report = UndoReport(batch, undo_id, int(written), net, nets)
        report.changes = evaluate(conn, ctx, brand_ids=brands).changes
        return report
