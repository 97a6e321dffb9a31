"""Torch interop: a network to and from an ``nn.Sequential`` of ``Linear`` and ``ReLU`` modules."""

from __future__ import annotations

from typing import Any

import torch

from lrp_core.errors import LRPError
from lrp_core.network.model import Network
from lrp_core.network.schema import from_layers


def to_sequential(net: Network, dtype: torch.dtype = torch.float64) -> torch.nn.Sequential:
    """``net`` as an ``nn.Sequential`` of ``Linear`` (and ``ReLU``) modules with these weights."""
    modules: list[torch.nn.Module] = []
    for layer in net.layers:
        lin = torch.nn.Linear(layer.n_in, layer.n_out, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(layer.weight.to(dtype))
            lin.bias.copy_(layer.bias.to(dtype))
        modules.append(lin)
        if layer.is_relu:
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules)


def from_sequential(module: torch.nn.Module, name: str = "network") -> Network:
    """Convert an ``nn.Sequential`` of ``Linear`` and ``ReLU`` modules.

    Any other module is refused with a message naming it. A ``Linear`` not
    followed by a ``ReLU`` becomes a ``linear`` layer."""
    if not isinstance(module, torch.nn.Sequential):
        raise LRPError(f"expected torch.nn.Sequential, got {type(module).__name__}")
    weights: list[Any] = []
    biases: list[Any] = []
    acts: list[str] = []
    for idx, mod in enumerate(module):
        if isinstance(mod, torch.nn.Linear):
            weights.append(mod.weight.detach().to(torch.float64))
            biases.append(
                mod.bias.detach().to(torch.float64)
                if mod.bias is not None
                else torch.zeros(mod.out_features, dtype=torch.float64)
            )
            acts.append("linear")
        elif isinstance(mod, torch.nn.ReLU):
            if not acts or acts[-1] != "linear":
                raise LRPError(f"module {idx} (ReLU) must follow a Linear module")
            acts[-1] = "relu"
        else:
            raise LRPError(
                f"module {idx} ({type(mod).__name__}) is not supported; "
                "only Linear and ReLU modules can be converted"
            )
    if not weights:
        raise LRPError("the Sequential module has no Linear layer")
    return from_layers(weights, biases, acts, name=name)
