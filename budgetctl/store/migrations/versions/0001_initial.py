"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 14:59:39.091508
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "brand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=True),
        sa.Column("daily_budget", sa.BigInteger(), nullable=True),
        sa.Column("monthly_budget", sa.BigInteger(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("closed_through", sa.String(length=10), nullable=False),
        sa.Column("removed_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand")),
        sa.UniqueConstraint("name_key", name=op.f("uq_brand_name_key")),
    )
    op.create_table(
        "event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("command", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("brand", sa.String(length=200), nullable=True),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_brand_id_at"), ["brand_id", "at"], unique=False)

    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("entries_written", sa.BigInteger(), nullable=False),
        sa.Column("unchanged", sa.BigInteger(), nullable=False),
        sa.Column("skipped", sa.BigInteger(), nullable=False),
        sa.Column("net_amount", sa.BigInteger(), nullable=False),
        sa.Column("undoes", sa.Integer(), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["undoes"], ["import_batch.id"], name=op.f("fk_import_batch_undoes_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["undone_by"], ["import_batch.id"], name=op.f("fk_import_batch_undone_by_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    op.create_table(
        "pass_run",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("last_run_at", sa.BigInteger(), nullable=False),
        sa.Column("last_now", sa.BigInteger(), nullable=False),
        sa.Column("changes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pass_run")),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reasons", sa.String(length=100), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("hold_note", sa.Text(), nullable=True),
        sa.Column("schedule_tz", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("removed_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brand.id"], name=op.f("fk_campaign_brand_id_brand")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
        sa.UniqueConstraint("brand_id", "name_key", name=op.f("uq_campaign_brand_id_name_key")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_external_id"), ["external_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_name_key"), ["name_key"], unique=False)

    op.create_table(
        "import_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_import_file_batch_id_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_file")),
    )
    with op.batch_alter_table("import_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_file_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_import_file_content_hash"), ["content_hash"], unique=False
        )

    op.create_table(
        "period_close",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("first_day", sa.String(length=10), nullable=False),
        sa.Column("spend", sa.BigInteger(), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brand.id"], name=op.f("fk_period_close_brand_id_brand")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_close")),
        sa.UniqueConstraint(
            "brand_id", "kind", "first_day", name=op.f("uq_period_close_brand_id_kind_first_day")
        ),
    )
    op.create_table(
        "schedule_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("spec", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_schedule_window_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_window")),
    )
    with op.batch_alter_table("schedule_window", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_schedule_window_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "spend_entry",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("idem_key", sa.String(length=300), nullable=True),
        sa.Column("snapshot_key", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_spend_entry_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brand.id"], name=op.f("fk_spend_entry_brand_id_brand")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_spend_entry_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spend_entry")),
    )
    with op.batch_alter_table("spend_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_spend_entry_batch_id",
            ["batch_id"],
            unique=False,
            sqlite_where=sa.text("batch_id IS NOT NULL"),
            postgresql_where=sa.text("batch_id IS NOT NULL"),
        )
        batch_op.create_index(
            batch_op.f("ix_spend_entry_brand_id_occurred_at_amount"),
            ["brand_id", "occurred_at", "amount"],
            unique=False,
        )
        batch_op.create_index(
            "ix_spend_entry_idem_key",
            ["idem_key"],
            unique=False,
            sqlite_where=sa.text("idem_key IS NOT NULL"),
            postgresql_where=sa.text("idem_key IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_spend_entry_snapshot_key_campaign_id",
            ["snapshot_key", "campaign_id"],
            unique=False,
            sqlite_where=sa.text("snapshot_key IS NOT NULL"),
            postgresql_where=sa.text("snapshot_key IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("spend_entry", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_spend_entry_snapshot_key_campaign_id",
            sqlite_where=sa.text("snapshot_key IS NOT NULL"),
            postgresql_where=sa.text("snapshot_key IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_spend_entry_idem_key",
            sqlite_where=sa.text("idem_key IS NOT NULL"),
            postgresql_where=sa.text("idem_key IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_spend_entry_brand_id_occurred_at_amount"))
        batch_op.drop_index(
            "ix_spend_entry_batch_id",
            sqlite_where=sa.text("batch_id IS NOT NULL"),
            postgresql_where=sa.text("batch_id IS NOT NULL"),
        )

    op.drop_table("spend_entry")
    with op.batch_alter_table("schedule_window", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_window_campaign_id"))

    op.drop_table("schedule_window")
    op.drop_table("period_close")
    with op.batch_alter_table("import_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_file_content_hash"))
        batch_op.drop_index(batch_op.f("ix_import_file_batch_id"))

    op.drop_table("import_file")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_name_key"))
        batch_op.drop_index(batch_op.f("ix_campaign_external_id"))

    op.drop_table("campaign")
    op.drop_table("pass_run")
    op.drop_table("import_batch")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_brand_id_at"))
        batch_op.drop_index(batch_op.f("ix_event_at"))

    op.drop_table("event")
    op.drop_table("brand")
