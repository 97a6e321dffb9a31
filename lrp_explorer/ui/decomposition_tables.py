"""Display tables of a :class:`~lrp_core.decompose.Decomposition`.

The core returns plain records (``layer_rows``, ``tree_rows``,
``relevance_rows``); these turn them into the data frames the page shows and
downloads, with units named as on the editor (``x1…``, ``h1…``, ``y1…``), and
draw the per-layer table, the root tree and the summary of one or two
decompositions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from lrp_core.decompose import Decomposition, LayerResult
from lrp_core.decompose.results import TREE_COLUMNS
from lrp_explorer.figures.decomposition import unit_name

#: the per-layer table's display: %g keeps rounding-sized errors short (-4e-16, not -0.0000000000000004)
LAYER_COLUMNS = {
    "upper_sum": st.column_config.NumberColumn("upper sum", format="%.6g"),
    "sum": st.column_config.NumberColumn("sum", format="%.6g"),
    "conservation_error": st.column_config.NumberColumn("conservation error", format="%.3g"),
    "unresolved": st.column_config.NumberColumn("unresolved", format="%.4g"),
    "step_error": st.column_config.NumberColumn("step error", format="%.3g"),
    "negative": st.column_config.NumberColumn("negative", format="%.4g",
                                              help="the sum of the relevances below zero on the layer's input"),
    "root_searches": st.column_config.NumberColumn("root searches"),
    "cache_hits": st.column_config.NumberColumn("cache hits"),
}
LAYER_CAPTION = (
    "sum: the relevance the layer hands down to its input units. conservation error: sum − f(x). "
    "unresolved: the relevance left at the roots (not handed down). step error: sum + unresolved − the layer "
    "above's sum (0 up to rounding). negative: the sum of the relevances below zero on the layer's input "
    "(units that speak against the output); a large negative part next to a large sum means big shares "
    "cancel out."
)
TREE_NUMBERS = {
    "relevance R_j": st.column_config.NumberColumn(format="%.6g"),
    "unresolved g_j(ã)": st.column_config.NumberColumn(format="%.4g"),
    "passed down": st.column_config.NumberColumn(format="%.6g"),
    "distance |a − ã|": st.column_config.NumberColumn(format="%.4g"),
}


def _name(dec: Decomposition, level: int, i: int) -> str:
    return unit_name(level, i, len(dec.widths))


def layer_frame(dec: Decomposition) -> pd.DataFrame:
    """Per layer: sums, conservation error, unresolved and negative parts, searches, cache hits."""
    return pd.DataFrame(dec.layer_rows())


def tree_frame(dec: Decomposition) -> pd.DataFrame:
    """The tree, flat: one row per (layer, explained neuron, input unit), columns :data:`TREE_COLUMNS`
    and then the two units' names (``neuron_name`` of the explained one, ``input_name``)."""
    frame = pd.DataFrame(dec.tree_rows(), columns=list(TREE_COLUMNS))
    frame["neuron_name"] = [_name(dec, k + 1, j) for k, j in zip(frame["layer"], frame["neuron"], strict=True)]
    frame["input_name"] = [_name(dec, k, i) for k, i in zip(frame["layer"], frame["input"], strict=True)]
    return frame


def relevance_frame(dec: Decomposition) -> pd.DataFrame:
    """Relevance per unit per level (level 0 = inputs, level L = outputs), with the unit's name."""
    frame = pd.DataFrame(dec.relevance_rows(), columns=["level", "neuron", "relevance"])
    frame["unit"] = [_name(dec, lv, i) for lv, i in zip(frame["level"], frame["neuron"], strict=True)]
    return frame


def node_rows(dec: Decomposition, lr: LayerResult) -> list[dict[str, Any]]:
    """Layer ``lr``'s root tree: one row per explained unit (named as on the editor)."""
    def vec(values: Sequence[float]) -> str:
        return ", ".join(f"{v:.4g}" for v in values)

    return [{
        "neuron": _name(dec, lr.layer + 1, n.neuron), "relevance R_j": n.upper, "unresolved g_j(ã)": n.unresolved,
        "passed down": float(n.passed_down.sum()), "root in segment": n.in_segment, "cached": n.cached,
        "distance |a − ã|": n.distance, "root ã": "—" if n.root is None else vec(n.root.tolist()),
        "gradient c_j": vec(n.gradient.tolist()), "note": n.reason,
    } for n in lr.nodes]


def root_tree(dec: Decomposition, key: str) -> None:
    """The root tree, one expander per layer (output first). An expander's table is built only while
    it is open (a tweak reruns the page; folded tables cost nothing); the layer's sums are in the
    per-layer table above; the label names only the layer and its finder, so it stays the same
    while the weights move and an open expander stays open."""
    for lr in dec.layers:
        box = st.expander(f"Layer {lr.layer} ({lr.spec.label})", key=f"{key}_tree_open_{lr.layer}",
                          on_change="rerun")
        if not box.open:
            continue
        with box:
            st.caption(f"{len(lr.nodes)} units explained, sum {lr.sum:.4g}, unresolved {lr.unresolved:.3g}, "
                       f"{lr.searches} searches, {lr.hits} cache hits")
            st.dataframe(node_rows(dec, lr), hide_index=True, key=f"{key}_tree_{lr.layer}",
                         column_config=TREE_NUMBERS)
            names = [_name(dec, lr.layer, i) for i in range(lr.point.shape[0])]
            st.caption("The layer's input: " + ", ".join(f"{u} = {v:.4g}" for u, v in
                                                          zip(names, lr.point.tolist(), strict=True)))


def layer_table(dec: Decomposition, key: str) -> None:
    st.dataframe(layer_frame(dec), hide_index=True, key=key, column_config=LAYER_COLUMNS)


def time_text(dec: Decomposition, cached: bool) -> str:
    """``12 ms`` for a decomposition just computed, ``cached`` for one taken from the cache."""
    return "cached" if cached else f"{dec.seconds * 1000:.0f} ms"


def summary_frame(sides: Sequence[tuple[str, Decomposition, bool]]) -> pd.DataFrame:
    """One row per (side name, decomposition, cached): what it explains, hands to the inputs, leaves
    unresolved, how many root searches it ran and its time."""
    return pd.DataFrame([{
        "side": name, "f(x)": d.f_x, "input relevance": float(d.input_relevance.sum()),
        "unresolved (all layers)": sum(lr.unresolved for lr in d.layers), "time": time_text(d, cached),
        "root searches": d.root_searches, "cache hits": d.cache_hits,
    } for name, d, cached in sides])


def summary_metrics(dec: Decomposition, cached: bool) -> None:
    """One decomposition's totals as metrics in one row."""
    c = st.columns(4)
    c[0].metric("f(x) explained", f"{dec.f_x:.4g}")
    c[1].metric("input relevance", f"{float(dec.input_relevance.sum()):.4g}")
    c[2].metric("unresolved", f"{sum(lr.unresolved for lr in dec.layers):.4g}",
                help="the relevance left at the roots, all layers together; the input relevance plus it is f(x)")
    c[3].metric("time", time_text(dec, cached),
                help=(f"taken from the cache; computing it took {dec.seconds * 1000:.0f} ms" if cached else
                      f"{dec.root_searches} root searches, {dec.cache_hits} exact-cache hits"))
