"""Toy data sets for training and for the importance page.

Five 2-D classification sets (labels 0 and 1, one target column):

- ``moons``: two interleaving half circles;
- ``circles``: a small circle inside a large one (radii 0.5 and 1);
- ``xor``: uniform points in the square, label 1 where ``x1 · x2 < 0``
  (the same sign rule as the ``xor-2-4-1`` preset);
- ``spiral``: two interleaved arms of an Archimedean spiral;
- ``gaussians``: two Gaussian blobs centred at ``±(0.5, 0.5)``.

Each is drawn from a ``torch.Generator`` seeded by the caller (never the
global RNG), scaled so that its points lie in about ``[-scale, scale]²``,
and jittered by Gaussian input noise of standard deviation
``noise · scale``. Classes are balanced (the first gets the odd point).

Each preset's own data set comes from :mod:`lrp_core.presets`;
:func:`preset_data` wraps it with a sample count, a seed, an optional input
range and label noise ``y = f*(x) + σ·ε``, ``ε ~ N(0, 1)``, where ``f*`` is
the preset's target function (``max(x1, x2)`` for ``ancona-max``, the
preset network itself otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_core.params import Param

Tensor = torch.Tensor
Dataset = tuple[Tensor, Tensor]
DTYPE = torch.float64
MAX_POINTS = 100_000

TOY_SETS = ("moons", "circles", "xor", "spiral", "gaussians")

#: The knobs of every toy set, declared once (CLI flags and page forms read them).
TOY_SCHEMA = (
    Param("n", "int", 200, "number of points", low=2, high=MAX_POINTS),
    Param("noise", "float", 0.1, "input jitter: standard deviation relative to the scale", low=0.0, high=5.0),
    Param("scale", "float", 1.0, "the points lie in about [-scale, scale]²", low=0.0, high=1e6, open_low=True),
)

#: The knobs of a preset's own data set.
PRESET_DATA_SCHEMA = (
    Param("n", "int", 100, "number of points", low=1, high=MAX_POINTS),
    Param("sigma", "float", 0.0, "label noise σ: y = f*(x) + σ·ε", low=0.0, high=1e6),
    Param("low", "float", None, "inputs uniform from low (unset: the preset's own inputs)", optional=True,
          low=-1e6, high=1e6),
    Param("high", "float", None, "inputs uniform up to high (unset: the preset's own inputs)", optional=True,
          low=-1e6, high=1e6),
)


def _split(n: int) -> tuple[int, int]:
    return n - n // 2, n // 2


def _labels(n0: int, n1: int) -> Tensor:
    return torch.cat([torch.zeros(n0, 1, dtype=DTYPE), torch.ones(n1, 1, dtype=DTYPE)])


def _moons(n: int, gen: torch.Generator) -> Dataset:
    n0, n1 = _split(n)
    t0 = math.pi * torch.rand(n0, generator=gen, dtype=DTYPE)
    t1 = math.pi * torch.rand(n1, generator=gen, dtype=DTYPE)
    upper = torch.stack([torch.cos(t0), torch.sin(t0)], dim=1)
    lower = torch.stack([1.0 - torch.cos(t1), 0.5 - torch.sin(t1)], dim=1)
    x = torch.cat([upper, lower]) - torch.tensor([0.5, 0.25], dtype=DTYPE)
    return x / 1.5, _labels(n0, n1)


def _circles(n: int, gen: torch.Generator) -> Dataset:
    n0, n1 = _split(n)
    t = 2 * math.pi * torch.rand(n, generator=gen, dtype=DTYPE)
    r = torch.cat([torch.ones(n0, dtype=DTYPE), torch.full((n1,), 0.5, dtype=DTYPE)])
    return torch.stack([r * torch.cos(t), r * torch.sin(t)], dim=1), _labels(n0, n1)


def _xor(n: int, gen: torch.Generator) -> Dataset:
    x = 2 * torch.rand(n, 2, generator=gen, dtype=DTYPE) - 1
    return x, (x[:, :1] * x[:, 1:] < 0).to(DTYPE)


def _spiral(n: int, gen: torch.Generator) -> Dataset:
    n0, n1 = _split(n)
    t = torch.rand(n, generator=gen, dtype=DTYPE).sqrt()  # denser towards the tips, even along the arm
    angle = 3 * math.pi * t + torch.cat([torch.zeros(n0, dtype=DTYPE), torch.full((n1,), math.pi, dtype=DTYPE)])
    return torch.stack([t * torch.cos(angle), t * torch.sin(angle)], dim=1), _labels(n0, n1)


def _gaussians(n: int, gen: torch.Generator) -> Dataset:
    n0, n1 = _split(n)
    centres = torch.cat([torch.full((n0, 2), -0.5, dtype=DTYPE), torch.full((n1, 2), 0.5, dtype=DTYPE)])
    return centres + 0.25 * torch.randn(n, 2, generator=gen, dtype=DTYPE), _labels(n0, n1)


_MAKERS: dict[str, Callable[[int, torch.Generator], Dataset]] = {
    "moons": _moons, "circles": _circles, "xor": _xor, "spiral": _spiral, "gaussians": _gaussians,
}


def toy_dataset(name: str, n: int = 200, *, noise: float = 0.1, scale: float = 1.0,
                generator: torch.Generator | None = None, seed: int = 0) -> Dataset:
    """``(X, y)``: ``X`` is (n, 2) float64, ``y`` (n, 1) with labels 0.0 and 1.0.

    Drawn from ``generator`` (or a fresh one seeded with ``seed``), so the
    same seed gives the same points; the rows are shuffled."""
    if name not in _MAKERS:
        raise LRPError(f"unknown data set {name!r}; choose one of: {', '.join(TOY_SETS)}")
    n = TOY_SCHEMA[0].check(n)
    noise = TOY_SCHEMA[1].check(noise)
    scale = TOY_SCHEMA[2].check(scale)
    gen = generator if generator is not None else torch.Generator().manual_seed(int(seed))
    x, y = _MAKERS[name](n, gen)
    x = x + noise * torch.randn(x.shape, generator=gen, dtype=DTYPE)
    order = torch.randperm(n, generator=gen)
    return (scale * x[order]).contiguous(), y[order].contiguous()


def target_function(preset: str) -> Callable[[Tensor], Tensor]:
    """``f*`` of a preset's data set: ``max(x1, x2)`` for ``ancona-max``, else
    the preset network itself."""
    if preset == "ancona-max":
        return lambda x: x.max(dim=1, keepdim=True).values
    from lrp_core.presets import get_preset

    net = get_preset(preset).network()
    return lambda x: net(x)


def preset_data(preset: str, n: int = 100, seed: int = 0, *, sigma: float = 0.0,
                low: float | None = None, high: float | None = None) -> Dataset:
    """The preset's own data set with label noise: ``y = f*(x) + σ·ε``.

    Without ``low``/``high`` the inputs are those of
    :meth:`lrp_core.presets.Preset.dataset` (``n``, ``seed``); with both, the
    inputs are uniform on ``[low, high]^d`` and ``y = f*(x)``. The noise
    ``ε ~ N(0, 1)`` comes from its own generator seeded with ``seed + 1``,
    so σ = 0 gives exactly the noise-free targets and changing σ only
    rescales the same ε."""
    from lrp_core.presets import get_preset

    values = {"n": n, "sigma": sigma, "low": low, "high": high}
    for p in PRESET_DATA_SCHEMA:
        values[p.name] = p.check(values[p.name])
    spec = get_preset(preset)
    if (low is None) != (high is None):
        raise LRPError("give both ends of the input range (low and high) or neither")
    if low is None:
        x, y = spec.dataset(values["n"], seed)
    else:
        if not values["low"] < values["high"]:
            raise LRPError(f"the input range needs low < high, got {low!r} and {high!r}")
        gen = torch.Generator().manual_seed(int(seed))
        d = spec.network().n_inputs
        x = values["low"] + (values["high"] - values["low"]) * torch.rand(values["n"], d, generator=gen,
                                                                          dtype=DTYPE)
        y = target_function(preset)(x)
    return x, add_label_noise(y, values["sigma"], seed=seed + 1)


def add_label_noise(y: Tensor, sigma: float, *, seed: int = 0) -> Tensor:
    """``y + σ·ε`` with ``ε ~ N(0, 1)`` from a generator seeded with ``seed``
    (``y`` itself, not a copy with zeros added, when σ = 0)."""
    sigma = PRESET_DATA_SCHEMA[1].check(sigma)
    if sigma == 0:
        return y
    gen = torch.Generator().manual_seed(int(seed))
    return y + sigma * torch.randn(y.shape, generator=gen, dtype=DTYPE)


def dataset_names() -> tuple[str, ...]:
    """What ``--dataset`` accepts: the toy sets (a preset's own set is the default)."""
    return TOY_SETS


def data_for(net: Network, dataset: str | None = None, *, n: int | None = None, seed: int = 0,
             noise: float = 0.1, sigma: float = 0.0) -> Dataset:
    """The data a network trains or prunes on: the named toy set (2-input,
    1-output networks only), else its matching preset's own set (with label
    noise σ), else :func:`lrp_core.presets.default_dataset` (the network
    labels standard-normal inputs)."""
    from lrp_core.presets import default_dataset, matching_preset

    if dataset is not None:
        if net.n_inputs != 2 or net.n_outputs != 1:
            raise LRPError(f"the toy data set {dataset!r} has 2 inputs and 1 target; this network has "
                           f"{net.n_inputs} inputs and {net.n_outputs} outputs")
        return toy_dataset(dataset, 200 if n is None else n, noise=noise, seed=seed)
    name = matching_preset(net)
    if name is not None:
        return preset_data(name, 100 if n is None else n, seed, sigma=sigma)
    x, y = default_dataset(net, 100 if n is None else n, seed)
    return x, add_label_noise(y, sigma, seed=seed + 1)
