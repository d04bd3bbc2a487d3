"""``budgetctl db ...``: the database as a whole (moving it to another server)."""

from __future__ import annotations

from typing import Annotated

import typer

from budgetctl.cli import render
from budgetctl.cli.app import context

app = typer.Typer(
    help="The database itself: copy it into another one (SQLite to PostgreSQL).\n\n"
    "\b\nExample: budgetctl db copy --to postgresql+psycopg://budget@db.internal/budget",
    no_args_is_help=True,
)


@app.command("copy")
def copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The target: an empty database (an SQLAlchemy URL such as "
            "postgresql+psycopg://user@host/db, or a file path for SQLite).",
        ),
    ],
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Copy this database into an empty one and verify the copy.

    Creates the target's schema, copies every table keeping ids, moves the
    target's id sequences past the copied ids, then checks row counts and
    per-brand, per-day spend totals on both sides. Any difference rolls the
    copy back (exit 1). Stop cron and other writers while it runs.

    \b
    Example: budgetctl --db budget.db db copy --to postgresql+psycopg://budget@db.internal/budget
    """
    from budgetctl.domain.money import format_nets
    from budgetctl.services.copy import copy_database

    report = copy_database(context(ctx).db, to)
    if json_out:
        render.emit_json(
            {
                "source": report.source,
                "target": report.target,
                "created_schema": report.created_schema,
                "rows": report.rows,
                "spend_buckets": report.buckets,
                "verified": True,
            }
        )
        return
    render.out(f"copied {report.source} -> {report.target}")
    if report.created_schema:
        render.out("  created the budgetctl schema in the target")
    for table, n in report.rows.items():
        render.out(f"  {table}: {n} {'row' if n == 1 else 'rows'}")
    if report.sequences:
        render.out("  id sequences continue after the copied ids")
    nets = f" (net {format_nets(report.nets)})" if report.nets else ""
    render.out(
        f"verified: row counts of {len(report.rows)} tables ({report.total_rows} rows) and "
        f"{report.buckets} per-brand, per-day spend totals{nets} are equal on both sides"
    )
