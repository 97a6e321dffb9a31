"""Batched forward and backward passes of a network on many points (float64 NumPy).

Shared by the explanation fields: for a grid of points, the activations of
every layer, the activation patterns and the output gradient, each in one
pass over the layers instead of one pass per point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lrp_core.network import Network


@dataclass(frozen=True, eq=False)
class BatchTrace:
    """``inputs[k]`` (N, n_in_k) is the input of layer k, ``pre[k]``/``post[k]``
    its pre-activation and output, ``active[k]`` its mask ``z > 0`` (all True for
    a linear layer; ``z == 0`` counts as inactive, as torch's ``relu'(0) = 0``)."""

    inputs: tuple[np.ndarray, ...]
    pre: tuple[np.ndarray, ...]
    post: tuple[np.ndarray, ...]
    active: tuple[np.ndarray, ...]

    @property
    def output(self) -> np.ndarray:
        return self.post[-1]

    def patterns(self, network: Network) -> np.ndarray:
        """(N, n_relu_units) bools: the pattern over the ReLU units, layer by
        layer (the order of :meth:`Network.pattern_string`)."""
        cols = [m for layer, m in zip(network.layers, self.active, strict=True) if layer.is_relu]
        n = self.inputs[0].shape[0]
        return np.concatenate(cols, axis=1) if cols else np.zeros((n, 0), dtype=bool)


def forward(network: Network, points: np.ndarray) -> BatchTrace:
    """The forward pass of ``network`` on ``points`` (N, n_inputs)."""
    a = np.asarray(points, dtype=np.float64)
    inputs, pre, post, active = [], [], [], []
    for layer, (w, b) in zip(network.layers, network.arrays, strict=True):
        inputs.append(a)
        z = a @ w.T + b
        if layer.is_relu:
            mask = z > 0
            a = np.where(mask, z, 0.0)
        else:
            mask = np.ones_like(z, dtype=bool)
            a = z
        pre.append(z)
        post.append(a)
        active.append(mask)
    return BatchTrace(tuple(inputs), tuple(pre), tuple(post), tuple(active))


def output_gradient(network: Network, trace: BatchTrace, output: int) -> np.ndarray:
    """∂f_output/∂x at every point (N, n_inputs), from each point's segment
    (the product of the masked weights: the gradient of its affine map)."""
    n = trace.inputs[0].shape[0]
    g = np.zeros((n, network.n_outputs))
    g[:, output] = 1.0
    for k in range(len(network.layers) - 1, -1, -1):
        w, _ = network.arrays[k]
        g = (g * trace.active[k]) @ w
    return g


def pattern_strings(patterns: np.ndarray) -> list[str]:
    """Rows of a bool matrix as '0'/'1' strings."""
    if patterns.shape[1] == 0:
        return [""] * patterns.shape[0]
    codes = (patterns.astype(np.uint8) + ord("0"))
    return [row.tobytes().decode("ascii") for row in codes]
