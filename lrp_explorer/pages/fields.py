"""Explanation fields: each method's relevance (R₁, R₂) and its unresolved part
over the input plane of a 2-input network, with the linear regions drawn and
the current x marked; click the plane to move x."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from lrp_core.errors import LRPError
from lrp_core.fields import FIELD_METHODS, Field, explanation_field, relevance_at
from lrp_core.network import Network
from lrp_core.plane import Box, box_around, click_grid, parse_box, point_from_selection
from lrp_core.regions import RegionSet, linear_regions
from lrp_explorer.figures.fields import field_figure
from lrp_explorer.ui import state, tweak
from lrp_explorer.ui.settings import persisted

GRID_N = 31
DEFAULT_METHODS = ["gradient-x-input", "z+", "full-backward", "shapley"]

state.ensure_app()
state.show_flash()
net: Network = state.get_network()
rev = state.revision()
x = state.get_input()
xkey = hashlib.sha1(repr(x).encode()).hexdigest()[:10]


@st.cache_data(max_entries=16, show_spinner=False)
def _regions(digest: str, _net: Network, box: Box) -> RegionSet | str:
    try:
        return linear_regions(_net, box)
    except LRPError as exc:
        return str(exc)


@st.cache_data(max_entries=48, show_spinner=False)
def _field(digest: str, _net: Network, box: Box, method: str, n: int, output: int, gamma: float,
           _regions: RegionSet | None) -> Field | str:
    params = {"gamma": gamma} if method == "gamma" else {}
    try:
        return explanation_field(_net, box, method, n=n, output=output, regions=_regions, **params)
    except LRPError as exc:
        return str(exc)


st.title("Explanation fields")
st.markdown(
    "For a network with two inputs an explanation is a map from the plane to two numbers "
    "(R₁(x), R₂(x)). Here is that map for each method, with the part it leaves unexplained, "
    "f(x) − R₁ − R₂. Thin lines are the network's linear regions; the star is the current x."
)
if net.n_inputs != 2:
    st.info(f"Explanation fields need a network with 2 inputs; **{net.name}** has {net.n_inputs}. "
            "Load a 2-input preset (e.g. plane-2-8-8-1) in the network editor.")
    st.stop()

tweak.panel("fields", expanded=False)

labels = {e.name: e.label for e in FIELD_METHODS}
left, mid, right = st.columns([3, 1, 1])
with left:
    methods = st.multiselect("Methods", FIELD_METHODS.names(), format_func=lambda m: labels[m],
                             key=persisted("fields_methods", DEFAULT_METHODS, options=FIELD_METHODS.names()))
with mid:
    n = int(st.select_slider("Grid points per axis", [21, 41, 61, 81, 121],
                             key=persisted("fields_n", 61, options=[21, 41, 61, 81, 121])))
with right:
    output = int(st.selectbox("Output", list(range(net.n_outputs)),
                              key=persisted(f"fields_output_r{rev}", 0, options=range(net.n_outputs),
                                            name="fields_output")))
c1, c2 = st.columns([3, 2])
with c1:
    box_text = st.text_input("Box x0,x1,y0,y1 (empty: around x, at least [-3, 3]²)",
                             key=persisted("fields_box", ""))
with c2:
    gamma = float(st.number_input("γ (gamma rule)", min_value=0.0, max_value=1e6, step=0.05,
                                  key=persisted("fields_gamma", 0.25))) if "gamma" in methods else 0.25
try:
    box = parse_box(box_text) if box_text.strip() else box_around([x])
except LRPError as exc:
    st.error(f"{exc}; showing the automatic box")
    box = box_around([x])

regions = _regions(net.digest, net, box)
if isinstance(regions, str):
    st.warning(f"Region boundaries not drawn: {regions}")
    regions = None

if not methods:
    st.info("Choose at least one method.")
    st.stop()

rows = []
grid = click_grid(box, GRID_N)
st.caption("Click anywhere on a plane to move x there.")
for method in methods:
    if FIELD_METHODS.get(method).extra.get("needs_regions") and regions is None:
        st.warning(f"{labels[method]}: needs the linear regions of the box, which could not be enumerated.")
        continue
    with st.spinner(f"Computing the {labels[method]} field …"):
        fld = _field(net.digest, net, box, method, n, output, gamma, regions)
    if isinstance(fld, str):
        st.error(f"{labels[method]}: {fld}")
        continue
    fig = field_figure(fld, x, regions=regions, grid=grid, title=labels[method])
    event = st.plotly_chart(fig, on_select="rerun", selection_mode="points",
                            key=f"fields_plane_{method}_{rev}_{xkey}")
    st.caption(
        f"Grid {n} × {n} = {fld.n_points:,} points; {fld.root_searches:,} root searches"
        + (f" (one per region, layer and neuron at most: {len(regions.regions)} regions)"
           if method == "full-backward" and regions is not None else "")
        + f"; {fld.seconds:.2f} s."
    )
    clicked = point_from_selection(event, box=box)
    if clicked is not None and clicked != tuple(x):
        state.set_input(clicked)
        st.rerun()
    params = fld.params
    rel, _ = relevance_at(net, np.array([x]), method, output=output, regions=regions, **params)
    f_x = float(net(list(x))[output])
    rows.append({"method": labels[method], "R₁": float(rel[0, 0]), "R₂": float(rel[0, 1]),
                 "unresolved": f_x - float(rel[0].sum()), "f(x)": f_x})

if rows:
    st.markdown(f"**At x = ({x[0]:.4g}, {x[1]:.4g})**")
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="fields_table")
