"""Coded values that know a person's word for themselves.

The database stores codes; pages show words. Each domain declares its enums as `LabelledEnum`
and gives their words once with `set_labels`; `member.label` (and `label_of` for a bare code
read from JSON) answer in the request's language. Core thereby labels any code without
knowing which domain it belongs to.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

from flask_babel.speaklater import LazyString

# (enum, code) → word: keyed by the enum too, because members of two string enums with the same
# code are equal (and hash alike) as strings; and bare code → word, for codes that arrive as
# strings (event payloads)
_WORDS: dict[tuple[type, str], LazyString | str] = {}
_WORDS_BY_CODE: dict[str, LazyString | str] = {}


class LabelledEnum(enum.StrEnum):
    @property
    def label(self) -> LazyString | str:
        return _WORDS.get((type(self), self.value), self.value)

    @classmethod
    def choices(cls) -> list[tuple[str, LazyString | str]]:
        return [(m.value, m.label) for m in cls]


E = TypeVar("E", bound="LabelledEnum")


def set_labels(words: Mapping[E, LazyString | str]) -> None:
    """Register the words of some enum members (English msgids, translated when shown). A bare
    code shared by two enums takes the word registered first."""
    for member, word in words.items():
        _WORDS[(type(member), member.value)] = word
        _WORDS_BY_CODE.setdefault(member.value, word)


def label_of(code: object) -> LazyString | str | None:
    """The word for a member or a bare code, or None when the code has none."""
    if isinstance(code, LabelledEnum):
        return code.label
    try:
        return _WORDS_BY_CODE.get(code)  # type: ignore[call-overload]  # (any hashable code)
    except TypeError:  # an unhashable value: not a code
        return None
