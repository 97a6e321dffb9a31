"""The network model: a fully connected ReLU network as immutable data.

A network is a tuple of layers; layer k computes ``z_k = W_k a_{k-1} + b_k`` and
``a_k = relu(z_k)`` (or ``a_k = z_k`` for a ``linear`` layer), with ``a_0 = x``.
Weights are stored as float64 tensors of shape (out, in), the same orientation
as ``torch.nn.Linear`` and the JSON format.

Everything here is a pure function of its arguments: editing a network returns
a new one, and nothing is cached outside the object itself.

Caps (enforced by :func:`validate`): at most ``MAX_LAYERS`` layers,
``MAX_UNITS`` units in a layer, ``MAX_INPUTS`` inputs, and every number finite
with magnitude at most ``MAX_ABS_VALUE``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import torch

from lrp_core.errors import LRPError

FORMAT = "lrp-explorer.network"
VERSION = 1
ACTIVATIONS = ("relu", "linear")
MAX_LAYERS = 8
MAX_UNITS = 64
MAX_INPUTS = 64
MAX_ABS_VALUE = 1e32
MAX_NAME_LENGTH = 200

Tensor = torch.Tensor


class NetworkValidationError(LRPError):
    """A network description with one or more problems, each named."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "; ".join(self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"invalid network: {shown}{more}")


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
        """The JSON format (a contract): format, version, name, layers, extra keys."""
        out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": self.name}
        for key, value in self.meta.items():
            if key not in ("format", "version", "name", "layers"):
                out[key] = value
        out["layers"] = [
            {
                "weight": layer.weight.tolist(),
                "bias": layer.bias.tolist(),
                "activation": layer.activation,
            }
            for layer in self.layers
        ]
        return out

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
        a = _as_tensor(x, dtype)
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

    def preactivation_maps(
        self,
        x: Tensor | Sequence[float],
        *,
        start: int = 0,
        stop: int | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> tuple[AffineMap, ...]:
        """For each layer m from ``start`` on, the affine map from layer
        ``start``'s input to layer m's pre-activation, valid on the linear
        segment that contains ``x``. ``x`` may be batched (B, d)."""
        layers = self._slice(start, stop)
        a = _as_tensor(x, dtype)
        d = a.shape[-1]
        batch = a.shape[:-1]
        m = torch.eye(d, dtype=dtype).expand(*batch, d, d)
        c = torch.zeros(*batch, d, dtype=dtype)
        maps: list[AffineMap] = []
        for layer in layers:
            w = layer.weight.to(dtype)
            wm = w @ m  # (o, d_prev) @ (..., d_prev, d) -> (..., o, d)
            bm = c @ w.T + layer.bias.to(dtype)
            maps.append(AffineMap(wm, bm))
            if layer.is_relu:
                z = (wm @ a.unsqueeze(-1)).squeeze(-1) + bm
                mask = (z > 0).to(dtype)
                m = wm * mask.unsqueeze(-1)
                c = bm * mask
            else:
                m, c = wm, bm
        return tuple(maps)

    def affine_map(
        self,
        x: Tensor | Sequence[float],
        *,
        start: int = 0,
        stop: int | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> AffineMap:
        """The network's output (after the last activation) as an affine map of
        layer ``start``'s input on the segment that contains ``x``: effective
        weight ``D_L W_L ... D_k W_k`` and the matching bias."""
        layers = self._slice(start, stop)
        last = self.preactivation_maps(x, start=start, stop=stop, dtype=dtype)[-1]
        if not layers[-1].is_relu:
            return last
        a = _as_tensor(x, dtype)
        z = last(a)
        mask = (z > 0).to(dtype)
        return AffineMap(last.weight * mask.unsqueeze(-1), last.bias * mask)

    def sub(self, start: int, stop: int | None = None) -> Network:
        """The sub-network of layers ``start..stop-1``."""
        return Network(self._slice(start, stop), f"{self.name}[{start}:{stop or ''}]", {})

    def _slice(self, start: int, stop: int | None) -> tuple[Layer, ...]:
        n = len(self.layers)
        stop = n if stop is None else stop
        if not (0 <= start < stop <= n):
            raise LRPError(f"layer range {start}..{stop - 1} is outside 0..{n - 1}")
        return self.layers[start:stop]

    # --- torch -------------------------------------------------------------
    def to_sequential(self, dtype: torch.dtype = torch.float64) -> torch.nn.Sequential:
        """An ``nn.Sequential`` of ``Linear`` (and ``ReLU``) modules with these weights."""
        modules: list[torch.nn.Module] = []
        for layer in self.layers:
            lin = torch.nn.Linear(layer.n_in, layer.n_out, dtype=dtype)
            with torch.no_grad():
                lin.weight.copy_(layer.weight.to(dtype))
                lin.bias.copy_(layer.bias.to(dtype))
            modules.append(lin)
            if layer.is_relu:
                modules.append(torch.nn.ReLU())
        return torch.nn.Sequential(*modules)

    # --- editing (each returns a new, validated network) --------------------
    def with_layer(self, k: int, weight: Any, bias: Any, activation: str | None = None) -> Network:
        """This network with layer ``k``'s parameters replaced (validated)."""
        spec = self.to_dict()
        spec["layers"][k]["weight"] = _plain(weight)
        spec["layers"][k]["bias"] = _plain(bias)
        if activation is not None:
            spec["layers"][k]["activation"] = activation
        return from_dict(spec)

    def with_value(self, k: int, kind: str, row: int, col: int | None, value: float) -> Network:
        """This network with one weight (``kind='weight'``, row, col) or bias
        (``kind='bias'``, row) set to ``value`` (validated)."""
        spec = self.to_dict()
        if kind == "weight":
            spec["layers"][k]["weight"][row][col] = value
        elif kind == "bias":
            spec["layers"][k]["bias"][row] = value
        else:
            raise LRPError(f"unknown parameter kind {kind!r}; choose 'weight' or 'bias'")
        return from_dict(spec)

    def with_unit_added(self, k: int) -> Network:
        """A zero-weight unit appended to hidden layer ``k`` (it changes nothing
        until edited: its incoming and outgoing weights are 0)."""
        self._check_hidden(k)
        spec = self.to_dict()
        lay, nxt = spec["layers"][k], spec["layers"][k + 1]
        lay["weight"].append([0.0] * self.layers[k].n_in)
        lay["bias"].append(0.0)
        for row in nxt["weight"]:
            row.append(0.0)
        return from_dict(spec)

    def with_unit_removed(self, k: int, unit: int) -> Network:
        """Hidden layer ``k`` without unit ``unit`` (and its outgoing weights)."""
        self._check_hidden(k)
        if not 0 <= unit < self.layers[k].n_out:
            raise LRPError(f"layer {k} has units 0..{self.layers[k].n_out - 1}, not {unit}")
        if self.layers[k].n_out == 1:
            raise LRPError("a layer needs at least one unit; remove the layer instead")
        spec = self.to_dict()
        lay, nxt = spec["layers"][k], spec["layers"][k + 1]
        del lay["weight"][unit]
        del lay["bias"][unit]
        for row in nxt["weight"]:
            del row[unit]
        return from_dict(spec)

    def with_layer_added(self, after: int) -> Network:
        """An identity-like ReLU layer inserted after layer ``after``.

        Its weights are the identity (with as many units as layer ``after``
        has outputs) and zero bias, so the function is unchanged wherever
        those activations are non-negative, which holds after a ReLU layer."""
        if not 0 <= after < len(self.layers):
            raise LRPError(f"no layer {after}; layers are 0..{len(self.layers) - 1}")
        width = self.layers[after].n_out
        spec = self.to_dict()
        eye = torch.eye(width, dtype=torch.float64).tolist()
        spec["layers"].insert(
            after + 1, {"weight": eye, "bias": [0.0] * width, "activation": "relu"}
        )
        return from_dict(spec)

    def with_layer_removed(self, k: int) -> Network:
        """Hidden layer ``k`` removed; the next layer's weights become
        ``W_{k+1} W_k`` and its bias ``W_{k+1} b_k + b_{k+1}`` (exact if layer k
        were linear)."""
        self._check_hidden(k)
        spec = self.to_dict()
        lay, nxt = self.layers[k], self.layers[k + 1]
        spec["layers"][k + 1]["weight"] = (nxt.weight @ lay.weight).tolist()
        spec["layers"][k + 1]["bias"] = (nxt.weight @ lay.bias + nxt.bias).tolist()
        del spec["layers"][k]
        return from_dict(spec)

    def renamed(self, name: str) -> Network:
        spec = self.to_dict()
        spec["name"] = name
        return from_dict(spec)

    def _check_hidden(self, k: int) -> None:
        if not 0 <= k < self.n_hidden_layers:
            raise LRPError(
                f"hidden layers are 0..{self.n_hidden_layers - 1}, not {k}"
                if self.n_hidden_layers
                else "this network has no hidden layer"
            )


# --- construction and validation --------------------------------------------


def _as_tensor(x: Tensor | Sequence[float], dtype: torch.dtype) -> Tensor:
    if isinstance(x, torch.Tensor):
        return x.to(dtype)
    return torch.as_tensor(x, dtype=dtype)


def _plain(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.tolist()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_number(v: Any, where: str, problems: list[str]) -> float:
    if not _is_number(v):
        problems.append(f"{where} must be a number, not {type_name(v)}")
        return 0.0
    f = float(v) if not isinstance(v, int) or abs(v) < 10**308 else math.inf
    if not math.isfinite(f):
        problems.append(f"{where} must be finite, not {v!r}")
        return 0.0
    if abs(f) > MAX_ABS_VALUE:
        problems.append(f"{where} = {f:g} is larger in magnitude than {MAX_ABS_VALUE:g}")
        return 0.0
    return f


def type_name(v: Any) -> str:
    """How a JSON value is named in messages ("null", "a boolean", "a string", ...)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


def _check_vector(v: Any, where: str, problems: list[str], cap: int) -> list[float] | None:
    if not isinstance(v, list):
        problems.append(f"{where} must be a list of numbers, not {type_name(v)}")
        return None
    if not v:
        problems.append(f"{where} is empty")
        return None
    if len(v) > cap:
        problems.append(f"{where} has {len(v)} entries, more than the cap of {cap}")
        return None
    before = len(problems)
    out = [_check_number(x, f"{where}[{i}]", problems) for i, x in enumerate(v)]
    return out if len(problems) == before else None


def from_dict(spec: Any) -> Network:
    """Validate a network description in the JSON format and build it.

    Every problem is named in one :class:`NetworkValidationError`: shapes that
    don't chain, non-numbers (booleans, strings and nulls included),
    non-finite numbers, empty layers, sizes over the caps, unknown activations.
    """
    problems: list[str] = []
    if not isinstance(spec, Mapping):
        raise NetworkValidationError([f"a network must be a JSON object, not {type_name(spec)}"])
    if spec.get("format") != FORMAT:
        problems.append(f"'format' must be {FORMAT!r}, not {spec.get('format')!r}")
    version = spec.get("version")
    if version != VERSION or isinstance(version, bool):
        problems.append(f"'version' must be {VERSION}, not {version!r}")
    name = spec.get("name", "network")
    if not isinstance(name, str):
        problems.append(f"'name' must be a string, not {type_name(name)}")
        name = "network"
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(f"'name' is longer than {MAX_NAME_LENGTH} characters")
    layers_spec = spec.get("layers")
    if not isinstance(layers_spec, list):
        problems.append(f"'layers' must be a list, not {type_name(layers_spec)}")
        raise NetworkValidationError(problems)
    if not layers_spec:
        problems.append("'layers' is empty: a network needs at least one layer")
        raise NetworkValidationError(problems)
    if len(layers_spec) > MAX_LAYERS:
        problems.append(f"{len(layers_spec)} layers is more than the cap of {MAX_LAYERS}")
        raise NetworkValidationError(problems)

    layers: list[Layer] = []
    prev_out: int | None = None
    for k, ls in enumerate(layers_spec):
        where = f"layer {k}"
        if not isinstance(ls, Mapping):
            problems.append(f"{where} must be an object, not {type_name(ls)}")
            prev_out = None
            continue
        act = ls.get("activation", "relu")
        if act not in ACTIVATIONS:
            problems.append(
                f"{where}: unknown activation {act!r}; choose one of: {', '.join(ACTIVATIONS)}"
            )
        w_spec = ls.get("weight")
        rows: list[list[float]] | None = None
        cap_in = MAX_INPUTS if k == 0 else MAX_UNITS
        if not isinstance(w_spec, list):
            problems.append(f"{where}: 'weight' must be a list of rows, not {type_name(w_spec)}")
        elif not w_spec:
            problems.append(f"{where}: 'weight' is empty (a layer needs at least one unit)")
        elif len(w_spec) > MAX_UNITS:
            problems.append(
                f"{where}: {len(w_spec)} units is more than the cap of {MAX_UNITS}"
            )
        else:
            rows = []
            for i, row in enumerate(w_spec):
                r = _check_vector(row, f"{where} weight row {i}", problems, cap_in)
                if r is None:
                    rows = None
                    break
                rows.append(r)
            if rows is not None and len({len(r) for r in rows}) > 1:
                problems.append(f"{where}: weight rows have different lengths")
                rows = None
        b = _check_vector(ls.get("bias"), f"{where} bias", problems, MAX_UNITS)
        if rows is not None and b is not None and len(b) != len(rows):
            problems.append(
                f"{where}: bias has {len(b)} entries but weight has {len(rows)} rows (units)"
            )
            b = None
        if rows is not None and prev_out is not None and len(rows[0]) != prev_out:
            problems.append(
                f"{where}: weight has {len(rows[0])} columns but layer {k - 1} has "
                f"{prev_out} units: shapes don't chain"
            )
        prev_out = len(rows) if rows is not None else None
        if rows is not None and b is not None and act in ACTIVATIONS:
            layers.append(
                Layer(
                    torch.tensor(rows, dtype=torch.float64),
                    torch.tensor(b, dtype=torch.float64),
                    act,
                )
            )
    if problems:
        raise NetworkValidationError(problems)
    meta = {k: v for k, v in spec.items() if k not in ("format", "version", "name", "layers")}
    return Network(tuple(layers), name, meta)


def from_layers(
    weights: Sequence[Any],
    biases: Sequence[Any],
    activations: Sequence[str] | None = None,
    name: str = "network",
    **meta: Any,
) -> Network:
    """Build (and validate) a network from weight matrices (out × in) and biases."""
    acts = list(activations) if activations is not None else ["relu"] * len(weights)
    spec = {
        "format": FORMAT,
        "version": VERSION,
        "name": name,
        **meta,
        "layers": [
            {"weight": _plain(w), "bias": _plain(b), "activation": a}
            for w, b, a in zip(weights, biases, acts, strict=True)
        ],
    }
    return from_dict(spec)


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
