"""Editing operations: each returns a new, validated network (the original is never changed).

They go through the JSON form (:func:`lrp_core.network.schema.to_dict` and
:func:`~lrp_core.network.schema.from_dict`), so every edited network passes
the same validation and caps as a loaded file.
"""

from __future__ import annotations

from typing import Any

import torch

from lrp_core.errors import LRPError
from lrp_core.network.model import Network
from lrp_core.network.schema import from_dict, plain


def with_layer(net: Network, k: int, weight: Any, bias: Any, activation: str | None = None) -> Network:
    """``net`` with layer ``k``'s parameters replaced (validated)."""
    spec = net.to_dict()
    spec["layers"][k]["weight"] = plain(weight)
    spec["layers"][k]["bias"] = plain(bias)
    if activation is not None:
        spec["layers"][k]["activation"] = activation
    return from_dict(spec)


def with_value(net: Network, k: int, kind: str, row: int, col: int | None, value: float) -> Network:
    """``net`` with one weight (``kind='weight'``, row, col) or bias
    (``kind='bias'``, row) set to ``value`` (validated)."""
    spec = net.to_dict()
    if kind == "weight":
        spec["layers"][k]["weight"][row][col] = value
    elif kind == "bias":
        spec["layers"][k]["bias"][row] = value
    else:
        raise LRPError(f"unknown parameter kind {kind!r}; choose 'weight' or 'bias'")
    return from_dict(spec)


def with_unit_added(net: Network, k: int) -> Network:
    """``net`` with a zero-weight unit appended to hidden layer ``k`` (it changes nothing
    until edited: its incoming and outgoing weights are 0)."""
    check_hidden(net, k)
    spec = net.to_dict()
    lay, nxt = spec["layers"][k], spec["layers"][k + 1]
    lay["weight"].append([0.0] * net.layers[k].n_in)
    lay["bias"].append(0.0)
    for row in nxt["weight"]:
        row.append(0.0)
    return from_dict(spec)


def with_unit_removed(net: Network, k: int, unit: int) -> Network:
    """``net``'s hidden layer ``k`` without unit ``unit`` (and its outgoing weights)."""
    check_hidden(net, k)
    if not 0 <= unit < net.layers[k].n_out:
        raise LRPError(f"layer {k} has units 0..{net.layers[k].n_out - 1}, not {unit}")
    if net.layers[k].n_out == 1:
        raise LRPError("a layer needs at least one unit; remove the layer instead")
    spec = net.to_dict()
    lay, nxt = spec["layers"][k], spec["layers"][k + 1]
    del lay["weight"][unit]
    del lay["bias"][unit]
    for row in nxt["weight"]:
        del row[unit]
    return from_dict(spec)


def with_layer_added(net: Network, after: int) -> Network:
    """``net`` with an identity-like ReLU layer inserted after layer ``after``.

    Its weights are the identity (with as many units as layer ``after``
    has outputs) and zero bias, so the function is unchanged wherever
    those activations are non-negative, which holds after a ReLU layer."""
    if not 0 <= after < len(net.layers):
        raise LRPError(f"no layer {after}; layers are 0..{len(net.layers) - 1}")
    width = net.layers[after].n_out
    spec = net.to_dict()
    eye = torch.eye(width, dtype=torch.float64).tolist()
    spec["layers"].insert(
        after + 1, {"weight": eye, "bias": [0.0] * width, "activation": "relu"}
    )
    return from_dict(spec)


def with_layer_removed(net: Network, k: int) -> Network:
    """``net`` with hidden layer ``k`` removed; the next layer's weights become
    ``W_{k+1} W_k`` and its bias ``W_{k+1} b_k + b_{k+1}`` (exact if layer k
    were linear)."""
    check_hidden(net, k)
    spec = net.to_dict()
    lay, nxt = net.layers[k], net.layers[k + 1]
    spec["layers"][k + 1]["weight"] = (nxt.weight @ lay.weight).tolist()
    spec["layers"][k + 1]["bias"] = (nxt.weight @ lay.bias + nxt.bias).tolist()
    del spec["layers"][k]
    return from_dict(spec)


def renamed(net: Network, name: str) -> Network:
    """``net`` under another name (validated)."""
    spec = net.to_dict()
    spec["name"] = name
    return from_dict(spec)


def check_hidden(net: Network, k: int) -> None:
    if not 0 <= k < net.n_hidden_layers:
        raise LRPError(
            f"hidden layers are 0..{net.n_hidden_layers - 1}, not {k}"
            if net.n_hidden_layers
            else "this network has no hidden layer"
        )
