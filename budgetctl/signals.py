"""The one place that takes the signals that stop a run: Ctrl-C (SIGINT) and SIGTERM
(cron's ``timeout``, ``systemctl stop``).

:func:`install` (the console script's first act) makes either one unwind the command as a
``KeyboardInterrupt``: the transaction rolls back, or the change is kept and said to be.
Each signal is also recorded, so that one whose exception Python had to drop (raised inside
a finalizer or a weakref callback, which print it and carry on) still stops the command at
its next commit (:func:`check`) or when it ends. The store holds both back while a COMMIT
runs (:func:`held`), so that the command knows whether its change went in.
Standard library only.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a process the signal ended
TERMINATED = 143  # 128 + SIGTERM

_STOPS = (signal.SIGINT, signal.SIGTERM)
_taken: list[int] = []


def _take(signum: int, frame: FrameType | None) -> None:
    _taken.append(signum)
    raise KeyboardInterrupt


def install() -> None:
    """Take SIGINT and SIGTERM, unless the run was started with one ignored (a background
    job's SIGINT, a parent's choice)."""
    for signum in _STOPS:
        if signal.getsignal(signum) not in (signal.SIG_IGN, None):
            signal.signal(signum, _take)
    sys.unraisablehook = _quiet_when_taken


_python_hook = sys.unraisablehook


def _quiet_when_taken(unraisable: Any) -> None:
    """A signal's exception dropped inside a finalizer is not news (it is recorded, and acted
    on): Python would print it as ``Exception ignored in ...`` with a traceback."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt) and _taken:
        return
    _python_hook(unraisable)


def taken() -> bool:
    """Whether a signal has asked this run to stop."""
    return bool(_taken)


def terminated() -> bool:
    """Whether SIGTERM was among them (it says ``terminated``; Ctrl-C ``interrupted``)."""
    return signal.SIGTERM in _taken


def word() -> str:
    """How the error line names the stop."""
    return "terminated" if terminated() else "interrupted"


def exit_code() -> int:
    return TERMINATED if terminated() else INTERRUPTED


def check() -> None:
    """Stop now if a signal was taken whose exception was dropped on the way."""
    if _taken:
        raise KeyboardInterrupt


@contextmanager
def held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block has run, then act on them as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held_back: list[int] = []
    previous: dict[signal.Signals, Any] = {}
    for signum in _STOPS:
        handler = signal.getsignal(signum)
        if handler not in (signal.SIG_IGN, None):
            previous[signum] = handler
            signal.signal(signum, lambda got, _frame: held_back.append(got))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if not held_back:
        return
    for got in dict.fromkeys(held_back):
        handler = previous[signal.Signals(got)]
        if handler == _take:
            _taken.append(got)
        elif handler == signal.SIG_DFL:  # (not installed: a run inside another program)
            signal.raise_signal(got)
    raise KeyboardInterrupt
