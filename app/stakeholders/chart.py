"""Geometry of the org chart, drawn as server-side SVG by templates/stakeholders/_chart.html.

A tidy tree per reporting line: every parent is centred over its children, siblings keep the
order given, subtrees sit side by side and never overlap, every level of the tree on its own
row. Two rules keep a large map readable instead of a mile wide:

- the direct reports of a person who have nobody reporting to them (leaves) are stacked in a
  column on a spine once there are ``STACK_FROM`` or more of them: right under that person when
  they are all leaves and few, else as the first (leftmost) children, before the reports with
  teams, in columns of at most ``COLUMN_MAX``;
- people with no reporting line at all (no manager on the map, nobody reporting to them) are
  set out in a grid under the trees instead of one long row.

Several roots are fine: everyone whose manager is not on the map starts a tree. A reporting line
that loops (the forms refuse it; the data could still hold one) is cut at its lowest id.

Everything is in viewBox units and the SVG is drawn at that size, one unit a pixel, in a box that
scrolls sideways: a 150-person map stays readable on a phone (text at 11 px and more) instead of
being shrunk to fit. Printing scales it to the page width (static/app.css).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

NODE_W = 184.0
NODE_H = 66.0
H_GAP = 24.0  # between sibling subtrees
TREE_GAP = 48.0  # between the trees of a forest
V_GAP = 44.0  # between the rows of a tree
STACK_INDENT = 20.0  # a stacked column's offset from its parent's left edge
STACK_GAP = 14.0  # between the boxes of a stacked column
STACK_FROM = 2
COLUMN_W = STACK_INDENT + NODE_W  # a stacked column with its spine
COLUMN_MAX = 15  # more leaves than this go into several columns side by side
MARGIN = 14.0  # room for the coverage-gap outline around the boxes at the edges
GRID_LABEL_H = 30.0  # the heading over the grid of people with no reporting line
GRID_GAP = 20.0
GRID_MIN_COLUMNS = 4
NAME_CHARS = 19  # what fits beside the attitude badge at 13 px bold
TITLE_CHARS = 25  # at 12 px

INFLUENCE_TAGS = {"high": "H", "medium": "M", "low": "L"}
ATTITUDE_SYMBOLS = {"supporter": "+", "neutral": "=", "detractor": "−", "unknown": "?"}
ATTITUDE_WORDS = {
    "supporter": "Supporter",
    "neutral": "Neutral",
    "detractor": "Detractor",
    "unknown": "Attitude unknown",
}
INFLUENCE_WORDS = {"high": "high", "medium": "medium", "low": "low"}
# The border's weight by influence (the H, M or L in the box says it too).
INFLUENCE_STROKES = {"high": 4, "medium": 2, "low": 1}


@dataclass(frozen=True)
class Person:
    """What the chart needs of one stakeholder."""

    id: int
    name: str
    title: str
    manager_id: int | None
    attitude: str
    influence: str
    gap: bool  # influential and nobody on the team knows them


@dataclass(frozen=True)
class Link:
    """A link from one person to another beyond the reporting line (``LinkKind``)."""

    id: int
    from_id: int
    to_id: int
    kind: str


# How each kind of link is drawn, never by colour alone: its line (solid, dashed, dotted), its
# end (an arrow, a bar, a cross) and a letter in a circle halfway (static/app.css styles them).
LINK_MARKS = {"influences": "I", "blocks": "B", "keeps_us_from": "X"}
LINK_WORDS = {
    "influences": "influences",
    "blocks": "blocks",
    "keeps_us_from": "does not want us to talk to",
}
LINK_BEND = 28.0  # how far a link's curve bows out, so it is not taken for a reporting line


@dataclass(frozen=True)
class DrawnLink:
    link: Link
    d: str  # SVG path data, from the edge of one box to the edge of the other
    mark_x: float  # where its letter sits
    mark_y: float
    label: str  # in words: "Ann blocks Bob"

    @property
    def mark(self) -> str:
        return LINK_MARKS.get(self.link.kind, "?")


@dataclass(frozen=True)
class Node:
    person: Person
    x: float  # top-left corner of the box
    y: float
    name: str  # as drawn (shortened to fit; the full text is in ``label``)
    title: str
    label: str  # the whole node in words (its link's accessible name and tooltip)
    width: float = NODE_W
    height: float = NODE_H

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def attitude(self) -> str:
        """The attitude the box is filled for (its class, org-<attitude> in static/app.css; the
        word and the symbol say it too): "unknown" is a hatch, not a colour."""
        return self.person.attitude if self.person.attitude in ATTITUDE_WORDS else "unknown"

    @property
    def stroke_width(self) -> int:
        return INFLUENCE_STROKES.get(self.person.influence, 2)

    @property
    def symbol(self) -> str:
        return ATTITUDE_SYMBOLS.get(self.person.attitude, "?")

    @property
    def tag(self) -> str:
        """The attitude in a word and the influence as H, M or L (never colour alone)."""
        word = (
            self.person.attitude.capitalize()
            if self.person.attitude in ATTITUDE_WORDS
            else "Unknown"
        )
        return f"{word} · influence {INFLUENCE_TAGS.get(self.person.influence, 'M')}"


@dataclass(frozen=True)
class Chart:
    nodes: tuple[Node, ...]
    edges: tuple[str, ...]  # SVG path data, one per reporting line
    width: float
    height: float
    description: str
    grid_label_y: float | None = None  # the top of the heading over the grid, if any
    counts: dict[str, int] = field(default_factory=dict)
    links: tuple[DrawnLink, ...] = ()


def shorten(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _label(person: Person) -> str:
    parts = [person.name]
    if person.title:
        parts.append(person.title)
    parts.append(ATTITUDE_WORDS.get(person.attitude, "Attitude unknown"))
    parts.append(f"{INFLUENCE_WORDS.get(person.influence, 'medium')} influence")
    if person.gap:
        parts.append("coverage gap: nobody on the team knows them")
    return ", ".join(parts)


class _Layout:
    def __init__(self, people: Sequence[Person]) -> None:
        self.people = {p.id: p for p in people}
        self.order = [p.id for p in people]
        self.children: dict[int, list[int]] = {p.id: [] for p in people}
        self.roots = self._forest()
        self._split()
        self.widths: dict[int, float] = {}
        self.placed: dict[int, tuple[float, float]] = {}
        self.edges: list[str] = []

    def _forest(self) -> list[int]:
        """The roots, and each person's children in the given order; a loop is cut."""
        parent: dict[int, int] = {}
        for pid in self.order:
            manager = self.people[pid].manager_id
            if manager is not None and manager in self.people and manager != pid:
                parent[pid] = manager
                self.children[manager].append(pid)
        roots = [pid for pid in self.order if pid not in parent]
        reached: set[int] = set()
        stack = list(roots)
        while True:
            while stack:
                pid = stack.pop()
                reached.add(pid)
                stack.extend(self.children[pid])
            loose = [pid for pid in self.order if pid not in reached]
            if not loose:
                break
            cut = min(loose)  # everyone left is in or under a loop: make its lowest id a root
            self.children[parent.pop(cut)].remove(cut)
            roots.append(cut)
            stack.append(cut)
        rooted = set(roots)
        return [pid for pid in self.order if pid in rooted]

    def _split(self) -> None:
        """Each person's stacked columns (their leaves, if enough) and their other children."""
        self.columns: dict[int, list[list[int]]] = {}
        self.branches: dict[int, list[int]] = {}
        for pid, kids in self.children.items():
            leaves = [k for k in kids if not self.children[k]]
            if len(leaves) < STACK_FROM:
                leaves = []
            count = -(-len(leaves) // COLUMN_MAX)  # ceil
            size = -(-len(leaves) // count) if count else 0  # balanced columns
            self.columns[pid] = [leaves[i : i + size] for i in range(0, len(leaves), size or 1)]
            stacked = set(leaves)
            self.branches[pid] = [k for k in kids if k not in stacked]

    def _under(self, pid: int) -> bool:
        """Are all of a person's children in one column right under them?"""
        return len(self.columns[pid]) == 1 and not self.branches[pid]

    def _span(self, pid: int) -> float:
        """The width of a person's children side by side (a column counts as one)."""
        units = [COLUMN_W] * len(self.columns[pid]) + [self.widths[k] for k in self.branches[pid]]
        return sum(units) + H_GAP * (len(units) - 1)

    def measure(self, pid: int) -> float:
        """The width of the subtree under ``pid`` (children first: no recursion limit)."""
        for node in self._post_order(pid):
            if not self.children[node]:
                width = NODE_W
            elif self._under(node):
                width = COLUMN_W
            else:
                width = self._span(node)
            self.widths[node] = max(width, NODE_W)
        return self.widths[pid]

    def _post_order(self, pid: int) -> list[int]:
        out: list[int] = []
        stack = [(pid, False)]
        while stack:
            node, done = stack.pop()
            if done:
                out.append(node)
                continue
            stack.append((node, True))
            stack.extend((k, False) for k in reversed(self.children[node]))
        return out

    def place(self, pid: int, left: float, top: float) -> float:
        """Place the subtree of ``pid`` with its left edge at ``left``; its lowest point."""
        order = self._post_order(pid)  # children before their parents
        lefts, depth = {pid: left}, {pid: 0}
        column_lefts: dict[int, list[float]] = {}
        for node in reversed(order):  # parents first: hand each child subtree its left edge
            if not self.children[node] or self._under(node):
                continue
            x = lefts[node] + (self.widths[node] - self._span(node)) / 2
            column_lefts[node] = []
            for _ in self.columns[node]:
                column_lefts[node].append(x)
                x += COLUMN_W + H_GAP
            for kid in self.branches[node]:
                lefts[kid], depth[kid] = x, depth[node] + 1
                x += self.widths[kid] + H_GAP
        lowest = top
        for node in order:
            if node not in lefts:  # in a column: placed with its parent
                continue
            y = top + depth[node] * (NODE_H + V_GAP)
            if not self.children[node] or self._under(node):
                x = lefts[node]
                if self.children[node]:
                    start = f"M{x + STACK_INDENT / 2:g} {y + NODE_H:g}"
                    first = y + NODE_H + STACK_GAP
                    lowest = max(lowest, self._stack(start, x, first, self.columns[node][0]))
            else:
                spines = [c + STACK_INDENT / 2 for c in column_lefts[node]]
                anchors = spines + [self.placed[k][0] + NODE_W / 2 for k in self.branches[node]]
                x = (anchors[0] + anchors[-1]) / 2 - NODE_W / 2
                start = f"M{x + NODE_W / 2:g} {y + NODE_H:g}V{y + NODE_H + V_GAP / 2:g}"
                for kid in self.branches[node]:
                    kx, ky = self.placed[kid]
                    self.edges.append(f"{start}H{kx + NODE_W / 2:g}V{ky:g}")
                first = y + NODE_H + V_GAP
                for column, c_left, spine in zip(
                    self.columns[node], column_lefts[node], spines, strict=True
                ):
                    lowest = max(lowest, self._stack(f"{start}H{spine:g}", c_left, first, column))
            self.placed[node] = (x, y)
            lowest = max(lowest, y + NODE_H)
        return lowest

    def _stack(self, start: str, left: float, first: float, kids: list[int]) -> float:
        """``kids`` in a column from ``first`` down, on a spine at ``left`` + half the indent
        that ``start`` (path data) leads to; the column's lowest point."""
        box_x = left + STACK_INDENT
        ky = first
        for kid in kids:
            self.placed[kid] = (box_x, ky)
            self.edges.append(f"{start}V{ky + NODE_H / 2:g}H{box_x:g}")
            ky += NODE_H + STACK_GAP
        return ky - STACK_GAP


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def describe(people: Sequence[Person], trees: int, singles: int) -> str:
    """The chart in words, for its ``<desc>``."""
    if not people:
        return "Nobody is on the map yet."
    count = {a: sum(1 for p in people if p.attitude == a) for a in ATTITUDE_WORDS}
    high = sum(1 for p in people if p.influence == "high")
    gaps = sum(1 for p in people if p.gap)
    shape = [_count(trees, "reporting line", "reporting lines")] if trees else []
    if singles:
        shape.append(_count(singles, "person", "people") + " with no reporting line recorded")
    return (
        f"{_count(len(people), 'person', 'people')} on the map: {' and '.join(shape)}. "
        f"{_count(count['supporter'], 'supporter', 'supporters')}, "
        f"{count['neutral']} neutral, {_count(count['detractor'], 'detractor', 'detractors')}, "
        f"{count['unknown']} of unknown attitude; {high} with high influence; "
        f"{_count(gaps, 'coverage gap', 'coverage gaps')}. The table below lists everyone."
    )


def _edge(node: Node, towards: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the centre of ``node`` to ``towards`` leaves its box."""
    cx, cy = node.x + node.width / 2, node.y + node.height / 2
    dx, dy = towards[0] - cx, towards[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(
        (node.width / 2) / abs(dx) if dx else float("inf"),
        (node.height / 2) / abs(dy) if dy else float("inf"),
    )
    return cx + dx * scale, cy + dy * scale


def draw_links(
    nodes: Sequence[Node], links: Sequence[Link], bounds: tuple[float, float]
) -> tuple[DrawnLink, ...]:
    """Each link as a gentle curve from the edge of one box to the edge of the other, bowed to
    its left (so A→B and B→A do not overlap), with its letter at the middle of the curve."""
    by_id = {node.person.id: node for node in nodes}
    drawn = []
    for link in links:
        first, second = by_id.get(link.from_id), by_id.get(link.to_id)
        if first is None or second is None or first is second:
            continue
        a = (first.x + first.width / 2, first.y + first.height / 2)
        b = (second.x + second.width / 2, second.y + second.height / 2)
        length = max(((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5, 1.0)
        normal = ((a[1] - b[1]) / length, (b[0] - a[0]) / length)
        control = (  # kept inside the drawing
            min(max((a[0] + b[0]) / 2 + normal[0] * LINK_BEND * 2, 0.0), bounds[0]),
            min(max((a[1] + b[1]) / 2 + normal[1] * LINK_BEND * 2, 0.0), bounds[1]),
        )
        start, end = _edge(first, control), _edge(second, control)
        # The middle of the quadratic curve: a quarter each end, half the control point.
        mid = (
            (start[0] + 2 * control[0] + end[0]) / 4,
            (start[1] + 2 * control[1] + end[1]) / 4,
        )
        words = LINK_WORDS.get(link.kind, link.kind)
        drawn.append(
            DrawnLink(
                link=link,
                d=(
                    f"M{start[0]:.1f} {start[1]:.1f}Q{control[0]:.1f} {control[1]:.1f} "
                    f"{end[0]:.1f} {end[1]:.1f}"
                ),
                mark_x=round(mid[0], 1),
                mark_y=round(mid[1], 1),
                label=f"{first.person.name} {words} {second.person.name}",
            )
        )
    return tuple(drawn)


def build(people: Sequence[Person], links: Sequence[Link] = ()) -> Chart:
    """The chart of ``people`` (siblings in the order given) and the ``links`` between them."""
    layout = _Layout(people)
    trees = [r for r in layout.roots if layout.children[r]]
    singles = [r for r in layout.roots if not layout.children[r]]
    left, lowest, right = MARGIN, MARGIN, MARGIN
    for root in trees:
        width = layout.measure(root)
        lowest = max(lowest, layout.place(root, left, MARGIN))
        right = left + width
        left = right + TREE_GAP
    grid_label_y: float | None = None
    if singles:
        top = MARGIN
        if trees:  # under the trees, with a heading
            grid_label_y = lowest + V_GAP
            top = grid_label_y + GRID_LABEL_H
        fits = int((right - MARGIN + H_GAP) // (NODE_W + H_GAP))
        columns = min(len(singles), max(GRID_MIN_COLUMNS, fits))
        for i, pid in enumerate(singles):
            row, column = divmod(i, columns)
            x = MARGIN + column * (NODE_W + H_GAP)
            y = top + row * (NODE_H + GRID_GAP)
            layout.placed[pid] = (x, y)
            right = max(right, x + NODE_W)
            lowest = max(lowest, y + NODE_H)
    nodes = tuple(
        Node(
            person=layout.people[pid],
            x=round(layout.placed[pid][0], 1),
            y=round(layout.placed[pid][1], 1),
            name=shorten(layout.people[pid].name, NAME_CHARS),
            title=shorten(layout.people[pid].title, TITLE_CHARS),
            label=_label(layout.people[pid]),
        )
        for pid in layout.order
    )
    counts = {a: sum(1 for p in people if p.attitude == a) for a in ATTITUDE_WORDS}
    counts["gaps"] = sum(1 for p in people if p.gap)
    width = round(right + MARGIN, 1) if people else 0
    height = round(lowest + MARGIN, 1) if people else 0
    return Chart(
        nodes=nodes,
        edges=tuple(layout.edges),
        width=width,
        height=height,
        description=describe(people, len(trees), len(singles)),
        grid_label_y=grid_label_y,
        counts=counts,
        links=draw_links(nodes, links, (width, height)),
    )
