"""LRP Explorer's computational core: networks, attributions, roots, decompositions.

Pure torch/numpy/scipy; never imports Streamlit. ``import lrp_core`` is light:
the names below are imported on first use (so ``python -m lrp_core presets``
starts without loading torch).

Notebook API (:mod:`lrp_core.api`): :func:`explain`, :func:`find_roots`,
:func:`neuron_importance`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lrp_core.errors import LRPError

if TYPE_CHECKING:
    from lrp_core.api import Explanation, Roots, explain, find_roots, neuron_importance
    from lrp_core.network import AffineMap, Layer, Network, Trace, from_dict, from_layers, from_sequential

_LAZY = {
    "AffineMap": "lrp_core.network",
    "Layer": "lrp_core.network",
    "Network": "lrp_core.network",
    "Trace": "lrp_core.network",
    "from_dict": "lrp_core.network",
    "from_layers": "lrp_core.network",
    "from_sequential": "lrp_core.network",
    "Explanation": "lrp_core.api",
    "Roots": "lrp_core.api",
    "explain": "lrp_core.api",
    "find_roots": "lrp_core.api",
    "neuron_importance": "lrp_core.api",
}

__all__ = [
    "AffineMap",
    "Explanation",
    "LRPError",
    "Layer",
    "Network",
    "Roots",
    "Trace",
    "explain",
    "find_roots",
    "from_dict",
    "from_layers",
    "from_sequential",
    "neuron_importance",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lrp_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
