"""The notebook API's door: a user's model and inputs, checked and copied once.

- :func:`as_network`: a :class:`~lrp_core.network.Network` from a Network, an
  ``nn.Sequential`` of ``Linear`` / ``ReLU`` modules of any floating dtype, or
  the path of a network JSON file. The Sequential is only read: its
  parameters are copied to float64 NumPy arrays; it is never run, and no hook,
  attribute, ``requires_grad`` flag, dtype or value of it changes.
- :func:`as_inputs`: one point (d,) or a batch (N, d) from a list, a NumPy
  array or a tensor of real numbers (any dtype, with or without
  ``requires_grad``), as a detached float64 CPU copy.

Refusals are one-line :class:`~lrp_core.errors.LRPError` messages.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from lrp_core.errors import LRPError

if TYPE_CHECKING:
    from lrp_core.network import Network

#: at most this many input rows a call
MAX_ROWS = 100_000
#: a network file is read up to this size (it is JSON, never unpickled)
MAX_FILE_BYTES = 1_000_000
#: parameter dtypes NumPy reads directly (others, e.g. bfloat16, go through torch)
_NUMPY_DTYPES = (torch.float64, torch.float32, torch.float16)


def as_network(model: Any) -> Network:
    """A :class:`Network` from a Network, an ``nn.Sequential`` or a file path."""
    from lrp_core.network import Network, from_sequential

    if isinstance(model, Network):
        return model
    if isinstance(model, torch.nn.Module):
        if not isinstance(model, torch.nn.Sequential):
            raise LRPError(f"model must be an nn.Sequential of Linear and ReLU modules, not {type(model).__name__}")
        for idx, mod in enumerate(model):
            if isinstance(mod, torch.nn.Linear) and not mod.weight.dtype.is_floating_point:
                raise LRPError(f"module {idx} (Linear) has non-floating weights ({mod.weight.dtype})")
        return _sequential_within_caps(model) or from_sequential(model)
    if isinstance(model, (str, os.PathLike)):
        return _network_file(model)
    raise LRPError(f"model must be a Network, an nn.Sequential or a network file path, not {type(model).__name__}")


def _network_file(path: str | os.PathLike[str]) -> Network:
    from lrp_core.io import load_network_json

    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise LRPError(f"cannot read {str(path)!r}: {getattr(exc, 'strerror', None) or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise LRPError(f"{str(path)!r} is larger than {MAX_FILE_BYTES:,} bytes")
    return load_network_json(data)


def _array64(t: torch.Tensor) -> np.ndarray:
    """A float64 NumPy copy of a parameter (never a view of the caller's memory)."""
    t = t.detach()
    if t.device.type == "cpu" and t.dtype in _NUMPY_DTYPES:
        return t.numpy().astype(np.float64)  # astype copies
    return t.to(device="cpu", dtype=torch.float64, copy=True).numpy()


def _sequential_within_caps(model: torch.nn.Sequential) -> Network | None:
    """The network of a Sequential that passes every check of
    :func:`lrp_core.network.from_sequential` (checked on whole arrays), else
    None, and ``from_sequential`` then names the problem. Same weights as
    ``from_sequential``, without its number-by-number validation."""
    from lrp_core import network as nw

    layers: list[list[Any]] = []  # [weight, bias, activation]
    for mod in model:
        if isinstance(mod, torch.nn.Linear):
            w = _array64(mod.weight)
            b = _array64(mod.bias) if mod.bias is not None else np.zeros(w.shape[0])
            if w.ndim != 2 or b.shape != (w.shape[0],) or (layers and layers[-1][0].shape[0] != w.shape[1]):
                return None
            layers.append([w, b, "linear"])
        elif isinstance(mod, torch.nn.ReLU) and layers and layers[-1][2] == "linear":
            layers[-1][2] = "relu"
        else:
            return None
    if not 1 <= len(layers) <= nw.MAX_LAYERS or not 1 <= layers[0][0].shape[1] <= nw.MAX_INPUTS:
        return None
    if any(not 1 <= w.shape[0] <= nw.MAX_UNITS for w, _, _ in layers):
        return None
    values = np.concatenate([a.reshape(-1) for w, b, _ in layers for a in (w, b)])
    if not bool((np.abs(values) <= nw.MAX_ABS_VALUE).all()):  # False for NaN and inf too
        return None
    return nw.Network(tuple(nw.Layer(torch.from_numpy(w), torch.from_numpy(b), act) for w, b, act in layers),
                      "network", {})


def as_float64(v: Any, what: str = "x") -> torch.Tensor:
    """A detached float64 CPU copy of a list, NumPy array or tensor of real numbers."""
    if isinstance(v, torch.Tensor):
        t = v.detach()
    else:
        try:
            arr = np.asarray(v)
        except (ValueError, TypeError):
            raise LRPError(f"{what} must be a list, array or tensor of numbers") from None
        if arr.dtype == object or arr.dtype.kind not in "iuf":
            raise LRPError(f"{what} must hold real numbers, not {arr.dtype}")
        t = torch.from_numpy(arr.astype(np.float64))
    if t.is_complex() or t.dtype == torch.bool:
        raise LRPError(f"{what} must hold real numbers, not {t.dtype}")
    try:
        t = t.to(device="cpu", dtype=torch.float64, copy=True)
    except (RuntimeError, NotImplementedError):
        raise LRPError(f"{what} cannot be copied to the CPU (device {t.device})") from None
    if not bool(torch.isfinite(t).all()):
        raise LRPError(f"{what} must contain finite numbers only")
    return t


def as_inputs(x: Any, n_inputs: int, what: str = "x") -> tuple[torch.Tensor, bool]:
    """``x`` as a detached float64 (N, n_inputs) copy, and whether it was one point."""
    t = as_float64(x, what)
    single = t.ndim == 1
    if single:
        t = t.unsqueeze(0)
    if t.ndim != 2 or t.shape[1] != n_inputs:
        shape = tuple(t.shape[1:]) if single else tuple(t.shape)
        raise LRPError(f"{what} must be one point of {n_inputs} values or a batch (N, {n_inputs}), "
                       f"got shape {shape}")
    if not 1 <= t.shape[0] <= MAX_ROWS:
        raise LRPError(f"{what} must have 1 to {MAX_ROWS:,} rows, not {t.shape[0]}")
    return t, single


def check_index(value: Any, count: int, what: str) -> int:
    """``value`` as an index in ``0 .. count − 1`` (a Python int, not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
        raise LRPError(f"{what} must be in 0..{count - 1}, not {value!r}")
    return value


def check_seed(seed: Any) -> int:
    """A generator seed: a whole number from 0 to 2⁶³ − 1."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise LRPError(f"seed must be a whole number from 0 to 2^63 - 1, not {seed!r}")
    return int(seed)
