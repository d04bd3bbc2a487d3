"""``budgetctl spend ...``: the ledger."""

from __future__ import annotations

from typing import Annotated

import typer

from budgetctl.cli import render
from budgetctl.cli.app import context

app = typer.Typer(
    rich_markup_mode=None,
    help="Spend: the append-only ledger, by hand or from ad-network exports.\n\n\b\n"
    'Example: budgetctl spend record Acme "Acme - Search" 12.50',
    no_args_is_help=True,
)


@app.command("record")
def record(
    ctx: typer.Context,
    brand: Annotated[str, typer.Argument(help="Brand name.")],
    campaign: Annotated[str, typer.Argument(help="Campaign name.")],
    amount: Annotated[
        str, typer.Argument(help="Decimal amount; negative for a refund (write '-- -12.50').")
    ],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="When it occurred: a date (that day in the brand's zone), a local time "
            "(2026-11-25T14:30) or one with an offset. Default: now.",
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Free text kept with the entry.")
    ] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="Idempotency key: the same key again records once."),
    ] = None,
) -> None:
    """Record spend; the brand's campaigns are evaluated at once.

    \b
    Example: budgetctl spend record Acme "Acme - Search" 12.50 --at 2026-11-24 --key inv-4411
    """
    from budgetctl.domain.money import format_stated
    from budgetctl.domain.periods import zone
    from budgetctl.services.ledger import record_spend

    result = record_spend(context(ctx), brand, campaign, amount, at=at, note=note, key=key)
    local = result.occurred_at.astimezone(zone(result.timezone))
    # To the minute when that is exact, else to the second (12:04:59 is not 12:04).
    when = local.isoformat(timespec="seconds" if local.second or local.microsecond else "minutes")
    if result.duplicate:
        render.out(
            f"already recorded as entry #{result.entry_id} (key {key}): "
            f"{format_stated(result.amount)} {result.currency} on {result.brand} / {result.campaign}; "
            "nothing written"
        )
    else:
        render.out(
            f"recorded {format_stated(result.amount)} {result.currency} on {result.brand} / "
            f"{result.campaign} at {when} (entry #{result.entry_id})"
        )
    render.changes(result.changes)


