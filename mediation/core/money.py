"""Money is stored as integer fen and shown as yuan with two decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MAX_FEN = 10**15  # ten trillion yuan: far beyond any claim, well inside BIGINT


class MoneyError(ValueError):
    pass


def yuan_to_fen(value: str | int | float | Decimal) -> int:
    """Parse yuan (`"4200.50"`, `4200`) into fen, refusing negatives and sub-fen precision."""
    if isinstance(value, bool):
        raise MoneyError("Not an amount.")
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise MoneyError("Not an amount.") from None
    if not amount.is_finite():
        raise MoneyError("Not an amount.")
    if amount < 0:
        raise MoneyError("Must not be negative.")
    if amount > MAX_FEN / 100:
        raise MoneyError("Amount too large.")
    if amount != amount.quantize(Decimal("0.01")):
        raise MoneyError("At most two decimal places.")
    fen = int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))
    return fen


def fen_to_yuan(fen: int | None) -> str | None:
    if fen is None:
        return None
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)  # integer arithmetic: exact, and cheap
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def format_yuan(fen: int | None) -> str:
    """For people: `¥420,000.00`."""
    if fen is None:
        return "—"
    return f"¥{Decimal(fen) / 100:,.2f}"


CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_IN_GROUP = ((1000, "仟"), (100, "佰"), (10, "拾"), (1, ""))
_GROUP_UNITS = ("", "万", "亿", "万亿")


def _capital_group(number: int) -> str:
    """1–9999 in capitals; a run of zeros inside the group is one 零, trailing zeros nothing."""
    text, pending_zero = "", False
    for place, unit in _IN_GROUP:
        digit = number // place % 10
        if digit == 0:
            pending_zero = bool(text)
            continue
        if pending_zero:
            text += "零"
        text += CAPITAL_DIGITS[digit] + unit
        pending_zero = False
    return text


def amount_in_capitals(fen: int) -> str:
    """An amount in Chinese capital numerals (大写金额), as written on agreements and cheques:
    420000.00 → 肆拾贰万元整, 1234.56 → 壹仟贰佰叁拾肆元伍角陆分, 325.04 → 叁佰贰拾伍元零肆分,
    0.05 → 伍分. Tens are written 壹拾 so that nothing can be added in front."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise MoneyError("not an amount in fen")
    if fen < 0:
        raise MoneyError("Must not be negative.")
    if fen > MAX_FEN:
        raise MoneyError("Amount too large.")
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)

    groups = []
    rest = yuan
    while rest:
        rest, group = divmod(rest, 10_000)
        groups.append(group)
    text, zero_between = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_between = bool(text)
            continue
        if text and (zero_between or group < 1000):
            text += "零"
        text += _capital_group(group) + _GROUP_UNITS[index]
        zero_between = False

    if yuan:
        text += "元"
    if not cents:
        return (text or "零元") + "整"
    if jiao:
        text += CAPITAL_DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen_digit:
        text += CAPITAL_DIGITS[fen_digit] + "分"
    return text
