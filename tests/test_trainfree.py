"""Train-free rules in one batched pass (lrp_core.trainfree): equal to the
decomposition's train-free mode with the rule finder, and to Captum's LRP-α1β0."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from lrp_core.decompose import FinderSpec, decompose
from lrp_core.errors import LRPError
from lrp_core.network import Network, from_layers
from lrp_core.presets import get_preset
from lrp_core.trainfree import TRAIN_FREE_RULES, train_free

DTYPE = torch.float64
RULE_PARAMS = {"z+": {}, "w²": {}, "γ": {"gamma": 0.5}, "x": {}, "0": {}}


def random_net(gen: torch.Generator, widths: list[int], acts: list[str], bias: float = 0.3) -> Network:
    w = [torch.randn(o, i, generator=gen, dtype=DTYPE) for i, o in itertools.pairwise(widths)]
    b = [bias * torch.randn(o, generator=gen, dtype=DTYPE) for o in widths[1:]]
    return from_layers(w, b, acts)


def nets() -> list[Network]:
    gen = torch.Generator().manual_seed(7)
    return [
        get_preset("dtd-mlp").network(),
        random_net(gen, [3, 6, 5, 2], ["relu", "relu", "linear"]),
        random_net(gen, [4, 7, 3], ["relu", "relu"]),
        random_net(gen, [2, 5, 1], ["relu", "linear"], bias=0.0),  # the 0 rule finds roots here
    ]


@pytest.mark.parametrize("rule", TRAIN_FREE_RULES)
def test_equals_the_decompositions_train_free_mode(rule: str) -> None:
    gen = torch.Generator().manual_seed(11)
    for net in nets():
        X = torch.randn(12, net.n_inputs, generator=gen, dtype=DTYPE)
        X[0] = 0.0  # every unit's input zero: degenerate rows
        for target in range(net.n_outputs):
            got = train_free(net, X, target, rule=rule, **RULE_PARAMS[rule])
            for i in range(X.shape[0]):
                dec = decompose(net, X[i], target, mode="train-free",
                                spec=FinderSpec.of("rule", rule=rule, **RULE_PARAMS[rule]))
                torch.testing.assert_close(got.relevance[i], dec.input_relevance, rtol=0, atol=1e-9)
                unresolved = sum(lr.unresolved for lr in dec.layers)
                assert abs(float(got.unresolved[i]) - unresolved) <= 1e-9
                assert abs(float(got.output[i]) - dec.f_x) <= 1e-12
            assert float(got.completeness_error.abs().max()) <= 1e-9


def test_zero_rule_passes_gradient_times_input_without_biases() -> None:
    net = nets()[3]
    X = torch.randn(5, 2, generator=torch.Generator().manual_seed(3), dtype=DTYPE)
    got = train_free(net, X, 0, rule="0")
    grad = net.affine_map(X).weight[:, 0, :]
    torch.testing.assert_close(got.relevance, X * grad, rtol=0, atol=1e-12)


def test_hand_case_z_plus() -> None:
    # one hidden layer: h = relu([x1 - x2, x1 + x2]); f = h1 + 2 h2; x = (2, 1): h = (1, 3), f = 7
    net = from_layers([[[1.0, -1.0], [1.0, 1.0]], [[1.0, 2.0]]], [[0.0, 0.0], [0.0]], ["relu", "linear"])
    got = train_free(net, torch.tensor([[2.0, 1.0]], dtype=DTYPE), 0, rule="z+")
    # top: R = (1, 6); unit 1 passes all of 1 to x1 (only positive weight); unit 2 splits 6 as 2:1
    torch.testing.assert_close(got.relevance, torch.tensor([[1.0 + 4.0, 2.0]], dtype=DTYPE))
    assert float(got.unresolved[0]) == 0.0


def test_refusals() -> None:
    net = nets()[1]
    x = torch.zeros(1, 3, dtype=DTYPE)
    for bad in (dict(rule="zB"), dict(rule="pinv"), dict(rule="γ", gamma=-1.0)):
        with pytest.raises(LRPError):
            train_free(net, x, 0, **bad)
    with pytest.raises(LRPError):
        train_free(net, x, 5)
    with pytest.raises(LRPError):
        train_free(net, torch.zeros(1, 3), 0)  # float32: the API normalises, this function does not


def _captum_alpha1_beta0(seq: torch.nn.Sequential, X: torch.Tensor, target: int) -> torch.Tensor:
    captum_attr = pytest.importorskip("captum.attr", reason="captum (a dev dependency) is not installed")
    from captum.attr._utils.lrp_rules import Alpha1_Beta0_Rule

    for module in seq:
        if isinstance(module, torch.nn.Linear):  # fresh rules before every call (Captum deletes them)
            module.rule = Alpha1_Beta0_Rule(set_bias_to_zero=True)
            # Captum adds 1e-9·sign(z) to every denominator; a tiny one makes the comparison exact
            module.rule.STABILITY_FACTOR = 1e-300
    return captum_attr.LRP(seq).attribute(X.clone(), target=target).detach()


@pytest.mark.filterwarnings("ignore:Input Tensor 0 did not already require gradients")
def test_z_plus_equals_captum_alpha1_beta0_on_random_nets() -> None:
    pytest.importorskip("captum.attr", reason="captum (a dev dependency) is not installed")
    gen = torch.Generator().manual_seed(5)
    checked = 0
    for _n in range(6):
        net = random_net(gen, [4, 8, 6, 3], ["relu", "relu", "linear"])
        X = torch.randn(200, 4, generator=gen, dtype=DTYPE)
        for target in range(3):
            keep = net(X)[:, target] > 0  # z+ on the weights keeps a positive relevance positive
            if not bool(keep.any()):
                continue
            ours = train_free(net, X[keep], target, rule="z+").relevance
            theirs = _captum_alpha1_beta0(net.to_sequential(), X[keep], target)
            torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-9)
            checked += int(keep.sum())
    assert checked > 500


@pytest.mark.parametrize("rule", ["z+", "x"])
def test_a_near_zero_denominator_leaves_the_neuron_unresolved(rule: str) -> None:
    # h = relu(x1 + x2 + 0.5), f = h; at x = (1, −1 + 1e-14) the hidden neuron's D = Σ M_i a_i = 1e-14
    # is below 1e-12 of Σ|M_i a_i| = 2: no root, its relevance 0.5 stays unresolved (not ±5e13 passed down)
    net = from_layers([[[1.0, 1.0]], [[1.0]]], [[0.5], [0.0]], ["relu", "linear"])
    x = torch.tensor([[1.0, -1.0 + 1e-14]], dtype=DTYPE)
    got = train_free(net, x, 0, rule=rule)
    assert got.relevance.tolist() == [[0.0, 0.0]]
    assert float(got.unresolved[0]) == pytest.approx(0.5, abs=1e-13)
    dec = decompose(net, x[0], 0, mode="train-free", spec=FinderSpec.of("rule", rule=rule))
    torch.testing.assert_close(got.relevance[0], dec.input_relevance, rtol=0, atol=1e-12)


def test_a_batch_equals_its_rows_one_by_one() -> None:
    """A batch selects with products (``_keep``), a single row with np.where: the same numbers
    (up to BLAS's summation order, which differs between a row and a batch)."""
    gen = torch.Generator().manual_seed(13)
    huge = from_layers([[[1e32, -1e32], [0.5e32, 1e32]]] + [[[1e32, 0.5e32], [0.25e32, 1e32]]] * 2 + [[[1e32, 1e32]]],
                       [[0.0, 1e31]] * 3 + [[0.0]], ["relu"] * 3 + ["linear"])  # outputs near 1e128
    for net in [*nets(), huge]:
        X = torch.randn(300, net.n_inputs, generator=gen, dtype=DTYPE)
        X[:3] = 0.0
        for rule in TRAIN_FREE_RULES:
            got = train_free(net, X, 0, rule=rule, **RULE_PARAMS[rule])
            for i in range(0, 300, 7):
                one = train_free(net, X[i : i + 1], 0, rule=rule, **RULE_PARAMS[rule])
                scale = 1e-10 * float(one.relevance.abs().sum() + one.unresolved.abs().sum() + one.output.abs())
                torch.testing.assert_close(got.relevance[i], one.relevance[0], rtol=0, atol=scale)
                torch.testing.assert_close(got.unresolved[i], one.unresolved[0], rtol=0, atol=scale)


def test_keep_is_np_where_even_with_non_finite_values() -> None:
    from lrp_core.trainfree import _keep

    x = np.tile([np.inf, -2.0, np.nan, 3.0], (100, 1))
    mask = np.tile([False, False, False, True], (100, 1))
    with np.errstate(invalid="ignore"):  # as in train_free: inf · 0 is NaN, then np.where runs
        assert np.array_equal(_keep(x, mask), np.where(mask, x, 0.0), equal_nan=True)
        assert np.array_equal(_keep(x[:1], mask[:1]), np.where(mask[:1], x[:1], 0.0), equal_nan=True)
