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

        render.out(init_database(context(ctx).db))

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

        \b
        Example: budgetctl demo
        """
        from budgetctl.services.demo import run_demo

        run_demo(db)
