"""Money as exact integer micros.

One currency unit is 1,000,000 micros (as the Google Ads API counts). Text from
the command line or a CSV cell is read digit by digit straight into an ``int``
(exactly what ``Decimal(text).scaleb(6)`` gives, without the per-row cost of a
``Decimal``); sums happen in SQL over integers. Floats never touch money.

Accepted text: an optional sign, digits, an optional ``.`` and at most six
fractional digits (``12``, ``-12.50``, ``0.000001``). Rejected: exponents
(``1e3``), ``NaN``, infinities, more than six fractional digits, empty text,
and anything else. Importers handle their networks' own number dressing
(thousands separators, ``--``) before calling :func:`parse_micros`.
"""

from __future__ import annotations

import re

from budgetctl.domain.errors import InvalidValue

MICROS_PER_UNIT = 1_000_000
MAX_MICROS = 10**18 - 1
"""The largest amount, either way: 999,999,999,999.999999. Sums run in SQL over 64-bit
integers (SQLite fails on overflow): with this cap it takes more than 9,000 entries of the
largest amount before a brand's total could overflow, and a single typo cannot come close."""

LIMIT_TEXT = "999,999,999,999.999999"
# ASCII digits only: re's \d would take "١٢" or full-width "１２" for 12.
_AMOUNT = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]*))?|([+-]?)\.([0-9]+)")


def parse_micros(text: str, *, what: str = "amount") -> int:
    """Parse decimal text into integer micros, or raise :class:`InvalidValue`."""
    raw = text.strip()
    match = _AMOUNT.fullmatch(raw)
    if match is None:
        if not raw:
            raise InvalidValue(f"{what} is empty: give a decimal number such as 12.50")
        raise InvalidValue(
            f"{what} {text!r} is not a decimal number: use digits with an optional "
            "'.' and at most 6 decimals, such as 12.50 (no exponents, NaN or infinity)"
        )
    if match.group(2) is not None:
        sign, whole, frac = match.group(1), match.group(2), match.group(3) or ""
    else:
        sign, whole, frac = match.group(4), "0", match.group(5)
    if len(frac) > 6:
        raise InvalidValue(
            f"{what} {text!r} has more than 6 decimals: the smallest amount is 0.000001"
        )
    whole = whole.lstrip("0") or "0"
    if len(whole) > 12:  # before int(): a 5,000-digit cell must not reach the parser
        raise InvalidValue(f"{what} {text!r} is too large: {LIMIT_TEXT} at most")
    micros = int(whole) * MICROS_PER_UNIT + int(frac.ljust(6, "0") or "0")
    return -micros if sign == "-" else micros


def parse_budget(text: str, *, what: str = "budget") -> int | None:
    """Parse a budget: ``none`` for no limit, else a non-negative amount in micros."""
    if text.strip().lower() == "none":
        return None
    micros = parse_micros(text, what=what)
    if micros < 0:
        raise InvalidValue(f"{what} {text!r} is negative: give 0 or more, or 'none' for no limit")
    return micros


def format_exact(micros: int) -> str:
    """Exact decimal text: at least 2 decimals, more only where needed (``12.50``, ``0.000001``)."""
    sign = "-" if micros < 0 else ""
    whole, frac = divmod(abs(micros), MICROS_PER_UNIT)
    digits = f"{frac:06d}".rstrip("0").ljust(2, "0")
    return f"{sign}{whole}.{digits}"


def format_money(micros: int, *, grouping: bool = True) -> str:
    """Display text with 2 decimals, rounded half away from zero (``1,234.50``)."""
    cents, rest = divmod(abs(micros), 10_000)
    if rest * 2 >= 10_000:
        cents += 1
    sign = "-" if micros < 0 and cents else ""
    whole, frac = divmod(cents, 100)
    head = f"{whole:,}" if grouping else str(whole)
    return f"{sign}{head}.{frac:02d}"


def format_stated(micros: int) -> str:
    """A figure a person is told was entered, stored or refused: two decimals, or every
    decimal where two would round it to something else (``1,234.50``; ``10.005``, not
    ``10.01``; ``-0.000001``, not ``0.00``)."""
    if not micros % 10_000:
        return format_money(micros)
    exact = format_exact(micros)
    sign = "-" if exact.startswith("-") else ""
    whole, _, frac = exact.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}.{frac}"


def format_budget_stated(micros: int | None) -> str:
    return "none" if micros is None else format_stated(micros)


def format_nets(nets: dict[str, int]) -> str:
    """Net figures per currency, never added together: ``100.00 USD, 1,000.00 JPY``
    (sorted by currency code)."""
    return ", ".join(f"{format_money(v)} {c}" for c, v in sorted(nets.items()))


def format_json(micros: int | None) -> str | None:
    """JSON carries decimal strings with at least 2 decimals and never loses a micro."""
    return None if micros is None else format_exact(micros)


def format_budget(micros: int | None) -> str:
    return "none" if micros is None else format_money(micros)
