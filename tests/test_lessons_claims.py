"""Every number a shipped lesson tells the class to look at, computed from the step's own state
(its network, data settings, input point and finder parameters)."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from lrp_core.decompose import FinderSpec, decompose
from lrp_core.importance import attribute, make_game
from lrp_core.lessons import Step, get_lesson
from lrp_core.pruning import prune_by
from lrp_core.regions import linear_regions
from lrp_core.roots import FINDERS, explain_output
from lrp_core.toydata import preset_data

PRUNE = get_lesson("01-which-unit-to-prune")
ROOT = get_lesson("02-where-is-the-root")


def step(lesson_steps: tuple[Step, ...], sid: str) -> Step:
    return next(s for s in lesson_steps if s.id == sid)


def data(s: Step) -> tuple[torch.Tensor, torch.Tensor]:
    d = s.data
    assert s.preset is not None and d["source"] == "preset"
    return preset_data(s.preset, d["n"], d["seed"], sigma=d["sigma"])


def scores(s: Step) -> dict[str, Any]:
    X, y = data(s)
    names = list(s.view.methods)
    results = attribute(s.network(), X, y, names, layer=s.view.layer, options=s.view.methods)
    return {r.method: r for r in results}


def test_the_max_network_fits_its_data_and_h4_is_cut_off() -> None:
    s = step(PRUNE.steps, "network")
    net = s.network()
    X, y = data(s)
    assert float(((net(X) - y) ** 2).mean()) < 1e-30
    assert net.layers[1].weight[0].tolist() == [2.0, 0.5, 0.5, 0.0]
    assert torch.equal(net.layers[0].weight[2], net.layers[0].weight[3])  # h4 computes what h3 does


def test_what_each_method_prunes_first() -> None:
    r = scores(step(PRUNE.steps, "scores"))
    assert r["shapley-exact"].prune_first() == 3 and r["leave-one-out"].prune_first() == 3
    assert r["apoz"].prune_first() == 1 and r["weight-norm"].prune_first() == 0
    assert r["apoz"].extra["active_count"][1] == 48
    assert r["weight-norm"].scores[0] == 0.5


def test_apoz_and_weight_norm_rank_h4_at_the_top() -> None:
    r = scores(step(PRUNE.steps, "busy-but-useless"))
    apoz, wn = r["apoz"], r["weight-norm"]
    assert apoz.scores[3] == 1.0 and apoz.scores[2] == 1.0 and float(apoz.scores.max()) == 1.0
    assert wn.scores.tolist()[1:] == [2.0, 2.0, 2.0] and int(wn.ranks()[3]) <= 3
    assert int(apoz.ranks()[3]) <= 2


def test_perfect_fit_gives_zero_gradient_and_taylor() -> None:
    r = scores(step(PRUNE.steps, "perfect-fit"))
    assert float(r["gradient"].scores.abs().max()) < 1e-12
    assert float(r["taylor"].scores.abs().max()) < 1e-12


def test_label_noise_makes_gradient_and_taylor_speak() -> None:
    s = step(PRUNE.steps, "label-noise")
    assert s.data["sigma"] == 0.5
    X, y = data(s)
    assert float(((s.network()(X) - y) ** 2).mean()) == pytest.approx(0.284, abs=5e-4)
    r = scores(s)
    g = r["gradient"].scores.tolist()
    assert g[0] == pytest.approx(1.70, abs=5e-3) and g[1] == pytest.approx(0.43, abs=5e-3)
    assert g[2] == pytest.approx(0.43, abs=5e-3) and g[3] == 0.0
    assert min(abs(v) for v in r["taylor"].scores.tolist()[:3]) > 1e-2 and r["taylor"].scores[3] == 0.0


def test_shapley_null_player_and_efficiency() -> None:
    s = step(PRUNE.steps, "shapley")
    X, y = data(s)
    phi = scores(s)["shapley-exact"]
    assert float(phi.scores[3]) == 0.0
    losses = make_game(s.network(), X, y).losses(torch.tensor([[False] * 4, [True] * 4]))
    v_n = float(losses[1] - losses[0])
    assert float(phi.scores.sum()) == pytest.approx(v_n, abs=1e-10)
    assert v_n == pytest.approx(49.77, abs=5e-3)


def test_pruning_costs_as_the_step_says() -> None:
    s = step(PRUNE.steps, "prune")
    X, y = data(s)
    net = s.network()
    cost = {m: prune_by(net, X, y, m, 1) for m in s.view.methods}
    assert cost["shapley-exact"].removed == (3,) and cost["shapley-exact"].loss_after < 1e-30
    assert cost["apoz"].removed == (1,) and cost["apoz"].loss_after == pytest.approx(1.88, abs=5e-3)
    assert cost["weight-norm"].removed == (0,) and cost["weight-norm"].loss_after == pytest.approx(2.51, abs=5e-3)


def roots_of(s: Step, finder: str):  # type: ignore[no-untyped-def]
    problem = explain_output(s.network(), list(s.view.x))
    return FINDERS.get(finder).func(problem, **s.view.finders[finder]).roots[0]


def test_regions_and_the_point() -> None:
    s = step(ROOT.steps, "regions")
    lo, hi = s.view.box
    assert len(linear_regions(s.network(), (lo, hi, lo, hi)).regions) == 110
    fx = float(s.network()(torch.tensor(s.view.x, dtype=torch.float64))[0])
    assert fx == pytest.approx(0.068, abs=5e-4)


def test_zplus_root_is_outside_the_segment() -> None:
    s = step(ROOT.steps, "zplus-outside")
    assert s.view.finders["rule"]["rule"] == "z+"
    r = roots_of(s, "rule")
    assert not r.in_segment
    assert r.root.tolist() == pytest.approx([-1.27, -1.27], abs=5e-3)
    assert r.relevance == pytest.approx(-0.0086, abs=5e-5)
    assert r.taylor_residual == pytest.approx(0.0086, abs=5e-5)


def test_exact_root_is_inside_and_the_expansion_exact() -> None:
    s = step(ROOT.steps, "exact-root")
    r = roots_of(s, "exact")
    assert r.in_segment and abs(r.relevance) < 1e-12 and r.taylor_residual < 1e-12
    assert r.root.tolist() == pytest.approx([-1.485, -0.821], abs=5e-4)


def test_certificate_point_has_no_root() -> None:
    s = step(ROOT.steps, "certificate")
    fx = float(s.network()(torch.tensor(s.view.x, dtype=torch.float64))[0])
    assert fx == pytest.approx(0.145, abs=5e-4)
    r = roots_of(s, "exact")
    assert "no point with R = 0" in r.reason
    assert r.relevance == pytest.approx(0.124, abs=5e-4) and r.relevance > 0
    assert r.root.tolist() == pytest.approx([-1.339, 0.414], abs=5e-4)
    # a dense sample of the segment never goes below the certified minimum
    net = s.network()
    pattern = net.pattern_string(torch.tensor(s.view.x, dtype=torch.float64))
    gen = torch.Generator().manual_seed(0)
    pts = torch.tensor(s.view.x, dtype=torch.float64) + 0.6 * (2 * torch.rand(4000, 2, generator=gen,
                                                                              dtype=torch.float64) - 1)
    same = [i for i in range(pts.shape[0]) if net.pattern_string(pts[i]) == pattern]
    assert len(same) > 50
    assert float(net(pts[same]).min()) >= r.relevance - 1e-9


def decomposition(s: Step, finder: str):  # type: ignore[no-untyped-def]
    spec = FinderSpec.of(finder, **s.view.finders[finder])
    return decompose(s.network(), get_preset_input(s), s.view.output, mode=s.view.mode, spec=spec)


def get_preset_input(s: Step) -> tuple[float, ...]:
    from lrp_core.presets import get_preset

    assert s.preset is not None
    return get_preset(s.preset).default_input


def test_full_backward_unresolved_relevance() -> None:
    s = step(ROOT.steps, "full-backward")
    d = decomposition(s, "exact")
    unresolved = {lr.layer: lr.unresolved for lr in d.layers}
    total = sum(unresolved.values())
    assert d.f_x == pytest.approx(0.731, abs=5e-4)
    assert float(d.input_relevance.sum()) == pytest.approx(0.331, abs=5e-4)
    assert total == pytest.approx(0.400, abs=5e-4)
    assert unresolved[2] == pytest.approx(0.159, abs=5e-4) and unresolved[1] == pytest.approx(0.213, abs=5e-4)
    assert float(d.input_relevance.sum()) + total == pytest.approx(d.f_x, abs=1e-12)


def test_train_free_exact_and_zplus() -> None:
    s = step(ROOT.steps, "train-free")
    exact = decomposition(s, "exact")
    assert float(exact.input_relevance.sum()) == pytest.approx(0.444, abs=5e-4)
    assert sum(lr.unresolved for lr in exact.layers) == pytest.approx(0.287, abs=5e-4)
    zplus = decomposition(s, "rule")
    assert float(zplus.input_relevance.sum()) == pytest.approx(zplus.f_x, abs=1e-12)
    assert abs(sum(lr.unresolved for lr in zplus.layers)) < 1e-12
