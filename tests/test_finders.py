"""Root finders: exact LP, MCMC chains, interpolation — hand cases, segment
membership, the Taylor identity, reproducibility and bad parameters."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from lrp_core.decompose import FinderSpec, decompose, layer_problems
from lrp_core.errors import LRPError
from lrp_core.network import Network, from_layers
from lrp_core.presets import default_input, get_preset
from lrp_core.roots import (
    FINDERS,
    RootProblem,
    RootResult,
    explain_layer,
    explain_output,
    is_segment_only,
)
from lrp_core.roots import exact as exact_mod
from lrp_core.roots import interpolation as interpolation_mod
from lrp_core.roots import mcmc as mcmc_mod
from lrp_core.roots.lp import LPResult
from tests.reference_roots import exact_per_neuron

D = torch.float64
SMALL_MCMC = {"n_chains": 8, "n_steps": 150, "n_warmup": 300}


def find(name: str, problem: RootProblem, seed: int = 0, **params: object):
    return FINDERS.get(name).func(problem, generator=torch.Generator().manual_seed(seed), **params)


@pytest.fixture(scope="module")
def dtd() -> RootProblem:
    net = get_preset("dtd-mlp").network()
    return explain_output(net, default_input(net), 0, 0)


def random_network(seed: int, widths: list[int], last: str = "relu") -> Network:
    gen = torch.Generator().manual_seed(seed)
    ws = [torch.randn(o, i, generator=gen, dtype=D) for i, o in itertools.pairwise(widths)]
    bs = [0.3 * torch.randn(o, generator=gen, dtype=D) for o in widths[1:]]
    return from_layers(ws, bs, ["relu"] * (len(ws) - 1) + [last])


# --- registry --------------------------------------------------------------------


def test_registry_names_and_segment_only_flags() -> None:
    assert {"rule", "exact", "mcmc", "interpolation"} <= set(FINDERS.names())
    # metadata: a function of the parameters for exact, a plain bool for the others
    assert callable(FINDERS.get("exact").extra["segment_only"])
    assert FINDERS.get("mcmc").extra["segment_only"] is False
    assert is_segment_only("exact") and is_segment_only("exact", {"tie_break": "none"})
    assert not is_segment_only("exact", {"tie_break": "nearest"})
    assert not is_segment_only("rule") and not is_segment_only("interpolation")
    assert FINDERS.get("mcmc").extra["params"]["n_chains"] == 10


# --- exact -----------------------------------------------------------------------

# one neuron z = x1 − 2 x2 + 0.5, active at a = (2, 0.5)
HINGE = from_layers([[[1.0, -2.0]]], [[0.5]], ["relu"])


def test_exact_hand_case_l1_tie_break() -> None:
    # roots: the line x1 = 2 x2 − 0.5; least |x1| + |x2| on it is (0, 0.25)
    res = find("exact", explain_layer(HINGE, [2.0, 0.5], 0, 0))
    r = res.roots[0]
    assert r.root is not None and r.reason == ""
    torch.testing.assert_close(r.root, torch.tensor([0.0, 0.25], dtype=D), rtol=0, atol=1e-12)
    assert abs(r.relevance) <= 1e-12 and r.in_segment


def test_exact_hand_case_nearest_tie_break() -> None:
    # L1-nearest root to a = (2, 0.5): move x2 alone to 1.25 (cost 0.75 < 1.5 for x1 alone)
    r = find("exact", explain_layer(HINGE, [2.0, 0.5], 0, 0), tie_break="nearest").roots[0]
    assert r.root is not None
    torch.testing.assert_close(r.root, torch.tensor([2.0, 1.25], dtype=D), rtol=0, atol=1e-12)


def test_exact_reports_negative_segment() -> None:
    # R = −relu(x1) − 1 < 0 on the segment x1 > 0: the largest R is −1 at x1 = 0
    net = from_layers([[[1.0, 0.0]], [[-1.0]]], [[0.0], [-1.0]], ["relu", "linear"])
    r = find("exact", explain_output(net, [1.0, 2.0], 0, 0)).roots[0]
    assert r.root is not None and "R < 0" in r.reason
    assert r.relevance == pytest.approx(-1.0, abs=1e-12)
    torch.testing.assert_close(r.root, torch.tensor([0.0, 0.0], dtype=D), rtol=0, atol=1e-12)


def test_exact_dtd_mlp_no_root_in_segment(dtd: RootProblem) -> None:
    r = find("exact", dtd).roots[0]
    assert r.root is not None and r.in_segment
    # the study's finding: the segment holds no point with R = 0
    assert r.relevance > 0 and "no point with R = 0" in r.reason
    assert r.taylor_residual <= 1e-9
    assert bool(dtd.segment.contains_closure(r.root))


def test_exact_root_depends_only_on_the_segment(dtd: RootProblem) -> None:
    a = dtd.point
    b = a + 1e-4 * torch.linspace(-1, 1, a.shape[0], dtype=D)
    other = explain_output(dtd.network, b, 0, 0)
    assert other.pattern_key() == dtd.pattern_key() and not torch.equal(a, b)
    r1 = find("exact", dtd).roots[0].root
    r2 = find("exact", other).roots[0].root
    assert r1 is not None and r2 is not None and torch.equal(r1, r2)
    n1 = find("exact", dtd, tie_break="nearest").roots[0].root
    n2 = find("exact", other, tie_break="nearest").roots[0].root
    assert n1 is not None and n2 is not None and not torch.equal(n1, n2)


def test_exact_beats_every_mcmc_sample_on_dtd_mlp(dtd: RootProblem) -> None:
    exact = find("exact", dtd).roots[0]
    mcmc = find("mcmc", dtd, seed=3, **SMALL_MCMC)
    assert mcmc.samples is not None
    lowest = float(dtd.relevance(mcmc.samples)[:, 0].min())
    assert exact.relevance <= lowest
    assert exact.relevance <= mcmc.roots[0].relevance
    assert exact.in_segment


@pytest.mark.parametrize("seed", range(8))
def test_exact_taylor_identity_random(seed: int) -> None:
    """At exact roots, R(a) = R(ã) + ∇R·(a − ã) to 1e-9 in float64, on random
    networks, from every layer, explaining outputs and hidden neurons."""
    net = random_network(seed, [5, 7, 7, 3], last="linear" if seed % 2 else "relu")
    gen = torch.Generator().manual_seed(50 + seed)
    x = torch.randn(5, generator=gen, dtype=D)
    trace = net.forward(x)
    problems = [explain_output(net, x, 0)]
    problems.append(explain_output(net, trace.post[0], 1))
    problems.append(explain_layer(net, trace.post[0], 1, 1))
    problems.append(explain_layer(net, x, 0, 1))
    for problem in problems:
        res = find("exact", problem)
        assert res.evaluations >= 1
        for r in res.roots:
            if r.root is None:
                assert r.reason
                continue
            assert r.taylor_residual <= 1e-9, (r.taylor_residual, r.reason)
            assert r.in_segment, r.reason
            if problem.nonnegative:
                assert bool((r.root >= -1e-12).all())


def test_exact_respects_a_box() -> None:
    box = (torch.tensor([1.0, 0.0], dtype=D), torch.tensor([3.0, 3.0], dtype=D))
    problem = explain_layer(HINGE, [2.0, 0.5], 0, 0, box=box)
    r = find("exact", problem).roots[0]
    assert r.root is not None and bool((r.root >= box[0] - 1e-12).all() and (r.root <= box[1] + 1e-12).all())
    # with x1 >= 1 the L1-least root on x1 = 2 x2 − 0.5 is (1, 0.75)
    torch.testing.assert_close(r.root, torch.tensor([1.0, 0.75], dtype=D), rtol=0, atol=1e-12)


# --- mcmc -----------------------------------------------------------------------


def test_mcmc_samples_share_the_pattern_and_are_reproducible(dtd: RootProblem) -> None:
    calls: list[float] = []
    res = find("mcmc", dtd, seed=5, progress=calls.append, **SMALL_MCMC)
    assert res.samples is not None
    assert res.samples.shape == (SMALL_MCMC["n_chains"] * SMALL_MCMC["n_steps"], dtd.dim)
    assert bool(dtd.in_segment(res.samples).all())
    moved = (res.samples - dtd.point).norm(dim=1)
    assert float(moved.max()) > 1e-3  # the chains explore, they do not sit at a
    again = find("mcmc", dtd, seed=5, **SMALL_MCMC)
    assert again.samples is not None and torch.equal(res.samples, again.samples)
    other = find("mcmc", dtd, seed=6, **SMALL_MCMC)
    assert other.samples is not None and not torch.equal(res.samples, other.samples)
    assert calls and calls[-1] == 1.0 and calls == sorted(calls)
    r = res.roots[0]
    assert r.root is not None and r.in_segment and r.relevance >= 0
    assert r.relevance == pytest.approx(float(dtd.relevance(res.samples)[:, 0].min()), abs=1e-12)
    assert r.taylor_residual <= 1e-9
    assert 0 < res.extra["acceptance"] < 1


def test_mcmc_low_temperature_gets_lower_than_uniform(dtd: RootProblem) -> None:
    cold = find("mcmc", dtd, seed=1, temperature=0.05, **SMALL_MCMC).roots[0].relevance
    flat = find("mcmc", dtd, seed=1, temperature=float("inf"), **SMALL_MCMC).roots[0].relevance
    assert cold < flat


def test_mcmc_nonnegative_proposals() -> None:
    net = get_preset("dtd-mlp").network()
    h = net.forward(torch.tensor(default_input(net), dtype=D)).post[0]
    problem = explain_output(net, h, 1, 0)
    assert problem.nonnegative
    res = find("mcmc", problem, **SMALL_MCMC)
    assert res.samples is not None and bool((res.samples >= 0).all())
    assert bool(problem.in_segment(res.samples).all())


@pytest.mark.parametrize(
    "params",
    [{"n_chains": 0}, {"n_steps": -1}, {"n_warmup": 1.5}, {"init_scale": 0}, {"temperature": -1},
     {"n_chains": 2000, "n_steps": 200_000}, {"colour": 3}],
)
def test_mcmc_bad_parameters(dtd: RootProblem, params: dict[str, object]) -> None:
    with pytest.raises(LRPError):
        find("mcmc", dtd, **params)


# --- interpolation ---------------------------------------------------------------


def test_interpolation_edge_points_on_the_segment_edge(dtd: RootProblem) -> None:
    res = find("interpolation", dtd, seed=2, n_directions=40)
    edges = res.samples
    assert edges is not None and edges.shape[0] + res.extra["unbounded"] == 40
    assert edges.shape[0] > 0
    assert bool(dtd.in_segment(edges).all())
    assert bool(dtd.segment.contains_closure(edges).all())
    # each edge point is (numerically) on the boundary: some constraint is tight
    slack = (dtd.segment.g - edges @ dtd.segment.G.T).min(dim=1).values  # >= 0 in the closure
    scale = dtd.segment.G.abs().sum(dim=1).max() * (1 + edges.abs().max())
    assert bool((slack.abs() <= 1e-9 * scale).all())
    r = res.roots[0]
    assert r.root is not None and r.relevance >= 0 and r.taylor_residual <= 1e-9
    assert r.relevance >= find("exact", dtd).roots[0].relevance
    again = find("interpolation", dtd, seed=2, n_directions=40)
    assert again.samples is not None and torch.equal(edges, again.samples)


def test_interpolation_hand_case() -> None:
    # segment x1 − 2 x2 + 0.5 > 0; every bounded ray ends on the hinge, where R = 0
    problem = explain_layer(HINGE, [2.0, 0.5], 0, 0)
    res = find("interpolation", problem, n_directions=16)
    assert res.samples is not None and res.samples.shape[0] > 0
    z = res.samples @ torch.tensor([1.0, -2.0], dtype=D) + 0.5
    assert bool((z > 0).all()) and float(z.max()) <= 1e-12
    assert res.roots[0].relevance <= 1e-12


def test_interpolation_bad_parameters(dtd: RootProblem) -> None:
    with pytest.raises(LRPError, match="n_directions"):
        find("interpolation", dtd, n_directions=0)
    with pytest.raises(LRPError, match="unknown parameter"):
        find("interpolation", dtd, n_chains=3)


def test_exact_bad_tie_break(dtd: RootProblem) -> None:
    with pytest.raises(LRPError, match="tie_break"):
        find("exact", dtd, tie_break="random")


# --- rule finder on the study's network -----------------------------------------------


@pytest.mark.parametrize("rule", ["z+", "w²", "x", "γ"])
def test_rule_roots_leave_the_segment_on_dtd_mlp(dtd: RootProblem, rule: str) -> None:
    """The study's point: rule roots zero the affine R but need not lie in a's segment."""
    r = find("rule", dtd, rule=rule).roots[0]
    assert r.root is not None and abs(r.relevance_affine) <= 1e-12
    # the residual measures exactly the gap between the real R and the segment's affine map
    assert r.taylor_residual == pytest.approx(abs(r.relevance - r.relevance_affine), abs=1e-12)


def test_exact_unique_vertex_without_a_root() -> None:
    # R = relu(x1 − 1) + relu(x2 − 1) + 0.5; on a's segment (x1, x2 >= 1) R = x1 + x2 − 1.5,
    # whose minimum over the segment is the single vertex (1, 1) with R = 0.5: no root there
    net = from_layers([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0]]], [[-1.0, -1.0], [0.5]], ["relu", "linear"])
    problem = explain_output(net, [2.0, 3.0], 0, 0)
    res = find("exact", problem)
    r = res.roots[0]
    assert res.evaluations == 2  # the least-|R| LP and the tie-break LP
    assert r.root is not None and "no point with R = 0" in r.reason
    torch.testing.assert_close(r.root, torch.tensor([1.0, 1.0], dtype=D), rtol=0, atol=1e-12)
    assert r.relevance == pytest.approx(0.5, abs=1e-12)


# --- exact: the batched LP against the one-LP-per-neuron reference ----------------------


def full_backward_problems(net: Network, x: torch.Tensor, output: int) -> list[RootProblem]:
    """The RootProblem of every layer of a full-backward decomposition with the
    exact finder, rebuilt from its result as ``decompose`` states it."""
    dec = decompose(net, x, output, mode="full", spec=FinderSpec.of("exact"), use_cache=False)
    return layer_problems(net, dec)


def assert_same_roots(batched: RootResult, reference: RootResult, atol: float = 1e-9) -> None:
    assert [r.neuron for r in batched.roots] == [r.neuron for r in reference.roots]
    for rb, rr in zip(batched.roots, reference.roots, strict=True):
        # the same case (root / no root in the segment / R < 0 / constant / empty), the same message
        assert rb.reason.split(" = ")[0] == rr.reason.split(" = ")[0], (rb.reason, rr.reason)
        assert (rb.root is None) == (rr.root is None), (rb.reason, rr.reason)
        if rr.root is None:
            continue
        assert rb.root is not None
        torch.testing.assert_close(rb.root, rr.root, rtol=0, atol=atol)
        assert rb.relevance == pytest.approx(rr.relevance, abs=atol)
        assert rb.in_segment == rr.in_segment


@pytest.mark.parametrize("tie_break", ["l1", "nearest"])
def test_exact_batched_matches_per_neuron_dtd_full_backward(tie_break: str) -> None:
    net = get_preset("dtd-mlp").network()
    x = torch.tensor(default_input(net), dtype=D)
    problems = full_backward_problems(net, x, 0)
    assert len(problems) == len(net.layers)
    reasons = set()
    solves = []
    for problem in problems:
        batched = find("exact", problem, tie_break=tie_break)
        reference = exact_per_neuron(problem, tie_break=tie_break)
        assert_same_roots(batched, reference)
        reasons |= {r.reason.split(";")[0].split(" = ")[0] for r in batched.roots}
        solves.append(batched.evaluations)
    # a layer's neurons share two LPs (least |R|, then the tie-breaks), whatever their number
    assert solves == [2] * len(problems)
    # the run covers roots, no root with R > 0, R < 0 everywhere and constant rows
    assert "" in reasons and "R < 0 on the whole segment" in reasons
    assert "no point with R" in reasons and any(r.startswith("R is constant") for r in reasons)


def test_exact_on_ancona_max_matches_per_neuron() -> None:
    """On ancona-max every layer of a full-backward run gives the per-neuron
    roots, two LPs a layer."""
    net = get_preset("ancona-max").network()
    x = torch.tensor(default_input(net), dtype=D)
    problems = full_backward_problems(net, x, 0)
    assert len(problems) == len(net.layers)
    for problem in problems:
        res = find("exact", problem)
        assert res.evaluations == 2
        assert sum(r.root is not None for r in res.roots) > 0
        assert_same_roots(res, exact_per_neuron(problem))
    dec = decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact"))
    assert dec.evaluations == 2 * len(net.layers) and dec.root_searches > 0


@pytest.mark.parametrize("seed", range(6))
def test_exact_batched_matches_per_neuron_random(seed: int) -> None:
    net = random_network(100 + seed, [4, 6, 6, 3], last="linear" if seed % 2 else "relu")
    gen = torch.Generator().manual_seed(200 + seed)
    x = torch.randn(4, generator=gen, dtype=D)
    h = net.forward(x).post[0]
    box = (torch.full((6,), 0.0, dtype=D), torch.full((6,), 2.0, dtype=D))
    problems = [pr for o in range(3) for pr in full_backward_problems(net, x, o)]
    problems += [explain_layer(net, x, 0, 1), explain_layer(net, h, 1, 1), explain_output(net, h, 1, box=box),
                 explain_output(net, x, 0, box=(-torch.ones(4, dtype=D), torch.ones(4, dtype=D)))]
    for problem in problems:
        for tie_break in ("l1", "nearest"):
            assert_same_roots(find("exact", problem, tie_break=tie_break),
                              exact_per_neuron(problem, tie_break=tie_break))


def test_exact_batched_none_stays_on_the_same_face() -> None:
    """tie_break="none": the vertex may differ from the per-neuron LP's, but it
    is a minimiser of the same problem (same R, in the closure)."""
    net = get_preset("dtd-mlp").network()
    for problem in full_backward_problems(net, torch.tensor(default_input(net), dtype=D), 0):
        batched = find("exact", problem, tie_break="none")
        reference = exact_per_neuron(problem, tie_break="none")
        assert batched.evaluations == 1
        for rb, rr in zip(batched.roots, reference.roots, strict=True):
            assert (rb.root is None) == (rr.root is None)
            if rr.root is not None:
                assert rb.relevance_affine == pytest.approx(rr.relevance_affine, abs=1e-9)
                assert rb.in_segment


def test_exact_batched_root_depends_only_on_the_segment_many_neurons() -> None:
    net = random_network(7, [4, 8, 8, 2])
    gen = torch.Generator().manual_seed(8)
    x = torch.randn(4, generator=gen, dtype=D)
    y = x + 1e-7 * torch.randn(4, generator=gen, dtype=D)
    p1, p2 = explain_layer(net, x, 0, 1), explain_layer(net, y, 0, 1)
    assert p1.pattern_key() == p2.pattern_key() and not torch.equal(x, y)
    r1, r2 = find("exact", p1), find("exact", p2)
    assert sum(r.root is not None for r in r1.roots) >= 2
    for a, b in zip(r1.roots, r2.roots, strict=True):
        assert (a.root is None and b.root is None) or (a.root is not None and b.root is not None
                                                        and torch.equal(a.root, b.root))


def test_exact_batch_failure_falls_back_to_one_lp_per_neuron(monkeypatch: pytest.MonkeyPatch) -> None:
    """If a batched LP (several neurons' blocks) fails, every neuron is solved
    on its own, with the reference roots."""
    net = get_preset("dtd-mlp").network()
    problems = full_backward_problems(net, torch.tensor(default_input(net), dtype=D), 0)
    real_least, real_l1 = exact_mod._least_abs_r, exact_mod._l1_least

    def least(G: np.ndarray, g: np.ndarray, W: np.ndarray, *args: object) -> LPResult:
        if W.shape[0] > 1:
            return LPResult(4, None, None, "made to fail")
        return real_least(G, g, W, *args)  # type: ignore[arg-type]

    def l1(G: np.ndarray, g: np.ndarray, jobs: list, *args: object) -> object:
        return None if len(jobs) > 1 else real_l1(G, g, jobs, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(exact_mod, "_least_abs_r", least)
    monkeypatch.setattr(exact_mod, "_l1_least", l1)
    problem = problems[1]
    n = int((problem.affine.weight != 0).any(dim=1).sum())  # neurons with a search (the others are constant)
    assert n > 1
    for tie_break in ("l1", "nearest"):
        res = find("exact", problem, tie_break=tie_break)
        jobs = sum(r.root is not None for r in res.roots)  # tie-breaks: the searched and the zero rows
        assert res.evaluations == (1 + n) + (1 + jobs)  # each failed batch, then one LP a neuron
        assert_same_roots(res, exact_per_neuron(problem, tie_break=tie_break))


def test_exact_batched_empty_closure_falls_back_per_neuron() -> None:
    # the box keeps x1 − 2 x2 + 0.5 <= −5.5: the segment (z > 0) has no point in it
    box = (torch.tensor([-3.0, 2.0], dtype=D), torch.tensor([-2.0, 3.0], dtype=D))
    problem = explain_layer(HINGE, [2.0, 0.5], 0, 0, box=box)
    res = find("exact", problem)
    assert res.roots[0].root is None and "closure is empty" in res.roots[0].reason
    assert_same_roots(res, exact_per_neuron(problem))


def test_exact_batched_zero_gradient_rows() -> None:
    # unit 1 is off at a (R = relu(z1) = 0 on the segment: every point is a root; the
    # L1-least one is chosen), unit 0 is on; with an offset a zero-gradient row has no root
    net = from_layers([[[1.0, 0.0], [0.0, 1.0]]], [[0.0, -5.0]], ["relu"])
    problem = explain_layer(net, [1.0, 2.0], 0, 0)
    res = find("exact", problem)
    zero = res.roots[1]
    assert zero.root is not None and "R is 0 on the whole segment" in zero.reason
    # the L1-least point of the segment x1 >= 0, x2 <= 5 is the origin
    torch.testing.assert_close(zero.root, torch.zeros(2, dtype=D), rtol=0, atol=1e-12)
    assert_same_roots(res, exact_per_neuron(problem))
    shifted = RootProblem(net, 0, problem.point, 1, problem.head, torch.tensor([0.0, 0.5], dtype=D), (0, 1), 1)
    r = find("exact", shifted).roots[1]
    assert r.root is None and r.reason.startswith("R is constant (0.5)")
    assert math.isnan(r.relevance)
    assert_same_roots(find("exact", shifted), exact_per_neuron(shifted))


def test_select_shares_the_segment_and_gives_identical_roots() -> None:
    net = random_network(11, [4, 8, 8, 2])
    x = torch.randn(4, generator=torch.Generator().manual_seed(12), dtype=D)
    full = explain_layer(net, x, 0, 1)
    rows = [6, 1, 3]
    sub = full.select(rows)
    fresh = RootProblem(net, 0, full.point, full.stop, full.head[rows], full.offset[rows],
                        tuple(full.neurons[r] for r in rows), full.segment_stop)
    assert sub.neurons == (6, 1, 3) and sub.segment is full.segment
    assert torch.equal(sub.affine.weight, fresh.affine.weight) and torch.equal(sub.affine.bias, fresh.affine.bias)
    assert torch.equal(sub.segment.G, fresh.segment.G) and torch.equal(sub.segment.g, fresh.segment.g)
    for a, b in zip(find("exact", sub).roots, find("exact", fresh).roots, strict=True):
        assert a.reason == b.reason
        assert (a.root is None and b.root is None) or (a.root is not None and b.root is not None
                                                        and torch.equal(a.root, b.root))


# --- exact: scale invariance (huge and tiny weights) ---------------------------------------


def scaled_network(net: Network, s: float) -> Network:
    """Layer k's weights × s and biases × s^(k+1): hidden layer k is s^(k+1) times the original
    (positive homogeneity), so every segment is the same set, scaled by s^k in layer k's input."""
    ws = [layer.weight * s for layer in net.layers]
    bs = [layer.bias * s ** (k + 1) for k, layer in enumerate(net.layers)]
    return from_layers(ws, bs, [layer.activation for layer in net.layers])


def scale_problems(net: Network, x: torch.Tensor) -> list[tuple[RootProblem, float]]:
    """(problem, the scale of its input space relative to the unscaled network)."""
    h = net.forward(x).post[0]
    return [(explain_output(net, x, 0), 1.0), (explain_layer(net, x, 0, 1), 1.0),
            (explain_output(net, h, 1), 0.0), (explain_layer(net, h, 1, 1), 0.0)]


def in_closure_relative(problem: RootProblem, root: torch.Tensor, rtol: float = 1e-9) -> bool:
    """``G x <= g`` up to ``rtol`` of each row's own magnitude (scale-free, unlike a fixed tolerance)."""
    seg = problem.segment
    slack = seg.g - seg.G @ root
    size = seg.G.abs() @ root.abs() + seg.g.abs()
    ok = bool((slack >= -rtol * size).all())
    if problem.nonnegative:
        ok &= bool((root >= -rtol * root.abs().max()).all())
    return ok


@pytest.mark.parametrize("s", [1e10, 1e-10, 1e-30])
@pytest.mark.parametrize("per_neuron", [False, True])
def test_exact_is_scale_invariant(s: float, per_neuron: bool) -> None:
    """Weights 1e10 put relevance rows near 1e20 (HiGHS refuses matrix entries over 1e15) and
    weights 1e-10 put them below HiGHS's absolute tolerances; the normalised LP finds the same roots,
    scaled, and they lie in the closure."""
    base = random_network(7, [3, 5, 4, 2], last="linear")
    x = torch.tensor([0.4, -0.3, 0.8], dtype=D)
    big = scaled_network(base, s)
    solve = exact_per_neuron if per_neuron else FINDERS.get("exact").func
    found = 0
    for (p1, _), (ps, k) in zip(scale_problems(base, x), scale_problems(big, x), strict=True):
        r1, rs = solve(p1), solve(ps)
        assert ps.segment.pattern_string == p1.segment.pattern_string
        for a, b in zip(r1.roots, rs.roots, strict=True):
            assert a.reason.split(" = ")[0] == b.reason.split(" = ")[0], (a.reason, b.reason)
            assert "empty" not in b.reason and "failed" not in b.reason
            assert (a.root is None) == (b.root is None)
            if b.root is None:
                continue
            factor = 1.0 if k == 1.0 else s  # layer-1 inputs are s times larger
            torch.testing.assert_close(b.root, a.root * factor, rtol=1e-8, atol=1e-9 * factor)
            assert in_closure_relative(ps, b.root)
            if b.reason == "":
                found += 1
                w = ps.affine.weight[rs.roots.index(b)]
                assert abs(b.relevance_affine) <= 1e-9 * float(w.abs() @ b.root.abs() + ps.affine.bias.abs().max())
    assert found > 0  # some neurons have a root in the closure


@pytest.mark.parametrize("s", [1e10, 1e-10, 1e30])
def test_exact_bias_free_2_2_1_finds_roots_at_any_scale(s: float) -> None:
    """f(x) = s·relu(s·x1) + s·relu(s·x2) at (1, 2): the roots lie on the segment's edge x = 0."""
    net = from_layers([[[s, 0.0], [0.0, s]], [[s, s]]], [[0.0, 0.0], [0.0]], ["relu", "linear"])
    for problem in (explain_output(net, [1.0, 2.0], 0), explain_layer(net, [1.0, 2.0], 0, 0)):
        for res in (find("exact", problem), exact_per_neuron(problem)):
            for r in res.roots:
                assert r.root is not None and r.reason == "", r.reason
                assert r.in_segment and in_closure_relative(problem, r.root)
                assert torch.equal(r.root.abs(), torch.zeros(2, dtype=D))


# --- caps on the total work of one call (issue 6 §3) -----------------------------------------


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n_chains": 2000, "n_steps": 1, "n_warmup": 1_000_000}, r"n_steps \+ n_warmup must be at most 300,000"),
        ({"n_chains": 2000, "n_steps": 100, "n_warmup": 100_000},
         r"n_chains × \(n_steps \+ n_warmup\) × explained neurons must be at most 150,000,000"),
    ],
)
def test_mcmc_total_work_is_capped(params: dict[str, int], match: str) -> None:
    net = get_preset("dtd-mlp").network()
    problem = explain_layer(net, default_input(net), 0, 0)  # 10 explained neurons
    calls: list[float] = []
    with pytest.raises(LRPError, match=match):
        find("mcmc", problem, progress=calls.append, **params)
    assert calls == []  # refused before any step


