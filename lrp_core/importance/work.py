"""Caps on the Shapley computations: how much work a request is, and a refusal that names a way under.

When the scored layer feeds a linear output layer and the loss is MSE, exact
Shapley values have a closed form (``shapley.quadratic_shapley_values``) at
any width up to the network caps; otherwise they need all ``2^n``
coalitions, so ``n ≤`` :data:`MAX_EXACT_UNITS`.
"""

from __future__ import annotations

from typing import Any

from lrp_core.errors import LRPError
from lrp_core.importance.game import check_loss, feeds_linear_output
from lrp_core.network import Network

MAX_EXACT_UNITS = 20
MAX_SAMPLES = 100_000
DEFAULT_SAMPLES = 200
#: Cap on the estimated work of one Shapley computation, in operations of
#: :func:`shapley_work` (≈ 2–7·10⁸ per second on this project's shared 2-core machine,
#: so a run at the cap takes about 5–15 s).
MAX_WORK = 3_000_000_000
#: Cost per coalition, sample and output of the 2ⁿ path when only the output
#: layer follows, in the elementwise operations of :func:`shapley_work`
#: (measured): a linear output with L1 is a ``cdist``; a ReLU output is a
#: broadcast sum in chunks. (A linear output with MSE takes the closed form.)
EXACT_OUTPUT_COST = {"linear-l1": 1.0, "relu": 12.0}


def closed_form_applies(net: Network, layer: int, loss: str) -> bool:
    """True when ``v(S)`` is quadratic in the zeroed units: MSE loss and the
    layer feeds a linear output layer directly (then exact Shapley values
    have a closed form at any width)."""
    return loss == "mse" and feeds_linear_output(net, layer)


def exact_unavailable(net: Network, layer: int, loss: str) -> str | None:
    """Why ``shapley-exact`` cannot run on this layer and loss, or ``None``."""
    n = net.layers[layer].n_out
    if closed_form_applies(net, layer, loss) or n <= MAX_EXACT_UNITS:
        return None
    return (f"shapley-exact handles at most {MAX_EXACT_UNITS} units (2^n coalitions) unless the layer feeds "
            f"a linear output layer and the loss is MSE; layer {layer} has {n}; choose the other methods "
            "explicitly")


def shapley_work(net: Network, layer: int, n_data: int, method: str, samples: int = DEFAULT_SAMPLES,
                 loss: str = "mse") -> float:
    """Estimated operations of ``shapley-exact`` or ``shapley-sampled`` (0 for other methods).

    One coalition evaluated on one sample costs the multiply-adds of the
    layers after ``layer`` plus the ``n`` mask products:
    ``c = Σ_{l > K} n_in(l)·n_out(l) + n``. Sampled Shapley evaluates
    ``P·(n − 1)`` coalitions, so ``work = P·(n − 1)·N·c``. Exact Shapley in
    closed form is one product ``(n+1)·N·O``; on the 2ⁿ path it evaluates
    ``2^n`` coalitions; with only the output layer after ``layer`` each costs
    ``O`` times :data:`EXACT_OUTPUT_COST` of the output and loss, else ``c``:
    ``work = 2^n·N·c'``."""
    n = net.layers[layer].n_out
    tail = net.layers[layer + 1 :]
    per = sum(lay.n_in * lay.n_out for lay in tail) + n
    if method == "shapley-sampled":
        perms = 2 * ((samples + 1) // 2)
        return float(perms) * max(1, n - 1) * n_data * per
    if method == "shapley-exact":
        if closed_form_applies(net, layer, loss):
            return float(n + 1) * n_data * tail[0].n_out
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


def check_samples(samples: Any) -> int:
    if isinstance(samples, bool) or not isinstance(samples, int) or not 2 <= samples <= MAX_SAMPLES:
        raise LRPError(f"the number of sampled permutations must be a whole number from 2 to {MAX_SAMPLES:,}, "
                       f"not {samples!r}")
    return samples
