"""Network editor: pick a preset, edit every weight and bias, add or remove
units and layers, import or export JSON. Every change goes through
``state.set_network`` so it takes effect on every page and in the URL."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
import torch

from lrp_core.errors import LRPError
from lrp_core.io import MAX_UPLOAD_BYTES, load_network_json
from lrp_core.network import ACTIVATIONS, Network
from lrp_core.presets import PRESETS, get_preset, matching_preset
from lrp_explorer.figures.network import PlaneGrid, network_diagram, output_grid, plane_box, plane_heatmap
from lrp_explorer.how.editor import how
from lrp_explorer.ui import health, page, state
from lrp_explorer.ui.memo import session_memo
from lrp_explorer.ui.tables import (
    apply_edits,
    layer_table,
    layer_title,
    network_from_table,
    table_key,
    text_table,
    unit_names,
)


@session_memo(32)
def _grid(digest: str, _net: Network, box: tuple[float, float]) -> PlaneGrid:
    return output_grid(_net, box)


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


LEAD = ("Pick a preset or type any weight into the tables; click an edge in the diagram on the right to "
        "tweak it. Every page uses this network, and the link in your address bar opens this network.")


def _resize(k: int) -> None:
    """Callback of the "Units" box: grow or shrink hidden layer ``k`` to the number typed (one edit).
    Rapid clicks on its +/- end in one value, so ten clicks give ten more units."""
    net = state.get_network()
    want = int(st.session_state[f"editor_units{k}"])
    have = net.layers[k].n_out
    try:
        new = net
        for _ in range(max(0, want - have)):
            new = new.with_unit_added(k)
        for _ in range(max(0, have - want)):
            new = new.with_unit_removed(k, new.layers[k].n_out - 1)
    except LRPError as exc:
        st.session_state["editor_units_msg"] = (k, f"{exc}. Nothing was changed.")
        st.session_state[f"editor_units{k}"] = have
        return
    if new is not net:
        state.set_network(new)
        st.toast(f"Hidden layer {k} now has {want} units.")


def _preset_row(net: Network, x: tuple[float, ...], rev: int) -> None:
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    names = PRESETS.names()
    current = matching_preset(net)
    choice = left.selectbox(
        "Preset", names, index=names.index(current) if current in names else None,
        placeholder="edited network (pick a preset to load it)",
        format_func=lambda n: f"{n}: {get_preset(n).description}", key=f"editor_preset_r{rev}",
    )
    if choice is not None and choice != current:
        state.set_network(get_preset(choice).network(), reset_input=True)
        st.rerun()
    y = net(torch.tensor(x, dtype=torch.float64)).tolist()
    right.markdown(
        f"**{net.name}**: {net.describe()} ({net.n_params} parameters). "
        f"At x = ({', '.join(f'{v:.4g}' for v in x)}): "
        + ", ".join(f"**y{i + 1} = {v:.6g}**" for i, v in enumerate(y))
    )


def _pictures(net: Network, x: tuple[float, ...], rev: int) -> None:
    """The diagram and, for 2 inputs, the output over the plane."""
    two_d = net.n_inputs == 2
    left, right = st.columns(2) if two_d else (st.container(), None)
    page.chart(network_diagram(net, x, height=min(420, 60 * max(net.widths) + 100)), key=f"editor_diagram_r{rev}",
               where=left)
    left.caption("Red edges positive, blue negative, dotted grey zero; thicker = larger |w|. Hover an edge's dot "
                 "for its value, a unit for its bias; orange units are active at x.")
    if right is None:
        return
    with right:
        out = 0
        if net.n_outputs > 1:
            out = st.selectbox("Output", range(net.n_outputs), format_func=lambda i: f"y{i + 1}",
                               key=f"editor_plane_out_r{rev}")
        lo, hi = st.slider("Plane range (both axes)", -20.0, 20.0, plane_box(net), step=0.5, key=f"editor_box_r{rev}")
        try:
            grid = _grid(net.digest, net, (lo, hi))
        except LRPError as exc:
            st.error(f"{exc}. Widen the range.")
            return
        page.chart(plane_heatmap(grid, out, x, height=320), key=f"editor_plane_r{rev}")
        st.caption(f"y{out + 1} over [{lo:g}, {hi:g}]²: red positive, blue negative, black line where it is 0, "
                   "× the current input. Each ReLU region is a flat plane.")


def _structure(net: Network, k: int, rev: int, side: st.delta_generator.DeltaGenerator) -> None:
    """Add or remove units and layers of layer ``k``."""
    hidden = k < len(net.layers) - 1
    layer = net.layers[k]
    if hidden:
        ss = st.session_state
        ss[f"editor_units{k}"] = layer.n_out  # the box always shows the layer as it is
        side.number_input("Units", 1, 64, step=1, key=f"editor_units{k}", on_change=_resize, args=(k,),
                          help="type a count or click +/-; each change is one edit (Undo brings it back)")
        msg = ss.pop("editor_units_msg", None)
        if msg is not None and msg[0] == k:
            side.error(msg[1])
        if side.button("Add unit", key=f"editor_addu{k}_r{rev}", width="stretch"):
            _change(lambda k=k: net.with_unit_added(k), side)
        unit = side.selectbox("Unit", range(layer.n_out), format_func=lambda i, k=k: unit_names(net, k)[i],
                              index=layer.n_out - 1, key=f"editor_unit{k}_r{rev}")
        if side.button("Remove unit", key=f"editor_rmu{k}_r{rev}", width="stretch"):
            _change(lambda k=k, u=unit: net.with_unit_removed(k, u), side)
        if side.button("Remove layer", key=f"editor_rml{k}_r{rev}", width="stretch",
                       help="Merges this layer into the next: exact only if it were linear."):
            _change(lambda k=k: net.with_layer_removed(k), side, reset_input=False)
    if hidden or len(net.layers) == 1:
        if side.button("Insert layer after", key=f"editor_addl{k}_r{rev}", width="stretch",
                       help="Adds an identity ReLU layer: the function is unchanged after a ReLU layer."):
            _change(lambda k=k: net.with_layer_added(k), side)


def _table(net: Network, k: int, rev: int) -> None:
    """One layer's weight grid, its activation and structure controls."""
    layer = net.layers[k]
    with st.container(border=True):
        st.markdown(f"**{layer_title(net, k)}**")
        table_col, side = st.columns([4, 1])
        act = side.selectbox("Activation", ACTIVATIONS, index=ACTIVATIONS.index(layer.activation),
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
        _structure(net, k, rev, side)


def _import_export(net: Network, rev: int) -> None:
    exp, imp = st.columns(2)
    with exp:
        st.download_button("Download network JSON", net.to_json(), file_name=f"{net.name}.json",
                           mime="application/json", key=f"editor_download_r{rev}", on_click="ignore")
        st.caption('JSON format: {"format": "lrp-explorer.network", "version": 1, "name", "layers": '
                   '[{"weight" (out × in), "bias", "activation"}]}.')
    with imp:
        # no type filter: the browser would refuse other files with a bare red icon; the loader names the problem
        upload = st.file_uploader(f"Network JSON (at most {MAX_UPLOAD_BYTES // 1000:,} kB)",
                                  max_upload_size=max(1, MAX_UPLOAD_BYTES // 1_000_000),
                                  key=f"editor_upload_r{rev}")  # a new, empty uploader once a network is loaded
        if st.button("Load the uploaded network", disabled=upload is None, key=f"editor_import_r{rev}"):
            assert upload is not None
            try:
                imported = load_network_json(upload.getvalue())
            except LRPError as exc:
                st.error(f"{exc}. The current network is unchanged.")
            else:
                state.set_network(imported, reset_input=True, data=None)  # its own data unless it is a preset
                st.rerun()


page.header("Network editor", LEAD, how)


@page.live("editor")
def body() -> None:
    _apply_pending_table_edit(state.get_network(), state.revision())
    net, rev, x = state.get_network(), state.revision(), state.get_input()
    _preset_row(net, x, rev)
    health.notes(net, x, zero_output=True)
    with page.main_and_tweak("editor"):
        _pictures(net, x, rev)
    st.subheader("Weights and biases")
    st.caption("One table per layer: a row per unit, a column per input of the layer and its bias. Click a cell, "
               "type a number (2.5, -0.25, 1e-3, 1E5), press Enter; or paste one value or a block copied from a "
               "spreadsheet. Each cell holds the exact float64 value (open a cell to see it all). Anything else "
               "(1,5, inf, beyond ±1e32) is refused with a message and changes nothing.")
    for k in range(len(net.layers)):
        _table(net, k, rev)
    st.subheader("Import and export")
    _import_export(net, rev)


body()