def test_mcmc_cap_counts_inputs_and_constraints() -> None:
    # 64 inputs, 64 units × 8 layers: each chain step is ~64 × (448 + 64) multiply-adds
    g = torch.Generator().manual_seed(5)
    net = from_layers([torch.randn(64, 64, generator=g, dtype=D) for _ in range(8)],
                      [torch.zeros(64, dtype=D)] * 8, ["relu"] * 7 + ["linear"])
    problem = explain_output(net, torch.rand(64, generator=g, dtype=D), 0, 0)
    with pytest.raises(LRPError, match=r"with 64 inputs, \d+ segment constraints and 1 explained neurons, "
                                       r"n_chains × \(n_steps \+ n_warmup\) must be at most"):
        find("mcmc", problem, n_chains=1000, n_steps=100, n_warmup=30_000)


def test_mcmc_caps_allow_the_study_setting() -> None:
    """Sixt & Landgraf's heaviest chains (50 × (2,000 + 20,000)) on every dtd-mlp layer problem."""
    net = get_preset("dtd-mlp").network()
    x = torch.tensor(default_input(net), dtype=D)
    for problem in full_backward_problems(net, x, 0):
        mcmc_mod.check_mcmc_work(50, 2000, 20_000, len(problem.neurons), problem.dim,
                                 int(problem.segment.G.shape[0]))  # no LRPError
    assert 50 * 22_000 * 10 <= mcmc_mod.MAX_MCMC_WORK


