"""The command line. :func:`main`, the console script, is the first code a run executes:
a Ctrl-C or a SIGTERM (cron's timeout, ``systemctl stop``) gets the same one line from the
first instant, while the modules are still loading too."""

from __future__ import annotations

import signal
import sys
from typing import Any

TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process the signal ended

terminated = False
"""Whether the interrupt being handled came from SIGTERM rather than Ctrl-C."""


def _terminate(signum: int, frame: Any) -> None:
    """SIGTERM: unwind as Ctrl-C does (the transaction rolls back, or the change is kept and
    said to be), instead of dying without a word."""
    global terminated
    terminated = True
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point."""
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        from budgetctl.cli import app
    except KeyboardInterrupt:  # still loading: nothing was opened, let alone written
        sys.stderr.write(f"error: {'terminated' if terminated else 'interrupted'}: nothing was written\n")
        sys.exit(TERMINATED if terminated else 130)
    try:
        app.main()
    except KeyboardInterrupt:  # before (or after) the command's own error boundary
        app.interrupted()
