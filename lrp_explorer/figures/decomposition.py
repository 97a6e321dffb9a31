"""Figures for DTD decompositions (pure: a :class:`Decomposition` in, a Figure out).

- :func:`heat_rows`: relevance per neuron per level, the input at the bottom
  and the output at the top, on a diverging scale centred at 0;
- :func:`sankey`: relevance flowing from the explained output down to the
  inputs, one link per (upper neuron, lower neuron) share ``c_{j,i}(h_i − ã_{j,i})``
  and one link per upper neuron to that layer's "unresolved" node;
- :func:`conservation_bars`: per layer, the relevance sum, the unresolved and
  the negative part against f(x);
- :func:`compare_inputs`: two decompositions' input relevance side by side.
"""

from __future__ import annotations

import plotly.graph_objects as go

from lrp_core.decompose import MODE_LABELS, Decomposition

POSITIVE = "rgba(214, 39, 40, {a})"
NEGATIVE = "rgba(31, 119, 180, {a})"
UNRESOLVED = "rgba(127, 127, 127, {a})"
MIN_LINK = 1e-12


def level_names(n_levels: int) -> list[str]:
    """Names of the levels, inputs first: input, hidden 0, …, output."""
    return ["input"] + [f"hidden {k}" for k in range(n_levels - 2)] + ["output"]


def title_of(dec: Decomposition) -> str:
    specs = sorted({lr.spec.label for lr in dec.layers})
    return f"{MODE_LABELS[dec.mode]}, {' / '.join(specs)}"


def heat_rows(dec: Decomposition, title: str | None = None) -> go.Figure:
    """One heat row per level (input at the bottom, output at the top); cells
    are neurons, colour is relevance (red positive, blue negative)."""
    levels = dec.relevance_levels()
    width = max(int(r.shape[0]) for r in levels)
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for rel in levels:
        vals = rel.tolist()
        z.append([*vals, *([None] * (width - len(vals)))])
        text.append([f"{v:.3g}" for v in vals] + [""] * (width - len(vals)))
    names = level_names(len(levels))
    bound = max((abs(v) for row in z for v in row if v is not None), default=1.0) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=z, x=list(range(width)), y=names, text=text, texttemplate="%{text}",
            colorscale="RdBu", reversescale=True, zmid=0.0, zmin=-bound, zmax=bound,
            colorbar={"title": "relevance"}, xgap=2, ygap=2,
            hovertemplate="%{y}, neuron %{x}: relevance %{z:.6g}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title or f"Relevance per neuron ({title_of(dec)})",
        xaxis={"title": "neuron", "dtick": 1}, yaxis={"title": "", "autorange": True},
        height=120 + 48 * len(levels), margin={"l": 80, "r": 20, "t": 50, "b": 40},
    )
    return fig


def sankey(dec: Decomposition, title: str | None = None) -> go.Figure:
    """Relevance flowing from the output (left) to the inputs (right).

    Link width is |share|; red links carry positive relevance, blue negative;
    grey links go to the layer's "unresolved" node (relevance left at the roots;
    plotly places these sinks in the right-most column).
    """
    n_levels = len(dec.widths)
    names = level_names(n_levels)
    index: dict[tuple[int, int], int] = {}
    labels: list[str] = []
    colors: list[str] = []
    for level in range(n_levels - 1, -1, -1):
        for i in range(dec.widths[level]):
            index[(level, i)] = len(labels)
            labels.append(f"{names[level]} {i}")
            colors.append("rgba(90, 90, 90, 0.8)")
    unresolved_node: dict[int, int] = {}
    source: list[int] = []
    target: list[int] = []
    value: list[float] = []
    link_color: list[str] = []
    hover: list[str] = []
    for lr in dec.layers:
        upper_level, lower_level = lr.layer + 1, lr.layer
        for node in lr.nodes:
            for i, share in enumerate(node.passed_down.tolist()):
                if abs(share) <= MIN_LINK:
                    continue
                source.append(index[(upper_level, node.neuron)])
                target.append(index[(lower_level, i)])
                value.append(abs(share))
                link_color.append((POSITIVE if share > 0 else NEGATIVE).format(a=0.45))
                hover.append(f"{share:.4g}")
            if abs(node.unresolved) > MIN_LINK:
                if lr.layer not in unresolved_node:
                    unresolved_node[lr.layer] = len(labels)
                    labels.append(f"unresolved (layer {lr.layer})")
                    colors.append(UNRESOLVED.format(a=0.9))
                source.append(index[(upper_level, node.neuron)])
                target.append(unresolved_node[lr.layer])
                value.append(abs(node.unresolved))
                link_color.append(UNRESOLVED.format(a=0.45))
                hover.append(f"{node.unresolved:.4g} (unresolved)")
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": labels, "color": colors, "pad": 8, "thickness": 14},
            link={"source": source, "target": target, "value": value, "color": link_color,
                  "customdata": hover,
                  "hovertemplate": "%{source.label} → %{target.label}: %{customdata}<extra></extra>"},
        )
    )
    fig.update_layout(
        title=title or f"Relevance flow from output {dec.output} to the inputs ({title_of(dec)})",
        height=520, margin={"l": 20, "r": 20, "t": 50, "b": 20},
    )
    return fig


def conservation_bars(dec: Decomposition, title: str | None = None) -> go.Figure:
    """Per layer (output at the left): the relevance sum on the layer's input,
    the unresolved part and the negative part; the dashed line is f(x)."""
    frame = dec.layer_frame()
    x = [f"layer {k}" for k in frame["layer"]]
    fig = go.Figure()
    fig.add_bar(name="sum of relevance", x=x, y=frame["sum"], marker_color=POSITIVE.format(a=0.8),
                hovertemplate="%{x}: sum %{y:.6g}<extra></extra>")
    fig.add_bar(name="unresolved (at the roots)", x=x, y=frame["unresolved"],
                marker_color=UNRESOLVED.format(a=0.8),
                hovertemplate="%{x}: unresolved %{y:.6g}<extra></extra>")
    fig.add_bar(name="negative part", x=x, y=frame["negative"], marker_color=NEGATIVE.format(a=0.8),
                hovertemplate="%{x}: negative %{y:.6g}<extra></extra>")
    fig.add_hline(y=dec.f_x, line_dash="dash", annotation_text=f"f(x) = {dec.f_x:.4g}")
    fig.update_layout(
        title=title or f"Conservation per layer ({title_of(dec)})", barmode="group",
        yaxis={"title": "relevance"}, height=380, margin={"l": 60, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def compare_inputs(left: Decomposition, right: Decomposition, labels: tuple[str, str] | None = None) -> go.Figure:
    """Input relevance of two decompositions of the same point, side by side."""
    names = labels or (title_of(left), title_of(right))
    n = int(left.input_relevance.shape[0])
    x = [f"x{i + 1}" for i in range(n)]
    fig = go.Figure()
    for dec, name, color in ((left, names[0], POSITIVE), (right, names[1], NEGATIVE)):
        fig.add_bar(name=name, x=x, y=dec.input_relevance.tolist(), marker_color=color.format(a=0.8),
                    hovertemplate="%{x}: %{y:.6g}<extra>" + name + "</extra>")
    fig.update_layout(title="Input relevance side by side", barmode="group", yaxis={"title": "relevance"},
                      height=360, margin={"l": 60, "r": 20, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.2})
    return fig

