"""The command line. :func:`main`, the console script, is the first code of budgetctl a run
executes: a Ctrl-C or a SIGTERM gets the same one line from here on, while the modules are
still loading too (``budgetctl.signals``)."""

from __future__ import annotations

import sys

from budgetctl import signals


def main() -> None:
    """Console-script entry point."""
    signals.install()
    try:
        from budgetctl.cli import app
    except KeyboardInterrupt:  # still loading: nothing was opened, let alone written
        sys.stderr.write(f"error: {signals.word()}: nothing was written\n")
        sys.exit(signals.exit_code())
    try:
        app.main()
    except KeyboardInterrupt:  # before (or after) the command's own error boundary
        app.interrupted()