@app.command("list")
def list_(
    ctx: typer.Context,
    brand: Annotated[str | None, typer.Option("--brand", help="Only this brand.")] = None,
    campaign: Annotated[str | None, typer.Option("--campaign", help="Only this campaign.")] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="From this date or time (dates in the brand's zone with --brand, else UTC).",
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Up to this date (inclusive) or time (exclusive).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (the newest).")] = 50,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List ledger entries, oldest first among the newest --limit.

    \b
    Example: budgetctl spend list --brand Acme --since 2026-11-01 --until 2026-11-30
    """
    from budgetctl.domain.money import format_money
    from budgetctl.domain.periods import zone
    from budgetctl.services.ledger import list_spend

    items = list_spend(
        context(ctx), brand=brand, campaign=campaign, since=since, until=until, limit=limit
    )
    if json_:
        render.emit_json([e.as_json() for e in items])
        return
    unfiltered = (brand, campaign, since, until) == (None, None, None, None)
    render.table(
        None,
        [
            "#",
            "occurred (brand time)",
            "brand",
            "campaign",
            ("amount", "right"),
            "source",
            "who",
            "note",
        ],
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
        empty="no spend recorded" if unfiltered else "no spend matches",
    )


PER_CAMPAIGN_LINES = 20


class _Bar:
    """A Rich progress bar on stderr, for large files when stderr is a terminal."""

    THRESHOLD = 5 * 1024 * 1024

    def __init__(self) -> None:
        self.progress: object | None = None
        self.task: object | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.progress is None:
            if total < self.THRESHOLD:
                return
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TimeRemainingColumn,
            )

            self.progress = Progress(
                "importing",
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=render.err_console(),
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("import", total=total)
        self.progress.update(self.task, completed=done)  # type: ignore[attr-defined]

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()  # type: ignore[attr-defined]


@app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(help="Export files; '-' reads standard input.")],
    fmt: Annotated[
        str,
        typer.Option("--format", help="auto (by header), generic, google-ads, meta or microsoft."),
    ] = "auto",
    brand: Annotated[
        str | None, typer.Option("--brand", help="Brand of rows that do not name one.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be written; write nothing.")
    ] = False,
    create_missing: Annotated[
        bool,
        typer.Option(
            "--create-missing",
            help="Create unknown campaigns in the row's brand (its brand column, or --brand).",
        ),
    ] = False,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Override the detected encoding, e.g. latin-1.")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Print only the campaigns the import paused or resumed (for cron: it mails "
            "news and errors only).",
        ),
    ] = False,
) -> None:
    """Import spend from ad-network exports (Google Ads, Meta, Microsoft) or generic CSV.

    All or nothing: any bad row refuses the whole import and lists every FILE:LINE problem.
    Network rows are per-day snapshots: re-importing changes nothing, an updated report moves
    each day to its new figure.

    \b
    Example: budgetctl spend import google-ads-report.csv meta-export.csv --dry-run
    Example (cron): fetch-report | budgetctl spend import - --format google-ads -q
    """
    import sys

    from budgetctl.domain.money import format_money
    from budgetctl.importers.reader import FORMATS
    from budgetctl.services.base import counted
    from budgetctl.services.imports import import_spend

    if fmt not in FORMATS:
        raise typer.BadParameter(
            f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}", param_hint="'--format'"
        )
    bar = _Bar() if sys.stderr.isatty() and not (json_ or quiet) else None
    try:
        report = import_spend(
            context(ctx),
            files,
            fmt=fmt,
            brand=brand,
            dry_run=dry_run,
            create_missing=create_missing,
            encoding=encoding,
            progress=bar,
        )
    finally:
        if bar is not None:
            bar.stop()
    if json_:
        render.emit_json(report.as_json())
        return
    if quiet:
        render.changes(report.changes, prefix="would: " if dry_run else "")
        return
    verb = "would write" if dry_run else "wrote"
    head = "dry run: " if dry_run else f"batch #{report.batch}: "
    net_text = _net_text(report.net_amount, report.nets)
    render.out(
        f"{head}{counted(report.rows, 'row', 'rows')} ({report.format}), {verb} "
        f"{counted(report.entries_written, 'entry', 'entries')}, "
        f"{report.unchanged} unchanged, {counted(report.skipped, 'total row', 'total rows')} "
        f"skipped, net {net_text}"
    )
    if report.superseded:
        render.out(
            f"  {counted(report.superseded, 'row', 'rows')} replaced by the same campaign "
            "and day in a later file (the later file counts, as if imported after)"
        )
    if report.summed:
        render.out(
            f"  {counted(report.summed, 'row', 'rows')} added to another row of the same "
            "campaign and day in its file (the day's figure is their sum)"
        )
    for name in report.created_campaigns:
        render.out(f"  {'would create' if dry_run else 'created'} campaign {name}")
    shown = report.per_campaign[:PER_CAMPAIGN_LINES]
    for bname, cname, currency, count, net, _bid in shown:
        render.out(
            f"  {bname} / {cname}: {counted(count, 'entry', 'entries')}, net "
            f"{format_money(net)} {currency}"
        )
    if len(report.per_campaign) > len(shown):
        more = len(report.per_campaign) - len(shown)
        where = "" if dry_run else " ('budgetctl spend list' shows the entries)"
        render.out(f"  ... and {more} more campaigns{where}")
    render.changes(report.changes, prefix="would: " if dry_run else "")  # as the passes' --dry-run


def _net_text(net: int, nets: dict[str, int]) -> str:
    """A net amount; one sum across currencies would mean nothing: several are shown each on
    its own (``5,000.00 JPY, 10.00 USD``)."""
    from budgetctl.domain.money import format_money, format_nets

    return format_nets(nets) if len(nets) > 1 else format_money(net)


@app.command("batches")
def batches(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (the newest).")] = 50,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List import batches: id, files, format, rows, entries, net amount, when, who.

    \b
    Example: budgetctl spend batches --limit 10
    """
    from budgetctl.services.imports import list_batches

    items = list_batches(context(ctx), limit=limit)
    if json_:
        render.emit_json([b.as_json() for b in items])
        return
    render.table(
        None,
        [
            "#",
            "when (UTC)",
            "who",
            "format",
            "files",
            ("rows", "right"),
            ("entries", "right"),
            ("net", "right"),
            "note",
        ],
        [
            [
                str(b.id),
                b.created_at.strftime("%Y-%m-%d %H:%M"),
                render.safe(b.actor),
                b.format,
                render.safe(", ".join(b.files)),
                str(b.rows),
                str(b.entries_written),
                _net_text(b.net_amount, b.nets),
                (
                    f"undoes #{b.undoes}"
                    if b.undoes
                    else f"undone by #{b.undone_by}"
                    if b.undone_by
                    else ""
                ),
            ]
            for b in items
        ],
        empty="no imports yet",
    )


@app.command("undo")
def undo(
    ctx: typer.Context,
    batch: Annotated[int, typer.Argument(help="Batch number (see 'spend batches').")],
) -> None:
    """Reverse an import batch with compensating entries (the ledger keeps both).

    \b
    Example: budgetctl spend undo 12
    """
    from budgetctl.services.base import counted
    from budgetctl.services.imports import undo_batch

    report = undo_batch(context(ctx), batch)
    render.out(
        f"undid batch #{report.batch} as batch #{report.undo_batch}: "
        f"{counted(report.entries, 'compensating entry', 'compensating entries')}, net "
        f"{_net_text(report.net_amount, report.nets)}"
    )
    render.changes(report.changes)
