"""Explanation fields: each method's relevance (R₁, R₂) and its unresolved part
over the input plane of a 2-input network, with the linear regions drawn and
the current x marked; click the plane to move x."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from lrp_core.errors import LRPError
from lrp_core.fields import FIELD_METHODS, Field, explanation_field, relevance_at
from lrp_core.network import Network
from lrp_core.plane import Box, box_around, click_grid, parse_box
from lrp_core.regions import RegionSet, linear_regions
from lrp_explorer.figures.fields import field_figure
from lrp_explorer.how.fields import how
from lrp_explorer.ui import health, page, state
from lrp_explorer.ui.forms import schema_form
from lrp_explorer.ui.selection import point_from_selection
from lrp_explorer.ui.settings import persisted

GRID_N = 31
DEFAULT_METHODS = ["gradient-x-input", "z+", "full-backward", "shapley"]



def xkey(x: tuple[float, ...]) -> str:
    """A short tag of the point (the plane's widget key changes with x, so a click is read once)."""
    return hashlib.sha1(repr(x).encode()).hexdigest()[:10]


@st.cache_data(max_entries=16, show_spinner=False)
def _regions(digest: str, _net: Network, box: Box) -> RegionSet | str:
    try:
        return linear_regions(_net, box)
    except LRPError as exc:
        return str(exc)


@st.cache_data(max_entries=48, show_spinner=False)
def _field(digest: str, _net: Network, box: Box, method: str, n: int, output: int,
           params: tuple[tuple[str, float], ...], _regions: RegionSet | None) -> Field | str:
    try:
        return explanation_field(_net, box, method, n=n, output=output, regions=_regions, **dict(params))
    except LRPError as exc:
        return str(exc)


LEAD = ("For a 2-input network an explanation maps the plane to two numbers (R₁(x), R₂(x)). Here is that map "
        "for each method, with the part it leaves unexplained; click a plane to move x.")


def _controls(net: Network, rev: int, x: tuple[float, ...]) -> tuple[list[str], int, int, Box, dict[str, dict]]:
    labels = {e.name: e.label for e in FIELD_METHODS}
    c1, c2, c3, c4 = st.columns([3, 1.2, 1, 1.4], vertical_alignment="bottom")
    methods = list(c1.pills("Methods", FIELD_METHODS.names(), selection_mode="multi", format_func=lambda m: labels[m],
                            key=persisted("fields_methods", DEFAULT_METHODS, options=FIELD_METHODS.names())) or [])
    n = int(c2.select_slider("Grid points per axis", [21, 41, 61, 81, 121],
                             key=persisted("fields_n", 61, options=[21, 41, 61, 81, 121])))
    output = int(c3.selectbox("Output", list(range(net.n_outputs)), format_func=lambda o: f"y{o + 1}",
                              key=persisted(f"fields_output_r{rev}", 0, options=range(net.n_outputs),
                                            name="fields_output")))
    with c4.popover("Box and parameters", icon=":material/tune:", width="stretch"):
        box_text = st.text_input("Box x0,x1,y0,y1 (empty: around x, at least [-3, 3]²)",
                                 key=persisted("fields_box", ""))
        params = {m: schema_form(FIELD_METHODS.get(m), f"fields_{m}") for m in methods
                  if FIELD_METHODS.get(m).schema}
    try:
        box = parse_box(box_text) if box_text.strip() else box_around([x])
    except LRPError as exc:
        st.error(f"{exc}; showing the automatic box")
        box = box_around([x])
    return methods, n, output, box, params


def _one_field(net: Network, method: str, box: Box, n: int, output: int, params: dict[str, Any],
               regions: RegionSet | None, x: tuple[float, ...], where: Any) -> dict[str, Any] | None:
    """Draw one method's field (click to move x); returns its values at x for the table."""
    label = FIELD_METHODS.get(method).label
    if FIELD_METHODS.get(method).extra.get("needs_regions") and regions is None:
        where.warning(f"{label}: needs the linear regions of the box, which could not be enumerated.")
        return None
    fld = _field(net.digest, net, box, method, n, output, tuple(sorted(params.items())), regions)
    if isinstance(fld, str):
        where.error(f"{label}: {fld}")
        return None
    fig = field_figure(fld, x, regions=regions, grid=click_grid(box, GRID_N), title=label)
    event = page.chart(fig, key=f"fields_plane_{method}_{xkey(x)}", where=where, on_select="rerun",
                       selection_mode="points")
    where.caption(fld.summary()[:1].upper() + fld.summary()[1:] + ".")
    clicked = point_from_selection(event, box=box)
    if clicked is not None and clicked != tuple(x):
        state.set_input(clicked)
        st.rerun(scope="fragment")
    rel, _ = relevance_at(net, np.array([x]), method, output=output, regions=regions, **fld.params)
    f_x = float(net(list(x))[output])
    return {"method": label, "R₁": float(rel[0, 0]), "R₂": float(rel[0, 1]),
            "unresolved": f_x - float(rel[0].sum()), f"y{output + 1}(x)": f_x}


page.header("Explanation fields", LEAD, how)


@page.live("fields")
def body() -> None:
    net, rev, x = state.get_network(), state.revision(), state.get_input()
    if net.n_inputs != 2:
        st.info(f"Explanation fields need a network with 2 inputs; **{net.name}** has {net.n_inputs}. "
                "Load a 2-input preset (e.g. plane-2-8-8-1) in the network editor.")
        return
    methods, n, output, box, params = _controls(net, rev, x)
    regions = _regions(net.digest, net, box)
    if isinstance(regions, str):
        st.warning(f"Region boundaries not drawn: {regions}")
        regions = None
    health.notes(net, x)
    with page.main_and_tweak("fields") as main:
        if not methods:
            main.info("Choose at least one method.")
            return
        rows = [_one_field(net, methods[0], box, n, output, params.get(methods[0], {}), regions, x, main)]
        main.caption("Click anywhere on a plane to move x there.")
    rows += [_one_field(net, m, box, n, output, params.get(m, {}), regions, x, st) for m in methods[1:]]
    found = [r for r in rows if r is not None]
    if found:
        st.markdown(f"**At x = ({x[0]:.4g}, {x[1]:.4g})**")
        st.dataframe(pd.DataFrame(found), hide_index=True, key="fields_table")


body()
