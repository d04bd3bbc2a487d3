"""Shared fixtures: a real temporary SQLite database and the real CLI.

Every test runs with ``$BUDGETCTL_DB`` pointing at a file under ``tmp_path``,
``$XDG_DATA_HOME`` inside ``tmp_path`` (so nothing touches the user's data) and
a fixed actor. Time is given per command with ``now=`` (``$BUDGETCTL_NOW``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from budgetctl.cli.app import app

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
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
def ready(cli: Cli, db_path: Path, initialised: Path) -> Cli:
    """A CLI over a freshly initialised database (a copy of :func:`initialised`)."""
    source, target = sqlite3.connect(initialised), sqlite3.connect(db_path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return cli


def dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for 'the database is unchanged' assertions."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
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


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
