"""The field methods' registry: one entry per explanation method, parameters declared once.

Light on purpose (no NumPy or torch at import): the CLI builds its
``field`` parser from this registry — the ``--method`` choices and one flag
per declared parameter — on every call, and each method imports its heavy
modules when it runs.

An entry's function is ``func(network, points (N, 2), output, regions, **params)
-> (relevance (N, 2), root searches)``; entries registered with
``needs_regions=True`` get the box's :class:`~lrp_core.regions.RegionSet`.

- ``gradient``, ``gradient-x-input``, ``shapley``: closed forms
  (:mod:`lrp_core.fields.closed_form`), no root search;
- ``z+``, ``w2``, ``gamma``: train-free DTD with that closed-form rule, batched by
  :func:`lrp_core.trainfree.train_free` (z+ is LRP α1β0);
- ``full-backward``: full-backward DTD with the exact finder, one affine piece
  per linear region (:mod:`lrp_core.fields.exact`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lrp_core.params import Param
from lrp_core.registry import Registry

if TYPE_CHECKING:
    import numpy as np

    from lrp_core.network import Network
    from lrp_core.regions import RegionSet

#: ``func(network, points (N, 2), output, regions, **params) -> (relevance (N, 2), root searches)``
FieldFunc = Callable[..., "tuple[np.ndarray, int]"]
FIELD_METHODS: Registry[FieldFunc] = Registry("field method")

GAMMA = Param("gamma", "float", 0.25, "γ of the gamma rule (weight of the positive part)", low=0.0, high=1e6)
MONTAVON_2017 = "Montavon et al. 2017, Explaining nonlinear classification decisions with DTD"


def _train_free(network: Network, points: np.ndarray, output: int, rule: str, gamma: float = 0.25) -> np.ndarray:
    import torch

    from lrp_core.trainfree import train_free

    return train_free(network, torch.from_numpy(points), output, rule=rule, gamma=gamma).relevance.numpy()


@FIELD_METHODS.register("gradient", label="Gradient", cite="Simonyan et al. 2014, Deep Inside Convolutional Networks")
def _gradient(network: Network, points: np.ndarray, output: int, regions: RegionSet | None) -> tuple[np.ndarray, int]:
    """``∂f/∂x`` on each point's segment."""
    from lrp_core.fields.closed_form import gradient_field

    return gradient_field(network, points, output), 0


@FIELD_METHODS.register("gradient-x-input", label="Gradient × input",
                        cite="Shrikumar et al. 2016, Not Just a Black Box")
def _gxi(network: Network, points: np.ndarray, output: int, regions: RegionSet | None) -> tuple[np.ndarray, int]:
    """``x ⊙ ∂f/∂x``."""
    from lrp_core.fields.closed_form import gradient_x_input_field

    return gradient_x_input_field(network, points, output), 0


@FIELD_METHODS.register("z+", label="Train-free z+ (LRP α1β0)", cite=MONTAVON_2017)
def _zplus(network: Network, points: np.ndarray, output: int, regions: RegionSet | None) -> tuple[np.ndarray, int]:
    """Train-free DTD with the z+ rule."""
    return _train_free(network, points, output, "z+"), 0


@FIELD_METHODS.register("w2", label="Train-free w²", cite=MONTAVON_2017)
def _w2(network: Network, points: np.ndarray, output: int, regions: RegionSet | None) -> tuple[np.ndarray, int]:
    """Train-free DTD with the w² rule."""
    return _train_free(network, points, output, "w²"), 0


@FIELD_METHODS.register("gamma", label="Train-free γ", schema=(GAMMA,),
                        cite="Montavon et al. 2019, Layer-wise relevance propagation: an overview")
def _gamma(network: Network, points: np.ndarray, output: int, regions: RegionSet | None,
           gamma: float = 0.25) -> tuple[np.ndarray, int]:
    """Train-free DTD with the γ rule."""
    return _train_free(network, points, output, "γ", gamma=gamma), 0


@FIELD_METHODS.register("full-backward", label="Full-backward DTD (exact finder)", needs_regions=True,
                        cite="Sixt & Landgraf 2022, A Rigorous Study of the Deep Taylor Decomposition")
def _full(network: Network, points: np.ndarray, output: int, regions: RegionSet | None) -> tuple[np.ndarray, int]:
    """Full-backward DTD with the exact finder, one affine piece per region."""
    from lrp_core.decompose import FinderSpec
    from lrp_core.errors import LRPError
    from lrp_core.fields.exact import full_backward_field

    if regions is None:
        raise LRPError("the full-backward field needs the linear regions of a box holding the points")
    rel, searches, _ = full_backward_field(network, points, output, regions, FinderSpec.of("exact"))
    return rel, searches


@FIELD_METHODS.register("shapley", label="Shapley values (zero baseline, exact)",
                        cite="Shapley 1953; Lundberg & Lee 2017, A Unified Approach to Interpreting Model Predictions")
def _shapley(network: Network, points: np.ndarray, output: int, regions: RegionSet | None) -> tuple[np.ndarray, int]:
    """Exact two-player Shapley values against the zero baseline."""
    from lrp_core.fields.closed_form import shapley_field

    return shapley_field(network, points, output), 0


def method_names() -> list[str]:
    """The registered field methods, in registration order."""
    return FIELD_METHODS.names()
