"""Money is exact: decimal text <-> integer micros, and the two display forms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgetctl.domain.errors import InvalidValue
from budgetctl.domain.money import (
    MAX_MICROS,
    format_budget,
    format_budget_stated,
    format_exact,
    format_json,
    format_money,
    format_stated,
    parse_budget,
    parse_micros,
)

NOT_DECIMAL = (
    "amount {!r} is not a decimal number: use digits with an optional '.' and at most 6 "
    "decimals, such as 12.50 (no exponents, NaN or infinity)"
)


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("0", 0),
        ("12", 12_000_000),
        ("12.5", 12_500_000),
        ("12.50", 12_500_000),
        ("-12.50", -12_500_000),
        ("+3", 3_000_000),
        ("0.000001", 1),
        ("-0.000001", -1),
        (".5", 500_000),
        ("-.25", -250_000),
        ("7.", 7_000_000),
        ("  42.10  ", 42_100_000),
        ("1234567.123456", 1_234_567_123_456),
        ("999999999999.999999", MAX_MICROS),
        ("-999999999999.999999", -MAX_MICROS),
        ("000000000000000000000000000001.5", 1_500_000),
    ],
)
def test_parse_micros_exact(text: str, micros: int) -> None:
    assert parse_micros(text) == micros


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "amount is empty: give a decimal number such as 12.50"),
        ("   ", "amount is empty: give a decimal number such as 12.50"),
        ("abc", NOT_DECIMAL.format("abc")),
        ("NaN", NOT_DECIMAL.format("NaN")),
        ("inf", NOT_DECIMAL.format("inf")),
        ("-Infinity", NOT_DECIMAL.format("-Infinity")),
        ("1e3", NOT_DECIMAL.format("1e3")),
        ("1,000", NOT_DECIMAL.format("1,000")),
        ("0x10", NOT_DECIMAL.format("0x10")),
        ("1.2.3", NOT_DECIMAL.format("1.2.3")),
        ("--1", NOT_DECIMAL.format("--1")),
        (".", NOT_DECIMAL.format(".")),
        (
            "1.0000001",
            "amount '1.0000001' has more than 6 decimals: the smallest amount is 0.000001",
        ),
        ("1000000000000", "amount '1000000000000' is too large: 999,999,999,999.999999 at most"),
        ("-1000000000000.5", "amount '-1000000000000.5' is too large: 999,999,999,999.999999 at most"),
        ("9" * 5000, f"amount '{'9' * 5000}' is too large: 999,999,999,999.999999 at most"),
    ],
)
def test_parse_micros_refuses(text: str, message: str) -> None:
    with pytest.raises(InvalidValue) as err:
        parse_micros(text)
    assert err.value.message == message


def test_parse_micros_names_what() -> None:
    with pytest.raises(InvalidValue) as err:
        parse_micros("x", what="spend")
    assert err.value.message.startswith("spend 'x' is not a decimal number")


@pytest.mark.parametrize(
    ("text", "micros"),
    [("none", None), ("NONE", None), (" None ", None), ("0", 0), ("100", 100_000_000),
     ("2500.50", 2_500_500_000)],
)
def test_parse_budget(text: str, micros: int | None) -> None:
    assert parse_budget(text) == micros


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "budget '-5' is negative: give 0 or more, or 'none' for no limit"),
        ("-0.000001", "budget '-0.000001' is negative: give 0 or more, or 'none' for no limit"),
        ("", "budget is empty: give a decimal number such as 12.50"),
        ("nothing", NOT_DECIMAL.replace("amount", "budget", 1).format("nothing")),
    ],
)
def test_parse_budget_refuses(text: str, message: str) -> None:
    with pytest.raises(InvalidValue) as err:
        parse_budget(text)
    assert err.value.message == message


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (0, "0.00"),
        (1, "0.00"),
        (4_999, "0.00"),
        (-1, "0.00"),
        (-4_999, "0.00"),
        (5_000, "0.01"),
        (-5_000, "-0.01"),
        (12_500_000, "12.50"),
        (1_234_504_999, "1,234.50"),
        (1_234_505_000, "1,234.51"),
        (999_995_000, "1,000.00"),
        (-1_234_567_890_000, "-1,234,567.89"),
        (MAX_MICROS, "1,000,000,000,000.00"),
    ],
)
def test_format_money(micros: int, text: str) -> None:
    assert format_money(micros) == text


def test_format_money_without_grouping() -> None:
    assert format_money(1_234_567_890_000, grouping=False) == "1234567.89"


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (0, "0.00"),
        (1, "0.000001"),
        (-1, "-0.000001"),
        (10_000, "0.01"),
        (12_500_000, "12.50"),
        (12_345_000, "12.345"),
        (1_234_567_890_123, "1234567.890123"),
        (MAX_MICROS, "999999999999.999999"),
        (-MAX_MICROS, "-999999999999.999999"),
    ],
)
def test_format_exact(micros: int, text: str) -> None:
    assert format_exact(micros) == text


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (0, "0.00"),
        (12_500_000, "12.50"),
        (1_234_567_500_000, "1,234,567.50"),
        (10_005_000, "10.005"),  # not 10.01: what was entered, not a figure rounded up
        (-1, "-0.000001"),  # not 0.00: a correction keeps its sign
        (99_995_000, "99.995"),  # not 100.00, which would read as the budget reached
        (1_234_567_000_001, "1,234,567.000001"),
        (-MAX_MICROS, "-999,999,999,999.999999"),
    ],
)
def test_format_stated_shows_every_decimal_where_two_would_round(micros: int, text: str) -> None:
    assert format_stated(micros) == text
    assert parse_micros(text.replace(",", "")) == micros


def test_format_json_and_budget() -> None:
    assert format_json(None) is None
    assert format_json(1_234_500_000) == "1234.50"
    assert format_budget(None) == "none"
    assert format_budget(2_500_000_000) == "2,500.00"
    assert format_budget_stated(None) == "none"
    assert format_budget_stated(2_500_000_001) == "2,500.000001"


@given(st.integers(min_value=-MAX_MICROS, max_value=MAX_MICROS))
def test_format_exact_round_trips(micros: int) -> None:
    assert parse_micros(format_exact(micros)) == micros
