"""Network editor: pick a preset, edit every weight and bias, add or remove
units and layers, import or export JSON. Every change goes through
``state.set_network`` so it takes effect on every page and in the URL."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
import torch

from lrp_core import guards
from lrp_core.errors import LRPError
from lrp_core.io import MAX_UPLOAD_BYTES, load_network_json
from lrp_core.network import ACTIVATIONS, Network
from lrp_core.presets import PRESETS, get_preset, matching_preset
from lrp_explorer.figures.network import PlaneGrid, network_diagram, output_grid, plane_box, plane_heatmap
from lrp_explorer.ui import state, tweak
from lrp_explorer.ui.tables import (
    apply_edits,
    layer_table,
    layer_title,
    network_from_table,
    table_key,
    text_table,
    unit_names,
)


@st.cache_data(max_entries=32, show_spinner=False)
def _grid(digest: str, _net: Network, box: tuple[float, float]) -> PlaneGrid:
    return output_grid(_net, box)


@st.cache_data(max_entries=64, show_spinner=False)
def _flags(digest: str, _net: Network, x: tuple[float, ...]) -> tuple[guards.Flag, ...] | str:
    """The numerical health notes of the network at x (or why they could not be computed)."""
    try:
        return guards.health_flags(_net, x)
    except LRPError as exc:
        return str(exc)


def _change(make: Callable[[], Network], where: st.delta_generator.DeltaGenerator, **kw: bool) -> None:
    """Apply a structural edit; on a user error show it in ``where`` and keep the network."""
    try:
        new = make()
    except LRPError as exc:
        where.error(str(exc))
        return
    state.set_network(new, **kw)
    st.rerun()


def _apply_pending_table_edit(net: Network, rev: int) -> None:
    """Apply a valid table or activation edit before anything is drawn, so the
    diagram, heatmap and output of this very run show it (no second run). An
    invalid edit is left to the table below, which shows the error beside it."""
    for k, layer in enumerate(net.layers):
        edits = st.session_state.get(table_key(k, rev))
        act = st.session_state.get(f"editor_act{k}_r{rev}", layer.activation)
        if not (isinstance(edits, dict) and edits.get("edited_rows")) and act == layer.activation:
            continue
        try:
            new = network_from_table(net, k, apply_edits(layer_table(net, k), edits), act)
        except LRPError:
            continue
        if new is not net:
            state.set_network(new)
            return


state.ensure_app()  # a deep link on a fresh server runs this page without app.py
state.show_flash()
_apply_pending_table_edit(state.get_network(), state.revision())
net = state.get_network()
rev = state.revision()
x = state.get_input()

st.title("Network editor")
st.markdown(
    "Each layer computes its pre-activations from the previous layer's activations, then applies "
    "its activation (ReLU keeps the positive part, linear passes everything through):"
)
st.latex(r"z^{(k)} = W^{(k)} a^{(k-1)} + b^{(k)}, \qquad a^{(k)} = \max\left(0, z^{(k)}\right), \qquad a^{(0)} = x")
st.caption(
    "In words: a unit adds up its inputs, each multiplied by the weight on its edge, adds its bias, "
    "and outputs the result if it is positive, else 0. "
    "The link in your address bar opens this network: copy it to share exactly these weights."
)

# --- live loop (issue 15): tweak one weight or bias, everything below follows ---
tweak.panel("editor")

# --- preset ---------------------------------------------------------------------
names = PRESETS.names()
current = matching_preset(net)
choice = st.selectbox(
    "Preset",
    names,
    index=names.index(current) if current in names else None,
    placeholder="edited network (pick a preset to load it)",
    format_func=lambda n: f"{n}: {get_preset(n).description}",
    key=f"editor_preset_r{rev}",
)
if choice is not None and choice != current:
    state.set_network(get_preset(choice).network(), reset_input=True)
    st.rerun()

# --- output, diagram and plane ----------------------------------------------------
y = net(torch.tensor(x, dtype=torch.float64)).tolist()
st.markdown(
    f"**{net.name}**: {net.describe()} ({net.n_params} parameters). "
    f"At the current input x = ({', '.join(f'{v:.4g}' for v in x)}): "
    + ", ".join(f"**y{i + 1} = {v:.6g}**" for i, v in enumerate(y))
)
flags = _flags(net.digest, net, tuple(x))
if isinstance(flags, str):
    st.warning(f"Numerical checks skipped: {flags}")
else:
    for flag in flags:
        text = flag.message[:1].upper() + flag.message[1:]
        (st.warning if flag.level == "warning" else st.info)(text if text.endswith(".") else text + ".")
two_d = net.n_inputs == 2
left, right = st.columns([3, 2]) if two_d else (st.container(), None)
with left:
    st.plotly_chart(network_diagram(net, x), key=f"editor_diagram_r{rev}")
    st.caption(
        "Red edges are positive weights, blue negative, dotted grey zero; thicker means larger |w|. "
        "Hover an edge's dot for its value, a unit for its bias; orange units are active at the current input."
    )
if right is not None:
    with right:
        out = 0
        if net.n_outputs > 1:
            out = st.selectbox("Output", range(net.n_outputs), format_func=lambda i: f"y{i + 1}",
                               key=f"editor_plane_out_r{rev}")
        lo, hi = st.slider("Plane range (both axes)", -20.0, 20.0, plane_box(net), step=0.5,
                           key=f"editor_box_r{rev}")
        try:
            grid = _grid(net.digest, net, (lo, hi))
        except LRPError as exc:
            st.error(f"{exc}. Widen the range.")
        else:
            st.plotly_chart(plane_heatmap(grid, out, x), key=f"editor_plane_r{rev}")
            st.caption(
                f"The output y{out + 1} over the square [{lo:g}, {hi:g}]²: red positive, blue negative, "
                "the black line where it is 0, × the current input. Each ReLU region is a flat plane."
            )

# --- tables -------------------------------------------------------------------------
st.subheader("Weights and biases")
st.caption(
    "One table per layer: a row per unit, a column per input of the layer and its bias. "
    "Click a cell, type a number (2.5, -0.25, 1e-3, 1E5), press Enter; or paste one value or a block "
    "copied from a spreadsheet. Each cell holds the exact float64 value (open a cell to see it all). "
    "Anything else (1,5, inf, beyond ±1e32) is refused with a message and changes nothing."
)
for k, layer in enumerate(net.layers):
    hidden = k < len(net.layers) - 1
    with st.container(border=True):
        st.markdown(f"**{layer_title(net, k)}**")
        table_col, side = st.columns([4, 1])
        with side:
            act = st.selectbox("Activation", ACTIVATIONS, index=ACTIVATIONS.index(layer.activation),
                               key=f"editor_act{k}_r{rev}")
        with table_col:
            frame = text_table(net, k)  # text cells: 1e30 or a pasted block reach our parser as typed
            config = {c: st.column_config.TextColumn(c, width=90) for c in frame.columns}
            config["_index"] = st.column_config.TextColumn("unit", width=60, disabled=True)
            edited = st.data_editor(frame, key=table_key(k, rev), column_config=config, num_rows="fixed")
            try:
                new = network_from_table(net, k, edited, act)
            except LRPError as exc:
                st.error(f"{exc}. Nothing was changed.")
                if st.button("Discard this table's edits", key=f"editor_discard{k}_r{rev}"):
                    state.set_network(net)
                    st.rerun()
            else:
                if new is not net:
                    state.set_network(new)
                    st.rerun()
        with side:
            if hidden:
                if st.button("Add unit", key=f"editor_addu{k}_r{rev}", width="stretch"):
                    _change(lambda k=k: net.with_unit_added(k), side)
                unit = st.selectbox("Unit", range(layer.n_out), format_func=lambda i, k=k: unit_names(net, k)[i],
                                    index=layer.n_out - 1, key=f"editor_unit{k}_r{rev}")
                if st.button("Remove unit", key=f"editor_rmu{k}_r{rev}", width="stretch"):
                    _change(lambda k=k, u=unit: net.with_unit_removed(k, u), side)
                if st.button("Remove layer", key=f"editor_rml{k}_r{rev}", width="stretch",
                             help="Merges this layer into the next: exact only if it were linear."):
                    _change(lambda k=k: net.with_layer_removed(k), side, reset_input=False)
            if hidden or len(net.layers) == 1:
                if st.button("Insert layer after", key=f"editor_addl{k}_r{rev}", width="stretch",
                             help="Adds an identity ReLU layer: the function is unchanged after a ReLU layer."):
                    _change(lambda k=k: net.with_layer_added(k), side)

# --- import / export ------------------------------------------------------------------
st.subheader("Import and export")
exp, imp = st.columns(2)
with exp:
    st.download_button(
        "Download network JSON",
        net.to_json(),
        file_name=f"{net.name}.json",
        mime="application/json",
        key=f"editor_download_r{rev}",
    )
    st.caption('JSON format: {"format": "lrp-explorer.network", "version": 1, "name", "layers": '
               '[{"weight" (out × in), "bias", "activation"}]}.')
with imp:
    upload = st.file_uploader(
        f"Network JSON (at most {MAX_UPLOAD_BYTES // 1000:,} kB)",
        type=["json"],
        max_upload_size=max(1, MAX_UPLOAD_BYTES // 1_000_000),
        key=f"editor_upload_r{rev}",  # a new, empty uploader once a network is loaded
    )
    if st.button("Load the uploaded network", disabled=upload is None, key=f"editor_import_r{rev}"):
        assert upload is not None
        try:
            imported = load_network_json(upload.getvalue())
        except LRPError as exc:
            st.error(f"{exc}. The current network is unchanged.")
        else:
            state.set_network(imported, reset_input=True, data=None)  # its own data unless it is a preset
            st.rerun()
