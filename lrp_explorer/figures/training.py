"""Figures for training and pruning: the loss curve, and the output over the
plane with the data on it (pure functions of results; legends in the plot)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from lrp_explorer.figures.network import PlaneGrid, plane_heatmap


def loss_curve_figure(curve: Sequence[float], *, epochs: int | None = None, loss: str = "mse",
                      height: int = 260) -> go.Figure:
    """The loss before training (epoch 0) and after each epoch, log scale when it spans decades."""
    xs = list(range(len(curve)))
    fig = go.Figure(go.Scatter(x=xs, y=list(curve), mode="lines+markers" if len(curve) < 40 else "lines",
                               name=f"{loss} loss on all data",
                               hovertemplate="epoch %{x}<br>loss %{y:.6g}<extra></extra>"))
    positive = [v for v in curve if v > 0]
    log = bool(positive) and max(positive) / min(positive) > 100
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, showlegend=True,
                      legend={"orientation": "h", "y": 1.15, "x": 0},
                      xaxis={"title": {"text": "epoch"}, "range": [0, max(1, epochs or len(curve) - 1)]},
                      yaxis={"title": {"text": "loss"}, "type": "log" if log else "linear"})
    return fig


def heatmap_with_data(grid: PlaneGrid, X: np.ndarray, y: np.ndarray, *, title: str | None = None,
                      height: int = 360) -> go.Figure:
    """:func:`plane_heatmap` of output 0 with the data points on top, coloured by target
    (two classes for labels 0/1, else a continuous scale)."""
    fig = plane_heatmap(grid, 0, title=title, height=height)
    fig.add_traces(data_traces(X, y, colorbar=False))
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.15, "x": 0})
    return fig


def data_scatter(X: np.ndarray, y: np.ndarray, *, title: str | None = None, height: int = 320) -> go.Figure:
    """The data of a 2-input network: inputs as points, coloured by their target."""
    fig = go.Figure(data_traces(X, y, colorbar=True))
    fig.update_layout(title={"text": title} if title else None, height=height, margin={"l": 40, "r": 10, "t": 40, "b": 40},
                      xaxis={"title": {"text": "x1"}}, yaxis={"title": {"text": "x2"}, "scaleanchor": "x"},
                      showlegend=True, legend={"orientation": "h", "y": -0.2, "x": 0})
    return fig


def data_traces(X: np.ndarray, y: np.ndarray, *, colorbar: bool) -> list[go.Scatter]:
    """Scatter traces of the inputs: one per class for labels 0/1, else one coloured by the target."""
    target = np.asarray(y).reshape(len(X), -1)[:, 0]
    pts = np.asarray(X)
    if set(np.unique(target).tolist()) <= {0.0, 1.0}:
        return [go.Scatter(x=pts[target == label, 0], y=pts[target == label, 1], mode="markers",
                           name=f"label {int(label)}",
                           marker={"size": 6, "color": colour, "line": {"width": 1, "color": "white"}},
                           hovertemplate="x1 %{x:.3g}<br>x2 %{y:.3g}<extra>" + f"label {int(label)}</extra>")
                for label, colour in ((0.0, "#1f77b4"), (1.0, "#d62728"))]
    marker: dict[str, Any] = {"size": 6, "color": target, "colorscale": "Viridis", "line": {"width": 1, "color": "white"}}
    if colorbar:
        marker["colorbar"] = {"title": {"text": "target y"}}
    return [go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name="data (colour: target)", marker=marker,
                       hovertemplate="x1 %{x:.3g}<br>x2 %{y:.3g}<br>y %{marker.color:.3g}<extra></extra>")]
