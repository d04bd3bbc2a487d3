"""``budgetctl brand ...``: the agency's clients and their budgets."""

from __future__ import annotations

from typing import Annotated

import typer

from budgetctl.cli import render
from budgetctl.cli.app import context

app = typer.Typer(
    rich_markup_mode=None,
    help="Brands: the clients, each with a daily and a monthly budget.\n\n\b\nExample: budgetctl brand add Acme --daily 100 --monthly 2500 --tz America/New_York",
    no_args_is_help=True,
)

AMOUNT_HELP = "a decimal amount such as 100 or 2500.50, or 'none' for no limit"


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Brand name, unique (case does not matter).")],
    daily: Annotated[str, typer.Option("--daily", help=f"Daily budget: {AMOUNT_HELP}.")],
    monthly: Annotated[str, typer.Option("--monthly", help=f"Monthly budget: {AMOUNT_HELP}.")],
    tz: Annotated[
        str, typer.Option("--tz", help="IANA time zone of the brand's day and month.")
    ] = "UTC",
    currency: Annotated[str, typer.Option("--currency", help="ISO 4217 currency code.")] = "USD",
) -> None:
    """Add a brand.

    \b
    Example: budgetctl brand add Acme --daily 100 --monthly 2500 --tz America/New_York
    """
    from budgetctl.domain.money import format_budget_stated
    from budgetctl.services.catalog import add_brand

    brand = add_brand(context(ctx), name, daily, monthly, tz, currency)
    render.out(
        f"added brand {brand.name}: daily {format_budget_stated(brand.daily_budget)}, monthly "
        f"{format_budget_stated(brand.monthly_budget)} {brand.currency}, {brand.timezone}"
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the brands.

    \b
    Example: budgetctl brand list --json
    """
    from budgetctl.domain.money import format_budget, format_json
    from budgetctl.services.catalog import list_brands

    brands = list_brands(context(ctx))
    if json_:
        render.emit_json(
            [
                {
                    "brand": b.name,
                    "daily_budget": format_json(b.daily_budget),
                    "monthly_budget": format_json(b.monthly_budget),
                    "timezone": b.timezone,
                    "currency": b.currency,
                }
                for b in brands
            ]
        )
        return
    render.table(
        None,
        ["brand", ("daily", "right"), ("monthly", "right"), "currency", "time zone"],
        [
            [
                render.safe(b.name),
                format_budget(b.daily_budget),
                format_budget(b.monthly_budget),
                b.currency,
                b.timezone,
            ]
            for b in brands
        ],
        empty="no brands yet: add one with 'budgetctl brand add'",
    )


@app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Brand name.")],
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a brand: budgets, today's and this month's spend, its campaigns.

    \b
    Example: budgetctl brand show Acme
    """
    from budgetctl.cli.reports import show_status
    from budgetctl.services.catalog import list_campaigns
    from budgetctl.services.reports import status

    c = context(ctx)
    rows = status(c, brand=name, daily_series=not json_)
    campaigns = list_campaigns(c, brand=name)
    if json_:
        data = rows[0].as_json()
        data["campaigns"] = [
            {
                "campaign": x.campaign,
                "external_id": x.external_id,
                "state": x.state,
                "reasons": list(x.reasons),
            }
            for x in campaigns
        ]
        render.emit_json(data)
        return
    show_status(rows)
    render.out()
    render.table(
        None,
        ["campaign", "external id", "state", "reasons"],
        [
            [
                render.safe(x.campaign),
                render.safe(x.external_id or ""),
                x.state,
                ", ".join(x.reasons),
            ]
            for x in campaigns
        ],
        empty="no campaigns yet: add one with 'budgetctl campaign add'",
    )


@app.command("set")
def set_(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Brand name.")],
    daily: Annotated[
        str | None, typer.Option("--daily", help=f"New daily budget: {AMOUNT_HELP}.")
    ] = None,
    monthly: Annotated[
        str | None, typer.Option("--monthly", help=f"New monthly budget: {AMOUNT_HELP}.")
    ] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="New IANA time zone.")] = None,
    currency: Annotated[
        str | None,
        typer.Option("--currency", help="New currency (only while the brand has no spend)."),
    ] = None,
    rename: Annotated[str | None, typer.Option("--rename", help="New name.")] = None,
) -> None:
    """Change a brand's budgets, zone or name; takes effect at once (a lowered budget pauses now).

    \b
    Example: budgetctl brand set Acme --daily 80 --monthly none
    """
    from budgetctl.services.catalog import set_brand

    if daily is None and monthly is None and tz is None and currency is None and rename is None:
        raise typer.BadParameter(
            "nothing to change: give --daily, --monthly, --tz, --currency or --rename",
            param_hint="brand set",
        )
    outcome = set_brand(
        context(ctx), name, daily=daily, monthly=monthly, tz=tz, rename=rename, currency=currency
    )
    for line in outcome.said or ["nothing changed"]:
        render.out(line)
    render.changes(outcome.changes)


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Brand name.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Remove even if the brand has spend (the ledger keeps it)."),
    ] = False,
) -> None:
    """Remove a brand and its campaigns (refused if it has spend, unless --force).

    \b
    Example: budgetctl brand remove "Old Client" --force
    """
    from budgetctl.services.catalog import remove_brand

    brand = remove_brand(context(ctx), name, force=force)
    render.out(f"removed brand {brand.name}")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(
            help="CSV with columns name, daily, monthly[, timezone, currency]; '-' for stdin."
        ),
    ],
) -> None:
    """Create or update brands from a spreadsheet's CSV, all or nothing.

    \b
    Example: budgetctl brand import brands.csv
    """
    from budgetctl.services.catalog import import_brands

    outcome = import_brands(context(ctx), file)
    for line in outcome.said:
        render.out(line)
    render.changes(outcome.changes)
