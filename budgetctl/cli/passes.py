"""``budgetctl enforce|daypart|reset``: the passes cron runs."""

from __future__ import annotations

from typing import Annotated

import typer

from budgetctl.cli import render
from budgetctl.cli.app import context

NowOpt = Annotated[
    str | None,
    typer.Option("--now", help="Evaluate at this ISO 8601 time with offset (default: now)."),
]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
VerboseOpt = Annotated[
    bool, typer.Option("-v", "--verbose", help="Explain each change and summarise.")
]


def _run(
    ctx: typer.Context, name: str, now: str | None, dry_run: bool, json_: bool, verbose: bool
) -> None:
    from budgetctl.domain.money import format_budget, format_money
    from budgetctl.services.passes import run_pass

    c = context(ctx, now=now)
    report = run_pass(c, name, dry_run=dry_run)
    if json_:
        data = {
            "pass": name,
            "now": c.now.isoformat(),
            "dry_run": dry_run,
            "changes": [ch.as_json() for ch in report.changes],
        }
        render.emit_json(data)
        return
    prefix = "would: " if dry_run else ""
    if verbose:
        for closed in report.closed:
            render.out(
                f"{prefix}closed {closed.kind} {closed.label} for {closed.brand}: spent "
                f"{format_money(closed.spend)} of {format_budget(closed.budget)}"
            )
    render.changes(report.changes, verbose=verbose, prefix=prefix)
    if verbose:
        from budgetctl.services.base import counted

        evaluated = counted(report.evaluated, "campaign", "campaigns")
        render.out(
            f"{name} at {c.now.isoformat()}: {evaluated} evaluated, "
            f"{len(report.changes)} changed" + (", dry run: nothing written" if dry_run else "")
        )


def register(app: typer.Typer) -> None:
    @app.command("enforce")
    def enforce(
        ctx: typer.Context,
        now: NowOpt = None,
        dry_run: DryOpt = False,
        json_: JsonOpt = False,
        verbose: VerboseOpt = False,
    ) -> None:
        """Evaluate every campaign against budgets, holds and schedules; apply the changes.

        Silent when nothing changed; one line per change otherwise. Cron: every 5 minutes.

        \b
        Example: budgetctl enforce --dry-run -v
        """
        _run(ctx, "enforce", now, dry_run, json_, verbose)

    @app.command("daypart")
    def daypart(
        ctx: typer.Context,
        now: NowOpt = None,
        dry_run: DryOpt = False,
        json_: JsonOpt = False,
        verbose: VerboseOpt = False,
    ) -> None:
        """Evaluate the campaigns that have a schedule. Cron: every minute.

        \b
        Example: budgetctl daypart --now 2026-11-25T09:00:00-05:00 --json
        """
        _run(ctx, "daypart", now, dry_run, json_, verbose)

    @app.command("reset")
    def reset(
        ctx: typer.Context,
        now: NowOpt = None,
        dry_run: DryOpt = False,
        json_: JsonOpt = False,
        verbose: VerboseOpt = False,
    ) -> None:
        """Close every brand day and month that ended (catching up missed ones), then evaluate all.

        Records each closed period's final spend and budget. Harmless at any time. Cron: just
        after midnight, or hourly when brands span time zones. A --now later than the clock
        closes only what has ended by the clock.

        \b
        Example: budgetctl reset -v
        """
        _run(ctx, "reset", now, dry_run, json_, verbose)
