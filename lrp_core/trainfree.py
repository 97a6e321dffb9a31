"""Train-free LRP rules in one vectorised pass over a batch.

This computes exactly what :func:`lrp_core.decompose.decompose` computes in
``mode="train-free"`` with the closed-form ``rule`` finder (see that module
and :mod:`lrp_core.roots.rules`), for a batch of N inputs at once and without
the per-root diagnostics (closure membership, distance, R(ã) through the
network) that the decomposition records.

At layer k (input ``a``, pre-activation ``z = W a + b``, output ``h = act(z)``)
the upper relevance ``R_j`` is held fixed as ``c_j h_j`` with
``c_j = R_j / h_j`` (0 where ``h_j = 0``). Neuron j's relevance function on
layer k's segment has gradient ``w = c_j W_j`` and value ``r_j = c_j z_j``
at a; a directional rule puts the root at ``ã = a − t v`` with
``t = r_j / (w·v)``, and the relevance passed to input i is
``w_i (a_i − ã_i) = w_i t v_i``. For the rules whose direction is
``v_i = a_i · m(w_i)`` this is ``(r_j / D_j) · a_i M_ji`` with the modified
weights ``M = W ⊙ m`` and ``D_j = Σ_i M_ji a_i``:

- ``z+``: ``M = W ⊙ 1[c_j W > 0]`` — with ``R ≥ 0`` this is LRP-z+ on the
  weights, i.e. LRP-α1β0 with the biases left out of the denominator
  (Montavon et al. 2017; Bach et al. 2015);
- ``γ``: ``M = W + γ W ⊙ 1[c_j W > 0]`` (LRP-γ, Montavon et al. 2019);
- ``x``: ``M = W`` (LRP-0 without the bias term);
- ``w²``: ``v = w``, passing ``R_j W_ji² / Σ_i W_ji²``;
- ``0``: ``ã = 0`` where the neuron has no bias on its segment (then
  ``w ⊙ a`` is passed down), else nothing.

What is not passed down is *unresolved*: ``r_j`` of a neuron whose rule gives
no root (``w·v = 0`` relative to ``Σ|w_i v_i|`` below 1e-12, a non-finite
step, a bias for the ``0`` rule), the value at the root (0 up to rounding),
and the relevance of a unit that is off (``h_j = 0``). So, row by row,
``Σ_i R_i + unresolved = f(x)_target`` to rounding.

Limits: the rules above (``zB`` needs a box and ``pinv`` couples the neurons of
a layer: use :func:`lrp_core.decompose.decompose` for those); inputs are
float64 of shape (N, n_inputs).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lrp_core.errors import LRPError
from lrp_core.network import Network

Tensor = torch.Tensor
DTYPE = torch.float64
#: the rules this module computes (registered names)
TRAIN_FREE_RULES = ("z+", "w²", "γ", "x", "0")
#: as in lrp_core.roots.rules: ``w·v`` counts as zero below this fraction of ``Σ|w_i v_i|``
DEGENERATE_RTOL = 1e-12


@dataclass(frozen=True, eq=False)
class TrainFree:
    """A batch's train-free relevance: ``relevance`` (N, n_inputs), ``unresolved``
    (N,) and the explained output ``output`` (N,) = f(x)_target."""

    rule: str
    target: int
    relevance: Tensor
    unresolved: Tensor
    output: Tensor

    @property
    def completeness_error(self) -> Tensor:
        """``Σ_i R_i + unresolved − f(x)_target`` per row (0 up to rounding)."""
        return self.relevance.sum(dim=1) + self.unresolved - self.output


def _modified(weight: Tensor, rule: str, gamma: float) -> tuple[Tensor, Tensor]:
    """``(M⁺, M⁻)``: the modified weights for neurons with ``c > 0`` and ``c < 0``."""
    if rule == "x":
        return weight, weight
    pos, neg = weight.clamp(min=0.0), weight.clamp(max=0.0)
    if rule == "z+":
        return pos, neg
    return weight + gamma * pos, weight + gamma * neg  # γ


def _directional(a: Tensor, c: Tensor, r: Tensor, weight: Tensor, rule: str, gamma: float
                 ) -> tuple[Tensor, Tensor]:
    """Relevance passed down (N, d) and the unresolved part (N,) of the explained neurons."""
    m_pos, m_neg = _modified(weight, rule, gamma)
    pos = c > 0
    d = torch.where(pos, a @ m_pos.T, a @ m_neg.T)
    size = c.abs() * torch.where(pos, a.abs() @ m_pos.abs().T, a.abs() @ m_neg.abs().T)
    wv = c * d
    t = r / torch.where(wv == 0, torch.ones_like(wv), wv)
    reach = t.abs() * a.abs().amax(dim=1, keepdim=True) * (1.0 + gamma if rule == "γ" else 1.0)
    found = (c != 0) & (wv != 0) & (wv.abs() > DEGENERATE_RTOL * size) & torch.isfinite(reach)
    q = torch.where(found, t * c, torch.zeros_like(t))
    passed = a * ((q * pos) @ m_pos + (q * ~pos) @ m_neg)
    unresolved = torch.where(found, r - t * wv, r)
    return passed, unresolved


def _w2(a: Tensor, c: Tensor, r: Tensor, weight: Tensor) -> tuple[Tensor, Tensor]:
    norm2 = (weight * weight).sum(dim=1)
    wv = c * c * norm2
    t = r / torch.where(wv == 0, torch.ones_like(wv), wv)
    reach = (t * c).abs() * weight.abs().amax(dim=1)
    found = (c != 0) & (wv != 0) & torch.isfinite(reach)
    q = torch.where(found, t * c * c, torch.zeros_like(t))
    return q @ (weight * weight), torch.where(found, r - t * wv, r)


def _zero(a: Tensor, c: Tensor, r: Tensor, weight: Tensor, bias: Tensor) -> tuple[Tensor, Tensor]:
    wa = c * (a @ weight.T)
    beta = r - wa
    scale = r.abs() + c.abs() * (a.abs() @ weight.abs().T) + 1.0
    live = (weight != 0).any(dim=1)
    found = (c != 0) & live & (beta.abs() <= 1e-12 * scale)
    q = torch.where(found, c, torch.zeros_like(c))
    return a * (q @ weight), torch.where(found, c * bias, r)


def _layer(a: Tensor, upper: Tensor, weight: Tensor, bias: Tensor, relu: bool, rule: str,
           gamma: float) -> tuple[Tensor, Tensor]:
    """One layer down: relevance on the layer's input (N, d) and what stays behind (N,)."""
    z = a @ weight.T + bias
    out = z.clamp(min=0.0) if relu else z
    safe = torch.where(out != 0, out, torch.ones_like(out))
    c = torch.where(out != 0, upper / safe, torch.zeros_like(out))
    lost = torch.where((c == 0) & (upper != 0), upper, torch.zeros_like(upper)).sum(dim=1)
    r = c * z
    if rule == "w²":
        passed, unres = _w2(a, c, r, weight)
    elif rule == "0":
        passed, unres = _zero(a, c, r, weight, bias)
    else:
        passed, unres = _directional(a, c, r, weight, rule, gamma)
    unres = torch.where(c != 0, unres, torch.zeros_like(unres)).sum(dim=1)
    return passed, unres + lost


