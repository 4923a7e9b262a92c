"""Control characters in people's text (docs/security.md "Input").

A single-line value (a title, a name) holds no control character at all: a line break copied
into an e-mail, a CSV cell or a log line would start a line the writer did not mean. Longer
texts may hold line breaks and tabs, nothing else of the kind.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"
SINGLE_LINE_BREAKERS = re.compile(f"[{_CONTROL}]")
_MULTI_LINE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control(text: str, *, multiline: bool = False) -> bool:
    """Whether `text` holds a control character it may not (line breaks and tabs are allowed
    in multi-line text)."""
    pattern = _MULTI_LINE_FORBIDDEN if multiline else SINGLE_LINE_BREAKERS
    return pattern.search(text) is not None


def one_line(text: str) -> str:
    """`text` on one line: each run of control characters (line breaks included) a space."""
    return re.sub(f"[{_CONTROL}]+", " ", text).strip()
