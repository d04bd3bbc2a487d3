"""The dependency rules of ARCHITECTURE.md, held by tests.

* ``budgetctl/domain`` imports only the standard library and itself, so the rule
  that decides whether a campaign may run stays a pure function.
* ``budgetctl --help`` and ``--version`` start light: no SQLAlchemy, SQLModel or
  Alembic is imported for them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

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
