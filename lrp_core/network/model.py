"""The network model: a fully connected ReLU network as immutable data.

A network is a tuple of layers; layer k computes ``z_k = W_k a_{k-1} + b_k`` and
``a_k = relu(z_k)`` (or ``a_k = z_k`` for a ``linear`` layer), with ``a_0 = x``.
Weights are stored as float64 tensors of shape (out, in), the same orientation
as ``torch.nn.Linear`` and the JSON format.

Everything here is a pure function of its arguments: editing a network returns
a new one, and nothing is cached outside the object itself. The file format
and its validation live in :mod:`lrp_core.network.schema`, the torch interop in
:mod:`lrp_core.network.torch_interop`, the editing operations in
:mod:`lrp_core.network.edit`; :class:`Network` exposes them as methods.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import torch

from lrp_core.errors import LRPError

Tensor = torch.Tensor


@dataclass(frozen=True, eq=False)
class Layer:
    """One fully connected layer: ``weight`` (out × in), ``bias`` (out), activation."""

    weight: Tensor
    bias: Tensor
    activation: str = "relu"

    @property
    def n_in(self) -> int:
        return int(self.weight.shape[1])

    @property
    def n_out(self) -> int:
        return int(self.weight.shape[0])

    @property
    def is_relu(self) -> bool:
        return self.activation == "relu"

    def apply(self, z: Tensor) -> Tensor:
        """The activation applied to pre-activations ``z``."""
        return torch.relu(z) if self.is_relu else z


@dataclass(frozen=True, eq=False)
class Trace:
    """Every pre-activation and activation of a forward pass.

    ``pre[k]`` and ``post[k]`` belong to layer ``start + k``; ``inputs`` is the
    input of layer ``start``. Batch dimensions are kept as given.
    """

    inputs: Tensor
    pre: tuple[Tensor, ...]
    post: tuple[Tensor, ...]
    start: int = 0

    @property
    def output(self) -> Tensor:
        return self.post[-1]


@dataclass(frozen=True, eq=False)
class AffineMap:
    """``f(a) = weight @ a + bias`` on one linear segment (batched if a was)."""

    weight: Tensor
    bias: Tensor

    def __call__(self, a: Tensor) -> Tensor:
        return (self.weight @ a.unsqueeze(-1)).squeeze(-1) + self.bias


@dataclass(frozen=True, eq=False)
class Network:
    """A validated fully connected network. Build it with :func:`from_dict`,
    :func:`from_layers` or :func:`from_sequential`; never mutate its tensors."""

    layers: tuple[Layer, ...]
    name: str = "network"
    meta: Mapping[str, Any] = field(default_factory=dict)

    # --- shape -----------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return self.layers[0].n_in

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].n_out

    @property
    def widths(self) -> list[int]:
        """Units per level, inputs first: ``[n_in, n_1, ..., n_L]``."""
        return [self.n_inputs] + [layer.n_out for layer in self.layers]

    @property
    def n_hidden_layers(self) -> int:
        return len(self.layers) - 1

    @property
    def n_params(self) -> int:
        return sum(layer.weight.numel() + layer.bias.numel() for layer in self.layers)

    def describe(self) -> str:
        return "-".join(str(w) for w in self.widths)

    # --- identity ----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON format (a contract): format, version, name, layers, extra keys
        (see :func:`lrp_core.network.schema.to_dict`)."""
        from lrp_core.network.schema import to_dict

        return to_dict(self)

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @cached_property
    def digest(self) -> str:
        """Content hash of the weights, biases and activations (not the name)."""
        h = hashlib.sha256()
        for layer in self.layers:
            h.update(layer.activation.encode())
            h.update(str(tuple(layer.weight.shape)).encode())
            h.update(layer.weight.contiguous().numpy().tobytes())
            h.update(layer.bias.contiguous().numpy().tobytes())
        return h.hexdigest()

    @cached_property
    def arrays(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """Each layer's (weight, bias) as read-only float64 NumPy arrays (made
        once; for the small-array hot paths where a NumPy call costs a
        fraction of a torch call)."""
        out = []
        for layer in self.layers:
            w = layer.weight.detach().to(torch.float64).numpy().copy()
            b = layer.bias.detach().to(torch.float64).numpy().copy()
            w.setflags(write=False)
            b.setflags(write=False)
            out.append((w, b))
        return tuple(out)

    def same_weights(self, other: Network) -> bool:
        return self.digest == other.digest

    # --- computation -------------------------------------------------------
    def forward(
        self,
        x: Tensor | Sequence[float],
        *,
        start: int = 0,
        stop: int | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> Trace:
        """Forward pass of layers ``start..stop-1`` on ``x`` (shape (..., n_in))."""
        layers = self._slice(start, stop)
        a = as_tensor(x, dtype)
        if a.shape[-1] != layers[0].n_in:
            raise LRPError(
                f"input has {a.shape[-1]} values, layer {start} expects {layers[0].n_in}"
            )
        inputs = a
        pre: list[Tensor] = []
        post: list[Tensor] = []
        for layer in layers:
            z = a @ layer.weight.to(dtype).T + layer.bias.to(dtype)
            a = layer.apply(z)
            pre.append(z)
            post.append(a)
        return Trace(inputs, tuple(pre), tuple(post), start)

    def __call__(self, x: Tensor | Sequence[float], dtype: torch.dtype = torch.float64) -> Tensor:
        return self.forward(x, dtype=dtype).output

    def pattern(
        self, x: Tensor | Sequence[float], *, start: int = 0, stop: int | None = None
    ) -> tuple[Tensor, ...]:
        """Activation pattern of ``x`` (input of layer ``start``): for each layer
        from ``start`` on, a bool tensor ``z > 0``. A ``linear`` layer's entries
        are all True (it passes everything through). A unit with ``z == 0``
        counts as inactive, as ``relu'(0) = 0`` in torch."""
        trace = self.forward(x, start=start, stop=stop)
        layers = self._slice(start, stop)
        return tuple(
            (z > 0) if layer.is_relu else torch.ones_like(z, dtype=torch.bool)
            for layer, z in zip(layers, trace.pre, strict=True)
        )

    def pattern_string(
        self, x: Tensor | Sequence[float], *, start: int = 0, stop: int | None = None
    ) -> str:
        """The pattern of one point as '0'/'1' over the ReLU units only, layer by layer."""
        layers = self._slice(start, stop)
        bits = [
            "".join("1" if b else "0" for b in mask.reshape(-1).tolist())
            for layer, mask in zip(layers, self.pattern(x, start=start, stop=stop), strict=True)
            if layer.is_relu
        ]
        return "".join(bits)

    def affine_map(
        self,
        x: Tensor | Sequence[float],
        *,
        start: int = 0,
        stop: int | None = None,
    ) -> AffineMap:
        """The network's output (after the last activation) as an affine map of
        layer ``start``'s input on the segment that contains ``x`` (batched if
        x is): effective weight ``D_L W_L ... D_k W_k`` and the matching bias,
        float64 (:func:`lrp_core.network.segment.segment_map`)."""
        from lrp_core.network.segment import segment_map

        return segment_map(self, x, start=start, stop=stop).output()

    def sub(self, start: int, stop: int | None = None) -> Network:
        """The sub-network of layers ``start..stop-1``."""
        return Network(self._slice(start, stop), f"{self.name}[{start}:{stop or ''}]", {})

    def _slice(self, start: int, stop: int | None) -> tuple[Layer, ...]:
        n = len(self.layers)
        stop = n if stop is None else stop
        if not (0 <= start < stop <= n):
            raise LRPError(f"layer range {start}..{stop - 1} is outside 0..{n - 1}")
        return self.layers[start:stop]

    # --- torch and editing (implemented in torch_interop.py and edit.py) ------
    def to_sequential(self, dtype: torch.dtype = torch.float64) -> torch.nn.Sequential:
        """An ``nn.Sequential`` of ``Linear`` (and ``ReLU``) modules with these weights."""
        from lrp_core.network.torch_interop import to_sequential

        return to_sequential(self, dtype)

    def with_layer(self, k: int, weight: Any, bias: Any, activation: str | None = None) -> Network:
        """This network with layer ``k``'s parameters replaced (validated)."""
        from lrp_core.network import edit

        return edit.with_layer(self, k, weight, bias, activation)

    def with_value(self, k: int, kind: str, row: int, col: int | None, value: float) -> Network:
        """This network with one weight (``kind='weight'``, row, col) or bias
        (``kind='bias'``, row) set to ``value`` (validated)."""
        from lrp_core.network import edit

        return edit.with_value(self, k, kind, row, col, value)

    def with_unit_added(self, k: int) -> Network:
        """A zero-weight unit appended to hidden layer ``k`` (see :func:`edit.with_unit_added`)."""
        from lrp_core.network import edit

        return edit.with_unit_added(self, k)

    def with_unit_removed(self, k: int, unit: int) -> Network:
        """Hidden layer ``k`` without unit ``unit`` (and its outgoing weights)."""
        from lrp_core.network import edit

        return edit.with_unit_removed(self, k, unit)

    def with_layer_added(self, after: int) -> Network:
        """An identity-like ReLU layer inserted after layer ``after`` (see :func:`edit.with_layer_added`)."""
        from lrp_core.network import edit

        return edit.with_layer_added(self, after)

    def with_layer_removed(self, k: int) -> Network:
        """Hidden layer ``k`` removed, folded into the next (see :func:`edit.with_layer_removed`)."""
        from lrp_core.network import edit

        return edit.with_layer_removed(self, k)

    def renamed(self, name: str) -> Network:
        """This network under another name."""
        from lrp_core.network import edit

        return edit.renamed(self, name)


def as_tensor(x: Tensor | Sequence[float], dtype: torch.dtype) -> Tensor:
    """``x`` as a tensor of ``dtype`` (a tensor is converted, not copied when it already is one)."""
    if isinstance(x, torch.Tensor):
        return x.to(dtype)
    return torch.as_tensor(x, dtype=dtype)
