"""Figures and tables for the "Neuron importance" page (pure: results in, figures out).

- :func:`bar_figure`: grouped bars, one group per unit, one bar per method,
  each method's values divided by its largest magnitude so all share an axis;
  raw values (± standard error) on hover.
- :func:`rank_figure`: the rank of every unit under every method as a
  heat-coloured table (1 = most important), so disagreement stands out.
- :func:`convergence_figure`: the sampled Shapley estimate ± one standard
  error against the number of permutations, with the exact values as dashed
  lines when they are known.
- :func:`pruning_figure`: the loss after removing the k least important
  units, k = 0..n, one line per method.
- :func:`scores_frame`, :func:`prune_first_sentences`: the raw-score table and
  the plain-words line naming the unit each method would prune first.

Units are named ``h1 … hn`` as on the editor page (``h4`` is the pruning
paper's "unit 4").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch

from lrp_core.importance import METHODS, PruningCurve, Scores
from lrp_explorer.figures.fit import COLOUR_BAR, label_width, legend_height

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf",
          "#bcbd22")


def unit_name(i: int) -> str:
    return f"h{i + 1}"


def method_label(method: str) -> str:
    return METHODS.get(method).label if method in METHODS else method


def _legend(r: Scores) -> str:
    suffix = "" if r.higher_is_important else " (lower = more important)"
    return method_label(r.method) + suffix


def _color(j: int) -> str:
    return COLORS[j % len(COLORS)]


#: Scores whose magnitudes all stay below this are rounding noise (e.g. the gradient of a
#: loss that is exactly 0): they are drawn as 0 rather than blown up to ±1.
NOISE = 1e-12


def is_flat(r: Scores) -> bool:
    """Whether the method cannot tell the units apart: every score is the same
    up to rounding (spread ≤ 1e-12 relative, or all magnitudes ≤ 1e-12)."""
    if r.n_units == 0:
        return True
    top = float(r.scores.abs().max())
    return top <= NOISE or float(r.scores.max() - r.scores.min()) <= NOISE * max(1.0, top)


def normalised(r: Scores) -> tuple[list[float], list[float] | None]:
    """Scores (and standard errors) divided by the largest |score|; all-zero
    (up to rounding, see :data:`NOISE`) scores are drawn as 0."""
    scale = float(r.scores.abs().max()) if r.n_units else 0.0
    if scale <= NOISE:
        zeros = [0.0] * r.n_units
        return zeros, None if r.stderr is None else list(zeros)
    values = (r.scores / scale).tolist()
    errors = None if r.stderr is None else torch.nan_to_num(r.stderr / scale, nan=0.0).tolist()
    return values, errors


def bar_figure(results: Sequence[Scores]) -> go.Figure:
    """Grouped bar chart of every method's normalised scores (raw values on hover).

    Built from one dict (not trace by trace): plotly validates it once, which
    is several times faster and keeps the page live while weights change."""
    data = []
    for j, r in enumerate(results):
        values, errors = normalised(r)
        raw = r.scores.tolist()
        se = r.stderr.tolist() if r.stderr is not None else None
        hover = [
            f"{method_label(r.method)}<br>{unit_name(i)}: {raw[i]:.6g}"
            + (f" ± {se[i]:.2g}" if se is not None else "")
            + f"<br>normalised: {values[i]:.3f}"
            for i in range(r.n_units)
        ]
        trace: dict = dict(
            type="bar",
            x=[unit_name(i) for i in range(r.n_units)],
            y=values,
            name=_legend(r),
            marker=dict(color=_color(j)),
            hovertext=hover,
            hoverinfo="text",
            customdata=raw,
        )
        if errors is not None:
            trace["error_y"] = dict(type="data", array=errors, visible=True)
        data.append(trace)
    layout = dict(
        barmode="group",
        title=dict(text="Each unit's score, divided by the method's largest |score|", font=dict(size=14)),
        yaxis=dict(title=dict(text="normalised score")),
        showlegend=True,  # even for one method: the legend names it
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0, font=dict(size=11), entrywidth=0.5,
                    entrywidthmode="fraction"),
        margin=dict(l=70, r=10, t=40, b=46 + legend_height(len(data), 2)),  # room for the legend (figures.fit)
        height=400,
    )
    return go.Figure(dict(data=data, layout=layout))


def rank_matrix(results: Sequence[Scores]) -> list[list[int]]:
    """``ranks[m][i]``: unit i's rank under method m (1 = most important)."""
    return [r.ranks().tolist() for r in results]


def rank_figure(results: Sequence[Scores]) -> go.Figure:
    """A heat-coloured rank table: rows are methods, columns units; dark = important.
    A method that cannot tell the units apart (:func:`is_flat`) shows "tie" in a middle colour."""
    ranks = rank_matrix(results)
    n = results[0].n_units if results else 0
    labels = [method_label(r.method) for r in results]
    z: list[list[float]] = []
    text: list[list[str]] = []
    for r, row in zip(results, ranks, strict=True):
        if is_flat(r):
            z.append([(n + 1) / 2] * n)
            text.append(["tie"] * n)
        else:
            z.append([float(v) for v in row])
            text.append([str(v) for v in row])
    heat = dict(
        type="heatmap",
        z=z,
        x=[unit_name(i) for i in range(n)],
        y=labels,
        text=text,
        texttemplate="%{text}",
        colorscale="YlOrRd",
        reversescale=True,
        zmin=1,
        zmax=max(n, 2),
        colorbar=dict(title=dict(text="rank")),
        hovertemplate="%{y}<br>%{x}: rank %{text}<extra></extra>",
    )
    layout = dict(
        title=dict(text="Rank of each unit (1 = most important, prune the highest number first)"),
        yaxis=dict(autorange="reversed"),
        margin=dict(l=12 + label_width(labels), r=COLOUR_BAR + 10, t=60, b=44),  # labels, colour bar (figures.fit)
        height=max(220, 40 * len(results) + 120),
    )
    return go.Figure(dict(data=[heat], layout=layout))


