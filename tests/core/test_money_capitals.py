"""Amounts in Chinese capital numerals (大写金额) for printed agreements."""

from __future__ import annotations

import pytest

from mediation.core.money import MAX_FEN, MoneyError, amount_in_capitals, yuan_to_fen


@pytest.mark.parametrize(
    ("yuan", "capitals"),
    [
        ("420000.00", "肆拾贰万元整"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("0.56", "伍角陆分"),
        ("0", "零元整"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("100000", "壹拾万元整"),
        ("100000000.10", "壹亿元壹角"),
        ("100000000.01", "壹亿元零壹分"),
        ("1409.50", "壹仟肆佰零玖元伍角"),
        ("6007.14", "陆仟零柒元壹角肆分"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("107000.53", "壹拾万柒仟元伍角叁分"),
        ("10001", "壹万零壹元整"),
        ("10100", "壹万零壹佰元整"),
        ("100010000", "壹亿零壹万元整"),
        ("100001000", "壹亿零壹仟元整"),
        ("10000100", "壹仟万零壹佰元整"),
        ("96000", "玖万陆仟元整"),
        ("1000000000000", "壹万亿元整"),
        ("10000000000000.00", "壹拾万亿元整"),
    ],
)
def test_capitals(yuan, capitals):
    assert amount_in_capitals(yuan_to_fen(yuan)) == capitals


@pytest.mark.parametrize("bad", [-1, MAX_FEN + 1, 1.5, "100", True, None])
def test_refuses_what_is_not_an_amount_in_fen(bad):
    with pytest.raises(MoneyError):
        amount_in_capitals(bad)
