"""Closed-form DTD root rules, generalised to the affine relevance on a segment.

Deep Taylor Decomposition (Montavon et al. 2017, "Explaining nonlinear
classification decisions with deep Taylor decomposition", Pattern Recognition
65) explains a neuron ``R_j(a) = max(0, w_j·a + b_j)`` by a Taylor expansion at
a root ``ã`` with ``R_j(ã) = 0``. A *rule* fixes a search direction ``v`` and
takes the root on the line ``ã = a − t·v`` where the line crosses the hinge:

    w·(a − t v) + β = 0   ⇒   t = (w·a + β) / (w·v) = R_aff(a) / (w·v)

(Montavon et al. 2017, Appendix, eqs. for the z+, w², zB roots; Sixt &
Landgraf 2022, "A Rigorous Study of the Deep Taylor Decomposition", TMLR,
Sec. 3 and App. A). Here the same formula is applied to *any* relevance that is
affine on a's segment, ``R(a') = w·a' + β`` with ``w`` the segment gradient of
the explained neuron (a row of ``problem.affine``), so the rules also work for
a neuron several layers up or for a network output.

Directions (``1[·]`` is an indicator, ``⊙`` the element-wise product):

- ``w²``  ``v = w``                       (Montavon et al. 2017: root nearest in L2,
  for unconstrained inputs)
- ``z+``  ``v = a ⊙ 1[w > 0]``            (Montavon et al. 2017: positive inputs)
- ``γ``   ``v = a ⊙ (1 + γ 1[w > 0])``    (LRP-γ; Montavon et al. 2019, "Layer-wise
  relevance propagation: an overview", Sec. 10.2.3)
- ``zB``  ``v_i = a_i − l_i`` if ``w_i > 0`` else ``a_i − h_i``  (box ``l ≤ a ≤ h``;
  Montavon et al. 2017, the z^B rule: the root lies on the segment from a
  to the corner of the box that minimises R)
- ``x``   ``v = a``                       (the line from a towards the origin; the
  study's ``x`` rule; with zero biases this is LRP-0 = gradient×input)
- ``0``   ``ã = 0``                        (the study's ``0`` rule: the origin itself,
  a root only if ``R_aff(0) = β = 0``, i.e. no bias along the segment)
- ``pinv`` (layer rule) ``ã = a − W⁺ R_aff(a)`` for all explained neurons at
  once, ``W`` stacking the gradients of the live ones (inactive neurons, with
  gradient 0, get no root) and ``W⁺`` the Moore–Penrose
  pseudo-inverse: the point nearest to a (in L2) where every explained neuron's
  affine relevance is zero (the study's ``pinv`` rule computes a layer's root
  with ``torch.linalg.pinv`` of the weight; we write it as a displacement from a
  so that it is the least-norm correction, and it reduces to the study's
  ``−W⁺ b`` when a lies in the row space of W).

Degenerate cases return no root with the reason: ``w·v = 0`` (the line never
crosses the hinge; this includes an inactive neuron, whose segment gradient is
0), a non-finite step, the origin not being a root for ``0``, or an
inconsistent system for ``pinv``. The rules never return NaN or inf.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Protocol

import torch

from lrp_core.errors import LRPError
from lrp_core.registry import Registry

Tensor = torch.Tensor
DTYPE = torch.float64
#: relative size below which ``w·v`` counts as zero (against ``Σ|w_i v_i|``)
DEGENERATE_RTOL = 1e-12

MONTAVON = "Montavon et al. 2017, Explaining nonlinear classification decisions with deep Taylor decomposition"
MONTAVON_OVERVIEW = "Montavon et al. 2019, Layer-wise relevance propagation: an overview, Sec. 10.2.3"
SIXT = "Sixt & Landgraf 2022, A Rigorous Study of the Deep Taylor Decomposition"

RuleOutcome = tuple[Tensor | None, str]


class Rule(Protocol):
    """``rule(a, w, r, *, gamma, low, high) -> [(root or None, reason), ...]``.

    ``a`` (d,) is the point, ``w`` (n, d) the segment gradients of the n
    explained neurons, ``r`` (n,) their affine relevance at a (``w a + β``).
    """

    def __call__(
        self,
        a: Tensor,
        w: Tensor,
        r: Tensor,
        *,
        gamma: float = ...,
        low: Tensor | None = ...,
        high: Tensor | None = ...,
    ) -> list[RuleOutcome]: ...


#: Every rule declares ``layer_rule`` (one root for all explained neurons), ``direction`` (its
#: search direction ``v`` for plotting, or None) and ``needs_box`` (it reads the box ``low``/``high``).
RULES: Registry[Rule] = Registry("rule")

#: spellings accepted on the command line (ASCII) for the registered names
RULE_ALIASES: Mapping[str, str] = MappingProxyType(
    {"w2": "w²", "gamma": "γ", "zb": "zB", "z_plus": "z+", "zplus": "z+"}
)


def resolve_rule(name: str) -> str:
    """The registered name for ``name`` or one of its aliases (raises LRPError)."""
    if name in RULES:
        return name
    alias = RULE_ALIASES.get(name) or RULE_ALIASES.get(name.lower())
    if alias is not None:
        return alias
    RULES.get(name)  # raises with the valid options
    raise AssertionError  # pragma: no cover


def _along(a: Tensor, w: Tensor, r: Tensor, v: Tensor, label: str) -> list[RuleOutcome]:
    """Roots ``a − t v`` with ``t = r / (w·v)`` for each row of w, v."""
    out: list[RuleOutcome] = []
    wv = (w * v).sum(dim=1)
    size = (w * v).abs().sum(dim=1)
    for j in range(w.shape[0]):
        if not bool(w[j].any()):
            out.append((None, f"{label}: the neuron's gradient is 0 on this segment (inactive), "
                              "so no line crosses its hinge"))
            continue
        if float(wv[j].abs()) <= DEGENERATE_RTOL * float(size[j]) or float(wv[j]) == 0.0:
            out.append((None, f"{label}: w·v = 0, the search line is parallel to the hinge"))
            continue
        t = r[j] / wv[j]
        root = a - t * v[j]
        if not bool(torch.isfinite(root).all()):
            out.append((None, f"{label}: the step t = R/(w·v) is not finite"))
            continue
        out.append((root, ""))
    return out


def _directional(
    label: str, direction: Callable[[Tensor, Tensor, float, Tensor | None, Tensor | None], Tensor]
) -> Rule:
    def rule(
        a: Tensor,
        w: Tensor,
        r: Tensor,
        *,
        gamma: float = 0.25,
        low: Tensor | None = None,
        high: Tensor | None = None,
    ) -> list[RuleOutcome]:
        v = direction(a.to(DTYPE), w.to(DTYPE), gamma, low, high)
        return _along(a.to(DTYPE), w.to(DTYPE), r.to(DTYPE), v, label)

    rule.__doc__ = f"Search direction rule {label}."
    return rule


def direction_w2(a: Tensor, w: Tensor, gamma: float, low: Tensor | None, high: Tensor | None) -> Tensor:
    """``v = w``."""
    return w.clone()


def direction_zplus(a: Tensor, w: Tensor, gamma: float, low: Tensor | None, high: Tensor | None) -> Tensor:
    """``v = a ⊙ 1[w > 0]``."""
    return a.unsqueeze(0) * (w > 0).to(DTYPE)


def direction_gamma(a: Tensor, w: Tensor, gamma: float, low: Tensor | None, high: Tensor | None) -> Tensor:
    """``v = a ⊙ (1 + γ 1[w > 0])``."""
    if not (isinstance(gamma, (int, float)) and gamma == gamma and 0 <= gamma < float("inf")):
        raise LRPError(f"gamma must be a finite number >= 0, not {gamma!r}")
    return a.unsqueeze(0) * (1.0 + gamma * (w > 0).to(DTYPE))


def direction_x(a: Tensor, w: Tensor, gamma: float, low: Tensor | None, high: Tensor | None) -> Tensor:
    """``v = a``."""
    return a.unsqueeze(0).expand_as(w).clone()


def box_bounds(d: int, low: Tensor | float | None, high: Tensor | float | None) -> tuple[Tensor, Tensor]:
    """The box ``(l, h)`` as two (d,) float64 tensors; scalars are broadcast."""
    if low is None or high is None:
        raise LRPError("the zB rule needs a box: give low and high (l <= a <= h)")
    lo = torch.as_tensor(low, dtype=DTYPE).expand(d).clone()
    hi = torch.as_tensor(high, dtype=DTYPE).expand(d).clone()
    if not (torch.isfinite(lo).all() and torch.isfinite(hi).all()):
        raise LRPError("the box bounds low and high must be finite numbers")
    if bool((lo > hi).any()):
        raise LRPError("the box needs low <= high in every coordinate")
    return lo, hi


def direction_zb(a: Tensor, w: Tensor, gamma: float, low: Tensor | None, high: Tensor | None) -> Tensor:
    """``v_i = a_i − l_i`` where ``w_i > 0``, else ``a_i − h_i``."""
    lo, hi = box_bounds(a.shape[0], low, high)
    pos = w > 0
    return torch.where(pos, (a - lo).unsqueeze(0), (a - hi).unsqueeze(0))


def _register_directional_rules() -> None:
    for name, direction, cite, label, needs_box in (
        ("z+", direction_zplus, MONTAVON, "z⁺ rule: v = a ⊙ 1[w > 0]", False),
        ("w²", direction_w2, MONTAVON, "w² rule: v = w", False),
        ("γ", direction_gamma, MONTAVON_OVERVIEW, "γ rule: v = a ⊙ (1 + γ 1[w > 0])", False),
        ("zB", direction_zb, MONTAVON, "z^B rule: v = a − l (w > 0), a − h (w ≤ 0)", True),
        ("x", direction_x, SIXT, "x rule: v = a", False),
    ):
        RULES.register(name, label=label, cite=cite, layer_rule=False, direction=direction, needs_box=needs_box)(
            _directional(name, direction)
        )


_register_directional_rules()


@RULES.register("0", label="0 rule: ã = 0 (the origin)", cite=SIXT, layer_rule=False, direction=None,
                needs_box=False)
def rule_zero(
    a: Tensor,
    w: Tensor,
    r: Tensor,
    *,
    gamma: float = 0.25,
    low: Tensor | None = None,
    high: Tensor | None = None,
) -> list[RuleOutcome]:
    """``ã = 0``; a root only if the affine relevance there, ``β = R_aff(a) − w·a``, is 0."""
    a = a.to(DTYPE)
    w = w.to(DTYPE)
    beta = r.to(DTYPE) - w @ a
    out: list[RuleOutcome] = []
    for j in range(w.shape[0]):
        if not bool(w[j].any()):
            out.append((None, "0 rule: the neuron's gradient is 0 on this segment (inactive)"))
            continue
        scale = float(r[j].abs()) + float((w[j] * a).abs().sum()) + 1.0
        if abs(float(beta[j])) <= 1e-12 * scale:
            out.append((torch.zeros_like(a), ""))
        else:
            out.append((None, f"0 rule: the origin is not a root, R_aff(0) = {float(beta[j]):.6g} ≠ 0 "
                              "(a bias along the segment)"))
    return out


@RULES.register("pinv", label="pinv (layer rule): ã = a − W⁺ R(a)", cite=SIXT, layer_rule=True, direction=None,
                needs_box=False)
def rule_pinv(
    a: Tensor,
    w: Tensor,
    r: Tensor,
    *,
    gamma: float = 0.25,
    low: Tensor | None = None,
    high: Tensor | None = None,
) -> list[RuleOutcome]:
    """One root for all explained neurons: ``ã = a − W⁺ (W a + β)``."""
    a = a.to(DTYPE)
    w = w.to(DTYPE)
    r = r.to(DTYPE)
    n = w.shape[0]
    live = w.abs().sum(dim=1) > 0
    if not bool(live.any()):
        return [(None, "pinv rule: every explained neuron has gradient 0 on this segment")] * n
    wl, rl = w[live], r[live]
    root = a - torch.linalg.pinv(wl) @ rl
    if not bool(torch.isfinite(root).all()):
        return [(None, "pinv rule: the pseudo-inverse step is not finite")] * n
    resid = w @ root + (r - w @ a)
    scale = r.abs() + (w.abs() @ a.abs()) + (w.abs() @ root.abs()) + 1.0
    out: list[RuleOutcome] = []
    for j in range(n):
        if not bool(live[j]):
            out.append((None, "pinv rule: the neuron's gradient is 0 on this segment (inactive)"))
        elif abs(float(resid[j])) <= 1e-9 * float(scale[j]):
            out.append((root, ""))
        else:
            out.append((None, "pinv rule: the explained neurons cannot all be zero at once "
                              f"(least-squares residual {float(resid[j]):.3g}; their gradients are dependent)"))
    return out


def apply_rule(
    name: str,
    a: Tensor,
    w: Tensor,
    r: Tensor,
    *,
    gamma: float = 0.25,
    low: Any = None,
    high: Any = None,
) -> list[RuleOutcome]:
    """Run rule ``name`` (aliases accepted) on one point; see :class:`Rule`."""
    entry = RULES.get(resolve_rule(name))
    lo = None if low is None else torch.as_tensor(low, dtype=DTYPE)
    hi = None if high is None else torch.as_tensor(high, dtype=DTYPE)
    return entry.func(a, w, r, gamma=gamma, low=lo, high=hi)


def search_direction(
    name: str, a: Tensor, w: Tensor, *, gamma: float = 0.25, low: Any = None, high: Any = None
) -> Tensor | None:
    """The rule's search direction v (n, d) for plotting its search line, or None
    for rules without one (``0``, ``pinv``)."""
    entry = RULES.get(resolve_rule(name))
    direction = entry.extra.get("direction")
    if direction is None:
        return None
    lo = None if low is None else torch.as_tensor(low, dtype=DTYPE)
    hi = None if high is None else torch.as_tensor(high, dtype=DTYPE)
    return direction(a.to(DTYPE), w.to(DTYPE).reshape(-1, a.shape[0]), gamma, lo, hi)
