"""The tables, as SQLModel classes.

Conventions that hold everywhere:

* Money is ``BIGINT`` micros (see :mod:`budgetctl.domain.money`).
* Instants are ``BIGINT`` microseconds since the Unix epoch, UTC by definition:
  the same bytes on SQLite and PostgreSQL, exact range comparisons, compact
  indexes. :mod:`budgetctl.domain.instants` converts them to aware datetimes.
* The ledger (``spend_entry``) is append-only: nothing updates or deletes a row.
  Removing a brand or campaign marks it removed (``removed_at``) and frees its
  name (``name_key`` becomes NULL); its spend stays in the ledger and in history.
* ``name_key`` is the trimmed, case-folded NFKC name: names are unique without regard
  to case, and imports match on it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _bigint(nullable: bool = False, **kw: object) -> Column[int]:
    return Column(BigInteger, nullable=nullable, **kw)  # type: ignore[arg-type]


class Brand(SQLModel, table=True):
    __tablename__ = "brand"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    name_key: str | None = Field(default=None, sa_column=Column(String(200), unique=True))
    daily_budget: int | None = Field(default=None, sa_column=_bigint(True))
    monthly_budget: int | None = Field(default=None, sa_column=_bigint(True))
    timezone: str = Field(sa_column=Column(String(64), nullable=False))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    created_at: int = Field(sa_column=_bigint())
    closed_through: str = Field(sa_column=Column(String(10), nullable=False))
    removed_at: int | None = Field(default=None, sa_column=_bigint(True))


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"
    __table_args__ = (
        UniqueConstraint("brand_id", "name_key"),
        Index(None, "external_id"),
        Index(None, "name_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(sa_column=Column(Integer, ForeignKey("brand.id"), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    name_key: str | None = Field(default=None, sa_column=Column(String(200)))
    external_id: str | None = Field(default=None, sa_column=Column(String(100)))
    state: str = Field(sa_column=Column(String(10), nullable=False))
    reasons: str = Field(sa_column=Column(String(100), nullable=False))
    held: int = Field(sa_column=Column(Integer, nullable=False))
    hold_note: str | None = Field(default=None, sa_column=Column(Text))
    schedule_tz: str | None = Field(default=None, sa_column=Column(String(64)))
    created_at: int = Field(sa_column=_bigint())
    removed_at: int | None = Field(default=None, sa_column=_bigint(True))


class ScheduleWindow(SQLModel, table=True):
    __tablename__ = "schedule_window"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaign.id"), nullable=False, index=True)
    )
    position: int = Field(sa_column=Column(Integer, nullable=False))
    spec: str = Field(sa_column=Column(String(100), nullable=False))


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    created_at: int = Field(sa_column=_bigint())
    actor: str = Field(sa_column=Column(String(100), nullable=False))
    format: str = Field(sa_column=Column(String(20), nullable=False))
    files: str = Field(sa_column=Column(Text, nullable=False))
    rows: int = Field(sa_column=_bigint())
    entries_written: int = Field(sa_column=_bigint())
    unchanged: int = Field(sa_column=_bigint())
    skipped: int = Field(sa_column=_bigint())
    net_amount: int = Field(sa_column=_bigint())
    undoes: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("import_batch.id"))
    )
    undone_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("import_batch.id"))
    )
    # Each currency's net (JSON: code -> micros): one sum across currencies means nothing.
    nets: str | None = Field(default=None, sa_column=Column(Text))


class ImportFile(SQLModel, table=True):
    """One file of an import batch, with the SHA-256 of its bytes.

    A generic file without ids cannot be re-imported safely (its rows would count
    twice); its hash is how a later import recognises it.
    """

    __tablename__ = "import_file"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(
        sa_column=Column(Integer, ForeignKey("import_batch.id"), nullable=False, index=True)
    )
    position: int = Field(sa_column=Column(Integer, nullable=False))
    name: str = Field(sa_column=Column(Text, nullable=False))
    content_hash: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    # A file without ids: its rows' content by instant and campaign id, beside
    # ``content_hash``'s rows as read (each catches what the other misses: a time written
    # again with its offset, a brand's new zone). Earlier batches kept this one as their
    # ``content_hash``.
    instant_hash: str | None = Field(default=None, sa_column=Column(String(64), index=True))


class SpendEntry(SQLModel, table=True):
    __tablename__ = "spend_entry"
    __table_args__ = (
        # "this brand's spend in [start, end)" is a range scan of this covering index.
        Index(None, "brand_id", "occurred_at", "amount"),
        # Partial indexes: only the rows that carry the key pay for its index, so a
        # million-row generic import does not maintain snapshot or batch-less entries.
        Index(
            "ix_spend_entry_snapshot_key_campaign_id",
            "snapshot_key",
            "campaign_id",
            sqlite_where=text("snapshot_key IS NOT NULL"),
            postgresql_where=text("snapshot_key IS NOT NULL"),
        ),
        Index(
            "ix_spend_entry_idem_key",
            "idem_key",
            sqlite_where=text("idem_key IS NOT NULL"),
            postgresql_where=text("idem_key IS NOT NULL"),
        ),
        Index(
            "ix_spend_entry_batch_id",
            "batch_id",
            sqlite_where=text("batch_id IS NOT NULL"),
            postgresql_where=text("batch_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    brand_id: int = Field(sa_column=Column(Integer, ForeignKey("brand.id"), nullable=False))
    campaign_id: int = Field(sa_column=Column(Integer, ForeignKey("campaign.id"), nullable=False))
    amount: int = Field(sa_column=_bigint())
    occurred_at: int = Field(sa_column=_bigint())
    recorded_at: int = Field(sa_column=_bigint())
    source: str = Field(sa_column=Column(String(10), nullable=False))
    batch_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("import_batch.id"))
    )
    actor: str = Field(sa_column=Column(String(100), nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text))
    idem_key: str | None = Field(default=None, sa_column=Column(String(300)))
    snapshot_key: str | None = Field(default=None, sa_column=Column(String(40)))


class Event(SQLModel, table=True):
    """History: what changed, when, by whom and through which command."""

    __tablename__ = "event"
    __table_args__ = (Index(None, "brand_id", "at"), Index(None, "at"))

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    at: int = Field(sa_column=_bigint())
    actor: str = Field(sa_column=Column(String(100), nullable=False))
    command: str = Field(sa_column=Column(String(40), nullable=False))
    kind: str = Field(sa_column=Column(String(40), nullable=False))
    brand_id: int | None = Field(default=None, sa_column=Column(Integer))
    campaign_id: int | None = Field(default=None, sa_column=Column(Integer))
    brand: str | None = Field(default=None, sa_column=Column(String(200)))
    campaign: str | None = Field(default=None, sa_column=Column(String(200)))
    message: str = Field(sa_column=Column(Text, nullable=False))
    detail: str | None = Field(default=None, sa_column=Column(Text))


class PeriodClose(SQLModel, table=True):
    """A brand day or month closed by ``reset``, with its final spend and budget."""

    __tablename__ = "period_close"
    __table_args__ = (UniqueConstraint("brand_id", "kind", "first_day"),)

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(sa_column=Column(Integer, ForeignKey("brand.id"), nullable=False))
    kind: str = Field(sa_column=Column(String(5), nullable=False))
    first_day: str = Field(sa_column=Column(String(10), nullable=False))
    spend: int = Field(sa_column=_bigint())
    budget: int | None = Field(default=None, sa_column=_bigint(True))
    closed_at: int = Field(sa_column=_bigint())


class PassRun(SQLModel, table=True):
    """When each pass last ran (for ``doctor``)."""

    __tablename__ = "pass_run"

    name: str = Field(sa_column=Column(String(20), primary_key=True))
    last_run_at: int = Field(sa_column=_bigint())
    last_now: int = Field(sa_column=_bigint())
    changes: int = Field(sa_column=_bigint())
