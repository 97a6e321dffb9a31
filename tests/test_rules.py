"""DTD root rules: hand-computed roots, the hinge property on random networks,
degenerate cases and aliases."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.network import Network, from_layers
from lrp_core.roots import FINDERS, RULES, explain_layer, explain_output, resolve_rule, search_direction
from lrp_core.roots.rules import apply_rule

D = torch.float64
SINGLE_RULES = ["z+", "w²", "γ", "zB", "x"]


def one_neuron(w: list[float], b: float) -> Network:
    return from_layers([[w]], [[b]], ["relu"])


def rule_root(net: Network, a: list[float], rule: str, **kw: object) -> torch.Tensor | None:
    problem = explain_layer(net, a, 0, 0)
    return FINDERS.get("rule").func(problem, rule=rule, **kw).roots[0].root


# z = x1 − 2 x2 + 0.5 at a = (2, 0.5): z(a) = 1.5
NET = one_neuron([1.0, -2.0], 0.5)
A = [2.0, 0.5]


@pytest.mark.parametrize(
    ("rule", "kw", "expected"),
    [
        # v = w = (1, −2), w·v = 5, t = 0.3
        ("w²", {}, [1.7, 1.1]),
        # v = a ⊙ 1[w>0] = (2, 0), w·v = 2, t = 0.75
        ("z+", {}, [0.5, 0.5]),
        # v = a ⊙ (1 + 0.5·1[w>0]) = (3, 0.5), w·v = 2, t = 0.75
        ("γ", {"gamma": 0.5}, [-0.25, 0.125]),
        # v = a = (2, 0.5), w·v = 1, t = 1.5
        ("x", {}, [-1.0, -0.25]),
        # box [0, 3]²: v = (a1 − 0, a2 − 3) = (2, −2.5), w·v = 7, t = 1.5/7
        ("zB", {"low": 0.0, "high": 3.0}, [2 - 3 / 7, 0.5 + 3.75 / 7]),
        # one neuron: the pseudo-inverse step is the w² step
        ("pinv", {}, [1.7, 1.1]),
    ],
)
def test_hand_computed_root(rule: str, kw: dict[str, float], expected: list[float]) -> None:
    root = rule_root(NET, A, rule, **kw)
    assert root is not None
    torch.testing.assert_close(root, torch.tensor(expected, dtype=D), rtol=0, atol=1e-15)
    z = NET.forward(root).pre[0][0]
    assert abs(float(z)) < 1e-14


def test_zero_rule_needs_no_bias() -> None:
    problem = explain_layer(NET, A, 0, 0)
    res = FINDERS.get("rule").func(problem, rule="0").roots[0]
    assert res.root is None and "not a root" in res.reason
    assert math.isnan(res.relevance)
    root = rule_root(one_neuron([1.0, -2.0], 0.0), A, "0")
    assert root is not None and torch.equal(root, torch.zeros(2, dtype=D))


def test_pinv_layer_rule_zeroes_every_neuron_at_once() -> None:
    # z1 = x1 − 2x2 + 0.5, z2 = x1 + x2 − 1; both active at (2, 0.5); unique common zero (0.5, 0.5)
    net = from_layers([[[1.0, -2.0], [1.0, 1.0]]], [[0.5, -1.0]], ["relu"])
    roots = FINDERS.get("rule").func(explain_layer(net, A, 0, 0), rule="pinv").roots
    for r in roots:
        assert r.root is not None
        torch.testing.assert_close(r.root, torch.tensor([0.5, 0.5], dtype=D), rtol=0, atol=1e-14)


def test_pinv_inconsistent_system_is_no_root() -> None:
    # two parallel hinges z1 = x1 − 1 and z2 = x1 − 3 cannot vanish together
    net = from_layers([[[1.0, 0.0], [1.0, 0.0]]], [[-1.0, -3.0]], ["relu"])
    roots = FINDERS.get("rule").func(explain_layer(net, [5.0, 1.0], 0, 0), rule="pinv").roots
    assert all(r.root is None and "cannot all be zero" in r.reason for r in roots)


def test_parallel_direction_is_no_root_with_reason() -> None:
    # z = −x1 − x2 + 5 at (1, 1): no positive weight, so v = a ⊙ 1[w>0] = 0
    net = one_neuron([-1.0, -1.0], 5.0)
    r = FINDERS.get("rule").func(explain_layer(net, [1.0, 1.0], 0, 0), rule="z+").roots[0]
    assert r.root is None and "w·v = 0" in r.reason


@pytest.mark.parametrize("rule", [*SINGLE_RULES, "pinv"])
def test_inactive_neuron_is_no_root(rule: str) -> None:
    net = one_neuron([1.0, 1.0], -5.0)  # z(1, 1) = −3: inactive, gradient 0
    r = FINDERS.get("rule").func(explain_layer(net, [1.0, 1.0], 0, 0), rule=rule, low=-1, high=2).roots[0]
    assert r.root is None and r.reason
    assert r.gradient.abs().sum() == 0


def random_network(seed: int, widths: list[int]) -> Network:
    gen = torch.Generator().manual_seed(seed)
    ws = [torch.randn(o, i, generator=gen, dtype=D) for i, o in itertools.pairwise(widths)]
    bs = [0.3 * torch.randn(o, generator=gen, dtype=D) for o in widths[1:]]
    return from_layers(ws, bs, ["relu"] * len(ws))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rule", [*SINGLE_RULES, "0", "pinv"])
def test_roots_zero_the_preactivation_on_random_networks(seed: int, rule: str) -> None:
    """Single layer: the root zeroes neuron j's pre-activation exactly (or there is a reason)."""
    net = random_network(seed, [5, 6])
    gen = torch.Generator().manual_seed(100 + seed)
    a = torch.rand(5, generator=gen, dtype=D) * 2  # non-negative: z+ and γ are meant for it
    res = FINDERS.get("rule").func(explain_layer(net, a, 0, 0), rule=rule, gamma=0.7, low=0.0, high=3.0)
    n_roots = 0
    for r in res.roots:
        if r.root is None:
            assert r.reason, "a missing root must say why"
            continue
        n_roots += 1
        assert bool(torch.isfinite(r.root).all())
        z = net.forward(r.root).pre[0][r.neuron]
        w = net.layers[0].weight[r.neuron]
        scale = float(w.abs() @ r.root.abs()) + 1.0
        assert abs(float(z)) <= 1e-12 * scale
    if rule in ("z+", "w²", "x", "zB", "γ"):
        active = int((net.forward(a).pre[0] > 0).sum())
        assert n_roots >= min(active, 1)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("rule", [*SINGLE_RULES, "pinv"])