def convergence_figure(sampled: Scores, exact: Scores | None = None) -> go.Figure:
    """Running sampled-Shapley estimate ± one standard error per unit, against
    the number of permutations (log axis); exact values as dashed lines."""
    if "running_mean" not in sampled.extra:
        raise ValueError("convergence_figure needs a shapley-sampled result")
    # NumPy arrays: plotly takes an array in one step but checks a list item by item
    x = np.asarray(sampled.extra["running_permutations"], dtype=np.float64)
    mean = sampled.extra["running_mean"].detach().cpu().numpy()
    se = torch.nan_to_num(sampled.extra["running_stderr"], nan=0.0).detach().cpu().numpy()
    band_x = np.concatenate([x, x[::-1]])
    data: list[dict] = []
    for i in range(sampled.n_units):
        color = _color(i)
        m = mean[:, i]
        band_y = np.concatenate([m + se[:, i], (m - se[:, i])[::-1]])
        data.append(dict(type="scatter", x=band_x, y=band_y, fill="toself", fillcolor=color,
                         opacity=0.18, line=dict(width=0), hoverinfo="skip", showlegend=False,
                         legendgroup=unit_name(i), name=f"{unit_name(i)} ± 1 s.e."))
        data.append(dict(type="scatter", x=x, y=m, mode="lines", line=dict(color=color), name=unit_name(i),
                         legendgroup=unit_name(i),
                         hovertemplate=f"{unit_name(i)}<br>%{{x}} permutations: %{{y:.6g}}<extra></extra>"))
        if exact is not None:
            value = float(exact.scores[i])
            data.append(dict(type="scatter", x=[float(x[0]), float(x[-1])], y=[value, value], mode="lines",
                             line=dict(color=color, dash="dash"), legendgroup=unit_name(i),
                             name=f"{unit_name(i)} exact", showlegend=False,
                             hovertemplate=f"{unit_name(i)} exact: {value:.6g}<extra></extra>"))
    layout = dict(
        title=dict(text="Sampled Shapley estimate ± 1 standard error"
                   + (" (dashed: exact)" if exact is not None else "")),
        xaxis=dict(title=dict(text="permutations sampled"), type="log"),
        yaxis=dict(title=dict(text="Shapley value (loss increase)")),
        margin=dict(l=70, r=76 + label_width(unit_name(i) for i in range(sampled.n_units)), t=60, b=76),
        height=420,
    )
    return go.Figure(dict(data=data, layout=layout))


def pruning_figure(curves: Sequence[PruningCurve]) -> go.Figure:
    """Loss after removing the k least important units, one line per method."""
    data = []
    for j, c in enumerate(curves):
        order = [unit_name(int(i)) for i in c.order.tolist()]
        removed = ["none"] + [", ".join(order[:k]) for k in range(1, len(order) + 1)]
        data.append(dict(
            type="scatter",
            x=list(range(len(c.losses))),
            y=c.losses.tolist(),
            mode="lines+markers",
            name=method_label(c.method),
            line=dict(color=_color(j)),
            customdata=removed,
            hovertemplate=f"{method_label(c.method)}<br>k = %{{x}}: loss %{{y:.6g}}"
                          "<br>removed: %{customdata}<extra></extra>",
        ))
    layout = dict(
        title=dict(text="Pruning curve: loss after removing the k least important units"),
        xaxis=dict(title=dict(text="units removed (k)"), dtick=1),
        yaxis=dict(title=dict(text="loss")),
        margin=dict(l=70, r=66 + label_width(method_label(c.method) for c in curves), t=60, b=76),
        height=420,
    )
    return go.Figure(dict(data=data, layout=layout))


def scores_frame(results: Sequence[Scores]) -> pd.DataFrame:
    """Raw scores: one row per unit, one column per method (plus ``± s.e.`` columns)."""
    data: dict[str, list[float]] = {}
    for r in results:
        data[method_label(r.method)] = r.scores.tolist()
        if r.stderr is not None:
            data[f"{method_label(r.method)} ± s.e."] = r.stderr.tolist()
    n = results[0].n_units if results else 0
    return pd.DataFrame(data, index=pd.Index([unit_name(i) for i in range(n)], name="unit"))


def prune_first_sentences(results: Sequence[Scores]) -> list[str]:
    """One plain-words line per method naming the unit it would remove first."""
    lines = []
    for r in results:
        i = r.prune_first()
        value = float(r.scores[i])
        if is_flat(r):
            lines.append(f"**{method_label(r.method)}** cannot tell the units apart (every score is "
                         f"{value:.3g} up to rounding).")
        else:
            lines.append(f"**{method_label(r.method)}** would prune **{unit_name(i)}** first (score {value:.4g}).")
    return lines
