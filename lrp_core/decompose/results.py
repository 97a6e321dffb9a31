"""What a decomposition returns: :class:`RootNode`, :class:`LayerResult`, :class:`Decomposition`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from lrp_core.decompose.spec import FinderSpec
from lrp_core.errors import LRPError

Tensor = torch.Tensor
DTYPE = torch.float64

TREE_COLUMNS = ("mode", "layer", "neuron", "input", "upper", "point", "root", "gradient", "passed_down",
                "unresolved", "in_segment", "cached", "reason")

# --- results ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RootNode:
    """One explained neuron ``neuron`` of layer ``layer``'s output.

    ``upper`` is its relevance R_{k,j} at the point; ``root`` the root ã_j in
    layer k's input space (None if no search was made or no root exists:
    ``reason`` says why); ``gradient`` c_j = ∇g_j on the point's segment;
    ``passed_down`` = c_j ⊙ (h_k − ã_j), its share of each input's relevance;
    ``unresolved`` = g_j(ã_j) by the affine map (what stays behind);
    ``relevance_true`` = g_j(ã_j) through the real network.
    """

    layer: int
    neuron: int
    upper: float
    root: Tensor | None
    gradient: Tensor
    passed_down: Tensor
    unresolved: float
    relevance_true: float
    in_segment: bool
    distance: float
    reason: str
    cached: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "neuron": self.neuron,
            "upper": self.upper,
            "root": None if self.root is None else self.root.tolist(),
            "gradient": self.gradient.tolist(),
            "passed_down": self.passed_down.tolist(),
            "unresolved": self.unresolved,
            "relevance_true": _num(self.relevance_true),
            "in_segment": self.in_segment,
            "distance": _num(self.distance),
            "reason": self.reason,
            "cached": self.cached,
        }


@dataclass(frozen=True, eq=False)
class LayerResult:
    """Layer k's step: relevance ``upper`` on its outputs redistributed onto
    its input ``point`` as ``relevance``; one :class:`RootNode` per neuron."""

    layer: int
    point: Tensor
    upper: Tensor
    relevance: Tensor
    nodes: tuple[RootNode, ...]
    spec: FinderSpec
    searches: int
    hits: int

    @property
    def sum(self) -> float:
        return float(self.relevance.sum())

    @property
    def upper_sum(self) -> float:
        return float(self.upper.sum())

    @property
    def unresolved(self) -> float:
        return float(sum(n.unresolved for n in self.nodes))

    @property
    def negative(self) -> float:
        """The sum of the negative relevances on this layer's input (<= 0)."""
        return float(self.relevance.clamp_max(0.0).sum())

    @property
    def step_error(self) -> float:
        """``sum + unresolved − upper_sum``: 0 up to rounding when gradients
        are taken on the point's segment."""
        return self.sum + self.unresolved - self.upper_sum


@dataclass(frozen=True, eq=False)
class Decomposition:
    """A whole decomposition; ``layers`` run from the output down (layer L-1
    first), so ``layers[-1].relevance`` is the input relevance."""

    mode: str
    output: int
    x: Tensor
    f_x: float
    layers: tuple[LayerResult, ...]
    root_searches: int
    cache_hits: int
    cache_misses: int
    cache_used: bool
    evaluations: int
    seconds: float
    digest: str
    widths: tuple[int, ...]

    @property
    def input_relevance(self) -> Tensor:
        return self.layers[-1].relevance

    def layer(self, k: int) -> LayerResult:
        for lr in self.layers:
            if lr.layer == k:
                return lr
        raise LRPError(f"no layer {k}; layers are 0..{len(self.layers) - 1}")

    def relevance_levels(self) -> list[Tensor]:
        """Relevance per level, inputs first: level 0 = input, level L = the
        output layer (f_x on the explained output, 0 elsewhere)."""
        top = torch.zeros(self.widths[-1], dtype=DTYPE)
        top[self.output] = self.f_x
        return [lr.relevance for lr in reversed(self.layers)] + [top]

    def to_json(self) -> dict[str, Any]:
        """The CLI contract."""
        return {
            "mode": self.mode,
            "output": self.output,
            "f_x": self.f_x,
            "layers": [
                {"layer": lr.layer, "relevance": lr.relevance.tolist(), "sum": lr.sum,
                 "unresolved": lr.unresolved}
                for lr in self.layers
            ],
            "input_relevance": self.input_relevance.tolist(),
            "root_searches": self.root_searches,
            "cache_hits": self.cache_hits,
            "seconds": self.seconds,
        }

    def to_full_json(self) -> dict[str, Any]:
        """The contract plus the settings, per-layer summary and the root tree."""
        out = self.to_json()
        out["x"] = self.x.tolist()
        out["cache"] = {"used": self.cache_used, "hits": self.cache_hits, "misses": self.cache_misses}
        out["evaluations"] = self.evaluations
        out["summary"] = self.layer_rows()
        out["tree"] = [
            {"layer": lr.layer, "finder": lr.spec.finder, "params": dict(lr.spec.params),
             "point": lr.point.tolist(), "upper": lr.upper.tolist(),
             "nodes": [n.to_json() for n in lr.nodes]}
            for lr in self.layers
        ]
        return out

    def layer_rows(self) -> list[dict[str, Any]]:
        """Per layer: total relevance, conservation error against f(x)_o, the
        unresolved part, the negative part, searches and cache hits."""
        return [{
            "layer": lr.layer, "finder": lr.spec.label, "upper_sum": lr.upper_sum, "sum": lr.sum,
            "conservation_error": lr.sum - self.f_x, "unresolved": lr.unresolved,
            "step_error": lr.step_error, "negative": lr.negative,
            "root_searches": lr.searches, "cache_hits": lr.hits,
        } for lr in self.layers]

    def tree_rows(self) -> list[dict[str, Any]]:
        """The tree, flat: one row per (layer, explained neuron, input unit), keys :data:`TREE_COLUMNS`."""
        rows = []
        for lr in self.layers:
            for node in lr.nodes:
                for i in range(lr.point.shape[0]):
                    rows.append({
                        "mode": self.mode, "layer": lr.layer, "neuron": node.neuron, "input": i,
                        "upper": node.upper, "point": float(lr.point[i]),
                        "root": math.nan if node.root is None else float(node.root[i]),
                        "gradient": float(node.gradient[i]), "passed_down": float(node.passed_down[i]),
                        "unresolved": node.unresolved, "in_segment": node.in_segment,
                        "cached": node.cached, "reason": node.reason,
                    })
        return rows

    def relevance_rows(self) -> list[dict[str, Any]]:
        """Relevance per neuron per level (level 0 = inputs, level L = outputs)."""
        return [{"level": level, "neuron": i, "relevance": v}
                for level, rel in enumerate(self.relevance_levels()) for i, v in enumerate(rel.tolist())]


def _num(v: float) -> float | None:
    return None if not math.isfinite(v) else v


