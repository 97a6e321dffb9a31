"""Step through the backward pass (issue 17 §2): the step records against the
``Decomposition`` they come from, and the decomposition page's "Step" mode
under AppTest (the numbers shown are the decomposition's; each step's sum closes)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lrp_core.decompose import FinderSpec, LayerResult, decompose
from lrp_core.fields.steps import FORMULA_RULES, Step, backward_steps
from lrp_core.network import Network, from_layers
from lrp_core.presets import get_preset
from tests.conftest import open_app_page, open_tab

PAGE = "views/decomposition.py"
X = (0.5, -1.0)
SPECS = [
    ("full", FinderSpec.of("exact")),
    ("train-free", FinderSpec.of("rule", rule="z+")),
    ("full", FinderSpec.of("rule", rule="w2")),
    ("train-free", FinderSpec.of("rule", rule="gamma", gamma=0.5)),
    ("full", FinderSpec.of("rule", rule="gamma")),
    ("train-free", FinderSpec.of("rule", rule="w2")),
    ("full", FinderSpec.of("mcmc", n_chains=4, n_steps=50, n_warmup=50)),
]


def _check_upper(step: Step, lr: LayerResult) -> None:
    """Every upper neuron's record is the decomposition's node, number for number."""
    assert len(step.neurons) == len(lr.nodes)
    for rec, node in zip(step.neurons, lr.nodes, strict=True):
        assert (rec.neuron, rec.relevance, rec.unresolved, rec.reason) == \
            (node.neuron, node.upper, node.unresolved, node.reason)
        assert rec.gradient == tuple(node.gradient.tolist())
        assert rec.root == (None if node.root is None else tuple(node.root.tolist()))
    assert step.unresolved == lr.unresolved and step.point == tuple(lr.point.tolist())
    assert step.finder == lr.spec.label


@pytest.mark.parametrize(("mode", "spec"), SPECS)
def test_steps_equal_the_decomposition(mode: str, spec: FinderSpec) -> None:
    net = get_preset("plane-2-8-8-1").network()
    dec = decompose(net, X, 0, mode=mode, spec=spec)
    steps = backward_steps(dec)
    assert [s.layer for s in steps] == [2, 1, 0]
    assert steps[0].upper_sum == dec.f_x
    for step, lr in zip(steps, dec.layers, strict=True):
        assert step.relevance == tuple(lr.relevance.tolist()) and step.upper == tuple(lr.upper.tolist())
        _check_upper(step, lr)
        assert abs(step.closure_error) <= 1e-9
        assert step.closure_error == pytest.approx(lr.step_error, abs=1e-12)
        assert (step.rule is None) == (spec.finder != "rule")
        assert (step.formula is None) == (step.rule not in FORMULA_RULES)
        for i in range(len(step.point)):
            _check_neuron(step, lr, i)


def _check_neuron(step: Step, lr: LayerResult, i: int) -> None:
    """Neuron i's Taylor terms and the rule's closed-form terms are the nodes' shares."""
    nodes = {n.neuron: n for n in lr.nodes}
    terms = step.taylor(i)
    assert [t.upper for t in terms] == [n.neuron for n in lr.nodes if n.root is not None]
    assert abs(math.fsum(t.value for t in terms) - step.relevance[i]) <= 1e-9
    for t in terms:
        node = nodes[t.upper]
        assert t.value == pytest.approx(float(node.passed_down[i]), abs=1e-12)
        assert t.root == float(node.root[i]) and t.c == float(node.gradient[i]) and t.h == float(lr.point[i])
    rule = step.rule_terms(i)
    assert (rule is None) == (step.rule not in FORMULA_RULES)
    if rule is not None:
        assert [t.upper for t in rule] == [t.upper for t in terms]
        for t in rule:  # each closed-form share is the node's share c_{j,i} (h_i − ã_{j,i})
            assert t.r == nodes[t.upper].upper
            assert abs(t.value - float(nodes[t.upper].passed_down[i])) <= 1e-9
        assert abs(math.fsum(t.value for t in rule) - step.relevance[i]) <= 1e-9


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


def _first_step(net: Network, x: tuple[float, float], **rule: object) -> Step:
    return backward_steps(decompose(net, x, 0, mode="train-free", spec=FinderSpec.of("rule", **rule)))[-1]


def test_w2_gamma_and_zero_rule_hand_cases() -> None:
    # f = relu(2 x1 − x2) at x = (1, 0.5): c = (2, −1), h = (1, 0.5), r = f = 1.5
    net = from_layers([[[2.0, -1.0]], [[1.0]]], [[0.0], [0.0]], ["relu", "linear"])
    w2 = _first_step(net, (1.0, 0.5), rule="w2")  # c² = (4, 1), Σ = 5: R = 1.5 (4/5, 1/5)
    assert w2.rule == "w²" and w2.relevance == pytest.approx((1.2, 0.3), abs=1e-12)
    (t,) = w2.rule_terms(1)
    assert (t.numerator, t.denominator, t.value) == pytest.approx((1.0, 5.0, 0.3))
    # γ = 0.5: (c + γ c⁺) h = (3, −0.5), Σ = 2.5: R = 1.5 (3/2.5, −0.5/2.5) = (1.8, −0.3)
    gamma = _first_step(net, (1.0, 0.5), rule="gamma", gamma=0.5)
    assert gamma.rule == "γ" and gamma.gamma == 0.5 and gamma.relevance == pytest.approx((1.8, -0.3), abs=1e-12)
    (t,) = gamma.rule_terms(0)
    assert (t.numerator, t.denominator, t.value) == pytest.approx((3.0, 2.5, 1.8))
    # with a bias the origin is no root for the 0 rule: no term, all of f = 1 stays unresolved
    biased = from_layers([[[2.0, -1.0]], [[1.0]]], [[-0.5], [0.0]], ["relu", "linear"])
    zero = _first_step(biased, (1.0, 0.5), rule="0")
    assert zero.rule_terms(0) == () and zero.taylor(0) == ()
    assert zero.relevance == (0.0, 0.0) and zero.unresolved == pytest.approx(1.0, abs=1e-12)
    assert zero.neurons[0].root is None and "origin is not a root" in zero.neurons[0].reason
    assert zero.formula is not None and r"\tilde a_j = 0" in zero.formula
    assert gamma.formula is not None and r"\gamma c^+_{j,i}" in gamma.formula and "c_{j,i}^2" in (w2.formula or "")


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
    at = open_tab(open_app_page(PAGE, net=net, x=X), "dec_details", "Step through")
    at.selectbox(key="dec_mode").set_value("full")
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
    at = open_tab(open_app_page(PAGE, net=net, x=X), "dec_details", "Step through")
    at.selectbox(key="dec_mode").set_value("train-free")
    at.selectbox(key="dec_a_finder").set_value("rule").run()
    at.selectbox(key="dec_a_rule_rule").set_value("z+")
    at.toggle(key="dec_step_on").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    dec = decompose(net, X, 0, mode="train-free", spec=FinderSpec.of("rule", rule="z+"))
    at.select_slider(key="dec_step_layer").set_value(2).run()
    lr = dec.layers[2]
    _check_step(at, lr)
    rule = _frame(at, "dec_step_rule")
    assert abs(rule["term"].sum() - float(lr.relevance[0])) <= 1e-12
    assert any("c^+_{j,i}" in m.value for m in at.latex)
