"""Numerical guards: pure checks whose results pages show as notes or warnings.

Nothing here changes a network or an input; each function reports.

- :func:`check_input` validates an input point (numbers only, finite, capped).
- :func:`precision_report` runs the forward pass in float32 and float64 and
  flags disagreement: float32 overflow (``|w| ≈ 1e30`` over two layers already
  exceeds float32's 3.4e38), underflow (``1e-30 · 1e-30`` is below float32's
  smallest subnormal 1.4e-45) and units that change sides of their kink.
  The relative error is measured against the magnitude of the summed terms,
  ``s_j = Σ_i |W_ji x_i| + |b_j|`` with ``(W, b)`` the output's affine map on
  x's linear segment, so cancellation in an exactly-zero output is not flagged
  while a genuinely lost result is.
- :func:`nothing_to_explain` says so when the explained output is 0 at x: every
  conservative attribution (``Σ_i R_i = f(x)``) is then all zeros.
- :func:`dead_layers` names hidden ReLU layers whose every unit is inactive at x:
  the output is then constant around x, and gradients and Taylor terms vanish.
- :func:`health_flags` gathers all of them as :class:`Flag` records.
- :func:`check_decomposition_work` refuses a decomposition whose mcmc layers
  together exceed the mcmc finder's work cap, before any layer runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from lrp_core.errors import LRPError
from lrp_core.network import MAX_ABS_VALUE, Network, segment_map, type_name

Tensor = torch.Tensor

#: float32 relative error beyond which float32 and float64 "disagree"
PRECISION_RTOL = 1e-4
#: weights at or beyond these magnitudes are outside float32's comfortable range
LARGE_WEIGHT = 1e15
SMALL_WEIGHT = 1e-15


@dataclass(frozen=True)
class Flag:
    """One finding: ``code`` (stable, for tests), ``level`` (info|warning), ``message`` (one line)."""

    code: str
    level: str
    message: str


@dataclass(frozen=True)
class PrecisionReport:
    """Forward pass in float64 vs float32 at one input.

    ``rel_error[j] = |f32_j - f64_j| / max(s_j, tiny)`` with ``s_j`` the summed
    magnitude of the terms of output j (see the module docstring)."""

    out64: tuple[float, ...]
    out32: tuple[float, ...]
    rel_error: tuple[float, ...]
    pattern64: str
    pattern32: str
    flagged: bool
    message: str

    @property
    def max_rel_error(self) -> float:
        return max(self.rel_error) if self.rel_error else 0.0


def check_input(net: Network, x: Sequence[Any] | Tensor) -> tuple[float, ...]:
    """The input point as floats, or :class:`LRPError` naming what is wrong:
    wrong length, non-numbers (booleans, strings and nulls included),
    non-finite values or magnitudes over ``MAX_ABS_VALUE``."""
    values = x.tolist() if isinstance(x, torch.Tensor) else x
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise LRPError(f"the input must be a list of {net.n_inputs} numbers, not {type_name(values)}")
    if len(values) != net.n_inputs:
        raise LRPError(f"the input needs {net.n_inputs} numbers for this network, got {len(values)}")
    out: list[float] = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise LRPError(f"input x{i + 1} must be a number, not {type_name(v)}")
        f = float(v) if not isinstance(v, int) or abs(v) < 10**308 else math.inf
        if not math.isfinite(f):
            raise LRPError(f"input x{i + 1} must be finite, not {v!r}")
        if abs(f) > MAX_ABS_VALUE:
            raise LRPError(f"input x{i + 1} = {f:g} is larger in magnitude than {MAX_ABS_VALUE:g}")
        out.append(f)
    return tuple(out)


def _pattern(net: Network, pre: Sequence[Tensor]) -> str:
    return "".join(
        "".join("1" if b else "0" for b in (z > 0).reshape(-1).tolist())
        for layer, z in zip(net.layers, pre, strict=True)
        if layer.is_relu
    )


def precision_report(net: Network, x: Sequence[float] | Tensor, *, rtol: float = PRECISION_RTOL) -> PrecisionReport:
    """Compare the float32 and float64 forward passes at ``x`` (see the module docstring)."""
    xs = torch.as_tensor(check_input(net, x), dtype=torch.float64)
    t64 = net.forward(xs, dtype=torch.float64)
    t32 = net.forward(xs, dtype=torch.float32)
    out64 = t64.output
    out32 = t32.output.to(torch.float64)
    amap = segment_map(net, xs).output()
    scale = (amap.weight * xs).abs().sum(-1) + amap.bias.abs()
    tiny = torch.finfo(torch.float64).tiny
    diff = (out32 - out64).abs()
    rel = torch.where(torch.isfinite(diff), diff / scale.clamp_min(tiny), torch.full_like(diff, math.inf))
    rel = torch.where(diff == 0, torch.zeros_like(rel), rel)
    p64, p32 = _pattern(net, t64.pre), _pattern(net, t32.pre)
    problems: list[str] = []
    if not bool(torch.isfinite(out64).all()):
        problems.append("the float64 output overflows")
    if bool(torch.isfinite(out64).all()) and not bool(torch.isfinite(out32).all()):
        problems.append("float32 overflows to infinity where float64 is finite")
    if p64 != p32:
        flips = sum(a != b for a, b in zip(p64, p32, strict=True))
        problems.append(f"{flips} unit(s) change sides of their kink in float32")
    finite_rel = rel[torch.isfinite(rel)]
    if finite_rel.numel() and float(finite_rel.max()) > rtol:
        problems.append(f"float32 is off by {float(finite_rel.max()):.2g} (relative) from float64")
    if problems:
        message = "float32 and float64 disagree: " + "; ".join(problems) + ". Results here use float64."
    else:
        message = f"float32 agrees with float64 to {float(rel.max()) if rel.numel() else 0.0:.1e} (relative)."
    return PrecisionReport(
        out64=tuple(out64.tolist()), out32=tuple(out32.tolist()), rel_error=tuple(rel.tolist()),
        pattern64=p64, pattern32=p32, flagged=bool(problems), message=message,
    )


def nothing_to_explain(
    net: Network, x: Sequence[float] | Tensor, output: int = 0, *, atol: float = 0.0
) -> str | None:
    """A one-line note if output ``output`` is 0 (``|f(x)| <= atol``) at ``x``, else ``None``."""
    if not 0 <= output < net.n_outputs:
        raise LRPError(f"output {output} does not exist; outputs are 0..{net.n_outputs - 1}")
    xs = torch.as_tensor(check_input(net, x), dtype=torch.float64)
    f = float(net(xs)[output])
    if abs(f) <= atol:
        return (f"output {output} is 0 at this input: there is nothing to explain "
                "(every relevance that sums to f(x) is 0)")
    return None


def dead_layers(net: Network, x: Sequence[float] | Tensor) -> tuple[int, ...]:
    """Indices of hidden ReLU layers in which every unit is inactive (``z <= 0``) at ``x``."""
    xs = torch.as_tensor(check_input(net, x), dtype=torch.float64)
    trace = net.forward(xs)
    return tuple(
        k for k, (layer, z) in enumerate(zip(net.layers[:-1], trace.pre[:-1], strict=True))
        if layer.is_relu and not bool((z > 0).any())
    )


def magnitude_flags(net: Network) -> tuple[Flag, ...]:
    """Weights or biases so large or small (but non-zero) that float32 cannot follow."""
    big = small = 0.0
    for layer in net.layers:
        for t in (layer.weight, layer.bias):
            a = t.abs()
            big = max(big, float(a.max()))
            nz = a[a > 0]
            if nz.numel():
                small = min(small, float(nz.min())) if small else float(nz.min())
    flags: list[Flag] = []
    if big >= LARGE_WEIGHT:
        flags.append(Flag("huge-weights", "warning",
                          f"the largest weight is {big:.3g}: float32 would overflow; results use float64"))
    if 0 < small <= SMALL_WEIGHT:
        flags.append(Flag("tiny-weights", "warning",
                          f"the smallest non-zero weight is {small:.3g}: float32 would underflow; "
                          "results use float64"))
    return tuple(flags)


def health_flags(net: Network, x: Sequence[float] | Tensor, output: int = 0) -> tuple[Flag, ...]:
    """Everything worth telling the user about ``net`` at ``x`` (may be empty)."""
    flags: list[Flag] = list(magnitude_flags(net))
    report = precision_report(net, x)
    if report.flagged:
        flags.append(Flag("precision", "warning", report.message))
    dead = dead_layers(net, x)
    if dead:
        which = ", ".join(str(k) for k in dead)
        flags.append(Flag("dead-layer", "warning",
                          f"every unit of hidden layer {which} is inactive here: the output is constant "
                          "around this input, so gradients and Taylor terms are 0"))
    note = nothing_to_explain(net, x, output)
    if note is not None:
        flags.append(Flag("zero-output", "info", note))
    return tuple(flags)


def check_decomposition_work(net: Network, finders: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """Refuse (:class:`LRPError`) a layer-by-layer decomposition whose layers would together exceed
    a finder's one-call work cap (e.g. mcmc's ``n_chains × (n_steps + n_warmup) × explained neurons
    <= MAX_MCMC_WORK``).

    ``finders[k]`` is (finder name, parameters) of layer k. A finder whose registry entry declares a
    work estimate (``extra["work"]``, ``extra["max_work"]``) is summed over its layers; a layer
    explains at most its ``n_out`` neurons, so the sum bounds the work before any layer runs (each
    layer alone is also capped by the finder, but only when it starts)."""
    from lrp_core.roots import FINDERS

    if len(finders) != len(net.layers):
        raise LRPError(f"need one finder per layer ({len(net.layers)}), got {len(finders)}")
    totals: dict[str, int] = {}
    for layer, (name, params) in zip(net.layers, finders, strict=True):
        entry = FINDERS.get(name)
        work = entry.extra.get("work")
        if work is None:
            continue
        try:
            totals[name] = totals.get(name, 0) + int(work({**entry.defaults(), **dict(params)}, layer.n_out))
        except (TypeError, ValueError):
            continue  # the finder itself names the bad parameter
    for name, total in totals.items():
        extra = FINDERS.get(name).extra
        cap = int(extra["max_work"])
        if total > cap:
            raise LRPError(f"{name} over every layer: {extra.get('work_formula', 'the work')} of the layers must "
                           f"be at most {cap:,} in all; got {total:,}: use fewer chains or steps")
