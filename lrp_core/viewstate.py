"""The view in the URL: what a shared link shows besides the network.

One query parameter, next to the network's ``preset=`` / ``net=1.`` (see
:mod:`lrp_core.urlstate`, unchanged): ``view=1.<payload>``, where ``1`` is the
view encoding's version and the payload is URL-safe base64 (no padding) of
compact JSON with short keys:

=========  ==================================================================
``p``      page (``editor``, ``importance``, ``roots``, ``decomposition``, …)
``x``      the input point, a list of numbers
``l``      the explained (or scored) layer, ``o`` the output, ``n`` neurons
``m``      attribution methods: ``{name: {param: value}}`` (``METHODS``)
``f``      root finders: ``{name: {param: value}}`` (``FINDERS``)
``r``      rules: ``{name: {param: value}}`` (``RULES``)
``mode``   the page's mode (e.g. a decomposition mode)
``box``    the plane box: 2 numbers (a square ``[lo, hi]``) or 4 (x0, x1, y0, y1)
``d``      data settings: ``{"n": size, "seed": seed, "loss": name}``
``t``      the tweak target, e.g. ``L0.w1.0`` (layer 0, weight row 1, col 0)
``s``      other page settings: ``{key: scalar or list of scalars}``
=========  ==================================================================

Decoding never raises: a damaged payload, an unknown key, an unknown
method/finder/rule, an unknown parameter or a value out of its declared range
(:class:`lrp_core.params.Param`, read from each entry's ``schema``) is dropped
with a one-line notice, and everything else of the view is kept.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from lrp_core.errors import LRPError
from lrp_core.registry import Registry

VIEW_VERSION = "1"
VIEW_PARAM = "view"
MAX_VIEW_CHARS = 20_000
MAX_LIST = 64
MAX_SETTINGS = 400
MAX_ABS = 1e12
MAX_TEXT = 80
_NAME = re.compile(r"^[A-Za-z0-9_.:+\-]{1,80}$")
_TARGET = re.compile(r"^L(\d{1,2})\.(?:w(\d{1,2})\.(\d{1,2})|b(\d{1,2}))$")

Scalar = bool | int | float | str
Params = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Target:
    """One tweakable parameter: layer ``layer``'s weight (row, col) or bias (row)."""

    layer: int
    kind: str  # "weight" or "bias"
    row: int
    col: int | None = None

    @property
    def text(self) -> str:
        """``L0.w1.0`` (weight of layer 0, row 1, column 0) or ``L0.b1``."""
        if self.kind == "weight":
            return f"L{self.layer}.w{self.row}.{self.col}"
        return f"L{self.layer}.b{self.row}"

    @classmethod
    def parse(cls, text: str) -> Target:
        """The target named by ``text`` (raises :class:`LRPError`)."""
        m = _TARGET.match(str(text)) if isinstance(text, str) else None
        if m is None:
            raise LRPError(f"a tweak target looks like L0.w1.0 or L0.b1, not {str(text)[:40]!r}")
        k, r, c, b = m.groups()
        if b is not None:
            return cls(int(k), "bias", int(b))
        return cls(int(k), "weight", int(r), int(c))

    def fits(self, shapes: list[tuple[int, int]]) -> bool:
        """Whether the target exists in a network with layer shapes (out, in)."""
        if not 0 <= self.layer < len(shapes):
            return False
        n_out, n_in = shapes[self.layer]
        if not 0 <= self.row < n_out:
            return False
        return self.kind == "bias" or (self.col is not None and 0 <= self.col < n_in)


@dataclass(frozen=True)
class View:
    """Everything a link restores besides the network; ``None`` means "not set"."""

    page: str | None = None
    x: tuple[float, ...] | None = None
    layer: int | None = None
    output: int | None = None
    neurons: tuple[int, ...] | None = None
    methods: Params | None = None
    finders: Params | None = None
    rules: Params | None = None
    mode: str | None = None
    box: tuple[float, ...] | None = None
    data: dict[str, Scalar] | None = None
    tweak: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def updated(self, **changes: Any) -> View:
        return replace(self, **changes)


# --- families of registered entries (read lazily: importing them pulls torch/scipy) -----------


def _methods() -> Registry[Any]:
    from lrp_core.importance import METHODS

    return METHODS


def _finders() -> Registry[Any]:
    from lrp_core.roots import FINDERS

    return FINDERS


def _rules() -> Registry[Any]:
    from lrp_core.roots import RULES

    return RULES


