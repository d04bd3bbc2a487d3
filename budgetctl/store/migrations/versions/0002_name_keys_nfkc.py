"""name keys compare names in Unicode NFKC with case folding

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:20:00

``name_key`` was the trimmed, case-folded name, so ``Café`` typed with a combining accent
(as macOS pastes it) or in full-width letters was another brand. Keys are now NFKC with
case folding (``budgetctl.services.base.name_key``); this recomputes the stored ones and
refuses, naming them, two live names that the new rule makes one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(name: str) -> str:
    # Frozen here as this revision defines it (services.base.name_key is the same today).
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name.strip()).casefold())


def _rekey(table: str, scope: str) -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(f"SELECT id, {scope}, name, name_key FROM {table} WHERE name_key IS NOT NULL")
    ).all()
    owners: dict[tuple[object, str], str] = {}
    changed = []
    for row_id, group, name, old in rows:
        new = _key(name)
        other = owners.setdefault((group, new), name)
        if other != name:
            from budgetctl.domain.errors import Conflict

            raise Conflict(
                f"{table}s {other!r} and {name!r} are one name now that names compare in Unicode "
                "NFKC without regard to case: rename one with the budgetctl that wrote this "
                "database, then run 'budgetctl init' again"
            )
        if new != old:
            changed.append({"id": row_id, "k": new})
    # Through a unique placeholder first, so that no two rows hold one key in between. (A
    # control character, which no name has; not NUL, which PostgreSQL's text cannot hold.)
    update = sa.text(f"UPDATE {table} SET name_key = :k WHERE id = :id")
    if changed:
        conn.execute(update, [{"id": c["id"], "k": f"\x01{c['id']}"} for c in changed])
        conn.execute(update, changed)


def upgrade() -> None:
    _rekey("brand", "0")
    _rekey("campaign", "brand_id")


def downgrade() -> None:
    conn = op.get_bind()
    for table in ("brand", "campaign"):
        for row_id, name in conn.execute(
            sa.text(f"SELECT id, name FROM {table} WHERE name_key IS NOT NULL")
        ).all():
            conn.execute(
                sa.text(f"UPDATE {table} SET name_key = :k WHERE id = :id"),
                {"id": row_id, "k": name.strip().casefold()},
            )
