"""Resident ID numbers (GB 11643), unified social credit codes (GB 32100) and the organization
codes (GB 11714) embedded in them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mediation.core.identifiers import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    id_check_digit,
    is_valid_credit_code,
    is_valid_id_number,
    is_valid_organization_code,
    make_credit_code,
    mask_id_number,
    normalize_credit_code,
    normalize_id_number,
    organization_code_check_char,
)

KNOWN_ID = "11010519491231002X"
KNOWN_CREDIT_CODE = "91350100M000100Y43"


def with_check_digit(first17: str) -> str:
    return first17 + id_check_digit(first17)


# --- resident ID numbers ----------------------------------------------------------------------


def test_known_id_number_is_valid():
    assert is_valid_id_number(KNOWN_ID)
    assert id_check_digit(KNOWN_ID[:17]) == "X"


def test_a_hand_computed_check_digit():
    # weighted sum of 44030519900307123 is 248; 248 mod 11 = 6 -> "10X98765432"[6] = "6"
    assert id_check_digit("44030519900307123") == "6"
    assert is_valid_id_number("440305199003071236")
    assert not is_valid_id_number("440305199003071235")


def test_every_wrong_check_character_is_refused():
    first17 = KNOWN_ID[:17]
    wrong = [c for c in "0123456789X" if c != "X"]
    assert len(wrong) == 10
    for char in wrong:
        assert not is_valid_id_number(first17 + char), char


def test_lowercase_x_and_surrounding_spaces_are_accepted_and_normalized():
    assert is_valid_id_number("11010519491231002x")
    assert is_valid_id_number(f"  {KNOWN_ID} ")
    assert normalize_id_number(" 11010519491231002x ") == KNOWN_ID


@pytest.mark.parametrize(
    "number",
    [
        "",
        KNOWN_ID[:17],  # 17 characters
        KNOWN_ID + "1",  # 19 characters
        "110105491231002",  # an old 15-digit number
        "11010519491231X02X",  # X outside the last position
        "1101051949123100AX",  # letters
        "11010519491231 02X",  # inner space
        pytest.param("１１０１０５１９４９１２３１００２X", id="fullwidth-digits"),
        pytest.param("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", id="arabic-indic-digits"),
    ],
)
def test_wrong_length_or_characters_are_refused(number):
    assert not is_valid_id_number(number)


@pytest.mark.parametrize(
    "birth",
    [
        "19490230",  # 30 February
        "19491301",  # month 13
        "19490001",  # month 0
        "19490100",  # day 0
        "19490431",  # 31 April
        "19010229",  # 1901 is not a leap year
        "18991231",  # before 1900
    ],
)
def test_impossible_birth_dates_are_refused_even_with_a_correct_check_digit(birth):
    number = with_check_digit(f"110105{birth}002")
    assert not is_valid_id_number(number)


def test_birth_date_in_the_future_is_refused():
    tomorrow = (date.today() + timedelta(days=1)).strftime("%Y%m%d")
    assert not is_valid_id_number(with_check_digit(f"110105{tomorrow}002"))


def test_leap_day_birth_date_is_accepted():
    assert is_valid_id_number(with_check_digit("11010520000229002"))


def test_mask_keeps_region_and_last_four():
    assert mask_id_number(KNOWN_ID) == "110105********002X"
    masked = mask_id_number(KNOWN_ID)
    assert "19491231" not in masked
    assert len(masked) == len(KNOWN_ID)


@pytest.mark.parametrize("value", [None, ""])
def test_mask_passes_empty_values_through(value):
    assert mask_id_number(value) == value


# --- unified social credit codes ---------------------------------------------------------------


def test_known_credit_code_is_valid():
    assert is_valid_credit_code(KNOWN_CREDIT_CODE)
    assert credit_code_check_char(KNOWN_CREDIT_CODE[:17]) == "3"


def test_every_wrong_credit_code_check_character_is_refused():
    first17 = KNOWN_CREDIT_CODE[:17]
    wrong = [c for c in CREDIT_CODE_ALPHABET if c != "3"]
    assert len(wrong) == 30
    for char in wrong:
        assert not is_valid_credit_code(first17 + char), char


def test_credit_code_lowercase_and_spaces_are_normalized():
    assert is_valid_credit_code(KNOWN_CREDIT_CODE.lower())
    assert is_valid_credit_code(f" {KNOWN_CREDIT_CODE}  ")
    assert normalize_credit_code(" 91350100m000100y43 ") == KNOWN_CREDIT_CODE


@pytest.mark.parametrize(
    "code",
    [
        "",
        KNOWN_CREDIT_CODE[:17],  # 17 characters
        KNOWN_CREDIT_CODE + "0",  # 19 characters
        "91350100M000100Y4 ",  # 17 characters and a space
        "9135A100M000100Y43",  # a letter in the six-digit region code
        "91350100M000100Y4-",  # punctuation
        # full-width digits in the region code: refused (False), not a crash
        pytest.param("9135０１００M000100Y43", id="fullwidth-region-digits"),
    ],
)
def test_credit_code_wrong_length_or_characters_are_refused(code):
    assert not is_valid_credit_code(code)


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_letters_outside_the_gb32100_alphabet_are_refused(letter):
    # Replace a letter position with a forbidden letter and give it the "right" check character
    # computed as if the letter were allowed: the code must still be refused.
    first17 = KNOWN_CREDIT_CODE[:8] + letter + KNOWN_CREDIT_CODE[9:17]
    for check in CREDIT_CODE_ALPHABET:
        assert not is_valid_credit_code(first17 + check)


def test_credit_code_check_char_round_trip():
    for n in range(0, 500, 7):
        code = make_credit_code("91", "440300", f"MA5G{n:04d}")
        first17 = code[:17]
        assert is_valid_credit_code(code), code
        # changing one of the first 17 characters (31 is prime) always breaks the check
        other = "1" if first17[-1] == "0" else "0"
        changed = first17[:-1] + other + code[17]
        assert not is_valid_credit_code(changed), changed


# --- organization codes (GB 11714) inside credit codes ---------------------------------------


@pytest.mark.parametrize(
    ("body", "check", "working"),
    [
        # 7·3 + 0·7 + 8·9 + 4·10 + 6·5 + 1·8 + 1·4 + 3·2 = 181; 181 mod 11 = 5; 11 - 5 = 6
        ("70846113", "6", "181"),
        # M=22, Y=34: 66 + 5 + 68 = 139; 139 mod 11 = 7; 11 - 7 = 4 (GB 32100's own example)
        ("M000100Y", "4", "139"),
        # M=22, A=10, X=33: 66 + 70 + 9 + 330 + 10 = 485; 485 mod 11 = 1; 11 - 1 = 10 → X
        ("MA1X0005", "X", "485"),
        # a sum of 0: 11 - 0 = 11 → 0
        ("00000000", "0", "0"),
    ],
)
def test_organization_code_check_character_worked_examples(body, check, working):
    assert organization_code_check_char(body) == check
    assert is_valid_organization_code(body + check)
    assert is_valid_organization_code(f"{body}-{check}")  # the printed form
    assert is_valid_organization_code((body + check).lower())


@pytest.mark.parametrize(
    "code",
    ["708461135", "708461137", "M000100Y5", "MA1X00050", "00000000X", "7084611-6", "70846113",
     "7084611306", "70846113-", "708461_36", "70846113A"],
)  # fmt: skip
def test_wrong_organization_codes_are_refused(code):
    assert not is_valid_organization_code(code)


def test_a_credit_code_whose_organization_code_fails_gb11714_is_refused():
    # 91440300708461136T is a registered company's code: both checks pass
    assert is_valid_credit_code("91440300708461136T")
    # the same organization-code body with a wrong check character (5 instead of 6), and the
    # credit code's own check character recomputed so that only GB 11714 can refuse it
    first17 = "91440300708461135"
    forged = first17 + credit_code_check_char(first17)
    assert not is_valid_credit_code(forged)
    # every organization-code check character but the right one is refused the same way
    for wrong in "0123456789":  # the right one is X
        first17 = "91320581MA1X0005" + wrong
        assert not is_valid_credit_code(first17 + credit_code_check_char(first17)), wrong
    assert is_valid_credit_code(make_credit_code("91", "320581", "MA1X0005"))
    assert make_credit_code("91", "320581", "MA1X0005")[8:17] == "MA1X0005X"
