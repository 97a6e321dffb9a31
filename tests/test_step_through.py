"""Step through the backward pass (issue 17 §2): the step records against the
``Decomposition`` they come from, and the decomposition page's "Step" mode
under AppTest (the numbers shown are the decomposition's; each step's sum closes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lrp_core.decompose import FinderSpec, LayerResult, decompose
from lrp_core.fields.steps import backward_steps
from lrp_core.network import from_layers
from lrp_core.presets import get_preset
from tests.conftest import open_app_page

PAGE = "pages/decomposition.py"
X = (0.5, -1.0)
SPECS = [
    ("full", FinderSpec.of("exact")),
    ("train-free", FinderSpec.of("rule", rule="z+")),
    ("full", FinderSpec.of("rule", rule="w2")),
    ("train-free", FinderSpec.of("rule", rule="gamma", gamma=0.5)),
]


@pytest.mark.parametrize(("mode", "spec"), SPECS)
def test_steps_equal_the_decomposition(mode: str, spec: FinderSpec) -> None:
    net = get_preset("plane-2-8-8-1").network()
    dec = decompose(net, X, 0, mode=mode, spec=spec)
    steps = backward_steps(dec)
    assert [s.layer for s in steps] == [2, 1, 0]
    for step, lr in zip(steps, dec.layers, strict=True):
        assert step.relevance == tuple(lr.relevance.tolist()) and step.upper == tuple(lr.upper.tolist())
        assert abs(step.closure_error) <= 1e-9
        for i in range(len(step.point)):
            terms = step.taylor(i)
            assert abs(sum(t.value for t in terms) - step.relevance[i]) <= 1e-12
            for t in terms:
                node = next(n for n in lr.nodes if n.neuron == t.upper)
                assert t.value == pytest.approx(float(node.passed_down[i]), abs=1e-12)
                assert t.root == float(node.root[i]) and t.c == float(node.gradient[i])
            rule = step.rule_terms(i)
            assert (rule is None) == (spec.finder != "rule")
            if rule is not None:
                assert abs(sum(t.value for t in rule) - step.relevance[i]) <= 1e-9 * (1 + abs(step.relevance[i]))


def test_zero_rule_and_zplus_hand_case() -> None:
    # f = relu(2 x1 − x2) with no biases, x = (1, 0.5): z+ hands all of f = 1.5 to x1 (the only positive
    # contribution); the 0 rule (root at the origin) hands c ⊙ h = (2, −0.5)
    net = from_layers([[[2.0, -1.0]], [[1.0]]], [[0.0], [0.0]], ["relu", "linear"])
    zp = backward_steps(decompose(net, (1.0, 0.5), 0, mode="train-free", spec=FinderSpec.of("rule", rule="z+")))
    first = zp[-1]
    assert first.relevance == pytest.approx((1.5, 0.0), abs=1e-12)
    (term,) = first.rule_terms(0)
    assert (term.r, term.numerator, term.denominator) == pytest.approx((1.5, 2.0, 2.0))
    zero = backward_steps(decompose(net, (1.0, 0.5), 0, mode="train-free", spec=FinderSpec.of("rule", rule="0")))
    assert [t.value for t in zero[-1].rule_terms(1)] == pytest.approx([-0.5])
    assert zero[-1].relevance == pytest.approx((2.0, -0.5))


COLUMN_OF = {"dec_step_neurons": "R (handed down)", "dec_step_upper": "R (arriving)",
             "dec_step_taylor": "c (h − ã)", "dec_step_check": "sum + unresolved", "dec_step_rule": "denominator"}


def _frame(at: AppTest, key: str) -> pd.DataFrame:
    """The step view's table ``key`` (AppTest gives no dataframe keys: found by its own column)."""
    found = [d.value for d in at.dataframe if COLUMN_OF[key] in d.value.columns]
    assert len(found) == 1, key
    return found[0]


def _check_step(at: AppTest, lr: LayerResult) -> None:
    neurons = _frame(at, "dec_step_neurons")
    np.testing.assert_allclose(neurons["R (handed down)"], lr.relevance.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(neurons["h"], lr.point.numpy(), rtol=0, atol=1e-12)
    upper = _frame(at, "dec_step_upper")
    np.testing.assert_allclose(upper["R (arriving)"], [n.upper for n in lr.nodes], rtol=0, atol=1e-12)
    np.testing.assert_allclose(upper["unresolved"], [n.unresolved for n in lr.nodes], rtol=0, atol=1e-12)
    check = _frame(at, "dec_step_check").iloc[0]
    assert abs(check["difference"]) <= 1e-9
    assert abs(check["sum + unresolved"] - check["layer above"]) <= 1e-9
    assert check["layer above"] == pytest.approx(lr.upper_sum, abs=1e-12)
    taylor = _frame(at, "dec_step_taylor")
    neuron = int(at.selectbox(key="dec_step_neuron").value)
    assert abs(taylor["c (h − ã)"].sum() - float(lr.relevance[neuron])) <= 1e-12


def test_page_step_mode_shows_the_decomposition() -> None:
    net = get_preset("plane-2-8-8-1").network()
    at = open_app_page(PAGE, net=net, x=X)
    at.radio(key="dec_mode").set_value("full")
    at.selectbox(key="dec_a_finder").set_value("exact")
    at.toggle(key="dec_step_on").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    dec = decompose(net, X, 0, mode="full", spec=FinderSpec.of("exact"))
    _check_step(at, dec.layers[0])
    at.button(key="dec_step_next").click().run()
    assert at.select_slider(key="dec_step_layer").value == 1
    _check_step(at, dec.layers[1])
    at.button(key="dec_step_next").click().run()
    at.selectbox(key="dec_step_neuron").set_value(1).run()
    _check_step(at, dec.layers[2])
    at.button(key="dec_step_prev").click().run()
    assert at.select_slider(key="dec_step_layer").value == 1


def test_page_step_mode_rule_formula() -> None:
    net = get_preset("plane-2-8-8-1").network()
    at = open_app_page(PAGE, net=net, x=X)
    at.radio(key="dec_mode").set_value("train-free")
    at.selectbox(key="dec_a_finder").set_value("rule").run()
    at.selectbox(key="dec_a_rule").set_value("z+")
    at.toggle(key="dec_step_on").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    dec = decompose(net, X, 0, mode="train-free", spec=FinderSpec.of("rule", rule="z+"))
    at.select_slider(key="dec_step_layer").set_value(2).run()
    lr = dec.layers[2]
    _check_step(at, lr)
    rule = _frame(at, "dec_step_rule")
    assert abs(rule["term"].sum() - float(lr.relevance[0])) <= 1e-12
    assert any("c^+_{j,i}" in m.value for m in at.latex)
