"""``budgetctl db copy --to URL``: move a database (typically SQLite to PostgreSQL).

The target must be empty: a database without tables, or one that ``budgetctl
init`` has just prepared (the budgetctl schema with no rows). The copy then

1. creates the target's schema with the same Alembic migrations as ``init``;
2. reads the source in one read transaction (one consistent snapshot) and
   writes the target in one write transaction, table by table in dependency
   order, in batches (``COPY ... FROM STDIN`` on PostgreSQL, ``executemany``
   on SQLite), keeping every id;
3. moves the target's id sequences past the copied ids (``setval``), so that
   new rows continue after them;
4. verifies, still inside the target's transaction: the row count of every
   table, and the number and sum of spend entries per brand and UTC day,
   computed by the same SQL on both sides. Any difference rolls the whole copy
   back: the target keeps its empty schema and nothing else.

``import_batch.undone_by`` points at a later batch, so it is written in a
second step once every batch exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from budgetctl.domain.errors import DatabaseError, InvalidValue
from budgetctl.store.db import (
    Database,
    bulk_writer,
    note_interrupt,
    read_revision,
    resolve_url,
)
from budgetctl.store.schema import HEAD_REVISION

TABLES: tuple[str, ...] = (
    "brand",
    "campaign",
    "schedule_window",
    "import_batch",
    "import_file",
    "spend_entry",
    "event",
    "period_close",
    "pass_run",
)
"""Every budgetctl table, parents before children."""

BATCH = 10_000

DAY_US = 86_400_000_000

SPEND_BY_BRAND_DAY = (
    f"SELECT brand_id, occurred_at / {DAY_US} AS day, COUNT(*), COALESCE(SUM(amount), 0) "
    f"FROM spend_entry GROUP BY brand_id, occurred_at / {DAY_US} ORDER BY brand_id, day"
)
"""Per brand and UTC day (days since 1970-01-01): entries and their sum. Same SQL on both sides."""


@dataclass(slots=True)
class CopyReport:
    source: str
    target: str
    created_schema: bool
    rows: dict[str, int] = field(default_factory=dict)
    buckets: int = 0
    #: net spend of the copied ledger per currency
    nets: dict[str, int] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _columns(table: str) -> list[str]:
    from sqlmodel import SQLModel

    import budgetctl.store.models  # noqa: F401  (registers the tables)

    return [c.name for c in SQLModel.metadata.tables[table].columns]


def _order(table: str) -> str:
    return "name" if table == "pass_run" else "id"


def _same_database(source: Database, target: Database) -> bool:
    a, b = source.url, target.url
    if source.sqlite or target.sqlite:
        if not (source.sqlite and target.sqlite):
            return False
        return Path(source.label).resolve() == Path(target.label).resolve()
    return (
        a.get_backend_name() == b.get_backend_name()
        and (a.host or "localhost") == (b.host or "localhost")
        and (a.port or 5432) == (b.port or 5432)
        and a.database == b.database
    )


def _row_counts(conn: Connection, *, held: bool = False) -> dict[str, int]:
    """Rows per table; ``held``: only what a user put there (not the record of when ``init``
    created the database, which an empty database has too)."""
    return {
        t: int(
            conn.exec_driver_sql(
                f"SELECT COUNT(*) FROM {t}"
                + (" WHERE name <> 'init'" if held and t == "pass_run" else "")
            ).scalar_one()
        )
        for t in TABLES
    }


def _check_target_empty(target: Database) -> None:
    """Refuse a target that holds anything but an empty budgetctl schema."""
    engine = target.engine(create=True)
    with target._translate(), engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        if not names:
            return
        revision = read_revision(conn, target=target.label)
        if revision is None:
            shown = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
            raise DatabaseError(
                f"target {target.label} is not empty (it has tables: {shown}): "
                "db copy needs an empty database; the target is left as is"
            )
        if revision != HEAD_REVISION:
            raise DatabaseError(
                f"target {target.label} has budgetctl schema revision {revision}, not "
                f"{HEAD_REVISION}: db copy needs an empty database at this budgetctl's revision"
                " (an empty target: run 'budgetctl --db TARGET init' to upgrade it); the target"
                " is left as is"
            )
        _refuse_held(conn, target)


def _refuse_held(conn: Connection, target: Database) -> None:
    """Refuse a target holding anything a user put there, its rows counted as they are
    (``init``'s own row included), as the copy's report counts them."""
    if any(_row_counts(conn, held=True).values()):
        counts = {t: n for t, n in _row_counts(conn).items() if n}
        held = ", ".join(f"{t}: {n}" for t, n in counts.items())
        raise DatabaseError(
            f"target {target.label} is not empty ({held} rows): db copy copies only into an "
            "empty database; the target is left as is"
        )


def _read_batches(conn: Connection, table: str, columns: list[str]) -> Iterator[list[Any]]:
    result = conn.execution_options(yield_per=BATCH).exec_driver_sql(
        f"SELECT {', '.join(columns)} FROM {table} ORDER BY {_order(table)}"
    )
    for part in result.partitions(BATCH):
        yield [tuple(row) for row in part]


def _from(source: Database, batches: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """Rows read from ``source`` inside the target's transaction, the errors reading them
    named as the source's (the target would otherwise claim them)."""
    with source._translate():
        yield from batches


def _reset_sequences(conn: Connection) -> dict[str, int]:
    """PostgreSQL: each ``id`` sequence continues after the largest copied id."""
    after: dict[str, int] = {}
    for table in TABLES:
        if table == "pass_run":
            continue
        top = int(conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar_one())
        conn.execute(
            sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v, false)"),
            {"t": table, "v": top + 1},
        )
        after[table] = top + 1
    return after