def test_interpolation_total_work_is_capped(dtd: RootProblem) -> None:
    with pytest.raises(LRPError, match=r"n_directions × \(1 \+ max_doublings \+ n_bisect\) × segment constraints "
                                       r"must be at most 500,000,000"):
        find("interpolation", dtd, n_directions=100_000, n_bisect=200, max_doublings=200)
    # the largest n_directions with the default steps stays allowed on dtd-mlp
    work = 100_000 * (1 + 40 + 60) * int(dtd.segment.G.shape[0])
    assert work <= interpolation_mod.MAX_INTERPOLATION_WORK


@pytest.mark.parametrize("command", ["roots", "decompose"])
def test_cli_refuses_huge_mcmc_runs_with_exit_2(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    from lrp_core.cli import main

    args = [command, "--preset", "dtd-mlp", "--finder", "mcmc", "--n-chains", "2000", "--n-warmup", "1000000"]
    if command == "decompose":
        args += ["--mode", "full"]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "n_steps + n_warmup must be at most 300,000" in lines[0]


def test_make_roots_batch_equals_one_by_one_and_the_torch_pass() -> None:
    """Batched diagnostics (one NumPy pass) give the same numbers as one root
    at a time, and R(ã) agrees with the torch forward pass."""
    from lrp_core.roots import make_root, make_roots

    net = get_preset("dtd-mlp").network()
    problem = explain_layer(net, default_input(net), 1, 2)
    gen = torch.Generator().manual_seed(3)
    a = problem.point
    items = [(j, a + 0.05 * torch.randn(a.shape, generator=gen, dtype=torch.float64), f"r{j}")
             for j in range(len(problem.neurons))]
    items[2] = (2, None, "none here")
    batch = make_roots(problem, items)
    for (j, root, reason), got in zip(items, batch, strict=True):
        one = make_root(problem, j, root, reason)
        assert got.neuron == one.neuron == problem.neurons[j]
        assert got.reason == one.reason
        if root is None:
            assert got.root is None and math.isnan(got.relevance)
            continue
        # (a batch goes through matrix-matrix products, one root through matrix-vector ones: ulps apart)
        assert got.relevance == pytest.approx(one.relevance, rel=1e-12, abs=1e-12)
        assert got.taylor_residual == pytest.approx(one.taylor_residual, abs=1e-12)
        assert got.in_segment == one.in_segment
        assert got.distance == pytest.approx(one.distance, rel=1e-12)
        out = net.forward(root, start=problem.layer, stop=problem.stop).output  # torch's own pass
        assert got.relevance == pytest.approx(float(problem.head[j] @ out + problem.offset[j]), abs=1e-12)
        assert got.in_segment == bool(problem.segment.contains_closure(root))
