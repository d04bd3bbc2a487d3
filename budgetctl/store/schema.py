"""The schema revision this budgetctl reads and writes.

Kept apart from the migrations so that checking a database's revision on every
command is one ``SELECT`` compared with a constant, without importing Alembic.
Migration files are named after their revision (``0001_initial.py``), so the
revisions this budgetctl can upgrade from are known from the file names alone.
Tests check both facts against Alembic itself.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

HEAD_REVISION = "0003"

_VERSIONS = Path(__file__).with_name("migrations") / "versions"


@lru_cache(maxsize=1)
def shipped_revisions() -> frozenset[str]:
    """Every revision among the shipped migrations (the head included)."""
    return frozenset(p.name.split("_", 1)[0] for p in _VERSIONS.glob("[0-9]*_*.py") if p.is_file())