def _spend_buckets(conn: Connection) -> list[tuple[int, int, int, int]]:
    return [
        (int(r[0]), int(r[1]), int(r[2]), int(r[3]))
        for r in conn.exec_driver_sql(SPEND_BY_BRAND_DAY)
    ]


def _verify(
    mine: list[tuple[Any, ...]], target: Connection, report: CopyReport, target_label: str
) -> None:
    problems: list[str] = []
    theirs = _row_counts(target)
    for table in TABLES:
        if report.rows[table] != theirs[table]:
            problems.append(
                f"{table}: {report.rows[table]} rows in the source, {theirs[table]} in the target"
            )
    copied = _spend_buckets(target)
    if mine != copied:
        a = {(b, d): (n, s) for b, d, n, s in mine}
        z = {(b, d): (n, s) for b, d, n, s in copied}
        for key in sorted(set(a) | set(z)):
            if a.get(key) != z.get(key):
                problems.append(
                    f"spend of brand #{key[0]} on UTC day {key[1]}: source {a.get(key)}, "
                    f"target {z.get(key)} (entries, micros)"
                )
    if problems:
        shown = problems[:10]
        more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise DatabaseError(
            f"db copy: verification failed, the copy was rolled back ({'; '.join(shown)}{more}); "
            f"the target {target_label} is left as is, with an empty budgetctl schema"
        )
    report.buckets = len(mine)
    currency = {
        int(r[0]): str(r[1]) for r in target.exec_driver_sql("SELECT id, currency FROM brand")
    }
    for brand_id, _d, _n, net in mine:
        code = currency[brand_id]
        report.nets[code] = report.nets.get(code, 0) + net


def copy_database(source: Database, to: str) -> CopyReport:
    """Copy ``source`` into the empty database ``to`` and verify the copy."""
    if not to or not to.strip():
        raise InvalidValue("--to is empty: give the target database URL or path")
    target = Database(resolve_url(to.strip(), what="--to"))
    source.check_schema()
    if _same_database(source, target):
        raise InvalidValue(f"--to names the source database itself ({source.label})")
    _check_target_empty(target)

    from budgetctl.services.setup import init_database

    with target._translate(), target.engine(create=True).connect() as conn:
        created = read_revision(conn) is None
    # An interruption says what the target holds: the schema alone is not the copy.
    note_interrupt(saved=f"the copy in {target.label} is complete and verified")
    if created:
        note_interrupt(
            unsaved=f"nothing was copied ({target.label} holds at most an empty budgetctl "
            "schema: run the copy again)"
        )
        init_database(target, counted=False)
    report = CopyReport(source.label, target.label, created)

    with source.read() as src, target.write() as dst:
        _refuse_held(dst, target)  # another process wrote meanwhile
        # The source's record of its creation (if it has one) is the database's.
        dst.exec_driver_sql("DELETE FROM pass_run WHERE name = 'init'")
        for table in TABLES:
            columns = _columns(table)
            write = bulk_writer(dst, table, columns)
            later: list[dict[str, Any]] = []
            undone_at = columns.index("undone_by") if table == "import_batch" else -1
            n = 0
            for rows in _from(source, _read_batches(src, table, columns)):
                if undone_at >= 0:
                    fixed = []
                    for row in rows:
                        if row[undone_at] is not None:
                            later.append({"id": row[0], "u": row[undone_at]})
                            row = (*row[:undone_at], None, *row[undone_at + 1 :])
                        fixed.append(row)
                    rows = fixed
                write(rows)
                n += len(rows)
            if later:
                dst.execute(sa.text("UPDATE import_batch SET undone_by = :u WHERE id = :id"), later)
            report.rows[table] = n
        if not target.sqlite:
            report.sequences = _reset_sequences(dst)
        with source._translate():  # the source's errors are named as the source's
            mine = _spend_buckets(src)
        _verify(mine, dst, report, target.label)
    target.dispose()
    return report
