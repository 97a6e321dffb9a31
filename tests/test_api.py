"""The notebook API (lrp_core.api): normalisation at the door, results equal to
the core functions, the completeness check, refusals, and the user's model
left exactly as it was."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import lrp_core
from lrp_core import LRPError
from lrp_core.decompose import FinderSpec, decompose
from lrp_core.importance import attribute
from lrp_core.network import Network
from lrp_core.presets import get_preset
from lrp_core.roots import FINDERS, explain_output
from lrp_core.trainfree import train_free
from tests.conftest import ROOT

DTYPE = torch.float64
METHODS = ("full-backward", "train-free", "gradient-x-input")


@pytest.fixture(scope="module")
def dtd() -> Network:
    return get_preset("dtd-mlp").network()


def _x0() -> list[float]:
    return list(get_preset("dtd-mlp").default_input)


def _batch(n: int = 6, d: int = 10, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=DTYPE)


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


def test_gradient_x_input_against_autograd(dtd: Network) -> None:
    X = _batch()
    seq = dtd.to_sequential()
    Xg = X.clone().requires_grad_(True)
    seq(Xg)[:, 0].sum().backward()
    got = lrp_core.explain(dtd, X, method="gradient-x-input")
    torch.testing.assert_close(got.relevance, X * Xg.grad, rtol=0, atol=1e-12)


@pytest.mark.parametrize("form", ["list", "numpy32", "tensor32-grad", "tensor16", "int-list", "tensor64-grad"])
def test_input_forms_agree(dtd: Network, form: str) -> None:
    x32 = torch.tensor(_x0(), dtype=torch.float32)
    if form == "tensor16":
        base = torch.tensor(_x0(), dtype=torch.float16)
    elif form == "int-list":
        base = torch.tensor([round(v) for v in _x0()], dtype=DTYPE)
    elif form in ("list", "tensor64-grad"):
        base = torch.tensor(_x0(), dtype=DTYPE)
    else:
        base = x32
    given = {
        "list": base.tolist(), "numpy32": base.numpy(), "tensor32-grad": base.clone().requires_grad_(True),
        "tensor16": base, "int-list": [int(v) for v in base.tolist()],
        "tensor64-grad": base.clone().requires_grad_(True),
    }[form]
    expected_x = base.to(DTYPE)
    for method in METHODS:
        got = lrp_core.explain(dtd, given, method=method)
        ref = lrp_core.explain(dtd, expected_x, method=method)
        torch.testing.assert_close(got.relevance, ref.relevance, rtol=0, atol=0)
    if isinstance(given, torch.Tensor) and given.requires_grad:
        assert given.grad is None  # nothing ran backward through the caller's tensor
    roots = lrp_core.find_roots(dtd, given, finder="mcmc", n_steps=30, n_chains=2)
    assert roots.roots.shape == (10,)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16])
def test_model_forms_agree(dtd: Network, dtype: torch.dtype, tmp_path: Path) -> None:
    seq = dtd.to_sequential(dtype)
    as_net = lrp_core.from_sequential(seq)
    path = tmp_path / "net.json"
    path.write_text(as_net.to_json())
    X = _batch(3)
    for method in METHODS:
        a = lrp_core.explain(seq, X, method=method)
        b = lrp_core.explain(as_net, X, method=method)
        c = lrp_core.explain(str(path), X, method=method)
        torch.testing.assert_close(a.relevance, b.relevance, rtol=0, atol=0)
        torch.testing.assert_close(a.relevance, c.relevance, rtol=0, atol=1e-12)
        if dtype == torch.float64:
            ref = lrp_core.explain(dtd, X, method=method)
            torch.testing.assert_close(a.relevance, ref.relevance, rtol=0, atol=1e-12)


def _snapshot(model: torch.nn.Module) -> dict:
    return {
        "params": {n: p.detach().clone() for n, p in model.named_parameters()},
        "flags": {n: p.requires_grad for n, p in model.named_parameters()},
        "grads": {n: p.grad for n, p in model.named_parameters()},
        "modules": [
            (type(m).__name__, sorted(vars(m)), dict(m._forward_hooks), dict(m._forward_pre_hooks),
             dict(m._backward_hooks), getattr(m, "rule", None), m.training)
            for m in model.modules()
        ],
        "ids": [id(p) for p in model.parameters()],
    }


def _assert_same(before: dict, after: dict) -> None:
    assert before["flags"] == after["flags"] and before["ids"] == after["ids"]
    assert before["modules"] == after["modules"]
    assert all(after["grads"][n] is None for n in after["grads"])
    for n, p in before["params"].items():
        assert torch.equal(p, after["params"][n]), n


def test_the_users_model_is_never_modified() -> None:
    torch.manual_seed(0)  # a user's model, as a notebook makes it
    model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1))
    model[0].weight.requires_grad_(False)  # a frozen layer
    model[2].rule = "the user's own attribute"  # Captum's LRP deletes attributes like this one
    seen: list[int] = []
    model.register_forward_hook(lambda mod, inp, out: seen.append(1))
    model.eval()
    X = torch.randn(20, 3)
    y = model(X).detach()
    seen.clear()
    before = _snapshot(model)
    calls = [
        *(lambda m=m: lrp_core.explain(model, X[:4], method=m) for m in METHODS),
        lambda: lrp_core.find_roots(model, X[0], finder="exact"),
        lambda: lrp_core.find_roots(model, X[:2], layer=1, finder="rule", rule="z+"),
        lambda: lrp_core.neuron_importance(model, X, y, methods=["leave-one-out", "gradient"]),
    ]
    for call in calls:
        call()
        _assert_same(before, _snapshot(model))
    assert seen == []  # the model was never run: the library works on its own float64 copy
    assert model[2].rule == "the user's own attribute"


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
    a = lrp_core.find_roots(dtd, _x0(), finder="mcmc", seed=3, n_steps=40, n_chains=2)
    b = lrp_core.find_roots(dtd, _x0(), finder="mcmc", seed=3, n_steps=40, n_chains=2)
    torch.testing.assert_close(a.roots, b.roots, equal_nan=True)


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


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda n: lrp_core.explain(n, _x0(), method="lime"), "unknown method"),
        (lambda n: lrp_core.explain(n, _x0(), target=2), "target"),
        (lambda n: lrp_core.explain(n, _x0(), target=True), "target"),
        (lambda n: lrp_core.explain(n, _x0()[:3]), "10 values"),
        (lambda n: lrp_core.explain(n, torch.zeros(2, 2, 10)), "batch"),
        (lambda n: lrp_core.explain(n, [float("nan")] * 10), "finite"),
        (lambda n: lrp_core.explain(n, ["a"] * 10), "real numbers"),
        (lambda n: lrp_core.explain(n, torch.zeros(10, dtype=torch.complex64)), "real numbers"),
        (lambda n: lrp_core.explain(n, _x0(), method="train-free", rule="zB"), "train-free rule"),
        (lambda n: lrp_core.explain(n, _x0(), method="train-free", n_steps=3), "gamma"),
        (lambda n: lrp_core.explain(n, _x0(), method="gradient-x-input", gamma=1), "no parameters"),
        (lambda n: lrp_core.explain(n, _x0(), finder="nope"), "finder"),
        (lambda n: lrp_core.explain(torch.nn.Linear(10, 2), _x0()), "nn.Sequential"),
        (lambda n: lrp_core.explain(torch.nn.Sequential(torch.nn.Linear(10, 2), torch.nn.Tanh()), _x0()),
         "Tanh"),
        (lambda n: lrp_core.explain("/no/such/net.json", _x0()), "cannot read"),
        (lambda n: lrp_core.explain(42, _x0()), "model must be"),
        (lambda n: lrp_core.find_roots(n, _x0(), layer=9), "layer"),
        (lambda n: lrp_core.neuron_importance(n, _batch(), torch.zeros(5, 2)), "y must have shape"),
        (lambda n: lrp_core.neuron_importance(n, _batch(), torch.zeros(6, 2), methods=["nope"]), "nope"),
    ],
)
def test_refusals_are_one_line_lrp_errors(dtd: Network, call, needle: str) -> None:
    with pytest.raises(LRPError) as info:
        call(dtd)
    message = str(info.value)
    assert needle in message and "\n" not in message


def test_a_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"pad": "x" * 1_000_001}))
    with pytest.raises(LRPError, match="larger than"):
        lrp_core.explain(path, [0.0, 0.0])


def test_the_notebook_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    state = torch.random.get_rng_state()
    try:
        runpy.run_path(str(ROOT / "examples" / "notebook.py"), run_name="__main__")
    finally:
        torch.random.set_rng_state(state)  # the example seeds its own model
    out = capsys.readouterr().out
    assert "root found: True" in out and "shapley-exact" in out
    worst = float(out.split("worst completeness error")[1].split()[0])
    assert worst < 1e-9


def test_numpy_batch_keeps_the_callers_array(dtd: Network) -> None:
    X = _batch(3).numpy().astype(np.float32)
    copy = X.copy()
    lrp_core.explain(dtd, X, method="train-free")
    assert np.array_equal(X, copy)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16])
def test_sequential_conversion_equals_from_sequential(dtype: torch.dtype) -> None:
    torch.manual_seed(1)  # a user's model
    seq = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3, bias=False),
                              torch.nn.ReLU(), torch.nn.Linear(3, 2)).to(dtype)
    ours = lrp_core.api.as_network(seq)
    ref = lrp_core.from_sequential(seq)
    assert ours.digest == ref.digest
    assert [la.activation for la in ours.layers] == [la.activation for la in ref.layers]
    assert all(la.weight.data_ptr() != p.data_ptr() for la, p in zip(ours.layers, seq.parameters()))


@pytest.mark.parametrize(
    "build",
    [
        lambda: torch.nn.Sequential(torch.nn.Linear(2, 65), torch.nn.ReLU(), torch.nn.Linear(65, 1)),
        lambda: torch.nn.Sequential(torch.nn.Linear(65, 1)),
        lambda: torch.nn.Sequential(*[torch.nn.Linear(2, 2) for _ in range(9)]),
        lambda: torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 1)),
        lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(2, 1)),
        lambda: torch.nn.Sequential(),
    ],
)
def test_sequentials_outside_the_caps_are_refused_as_from_sequential_does(build) -> None:
    seq = build()
    with pytest.raises(LRPError) as ours:
        lrp_core.explain(seq, [0.0] * seq[0].in_features if len(seq) and hasattr(seq[0], "in_features") else [0.0])
    with pytest.raises(LRPError) as ref:
        lrp_core.from_sequential(seq)
    assert str(ours.value) == str(ref.value)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1e33])
def test_sequential_with_a_bad_number_is_refused(bad: float) -> None:
    seq = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    with torch.no_grad():
        seq[2].bias[0] = bad
    with pytest.raises(LRPError, match="layer 1 bias"):
        lrp_core.explain(seq, [0.0, 0.0])
