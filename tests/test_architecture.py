"""The dependency rules of ARCHITECTURE.md, held by tests.

* ``budgetctl/domain`` imports only the standard library and itself, so the rule
  that decides whether a campaign may run stays a pure function.
* ``budgetctl --help`` and ``--version`` start light: no SQLAlchemy, SQLModel or
  Alembic is imported for them.
* Commands whose option values need no converting do not import pydantic (Typer's
  value checks), so a cron pass does not pay for it.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli

import budgetctl

PACKAGE = Path(budgetctl.__file__).resolve().parent
DOMAIN = PACKAGE / "domain"
DOMAIN_FILES = sorted(DOMAIN.rglob("*.py"))


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every absolute module an import statement in ``path`` names, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside budgetctl.domain by construction
                found.append((node.lineno, "budgetctl.domain"))
            elif node.module is not None:
                found.append((node.lineno, node.module))
    return found


def _allowed(module: str) -> bool:
    top = module.split(".")[0]
    if top == "budgetctl":
        return module == "budgetctl.domain" or module.startswith("budgetctl.domain.")
    return top in sys.stdlib_module_names or top == "__future__"


def test_domain_has_modules() -> None:
    names = {p.name for p in DOMAIN_FILES}
    assert {"money.py", "periods.py", "schedule.py", "decide.py", "errors.py"} <= names


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: p.name)
def test_domain_imports_only_stdlib_and_domain(path: Path) -> None:
    bad = [f"{path.name}:{line}: {module}" for line, module in _imports(path) if not _allowed(module)]
    assert bad == []


def test_the_import_check_catches_forbidden_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nimport sqlalchemy as sa\nfrom budgetctl.store import db\n"
        "from budgetctl.domain.money import parse_micros\nfrom rich.markup import escape\n"
        "def f():\n    import typer\n"
    )
    bad = [m for _, m in _imports(sample) if not _allowed(m)]
    assert bad == ["sqlalchemy", "budgetctl.store", "rich.markup", "typer"]


HEAVY = ("sqlalchemy", "sqlmodel", "alembic")

_PROBE = f"""
import sys
from budgetctl.cli.app import app
try:
    app(sys.argv[1:], prog_name="budgetctl")
except SystemExit as exc:
    code = exc.code
print("EXIT", code, file=sys.stderr)
print("LOADED", " ".join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [["--version"], ["--help"], ["brand", "--help"], ["spend", "record", "--help"]],
    ids=" ".join,
)
def test_start_up_does_not_load_the_database_stack(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=60
    )
    assert proc.stderr.splitlines()[-2:] == ["EXIT 0", "LOADED "], proc.stderr
    if args == ["--version"]:
        assert proc.stdout == f"budgetctl {budgetctl.__version__}\n"
    else:
        assert "Usage: budgetctl" in proc.stdout


_PYDANTIC_PROBE = """
import sys
from budgetctl.cli.app import app
try:
    app(sys.argv[1:], prog_name="budgetctl")
except SystemExit as exc:
    code = exc.code
print("EXIT", code, "PYDANTIC", "pydantic" in sys.modules, file=sys.stderr)
"""


def _probe_pydantic(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BUDGETCTL_DB": str(db), "BUDGETCTL_NOW": "2026-12-03T10:00:00Z"}
    return subprocess.run(
        [sys.executable, "-c", _PYDANTIC_PROBE, *args],
        capture_output=True, text=True, timeout=60, env=env,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["daypart"],
        ["enforce", "--dry-run", "--json"],
        ["reset", "--now", "2026-12-03T10:00:00+00:00", "-v"],
        ["history"],
        ["spend", "batches", "--json"],
        ["brand", "show", "Acme", "--json"],
        ["daypart", "--help"],
    ],
    ids=" ".join,
)
def test_plain_option_values_skip_pydantic(args: list[str], ready: Cli, db_path: Path) -> None:
    """Typer would import pydantic (about 60 ms) to check values that are already strings,
    whole numbers left at their default, or flags: cron's passes do without it."""
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "1000")
    proc = _probe_pydantic(args, db_path)
    assert proc.stderr.splitlines()[-1] == "EXIT 0 PYDANTIC False", proc.stderr


def test_a_value_that_needs_converting_gets_typers_own_checks(ready: Cli, db_path: Path) -> None:
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "1000")
    ready.ok("campaign", "add", "Acme", "Search")
    for amount in ("1.00", "2.00", "3.00"):
        ready.ok("spend", "record", "Acme", "Search", amount)
    proc = _probe_pydantic(["spend", "list", "--limit", "2", "--json"], db_path)
    assert proc.stderr.splitlines()[-1] == "EXIT 0 PYDANTIC True", proc.stderr
    assert [e["amount"] for e in json.loads(proc.stdout)] == ["2.00", "3.00"]
    proc = _probe_pydantic(["spend", "list", "--limit", "two"], db_path)
    assert proc.stderr.splitlines() == [
        "error: Invalid value for '--limit': not a whole number (see 'budgetctl spend list --help')",
        "EXIT 2 PYDANTIC True",
    ]
