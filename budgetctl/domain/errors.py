"""Errors written for the person at the terminal.

Every refusal in budgetctl is a :class:`BudgetError` (or a subclass). The CLI's
single error boundary prints ``error: <message>`` on stderr and exits 1; the
message itself says what was wrong and, where it helps, what to do next.
"""

from __future__ import annotations


class BudgetError(Exception):
    """A request that could not be done. ``str(err)`` is the user-facing line."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidValue(BudgetError):
    """A value given by the user (amount, zone, date, window...) is not valid."""


class NotFound(BudgetError):
    """A named brand, campaign or batch does not exist."""


class Conflict(BudgetError):
    """The request contradicts what is already recorded (duplicate name, reused key)."""


class DatabaseError(BudgetError):
    """The database is missing, busy, damaged, read-only, full or of another schema.

    ``to_doctor`` is the pointer to ``budgetctl doctor`` that ends some messages; doctor
    itself shows ``plain``, the message without it.
    """

    def __init__(self, message: str, *, to_doctor: str = "") -> None:
        super().__init__(message + to_doctor)
        self.plain = message


class ImportRejected(BudgetError):
    """An import had invalid rows; nothing was written.

    ``problems`` holds every ``FILE:LINE: message`` line; the message shows the
    first 20 and a count of the rest.
    """

    SHOWN = 20

    def __init__(
        self,
        problems: list[str],
        summary: str = "import refused, nothing written",
        *,
        total: int | None = None,
    ) -> None:
        self.problems = problems
        count = max(total or 0, len(problems))
        shown = problems[: self.SHOWN]
        more = count - len(shown)
        lines = [f"{summary}: {count} problem{'s' if count != 1 else ''}", *shown]
        if more:
            lines.append(f"... and {more} more")
        super().__init__("\n".join(lines))
