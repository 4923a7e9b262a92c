"""Money: yuan in, integer fen stored, yuan out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mediation.core.money import MAX_FEN, MoneyError, fen_to_yuan, format_yuan, yuan_to_fen


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("4200.50", 420050),
        ("4200.5", 420050),
        ("4200", 420000),
        ("0", 0),
        ("0.00", 0),
        ("0.01", 1),
        ("  12.30 ", 1230),
        ("1,234,567.89", 123456789),
        (4200, 420000),
        (0, 0),
        (Decimal("99.99"), 9999),
        (0.1, 10),  # a float is taken by its shortest repr, not its binary expansion
        (19.99, 1999),
        ("10000000000000.00", MAX_FEN),  # the largest amount accepted
    ],
)
def test_parses_yuan_to_fen(value, fen):
    result = yuan_to_fen(value)
    assert result == fen
    assert type(result) is int


@pytest.mark.parametrize("value", ["-0.01", "-1", -5, Decimal("-100.00"), -0.5])
def test_negative_amounts_are_refused(value):
    with pytest.raises(MoneyError, match="negative"):
        yuan_to_fen(value)


@pytest.mark.parametrize("value", ["0.001", "12.345", "0.005", 12.345, Decimal("1.999")])
def test_more_than_two_decimals_are_refused(value):
    with pytest.raises(MoneyError, match="two decimal"):
        yuan_to_fen(value)


@pytest.mark.parametrize(
    "value",
    ["", "   ", "abc", "12元", "¥12", "1.2.3", "NaN", "nan", "Infinity", "-Infinity", "0x10"],
)
def test_non_numbers_are_refused(value):
    with pytest.raises(MoneyError, match="Not an amount."):
        yuan_to_fen(value)


@pytest.mark.parametrize("value", [True, False, None, float("nan"), float("inf")])
def test_non_amount_types_are_refused(value):
    with pytest.raises(MoneyError):
        yuan_to_fen(value)


@pytest.mark.parametrize(
    "value",
    [
        "10000000000000.01",  # one fen above the limit
        "99999999999999999999999999",
        1e20,
        10**20,
    ],
)
def test_huge_amounts_are_refused(value):
    with pytest.raises(MoneyError, match="too large"):
        yuan_to_fen(value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("1" + "0" * 30, id="31-digit-string"),
        pytest.param("1e30", id="exponent-string"),
        pytest.param(10**30, id="31-digit-int"),
        pytest.param("9" * 60 + ".99", id="60-digit-string"),
    ],
)
def test_absurdly_huge_amounts_are_a_money_error_not_a_crash(value):
    # Beyond the decimal context's precision, quantize() itself fails; the caller must still get
    # a MoneyError (a 422 on the field), never decimal.InvalidOperation (a 500).
    with pytest.raises(MoneyError):
        yuan_to_fen(value)


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "0.00"), (1, "0.01"), (5, "0.05"), (420050, "4200.50"), (MAX_FEN, "10000000000000.00")],
)
def test_fen_to_yuan(fen, text):
    assert fen_to_yuan(fen) == text


def test_fen_to_yuan_round_trips():
    for fen in (0, 1, 99, 100, 123456789, MAX_FEN):
        assert yuan_to_fen(fen_to_yuan(fen)) == fen


def test_fen_to_yuan_passes_none_through():
    assert fen_to_yuan(None) is None


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (42000000, "¥420,000.00"),
        (0, "¥0.00"),
        (5, "¥0.05"),
        (123456789, "¥1,234,567.89"),
        (None, "—"),
    ],
)
def test_format_yuan_for_people(fen, text):
    assert format_yuan(fen) == text
