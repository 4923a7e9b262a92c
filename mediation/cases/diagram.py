"""The lifecycle diagram, drawn from the machine definition (`workflow.as_data()`) so it cannot
drift from what the machine does: a Mermaid `stateDiagram-v2` (README, `flask workflow diagram`)
and a self-contained SVG (the Workflow page), laid out here in pure Python.

Layout of the SVG: columns are the breadth-first depth of each open state from the initial
state; the main path (from the initial state, always on to the next column, preferring the
state that leads furthest and then the order the states are declared in) runs left to right on
the top row, the other open states sit below it in their column, and the final states close the
row on the right. A trigger fired from every open state is drawn once, from a box standing for
"any open state". Edges within a row that skip columns are routed above the row in lanes, and so
is a trigger that leaves its state as it was (a loop from the top of its box to the nearest lane).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from babel.support import Translations
from flask import has_app_context

from mediation.cases import workflow
from mediation.core.i18n import DEFAULT_LOCALE, gettext
from mediation.core.messages import N_

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"

ANY_OPEN = "any_open"  # the pseudo-state standing for every open state
ANY_OPEN_LABEL = N_("Any open state")
TITLE = N_("Case lifecycle")


def machine() -> dict[str, Any]:
    """The machine as data, labels in the current language; outside an app (a bare import, the
    README check) the labels are translated to Chinese straight from the catalogue. The words
    of the drawing itself (its title, the "any open state" box) come with it, in the same
    language."""
    data = workflow.as_data()
    if not has_app_context():
        translations = Translations.load(str(TRANSLATIONS), [DEFAULT_LOCALE])
        for item in data["states"] + data["triggers"]:
            item["label"] = translations.gettext(item["label"])
        data["words"] = {"title": translations.gettext(TITLE),
                         "any_open": translations.gettext(ANY_OPEN_LABEL)}  # fmt: skip
    else:
        data["words"] = {"title": gettext(TITLE), "any_open": gettext(ANY_OPEN_LABEL)}
    return data


def _words(data: dict[str, Any]) -> dict[str, str]:
    """The drawing's own words (data given without them, as in the tests: English)."""
    return data.get("words") or {"title": TITLE, "any_open": ANY_OPEN_LABEL}


def required_fields(trigger_name: str) -> list[str]:
    """The payload fields a trigger cannot do without (as named in forms and the API)."""
    schema = workflow.get_trigger(trigger_name).payload()
    return sorted(f.data_key or name for name, f in schema.fields.items() if f.required)


def optional_fields(trigger_name: str) -> list[str]:
    schema = workflow.get_trigger(trigger_name).payload()
    return sorted(f.data_key or name for name, f in schema.fields.items() if not f.required)


# --- Mermaid ------------------------------------------------------------------------------------


def mermaid(data: dict[str, Any] | None = None) -> str:
    """`stateDiagram-v2`: each state with its Chinese name and code, each trigger an edge
    labelled with its name, its Chinese name and the roles that may fire it."""
    data = data or machine()
    lines = ["stateDiagram-v2", "    direction LR"]
    for state in data["states"]:
        lines.append(f'    state "{state["label"]} {state["code"]}" as {state["code"]}')
    lines.append(f"    [*] --> {data['initial']}")
    for trigger in data["triggers"]:
        roles = ", ".join(trigger["roles"])
        for source in trigger["from"]:
            lines.append(
                f"    {source} --> {trigger['to']} : {trigger['name']} {trigger['label']} ({roles})"
            )
    return "\n".join(lines) + "\n"


# --- layout -------------------------------------------------------------------------------------


@dataclass
class Node:
    code: str
    label: str
    col: int
    row: int
    open: bool = True
    pseudo: bool = False


@dataclass
class Edge:
    trigger: str
    label: str
    source: str
    target: str
    lane: int | None = None  # set for same-row edges routed above the row


