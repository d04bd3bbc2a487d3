"""``budgetctl spend ...``: the ledger."""

from __future__ import annotations

from typing import Annotated

import typer

from budgetctl.cli import render
from budgetctl.cli.app import context

app = typer.Typer(help="Spend: the append-only ledger, by hand or from ad-network exports.", no_args_is_help=True)


@app.command("record")
def record(
    ctx: typer.Context,
    brand: Annotated[str, typer.Argument(help="Brand name.")],
    campaign: Annotated[str, typer.Argument(help="Campaign name.")],
    amount: Annotated[str, typer.Argument(help="Decimal amount; negative for a refund (write '-- -12.50').")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="When it occurred: a date (that day in the brand's zone), a local time "
            "(2026-11-25T14:30) or one with an offset. Default: now.",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Free text kept with the entry.")] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="Idempotency key: the same key again records once."),
    ] = None,
) -> None:
    """Record spend; the brand's campaigns are evaluated at once.

    Example: budgetctl spend record Acme "Acme - Search" 12.50 --at 2026-11-24 --key inv-4411
    """
    from budgetctl.domain.money import format_money
    from budgetctl.domain.periods import zone
    from budgetctl.services.ledger import record_spend

    result = record_spend(context(ctx), brand, campaign, amount, at=at, note=note, key=key)
    when = result.occurred_at.astimezone(zone(result.timezone)).isoformat(timespec="minutes")
    if result.duplicate:
        render.out(
            f"already recorded as entry #{result.entry_id} (key {key}): "
            f"{format_money(result.amount)} {result.currency} on {result.brand} / {result.campaign}; "
            "nothing written"
        )
    else:
        render.out(
            f"recorded {format_money(result.amount)} {result.currency} on {result.brand} / "
            f"{result.campaign} at {when} (entry #{result.entry_id})"
        )
    render.changes(result.changes)


@app.command("list")
def list_(
    ctx: typer.Context,
    brand: Annotated[str | None, typer.Option("--brand", help="Only this brand.")] = None,
    campaign: Annotated[str | None, typer.Option("--campaign", help="Only this campaign.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="From this date or time (dates in the brand's zone with --brand, else UTC).")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to this date (inclusive) or time (exclusive).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (the newest).")] = 50,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List ledger entries, oldest first among the newest --limit.

    Example: budgetctl spend list --brand Acme --since 2026-11-01 --until 2026-11-30
    """
    from budgetctl.domain.money import format_money
    from budgetctl.domain.periods import zone
    from budgetctl.services.ledger import list_spend

    items = list_spend(context(ctx), brand=brand, campaign=campaign, since=since, until=until, limit=limit)
    if json_:
        render.emit_json([e.as_json() for e in items])
        return
    render.table(
        None,
        ["#", "occurred (brand time)", "brand", "campaign", ("amount", "right"), "source", "who", "note"],
        [
            [
                str(e.id),
                e.occurred_at.astimezone(zone(e.timezone)).strftime("%Y-%m-%d %H:%M"),
                render.safe(e.brand),
                render.safe(e.campaign),
                f"{format_money(e.amount)} {e.currency}",
                e.source + (f" #{e.batch}" if e.batch else ""),
                render.safe(e.actor),
                render.safe(e.note or ""),
            ]
            for e in items
        ],
        empty="no spend recorded",
    )