def train_free(network: Network, x: Tensor, target: int = 0, *, rule: str = "z+",
               gamma: float = 0.25) -> TrainFree:
    """Train-free relevance of output ``target`` for every row of ``x`` (N, n_inputs).

    ``rule`` is one of :data:`TRAIN_FREE_RULES` (registered names; see the
    module docstring for each formula); ``gamma`` is γ of the γ rule."""
    if rule not in TRAIN_FREE_RULES:
        raise LRPError(f"train-free rule must be one of: {', '.join(TRAIN_FREE_RULES)} (not {rule!r}); "
                       "zB and pinv run through lrp_core.decompose")
    if not (isinstance(gamma, (int, float)) and not isinstance(gamma, bool) and 0 <= gamma < float("inf")):
        raise LRPError(f"gamma must be a finite number >= 0, not {gamma!r}")
    if not isinstance(x, Tensor) or x.dtype != DTYPE or x.ndim != 2 or x.shape[1] != network.n_inputs:
        raise LRPError(f"x must be a float64 tensor of shape (N, {network.n_inputs})")
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < network.n_outputs:
        raise LRPError(f"target must be in 0..{network.n_outputs - 1}, not {target!r}")
    with torch.no_grad():
        weights = [layer.weight.to(DTYPE) for layer in network.layers]
        biases = [layer.bias.to(DTYPE) for layer in network.layers]
        points = [x]
        for w, b, layer in zip(weights, biases, network.layers, strict=True):
            z = points[-1] @ w.T + b
            points.append(z.clamp(min=0.0) if layer.is_relu else z)
        output = points[-1][:, target].clone()
        upper = torch.zeros_like(points[-1])
        upper[:, target] = output
        unresolved = torch.zeros(x.shape[0], dtype=DTYPE)
        for k in range(len(network.layers) - 1, -1, -1):
            upper, lost = _layer(points[k], upper, weights[k], biases[k], network.layers[k].is_relu,
                                 rule, float(gamma))
            unresolved = unresolved + lost
    return TrainFree(rule, target, upper, unresolved, output)
