"""import batches keep their net amount per currency; files without ids two digests

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 02:00:00

A batch over brands of several currencies kept one net, their sum, which means nothing:
``import_batch.nets`` holds each currency's (a JSON object of currency code to micros), for
``spend batches`` and ``spend undo`` to show. Existing batches get theirs from the ledger.

A generic file without ids was known by one digest of its rows, by campaign id and instant,
so after ``brand set --tz`` or a campaign removed and added again the same file read as new.
``import_file.content_hash`` now holds the rows as read and ``import_file.instant_hash``
the digest by instant (earlier batches' ``content_hash``, which stays as it is).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("import_file", sa.Column("instant_hash", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_import_file_instant_hash"), "import_file", ["instant_hash"])
    op.add_column("import_batch", sa.Column("nets", sa.Text(), nullable=True))
    conn = op.get_bind()
    nets: dict[int, dict[str, int]] = {}
    for batch, currency, total in conn.execute(
        sa.text(
            "SELECT s.batch_id, b.currency, SUM(s.amount) FROM spend_entry s "
            "JOIN brand b ON b.id = s.brand_id WHERE s.batch_id IS NOT NULL "
            "GROUP BY s.batch_id, b.currency"
        )
    ):
        nets.setdefault(int(batch), {})[currency] = int(total)
    ids = [int(r[0]) for r in conn.execute(sa.text("SELECT id FROM import_batch"))]
    if ids:
        conn.execute(
            sa.text("UPDATE import_batch SET nets = :n WHERE id = :id"),
            [{"id": i, "n": json.dumps(nets.get(i, {}), sort_keys=True)} for i in ids],
        )


def downgrade() -> None:
    op.drop_column("import_batch", "nets")
    op.drop_index(op.f("ix_import_file_instant_hash"), table_name="import_file")
    op.drop_column("import_file", "instant_hash")