@dataclass
class Layout:
    nodes: dict[str, Node]
    edges: list[Edge]
    lanes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _bfs_depths(data: dict[str, Any]) -> dict[str, int]:
    successors: dict[str, list[str]] = {s["code"]: [] for s in data["states"]}
    for trigger in data["triggers"]:
        for source in trigger["from"]:
            successors[source].append(trigger["to"])
    depth = {data["initial"]: 0}
    queue = deque([data["initial"]])
    while queue:
        state = queue.popleft()
        for nxt in successors[state]:
            if nxt not in depth:
                depth[nxt] = depth[state] + 1
                queue.append(nxt)
    return depth


def layout(data: dict[str, Any] | None = None) -> Layout:
    data = data or machine()
    order = [s["code"] for s in data["states"]]
    labels = {s["code"]: s["label"] for s in data["states"]}
    open_states = [s["code"] for s in data["states"] if s["open"]]
    final_states = [s["code"] for s in data["states"] if not s["open"]]
    depth = _bfs_depths(data)
    for code in order:  # unreachable states go after the reachable ones
        depth.setdefault(code, max(depth.values()) + 1)

    # a trigger from every open state is drawn from one "any open state" box
    everywhere = {
        t["name"]
        for t in data["triggers"]
        if len(open_states) > 2 and set(t["from"]) >= set(open_states)
    }
    forward: dict[str, list[str]] = {code: [] for code in order}
    for trigger in data["triggers"]:
        if trigger["name"] in everywhere:
            continue
        for source in trigger["from"]:
            if trigger["to"] in open_states and depth[trigger["to"]] == depth[source] + 1:
                forward[source].append(trigger["to"])

    reach: dict[str, int] = {}

    def reach_of(code: str) -> int:  # how many columns the main path can still go from here
        if code not in reach:
            reach[code] = 1 + max((reach_of(n) for n in forward[code]), default=0)
        return reach[code]

    main = [data["initial"]]
    while forward[main[-1]]:
        candidates = sorted(set(forward[main[-1]]), key=lambda c: (-reach_of(c), order.index(c)))
        main.append(candidates[0])

    nodes: dict[str, Node] = {}
    taken: set[tuple[int, int]] = set()

    def place(code: str, col: int, row: int, **kw: Any) -> None:
        while (col, row) in taken:
            row += 1
        taken.add((col, row))
        nodes[code] = Node(code, kw.pop("label", labels.get(code, code)), col, row, **kw)

    for col, code in enumerate(main):
        place(code, col, 0)
    for code in open_states:
        if code not in nodes:
            place(code, depth[code], 1)
    last = max((n.col for n in nodes.values()), default=-1) + 1
    for code in final_states:
        place(code, last, 0, open=False)

    edges: list[Edge] = []
    for trigger in data["triggers"]:
        if trigger["name"] in everywhere:
            if ANY_OPEN not in nodes:
                place(
                    ANY_OPEN,
                    nodes[trigger["to"]].col,
                    1,
                    label=_words(data)["any_open"],
                    pseudo=True,
                )
            edges.append(Edge(trigger["name"], trigger["label"], ANY_OPEN, trigger["to"]))
            continue
        for source in trigger["from"]:
            edges.append(Edge(trigger["name"], trigger["label"], source, trigger["to"]))

    lanes = 0
    long_edges = [
        e
        for e in edges
        if nodes[e.source].row == nodes[e.target].row
        and abs(nodes[e.source].col - nodes[e.target].col) != 1
    ]
    # shorter spans nearer the boxes
    for edge in sorted(long_edges, key=lambda e: abs(nodes[e.source].col - nodes[e.target].col)):
        edge.lane = lanes
        lanes += 1
    return Layout(nodes, edges, lanes)


# --- SVG ----------------------------------------------------------------------------------------

# the narrowest box and column gap; a box is as wide as the longest state name needs (English
# names are twice as long as Chinese ones), the columns move apart with it
BOX_W, BOX_H = 150, 56
COL_GAP, ROW_GAP = 310, 170
NODE_FONT, NODE_PADDING = 15, 24
LANE_GAP = 34
MARGIN = 30
LABEL_H = 30


