"""Check characters of the Chinese identifiers the system records."""

from __future__ import annotations

import re
from datetime import date

# GB 32100-2015: unified social credit code.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")

# GB 11714-1997: organization code, eight characters and a check character. GB 32100 embeds it
# as characters 9-17 of the credit code (the "subject identifier"), check character included.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_RE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")

# GB 11643-1999: resident identity number.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(ch) * w
        for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return value.strip().upper()


def is_valid_credit_code(value: str) -> bool:
    """GB 32100: the alphabet, the six-digit region, the check character, and the embedded
    organization code (characters 9-17) with its own GB 11714 check character."""
    code = normalize_credit_code(value)
    if not CREDIT_CODE_RE.match(code):
        return False
    if not is_valid_organization_code(code[8:17]):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def make_credit_code(prefix: str, region: str, body: str) -> str:
    """A credit code from its registration authority and kind (`prefix`, e.g. "91": a company
    registered by the market regulator), the six-digit `region` and the organization code's
    eight-character `body`: both check characters computed."""
    first17 = prefix + region + body + organization_code_check_char(body)
    return first17 + credit_code_check_char(first17)


def organization_code_check_char(first8: str) -> str:
    """GB 11714: digits count as themselves, letters A-Z as 10-35; C9 = 11 - (sum of
    weighted values mod 11), written 'X' for 10 and '0' for 11."""
    total = sum(
        (int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10) * w
        for ch, w in zip(first8, ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def is_valid_organization_code(value: str) -> bool:
    """Nine characters (digits and capitals, the last a digit or X) with the GB 11714 check;
    the printed form with a hyphen before the check character (`70846113-6`) is accepted."""
    code = value.strip().upper()
    if len(code) == 10 and code[8] == "-":
        code = code[:8] + code[9]
    if not ORG_CODE_RE.match(code):
        return False
    return organization_code_check_char(code[:8]) == code[8]


def id_check_digit(first17: str) -> str:
    total = sum(int(ch) * w for ch, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    return value.strip().upper()


def is_valid_id_number(value: str) -> bool:
    """18 digits (last may be X), a real birth date, and the GB 11643 check digit."""
    number = normalize_id_number(value)
    if not ID_RE.match(number):
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > date.today():
        return False
    return id_check_digit(number[:17]) == number[17]


def mask_id_number(value: str | None) -> str | None:
    """`110105********123X`: keeps region and the last four, hides the birth date."""
    if not value:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


# Mainland phone numbers: a mobile (11 digits, 1[3-9]…) or a landline with its area code
# (0 + 2–3 digits, then 7–8 digits). Separators are dropped so that SMS gateways get digits.
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE_RE = re.compile(r"^0[1-9][0-9]{1,2}[2-9][0-9]{6,7}$")
PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")


def normalize_phone(value: str) -> str:
    """Digits only: spaces, hyphens and brackets dropped, a leading +86 / 0086 removed."""
    digits = PHONE_SEPARATORS.sub("", value.strip())
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def is_valid_phone(value: str) -> bool:
    """A mainland mobile number or a landline with its area code (after `normalize_phone`)."""
    number = normalize_phone(value)
    return bool(MOBILE_RE.match(number) or LANDLINE_RE.match(number))
