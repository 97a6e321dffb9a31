"""Neuron importance: which hidden units of one layer matter for the loss?

Every method scores the ``n`` units of hidden layer ``K`` (the output of
``net.layers[K]``) over a data set ``(X, y)`` and a loss, behind one registry
(:data:`METHODS`) with one signature::

    method(net, X, y, *, layer, loss, generator, progress=None, **params) -> Scores

and one typed result, :class:`Scores`. :func:`attribute` runs any number of
them and is what the command line and the page call.

The loss ``L`` is the mean over samples *and* outputs of the squared error
(``mse``) or of the absolute error (``l1``). The seed notebook's Shapley
estimator used MSE for the first (unpruned) loss and L1 for all the others, so
its "marginal contributions" mixed two different games; this project uses one
loss everywhere.

The pruning game (Ancona et al. 2020, Sec. 3) on the set ``N`` of units:
``v(S) = L(units in S zeroed) − L(nothing zeroed)``, so ``v(∅) = 0``.
Its Shapley values satisfy efficiency, ``Σ_i φ_i = v(N)``; a unit that never
changes the output (a *null* unit) gets exactly 0, and two units that always
change the output in the same way (symmetric units) get equal values.

Precision: everything is float64. The exact path for MSE with a linear
output expands ``‖r_A + r_B‖² = ‖r_A‖² + ‖r_B‖² + 2 r_A·r_B`` (see
:meth:`Game.all_coalition_losses`), so its absolute rounding error is about
``1e-16 · max‖r‖²/N`` rather than relative to each loss; efficiency holds to
about ``1e-14`` on the presets and a null unit still gets exactly 0 (its
marginal differences are computed from bit-identical losses).

References
----------
- M. Ancona, C. Öztireli, M. Gross (2020). Shapley Value as Principled Metric
  for Structured Network Pruning. arXiv:2006.01795.
- H. Hu, R. Peng, Y.-W. Tai, C.-K. Tang (2016). Network Trimming: A
  Data-Driven Neuron Pruning Approach towards Efficient Deep Architectures
  (APoZ).
- H. Li, A. Kadav, I. Durdanovic, H. Samet, H. P. Graf (2017). Pruning Filters
  for Efficient ConvNets (weight norm).
- M. C. Mozer, P. Smolensky (1989). Skeletonization (sensitivity / gradient).
- P. Molchanov, S. Tyree, T. Karras, T. Aila, J. Kautz (2017). Pruning
  Convolutional Neural Networks for Resource Efficient Inference (Taylor).
- L. S. Shapley (1953). A Value for n-Person Games; S. Castro, D. Gómez,
  J. Tejada (2009). Polynomial calculation of the Shapley value based on
  sampling (permutation sampling); antithetic pairs as in Mitchell et al.
  (2022), Sampling Permutations for Shapley Value Estimation.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import torch

from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_core.registry import Registry

Tensor = torch.Tensor
DTYPE = torch.float64
Progress = Callable[[float], None]

LOSSES = ("mse", "l1")
MAX_EXACT_UNITS = 20
MAX_SAMPLES = 100_000
DEFAULT_SAMPLES = 200
#: Elements (coalitions × samples × widest tail layer) evaluated per chunk.
CHUNK_ELEMENTS = 1 << 22
#: Cap on the estimated work of one Shapley computation, in operations of
#: :func:`shapley_work` (≈ 2–7·10⁸ per second on this project's shared 2-core machine,
#: so a run at the cap takes about 5–15 s).
MAX_WORK = 3_000_000_000
#: Cost per coalition, sample and output of the exact path when only the
#: output layer follows, in the elementwise operations of :func:`shapley_work`
#: (measured): a linear output with MSE is one BLAS product of two half-tables,
#: with L1 a ``cdist``; a ReLU output is a broadcast sum in chunks.
EXACT_OUTPUT_COST = {"linear-mse": 1 / 8, "linear-l1": 1.0, "relu": 12.0}

OVERFLOW = "the network's outputs overflow float64 on this data; scale the weights down"

ANCONA = "Ancona et al. 2020, Shapley Value as Principled Metric for Structured Network Pruning"


# --- result ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Scores:
    """One method's scores for the units of one hidden layer.

    ``scores[i]`` is unit ``i``'s value (float64), ``stderr`` its standard
    error for sampled methods (else ``None``). ``higher_is_important`` says
    which end of the scale means "keep this unit"; ``meaning`` says it in
    words. ``seconds`` is the computation's own wall time. ``extra`` holds
    diagnostics (e.g. ``v_full`` and ``efficiency_error`` for Shapley, the
    running estimate of sampled Shapley).
    """

    method: str
    scores: Tensor
    stderr: Tensor | None
    params: dict[str, Any]
    higher_is_important: bool
    meaning: str
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_units(self) -> int:
        return int(self.scores.shape[0])

    def importance(self) -> Tensor:
        """Scores oriented so that larger always means more important."""
        return self.scores if self.higher_is_important else -self.scores

    def ranks(self) -> Tensor:
        """Rank of each unit, 1 = most important (ties: lower unit index first)."""
        order = torch.sort(-self.importance(), stable=True).indices
        ranks = torch.empty(self.n_units, dtype=torch.long)
        ranks[order] = torch.arange(1, self.n_units + 1)
        return ranks

    def prune_first(self) -> int:
        """The unit this method would remove first (least important)."""
        return int(prune_order(self.importance())[0])

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: method, scores, stderr (or null), params, seconds."""
        return {
            "method": self.method,
            "scores": self.scores.tolist(),
            "stderr": None if self.stderr is None else self.stderr.tolist(),
            "params": dict(self.params),
            "seconds": self.seconds,
        }


