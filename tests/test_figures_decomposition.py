"""Decomposition figures, checked without a browser."""

from __future__ import annotations

import pytest
import torch

from lrp_core.decompose import Decomposition, FinderSpec, decompose
from lrp_core.network import from_layers
from lrp_core.presets import get_preset
from lrp_explorer.figures.decomposition import conservation_bars, heat_rows, level_names, unit_name
from lrp_explorer.figures.decomposition_compare import (
    compare_inputs,
    conservation_pair,
    heat_pair,
    sankey_pair,
)
from lrp_explorer.figures.decomposition_sankey import sankey


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
    assert list(hm.y) == ["inputs", "hidden 0", "output"]  # plotly draws the first row at the bottom
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
    assert "y1" in labels and "x1" in labels
    assert "unresolved (layer 1)" in labels and "unresolved (layer 0)" in labels
    links = list(zip(s.link.source, s.link.target, s.link.value, strict=True))
    by_name = {(labels[a], labels[b]): v for a, b, v in links}
    assert by_name[("y1", "h1")] == pytest.approx(3.0)
    assert by_name[("y1", "h2")] == pytest.approx(2.0)
    assert by_name[("y1", "unresolved (layer 1)")] == pytest.approx(0.5)
    assert by_name[("h1", "x1")] == pytest.approx(2.0)
    assert by_name[("h1", "unresolved (layer 0)")] == pytest.approx(1.0)
    # flow out of the output = f(x): relevance passed down plus unresolved
    out_flow = sum(v for (a, _), v in by_name.items() if a == "y1")
    assert out_flow == pytest.approx(hand.f_x)


def test_sankey_colours_negative_links(dtd: Decomposition) -> None:
    s = sankey(dtd, merge=0.0).data[0]  # nothing merged: one link per share
    shares = [v for lr in dtd.layers for n in lr.nodes for v in n.passed_down.tolist() if abs(v) > 1e-12]
    assert len(s.link.value) >= len(shares)
    assert all(v > 0 for v in s.link.value)
    n_neg = sum(1 for v in shares if v < 0)
    assert n_neg > 0  # dtd-mlp has negative inputs, so z+ passes negative shares
    assert sum(1 for c in s.link.color if c.startswith("rgba(31, 119, 180")) == n_neg


def test_conservation_bars(hand: Decomposition) -> None:
    fig = conservation_bars(hand)
    names = [t.name for t in fig.data]
    assert names == ["positive part", "negative part", "unresolved (left at the roots)", "sum handed down"]
    assert list(fig.data[0].y) == pytest.approx([5.0, 4.0])  # all positive here
    assert list(fig.data[1].y) == pytest.approx([0.0, 0.0])
    assert list(fig.data[2].y) == pytest.approx([0.5, 1.0])
    assert list(fig.data[3].y) == pytest.approx([5.0, 4.0])
    assert list(fig.data[0].x) == ["layer 1", "layer 0"]
    assert any(s.y0 == hand.f_x for s in fig.layout.shapes)
    # per layer: positive + negative = the sum, and sum + unresolved = the layer above
    for k, lr in enumerate(hand.layers):
        assert fig.data[0].y[k] + fig.data[1].y[k] == pytest.approx(lr.sum, abs=1e-12)
        assert fig.data[3].y[k] + fig.data[2].y[k] == pytest.approx(lr.upper_sum, abs=1e-12)


def test_compare_inputs(hand: Decomposition) -> None:
    other = decompose(from_layers([[[1.0], [1.0]], [[1.0, 1.0]]], [[0.0, -1.0], [0.5]], ["relu", "relu"]),
                      [3.0], 0, mode="train-free", spec=FinderSpec.of("rule", rule="z+"))
    fig = compare_inputs(hand, other)
    assert [t.name for t in fig.data] == ["left", "right"]
    assert list(fig.data[0].y) == pytest.approx([4.0])
    assert list(fig.data[1].y) == pytest.approx([5.5])
    assert torch.allclose(other.input_relevance, torch.tensor([5.5], dtype=torch.float64))


def test_level_names() -> None:
    assert level_names(4) == ["inputs", "hidden 0", "hidden 1", "output"]
    assert [unit_name(0, 0, 4), unit_name(1, 2, 4), unit_name(2, 0, 4), unit_name(3, 1, 4)] == ["x1", "h3", "h1", "y2"]


# --- issue 12: one colour meaning, shared axes, full titles (item 7); names as on the editor (item 11);
# --- a readable Sankey for dtd-mlp (item 18) -----------------------------------------------------------

RED, BLUE = "rgba(214, 39, 40", "rgba(31, 119, 180"
TITLE_WIDTH = 60  # characters per title line that fit half of a full-width chart


def _negative() -> Decomposition:
    """f(x) = −relu(x) at x = 2: every relevance is negative."""
    net = from_layers([[[1.0]], [[-1.0]]], [[0.0], [0.0]], ["relu", "linear"])
    return decompose(net, [2.0], 0, mode="full", spec=FinderSpec.of("exact"))


def _bar_colours(trace: object) -> list[str]:
    colour = trace.marker.color  # type: ignore[attr-defined]
    n = len(trace.y)  # type: ignore[attr-defined]
    return [str(c) for c in colour] if isinstance(colour, list | tuple) else [str(colour)] * n


