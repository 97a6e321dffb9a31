"""Pick a root finder and its parameters, remembered across page switches.

:func:`finder_select` draws the finder's select box (widget key
``{prefix}_finder``, a persisted setting); :func:`finder_spec` draws the
finder's parameters with the generated form
(:func:`lrp_explorer.ui.forms.finder_form`, widget keys
``{prefix}_{finder}_{parameter}``, persisted under the form's setting names,
e.g. ``dec_a_mcmc_n_chains`` or ``dec_a_rule``) and returns the
:class:`~lrp_core.decompose.FinderSpec` it sets. Everything is read from the
registry (``FINDERS``): names, labels, help texts, parameters and defaults;
nothing here knows a finder's name.

Links made before the generated form named four values ``{prefix}_{short}``
(e.g. ``dec_a_chains``); those are still read (:data:`LINK_NAMES`).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lrp_core.decompose import FinderSpec
from lrp_core.params import Param
from lrp_core.registry import Entry
from lrp_core.roots import FINDERS
from lrp_explorer.ui import settings
from lrp_explorer.ui.forms import finder_form, setting_name
from lrp_explorer.ui.settings import persisted

#: earlier link names of some parameters (``{prefix}_{name}``): read, never written
LINK_NAMES = {"n_chains": "chains", "n_steps": "steps", "n_warmup": "warmup", "n_directions": "dirs"}


def finder_help() -> str:
    """The registered finders with their basic parameters (their ideas: "How it works")."""
    lines = ["Where the roots come from (see How it works):"]
    for e in FINDERS:
        params = ", ".join(p.name for p in e.schema if not p.advanced)
        lines.append(f"- **{e.label}**" + (f": {params}" if params else ""))
    return "\n".join(lines)


def finder_select(prefix: str, *, default: str = "exact", where: Any = None, label: str = "Root finder") -> str:
    """The finder's select box (a persisted setting ``{prefix}_finder``); returns its name."""
    names = FINDERS.names()
    first = default if default in names else names[0]
    return str((where or st).selectbox(label, names, format_func=lambda n: FINDERS.get(n).label,
                                       key=persisted(f"{prefix}_finder", first, options=names), help=finder_help()))


def is_random(finder: str) -> bool:
    """Whether the finder draws random numbers (it then takes a seed): the registry says so."""
    return bool(FINDERS.get(finder).extra.get("stochastic", False))


def _adopt_link_names(prefix: str, entry: Entry[Any]) -> None:
    """Values an older link stored under :data:`LINK_NAMES` become the form's settings (once)."""
    store = settings.all_settings()
    moved = {}
    for prm in entry.schema:
        old, new = f"{prefix}_{LINK_NAMES.get(prm.name, '')}", setting_name(entry, prm, prefix)
        if prm.name in LINK_NAMES and old in store and new is not None and new not in store:
            moved[new] = store[old]
    if moved:
        settings.load_settings(moved)


def _shown(prm: Param, value: Any) -> bool:
    """Whether a value goes into the spec (and so its label): the basic parameters always, an advanced
    one only when it differs from its default (the finder fills in the defaults)."""
    return value is not None and (not prm.advanced or value != prm.default)


def finder_spec(prefix: str, finder: str) -> FinderSpec:
    """The generated form of ``finder``'s parameters and the spec it sets (see the module docstring)."""
    entry = FINDERS.get(finder)
    _adopt_link_names(prefix, entry)
    values = finder_form(finder, f"{prefix}_{finder}", persist=prefix)
    schema = {p.name: p for p in entry.schema}
    return FinderSpec.of(finder, **{k: v for k, v in values.items() if _shown(schema[k], v)})
