"""Shared fixtures: a real temporary database and the real CLI.

Every test runs with ``$BUDGETCTL_DB`` pointing at a file under ``tmp_path``,
``$XDG_DATA_HOME`` inside ``tmp_path`` (so nothing touches the user's data) and
a fixed actor. Time is given per command with ``now=`` (``$BUDGETCTL_NOW``).

A module that sets ``ENGINES = both_engines()`` and uses :func:`engine_db` as its
``db_path`` runs every test on SQLite and, when ``$BUDGETCTL_TEST_POSTGRES_URL``
names a server, on PostgreSQL too: one database for the session, created and
initialised once, emptied before each test and dropped at the end. ``query`` and
``dump`` read either engine.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from budgetctl.cli.app import app
from budgetctl.services.copy import TABLES

PG_URL = os.environ.get("BUDGETCTL_TEST_POSTGRES_URL", "")
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DATA = Path(__file__).resolve().parent / "data"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


class Cli:
    """Runs ``budgetctl`` in-process through Typer's CliRunner."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(
        self,
        *args: str,
        now: str | None = None,
        input: str | bytes | None = None,
        env: dict[str, str] | None = None,
    ) -> Run:
        environ = {"BUDGETCTL_DB": str(self.db)}
        if now is not None:
            environ["BUDGETCTL_NOW"] = now
        environ.update(env or {})
        result = self.runner.invoke(
            app, list(args), env=environ, input=input, catch_exceptions=False
        )
        return Run(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, now: str | None = None, input: str | bytes | None = None) -> Run:
        run = self(*args, now=now, input=input)
        assert run.exit_code == 0, f"{args} failed ({run.exit_code}): {run.stderr}{run.stdout}"
        return run


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("BUDGETCTL_ACTOR", "tester")
    monkeypatch.delenv("BUDGETCTL_DB", raising=False)
    monkeypatch.delenv("BUDGETCTL_NOW", raising=False)
    monkeypatch.delenv("BUDGETCTL_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "budget.db"


@pytest.fixture
def cli(db_path: Path) -> Cli:
    return Cli(db_path)


@pytest.fixture(scope="session")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database made by the real ``budgetctl init``, copied for each test (init is slow;
    ``init`` itself is tested on fresh files in test_database.py)."""
    path = tmp_path_factory.mktemp("template") / "budget.db"
    Cli(path).ok("init")
    return path


@pytest.fixture
def ready(cli: Cli, db_path: Path | str, request: pytest.FixtureRequest) -> Cli:
    """A CLI over a freshly initialised database (a copy of :func:`initialised`, or an
    emptied PostgreSQL database)."""
    if is_url(db_path):
        return cli  # engine_db empties the PostgreSQL database before each test
    initialised = request.getfixturevalue("initialised")
    source, target = sqlite3.connect(initialised), sqlite3.connect(db_path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return cli


# -- both engines ----------------------------------------------------------------------------

PG_TABLES = ", ".join(TABLES)


def both_engines() -> list[str]:
    """SQLite always; PostgreSQL when a server is given (test_postgres.py says when it is not)."""
    return ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def is_url(db: Path | str) -> bool:
    return isinstance(db, str) and "://" in db


def _pg_engine(url: str) -> Any:
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    return sa.create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")


def _pg_execute(url: str, *statements: str) -> None:
    engine = _pg_engine(url)
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_session_db() -> Iterator[str]:
    """One initialised PostgreSQL database for the session's both-engine tests."""
    if not PG_URL:
        pytest.skip(
            "PostgreSQL tests need $BUDGETCTL_TEST_POSTGRES_URL, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
    from sqlalchemy.engine import make_url

    name = f"bc_suite_{uuid.uuid4().hex[:12]}"
    _pg_execute(PG_URL, f'CREATE DATABASE "{name}"')
    url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=name)
    text = url.render_as_string(hide_password=False)
    try:
        cli = Cli(Path("unused"))
        cli.db = text  # type: ignore[assignment]
        cli.ok("init")
        yield text
    finally:
        _pg_execute(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def engine_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """``db_path`` for a both-engine module: a file, or the session's PostgreSQL URL."""
    if request.param == "postgresql":
        url = str(request.getfixturevalue("pg_session_db"))
        _pg_execute(url, f"TRUNCATE {PG_TABLES} RESTART IDENTITY CASCADE")
        return url
    return tmp_path / "budget.db"


def sqlite_only(db: Path | str) -> None:
    """For a test about SQLite files themselves (damage, journal mode)."""
    if is_url(db):
        pytest.skip("about SQLite files")


def dump(db: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for 'the database is unchanged' assertions."""
    if is_url(db):
        names = [
            r[0]
            for r in query(
                db,
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY table_name",
            )
        ]
        return {n: sorted(query(db, f'SELECT * FROM "{n}"'), key=repr) for n in names}
    conn = sqlite3.connect(f"file:{quote(str(db), safe='/')}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        conn.close()


def execute(db: Path | str, sql: str) -> None:
    """A change made behind budgetctl's back (what no command does), on either engine."""
    if is_url(db):
        _pg_execute(str(db), sql)
        return
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute(sql)
    finally:
        conn.close()


def as_revision_0002(db: Path | str) -> None:
    """The database as schema revision 0002 left it (0003 added ``import_batch.nets`` and
    ``import_file.instant_hash``); ``init`` upgrades it again."""
    execute(db, "DROP INDEX ix_import_file_instant_hash")
    execute(db, "ALTER TABLE import_file DROP COLUMN instant_hash")
    execute(db, "ALTER TABLE import_batch DROP COLUMN nets")
    execute(db, "UPDATE alembic_version SET version_num = '0002'")


def back_to_head(db: Path | str) -> None:
    """Undo :func:`as_revision_0002` by hand (a test whose upgrade was refused)."""
    from budgetctl.store.schema import HEAD_REVISION

    execute(db, "ALTER TABLE import_batch ADD COLUMN nets TEXT")
    execute(db, "ALTER TABLE import_file ADD COLUMN instant_hash VARCHAR(64)")
    execute(db, "CREATE INDEX ix_import_file_instant_hash ON import_file (instant_hash)")
    execute(db, f"UPDATE alembic_version SET version_num = '{HEAD_REVISION}'")


def query(db: Path | str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (``?`` placeholders) on either engine."""
    if is_url(db):
        engine = _pg_engine(str(db))
        try:
            with engine.connect() as conn:
                # psycopg's placeholders are %s: a literal % (LIKE 'import%') is written %%.
                statement = sql.replace("%", "%%").replace("?", "%s")
                result = conn.exec_driver_sql(statement, tuple(params))
                return [tuple(r) for r in result]
        finally:
            engine.dispose()
    conn = sqlite3.connect(f"file:{quote(str(db), safe='/')}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
