"""Shapley values of the pruning game: closed form, all 2ⁿ coalitions, or sampled permutations.

The three share :class:`~lrp_core.importance.game.Game` and differ in where
the coalitions come from (Shapley 1953; Castro et al. 2009 for permutation
sampling; antithetic pairs as in Mitchell et al. 2022).
"""

from __future__ import annotations

import math
from fractions import Fraction

import torch

from lrp_core.errors import LRPError
from lrp_core.importance.game import Game, Progress
from lrp_core.importance.scores import DTYPE
from lrp_core.importance.work import MAX_EXACT_UNITS, check_samples, check_work, closed_form_applies

Tensor = torch.Tensor


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


def quadratic_shapley_values(game: Game) -> tuple[Tensor, Tensor]:
    """``(φ, v(N))`` in closed form when the layer feeds a linear output and the loss is MSE.

    With ``m_i`` unit i's contribution to the output residual (row i of
    ``M``, over all samples and outputs: ``W`` entries), ``c`` the bias minus
    targets and ``s = Σ_j m_j``, zeroing the coalition S leaves the residual
    ``r(S) = s + c − Σ_{i∈S} m_i``, so

    ``v(S) = (‖s + c − Σ_{i∈S} m_i‖² − ‖s + c‖²)/W
    = Σ_{i∈S} a_i + Σ_{i<j ∈ S} b_ij`` with
    ``a_i = (‖m_i‖² − 2 m_i·(s + c))/W`` and ``b_ij = 2 m_i·m_j/W``.

    For such a game each pair's dividend is split evenly, ``φ_i = a_i + ½ Σ_{j≠i} b_ij``,
    which sums to ``φ_i = −m_i·(s + 2c)/W``. Efficiency:
    ``Σ_i φ_i = −s·(s + 2c)/W = (‖c‖² − ‖s + c‖²)/W = v(N)``; a unit with
    ``m_i = 0`` (null) gets exactly 0, identical units identical values.
    Costs one pass over ``M`` (n × W), at any width."""
    if not closed_form_applies(game.net, game.layer, game.loss) or game.M is None:
        raise LRPError("the closed form needs MSE and a layer that feeds a linear output layer")
    n, width = game.n_units, game.M.shape[1]
    m, c = game.M[:n], game.M[n]
    s = m.sum(dim=0)
    # 0.0 − …: a null unit gets +0.0, not −0.0 (elementwise products: no BLAS call for a few rows)
    phi = 0.0 - (m * (s + 2.0 * c)).sum(dim=1) / width
    full = s + c
    v_full = ((c * c).sum() - (full * full).sum()) / width  # L(N zeroed) − L(∅)
    return phi, v_full


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
    check_samples(samples)
    check_work(game.net, game.layer, game.n_samples, "shapley-sampled", samples, game.loss)
    n = game.n_units
    pairs = (samples + 1) // 2
    perms = torch.rand(pairs, n, generator=generator, dtype=DTYPE).argsort(dim=1)
    perms = torch.stack([perms, perms.flip(1)], dim=1).reshape(2 * pairs, n)
    pos = perms.argsort(dim=1)  # pos[p, i] = place of unit i in permutation p
    ends = game.losses(torch.stack([torch.zeros(n, dtype=torch.bool), torch.ones(n, dtype=torch.bool)]))
    vals = torch.empty(2 * pairs, n + 1, dtype=DTYPE)
    vals[:, 0] = 0.0
    vals[:, 1:n] = _prefix_losses(game, pos, progress) - ends[0]
    vals[:, n] = ends[1] - ends[0]
    contrib = vals.gather(1, pos + 1) - vals.gather(1, pos)  # (P, n)
    pair_means = contrib.reshape(pairs, 2, n).mean(dim=1)
    out = _running(pair_means, max_points)
    out["v_full"] = vals[0, n]
    out["permutations"] = torch.tensor(2 * pairs)
    return out


def _prefix_losses(game: Game, pos: Tensor, progress: Progress | None) -> Tensor:
    """``L`` with the first j units of each permutation zeroed, j = 1..n−1 (P × n−1)."""
    total, n = pos.shape
    inner = torch.arange(1, n).view(1, n - 1, 1)
    out = torch.empty(total, n - 1, dtype=DTYPE)
    block = max(1, (1 << 16) // max(1, n - 1))  # permutations per block (bounds the mask memory)
    for p0 in range(0, total, block):
        p1 = min(total, p0 + block)
        zeroed = pos[p0:p1].unsqueeze(1) < inner  # (B, n-1, n)
        sub: Progress | None = None
        if progress is not None:
            def sub(f: float, p0: int = p0, p1: int = p1) -> None:  # reported per chunk, not only per block
                progress((p0 + (p1 - p0) * f) / total)
        out[p0:p1] = game.losses(zeroed.reshape(-1, n), sub).reshape(p1 - p0, n - 1)
    return out


def _running(pair_means: Tensor, max_points: int) -> dict[str, Tensor]:
    """The estimate, its standard error, and their running values at up to
    ``max_points`` log-spaced pair counts (a shifted, stable running variance)."""
    pairs, n = pair_means.shape
    estimate = pair_means.mean(dim=0)
    k = torch.arange(1, pairs + 1, dtype=DTYPE).unsqueeze(1)
    run_mean = pair_means.cumsum(0) / k
    centred = pair_means - estimate
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
    }
