"""``budgetctl init|demo|db``: the database itself, and the guided tour."""

from __future__ import annotations

from typing import Annotated

import typer

from budgetctl.cli import render
from budgetctl.cli.app import context


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(ctx: typer.Context) -> None:
        """Create the database, or upgrade its schema to this version's. Idempotent.

        \b
        Example: budgetctl --db /var/lib/budgetctl/budget.db init
        """
        from budgetctl.services.setup import init_database

        c = context(ctx)
        render.out(init_database(c.db, created_at=c.ran_at_us))

    @app.command("demo")
    def demo(
        ctx: typer.Context,
        db: Annotated[
            str | None,
            typer.Option(
                "--db", help="Build the sample agency here (default: a fresh temporary database)."
            ),
        ] = None,
    ) -> None:
        """Build a sample agency, import sample exports, run the passes through a day, show the result.

        The database is the one --db names, before or after 'demo' (it must not exist yet);
        $BUDGETCTL_DB is not used, so the demo never writes into a real agency's database.

        \b
        Example: budgetctl demo
        """
        from budgetctl.services.demo import run_demo

        root = ctx.find_root().obj or {}
        if db is None and root.get("db_given"):
            db = root["db"]
        run_demo(db)