def _clip(cx: float, cy: float, tx: float, ty: float, box_w: float = BOX_W) -> tuple[float, float]:
    """Where the line from the centre (cx, cy) towards (tx, ty) leaves the box at (cx, cy)."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(
        (box_w / 2) / abs(dx) if dx else float("inf"),
        (BOX_H / 2) / abs(dy) if dy else float("inf"),
    )
    return cx + dx * scale, cy + dy * scale


def _text_width(text: str, size: float) -> float:
    """A generous estimate of the width of a line of text (a CJK character is square, a Latin
    letter of a sans-serif bold face at most about two thirds of the size)."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.62 for ch in text)


def box_width(plan: Layout) -> float:
    """The width of every box: the widest state name (or code) and its padding."""
    widest = max(
        max(_text_width(n.label, NODE_FONT), _text_width(n.code, 12)) for n in plan.nodes.values()
    )
    return max(BOX_W, round(widest + NODE_PADDING))


def _edge_label(x: float, y: float, name: str, label: str) -> str:
    width = max(_text_width(label, 12), _text_width(name, 11)) + 10
    return (
        f'<g class="edge-label" data-trigger={quoteattr(name)}>'
        f'<rect x="{x - width / 2:.1f}" y="{y - LABEL_H / 2:.1f}" width="{width:.1f}" '
        f'height="{LABEL_H}" rx="4" fill="#ffffff" fill-opacity="0.92"/>'
        f'<text x="{x:.1f}" y="{y - 2:.1f}" text-anchor="middle" font-size="12" '
        f'fill="#1f2933">{escape(label)}</text>'
        f'<text class="code" x="{x:.1f}" y="{y + 11:.1f}" text-anchor="middle" font-size="11" '
        f'font-family="monospace" fill="#6b7280">{escape(name)}</text></g>'
    )


