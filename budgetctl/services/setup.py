"""``budgetctl init``: create a database, or upgrade its schema; idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from budgetctl import signals
from budgetctl.domain.errors import DatabaseError
from budgetctl.store.db import (
    Database,
    note_commit,
    note_interrupt,
    read_revision,
    saved_note,
    take_write_lock,
)
from budgetctl.store.schema import HEAD_REVISION, shipped_revisions


def init_database(db: Database, *, created_at: int | None = None, counted: bool = True) -> str:
    """Create or upgrade ``db``; say what was done. A new database records when it was
    created (``created_at``, micros) as the run of ``init`` in ``pass_run``: doctor does not
    call passes overdue that cron has had no time to run yet. ``counted=False``: the schema
    is not the command's change (``db copy``'s target)."""
    from budgetctl.store.migrate import upgrade

    engine = db.engine(create=True)
    with db._translate(), engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        before = read_revision(conn)
        if before is None and names - {"alembic_version"}:
            raise DatabaseError(
                f"{db.label} already holds tables of another application: refusing to add "
                "budgetctl's; choose a new path with --db"
            )
        if before == HEAD_REVISION:
            return f"database {db.label} is up to date (schema revision {HEAD_REVISION})"
        if before is not None and before not in shipped_revisions():
            raise DatabaseError(
                f"database {db.label} has schema revision {before}, which this budgetctl does "
                "not know: it was written by a newer budgetctl (upgrade budgetctl) or is not "
                "budgetctl's"
            )
        conn.commit()
        if db.sqlite:
            # journal_mode cannot change inside a transaction: talk to the driver directly.
            raw = conn.connection.dbapi_connection
            assert raw is not None
            mode = raw.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise DatabaseError(f"{db.label}: could not switch to WAL journal mode ({mode})")
        conn = conn.execution_options(budgetctl_write=True)
        trans = conn.begin()
        try:
            if not db.sqlite:
                take_write_lock(conn)
            # Holding the write lock now: another init may have run while this one waited.
            before = read_revision(conn)
            if before == HEAD_REVISION:
                trans.rollback()
                return f"database {db.label} is up to date (schema revision {HEAD_REVISION})"
            upgrade(conn)
            if before is None and created_at is not None:
                conn.execute(
                    sa.text(
                        "INSERT INTO pass_run (name, last_run_at, last_now, changes) "
                        "VALUES ('init', :at, :at, 0)"
                    ),
                    {"at": created_at},
                )
        except BaseException:
            trans.rollback()
            raise
        # As every write's: a signal waits while the commit runs, so that the command knows
        # whether it went in.
        if counted and saved_note() is None:  # (the demo's names its own database)
            note_interrupt(saved="'budgetctl doctor' shows it")
        with signals.held():
            signals.check()
            trans.commit()
            if counted:
                note_commit()
    if before is None:
        return f"created database {db.label} (schema revision {HEAD_REVISION})"
    return f"upgraded database {db.label} from schema revision {before} to {HEAD_REVISION}"
