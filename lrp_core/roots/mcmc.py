"""The ``mcmc`` finder: Metropolis–Hastings chains confined to a's segment.

Caps: every parameter has a range (its :class:`~lrp_core.params.Param`), and
the total work of one call is capped (``MAX_MCMC_WORK``,
``MAX_MCMC_TOTAL_STEPS``, ``MAX_MCMC_FLOPS``, ``MAX_STORED``; each kept a call
under ~20 s when measured on 2 shared cores); a call over a cap raises
:class:`LRPError` naming the limit before any work.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import torch

from lrp_core.errors import LRPError
from lrp_core.params import Param, defaults
from lrp_core.roots.base import DTYPE, FINDERS, RootProblem, RootResult, make_root
from lrp_core.roots.common import (
    Progress,
    Region,
    check_params,
    default_generator,
    finder_box,
    pattern_holds,
    pick_lowest,
)
from lrp_core.roots.rules import SIXT

Tensor = torch.Tensor

MAX_CHAINS = 2_000
MAX_STEPS = 200_000
MAX_WARMUP = 1_000_000
#: stored sample coordinates (n_steps × n_chains × d)
MAX_STORED = 20_000_000
#: n_chains × (n_steps + n_warmup) × explained neurons (~120 ns each on dtd-mlp); the study's
#: heaviest setting, 50 chains × (2,000 + 20,000) steps, explains 10 neurons for 1.1e7
MAX_MCMC_WORK = 150_000_000
#: n_steps + n_warmup (each step costs ~35 µs of fixed overhead whatever the chains)
MAX_MCMC_TOTAL_STEPS = 300_000
#: n_chains × (n_steps + n_warmup) × inputs × (segment constraints + explained neurons) (~2 ns each)
MAX_MCMC_FLOPS = 8_000_000_000

#: the one declaration of the finder's parameters (defaults as in the study's code)
SCHEMA = (
    Param("n_chains", "int", 10, "number of chains", low=1, high=MAX_CHAINS),
    Param("n_steps", "int", 1_000, "steps kept per chain (after warm-up)", low=1, high=MAX_STEPS),
    Param("n_warmup", "int", 100, "warm-up steps per chain (step size adapts, samples dropped)",
          low=0, high=MAX_WARMUP),
    Param("init_scale", "float", 1e-6, "initial proposal step", low=0.0, high=1e6, open_low=True, log=True,
          advanced=True),
    Param("temperature", "float", 0.1, "T of the target exp(−E/T) (unset = inf: the segment uniformly)",
          low=0.0, open_low=True, optional=True, advanced=True),
    Param("target_accept", "float", 0.5, "acceptance rate the step size adapts to", low=0.0, high=1.0,
          open_low=True, advanced=True),
    Param("nonnegative", "bool", None, "reject proposals with a negative coordinate (unset: the layer "
          "input is post-ReLU)", optional=True, advanced=True),
)


def mcmc_work(params: Mapping[str, Any], n_explained: int) -> int:
    """The work measure capped by ``MAX_MCMC_WORK``: n_chains × (n_steps + n_warmup) × explained neurons."""
    return int(params["n_chains"]) * (int(params["n_steps"]) + int(params["n_warmup"])) * max(1, n_explained)


def check_mcmc_work(n_chains: int, n_steps: int, n_warmup: int, n_explained: int, d: int,
                    n_constraints: int) -> None:
    """Refuse a run whose total work exceeds the caps (each named in the message)."""
    steps = n_steps + n_warmup
    if n_steps * n_chains * d > MAX_STORED:
        raise LRPError(f"n_steps × n_chains × inputs must be at most {MAX_STORED:,} stored numbers; "
                       f"got {n_steps * n_chains * d:,}")
    if steps > MAX_MCMC_TOTAL_STEPS:
        raise LRPError(f"n_steps + n_warmup must be at most {MAX_MCMC_TOTAL_STEPS:,}; got {steps:,}")
    work = n_chains * steps * max(1, n_explained)
    if work > MAX_MCMC_WORK:
        raise LRPError(f"n_chains × (n_steps + n_warmup) × explained neurons must be at most {MAX_MCMC_WORK:,}; "
                       f"got {n_chains:,} × {steps:,} × {n_explained:,} = {work:,}: use fewer chains or steps")
    flops = n_chains * steps * d * (n_constraints + n_explained)
    if flops > MAX_MCMC_FLOPS:
        limit = MAX_MCMC_FLOPS // max(1, d * (n_constraints + n_explained))
        raise LRPError(f"with {d} inputs, {n_constraints} segment constraints and {n_explained} explained "
                       f"neurons, n_chains × (n_steps + n_warmup) must be at most {limit:,}; "
                       f"got {n_chains * steps:,}")


@dataclass
class _Chains:
    """The chains' state and their one fused map: ``x @ fused + offset`` gives
    every unit's slack (sign · z) and every R at once."""

    fused: np.ndarray
    offset: np.ndarray
    n_constraints: int
    active: np.ndarray
    inv_norm: np.ndarray
    nonnegative: bool
    box: tuple[np.ndarray, np.ndarray] | None

    def energy_and_ok(self, prop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = prop @ self.fused + self.offset
        slack = out[:, : self.n_constraints]
        energy = (np.abs(out[:, self.n_constraints :]) * self.inv_norm).sum(axis=1)
        ok = pattern_holds(slack, self.active)
        if self.nonnegative:
            ok &= (prop >= 0).all(axis=1)
        if self.box is not None:
            ok &= ((prop >= self.box[0]) & (prop <= self.box[1])).all(axis=1)
        return energy, ok


def _chains(problem: RootProblem, region: Region) -> tuple[_Chains, float]:
    """The fused map of the chains and E(a)."""
    a = problem.point.to(DTYPE)
    W, beta = problem.affine.weight, problem.affine.bias
    r_a = W @ a + beta
    norm = r_a.abs().clamp_min(1e-12 * (1.0 + float((W.abs() @ a.abs()).max())))
    fused = torch.cat([-region.G, W]).T.contiguous().numpy()
    offset = torch.cat([region.g, beta]).numpy()
    box = None if region.box is None else (region.box[0].numpy(), region.box[1].numpy())
    ch = _Chains(fused, offset, int(region.G.shape[0]), region.active.numpy(), (1.0 / norm).numpy(),
                 region.nonnegative, box)
    return ch, float((r_a.abs() / norm).sum())


def _run(problem: RootProblem, ch: _Chains, e_a: float, p: dict[str, Any], gen: torch.Generator,
         progress: Progress) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """The chains' loop on NumPy views of float64 tensors (for arrays this
    small a NumPy call costs a fraction of a torch call); random numbers come
    from the torch generator in blocks. Returns (samples, accepted after
    warm-up per chain, final log step)."""
    n_chains, n_steps, n_warmup = p["n_chains"], p["n_steps"], p["n_warmup"]
    d, temperature, target = problem.dim, p["temperature"], p["target_accept"]
    x = np.repeat(problem.point.to(DTYPE).numpy()[None, :], n_chains, axis=0)
    e = np.full(n_chains, e_a)
    log_s = np.full(n_chains, math.log(p["init_scale"]))
    samples = torch.empty(n_steps, n_chains, d, dtype=DTYPE)
    samples_np = samples.numpy()
    accepted = np.zeros(n_chains)
    total = n_warmup + n_steps
    every, block = max(1, total // 100), 256
    noise = log_u = np.empty(0)
    for i in range(total):
        b = i % block
        if b == 0:
            m = min(block, total - i)
            noise = torch.randn(m, n_chains, d, generator=gen, dtype=DTYPE).numpy()
            log_u = torch.rand(m, n_chains, generator=gen, dtype=DTYPE).log_().mul_(temperature).numpy()
        prop = x + np.exp(log_s)[:, None] * noise[b]
        e_prop, ok = ch.energy_and_ok(prop)
        ok &= log_u[b] < e - e_prop
        x = np.where(ok[:, None], prop, x)
        e = np.where(ok, e_prop, e)
        eta = 0.5 if i < n_warmup else 0.5 / math.sqrt(1.0 + i - n_warmup)
        log_s += np.where(ok, eta * (1.0 - target), -eta * target)
        np.clip(log_s, math.log(1e-12), math.log(1e6), out=log_s)
        if i >= n_warmup:
            samples_np[i - n_warmup] = x
            accepted += ok
        if progress is not None and (i % every == 0 or i == total - 1):
            progress((i + 1) / total)
    return samples.reshape(n_steps * n_chains, d), accepted, log_s


@FINDERS.register(
    "mcmc", label="Metropolis–Hastings chains", cite=SIXT, schema=SCHEMA, params=MappingProxyType(defaults(SCHEMA)), segment_only=False, stochastic=True,
    work=mcmc_work, max_work=MAX_MCMC_WORK, work_formula="n_chains × (n_steps + n_warmup) × neurons",
    samples_name="chain samples",
)
def mcmc_finder(
    problem: RootProblem,
    *,
    generator: torch.Generator | None = None,
    progress: Progress = None,
    **values: Any,
) -> RootResult:
    """Metropolis–Hastings chains confined to a's segment (the study's
    ``LocalSegmentRoots``; defaults n_chains=10, n_steps=1000, n_warmup=100,
    init_scale=1e-6 as in its code), all vectorised over chains.

    Every chain starts at a. A proposal ``x' = x + s·ε``, ``ε ~ N(0, I)``, is
    accepted with probability ``min(1, π(x')/π(x))`` for the target

        π(x) ∝ 1[x has a's pattern] · exp(−E(x)/T),   E(x) = Σ_j |R_j(x)| / |R_j(a)|

    (R from the segment's affine map; membership by the activation pattern;
    with ``nonnegative`` proposals with a negative coordinate are rejected,
    and so are proposals outside the box). ``temperature=inf`` samples the
    segment uniformly, like the study. The step s of each chain adapts as
    ``log s += η (accepted − target_accept)`` with η = 0.5 during warmup and
    η = 0.5/√(1+k) after (diminishing adaptation). The root of neuron j is the
    post-warmup sample with the lowest ``R_j >= 0``; ``samples`` holds all
    post-warmup samples (n_steps·n_chains × d, step-major). ``nonnegative``
    defaults to ``problem.nonnegative``."""
    t0 = time.perf_counter()
    if values.get("temperature") == math.inf:
        values["temperature"] = None  # T = inf is the optional parameter's "unset"
    p, box_args = check_params("mcmc", values)
    if p["temperature"] is None:
        p["temperature"] = math.inf
    d = problem.dim
    check_mcmc_work(p["n_chains"], p["n_steps"], p["n_warmup"], len(problem.neurons), d,
                    int(problem.segment.G.shape[0]))
    nonneg = problem.nonnegative if p["nonnegative"] is None else bool(p["nonnegative"])
    region = Region(problem, nonneg, finder_box(problem, box_args.get("low"), box_args.get("high")))
    ch, e_a = _chains(problem, region)
    flat, accepted, log_s = _run(problem, ch, e_a, p, default_generator(generator), progress)
    # verify every stored sample with the network's own pattern (the composed maps could differ
    # from the layer-by-layer pass at 1e-16)
    start_inside = bool(region(problem.point.to(DTYPE).unsqueeze(0))[0])
    keep = problem.in_segment(flat) if start_inside else torch.zeros(flat.shape[0], dtype=torch.bool)
    dropped = int((~keep).sum())
    if start_inside and dropped:
        flat = flat[keep]
    roots = (
        pick_lowest(problem, flat, "chain samples")
        if start_inside
        else [make_root(problem, j, None, "a itself violates x >= 0 or the box; the chains cannot start")
              for j in range(len(problem.neurons))]
    )
    n_total = p["n_chains"] * (p["n_steps"] + p["n_warmup"])
    extra = {"acceptance": float(accepted.sum()) / (p["n_steps"] * p["n_chains"]),
             "final_step": np.exp(log_s).tolist(), "dropped": dropped, "n_chains": p["n_chains"]}
    params = {**p, "nonnegative": nonneg}
    return RootResult("mcmc", params, tuple(roots), n_total + flat.shape[0], time.perf_counter() - t0,
                      samples=flat, extra=extra)