def prune_order(importance: Tensor) -> Tensor:
    """Unit indices from least to most important (stable: ties by index)."""
    return torch.sort(importance.to(DTYPE), stable=True).indices


# --- the pruning game ----------------------------------------------------------


def check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise LRPError(f"unknown loss {loss!r}; choose one of: {', '.join(LOSSES)}")
    return loss


def check_data(net: Network, X: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """``X`` as (N, n_inputs) and ``y`` as (N, n_outputs) float64, finite, N ≥ 1."""
    X = torch.as_tensor(X, dtype=DTYPE)
    y = torch.as_tensor(y, dtype=DTYPE)
    if y.ndim == 1:
        y = y.unsqueeze(1)
    if X.ndim != 2 or X.shape[1] != net.n_inputs:
        raise LRPError(f"the inputs must be a table with {net.n_inputs} columns, got shape {tuple(X.shape)}")
    if y.ndim != 2 or y.shape[1] != net.n_outputs:
        raise LRPError(f"the targets must have {net.n_outputs} column(s), got shape {tuple(y.shape)}")
    if X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise LRPError(f"need the same positive number of inputs and targets, got {X.shape[0]} and {y.shape[0]}")
    if not (torch.isfinite(X).all() and torch.isfinite(y).all()):
        raise LRPError("the data contain non-finite numbers")
    return X, y


def check_layer(net: Network, layer: int) -> int:
    if net.n_hidden_layers == 0:
        raise LRPError("this network has no hidden layer, so there are no units to score")
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < net.n_hidden_layers:
        raise LRPError(f"hidden layers are 0..{net.n_hidden_layers - 1}, not {layer!r}")
    return layer


def _loss_rows(pred_minus_y: Tensor, loss: str) -> Tensor:
    """Mean loss over everything but the first (coalition) dimension."""
    r = pred_minus_y.reshape(pred_minus_y.shape[0], -1)
    if loss == "mse":
        return (r * r).mean(dim=1)
    return r.abs().mean(dim=1)


def loss_value(pred: Tensor, y: Tensor, loss: str) -> Tensor:
    """``L`` of one prediction: mean over samples and outputs (a 0-d tensor)."""
    check_loss(loss)
    return _loss_rows((pred - y).unsqueeze(0), loss)[0]


@dataclass(frozen=True, eq=False)
class Game:
    """The pruning game of hidden layer ``layer`` on ``(X, y)``.

    ``H`` (N × n) are the layer's activations. :meth:`losses` evaluates
    ``L`` with any batch of units zeroed. When the layer is followed by one
    more layer only (the output layer), the output is
    ``act(Σ_i keep_i H_si W_oi + b_o)``, so every coalition-by-sample value is
    one matrix product ``keep (C × n+1) @ M (n+1 × N·O)`` with
    ``M_i,(s,o) = H_si W_oi`` and a last row of biases (minus targets when
    the output is linear); otherwise the tail runs batched over coalitions.
    """

    net: Network
    layer: int
    H: Tensor
    y: Tensor
    loss: str
    M: Tensor | None

    @property
    def n_units(self) -> int:
        return int(self.H.shape[1])

    @property
    def n_samples(self) -> int:
        return int(self.H.shape[0])

    def losses(self, zeroed: Tensor, progress: Progress | None = None) -> Tensor:
        """``L`` with the units marked True in each row of ``zeroed`` (C × n) set to 0."""
        zeroed = zeroed.to(torch.bool)
        total = zeroed.shape[0]
        out = torch.empty(total, dtype=DTYPE)
        step = self._chunk_rows()
        for lo in range(0, total, step):
            hi = min(total, lo + step)
            out[lo:hi] = self._losses_chunk(zeroed[lo:hi])
            if progress is not None:
                progress(hi / total)
        return out

    def coalition_losses(self, codes: Tensor, progress: Progress | None = None) -> Tensor:
        """``L`` for coalitions given as bit codes (bit i set = unit i zeroed),
        building each chunk's masks from bit arithmetic."""
        total = codes.shape[0]
        out = torch.empty(total, dtype=DTYPE)
        bits = torch.arange(self.n_units, dtype=torch.int64)
        step = self._chunk_rows()
        for lo in range(0, total, step):
            hi = min(total, lo + step)
            zeroed = ((codes[lo:hi, None] >> bits) & 1).to(torch.bool)
            out[lo:hi] = self._losses_chunk(zeroed)
            if progress is not None:
                progress(hi / total)
        return out

    def all_coalition_losses(self, progress: Progress | None = None) -> Tensor:
        """``L`` for all ``2^n`` coalitions, indexed by code (bit i = unit i zeroed).

        With a single output layer after this one, the units split into two
        halves A (low bits) and B (high bits) and the output residual of a
        coalition is the sum of one row of ``R_A = keep_A @ M_A`` and one of
        ``R_B = keep_B @ M_B + c``. For MSE with a linear output,
        ``‖r_A + r_B‖² = ‖r_A‖² + ‖r_B‖² + 2 r_A·r_B``, so every coalition's
        loss comes from one (2^{n/2} × N) @ (N × 2^{n/2}) product. Otherwise
        for L1 with a linear output it is the L1 distance between rows of
        ``R_B`` and ``−R_A`` (``torch.cdist``); with a ReLU output the residuals
        are formed by broadcast addition in chunks. Deeper tails run the batched forward pass over coalitions."""
        n = self.n_units
        if self.M is None:
            return self.coalition_losses(torch.arange(1 << n, dtype=torch.int64), progress)
        n_a = n // 2
        n_b = n - n_a
        linear = not self.net.layers[-1].is_relu
        width = self.M.shape[1]
        y_flat = self.y.reshape(-1)
        cols_step = max(1, CHUNK_ELEMENTS // (1 << max(n_a, n_b)))
        acc = torch.zeros(1 << n_b, 1 << n_a, dtype=DTYPE)
        if linear and self.loss == "mse":
            q_a = torch.zeros(1 << n_a, dtype=DTYPE)
            q_b = torch.zeros(1 << n_b, dtype=DTYPE)
            for lo in range(0, width, cols_step):
                cols = slice(lo, min(width, lo + cols_step))
                r_a = self._half(0, n_a, cols, with_const=False)
                r_b = self._half(n_a, n, cols, with_const=True)
                q_a += (r_a * r_a).sum(dim=1)
                q_b += (r_b * r_b).sum(dim=1)
                acc += r_b @ r_a.T
                if progress is not None:
                    progress(cols.stop / width)
            acc = q_b.unsqueeze(1) + q_a.unsqueeze(0) + 2.0 * acc
        elif linear:
            # L1: Σ_s |r_b + r_a| is the L1 distance between r_b and −r_a.
            for lo in range(0, width, cols_step):
                cols = slice(lo, min(width, lo + cols_step))
                r_a = self._half(0, n_a, cols, with_const=False)
                r_b = self._half(n_a, n, cols, with_const=True)
                acc += torch.cdist(r_b.unsqueeze(0), (-r_a).unsqueeze(0), p=1.0)[0]
                if progress is not None:
                    progress(cols.stop / width)
        else:
            for lo in range(0, width, cols_step):
                cols = slice(lo, min(width, lo + cols_step))
                r_a = self._half(0, n_a, cols, with_const=False)
                r_b = self._half(n_a, n, cols, with_const=True)
                rows_step = max(1, CHUNK_ELEMENTS // (r_a.numel() or 1) // 4)
                for b0 in range(0, 1 << n_b, rows_step):
                    b1 = min(1 << n_b, b0 + rows_step)
                    z = r_b[b0:b1].unsqueeze(1) + r_a.unsqueeze(0)
                    if not linear:
                        z = torch.relu(z) - y_flat[cols]
                    acc[b0:b1] += (z * z).sum(dim=2) if self.loss == "mse" else z.abs().sum(dim=2)
                    if progress is not None:
                        progress((lo + (cols.stop - lo) * b1 / (1 << n_b)) / width)
        return acc.reshape(-1) / width

    def _half(self, lo: int, hi: int, cols: slice, *, with_const: bool) -> Tensor:
        """``keep @ M[lo:hi, cols]`` for all ``2^(hi−lo)`` keep patterns of units
        lo..hi−1 (pattern code c: bit j set = unit lo+j zeroed), plus the
        constant row (bias, minus targets for a linear output) if asked."""
        assert self.M is not None
        k = hi - lo
        codes = torch.arange(1 << k, dtype=torch.int64)
        keep = (((codes.unsqueeze(1) >> torch.arange(k)) & 1) == 0).to(DTYPE)
        r = keep @ self.M[lo:hi, cols]
        if with_const:
            r = r + self.M[self.n_units, cols]
        return r

    def _chunk_rows(self) -> int:
        if self.M is not None:
            width = self.M.shape[1]
        else:
            width = self.n_samples * max(layer.n_out for layer in self.net.layers[self.layer + 1 :])
        return max(1, CHUNK_ELEMENTS // max(1, width))

    def _losses_chunk(self, zeroed: Tensor) -> Tensor:
        keep = (~zeroed).to(DTYPE)
        if self.M is not None:
            ones = torch.ones(keep.shape[0], 1, dtype=DTYPE)
            z = torch.cat([keep, ones], dim=1) @ self.M
            out_layer = self.net.layers[-1]
            if out_layer.is_relu:
                z = torch.relu(z) - self.y.reshape(1, -1)
            return _loss_rows(z, self.loss)
        h = self.H.unsqueeze(0) * keep.unsqueeze(1)
        pred = self.net.forward(h, start=self.layer + 1).output
        return _loss_rows(pred - self.y.unsqueeze(0), self.loss)


def make_game(net: Network, X: Tensor, y: Tensor, *, layer: int = 0, loss: str = "mse",
              need_loss: bool = True) -> Game:
    """Validate the inputs and precompute the layer's activations (and ``M``).

    Weights within the network's caps can still overflow float64 through depth
    (8 layers of 1e32 give outputs near 1e256, whose square is inf), and then
    every loss-based score would be NaN. So the activations and, unless
    ``need_loss`` is False (APoZ only counts zeros), the unpruned loss must be
    finite, else :class:`LRPError` (:data:`OVERFLOW`)."""
    check_loss(loss)
    check_layer(net, layer)
    X, y = check_data(net, X, y)
    H = net.forward(X, stop=layer + 1).output
    if not bool(torch.isfinite(H).all()):
        raise LRPError(f"the activations of hidden layer {layer} are not finite: {OVERFLOW}")
    if need_loss:
        pred = net.forward(H, start=layer + 1).output
        if not (bool(torch.isfinite(pred).all()) and math.isfinite(float(loss_value(pred, y, loss)))):
            hint = " (or try the L1 loss)" if loss == "mse" else ""
            raise LRPError(f"the {loss.upper()} loss of the full network is not finite: {OVERFLOW}{hint}")
    M: Tensor | None = None
    if layer + 2 == len(net.layers):
        out_layer = net.layers[-1]
        W = out_layer.weight.to(DTYPE)  # (O, n)
        n_s, n_o = y.shape
        rows = (H.unsqueeze(2) * W.T.unsqueeze(0)).permute(1, 0, 2).reshape(H.shape[1], n_s * n_o)
        last = out_layer.bias.to(DTYPE).expand(n_s, n_o)
        if not out_layer.is_relu:
            last = last - y
        M = torch.cat([rows, last.reshape(1, n_s * n_o)], dim=0).contiguous()
    return Game(net, layer, H, y, loss, M)


# --- Shapley machinery ----------------------------------------------------------


def shapley_weights(n: int) -> Tensor:
    """``w(s) = s! (n − s − 1)! / n!`` for ``s = 0..n−1`` (exact rationals → float64)."""
    f = math.factorial
    return torch.tensor([float(Fraction(f(s) * f(n - s - 1), f(n))) for s in range(n)], dtype=DTYPE)


def popcount(n: int) -> Tensor:
    """``|S|`` for every code ``0 .. 2^n − 1`` (number of set bits), built by
    doubling: the codes with bit k set are those without it, plus one."""
    size = torch.zeros(1, dtype=torch.int64)
    for _ in range(n):
        size = torch.cat([size, size + 1])
    return size


def shapley_from_values(v: Tensor, n: int) -> Tensor:
    """Shapley values from all ``2^n`` coalition values ``v[code]``
    (bit i of ``code`` set = unit i in the coalition):
    ``φ_i = Σ_{S ⊆ N∖{i}} w(|S|) (v(S ∪ {i}) − v(S))``.

    Viewing ``v`` as a (2^(n−1−i), 2, 2^i) array puts each coalition without
    unit i next to the same coalition with it, so each unit's sum is one
    vectorised expression over all its ``2^(n−1)`` coalitions (a loop over the
    n units, none over coalitions). The marginal differences are taken first,
    so a null unit gets exactly 0."""
    if v.shape[0] != 1 << n:
        raise LRPError(f"need 2^{n} coalition values, got {v.shape[0]}")
    weights = torch.cat([shapley_weights(n), torch.zeros(1, dtype=DTYPE)])[popcount(n)]
    phi = torch.empty(n, dtype=DTYPE)
    for i in range(n):
        shape = (1 << (n - 1 - i), 2, 1 << i)
        pairs = v.view(shape)
        diff = pairs[:, 1, :] - pairs[:, 0, :]
        phi[i] = (weights.view(shape)[:, 0, :] * diff).sum()
    return phi


def exact_shapley_values(game: Game, progress: Progress | None = None) -> tuple[Tensor, Tensor]:
    """``(φ, v)``: exact Shapley values and all ``2^n`` coalition values."""
    n = game.n_units
    if n > MAX_EXACT_UNITS:
        raise LRPError(
            f"exact Shapley values need 2^n coalitions; layer {game.layer} has {n} units, more than the "
            f"cap of {MAX_EXACT_UNITS}; use shapley-sampled instead"
        )
    check_work(game.net, game.layer, game.n_samples, "shapley-exact", loss=game.loss)
    losses = game.all_coalition_losses(progress)
    v = losses - losses[0]
    return shapley_from_values(v, n), v


def shapley_work(net: Network, layer: int, n_data: int, method: str, samples: int = DEFAULT_SAMPLES,
                 loss: str = "mse") -> float:
    """Estimated operations of ``shapley-exact`` or ``shapley-sampled`` (0 for other methods).

    One coalition evaluated on one sample costs the multiply-adds of the
    layers after ``layer`` plus the ``n`` mask products:
    ``c = Σ_{l > K} n_in(l)·n_out(l) + n``. Sampled Shapley evaluates
    ``P·(n − 1)`` coalitions, so ``work = P·(n − 1)·N·c``. Exact Shapley
    evaluates ``2^n``; with only the output layer after ``layer`` each costs
    ``O`` times :data:`EXACT_OUTPUT_COST` of the output and loss, else ``c``:
    ``work = 2^n·N·c'``."""
    n = net.layers[layer].n_out
    tail = net.layers[layer + 1 :]
    per = sum(lay.n_in * lay.n_out for lay in tail) + n
    if method == "shapley-sampled":
        perms = 2 * ((samples + 1) // 2)
        return float(perms) * max(1, n - 1) * n_data * per
    if method == "shapley-exact":
        if len(tail) == 1:
            kind = "relu" if tail[0].is_relu else f"linear-{loss}"
            per = tail[0].n_out * EXACT_OUTPUT_COST[kind]
        return float(2**n) * n_data * per
    return 0.0


def check_work(net: Network, layer: int, n_data: int, method: str, samples: int = DEFAULT_SAMPLES,
               loss: str = "mse") -> None:
    """Refuse a Shapley computation whose :func:`shapley_work` exceeds :data:`MAX_WORK`,
    naming the largest permutation count or data size that fits."""
    work = shapley_work(net, layer, n_data, method, samples, check_loss(loss))
    if work <= MAX_WORK:
        return
    n = net.layers[layer].n_out
    head = (f"{method} on layer {layer} ({n} units) with {n_data:,} data points"
            + (f" and {samples:,} permutations" if method == "shapley-sampled" else f" ({2**n:,} coalitions)")
            + f" needs about {work:.1e} operations, more than the cap of {MAX_WORK:.0e} (about 5–15 s)")
    per_point = work / n_data
    max_data = int(MAX_WORK // per_point)
    fixes: list[str] = []
    if method == "shapley-sampled":
        per_perm = work / (2 * ((samples + 1) // 2))
        max_perms = int(MAX_WORK // per_perm) // 2 * 2
        if max_perms >= 2:
            fixes.append(f"at most {max_perms:,} permutations with this data")
    if max_data >= 1:
        fixes.append(f"at most {max_data:,} data points" + (" with these permutations"
                                                           if method == "shapley-sampled" else ""))
    if method == "shapley-exact":
        fixes.append("shapley-sampled")
    if not fixes:
        fixes.append("a narrower layer or fewer units after it")
    raise LRPError(f"{head}; use {' or '.join(fixes)}")


def _check_samples(samples: Any) -> int:
    if isinstance(samples, bool) or not isinstance(samples, int) or not 2 <= samples <= MAX_SAMPLES:
        raise LRPError(f"the number of sampled permutations must be a whole number from 2 to {MAX_SAMPLES:,}, "
                       f"not {samples!r}")
    return samples


def sampled_shapley_values(
    game: Game,
    samples: int,
    generator: torch.Generator,
    progress: Progress | None = None,
    max_points: int = 200,
) -> dict[str, Tensor]:
    """Permutation sampling with antithetic pairs.

    Draw ``m = ⌈samples/2⌉`` uniform random permutations π and pair each with
    its reverse. Along a permutation the units are zeroed one by one; unit i's
    marginal contribution is ``v(P_i ∪ {i}) − v(P_i)`` with ``P_i`` the units
    before it. The estimate is the mean over all ``2m`` permutations; the
    standard error treats the ``m`` pair means as independent draws:
    ``se_i = sd(pair means) / √m``. Every permutation's contributions sum to
    ``v(N)``, so the estimate is efficient too.

    If no three units interact (the game's Harsanyi dividends vanish beyond
    pairs), a permutation and its reverse average to the exact value: unit
    i's two contributions are ``a_i + Σ_{j before i} b_ij`` and
    ``a_i + Σ_{j after i} b_ij``. MSE with a linear output layer is such a
    game (the loss is quadratic in the keep mask), so there the standard
    error is 0 up to rounding.
    """
    _check_samples(samples)
    check_work(game.net, game.layer, game.n_samples, "shapley-sampled", samples, game.loss)
    n = game.n_units
    pairs = (samples + 1) // 2
    perms = torch.rand(pairs, n, generator=generator, dtype=DTYPE).argsort(dim=1)
    perms = torch.stack([perms, perms.flip(1)], dim=1).reshape(2 * pairs, n)
    pos = perms.argsort(dim=1)  # pos[p, i] = place of unit i in permutation p
    inner = torch.arange(1, n).view(1, n - 1, 1)
    base_and_full = game.losses(torch.stack([torch.zeros(n, dtype=torch.bool), torch.ones(n, dtype=torch.bool)]))
    inner_losses = torch.empty(2 * pairs, n - 1, dtype=DTYPE)
    block = max(1, (1 << 16) // max(1, n - 1))  # permutations per block (bounds the mask memory)
    for p0 in range(0, 2 * pairs, block):
        p1 = min(2 * pairs, p0 + block)
        zeroed = pos[p0:p1].unsqueeze(1) < inner  # (B, n-1, n): first j units of π zeroed, j = 1..n-1
        sub: Progress | None = None
        if progress is not None:
            def sub(f: float, p0: int = p0, p1: int = p1) -> None:  # reported per chunk, not only per block
                progress((p0 + (p1 - p0) * f) / (2 * pairs))
        inner_losses[p0:p1] = game.losses(zeroed.reshape(-1, n), sub).reshape(p1 - p0, n - 1)
    vals = torch.empty(2 * pairs, n + 1, dtype=DTYPE)
    vals[:, 0] = 0.0
    vals[:, 1:n] = inner_losses - base_and_full[0]
    vals[:, n] = base_and_full[1] - base_and_full[0]
    contrib = vals.gather(1, pos + 1) - vals.gather(1, pos)  # (P, n)
    pair_means = contrib.reshape(pairs, 2, n).mean(dim=1)
    estimate = pair_means.mean(dim=0)
    k = torch.arange(1, pairs + 1, dtype=DTYPE).unsqueeze(1)
    run_mean = pair_means.cumsum(0) / k
    centred = pair_means - estimate  # shift for a stable running variance
    s1 = centred.cumsum(0)
    s2 = (centred * centred).cumsum(0)
    run_var = (s2 - s1 * s1 / k) / (k - 1).clamp_min(1)
    run_se = (run_var.clamp_min(0) / k).sqrt()
    run_se[0] = float("nan")
    stderr = run_se[-1] if pairs >= 2 else torch.full((n,), float("nan"), dtype=DTYPE)
    points = torch.unique(torch.cat([
        torch.round(torch.logspace(0, math.log10(pairs), min(max_points, pairs), dtype=DTYPE)).long() - 1,
        torch.tensor([pairs - 1]),
    ]))
    return {
        "estimate": estimate,
        "stderr": stderr,
        "running_permutations": (points + 1) * 2,
        "running_mean": run_mean[points],
        "running_stderr": run_se[points],
        "v_full": vals[0, n],
        "permutations": torch.tensor(2 * pairs),
    }


# --- the registry ---------------------------------------------------------------

Method = Callable[..., "Scores"]
METHODS: Registry[Method] = Registry("attribution method")


def _scores(method: str, scores: Tensor, *, higher: bool, meaning: str, stderr: Tensor | None = None,
            params: Mapping[str, Any] | None = None, extra: Mapping[str, Any] | None = None) -> Scores:
    """The result, refused with :data:`OVERFLOW` if any score is not finite
    (a coalition's loss can overflow even when the unpruned one does not)."""
    if not bool(torch.isfinite(scores).all()):
        raise LRPError(f"{method} gave scores that are not finite numbers: {OVERFLOW}")
    return Scores(method, scores.to(DTYPE).detach().clone(), stderr, dict(params or {}), higher, meaning,
                  0.0, dict(extra or {}))


def _no_params(method: str, params: Mapping[str, Any]) -> None:
    if params:
        raise LRPError(f"method {method!r} takes no options, got: {', '.join(sorted(params))}")


def _choice(name: str, value: Any, options: Sequence[str]) -> str:
    if value not in options:
        raise LRPError(f"unknown {name} {value!r}; choose one of: {', '.join(options)}")
    return str(value)


@METHODS.register("apoz", label="APoZ (1 − fraction of zeros)", cite="Hu et al. 2016, Network Trimming")
def apoz(net: Network, X: Tensor, y: Tensor, *, layer: int = 0, loss: str = "mse",
         generator: torch.Generator | None = None, progress: Progress | None = None,
         **params: Any) -> Scores:
    """Average Percentage of Zeros: ``APoZ_i = (1/N) Σ_s [a_i(x_s) = 0]``.

    A unit that is rarely zero is busy, so the seed counted the samples where
    the unit is active; the score here is ``1 − APoZ_i``, the fraction of
    samples with ``a_i ≠ 0`` (the count is in ``extra``). Higher = more
    important. It ignores the weights leaving the unit, so a busy but useless
    unit scores high (Hu et al. 2016)."""
    _no_params("apoz", params)
    game = make_game(net, X, y, layer=layer, loss=loss, need_loss=False)
    active = (game.H != 0).sum(dim=0)
    frac = active.to(DTYPE) / game.n_samples
    return _scores("apoz", frac, higher=True, meaning="fraction of samples where the unit is active (1 − APoZ)",
                   extra={"active_count": active.tolist(), "apoz": (1 - frac).tolist()})


@METHODS.register("weight-norm", label="Weight norm", cite="Li et al. 2017, Pruning Filters for Efficient ConvNets")
def weight_norm(net: Network, X: Tensor, y: Tensor, *, layer: int = 0, loss: str = "mse",
                generator: torch.Generator | None = None, progress: Progress | None = None,
                norm: str = "l1", direction: str = "in", **params: Any) -> Scores:
    """Norm of the unit's weights: ``‖W_K[i, :]‖₁`` (incoming, default), or the
    L2 norm (``norm='l2'``), or of the outgoing weights ``W_{K+1}[:, i]``
    (``direction='out'``). Data-free; higher = more important (Li et al. 2017)."""
    _no_params("weight-norm", params)
    check_layer(net, layer)
    check_data(net, X, y)
    norm = _choice("norm", norm, ("l1", "l2"))
    direction = _choice("direction", direction, ("in", "out"))
    w = net.layers[layer].weight if direction == "in" else net.layers[layer + 1].weight.T
    p = 1 if norm == "l1" else 2
    values = torch.linalg.vector_norm(w.to(DTYPE), ord=p, dim=1)
    return _scores("weight-norm", values, higher=True,
                   meaning=f"{norm.upper()} norm of the {'incoming' if direction == 'in' else 'outgoing'} weights",
                   params={"norm": norm, "direction": direction})


def _loss_gradient(game: Game) -> tuple[Tensor, Tensor]:
    """``(H, ∂L/∂H)`` where L is the loss averaged over samples and outputs."""
    h = game.H.clone().requires_grad_(True)
    with torch.enable_grad():
        pred = game.net.forward(h, start=game.layer + 1).output
        value = loss_value(pred, game.y, game.loss)
        (grad,) = torch.autograd.grad(value, h)
    return game.H, grad


@METHODS.register("gradient", label="Gradient (sensitivity)", cite="Mozer & Smolensky 1989, Skeletonization")
def gradient(net: Network, X: Tensor, y: Tensor, *, layer: int = 0, loss: str = "mse",
             generator: torch.Generator | None = None, progress: Progress | None = None,
             reduce: str = "sum", **params: Any) -> Scores:
    """Sensitivity of the loss to the unit's activation:
    ``G_i = Σ_s |∂L/∂a_i(x_s)|`` with ``L`` the loss averaged over samples and
    outputs (``reduce='mean'`` divides by N). Higher = more important. At a
    perfect fit the gradient of MSE vanishes, so every unit scores 0."""
    _no_params("gradient", params)
    reduce = _choice("reduce", reduce, ("sum", "mean"))
    game = make_game(net, X, y, layer=layer, loss=loss)
    _, grad = _loss_gradient(game)
    values = grad.abs().sum(dim=0)
    if reduce == "mean":
        values = values / game.n_samples
    return _scores("gradient", values, higher=True, meaning=f"{reduce} over samples of |∂L/∂a_i|",
                   params={"reduce": reduce})


def _taylor(game: Game) -> Tensor:
    H, grad = _loss_gradient(game)
    return (H * grad).sum(dim=0)


@METHODS.register("taylor", label="Taylor (signed)", cite="Molchanov et al. 2017, Pruning CNNs for Resource "
                  "Efficient Inference")
def taylor(net: Network, X: Tensor, y: Tensor, *, layer: int = 0, loss: str = "mse",
           generator: torch.Generator | None = None, progress: Progress | None = None,
           **params: Any) -> Scores:
    """First-order Taylor criterion, signed: ``T_i = Σ_s a_i(x_s) ∂L/∂a_i(x_s)``.

    Zeroing unit i moves its activations by ``−a_i``, so to first order the
    loss changes by ``L(i zeroed) − L ≈ −T_i``: the more negative ``T_i``,
    the more the loss would rise. Lower = more important (Molchanov et al.
    2017 use the absolute value, see ``taylor-abs``)."""
    _no_params("taylor", params)
    game = make_game(net, X, y, layer=layer, loss=loss)
    return _scores("taylor", _taylor(game), higher=False,
                   meaning="Σ a·∂L/∂a; −T_i is the first-order estimate of the loss increase when unit i is zeroed")


@METHODS.register("taylor-abs", label="Taylor (absolute)", cite="Molchanov et al. 2017, Pruning CNNs for "
                  "Resource Efficient Inference")
def taylor_abs(net: Network, X: Tensor, y: Tensor, *, layer: int = 0, loss: str = "mse",
               generator: torch.Generator | None = None, progress: Progress | None = None,
               **params: Any) -> Scores:
    """Absolute first-order Taylor criterion: ``|T_i| = |Σ_s a_i(x_s) ∂L/∂a_i(x_s)|``,
    the size of the first-order loss change when unit i is zeroed. Higher =
    more important."""
    _no_params("taylor-abs", params)
    game = make_game(net, X, y, layer=layer, loss=loss)
    return _scores("taylor-abs", _taylor(game).abs(), higher=True,
                   meaning="|Σ a·∂L/∂a|, size of the first-order loss change when the unit is zeroed")


@METHODS.register("leave-one-out", label="Leave-one-out", cite=ANCONA)
def leave_one_out(net: Network, X: Tensor, y: Tensor, *, layer: int = 0, loss: str = "mse",
                  generator: torch.Generator | None = None, progress: Progress | None = None,
                  **params: Any) -> Scores:
    """Loss increase when the unit alone is zeroed: ``v({i}) = L(i zeroed) − L(nothing zeroed)``.
    Higher = more important. It misses units that matter only together
    (redundant units each look unimportant)."""
    _no_params("leave-one-out", params)
    game = make_game(net, X, y, layer=layer, loss=loss)
    n = game.n_units
    masks = torch.cat([torch.zeros(1, n, dtype=torch.bool), torch.eye(n, dtype=torch.bool)])
    losses = game.losses(masks, progress)
    return _scores("leave-one-out", losses[1:] - losses[0], higher=True,
                   meaning="loss increase when only this unit is zeroed")


@METHODS.register("shapley-exact", label="Shapley (exact)", cite=ANCONA)
def shapley_exact(net: Network, X: Tensor, y: Tensor, *, layer: int = 0, loss: str = "mse",
                  generator: torch.Generator | None = None, progress: Progress | None = None,
                  **params: Any) -> Scores:
    """Exact Shapley values of the pruning game ``v(S) = L(S zeroed) − L(∅ zeroed)``:

    ``φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S))``.

    All ``2^n`` coalitions are evaluated as batched masks through the rest of
    the network (in chunks), then combined by vectorised index arithmetic;
    ``n ≤ 20``. Higher = more important; Σ φ_i = v(N) (Ancona et al. 2020)."""
    _no_params("shapley-exact", params)
    game = make_game(net, X, y, layer=layer, loss=loss)
    phi, v = exact_shapley_values(game, progress)
    v_full = float(v[-1])
    return _scores("shapley-exact", phi, higher=True, meaning="Shapley value of the loss-increase game",
                   extra={"v_full": v_full, "efficiency_error": float(phi.sum() - v_full),
                          "coalitions": int(v.shape[0])})


@METHODS.register("shapley-sampled", label="Shapley (sampled)", cite=ANCONA)
def shapley_sampled(net: Network, X: Tensor, y: Tensor, *, layer: int = 0, loss: str = "mse",
                    generator: torch.Generator | None = None, progress: Progress | None = None,
                    samples: int = DEFAULT_SAMPLES, **params: Any) -> Scores:
    """Shapley values estimated from ``samples`` random permutations in
    antithetic pairs (a permutation and its reverse):
    ``φ̂_i = (1/P) Σ_π (v(P_i^π ∪ {i}) − v(P_i^π))`` with standard errors from
    the pair means. Reproducible from the generator's seed. Higher = more
    important; the estimate sums to v(N) like the exact values."""
    _no_params("shapley-sampled", params)
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    game = make_game(net, X, y, layer=layer, loss=loss)
    out = sampled_shapley_values(game, samples, gen, progress)
    v_full = float(out["v_full"])
    est = out["estimate"]
    return _scores("shapley-sampled", est, higher=True, stderr=out["stderr"],
                   meaning="Shapley value of the loss-increase game, estimated from permutations",
                   params={"samples": int(out["permutations"]), "antithetic": True},
                   extra={"v_full": v_full, "efficiency_error": float(est.sum() - v_full),
                          "running_permutations": out["running_permutations"].tolist(),
                          "running_mean": out["running_mean"], "running_stderr": out["running_stderr"]})


@METHODS.register("random", label="Random (baseline)")
def random_scores(net: Network, X: Tensor, y: Tensor, *, layer: int = 0, loss: str = "mse",
                  generator: torch.Generator | None = None, progress: Progress | None = None,
                  **params: Any) -> Scores:
    """Uniform random scores ``u_i ~ U[0, 1)`` from the seeded generator: the
    baseline any real criterion should beat on the pruning curve."""
    _no_params("random", params)
    check_layer(net, layer)
    check_data(net, X, y)
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    values = torch.rand(net.layers[layer].n_out, generator=gen, dtype=DTYPE)
    return _scores("random", values, higher=True, meaning="a seeded random number (baseline)")


# --- running methods --------------------------------------------------------------


def method_names(spec: str | Sequence[str]) -> list[str]:
    """``'all'`` → every registered method; a name or list of names → validated list."""
    names = [spec] if isinstance(spec, str) else list(spec)
    if names == ["all"]:
        return METHODS.names()
    if not names:
        raise LRPError(f"choose at least one method: {', '.join(METHODS.names())} or all")
    for name in names:
        METHODS.get(name)
    return names


def attribute(
    net: Network,
    X: Tensor,
    y: Tensor,
    methods: str | Sequence[str],
    *,
    layer: int = 0,
    loss: str = "mse",
    seed: int = 0,
    samples: int = DEFAULT_SAMPLES,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Progress | None = None,
) -> list[Scores]:
    """Run the named methods (or ``'all'``) on hidden layer ``layer``.

    Each method gets its own ``torch.Generator().manual_seed(seed)``, so a
    method's result does not depend on which others ran. ``samples`` goes to
    ``shapley-sampled``; ``options[name]`` holds any other method's options.
    ``seconds`` is each method's own wall time."""
    names = method_names(methods)
    check_loss(loss)
    check_layer(net, layer)
    X, y = check_data(net, X, y)
    _check_samples(samples)
    if "shapley-exact" in names and net.layers[layer].n_out > MAX_EXACT_UNITS:
        raise LRPError(f"shapley-exact handles at most {MAX_EXACT_UNITS} units; layer {layer} has "
                       f"{net.layers[layer].n_out}; choose the other methods explicitly")
    options = options or {}
    for name in names:  # before anything runs, so an over-long request costs nothing
        wanted = _check_samples(options.get(name, {}).get("samples", samples)) if name == "shapley-sampled" else 0
        check_work(net, layer, int(X.shape[0]), name, wanted, loss)
    results: list[Scores] = []
    for j, name in enumerate(names):
        params = dict(options.get(name, {}))
        if name == "shapley-sampled":
            params.setdefault("samples", samples)
        sub: Progress | None = None
        if progress is not None:
            def sub(f: float, j: int = j) -> None:
                progress((j + f) / len(names))
        gen = torch.Generator().manual_seed(int(seed))
        t0 = time.perf_counter()
        res = METHODS.get(name).func(net, X, y, layer=layer, loss=loss, generator=gen, progress=sub, **params)
        seconds = time.perf_counter() - t0
        res_params = dict(res.params)
        if name in ("random", "shapley-sampled"):
            res_params["seed"] = int(seed)
        results.append(Scores(res.method, res.scores, res.stderr, res_params, res.higher_is_important,
                              res.meaning, seconds, res.extra))
        if progress is not None:
            progress((j + 1) / len(names))
    return results


# --- pruning curves and tables ------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PruningCurve:
    """Loss after removing the k least important units, k = 0..n."""

    method: str
    order: Tensor
    losses: Tensor


def pruning_curve(game: Game, scores: Scores) -> PruningCurve:
    """``losses[k] = L(the k least important units by ``scores`` zeroed)``, k = 0..n
    (ties broken by unit index); ``losses[0]`` is the unpruned loss. A loss that
    overflows float64 raises :class:`LRPError`."""
    n = game.n_units
    if scores.n_units != n:
        raise LRPError(f"the scores cover {scores.n_units} units but the layer has {n}")
    order = prune_order(scores.importance())
    place = torch.empty(n, dtype=torch.long)
    place[order] = torch.arange(n)
    zeroed = place.unsqueeze(0) < torch.arange(n + 1).unsqueeze(1)
    losses = game.losses(zeroed)
    if not bool(torch.isfinite(losses).all()):
        raise LRPError(f"the pruning curve of {scores.method} is not finite: {OVERFLOW}")
    return PruningCurve(scores.method, order, losses)


def pruning_curves(net: Network, X: Tensor, y: Tensor, results: Sequence[Scores], *, layer: int = 0,
                   loss: str = "mse") -> list[PruningCurve]:
    game = make_game(net, X, y, layer=layer, loss=loss)
    return [pruning_curve(game, r) for r in results]


def scores_csv(results: Sequence[Scores]) -> str:
    """All scores as CSV: one row per (method, unit) with score, stderr and rank
    (units numbered from 1 as on the page)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["method", "unit", "score", "stderr", "rank", "higher_is_important"])
    for r in results:
        ranks = r.ranks().tolist()
        for i, value in enumerate(r.scores.tolist()):
            se = "" if r.stderr is None else repr(float(r.stderr[i]))
            w.writerow([r.method, i + 1, repr(float(value)), se, ranks[i], r.higher_is_important])
    return buf.getvalue()