def test_roots_zero_the_affine_relevance_deeper(seed: int, rule: str) -> None:
    """Several layers up: the root zeroes R's affine map on a's segment."""
    net = random_network(seed, [4, 8, 8, 3])
    gen = torch.Generator().manual_seed(7 + seed)
    a = torch.randn(4, generator=gen, dtype=D)
    problem = explain_output(net, a, 0)
    res = FINDERS.get("rule").func(problem, rule=rule, low=-4.0, high=4.0)
    for r in res.roots:
        if r.root is None:
            assert r.reason
            continue
        w = problem.affine.weight[problem.neurons.index(r.neuron)]
        assert abs(r.relevance_affine) <= 1e-12 * (float(w.abs() @ r.root.abs()) + 1.0)


def test_aliases_and_unknown_rule() -> None:
    assert resolve_rule("w2") == "w²"
    assert resolve_rule("gamma") == "γ"
    assert resolve_rule("zb") == "zB"
    r1 = rule_root(NET, A, "w2")
    r2 = rule_root(NET, A, "w²")
    assert r1 is not None and r2 is not None and torch.equal(r1, r2)
    with pytest.raises(LRPError, match="choose one of"):
        resolve_rule("nope")
    assert set(RULES.names()) == {"0", "z+", "w²", "γ", "zB", "x", "pinv"}
    assert RULES.get("pinv").extra["layer_rule"] is True


def test_zb_needs_a_valid_box_and_gamma_must_be_sane() -> None:
    with pytest.raises(LRPError, match="box"):
        rule_root(NET, A, "zB")
    with pytest.raises(LRPError, match="low <= high"):
        rule_root(NET, A, "zB", low=1.0, high=0.0)
    with pytest.raises(LRPError, match="gamma"):
        rule_root(NET, A, "γ", gamma=-1.0)


def test_search_direction_for_plots() -> None:
    a = torch.tensor(A, dtype=D)
    w = torch.tensor([[1.0, -2.0]], dtype=D)
    v = search_direction("z+", a, w)
    assert v is not None and torch.equal(v, torch.tensor([[2.0, 0.0]], dtype=D))
    assert search_direction("0", a, w) is None
    assert search_direction("pinv", a, w) is None


def test_apply_rule_never_returns_nan() -> None:
    a = torch.tensor([0.0, 0.0], dtype=D)  # a = 0: v = a is zero for x, z+, γ
    w = torch.tensor([[1.0, 1.0]], dtype=D)
    for rule in ["x", "z+", "γ"]:
        ((root, reason),) = apply_rule(rule, a, w, torch.tensor([1.0], dtype=D))
        assert root is None and reason


def test_rules_declare_their_metadata() -> None:
    """Every rule says whether it is a layer rule, its search direction (or None) and whether it reads the box."""
    for entry in RULES:
        assert isinstance(entry.extra["layer_rule"], bool)
        assert entry.extra["direction"] is None or callable(entry.extra["direction"])
        assert isinstance(entry.extra["needs_box"], bool)
    assert [e.name for e in RULES if e.extra["needs_box"]] == ["zB"]


@pytest.mark.parametrize("rule", sorted(RULES.names()))
def test_the_rule_finder_passes_the_box_by_metadata(rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The box goes to a rule because its entry declares ``needs_box``, never because of its name:
    a rule whose declaration is flipped gets (or loses) the box."""
    problem = explain_layer(NET, A, 0, 0)
    for needs in (True, False):
        monkeypatch.setitem(RULES.get(rule).extra, "needs_box", needs)
        if not needs and rule == "zB":
            continue  # the zB rule itself refuses to run without a box
        res = FINDERS.get("rule").func(problem, rule=rule, low=-3.0, high=3.0)
        assert ("low" in res.params) == needs, (rule, needs, res.params)
