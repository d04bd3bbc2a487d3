"""``budgetctl status|history|doctor``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from budgetctl.cli import render
from budgetctl.cli.app import context

if TYPE_CHECKING:
    from budgetctl.services.reports import BrandStatus


def show_status(rows: Sequence[BrandStatus]) -> None:
    from budgetctl.domain.money import format_budget, format_money

    if not rows:
        render.out("no brands yet: add one with 'budgetctl brand add'")
        return
    # Each brand's day is its own zone's: name it per brand when the brands' days differ.
    days = {r.state.day.label for r in rows}
    table_rows = []
    for r in rows:
        s = r.state
        own_day = "" if len(days) == 1 else f", today {s.day.label}"
        table_rows.append(
            [
                f"[bold]{render.safe(s.name)}[/bold]\n[dim]{s.timezone} {r.currency}{own_day}[/dim]",
                f"{format_money(s.day_spend)} / {format_budget(s.daily_budget)}\n{render.bar(s.day_spend, s.daily_budget)}",
                f"{format_money(s.month_spend)} / {format_budget(s.monthly_budget)}\n{render.bar(s.month_spend, s.monthly_budget)}",
                f"{format_money(r.projected)}\n{_landing(r)}",
                render.sparkline(r.days),
                f"{r.campaigns_active}/{r.campaigns_total}",
            ]
        )
    render.table(
        None,
        [
            "brand",
            f"today ({days.pop()})" if len(days) == 1 else "today",
            "month",
            ("projected", "right"),
            "this month",
            ("active", "right"),
        ],
        table_rows,
    )


def _landing(r: BrandStatus) -> str:
    """What each day may still spend, this one included, to end the month on budget."""
    from budgetctl.domain.money import format_money
    from budgetctl.services.reports import CENT

    if r.to_land is None:
        return ""
    if r.over_budget:
        # Up to the cent, as the landing figure goes down to it: a micro past the budget
        # reads 0.01, never 0.00.
        over = -(-r.over_budget // CENT) * CENT
        return f"[dim]over budget by {format_money(over)}[/dim]"
    return f"[dim]{format_money(r.to_land)}/day lands on budget[/dim]"


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status(
        ctx: typer.Context,
        brand: Annotated[str | None, typer.Option("--brand", help="Only this brand.")] = None,
        now: Annotated[
            str | None, typer.Option("--now", help="As of this ISO 8601 time with offset.")
        ] = None,
        json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Per brand: today's and this month's spend against budget, the projection, campaigns.

        Projected = month-to-date spend at the current pace, to the cent (in the month's first
        hour, the month-to-date spend itself). 'Lands on budget' = what is left of the monthly
        budget after the month's spend (today's included), divided by the days left counting
        today: what the rest of today and each later day may spend to end the month on budget,
        rounded down to the cent; 'over budget by' the excess, rounded up to the cent, once the
        month is past it.

        \b
        Example: budgetctl status --brand Acme
        """
        from budgetctl.services.reports import status as brand_status

        rows = brand_status(context(ctx, now=now), brand=brand, daily_series=not json_)
        if json_:
            render.emit_json([r.as_json() for r in rows])
            return
        show_status(rows)

    @app.command("history")
    def history(
        ctx: typer.Context,
        brand: Annotated[str | None, typer.Option("--brand", help="Only this brand.")] = None,
        campaign: Annotated[
            str | None, typer.Option("--campaign", help="Only this campaign.")
        ] = None,
        since: Annotated[
            str | None,
            typer.Option(
                "--since",
                help="From this date or time (dates in the brand's zone with --brand, else UTC;"
                " the table shows UTC).",
            ),
        ] = None,
        limit: Annotated[int, typer.Option("--limit", help="At most this many (the newest).")] = 50,
        json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """What changed, when, by whom: state changes with reasons, holds, budgets, imports, closes.

        \b
        Example: budgetctl history --brand Acme --since 2026-11-01
        """
        from budgetctl.services.reports import history as events

        items = events(context(ctx), brand=brand, campaign=campaign, since=since, limit=limit)
        if json_:
            render.emit_json([e.as_json() for e in items])
            return
        filtered = brand is not None or campaign is not None or since is not None
        render.table(
            None,
            ["when (UTC)", "who", "command", "brand / campaign", "what"],
            [
                [
                    e.at.strftime("%Y-%m-%d %H:%M:%S"),
                    render.safe(e.actor),
                    render.safe(e.command),
                    render.safe(" / ".join(x for x in (e.brand, e.campaign) if x)),
                    render.safe(e.message),
                ]
                for e in items
            ],
            empty="no history matches" if filtered else "no history yet",
        )

    @app.command("doctor")
    def doctor(
        ctx: typer.Context,
        now: Annotated[
            str | None, typer.Option("--now", help="Judge freshness as of this time.")
        ] = None,
        json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Check integrity, schema, journal mode and when each pass last ran.

        Exits 1 when the database is damaged or a pass is overdue (enforce > 15 min,
        daypart > 5 min, reset > 26 h), or its last run lies more than 5 min after the
        system's clock (a replay under a later $BUDGETCTL_NOW: its next run replaces it);
        stderr then names the failed checks in one error line.

        \b
        Example: budgetctl doctor || mail -s "budgetctl needs attention" ops@example.com
        """
        from budgetctl.services.reports import doctor as check

        c = context(ctx, now=now)
        checks = check(c.db, c.now, c.system)
        healthy = all(x.ok for x in checks)
        if json_:
            render.emit_json(
                {
                    "database": c.db.label,
                    "ok": healthy,
                    "checks": [{"name": x.name, "ok": x.ok, "detail": x.detail} for x in checks],
                }
            )
        else:
            render.out(f"database: {c.db.label}")
            for x in checks:
                render.out(f"{'ok  ' if x.ok else 'FAIL'} {x.name}: {x.detail}")
        if not healthy:
            failed = [x.name for x in checks if not x.ok]
            render.error(f"{len(failed)} of {len(checks)} checks failed: {', '.join(failed)}")
            raise typer.Exit(1)
