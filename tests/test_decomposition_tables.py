"""The decomposition page's display tables (lrp_explorer.ui.decomposition_tables), built from the
core's plain records: the same numbers, units named as on the editor."""

from __future__ import annotations

import pytest

from lrp_core.decompose import FinderSpec, decompose
from lrp_core.decompose.results import TREE_COLUMNS
from lrp_core.presets import get_preset
from lrp_explorer.ui.decomposition_tables import (
    layer_frame,
    node_rows,
    relevance_frame,
    summary_frame,
    time_text,
    tree_frame,
)


def _dtd():  # type: ignore[no-untyped-def]
    p = get_preset("dtd-mlp")
    return decompose(p.network(), p.default_input, 0, mode="full", spec=FinderSpec.of("exact"))


def test_tree_frame_sums_back_and_names_the_units() -> None:
    dec = _dtd()
    frame = tree_frame(dec)
    assert list(frame.columns) == [*TREE_COLUMNS, "neuron_name", "input_name"]
    assert len(frame) == sum(len(lr.nodes) * lr.point.shape[0] for lr in dec.layers)
    for lr in dec.layers:
        sums = frame[frame.layer == lr.layer].groupby("input")["passed_down"].sum()
        assert sums.to_numpy() == pytest.approx(lr.relevance.numpy(), abs=1e-12)
    top = frame[frame.layer == 4]
    assert set(top["neuron_name"]) == {"y1"} and list(top["input_name"][:3]) == ["h1", "h2", "h3"]
    assert set(frame[frame.layer == 0]["input_name"]) == {f"x{i}" for i in range(1, 11)}


def test_layer_relevance_and_summary_frames() -> None:
    dec = _dtd()
    layers = layer_frame(dec)
    assert list(layers["layer"]) == [4, 3, 2, 1, 0]
    assert layers["conservation_error"].iloc[-1] == pytest.approx(dec.layers[-1].sum - dec.f_x)
    assert all(v <= 0 for v in layers["negative"])
    rel = relevance_frame(dec)
    assert len(rel) == sum(dec.widths)
    assert rel.loc[rel.level == 5, "unit"].tolist() == ["y1", "y2"]
    summary = summary_frame([("left", dec, False), ("right", dec, True)])
    assert list(summary["unresolved (all layers)"]) == pytest.approx([sum(lr.unresolved for lr in dec.layers)] * 2)
    assert list(summary["time"]) == [time_text(dec, False), "cached"]
    assert time_text(dec, False).endswith(" ms")


def test_node_rows_name_the_explained_units() -> None:
    dec = _dtd()
    rows = node_rows(dec, dec.layer(3))
    assert [r["neuron"] for r in rows] == [f"h{n.neuron + 1}" for n in dec.layer(3).nodes]
    assert [r["relevance R_j"] for r in rows] == [n.upper for n in dec.layer(3).nodes]
