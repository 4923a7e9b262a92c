"""A tiny DOM over html.parser, for the tests that read the app's pages.

`dom(response)` parses a response into `Node`s; `find_all` / `find` select by tag,
by one CSS class (`cls="x"` or `class_="x"`) and by exact attribute values (`name="note"`; a
trailing underscore is dropped, so `for_="x"` means the `for` attribute).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None = None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[Node]:
        """The descendants (not this node) with that tag, that class and those attributes."""
        wanted_classes = {cls} if cls is not None else set()
        wanted_attrs = {}
        for key, value in attrs.items():
            key = key.rstrip("_")
            if key == "class":
                wanted_classes.add(value)
            else:
                wanted_attrs[key] = value

        def matches(node: Node) -> bool:
            return (
                (tag is None or node.tag == tag)
                and wanted_classes <= node.classes
                and all(node.attrs.get(k) == v for k, v in wanted_attrs.items())
            )

        return [n for n in self.iter() if n is not self and matches(n)]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> Node | None:
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    @property
    def text(self) -> str:
        """The text inside, with each run of white space made one space and the ends stripped."""
        parts = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text)
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def ancestor(self, cls: str) -> Node | None:
        """The nearest enclosing node with the CSS class `cls`."""
        node = self.parent
        while node is not None and cls not in node.classes:
            node = node.parent
        return node


def _attrs(attrs: list[tuple[str, str | None]]) -> dict[str, str]:
    return {k: (v if v is not None else "") for k, v in attrs}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#root", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, _attrs(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, _attrs(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def dom(response) -> Node:
    """The parsed page of a test-client response."""
    builder = _Builder()
    builder.feed(response.get_data(as_text=True))
    return builder.root