FAMILIES: dict[str, tuple[str, str, Callable[[], Registry[Any]]]] = {
    "m": ("methods", "method", _methods),
    "f": ("finders", "finder", _finders),
    "r": ("rules", "rule", _rules),
}
KEYS = ("p", "x", "l", "o", "n", "m", "f", "r", "mode", "box", "d", "t", "s")


# --- encoding -------------------------------------------------------------------------------


def to_json(view: View) -> dict[str, Any]:
    """The compact JSON object of ``view`` (unset fields left out)."""
    out: dict[str, Any] = {}
    simple = {"p": view.page, "l": view.layer, "o": view.output, "mode": view.mode, "t": view.tweak}
    out.update({k: v for k, v in simple.items() if v is not None})
    if view.x is not None:
        out["x"] = [_num(v) for v in view.x]
    if view.neurons is not None:
        out["n"] = list(view.neurons)
    if view.box is not None:
        out["box"] = [_num(v) for v in view.box]
    for key, (attr, _, _) in FAMILIES.items():
        fam = getattr(view, attr)
        if fam is not None:
            out[key] = {name: dict(params) for name, params in fam.items()}
    if view.data is not None:
        out["d"] = dict(view.data)
    if view.settings:
        out["s"] = dict(view.settings)
    return out


def _num(v: float) -> int | float:
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


def encode_view(view: View) -> dict[str, str]:
    """``{"view": "1.<payload>"}``; an empty view gives ``{}``."""
    obj = to_json(view)
    if not obj:
        return {}
    text = json.dumps(obj, separators=(",", ":"), sort_keys=True, allow_nan=False)
    payload = base64.urlsafe_b64encode(text.encode("utf-8")).rstrip(b"=").decode("ascii")
    return {VIEW_PARAM: f"{VIEW_VERSION}.{payload}"}


# --- decoding -------------------------------------------------------------------------------


def decode_view(params: Mapping[str, str]) -> tuple[View, list[str]]:
    """The view in query parameters, and one notice per ignored part.

    Never raises: a missing ``view`` gives an empty view and no notice."""
    if VIEW_PARAM not in params:
        return View(), []
    raw = str(params[VIEW_PARAM])
    try:
        obj = _payload(raw)
    except LRPError as exc:
        return View(), [f"The link's view was ignored: {exc}."]
    return from_json(obj)


