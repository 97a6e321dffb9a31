"""Root finders: exact LP, MCMC chains, interpolation — hand cases, segment
membership, the Taylor identity, reproducibility and bad parameters."""

from __future__ import annotations

import itertools

import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.network import Network, from_layers
from lrp_core.presets import default_input, get_preset
from lrp_core.roots import FINDERS, RootProblem, explain_layer, explain_output, is_segment_only

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
    assert FINDERS.get("exact").extra["segment_only"] is True
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
    slack = dtd.segment.slack(edges).min(dim=1).values
    scale = dtd.segment.G.abs().sum(dim=1).max() * (1 + edges.abs().max())
    assert bool((slack <= 1e-9 * scale).all())
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


def test_exact_unique_vertex_needs_one_lp() -> None:
    # R = relu(x1 − 1) + relu(x2 − 1) + 0.5; on a's segment (x1, x2 >= 1) R = x1 + x2 − 1.5,
    # whose minimum over the segment is the single vertex (1, 1) with R = 0.5: no root there
    net = from_layers([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0]]], [[-1.0, -1.0], [0.5]], ["relu", "linear"])
    res = find("exact", explain_output(net, [2.0, 3.0], 0, 0))
    r = res.roots[0]
    assert res.evaluations == 1  # the dual values prove the optimum unique: no tie-break LP
    assert r.root is not None and "no point with R = 0" in r.reason
    torch.testing.assert_close(r.root, torch.tensor([1.0, 1.0], dtype=D), rtol=0, atol=1e-12)
    assert r.relevance == pytest.approx(0.5, abs=1e-12)
