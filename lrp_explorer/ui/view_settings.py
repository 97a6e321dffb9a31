"""A view's typed fields as the pages' settings.

A link the app writes carries the pages' settings (``View.settings``: setting
name -> value, the names being widget keys). A lesson, or a hand-written link,
may instead use the typed fields of :class:`lrp_core.viewstate.View` — the
methods or finders with their parameters, the data, the mode, the box, the
layer and the output — which the lesson loader checks against the registries
and their declared parameters. :func:`as_settings` turns those typed fields
into the settings of the view's page, so both kinds of view restore the same
way; explicit ``settings`` win over typed fields.

This module is the one place that knows which setting of which page a typed
field stands for (the pages' setting names are a contract of their own: links
shipped with them must keep working).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lrp_core.network import Network
from lrp_core.numbers import format_number
from lrp_core.viewstate import View

Settings = dict[str, Any]

#: importance methods' parameters -> the importance page's settings
METHOD_PARAMS = {("weight-norm", "norm"): "imp_wn_norm", ("weight-norm", "direction"): "imp_wn_dir",
                 ("gradient", "reduce"): "imp_grad_reduce", ("shapley-sampled", "samples"): "imp_samples"}
#: data fields -> the importance page's settings, and how each value is kept (number boxes keep text)
DATA_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "n": ("imp_n", lambda v: format_number(v, integer=True)),
    "seed": ("imp_seed", lambda v: format_number(v, integer=True)),
    "sigma": ("imp_sigma", format_number),
    "noise": ("imp_toy_noise", format_number),
    "loss": ("imp_loss", str),
}
TOY_SETS = ("moons", "circles", "xor", "spiral", "gaussians")


def _importance(view: View, net: Network) -> Settings:
    out: Settings = {}
    if view.methods is not None:
        out["imp_methods"] = list(view.methods)
        for method, params in view.methods.items():
            for name, value in params.items():
                key = METHOD_PARAMS.get((method, name))
                if key is not None:
                    out[key] = format_number(value, integer=True) if key == "imp_samples" else value
    if view.layer is not None:
        out[f"imp_layer_{net.n_hidden_layers}"] = view.layer
    for name, value in (view.data or {}).items():
        if name == "source":
            out["imp_source"] = "toy" if value in TOY_SETS else value
            if value in TOY_SETS:
                out["imp_toy"] = value
        elif name in DATA_FIELDS:
            key, keep = DATA_FIELDS[name]
            out[key] = keep(value)
    return out


def _box_text(box: tuple[float, ...]) -> str:
    x0, x1, y0, y1 = box if len(box) == 4 else (box[0], box[1], box[0], box[1])
    return ",".join(format_number(v) for v in (x0, x1, y0, y1))


def _fields(view: View, net: Network) -> Settings:
    out: Settings = {}
    if view.box is not None:
        out["fields_box"] = _box_text(view.box)
    if view.output is not None:
        out["fields_output"] = view.output
    return out


def _finder_settings(prefix: str, finders: Mapping[str, Mapping[str, Any]]) -> Settings:
    """Each finder's parameters as the settings of its generated form (``ui.forms.setting_name``)."""
    from lrp_core.roots import FINDERS
    from lrp_explorer.ui.forms import setting_name, widget_value

    out: Settings = {}
    for name, params in finders.items():
        entry = FINDERS.get(name)
        schema = {p.name: p for p in entry.schema}
        for pname, value in params.items():
            key = setting_name(entry, schema[pname], prefix) if pname in schema else None
            if key is not None:
                out[key] = widget_value(schema[pname], value)
    return out


def _roots(view: View, net: Network) -> Settings:
    out: Settings = {}
    if view.finders is not None:
        out["roots_finders"] = list(view.finders)
        out.update(_finder_settings("roots", view.finders))
    if view.layer is not None:
        out["roots_layer"] = view.layer
    if view.output is not None:
        out["roots_output"] = view.output
    if view.box is not None:
        out["roots_box"] = _box_text(view.box)
    return out


def _decomposition(view: View, net: Network) -> Settings:
    out: Settings = {}
    if view.mode is not None:
        out["dec_mode"] = view.mode
    if view.output is not None:
        out["dec_output"] = view.output
    if view.finders:
        first = next(iter(view.finders))  # the page's finder for every layer (the first one named)
        out["dec_a_finder"] = first
        out.update(_finder_settings("dec_a", {first: view.finders[first]}))
    return out


PAGES: Mapping[str, Callable[[View, Network], Settings]] = {
    "importance": _importance,
    "roots": _roots,
    "decomposition": _decomposition,
    "fields": _fields,
}


def as_settings(view: View, net: Network) -> Settings:
    """The settings of ``view.page`` that ``view``'s typed fields stand for, then ``view.settings``."""
    typed = PAGES.get(view.page or "", lambda v, n: {})(view, net)
    return {**typed, **dict(view.settings)}
