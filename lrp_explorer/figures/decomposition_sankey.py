"""Where the relevance of a decomposition flows: a Sankey diagram (pure).

One link per share ``c_{j,i}(h_i − ã_{j,i})`` that upper unit j hands to unit
i of the layer below, its width the share's size, **red** for a positive
share and **blue** for a negative one; one grey link per upper unit to its
layer's "unresolved" node (the relevance left at the roots).

A deep network has hundreds of shares (dtd-mlp: about 270), far too many
thin links to read, so the shares smaller than ``merge`` × the layer's total
flow are merged: per upper unit, its small positive shares become one red
link and its small negative ones one blue link to the layer's "small shares"
node. Every upper unit keeps its total flow (Σ|shares| + |unresolved|).
``layer`` shows one layer's step alone (its upper units on the left, its
input units on the right).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from lrp_core.decompose import Decomposition, LayerResult
from lrp_explorer.figures.decomposition import (
    NEGATIVE,
    POSITIVE,
    TITLE_WIDTH,
    UNRESOLVED,
    title_margin,
    title_of,
    unit_label,
    unit_name,
    wrap,
)

MIN_LINK = 1e-12
MERGE = 0.05  # shares below 5 % of their layer's flow are merged
NODE = "rgba(90, 90, 90, 0.8)"
SMALL = "rgba(190, 190, 190, 0.9)"


@dataclass
class _Graph:
    """Nodes and links as Plotly wants them (parallel lists)."""

    label: list[str] = field(default_factory=list)
    about: list[str] = field(default_factory=list)
    colour: list[str] = field(default_factory=list)
    level: list[int] = field(default_factory=list)  # the column: the level a node belongs to
    source: list[int] = field(default_factory=list)
    target: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    link_colour: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def node(self, label: str, about: str, level: int, colour: str = NODE) -> int:
        self.label.append(label)
        self.about.append(about)
        self.colour.append(colour)
        self.level.append(level)
        return len(self.label) - 1

    def link(self, source: int, target: int, value: float, colour: str, text: str) -> None:
        self.source.append(source)
        self.target.append(target)
        self.value.append(value)
        self.link_colour.append(colour)
        self.text.append(text)

    def positions(self) -> tuple[list[float], list[float]]:
        """x and y of every node: one column per level (the output at the left), each column's nodes
        stacked by their size, the layer's sinks below the units they sit beside. Without positions
        Plotly moves a node that receives nothing (all its shares merged) to the first column."""
        size = [0.0] * len(self.label)
        into = [0.0] * len(self.label)
        for s, t, v in zip(self.source, self.target, self.value, strict=True):
            size[s] += v
            into[t] += v
        size = [max(a, b) for a, b in zip(size, into, strict=True)]
        levels = sorted(set(self.level), reverse=True)
        col = {lv: 0.001 + 0.998 * k / max(1, len(levels) - 1) for k, lv in enumerate(levels)}
        total = {lv: sum(z for z, n in zip(size, self.level, strict=True) if n == lv) or 1.0 for lv in levels}
        below = dict.fromkeys(levels, 0.0)
        xs, ys = [], []
        for z, lv in zip(size, self.level, strict=True):
            xs.append(col[lv])
            ys.append(0.001 + 0.998 * (below[lv] + z / 2) / total[lv])
            below[lv] += z
        return xs, ys


def _units(g: _Graph, dec: Decomposition, steps: list[LayerResult]) -> dict[tuple[int, int], int]:
    """One node per unit of every level the steps touch, the output first."""
    levels = sorted({lr.layer + 1 for lr in steps} | {lr.layer for lr in steps}, reverse=True)
    n = len(dec.widths)
    return {(level, i): g.node(unit_name(level, i, n), unit_label(dec.widths, level, i), level)
            for level in levels for i in range(dec.widths[level])}


def _layer_links(g: _Graph, lr: LayerResult, index: dict[tuple[int, int], int], merge: float) -> None:
    """Layer ``lr``'s shares (small ones merged), then its unresolved links."""
    shares = [(node.neuron, i, v) for node in lr.nodes for i, v in enumerate(node.passed_down.tolist())
              if abs(v) > MIN_LINK]
    total = sum(abs(v) for _, _, v in shares) + sum(abs(n.unresolved) for n in lr.nodes)
    cut = merge * total
    small: dict[tuple[int, bool], list[float]] = {}
    for j, i, v in shares:
        src = index[(lr.layer + 1, j)]
        if abs(v) >= cut:
            g.link(src, index[(lr.layer, i)], abs(v), (POSITIVE if v > 0 else NEGATIVE).format(a=0.45),
                   f"{v:.4g}")
        else:
            acc = small.setdefault((j, v > 0), [0.0, 0.0])
            acc[0] += v
            acc[1] += 1
    if small:
        sink = g.node(f"small shares (layer {lr.layer})",
                      f"shares below {merge:.0%} of layer {lr.layer}'s flow, merged per unit", lr.layer, SMALL)
        for (j, positive), (s, count) in small.items():
            g.link(index[(lr.layer + 1, j)], sink, abs(s), (POSITIVE if positive else NEGATIVE).format(a=0.3),
                   f"{int(count)} small shares, {s:+.4g} in all")
    lost = [n for n in lr.nodes if abs(n.unresolved) > MIN_LINK]
    if lost:
        sink = g.node(f"unresolved (layer {lr.layer})", f"relevance left at layer {lr.layer}'s roots", lr.layer,
                      UNRESOLVED.format(a=0.9))
        for n in lost:
            g.link(index[(lr.layer + 1, n.neuron)], sink, abs(n.unresolved), UNRESOLVED.format(a=0.45),
                   f"{n.unresolved:.4g} (unresolved)")


def sankey_trace(dec: Decomposition, *, layer: int | None = None, merge: float = MERGE,
                 domain: dict[str, list[float]] | None = None) -> dict[str, Any]:
    """The flow of every layer (``layer=None``) or of layer ``layer`` alone."""
    steps = [lr for lr in dec.layers if layer is None or lr.layer == layer]
    if not steps:
        raise ValueError(f"no layer {layer} in this decomposition")
    g = _Graph()
    index = _units(g, dec, steps)
    for lr in steps:
        _layer_links(g, lr, index, merge)
    xs, ys = g.positions()
    return dict(  # a trace as a dict: plotly validates it once, inside the figure
        type="sankey", arrangement="snap", domain=domain or {},
        node={"label": g.label, "color": g.colour, "pad": 6, "thickness": 14, "customdata": g.about, "x": xs, "y": ys,
              "hovertemplate": "%{customdata}: %{value:.4g} in or out<extra></extra>"},
        link={"source": g.source, "target": g.target, "value": g.value, "color": g.link_colour,
              "customdata": g.text,
              "hovertemplate": "%{source.label} → %{target.label}: %{customdata}<extra></extra>"},
    )


def sankey_title(dec: Decomposition, layer: int | None) -> str:
    what = "every layer" if layer is None else f"layer {layer}"
    return f"Relevance flow of y{dec.output + 1}, {what}: {title_of(dec)}"


def sankey(dec: Decomposition, *, layer: int | None = None, merge: float = MERGE,
           title: str | None = None) -> go.Figure:
    """Relevance flowing from the explained output (left) towards the inputs (right); see the module."""
    head = wrap(title or sankey_title(dec, layer), 2 * TITLE_WIDTH)
    return go.Figure(data=[sankey_trace(dec, layer=layer, merge=merge)],
                     layout={"title": {"text": head, "font": {"size": 14}}, "height": 460 + title_margin(head),
                             "margin": {"l": 20, "r": 20, "t": title_margin(head), "b": 20}})