def _assert_sign_colours(fig: object) -> int:
    """Every red bar holds a value > 0 and every blue bar a value < 0; returns how many bars were checked."""
    checked = 0
    for trace in fig.data:  # type: ignore[attr-defined]
        if trace.type != "bar":
            continue
        for y, c in zip(trace.y, _bar_colours(trace), strict=True):
            if c.startswith(RED):
                assert y > 0, (trace.name, y, c)
            if c.startswith(BLUE):
                assert y < 0, (trace.name, y, c)
            checked += 1
    return checked


def test_red_and_blue_mean_positive_and_negative_everywhere(hand: Decomposition, dtd: Decomposition) -> None:
    neg = _negative()
    assert neg.f_x == -2.0 and float(neg.input_relevance.sum()) < 0
    assert _assert_sign_colours(conservation_bars(neg)) > 0
    assert _assert_sign_colours(conservation_bars(dtd)) > 0
    assert _assert_sign_colours(compare_inputs(hand, neg)) == 2
    assert _assert_sign_colours(compare_inputs(dtd, dtd)) == 20


def test_compare_inputs_shares_the_y_axis_and_shows_full_titles(hand: Decomposition, dtd: Decomposition) -> None:
    from lrp_explorer.figures.decomposition import title_of

    other = decompose(get_preset("dtd-mlp").network(), get_preset("dtd-mlp").default_input, 0, mode="full",
                      spec=FinderSpec.of("mcmc", n_chains=3, n_steps=20, n_warmup=10, init_scale=1e-3))
    fig = compare_inputs(dtd, other)
    assert fig.layout.yaxis2.matches == "y"  # one scale for both sides
    titles = [a.text for a in fig.layout.annotations]
    assert len(title_of(other)) > TITLE_WIDTH  # long enough to need wrapping
    for dec in (dtd, other):
        assert any(title_of(dec) in t.replace("<br>", " ") for t in titles), (title_of(dec), titles)
    assert all(len(line) <= TITLE_WIDTH for t in titles for line in t.split("<br>"))


def test_units_are_named_as_on_the_editor(hand: Decomposition) -> None:
    hm = heat_rows(hand).data[0]
    assert hm.customdata[0][0] == "x1" and list(hm.customdata[1][:2]) == ["h1", "h2"] and hm.customdata[2][0] == "y1"
    assert "neuron" not in hm.hovertemplate and "%{customdata}" in hm.hovertemplate
    labels = list(sankey(hand).data[0].node.label)
    assert {"y1", "h1", "h2", "x1"} <= set(labels)
    assert not any(lab.startswith(("output ", "hidden ", "input ")) for lab in labels)


def _out_flow(s: object, labels: list[str], source: int) -> float:
    link = s.link  # type: ignore[attr-defined]
    return sum(v for a, v in zip(link.source, link.value, strict=True) if a == source)


def test_sankey_for_dtd_merges_small_shares_and_has_a_per_layer_view() -> None:
    p = get_preset("dtd-mlp")
    dtd = decompose(p.network(), p.default_input, 0, mode="full", spec=FinderSpec.of("exact"))
    full = sankey(dtd)
    s = full.data[0]
    n_links = len(s.link.value)
    n_shares = sum(1 for lr in dtd.layers for n in lr.nodes for v in n.passed_down.tolist() if abs(v) > 1e-12)
    assert n_shares > 250 and n_links <= 120, n_links  # small shares merged: few enough links to read
    # merging keeps every upper neuron's total flow: Σ|shares| + |unresolved|
    top = dtd.layers[0]
    for node in top.nodes:
        src = next(i for i, c in enumerate(s.node.customdata) if c.startswith(f"y{node.neuron + 1} "))
        want = float(node.passed_down.abs().sum()) + abs(node.unresolved)
        assert _out_flow(s, list(s.node.label), src) == pytest.approx(want, rel=1e-9)
    one = sankey(dtd, layer=2).data[0]
    names = list(one.node.customdata)
    assert all(("hidden 2" in c or "hidden 1" in c or "layer 2" in c) for c in names), names
    assert len(one.link.value) <= 10 * 10 + 2 * 10


def test_pairs_share_axes_and_one_colour_scale(hand: Decomposition) -> None:
    p = get_preset("dtd-mlp")
    full = decompose(p.network(), p.default_input, 0, mode="full", spec=FinderSpec.of("exact"))
    free = decompose(p.network(), p.default_input, 0, mode="train-free", spec=FinderSpec.of("exact"))
    heat = heat_pair(full, free)
    assert heat.layout.yaxis2.matches == "y" and heat.layout.xaxis.matches == "x2"  # levels and units line up
    assert [t.coloraxis for t in heat.data] == ["coloraxis", "coloraxis"]
    bound = max(abs(v) for t in heat.data for row in t.z for v in row if v is not None)
    assert (heat.layout.coloraxis.cmin, heat.layout.coloraxis.cmax) == pytest.approx((-bound, bound))
    cons = conservation_pair(full, free)
    assert cons.layout.yaxis2.matches == "y"
    assert _assert_sign_colours(cons) > 0
    assert sum(1 for t in cons.data if t.showlegend is not False) == 4  # one legend for both sides
    flow = sankey_pair(full, free, layer=3)
    assert [t.type for t in flow.data] == ["sankey", "sankey"]
    assert flow.data[0].domain.x[1] < flow.data[1].domain.x[0]
