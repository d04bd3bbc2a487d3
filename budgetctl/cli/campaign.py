"""``budgetctl campaign ...``: campaigns, their state, and operator holds."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from budgetctl.cli import render
from budgetctl.cli.app import context

app = typer.Typer(
    rich_markup_mode=None,
    help="Campaigns: each belongs to a brand and is active or paused.\n\n\b\nExample: budgetctl campaign list --state paused",
    no_args_is_help=True,
)

BrandArg = Annotated[str, typer.Argument(help="Brand name.")]
NameArg = Annotated[str, typer.Argument(help="Campaign name (unique within its brand).")]


class StateChoice(StrEnum):
    active = "active"
    paused = "paused"


@app.command("add")
def add(
    ctx: typer.Context,
    brand: BrandArg,
    name: NameArg,
    external_id: Annotated[
        str | None,
        typer.Option("--external-id", help="The ad network's campaign id (matches imports)."),
    ] = None,
) -> None:
    """Add a campaign to a brand; it is evaluated at once.

    \b
    Example: budgetctl campaign add Acme "Acme - Search" --external-id 21456789012
    """
    from budgetctl.services.catalog import add_campaign

    outcome = add_campaign(context(ctx), brand, name, external_id)
    for line in outcome.said:
        render.out(line)
    render.changes(outcome.changes)


@app.command("list")
def list_(
    ctx: typer.Context,
    brand: Annotated[
        str | None, typer.Option("--brand", help="Only this brand's campaigns.")
    ] = None,
    state: Annotated[
        StateChoice | None, typer.Option("--state", help="Only active or paused ones.")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List campaigns with their state and reasons.

    \b
    Example: budgetctl campaign list --state paused --json
    """
    from budgetctl.services.catalog import list_campaigns

    items = list_campaigns(context(ctx), brand=brand, state=state.value if state else None)
    if json_:
        render.emit_json(
            [
                {
                    "brand": c.brand,
                    "campaign": c.campaign,
                    "external_id": c.external_id,
                    "state": c.state,
                    "reasons": list(c.reasons),
                }
                for c in items
            ]
        )
        return
    render.table(
        None,
        ["brand", "campaign", "external id", "state", "reasons", "schedule"],
        [
            [
                render.safe(c.brand),
                render.safe(c.campaign),
                render.safe(c.external_id or ""),
                ("[green]active[/green]" if c.state == "active" else "[yellow]paused[/yellow]"),
                ", ".join(c.reasons),
                "yes" if c.scheduled else "",
            ]
            for c in items
        ],
        empty="no campaigns",
    )


@app.command("show")
def show(
    ctx: typer.Context,
    brand: BrandArg,
    name: NameArg,
    now: Annotated[
        str | None,
        typer.Option("--now", help="Evaluate the reasons at this ISO 8601 time (with offset)."),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Explain a campaign's state: every reason with its figures, schedule, spend.

    The state is the stored one, as 'campaign list' and the ad network have it; the
    reasons are those that hold now, and a 'next pass:' line says so when the rule at
    now gives another state (a window just closed, a new day began) that no pass has
    applied yet.

    \b
    Example: budgetctl campaign show Acme "Acme - Search"
    """
    from budgetctl.domain.money import format_budget, format_money
    from budgetctl.services.reports import campaign_report

    c = context(ctx, now=now)
    report = campaign_report(c, brand, name)
    if json_:
        render.emit_json(report.as_json())
        return
    b = report.brand
    out = render.console().print
    colour = "green" if report.state == "active" else "yellow"
    out(
        f"[bold]{render.safe(b.name)} / {render.safe(report.campaign)}[/bold]: [{colour}]{report.state}[/{colour}]"
    )
    if report.due is not None:
        out(f"next pass: {render.transition(report.state, report.due, report.reasons)}")
    for line in report.explanation:
        out(f"  - {render.safe(line)}")
    if report.external_id:
        out(f"external id: {render.safe(report.external_id)}")
    if report.windows:
        out(f"schedule ({report.schedule_tz}): {render.safe('; '.join(report.windows))}")
        if report.next_change is not None:
            from budgetctl.domain.periods import zone

            local = report.next_change.astimezone(zone(report.schedule_tz))
            verb = "closes" if "outside_schedule" not in report.reasons else "opens"
            out(f"  next window {verb} at {local.isoformat(timespec='minutes')}")
    else:
        out("schedule: none (may run at any time)")
    out(
        f"spend today ({b.day.label}): {format_money(report.campaign_day_spend)} of the brand's "
        f"{format_money(b.day_spend)} / {format_budget(b.daily_budget)} {report.currency}"
    )
    out(
        f"spend this month ({b.month.label}): {format_money(report.campaign_month_spend)} of the "
        f"brand's {format_money(b.month_spend)} / {format_budget(b.monthly_budget)} {report.currency}"
    )


@app.command("pause")
def pause(
    ctx: typer.Context,
    brand: BrandArg,
    name: NameArg,
    note: Annotated[
        str | None, typer.Option("--note", help="Why (shown in history and campaign show).")
    ] = None,
) -> None:
    """Place an operator hold: the campaign stays paused until 'campaign resume'.

    \b
    Example: budgetctl campaign pause Acme "Acme - Display" --note "creative review"
    """
    from budgetctl.services.catalog import set_hold

    outcome = set_hold(context(ctx), brand, name, held=True, note=note)
    for line in outcome.said:
        render.out(line)
    render.changes(outcome.changes)


@app.command("resume")
def resume(ctx: typer.Context, brand: BrandArg, name: NameArg) -> None:
    """Lift an operator hold; the campaign runs again if budgets and schedule allow.

    \b
    Example: budgetctl campaign resume Acme "Acme - Display"
    """
    from budgetctl.services.catalog import set_hold

    outcome = set_hold(context(ctx), brand, name, held=False)
    for line in outcome.said:
        render.out(line)
    render.changes(outcome.changes)


@app.command("remove")
def remove(
    ctx: typer.Context,
    brand: BrandArg,
    name: NameArg,
    force: Annotated[
        bool, typer.Option("--force", help="Remove even if it has spend (the ledger keeps it).")
    ] = False,
) -> None:
    """Remove a campaign (refused if it has spend, unless --force).

    \b
    Example: budgetctl campaign remove Acme "Acme - Old"
    """
    from budgetctl.services.catalog import remove_campaign

    campaign = remove_campaign(context(ctx), brand, name, force=force)
    render.out(f"removed campaign {brand} / {campaign.name}")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(
            help="CSV with columns brand, name[, external_id, schedule, timezone]; "
            "schedule windows separated by ';'. '-' for stdin."
        ),
    ],
) -> None:
    """Create or update campaigns from a spreadsheet's CSV, all or nothing.

    \b
    Example: budgetctl campaign import campaigns.csv
    """
    from budgetctl.services.catalog import import_campaigns

    outcome = import_campaigns(context(ctx), file)
    for line in outcome.said:
        render.out(line)
    render.changes(outcome.changes)
