"""Error messages are sentences (issue 20: "error texts in English are lowercase fragments").

Every text a service, schema or view raises for a person to read starts with a capital letter
and ends with a full stop (or ? / !), in the API's English as on a page: the messages listed
in `core.messages`, and every string literal given to an error (`DomainError` and its kinds,
marshmallow's `ValidationError`, `Message`), found by reading the sources' syntax trees.
"""

from __future__ import annotations

import ast
from pathlib import Path

from mediation.core import messages

SOURCES = Path(__file__).resolve().parents[2] / "mediation"
ERRORS = {"DomainError", "NotFound", "PermissionDenied", "Conflict", "ValidationFailed",
          "ValidationError", "Message", "FieldError", "RuleError"}  # fmt: skip


def is_sentence(text: str) -> bool:
    """A capital first (or a value: "%(name)s is …"), a full stop last."""
    starts = text[:1].isupper() or text.startswith("%(")
    return starts and text.rstrip().endswith((".", "?", "!", "。"))


def _strings(node: ast.AST) -> list[str]:
    """The string literals in an argument: itself, or the messages of a {field: [messages]}
    dictionary or list."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("N_", "Message"):
        return _strings(node.args[0]) if node.args else []
    if isinstance(node, ast.Dict):
        return [s for value in node.values for s in _strings(value)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [s for element in node.elts for s in _strings(element)]
    return []


def raised_texts() -> dict[str, list[str]]:
    """Each string literal handed to an error, with where it is."""
    found: dict[str, list[str]] = {}
    for path in sorted(SOURCES.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ERRORS:
                continue
            arguments = node.args[:1] + [k.value for k in node.keywords if k.arg == "message"]
            if name == "ValidationFailed":  # (fields, message)
                arguments = node.args[:2] + [k.value for k in node.keywords
                                             if k.arg in ("fields", "message")]  # fmt: skip
            for argument in arguments:
                for text in _strings(argument):
                    found.setdefault(text, []).append(f"{path.name}:{node.lineno}")
    return found


def test_the_listed_service_messages_are_sentences():
    listed = messages.SERVICES + messages.MARSHMALLOW + messages.MARSHMALLOW_WITH_VALUES
    assert [m for m in listed if not is_sentence(m)] == []


def test_every_message_given_to_an_error_is_a_sentence():
    found = raised_texts()
    assert len(found) > 50  # the sources were read
    fragments = {
        text: where for text, where in found.items()
        if text and not is_sentence(text) and not text.endswith("%(message)s")  # (a sentence)
    }  # fmt: skip
    assert fragments == {}


def test_the_defaults_of_the_errors_are_sentences():
    from mediation.core.errors import NotFound, ValidationFailed

    assert NotFound().message == "Not found."
    assert ValidationFailed({}).message == "The input is not valid."
