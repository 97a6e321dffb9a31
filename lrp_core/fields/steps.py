"""Step records of a backward pass: what each layer of a :class:`Decomposition` did.

For the step-through view (issue 17 §2). At layer k (from the output down) a
:class:`Step` holds the layer's input neurons h_k, the relevance arriving from
above R_{k+1,j}, the root ã_j found for each upper neuron j with the finder or
rule used, the relevance handed down R_{k,i}, and the check

    Σ_i R_{k,i} + unresolved_k = Σ_j R_{k+1,j}   (to rounding).

For one neuron i, :meth:`Step.taylor` gives the first-order Taylor expansion
term by term, ``R_{k,i} = Σ_j c_{j,i} (h_i − ã_{j,i})`` (Montavon et al. 2017;
Sixt & Landgraf 2022), and :meth:`Step.rule_terms` the rule's own closed form
when a closed-form rule ran (z+, w², γ, 0; see :mod:`lrp_core.roots.rules`):

- z+: ``R_{k,i} = Σ_j r_j · c_{j,i}⁺ h_i / Σ_i' c_{j,i'}⁺ h_i'`` (c⁺ = c·1[c > 0]);
- w²: ``R_{k,i} = Σ_j r_j · c_{j,i}² / Σ_i' c_{j,i'}²``;
- γ: ``R_{k,i} = Σ_j r_j · (c_{j,i} + γ c_{j,i}⁺) h_i / Σ_i' (c_{j,i'} + γ c_{j,i'}⁺) h_i'``;
- 0: ``R_{k,i} = Σ_j c_{j,i} h_i`` (the root is the origin);

with ``r_j`` neuron j's relevance at the point and ``c_j`` its gradient on the
point's segment. Every number comes from the decomposition; nothing is
recomputed except these closed forms (tests check they equal it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lrp_core.decompose import Decomposition, FinderSpec, LayerResult
from lrp_core.roots import FINDERS, resolve_rule

FORMULA_RULES = ("z+", "w²", "γ", "0")
#: each formula rule's closed form in LaTeX (the numbers are :meth:`Step.rule_terms`)
FORMULAS = {
    "z+": r"R_{k,i} = \sum_j r_j \,\frac{c^+_{j,i} h_i}{\sum_{i'} c^+_{j,i'} h_{i'}}",
    "w²": r"R_{k,i} = \sum_j r_j \,\frac{c_{j,i}^2}{\sum_{i'} c_{j,i'}^2}",
    "γ": r"R_{k,i} = \sum_j r_j \,\frac{(c_{j,i} + \gamma c^+_{j,i}) h_i}"
         r"{\sum_{i'} (c_{j,i'} + \gamma c^+_{j,i'}) h_{i'}}",
    "0": r"R_{k,i} = \sum_j c_{j,i} h_i \quad(\tilde a_j = 0)",
}


@dataclass(frozen=True)
class UpperNeuron:
    """Upper neuron j of a step: its relevance, its root (None: none), what stayed behind."""

    neuron: int
    relevance: float
    root: tuple[float, ...] | None
    gradient: tuple[float, ...]
    unresolved: float
    reason: str


@dataclass(frozen=True)
class TaylorTerm:
    """One term ``c_{j,i} (h_i − ã_{j,i})`` of neuron i's expansion."""

    upper: int
    c: float
    h: float
    root: float
    value: float


@dataclass(frozen=True)
class RuleTerm:
    """One term ``r_j · numerator / denominator`` of a closed-form rule (for the 0
    rule: ``numerator`` = c_{j,i} h_i and ``denominator`` = 1)."""

    upper: int
    r: float
    numerator: float
    denominator: float
    value: float


@dataclass(frozen=True)
class Step:
    """Layer ``layer``'s step (see the module docstring)."""

    layer: int
    finder: str
    rule: str | None
    gamma: float
    point: tuple[float, ...]
    upper: tuple[float, ...]
    relevance: tuple[float, ...]
    neurons: tuple[UpperNeuron, ...]
    unresolved: float

    @property
    def sum(self) -> float:
        return math.fsum(self.relevance)

    @property
    def upper_sum(self) -> float:
        return math.fsum(self.upper)

    @property
    def closure_error(self) -> float:
        """``Σ R_k + unresolved − Σ R_{k+1}`` (0 to rounding)."""
        return self.sum + self.unresolved - self.upper_sum

    @property
    def formula(self) -> str | None:
        """The closed form (LaTeX) of the rule this layer ran, None unless a formula rule ran."""
        return FORMULAS.get(self.rule) if self.rule is not None else None

    def taylor(self, i: int) -> tuple[TaylorTerm, ...]:
        """Neuron i's expansion: one term per upper neuron that has a root."""
        h = self.point[i]
        return tuple(TaylorTerm(n.neuron, n.gradient[i], h, n.root[i], n.gradient[i] * (h - n.root[i]))
                     for n in self.neurons if n.root is not None)

    def rule_terms(self, i: int) -> tuple[RuleTerm, ...] | None:
        """The closed-form rule's terms for neuron i (None unless a formula rule ran)."""
        if self.rule not in FORMULA_RULES:
            return None
        out = []
        for n in self.neurons:
            if n.root is None:
                continue
            c, h = n.gradient, self.point
            if self.rule == "0":
                out.append(RuleTerm(n.neuron, n.relevance, c[i] * h[i], 1.0, c[i] * h[i]))
                continue
            weights = [_rule_weight(self.rule, cj, hj, self.gamma) for cj, hj in zip(c, h, strict=True)]
            den = math.fsum(weights)
            out.append(RuleTerm(n.neuron, n.relevance, weights[i], den, n.relevance * weights[i] / den))
        return tuple(out)


def _rule_weight(rule: str, c: float, h: float, gamma: float) -> float:
    """``c_i v_i`` of the rule's direction v."""
    if rule == "w²":
        return c * c
    if rule == "z+":
        return c * h if c > 0 else 0.0
    return (c + gamma * c if c > 0 else c) * h  # γ


def _rule_of(spec: FinderSpec) -> tuple[str | None, float]:
    """The closed-form rule (registered name) and γ a layer ran with, read from
    its finder's declared parameters with the spec's values (None: the finder
    takes no rule)."""
    entry = FINDERS.get(spec.finder)
    values = {**entry.defaults(), **spec.kwargs()}
    if "rule" not in values:
        return None, math.nan
    return resolve_rule(str(values["rule"])), float(values.get("gamma", math.nan))


def _step(lr: LayerResult) -> Step:
    rule, gamma = _rule_of(lr.spec)
    neurons = tuple(
        UpperNeuron(n.neuron, float(n.upper), None if n.root is None else tuple(n.root.tolist()),
                    tuple(n.gradient.tolist()), float(n.unresolved), n.reason)
        for n in lr.nodes
    )
    return Step(lr.layer, lr.spec.label, rule, gamma, tuple(lr.point.tolist()), tuple(lr.upper.tolist()),
                tuple(lr.relevance.tolist()), neurons, float(lr.unresolved))


def backward_steps(dec: Decomposition) -> tuple[Step, ...]:
    """One :class:`Step` per layer, from the output down (as ``dec.layers``)."""
    return tuple(_step(lr) for lr in dec.layers)
