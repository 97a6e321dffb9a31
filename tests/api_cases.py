"""Shared cases of the notebook API tests (tests/test_api.py, tests/test_api_inputs.py); their
``dtd`` fixture is in conftest.py."""

from __future__ import annotations

import torch

from lrp_core.presets import get_preset

DTYPE = torch.float64
METHODS = ("full-backward", "train-free", "gradient-x-input")


def x0() -> list[float]:
    return list(get_preset("dtd-mlp").default_input)


def batch(n: int = 6, d: int = 10, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=DTYPE)
