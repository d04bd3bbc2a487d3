"""Terminal and JSON output.

User text (brand and campaign names, notes, file contents) reaches the terminal
only through :func:`safe`: Rich markup is escaped (``[red]`` stays literal) and
control characters are shown as ``\\x1b``-style escapes, so a name cannot restyle
or hijack the terminal. JSON output carries the exact text. ``NO_COLOR`` is
honoured by Rich itself. Rich is imported only when something is drawn.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from budgetctl.domain.text import visible

if TYPE_CHECKING:
    from rich.console import Console



def safe(text: object) -> str:
    """User text made safe for Rich: markup escaped, control characters visible, and what
    standard output's encoding cannot carry escaped already (``Caf\\xe9``), so a table lays
    the cell out at the width it will print at."""
    from rich.markup import escape

    shown = visible(str(text))
    encoding = getattr(sys.stdout, "encoding", None)
    if encoding and not shown.isascii() and not unicode_ok(sys.stdout):
        shown = shown.encode(encoding, "backslashreplace").decode(encoding)
    return escape(shown)


_console: Console | None = None
_err_console: Console | None = None


MIN_WIDTH = 40
TABLE_WIDTH = 10_000  # wider than any table: tables are laid out at their natural width


def console() -> Console:
    global _console
    if _console is None:
        from rich.console import Console

        # Not a terminal (cron mail, a pipe): wide lines rather than a squeezed 80 columns.
        width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
        _console = Console(highlight=False, soft_wrap=False, width=width)
        if _console.width < MIN_WIDTH:
            # COLUMNS=0, or a terminal with no size set: a table squeezed to nothing would
            # show no data and still exit 0.
            _console.width = 80
    return _console


def err_console() -> Console:
    global _err_console
    if _err_console is None:
        from rich.console import Console

        _err_console = Console(stderr=True, highlight=False)
    return _err_console


def out(line: str = "") -> None:
    """A plain line of user-facing text (control characters made visible)."""
    sys.stdout.write(visible(line) + "\n")


def error(message: str, *, listing: bool = False) -> None:
    """``error: ...`` on stderr, one line: a line break inside (a database path that holds
    one) is shown escaped. ``listing``: an import's problems, one per indented line."""
    lines = [visible(part) for part in message.split("\n")] if listing else [visible(message)]
    sys.stderr.write("error: " + lines[0] + "\n")
    for line in lines[1:]:
        sys.stderr.write("  " + line + "\n")


def unicode_ok(stream: Any) -> bool:
    """Whether ``stream`` can take any text (a UTF encoding)."""
    return str(getattr(stream, "encoding", None) or "").lower().startswith("utf")


def emit_json(data: Any) -> None:
    # JSON with \u escapes where the output's encoding could not carry the text itself.
    text = json.dumps(data, ensure_ascii=not unicode_ok(sys.stdout), indent=2)
    sys.stdout.write(text + "\n")


def table(
    title: str | None,
    columns: Sequence[str | tuple[str, str]],
    rows: Iterable[Sequence[str]],
    *,
    empty: str = "nothing to show",
) -> None:
    """A Rich table; cells must already be :func:`safe`."""
    from rich.table import Table

    rows = list(rows)
    if not rows:
        out(empty)
        return
    tbl = Table(title=title, title_justify="left", header_style="bold", box=None, pad_edge=False)
    for col in columns:
        if isinstance(col, tuple):
            tbl.add_column(col[0], justify=col[1])  # type: ignore[arg-type]
        else:
            tbl.add_column(col)
    for row in rows:
        tbl.add_row(*row)
    # Never squeezed: a narrow terminal (or cron's 160 columns and long names) would cut
    # "2,500.00" to "2,500…". The table takes its own width; a line wider than the terminal
    # wraps there instead, every figure whole.
    con = console()
    width = con.width
    con.width = TABLE_WIDTH
    try:
        con.print(tbl, crop=False)
    finally:
        con.width = width


_SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int]) -> str:
    if not values:
        return ""
    top = max(values)
    if top <= 0:
        return _SPARKS[0] * len(values)
    return "".join(_SPARKS[max(0, min(7, (v * 7) // top))] for v in values)


def bar(spent: int, budget: int | None, width: int = 20) -> str:
    """A Rich-markup bar with the percentage: green, yellow from 80 %, red at 100 %."""
    if budget is None:
        return "[dim]no limit[/dim]"
    if budget <= 0:
        return "[red]" + "█" * width + "[/red] blocked"
    spent = max(spent, 0)
    tenths = spent * 1000 // budget
    filled = min(width, (2 * spent * width + budget) // (2 * budget))
    colour = "red" if tenths >= 1000 else "yellow" if tenths >= 800 else "green"
    bar = f"[{colour}]{'█' * filled}[/{colour}][dim]{'░' * (width - filled)}[/dim]"
    return f"{bar} {tenths // 10:3d}.{tenths % 10}%"


def transition(from_state: str, to_state: str, reasons: Sequence[str]) -> str:
    """``active -> paused (daily_budget)``: a state change as the passes word it."""
    line = f"{from_state} -> {to_state}"
    return line + f" ({', '.join(reasons)})" if reasons else line


def change_lines(change: Any, *, verbose: bool = False) -> list[str]:
    """``Acme / Search: active -> paused (daily_budget)``, then with ``verbose`` each reason's figures."""
    line = f"{change.brand} / {change.campaign}: " + transition(
        change.from_state, change.to_state, change.reasons
    )
    return [line, *(f"    {words}" for words in change.explanation)] if verbose else [line]


def change_line(change: Any) -> str:
    return change_lines(change)[0]


def changes(items: Iterable[Any], *, verbose: bool = False, prefix: str = "") -> None:
    for change in items:
        for line in change_lines(change, verbose=verbose):
            out(prefix + line)
