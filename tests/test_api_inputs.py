"""The notebook API's door (lrp_core.api_inputs): every model and input form
gives the same result, the caller's model and inputs are left exactly as they
were, and bad input is refused with a one-line LRPError."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import lrp_core
from lrp_core import LRPError
from lrp_core.network import Network
from tests.api_cases import DTYPE, METHODS, batch, x0

_x0, _batch = x0, batch


# --- every form of x and of the model gives the same result ----------------------------------------


@pytest.mark.parametrize("form", ["list", "numpy32", "numpy16", "tensor32-grad", "tensor16", "bfloat16",
                                  "int-list", "int-tensor", "tensor64-grad"])
def test_input_forms_agree(dtd: Network, form: str) -> None:
    exact = {"tensor16": torch.float16, "numpy16": torch.float16, "bfloat16": torch.bfloat16}
    if form.startswith("int"):
        base = torch.tensor([round(v) for v in _x0()], dtype=DTYPE)
    else:
        base = torch.tensor(_x0(), dtype=exact.get(form, torch.float32 if "32" in form else DTYPE))
    given = {
        "list": base.tolist, "numpy32": base.numpy, "numpy16": base.numpy,
        "tensor32-grad": lambda: base.clone().requires_grad_(True), "tensor16": lambda: base,
        "bfloat16": lambda: base, "int-list": lambda: [int(v) for v in base.tolist()],
        "int-tensor": lambda: base.to(torch.int64), "tensor64-grad": lambda: base.clone().requires_grad_(True),
    }[form]()
    expected_x = base.to(DTYPE)
    for method in METHODS:
        got = lrp_core.explain(dtd, given, method=method)
        ref = lrp_core.explain(dtd, expected_x, method=method)
        assert got.relevance.dtype == DTYPE and got.relevance.shape == (10,)
        torch.testing.assert_close(got.relevance, ref.relevance, rtol=0, atol=0)
    roots = lrp_core.find_roots(dtd, given, finder="mcmc", n_steps=30, n_chains=2)
    assert roots.roots.shape == (10,)
    if isinstance(given, torch.Tensor):  # the caller's tensor is as it was
        assert given.grad is None and given.requires_grad == (form.endswith("grad"))
        assert torch.equal(given.detach().to(DTYPE), expected_x)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16])
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
        d = lrp_core.explain(path, X, method=method)
        torch.testing.assert_close(a.relevance, b.relevance, rtol=0, atol=0)
        torch.testing.assert_close(a.relevance, c.relevance, rtol=0, atol=1e-12)
        torch.testing.assert_close(c.relevance, d.relevance, rtol=0, atol=0)
        if dtype == torch.float64:
            ref = lrp_core.explain(dtd, X, method=method)
            torch.testing.assert_close(a.relevance, ref.relevance, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16])
def test_sequential_conversion_equals_from_sequential(dtype: torch.dtype) -> None:
    g = torch.Generator().manual_seed(1)
    seq = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3, bias=False),
                              torch.nn.ReLU(inplace=True), torch.nn.Linear(3, 2))
    with torch.no_grad():
        for p in seq.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    seq = seq.to(dtype)
    ours = lrp_core.api.as_network(seq)
    ref = lrp_core.from_sequential(seq)
    assert ours.digest == ref.digest
    assert [la.activation for la in ours.layers] == [la.activation for la in ref.layers] == ["relu", "relu", "linear"]
    assert all(la.weight.dtype == DTYPE for la in ours.layers)
    assert all(la.weight.data_ptr() != p.data_ptr() for la, p in zip(ours.layers, seq.parameters()))


# --- the caller's model and inputs are never modified ----------------------------------------------------


def _snapshot(model: torch.nn.Module) -> dict:
    return {
        "params": {n: p.detach().clone() for n, p in model.named_parameters()},
        "meta": {n: (p.dtype, p.device, p.requires_grad, p.grad, p.data_ptr(), id(p))
                 for n, p in model.named_parameters()},
        "state": sorted(model.state_dict()),
        "modules": [
            (type(m).__name__, sorted(vars(m)), dict(m._forward_hooks), dict(m._forward_pre_hooks),
             dict(m._backward_hooks), dict(m._backward_pre_hooks), getattr(m, "rule", None), m.training)
            for m in model.modules()
        ],
    }


def _assert_same(before: dict, after: dict) -> None:
    assert before["meta"] == after["meta"]  # dtype, device, requires_grad, grad (None), storage, identity
    assert before["state"] == after["state"] and before["modules"] == after["modules"]
    for n, p in before["params"].items():
        assert p.dtype == after["params"][n].dtype and torch.equal(p, after["params"][n]), n


def _calls(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor) -> list:
    return [
        *(lambda m=m: lrp_core.explain(model, X[:3], method=m) for m in METHODS),
        *(lambda r=r: lrp_core.explain(model, X, method="train-free", rule=r) for r in ("w2", "gamma", "0", "x")),
        lambda: lrp_core.explain(model, X[0], finder="rule", rule="w2"),
        lambda: lrp_core.explain(model, X[0], finder="mcmc", n_steps=20, n_chains=2),
        lambda: lrp_core.find_roots(model, X[0], finder="exact"),
        lambda: lrp_core.find_roots(model, X[:2], layer=1, finder="rule", rule="z+"),
        lambda: lrp_core.neuron_importance(model, X, y, methods="all", samples=10),
    ]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_the_users_model_is_never_modified(dtype: torch.dtype) -> None:
    g = torch.Generator().manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1)).to(dtype)
    model[0].weight.requires_grad_(False)  # a frozen layer
    model[2].rule = "the user's own attribute"  # Captum's LRP deletes attributes like this one
    seen: list[int] = []
    model.register_forward_hook(lambda mod, inp, out: seen.append(1))
    model[0].register_forward_pre_hook(lambda mod, inp: seen.append(2))
    model.eval()
    X = torch.randn(20, 3, generator=g).to(dtype).requires_grad_(True)
    with torch.no_grad():
        y = model(X).to(DTYPE)
    seen.clear()
    X_before = X.detach().clone()
    before = _snapshot(model)
    for call in _calls(model, X, y):
        call()
        _assert_same(before, _snapshot(model))
    assert seen == []  # the model was never run: the library works on its own float64 copy
    assert model[2].rule == "the user's own attribute" and not model.training
    assert X.requires_grad and X.grad is None and X.dtype == dtype and torch.equal(X.detach(), X_before)


def test_numpy_inputs_are_left_as_they_were(dtd: Network) -> None:
    X = _batch(3).numpy().astype(np.float32)
    y = np.zeros((3, 2))
    copies = X.copy(), y.copy()
    lrp_core.explain(dtd, X, method="train-free")
    lrp_core.neuron_importance(dtd, X, y, methods=["leave-one-out"])
    assert np.array_equal(X, copies[0]) and X.dtype == np.float32 and np.array_equal(y, copies[1])


# --- refusals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda n: lrp_core.explain(n, _x0(), method="lime"), "unknown method"),
        (lambda n: lrp_core.explain(n, _x0(), target=2), "target"),
        (lambda n: lrp_core.explain(n, _x0(), target=True), "target"),
        (lambda n: lrp_core.explain(n, _x0()[:3]), "10 values"),
        (lambda n: lrp_core.explain(n, 3.0), "10 values"),
        (lambda n: lrp_core.explain(n, torch.zeros(2, 2, 10)), "batch"),
        (lambda n: lrp_core.explain(n, torch.zeros(0, 10)), "1 to 100,000 rows"),
        (lambda n: lrp_core.explain(n, torch.zeros(100_001, 10), method="train-free"), "1 to 100,000 rows"),
        (lambda n: lrp_core.explain(n, [float("nan")] * 10), "finite"),
        (lambda n: lrp_core.explain(n, ["a"] * 10), "real numbers"),
        (lambda n: lrp_core.explain(n, [True] * 10), "real numbers"),
        (lambda n: lrp_core.explain(n, torch.zeros(10, dtype=torch.complex64)), "real numbers"),
        (lambda n: lrp_core.explain(n, torch.zeros(10, device="meta")), "cannot be copied to the CPU"),
        (lambda n: lrp_core.explain(n, _x0(), method="train-free", rule="zB"), "train-free rule"),
        (lambda n: lrp_core.explain(n, _x0(), method="train-free", n_steps=3), "no parameters"),
        (lambda n: lrp_core.explain(n, _x0(), method="train-free", gamma=1.0), "no parameters"),
        (lambda n: lrp_core.explain(n, _x0(), method="train-free", rule="γ", gamma=-1.0), "gamma"),
        (lambda n: lrp_core.explain(n, _x0(), method="train-free", finder="mcmc"), "does not use a root finder"),
        (lambda n: lrp_core.explain(n, _x0(), method="gradient-x-input", gamma=1), "no parameters"),
        (lambda n: lrp_core.explain(n, _x0(), method="gradient-x-input", rule="w2"), "used only with"),
        (lambda n: lrp_core.explain(n, _x0(), finder="exact", rule="w2"), "finder='rule'"),
        (lambda n: lrp_core.explain(n, _x0(), finder="nope"), "finder"),
        (lambda n: lrp_core.explain(n, _x0(), finder="exact", bogus=1), "bogus"),
        (lambda n: lrp_core.explain(n, _x0(), finder="mcmc", seed="a"), "seed"),
        (lambda n: lrp_core.explain(n, _x0(), finder="mcmc", seed=-1), "seed"),
        (lambda n: lrp_core.explain(torch.nn.Linear(10, 2), _x0()), "nn.Sequential"),
        (lambda n: lrp_core.explain(torch.nn.Sequential(torch.nn.Linear(10, 2), torch.nn.Tanh()), _x0()),
         "Tanh"),
        (lambda n: lrp_core.explain("/no/such/net.json", _x0()), "cannot read"),
        (lambda n: lrp_core.explain(42, _x0()), "model must be"),
        (lambda n: lrp_core.find_roots(n, _x0(), layer=9), "layer"),
        (lambda n: lrp_core.find_roots(n, _x0(), finder="mcmc", seed=1.5), "seed"),
        (lambda n: lrp_core.find_roots(n, _x0(), finder="exact", bogus=1), "bogus"),
        (lambda n: lrp_core.neuron_importance(n, _batch(), torch.zeros(5, 2)), "y must have shape"),
        (lambda n: lrp_core.neuron_importance(n, _batch(), torch.zeros(6, 2), methods=["nope"]), "nope"),
        (lambda n: lrp_core.neuron_importance(n, _batch(), torch.zeros(6, 2), bogus=1), "bogus"),
        (lambda n: lrp_core.neuron_importance(n, _batch(), torch.zeros(6, 2), seed="x"), "seed"),
        (lambda n: lrp_core.neuron_importance(n, _batch(), torch.zeros(6, 2), layer=4), "hidden layers"),
        (lambda n: lrp_core.neuron_importance(n, _batch(), torch.zeros(6, 2), loss="huber"), "unknown loss"),
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
    seq = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)).double()
    with torch.no_grad():
        seq[2].bias[0] = bad
    with pytest.raises(LRPError, match="layer 1 bias"):
        lrp_core.explain(seq, [0.0, 0.0])


def test_an_integer_sequential_is_refused() -> None:
    seq = torch.nn.Sequential(torch.nn.Linear(2, 1))
    seq[0].weight = torch.nn.Parameter(torch.zeros(1, 2, dtype=torch.int64), requires_grad=False)
    with pytest.raises(LRPError, match="non-floating weights"):
        lrp_core.explain(seq, [0.0, 0.0])