def svg(data: dict[str, Any] | None = None) -> str:
    """The diagram as a standalone SVG document (valid XML; no external references)."""
    data = data or machine()
    plan = layout(data)
    box_w = box_width(plan)
    # room between two boxes for the widest label of an edge drawn between them
    widest_label = max(
        (max(_text_width(e.label, 12), _text_width(e.trigger, 11)) + 10 for e in plan.edges),
        default=0,
    )
    col_gap = max(COL_GAP + (box_w - BOX_W), box_w + widest_label + 24)
    top = MARGIN + plan.lanes * LANE_GAP + (LABEL_H if plan.lanes else 0)
    cols = max(n.col for n in plan.nodes.values()) + 1
    rows = max(n.row for n in plan.nodes.values()) + 1
    width = MARGIN * 2 + (cols - 1) * col_gap + box_w
    height = top + (rows - 1) * ROW_GAP + BOX_H + MARGIN

    def centre(code: str) -> tuple[float, float]:
        node = plan.nodes[code]
        return (
            MARGIN + node.col * col_gap + box_w / 2,
            top + node.row * ROW_GAP + BOX_H / 2,
        )

    # spread the ends of lane edges along the top of each box
    ports: dict[str, list[Edge]] = {}
    for edge in plan.edges:
        if edge.lane is not None:
            ports.setdefault(edge.source, []).append(edge)
            ports.setdefault(edge.target, []).append(edge)

    def port_x(code: str, edge: Edge) -> float:
        here = ports[code]
        cx, _ = centre(code)
        return cx + (here.index(edge) - (len(here) - 1) / 2) * 24

    # triggers between the same two states (confirm performance, close partly performed) are
    # drawn side by side, each line with its own label
    parallel: dict[tuple[str, str], list[Edge]] = {}
    for edge in plan.edges:
        if edge.lane is None:
            parallel.setdefault((edge.source, edge.target), []).append(edge)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" class="workflow-diagram" '
        f'font-family="-apple-system, &quot;PingFang SC&quot;, &quot;Microsoft YaHei&quot;, '
        f'&quot;Noto Sans CJK SC&quot;, sans-serif">',
        f"<title>{escape(_words(data)['title'])}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#475569"/></marker></defs>',
    ]
    labels = []
    for edge in plan.edges:
        sx, sy = centre(edge.source)
        tx, ty = centre(edge.target)
        attrs = (
            f'class="edge" data-trigger={quoteattr(edge.trigger)} '
            f"data-from={quoteattr(edge.source)} data-to={quoteattr(edge.target)}"
        )
        if edge.lane is not None:
            y = top - 18 - edge.lane * LANE_GAP - (LABEL_H / 2 if edge.lane else 0)
            box_top = top + plan.nodes[edge.source].row * ROW_GAP
            if edge.source == edge.target:
                # a loop as wide as its box, its label resting on it
                x1, x2 = sx - box_w / 2 + 14, sx + box_w / 2 - 14
                label_y = y - LABEL_H / 2 - 1
            else:
                x1, x2 = port_x(edge.source, edge), port_x(edge.target, edge)
                label_y = y
            parts.append(
                f'<path {attrs} d="M{x1:.1f},{box_top:.1f} L{x1:.1f},{y:.1f} L{x2:.1f},{y:.1f} '
                f'L{x2:.1f},{box_top:.1f}" fill="none" stroke="#475569" stroke-width="1.5" '
                f'marker-end="url(#arrow)"/>'
            )
            labels.append(_edge_label((x1 + x2) / 2, label_y, edge.trigger, edge.label))
            continue
        siblings = parallel[(edge.source, edge.target)]
        if len(siblings) > 1:  # moved apart across the line's direction
            shift = (siblings.index(edge) - (len(siblings) - 1) / 2) * (LABEL_H + 4)
            length = ((tx - sx) ** 2 + (ty - sy) ** 2) ** 0.5
            ox, oy = -(ty - sy) / length * shift, (tx - sx) / length * shift
            sx, sy, tx, ty = sx + ox, sy + oy, tx + ox, ty + oy
        x1, y1 = _clip(sx, sy, tx, ty, box_w)
        x2, y2 = _clip(tx, ty, sx, sy, box_w)
        dashed = ' stroke-dasharray="6 4"' if edge.source == ANY_OPEN else ""
        parts.append(
            f'<path {attrs} d="M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}" fill="none" '
            f'stroke="#475569" stroke-width="1.5"{dashed} marker-end="url(#arrow)"/>'
        )
        labels.append(_edge_label((x1 + x2) / 2, (y1 + y2) / 2, edge.trigger, edge.label))

    for node in plan.nodes.values():
        cx, cy = centre(node.code)
        x, y = cx - box_w / 2, cy - BOX_H / 2
        fill = "#f8fafc" if node.pseudo else ("#e5e7eb" if not node.open else "#ffffff")
        stroke = "#b91c1c" if node.code == data["initial"] else "#64748b"
        dash = ' stroke-dasharray="6 4"' if node.pseudo else ""
        code = "" if node.pseudo else node.code
        parts.append(
            f'<g class="state" data-state={quoteattr(node.code)}>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{box_w}" height="{BOX_H}" rx="10" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}/>'
            f'<text x="{cx:.1f}" y="{cy - 3 if code else cy + 5:.1f}" text-anchor="middle" '
            f'font-size="{NODE_FONT}" font-weight="600" fill="#1f2933">{escape(node.label)}</text>'
            + (
                f'<text class="code" x="{cx:.1f}" y="{cy + 16:.1f}" text-anchor="middle" '
                f'font-size="12" font-family="monospace" fill="#6b7280">{escape(code)}</text>'
                if code
                else ""
            )
            + "</g>"
        )
    parts.extend(labels)  # labels last, over the lines
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def svg_document(data: dict[str, Any] | None = None) -> str:
    """The SVG as a file of its own, with the XML declaration."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg(data)


def trigger_rows(data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The table of the Workflow page: one row per trigger, from the same data as the diagram."""
    data = data or machine()
    return [
        {
            **trigger,
            "required": required_fields(trigger["name"]),
            "optional": optional_fields(trigger["name"]),
        }
        for trigger in data["triggers"]
    ]
