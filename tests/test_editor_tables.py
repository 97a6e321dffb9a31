"""Weight tables ↔ networks (ui/tables.py): pure functions, no Streamlit."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lrp_core.errors import LRPError
from lrp_core.network import MAX_ABS_VALUE, Network, from_layers
from lrp_core.presets import get_preset
from lrp_explorer.ui.tables import (
    BIAS,
    changed_cells,
    input_names,
    layer_table,
    layer_title,
    network_from_table,
    table_key,
    unit_names,
)


@pytest.fixture(scope="module")
def ancona() -> Network:
    return get_preset("ancona-max").network()


def test_table_layout_matches_the_weights(ancona: Network) -> None:
    t0 = layer_table(ancona, 0)
    assert list(t0.columns) == ["x1", "x2", BIAS]
    assert list(t0.index) == ["h1", "h2", "h3", "h4"]
    assert t0.dtypes.eq("float64").all()
    # Cell (unit i, input j) is weight[i, j] (out × in): unit h1 computes 0.25·(x2 − x1).
    assert t0.loc["h1", "x1"] == -0.25 and t0.loc["h1", "x2"] == 0.25
    assert torch.equal(torch.tensor(t0[["x1", "x2"]].to_numpy()), ancona.layers[0].weight)
    t1 = layer_table(ancona, 1)
    assert list(t1.columns) == ["h1", "h2", "h3", "h4", BIAS]
    assert list(t1.index) == ["y1"]
    assert t1.loc["y1"].tolist() == [2.0, 0.5, 0.5, 0.0, 0.0]


def test_names_titles_and_keys(ancona: Network) -> None:
    assert input_names(ancona, 0) == ["x1", "x2"]
    assert input_names(ancona, 1) == ["h1", "h2", "h3", "h4"]
    assert unit_names(ancona, 1) == ["y1"]
    assert layer_title(ancona, 0) == "Layer 0: 2 inputs → hidden layer 0 (4 units, relu)"
    assert layer_title(ancona, 1) == "Layer 1: hidden layer 0 → output (1 unit, linear)"
    assert table_key(0, 3) != table_key(0, 4) != table_key(1, 4)
    with pytest.raises(LRPError, match=r"layers are 0\.\.1"):
        layer_table(ancona, 2)


def test_unchanged_table_returns_the_same_network(ancona: Network) -> None:
    for k in range(2):
        assert network_from_table(ancona, k, layer_table(ancona, k)) is ancona
        assert network_from_table(ancona, k, layer_table(ancona, k), ancona.layers[k].activation) is ancona


def test_one_edit_changes_exactly_that_weight(ancona: Network) -> None:
    t = layer_table(ancona, 0)
    t.loc["h1", "x1"] = 0.7
    new = network_from_table(ancona, 0, t)
    assert new.digest == ancona.with_value(0, "weight", 0, 0, 0.7).digest
    assert changed_cells(ancona, new) == [(0, "h1", "x1", -0.25, 0.7)]
    assert new(torch.tensor([3.0, 7.0])).item() == pytest.approx(2 * (0.7 * 3 + 0.25 * 7) + 0.5 * 10)


def test_bias_edit_and_activation_change(ancona: Network) -> None:
    t = layer_table(ancona, 1)
    t.loc["y1", BIAS] = -1.5
    new = network_from_table(ancona, 1, t, "relu")
    assert new.layers[1].bias.tolist() == [-1.5]
    assert new.layers[1].activation == "relu"
    assert changed_cells(ancona, new) == [(1, "y1", BIAS, 0.0, -1.5)]
    # Activation alone also makes a new network.
    only_act = network_from_table(ancona, 0, layer_table(ancona, 0), "linear")
    assert only_act.layers[0].activation == "linear"
    assert changed_cells(ancona, only_act) == []


def test_numeric_strings_are_accepted(ancona: Network) -> None:
    t = layer_table(ancona, 0).astype(object)
    t.loc["h2", "x2"] = " 1.25 "
    assert network_from_table(ancona, 0, t).layers[0].weight[1, 1].item() == 1.25


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, "is empty or not a number"),
        (float("nan"), "is empty or not a number"),
        ("abc", "'abc' is not a number"),
        (True, "is empty or not a number"),
        (float("inf"), "must be finite"),
        (-float("inf"), "must be finite"),
        (1e40, "larger in magnitude than the cap"),
    ],
)
def test_invalid_cells_are_refused_naming_the_cell(ancona: Network, value: object, words: str) -> None:
    t = layer_table(ancona, 0).astype(object)
    t.loc["h3", "x2"] = value
    with pytest.raises(LRPError) as info:
        network_from_table(ancona, 0, t)
    msg = str(info.value)
    assert "layer 0, unit h3, column x2" in msg
    assert words in msg
    assert "the network keeps 1" in msg
    assert "\n" not in msg


def test_the_cap_itself_is_allowed(ancona: Network) -> None:
    t = layer_table(ancona, 0)
    t.loc["h1", BIAS] = -MAX_ABS_VALUE
    assert network_from_table(ancona, 0, t).layers[0].bias[0].item() == -MAX_ABS_VALUE


def test_many_bad_cells_are_summarised(ancona: Network) -> None:
    t = layer_table(ancona, 0).astype(object)
    for unit in ["h1", "h2", "h3", "h4"]:
        t.loc[unit, "x1"] = None
    with pytest.raises(LRPError, match=r"\(and 1 more cells\)$") as info:
        network_from_table(ancona, 0, t)
    assert str(info.value).count("is empty") == 3


def test_wrong_shape_or_activation_is_refused(ancona: Network) -> None:
    t = layer_table(ancona, 0)
    with pytest.raises(LRPError, match="must have 4 rows and the columns x1, x2, bias"):
        network_from_table(ancona, 0, t.iloc[:3])
    with pytest.raises(LRPError, match="must have 4 rows"):
        network_from_table(ancona, 0, t.drop(columns=[BIAS]))
    with pytest.raises(LRPError, match="choose one of: relu, linear"):
        network_from_table(ancona, 0, t, "tanh")


def test_changed_cells_of_different_shapes_is_empty(ancona: Network) -> None:
    assert changed_cells(ancona, ancona.with_unit_added(0)) == []


@st.composite
def edits(draw: st.DrawFn) -> tuple[Network, int, int, int, float]:
    widths = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    gen = torch.Generator().manual_seed(draw(st.integers(0, 2**31 - 1)))
    weights = [torch.randn(o, i, generator=gen, dtype=torch.float64) for i, o in itertools.pairwise(widths)]
    biases = [torch.randn(o, generator=gen, dtype=torch.float64) for o in widths[1:]]
    net = from_layers(weights, biases)
    k = draw(st.integers(0, len(net.layers) - 1))
    i = draw(st.integers(0, net.layers[k].n_out - 1))
    j = draw(st.integers(0, net.layers[k].n_in))  # n_in means the bias column
    value = draw(st.floats(-1e6, 1e6, allow_nan=False))
    return net, k, i, j, value


@settings(max_examples=40, deadline=None)
@given(edits())
def test_a_table_edit_equals_with_value(case: tuple[Network, int, int, int, float]) -> None:
    net, k, i, j, value = case
    t = layer_table(net, k)
    t.iat[i, j] = value
    new = network_from_table(net, k, t)
    n_in = net.layers[k].n_in
    expected = net.with_value(k, "bias", i, None, value) if j == n_in else net.with_value(k, "weight", i, j, value)
    assert new.digest == expected.digest
    # The table of the new network shows the value exactly.
    assert layer_table(new, k).iat[i, j] == value
    assert isinstance(layer_table(new, k), pd.DataFrame)
    assert all(math.isfinite(v) for v in layer_table(new, k).to_numpy().ravel())


def test_apply_edits_matches_the_data_editor_state() -> None:
    from lrp_core.presets import get_preset
    from lrp_explorer.ui.tables import apply_edits, layer_table, network_from_table

    net = get_preset("ancona-max").network()
    table = layer_table(net, 0)
    col = table.columns[0]
    edited = apply_edits(table, {"edited_rows": {2: {col: 0.125}, 9: {col: 1.0}, 0: {"nope": 1.0}},
                                 "added_rows": [], "deleted_rows": []})
    new = network_from_table(net, 0, edited)
    assert new.layers[0].weight[2, 0].item() == 0.125
    assert new.with_value(0, "weight", 2, 0, float(net.layers[0].weight[2, 0])).same_weights(net)
    assert network_from_table(net, 0, apply_edits(table, None)) is net
    assert table.iat[2, 0] != 0.125  # the input table is not modified


def test_text_cells_are_parsed_exactly_or_refused() -> None:
    """Issue 12 item 2: the grid edits text; 1e30, 1E5, -1e-30 are taken exactly, a decimal comma
    and inf are refused with a message naming the cell."""
    from lrp_core.presets import get_preset
    from lrp_explorer.ui.tables import text_table

    net = get_preset("ancona-max").network()
    table = text_table(net, 0)
    assert table.iat[0, 0] == "-0.25"
    for text, value in (("1e30", 1e30), ("1E5", 1e5), ("-1e-30", -1e-30)):
        edited = table.copy()
        edited.iat[0, 0] = text
        assert float(network_from_table(net, 0, edited).layers[0].weight[0, 0]) == value
    for text, words in (("1,5", "decimal comma"), ("inf", "finite"), ("2e32", "cap")):
        edited = table.copy()
        edited.iat[0, 0] = text
        with pytest.raises(LRPError, match=words):
            network_from_table(net, 0, edited)
