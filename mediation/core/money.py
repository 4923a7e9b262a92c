"""Money is stored as integer fen and shown as yuan with two decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MAX_FEN = 10**15  # ten trillion yuan: far beyond any claim, well inside BIGINT


class MoneyError(ValueError):
    pass


def yuan_to_fen(value: str | int | float | Decimal) -> int:
    """Parse yuan (`"4200.50"`, `4200`) into fen, refusing negatives and sub-fen precision."""
    if isinstance(value, bool):
        raise MoneyError("not an amount")
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise MoneyError("not an amount") from None
    if not amount.is_finite():
        raise MoneyError("not an amount")
    if amount < 0:
        raise MoneyError("must not be negative")
    if amount > MAX_FEN / 100:
        raise MoneyError("amount too large")
    if amount != amount.quantize(Decimal("0.01")):
        raise MoneyError("at most two decimal places")
    fen = int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))
    return fen


def fen_to_yuan(fen: int | None) -> str | None:
    if fen is None:
        return None
    return f"{Decimal(fen) / 100:.2f}"


def format_yuan(fen: int | None) -> str:
    """For people: `¥420,000.00`."""
    if fen is None:
        return "—"
    return f"¥{Decimal(fen) / 100:,.2f}"
