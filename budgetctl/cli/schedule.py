"""``budgetctl schedule ...``: dayparting windows."""

from __future__ import annotations

from typing import Annotated

import typer

from budgetctl.cli import render
from budgetctl.cli.app import context

app = typer.Typer(
    rich_markup_mode=None,
    help="Dayparting: weekly windows in which a campaign may run (none = any time).\n\n\b\n"
    'Example: budgetctl schedule set Acme "Acme - Display" "Mon-Fri 09:00-17:00"',
    no_args_is_help=True,
)

BrandArg = Annotated[str, typer.Argument(help="Brand name.")]
NameArg = Annotated[str, typer.Argument(help="Campaign name.")]


@app.command("set")
def set_(
    ctx: typer.Context,
    brand: BrandArg,
    campaign: NameArg,
    windows: Annotated[
        list[str],
        typer.Argument(
            help="Windows 'DAYS HH:MM-HH:MM': DAYS is daily, weekdays, weekends, or days and "
            "ranges such as Mon-Fri or Mon,Wed,Fri; end before start runs overnight; 24:00 ends a day."
        ),
    ],
    tz: Annotated[
        str | None, typer.Option("--tz", help="Zone of the windows (default: the brand's).")
    ] = None,
) -> None:
    """Replace a campaign's windows; it is evaluated at once.

    \b
    Example: budgetctl schedule set Acme "Acme - Display" "Mon-Fri 09:00-17:00" "Sat 10:00-14:00"
    """
    from budgetctl.services.catalog import set_schedule

    outcome = set_schedule(context(ctx), brand, campaign, windows, tz)
    for line in outcome.said:
        render.out(line)
    render.changes(outcome.changes)


@app.command("show")
def show(
    ctx: typer.Context,
    brand: BrandArg,
    campaign: NameArg,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a campaign's windows, whether it is inside one now, and the next change.

    \b
    Example: budgetctl schedule show Acme "Acme - Display"
    """
    from budgetctl.services.reports import campaign_report

    report = campaign_report(context(ctx), brand, campaign)
    if json_:
        render.emit_json(
            {
                "brand": report.brand.name,
                "campaign": report.campaign,
                "timezone": report.schedule_tz if report.windows else None,
                "windows": report.windows,
                "inside_now": "outside_schedule" not in report.reasons,
                "next_change": report.next_change.isoformat() if report.next_change else None,
            }
        )
        return
    if not report.windows:
        render.out(f"{report.brand.name} / {report.campaign}: no schedule (may run at any time)")
        return
    render.out(f"{report.brand.name} / {report.campaign} ({report.schedule_tz}):")
    for spec in report.windows:
        render.out(f"  {spec}")
    inside = "outside_schedule" not in report.reasons
    line = "inside a window now" if inside else "outside every window now"
    if report.next_change is not None:
        from budgetctl.domain.periods import zone

        local = report.next_change.astimezone(zone(report.schedule_tz))
        line += f"; {'closes' if inside else 'opens'} at {local.isoformat(timespec='minutes')}"
    render.out(line)


@app.command("clear")
def clear(ctx: typer.Context, brand: BrandArg, campaign: NameArg) -> None:
    """Remove a campaign's windows: it may run at any time.

    \b
    Example: budgetctl schedule clear Acme "Acme - Display"
    """
    from budgetctl.services.catalog import clear_schedule

    outcome = clear_schedule(context(ctx), brand, campaign)
    for line in outcome.said:
        render.out(line)
    render.changes(outcome.changes)
