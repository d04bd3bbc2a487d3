"""The store: a fresh ``init`` matches the models, and SQLite is set up as ARCHITECTURE.md says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import Cli, dump, query
from sqlmodel import SQLModel

import budgetctl.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from budgetctl.domain.errors import DatabaseError
from budgetctl.store.db import Database, resolve_url
from budgetctl.store.migrate import head_revision
from budgetctl.store.schema import HEAD_REVISION

TABLES = [
    "alembic_version", "brand", "campaign", "event", "import_batch", "import_file", "pass_run",
    "period_close", "schedule_window", "spend_entry",
]


def test_head_revision_constant_matches_migrations() -> None:
    assert head_revision() == HEAD_REVISION


def test_shipped_revisions_are_read_from_the_migration_file_names() -> None:
    from alembic.script import ScriptDirectory

    from budgetctl.store.migrate import alembic_config
    from budgetctl.store.schema import shipped_revisions

    walked = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    assert shipped_revisions() == walked
    assert HEAD_REVISION in walked


def test_init_creates_the_database(cli: Cli, db_path: Path) -> None:
    assert not db_path.exists()
    run = cli("init")
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.stdout == f"created database {db_path} (schema revision {HEAD_REVISION})\n"
    assert sorted(dump(db_path)) == TABLES
    assert query(db_path, "SELECT version_num FROM alembic_version") == [(HEAD_REVISION,)]
    tables = dump(db_path)
    assert [row[0] for row in tables.pop("pass_run")] == ["init"]  # when init created it
    assert all(rows == [] for name, rows in tables.items() if name != "alembic_version")


def test_fresh_schema_equals_the_models(ready: Cli, db_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{db_path}")
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True}
            )
            diff = compare_metadata(ctx, SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_models_cover_every_table(ready: Cli, db_path: Path) -> None:
    assert sorted(SQLModel.metadata.tables) == [t for t in TABLES if t != "alembic_version"]


def test_journal_mode_is_wal(ready: Cli, db_path: Path) -> None:
    assert query(db_path, "PRAGMA journal_mode") == [("wal",)]


def test_store_connections_enforce_foreign_keys(ready: Cli, db_path: Path) -> None:
    database = Database(resolve_url(str(db_path)))
    try:
        with database.read() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 1  # NORMAL
    finally:
        database.dispose()


def test_foreign_keys_refuse_an_orphan_campaign(ready: Cli, db_path: Path) -> None:
    before = dump(db_path)
    database = Database(resolve_url(str(db_path)))
    try:
        with database.engine().connect() as conn:
            trans = conn.begin()
            try:
                conn.exec_driver_sql(
                    "INSERT INTO campaign (brand_id, name, name_key, state, reasons, held, "
                    "created_at) VALUES (999, 'x', 'x', 'active', '', 0, 0)"
                )
            except sa.exc.IntegrityError as exc:
                assert "FOREIGN KEY constraint failed" in str(exc)
            else:
                raise AssertionError("an orphan campaign was accepted")
            finally:
                trans.rollback()
    finally:
        database.dispose()
    assert dump(db_path) == before


def test_init_twice_is_idempotent(ready: Cli, db_path: Path) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "2500", now="2026-11-25T10:00:00Z")
    before = dump(db_path)
    run = ready("init")
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.stdout == f"database {db_path} is up to date (schema revision {HEAD_REVISION})\n"
    assert dump(db_path) == before


def test_a_path_with_uri_characters_opens_that_very_file(tmp_path: Path) -> None:
    # '#', '?' and '%' are syntax in the file: URI the database is opened through.
    plain = tmp_path / "client.db"
    Cli(plain).ok("init")
    for name in ("client.db#backup", "a?b.db", "x%20y.db", "Zürich 2026.db"):
        path = tmp_path / name
        cli = Cli(path)
        assert cli.ok("init").stdout == f"created database {path} (schema revision {HEAD_REVISION})\n"
        cli.ok("brand", "add", name, "--daily", "1", "--monthly", "none")
        assert query(path, "SELECT name FROM brand") == [(name,)]
        assert [b["brand"] for b in json.loads(cli.ok("brand", "list", "--json").stdout)] == [name]
    assert query(plain, "SELECT COUNT(*) FROM brand") == [(0,)]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == sorted(
        ["client.db", "client.db#backup", "a?b.db", "x%20y.db", "Zürich 2026.db"])
    # A path that starts with // is a path too (not a file: URI's host).
    double = Cli(Path("/" + str(tmp_path / "double.db")))
    double.ok("init")
    assert (tmp_path / "double.db").exists()


def test_a_password_typed_with_an_at_sign_is_masked_whole() -> None:
    from budgetctl.store.db import mask

    raw = "postgresql+psycopg://postgres:s3c@retPW@127.0.0.1:5439/qa"
    # Refused, with all of it masked: SQLAlchemy would read the password to its first '@'.
    with pytest.raises(DatabaseError) as refused:
        resolve_url(raw)
    assert refused.value.message == (
        "--db 'postgresql+psycopg://postgres:***@127.0.0.1:5439/qa': its password holds an '@': "
        "write it percent-encoded, '@' as %40 (and '%' as %25)"
    )
    text = mask(f"cannot connect to {raw}: failed to resolve host 'retPW@127.0.0.1'")
    assert "retPW" not in text and "s3c" not in text
    assert text.startswith("cannot connect to postgresql+psycopg://postgres:***@127.0.0.1:5439/qa")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (
            "postgresql+psycopg://budget:p@ss:w/rd@db.internal:5432/budget",
            "postgresql+psycopg://budget:***@db.internal:5432/budget",
        ),
        (
            "postgresql+psycopg://budget:Tr0ub4dor@x/y@db.internal/budget",
            "postgresql+psycopg://budget:***@db.internal/budget",
        ),
    ],
)
def test_no_piece_of_a_password_with_an_at_sign_reaches_cron_mail(
    cli: Cli, raw: str, shown: str
) -> None:
    # Set in a crontab: the error names the variable, and shows none of the password.
    run = cli("brand", "list", env={"BUDGETCTL_DB": raw})
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
        f"error: $BUDGETCTL_DB '{shown}': its password holds an '@': write it percent-encoded, "
        "'@' as %40 (and '%' as %25)\n"))
    run = cli("--db", raw, "brand", "list")
    assert run.stderr.startswith(f"error: --db '{shown}'")


def test_a_row_reader_left_open_past_its_connection_closes_quietly(tmp_path: Path) -> None:
    # Ctrl-C unwinds a pass with a row reader half read: the connection closes first, and the
    # reader's clean-up then ran on it ("Exception ignored in: <generator object fetch_rows>",
    # a traceback on stderr).
    from budgetctl.store.db import fetch_rows

    path = tmp_path / "budget.db"
    Cli(path).ok("init")
    engine = sa.create_engine(f"sqlite:///{path}")
    conn = engine.connect()
    rows = fetch_rows(conn, "SELECT name FROM pass_run UNION ALL SELECT 'x'")
    assert next(rows) == ("init",)
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.close()
    rows.close()  # raised sqlite3.ProgrammingError: Cannot operate on a closed database
    with pytest.raises(StopIteration):
        next(rows)
    conn.invalidate()
    engine.dispose()
