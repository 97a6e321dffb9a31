"""The notebook API (lrp_core.api): results shaped like x and equal to the core
functions, the completeness check as a field, the seeds, the example.
(Input forms, the caller's model left as it was, refusals: test_api_inputs.py.)"""

from __future__ import annotations

import runpy
import subprocess
import sys

import pytest
import torch

import lrp_core
from lrp_core.decompose import FinderSpec, decompose
from lrp_core.importance import attribute
from lrp_core.network import Network
from lrp_core.presets import get_preset
from lrp_core.roots import FINDERS, explain_output
from lrp_core.trainfree import train_free
from tests.api_cases import DTYPE, METHODS, batch, x0
from tests.conftest import ROOT

_x0, _batch = x0, batch


def test_import_is_light_and_exports_the_api() -> None:
    code = ("import sys, lrp_core; heavy = [m for m in ('torch', 'numpy', 'scipy', 'pandas', 'streamlit') "
            "if m in sys.modules]; print(heavy); lrp_core.explain; lrp_core.Network; print('torch' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split("\n")[:2] == ["[]", "True"]
    for name in ("explain", "find_roots", "neuron_importance", "Explanation", "Roots"):
        assert name in lrp_core.__all__ and callable(getattr(lrp_core, name))


@pytest.mark.parametrize("method", METHODS)
def test_point_and_batch_shapes_and_completeness(dtd: Network, method: str) -> None:
    one = lrp_core.explain(dtd, _x0(), method=method, target=1)
    assert one.relevance.shape == (10,) and one.unresolved.shape == () and one.output.shape == ()
    assert one.relevance.dtype == DTYPE
    assert abs(float(one.output) - float(dtd(torch.tensor(_x0()))[1])) < 1e-12
    assert one.max_completeness_error < 1e-9
    X = _batch()
    many = lrp_core.explain(dtd, X, method=method, target=1)
    assert many.relevance.shape == X.shape and many.unresolved.shape == (6,)
    torch.testing.assert_close(many.completeness_error, many.relevance.sum(1) + many.unresolved - many.output)
    assert many.max_completeness_error < 1e-9
    torch.testing.assert_close(many.output, dtd(X)[:, 1], rtol=0, atol=1e-12)


def test_full_backward_equals_decompose_row_by_row(dtd: Network) -> None:
    X = _batch(4)
    got = lrp_core.explain(dtd, X, method="full-backward", target=0, finder="exact")
    for i in range(4):
        dec = decompose(dtd, X[i], 0, mode="full", spec=FinderSpec.of("exact"))
        torch.testing.assert_close(got.relevance[i], dec.input_relevance, rtol=0, atol=1e-12)
        assert abs(float(got.unresolved[i]) - sum(lr.unresolved for lr in dec.layers)) < 1e-12
    assert len(got.decompositions) == 4 and got.params["finder"] == "exact"


def test_full_backward_with_the_rule_finder_uses_rule(dtd: Network) -> None:
    got = lrp_core.explain(dtd, _x0(), method="full-backward", finder="rule", rule="w2")
    dec = decompose(dtd, _x0(), 0, mode="full", spec=FinderSpec.of("rule", rule="w²"))
    torch.testing.assert_close(got.relevance, dec.input_relevance, rtol=0, atol=1e-12)
    other = lrp_core.explain(dtd, _x0(), method="full-backward", finder="rule", rule="z+")
    assert not torch.allclose(got.relevance, other.relevance)


def test_train_free_is_the_batched_pass(dtd: Network) -> None:
    X = _batch()
    got = lrp_core.explain(dtd, X, method="train-free", rule="gamma", gamma=0.5, target=1)
    ref = train_free(dtd, X, 1, rule="γ", gamma=0.5)
    torch.testing.assert_close(got.relevance, ref.relevance, rtol=0, atol=0)
    assert got.params == {"rule": "γ", "gamma": 0.5}
    zplus = lrp_core.explain(dtd, X, method="train-free", target=1)
    assert zplus.params == {"rule": "z+"} and zplus.decompositions == ()
    torch.testing.assert_close(zplus.relevance, train_free(dtd, X, 1, rule="z+").relevance, rtol=0, atol=0)
    torch.testing.assert_close(zplus.completeness_error, train_free(dtd, X, 1).completeness_error, rtol=0, atol=0)


def test_gradient_x_input_against_autograd(dtd: Network) -> None:
    X = _batch()
    seq = dtd.to_sequential()
    Xg = X.clone().requires_grad_(True)
    seq(Xg)[:, 0].sum().backward()
    got = lrp_core.explain(dtd, X, method="gradient-x-input")
    torch.testing.assert_close(got.relevance, X * Xg.grad, rtol=0, atol=1e-12)


def test_find_roots_equals_the_finder(dtd: Network) -> None:
    X = _batch(3)
    got = lrp_core.find_roots(dtd, X, layer=2, target=1, finder="exact")
    assert got.roots.shape == (3, 10) and got.found.shape == (3,)
    for i in range(3):
        point = dtd.forward(X[i]).post[1]
        (ref,) = FINDERS.get("exact").func(explain_output(dtd, point, 2, 1)).roots
        if ref.root is None:
            assert not bool(got.found[i]) and torch.isnan(got.roots[i]).all()
        else:
            torch.testing.assert_close(got.roots[i], ref.root.to(DTYPE), rtol=0, atol=0)
            assert float(got.relevance[i]) == pytest.approx(ref.relevance, abs=1e-12)
        assert got.reasons[i] == ref.reason
    single = lrp_core.find_roots(dtd, X[0], layer=2, target=1)
    torch.testing.assert_close(single.roots, got.roots[0], equal_nan=True)


def test_find_roots_seed_makes_random_finders_repeatable(dtd: Network) -> None:
    mcmc = {"finder": "mcmc", "n_steps": 40, "n_chains": 2}
    a = lrp_core.find_roots(dtd, _x0(), seed=3, **mcmc)
    b = lrp_core.find_roots(dtd, _x0(), seed=3, **mcmc)
    c = lrp_core.find_roots(dtd, _x0(), seed=4, **mcmc)
    torch.testing.assert_close(a.roots, b.roots, equal_nan=True)
    assert bool(a.found) and bool(c.found) and not torch.equal(a.roots, c.roots)
    # one generator for the batch, rows in order: the first row is the single point's result
    batch = lrp_core.find_roots(dtd, torch.stack([torch.tensor(_x0(), dtype=DTYPE)] * 2), seed=3, **mcmc)
    torch.testing.assert_close(batch.roots[0], a.roots, equal_nan=True)


def test_full_backward_seed_restarts_for_every_row(dtd: Network) -> None:
    x = torch.tensor(_x0(), dtype=DTYPE)
    mcmc = {"finder": "mcmc", "n_steps": 30, "n_chains": 2, "seed": 5}
    one = lrp_core.explain(dtd, x, **mcmc)
    two = lrp_core.explain(dtd, torch.stack([x, x]), **mcmc)
    torch.testing.assert_close(two.relevance[0], one.relevance, rtol=0, atol=0)
    torch.testing.assert_close(two.relevance[1], one.relevance, rtol=0, atol=0)
    assert one.params["seed"] == 5 and one.params["finder"] == "mcmc" and one.params["n_steps"] == 30


def test_neuron_importance_equals_attribute() -> None:
    preset = get_preset("ancona-max")
    net = preset.network()
    X, y = preset.dataset(50, seed=1)
    got = lrp_core.neuron_importance(net.to_sequential(torch.float32).double(), X.numpy(), y[:, 0].tolist(),
                                     methods=["shapley-exact", "leave-one-out"])
    ref = attribute(net, X, y, ["shapley-exact", "leave-one-out"])
    assert [s.method for s in got] == ["shapley-exact", "leave-one-out"]
    for a, b in zip(got, ref):
        torch.testing.assert_close(a.scores, b.scores, rtol=0, atol=1e-12)
    (sampled,) = lrp_core.neuron_importance(net, X, y, methods=["shapley-sampled"], seed=7, samples=12, loss="l1")
    (want,) = attribute(net, X, y, "shapley-sampled", seed=7, samples=12, loss="l1")
    assert torch.equal(sampled.scores, want.scores) and sampled.params["seed"] == 7


def check_example_output(out: str) -> None:
    """What examples/notebook.py prints when every call worked (also used by test_wheel.py)."""
    lines = out.splitlines()
    assert "root found: True" in out and "model untouched" in out
    assert any(line.startswith("shapley-exact") and line.endswith("True") for line in lines)  # closed form
    (point,) = [line for line in lines if line.startswith("completeness error")]
    (batch,) = [line for line in lines if line.startswith("batch relevance (1000, 3)")]
    assert float(point.split()[-1]) < 1e-12 and float(batch.split()[-1]) < 1e-9


def test_the_notebook_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    state = torch.random.get_rng_state()
    try:
        runpy.run_path(str(ROOT / "examples" / "notebook.py"), run_name="__main__")
    finally:
        torch.random.set_rng_state(state)  # the example seeds the global generator, as a notebook does
    check_example_output(capsys.readouterr().out)