def _payload(value: str) -> dict[str, Any]:
    if len(value) > MAX_VIEW_CHARS:
        raise LRPError(f"it is longer than {MAX_VIEW_CHARS:,} characters")
    version, sep, payload = value.partition(".")
    if not sep:
        raise LRPError("it has no version prefix (expected '1.…')")
    if version != VIEW_VERSION:
        raise LRPError(f"it uses view version {version[:10]!r}; this app reads version {VIEW_VERSION}")
    try:
        data = base64.b64decode(payload + "=" * (-len(payload) % 4), altchars=b"-_", validate=True)
        obj = json.loads(data.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise LRPError("the link is damaged or incomplete") from None
    if not isinstance(obj, dict):
        raise LRPError("the link is damaged or incomplete (not an object)")
    return obj


def from_json(obj: Mapping[str, Any]) -> tuple[View, list[str]]:
    """A :class:`View` from its compact JSON, dropping (with a notice) every bad part."""
    notes: list[str] = []
    fields: dict[str, Any] = {}
    for key, value in obj.items():
        if key not in KEYS:
            notes.append(f"The link's view has an unknown key {str(key)[:30]!r}; it was ignored.")
            continue
        try:
            name, parsed = _field(key, value, notes)
        except LRPError as exc:
            notes.append(f"The link's view: {exc}; it was ignored.")
            continue
        fields[name] = parsed
    return View(**fields), notes


def _field(key: str, value: Any, notes: list[str]) -> tuple[str, Any]:
    if key == "p":
        return "page", _name(value, "the page")
    if key == "mode":
        return "mode", _name(value, "the mode")
    if key == "t":
        return "tweak", Target.parse(value).text
    if key in ("l", "o"):
        return ("layer" if key == "l" else "output"), _index(value, "the layer" if key == "l" else "the output")
    if key == "n":
        return "neurons", tuple(_index(v, "a neuron") for v in _list(value, "the neurons"))
    if key == "x":
        return "x", tuple(_finite(v, "the input point") for v in _list(value, "the input point"))
    if key == "box":
        box = tuple(_finite(v, "the plane box") for v in _list(value, "the plane box"))
        if len(box) not in (2, 4) or box[0] >= box[1] or (len(box) == 4 and box[2] >= box[3]):
            raise LRPError("the plane box must be [lo, hi] or [x0, x1, y0, y1] with lo < hi")
        return "box", box
    if key == "d":
        return "data", _settings(value, "the data settings", notes)
    if key == "s":
        return "settings", _settings(value, "the page settings", notes)
    attr, noun, registry = FAMILIES[key]
    return attr, _family(value, noun, registry(), notes)


def _name(v: Any, what: str) -> str:
    if not isinstance(v, str) or not _NAME.match(v):
        raise LRPError(f"{what} must be a short name, not {str(v)[:30]!r}")
    return v


def _index(v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 10_000:
        raise LRPError(f"{what} must be a whole number >= 0, not {str(v)[:30]!r}")
    return v


def _finite(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or abs(v) > MAX_ABS:
        raise LRPError(f"{what} must hold finite numbers within ±{MAX_ABS:g}, not {str(v)[:30]!r}")
    return float(v)


def _list(v: Any, what: str) -> list[Any]:
    if not isinstance(v, list) or len(v) > MAX_LIST:
        raise LRPError(f"{what} must be a list of at most {MAX_LIST} values")
    return v


def _scalar(v: Any, what: str) -> Scalar | list[Scalar]:
    if isinstance(v, list):
        return [_scalar(u, what) for u in _list(v, what)]  # type: ignore[misc]
    if isinstance(v, bool | int):
        return v
    if isinstance(v, float):
        return _finite(v, what)
    if isinstance(v, str) and len(v) <= MAX_TEXT:
        return v
    raise LRPError(f"{what} must be numbers, short texts or lists of them, not {str(v)[:30]!r}")


def _settings(v: Any, what: str, notes: list[str]) -> dict[str, Any]:
    """``{name: value}``, each bad entry dropped with a notice."""
    if not isinstance(v, dict) or len(v) > MAX_SETTINGS:
        raise LRPError(f"{what} must be an object of at most {MAX_SETTINGS} entries")
    out: dict[str, Any] = {}
    for k, u in v.items():
        try:
            out[_name(k, f"a key of {what}")] = _scalar(u, f"{what}' {str(k)[:30]!r}")
        except LRPError as exc:
            notes.append(f"The link's view: {exc}; it was ignored.")
    return out


def _family(v: Any, noun: str, registry: Registry[Any], notes: list[str]) -> Params:
    """``{name: {param: value}}`` keeping only registered names and valid parameters."""
    if not isinstance(v, dict) or len(v) > MAX_LIST:
        raise LRPError(f"the {noun}s must be an object {{name: {{parameter: value}}}}")
    out: Params = {}
    for name, params in v.items():
        if name not in registry:
            notes.append(f"The link's view names an unknown {noun} {str(name)[:40]!r}; it was ignored.")
            continue
        if params is None:
            params = {}
        if not isinstance(params, dict):
            notes.append(f"The link's view: the parameters of {noun} {name!r} are not an object; defaults used.")
            params = {}
        schema = {p.name: p for p in registry.get(name).schema}
        kept: dict[str, Any] = {}
        for pname, value in params.items():
            p = schema.get(pname)
            if p is None:
                notes.append(f"The link's view: {noun} {name!r} has no parameter {str(pname)[:30]!r}; ignored.")
                continue
            try:
                kept[pname] = p.check(value)
            except LRPError as exc:
                notes.append(f"The link's view: {noun} {name!r}: {exc}; the default {p.default!r} is used.")
        out[name] = kept
    return out


# --- fitting a view to a network -------------------------------------------------------------


def fit_to_network(view: View, shapes: list[tuple[int, int]]) -> tuple[View, list[str]]:
    """``view`` with the parts that do not exist in a network of layer shapes
    ``[(out, in), ...]`` dropped, each with a notice (e.g. a layer index past the end)."""
    notes: list[str] = []
    changes: dict[str, Any] = {}
    n_in, n_out = shapes[0][1], shapes[-1][0]
    if view.x is not None and len(view.x) != n_in:
        notes.append(f"The link's input point has {len(view.x)} values, the network {n_in} inputs; ignored.")
        changes["x"] = None
    if view.layer is not None and view.layer >= len(shapes):
        notes.append(f"The link's layer {view.layer} does not exist (the network has {len(shapes)}); ignored.")
        changes["layer"] = None
    if view.output is not None and view.output >= n_out:
        notes.append(f"The link's output {view.output} does not exist (the network has {n_out}); ignored.")
        changes["output"] = None
    if view.tweak is not None and not Target.parse(view.tweak).fits(shapes):
        notes.append(f"The link's tweak target {view.tweak} is not in this network; ignored.")
        changes["tweak"] = None
    return (replace(view, **changes) if changes else view), notes
