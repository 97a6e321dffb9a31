"""Decomposition figures, checked without a browser."""

from __future__ import annotations

import pytest
import torch

from lrp_core.decompose import Decomposition, FinderSpec, decompose
from lrp_core.network import from_layers
from lrp_core.presets import get_preset
from lrp_explorer.figures.decomposition import (
    compare_inputs,
    conservation_bars,
    heat_rows,
    level_names,
    sankey,
)


@pytest.fixture(scope="module")
def hand() -> Decomposition:
    net = from_layers([[[1.0], [1.0]], [[1.0, 1.0]]], [[0.0, -1.0], [0.5]], ["relu", "relu"])
    return decompose(net, [3.0], 0, mode="full", spec=FinderSpec.of("exact"))


@pytest.fixture(scope="module")
def dtd() -> Decomposition:
    p = get_preset("dtd-mlp")
    return decompose(p.network(), p.default_input, 0, mode="train-free", spec=FinderSpec.of("rule", rule="z+"))


def test_heat_rows_input_at_bottom_output_at_top(hand: Decomposition) -> None:
    fig = heat_rows(hand)
    hm = fig.data[0]
    assert list(hm.y) == ["input", "hidden 0", "output"]  # plotly draws the first row at the bottom
    assert hm.z[0][0] == pytest.approx(4.0, abs=1e-9)  # input relevance
    assert hm.z[1][:2] == pytest.approx([3.0, 2.0], abs=1e-9)
    assert hm.z[2][0] == pytest.approx(5.5)  # f(x) on the explained output
    assert hm.z[0][1] is None  # padding where a level has fewer neurons
    assert hm.zmid == 0.0


def test_heat_rows_dtd_shape(dtd: Decomposition) -> None:
    hm = heat_rows(dtd).data[0]
    assert len(hm.z) == 6 and all(len(r) == 10 for r in hm.z)
    assert hm.z[0] == pytest.approx(dtd.input_relevance.tolist())


def test_sankey_links_carry_every_share(hand: Decomposition) -> None:
    fig = sankey(hand)
    s = fig.data[0]
    labels = list(s.node.label)
    assert "output 0" in labels and "input 0" in labels
    assert "unresolved (layer 1)" in labels and "unresolved (layer 0)" in labels
    links = list(zip(s.link.source, s.link.target, s.link.value, strict=True))
    by_name = {(labels[a], labels[b]): v for a, b, v in links}
    assert by_name[("output 0", "hidden 0 0")] == pytest.approx(3.0)
    assert by_name[("output 0", "hidden 0 1")] == pytest.approx(2.0)
    assert by_name[("output 0", "unresolved (layer 1)")] == pytest.approx(0.5)
    assert by_name[("hidden 0 0", "input 0")] == pytest.approx(2.0)
    assert by_name[("hidden 0 0", "unresolved (layer 0)")] == pytest.approx(1.0)
    # flow out of the output = f(x): relevance passed down plus unresolved
    out_flow = sum(v for (a, _), v in by_name.items() if a == "output 0")
    assert out_flow == pytest.approx(hand.f_x)


def test_sankey_colours_negative_links(dtd: Decomposition) -> None:
    s = sankey(dtd).data[0]
    shares = [v for lr in dtd.layers for n in lr.nodes for v in n.passed_down.tolist() if abs(v) > 1e-12]
    assert len(s.link.value) >= len(shares)
    assert all(v > 0 for v in s.link.value)
    n_neg = sum(1 for v in shares if v < 0)
    assert n_neg > 0  # dtd-mlp has negative inputs, so z+ passes negative shares
    assert sum(1 for c in s.link.color if c.startswith("rgba(31, 119, 180")) == n_neg


def test_conservation_bars(hand: Decomposition) -> None:
    fig = conservation_bars(hand)
    names = [t.name for t in fig.data]
    assert names == ["sum of relevance", "unresolved (at the roots)", "negative part"]
    assert list(fig.data[0].y) == pytest.approx([5.0, 4.0])
    assert list(fig.data[1].y) == pytest.approx([0.5, 1.0])
    assert list(fig.data[0].x) == ["layer 1", "layer 0"]
    assert any(s.y0 == hand.f_x for s in fig.layout.shapes)


def test_compare_inputs(hand: Decomposition) -> None:
    other = decompose(from_layers([[[1.0], [1.0]], [[1.0, 1.0]]], [[0.0, -1.0], [0.5]], ["relu", "relu"]),
                      [3.0], 0, mode="train-free", spec=FinderSpec.of("rule", rule="z+"))
    fig = compare_inputs(hand, other, ("left", "right"))
    assert [t.name for t in fig.data] == ["left", "right"]
    assert list(fig.data[0].y) == pytest.approx([4.0])
    assert list(fig.data[1].y) == pytest.approx([5.5])
    assert torch.allclose(other.input_relevance, torch.tensor([5.5], dtype=torch.float64))


def test_level_names() -> None:
    assert level_names(4) == ["input", "hidden 0", "hidden 1", "output"]
