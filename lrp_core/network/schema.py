"""The network file format (a contract) and its validation.

``{"format": "lrp-explorer.network", "version": 1, "name": ..., "layers":
[{"weight": [[...]], "bias": [...], "activation": "relu" | "linear"}, ...]}``
plus any extra keys, which are kept. :func:`from_dict` names every problem
in one :class:`NetworkValidationError`.

Caps: at most ``MAX_LAYERS`` layers, ``MAX_UNITS`` units in a layer,
``MAX_INPUTS`` inputs, and every number finite with magnitude at most
``MAX_ABS_VALUE``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from lrp_core.errors import LRPError
from lrp_core.network.model import Layer, Network

FORMAT = "lrp-explorer.network"
VERSION = 1
ACTIVATIONS = ("relu", "linear")
MAX_LAYERS = 8
MAX_UNITS = 64
MAX_INPUTS = 64
MAX_ABS_VALUE = 1e32
MAX_NAME_LENGTH = 200


class NetworkValidationError(LRPError):
    """A network description with one or more problems, each named."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "; ".join(self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"invalid network: {shown}{more}")


def to_dict(net: Network) -> dict[str, Any]:
    """The JSON format (a contract): format, version, name, extra keys, layers."""
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": net.name}
    for key, value in net.meta.items():
        if key not in ("format", "version", "name", "layers"):
            out[key] = value
    out["layers"] = [
        {
            "weight": layer.weight.tolist(),
            "bias": layer.bias.tolist(),
            "activation": layer.activation,
        }
        for layer in net.layers
    ]
    return out


def plain(value: Any) -> Any:
    """A tensor or array as nested lists; anything else as it is."""
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
    name, layers_spec = _check_header(spec, problems)
    layers: list[Layer] = []
    prev_out: int | None = None
    for k, ls in enumerate(layers_spec):
        layer, prev_out = _check_layer(k, ls, prev_out, problems)
        if layer is not None:
            layers.append(layer)
    if problems:
        raise NetworkValidationError(problems)
    meta = {k: v for k, v in spec.items() if k not in ("format", "version", "name", "layers")}
    return Network(tuple(layers), name, meta)


def _check_header(spec: Mapping[str, Any], problems: list[str]) -> tuple[str, list[Any]]:
    """The name and the list of layer specs; problems with format, version or
    name are collected, a missing, empty or over-long layer list raises."""
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
    return name, layers_spec


def _check_layer(k: int, ls: Any, prev_out: int | None, problems: list[str]) -> tuple[Layer | None, int | None]:
    """Layer ``k`` built from its spec (or ``None``, with its problems
    collected) and its number of units (``None`` if unknown)."""
    where = f"layer {k}"
    if not isinstance(ls, Mapping):
        problems.append(f"{where} must be an object, not {type_name(ls)}")
        return None, None
    act = ls.get("activation", "relu")
    if act not in ACTIVATIONS:
        problems.append(f"{where}: unknown activation {act!r}; choose one of: {', '.join(ACTIVATIONS)}")
    rows = _check_rows(ls.get("weight"), where, MAX_INPUTS if k == 0 else MAX_UNITS, problems)
    b = _check_vector(ls.get("bias"), f"{where} bias", problems, MAX_UNITS)
    if rows is not None and b is not None and len(b) != len(rows):
        problems.append(f"{where}: bias has {len(b)} entries but weight has {len(rows)} rows (units)")
        b = None
    if rows is not None and prev_out is not None and len(rows[0]) != prev_out:
        problems.append(
            f"{where}: weight has {len(rows[0])} columns but layer {k - 1} has "
            f"{prev_out} units: shapes don't chain"
        )
    n_out = len(rows) if rows is not None else None
    if rows is None or b is None or act not in ACTIVATIONS:
        return None, n_out
    return Layer(torch.tensor(rows, dtype=torch.float64), torch.tensor(b, dtype=torch.float64), act), n_out


def _check_rows(w_spec: Any, where: str, cap_in: int, problems: list[str]) -> list[list[float]] | None:
    """The weight rows of one layer, or ``None`` with the problems collected."""
    if not isinstance(w_spec, list):
        problems.append(f"{where}: 'weight' must be a list of rows, not {type_name(w_spec)}")
        return None
    if not w_spec:
        problems.append(f"{where}: 'weight' is empty (a layer needs at least one unit)")
        return None
    if len(w_spec) > MAX_UNITS:
        problems.append(f"{where}: {len(w_spec)} units is more than the cap of {MAX_UNITS}")
        return None
    rows = []
    for i, row in enumerate(w_spec):
        r = _check_vector(row, f"{where} weight row {i}", problems, cap_in)
        if r is None:
            return None
        rows.append(r)
    if len({len(r) for r in rows}) > 1:
        problems.append(f"{where}: weight rows have different lengths")
        return None
    return rows


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
            {"weight": plain(w), "bias": plain(b), "activation": a}
            for w, b, a in zip(weights, biases, acts, strict=True)
        ],
    }
    return from_dict(spec)
