"""Structured pruning (lrp_core.pruning) and label noise on ancona-max.

Ancona et al. 2020, Fig. 1: ancona-max computes max(x1, x2) exactly on its
data, and unit 4 (index 3) has output weight 0, so its Shapley value is 0 and
removing it changes nothing, while APoZ ranks a useful unit last.
"""

from __future__ import annotations

import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.importance import attribute, make_game
from lrp_core.presets import get_preset
from lrp_core.pruning import prune, prune_by, remove_units
from lrp_core.toydata import preset_data

ANCONA = get_preset("ancona-max").network()


@pytest.fixture(scope="module")
def clean() -> tuple[torch.Tensor, torch.Tensor]:
    return preset_data("ancona-max", 100, 0)


@pytest.fixture(scope="module")
def noisy() -> tuple[torch.Tensor, torch.Tensor]:
    return preset_data("ancona-max", 100, 0, sigma=0.5)


def test_label_noise_zero_gives_zero_gradient_and_taylor(clean: tuple) -> None:
    X, y = clean
    for r in attribute(ANCONA, X, y, ["gradient", "taylor", "taylor-abs"]):
        assert float(r.scores.abs().max()) <= 1e-12, r.method


def test_label_noise_half_gives_nonzero_gradient_and_taylor(noisy: tuple) -> None:
    X, y = noisy
    grad, tay = attribute(ANCONA, X, y, ["gradient", "taylor"])
    # units 1..3 (indices 0..2) carry the output; unit 4's output weight is 0, so its gradient stays 0
    assert float(grad.scores[:3].abs().min()) > 1e-2
    assert float(tay.scores[:3].abs().min()) > 1e-2
    assert float(grad.scores[3]) == 0.0 and float(tay.scores[3]) == 0.0


@pytest.mark.parametrize("sigma", [0.0, 0.5])
def test_exact_shapley_sums_to_v_of_n(sigma: float) -> None:
    X, y = preset_data("ancona-max", 100, 0, sigma=sigma)
    (r,) = attribute(ANCONA, X, y, "shapley-exact")
    game = make_game(ANCONA, X, y)
    losses = game.losses(torch.tensor([[False] * 4, [True] * 4]))
    v_n = float(losses[1] - losses[0])
    assert float(r.scores.sum()) == pytest.approx(v_n, abs=1e-10)
    assert r.extra["v_full"] == pytest.approx(v_n, abs=1e-12)
    assert float(r.scores[3]) == 0.0


def test_pruning_the_shapley_null_unit_leaves_the_loss_unchanged(clean: tuple, noisy: tuple) -> None:
    for X, y in (clean, noisy):
        res = prune_by(ANCONA, X, y, "shapley-exact", 1)
        assert res.removed == (3,)
        assert res.loss_after == res.loss_before
        assert res.network.widths == [2, 3, 1]


def test_pruning_by_apoz_raises_the_loss(clean: tuple) -> None:
    X, y = clean
    res = prune_by(ANCONA, X, y, "apoz", 1)
    assert res.removed[0] != 3  # APoZ keeps the useless unit 4 (it is always active)
    assert res.loss_after > res.loss_before + 0.1


def test_structural_removal_equals_the_games_zeroed_units(noisy: tuple) -> None:
    X, y = noisy
    (scores,) = attribute(ANCONA, X, y, "weight-norm")
    res = prune(ANCONA, X, y, scores, 2)
    mask = torch.zeros(1, 4, dtype=torch.bool)
    mask[0, list(res.removed)] = True
    zeroed = float(make_game(ANCONA, X, y).losses(mask)[0])
    assert res.loss_after == pytest.approx(zeroed, rel=1e-12)
    assert res.network.layers[0].n_out == 2
    assert ANCONA.layers[0].n_out == 4  # the input network is untouched


def test_remove_units_keeps_the_other_units_weights() -> None:
    out = remove_units(ANCONA, 0, [0, 2])
    assert torch.equal(out.layers[0].weight, ANCONA.layers[0].weight[[1, 3]])
    assert torch.equal(out.layers[1].weight, ANCONA.layers[1].weight[:, [1, 3]])


def test_bad_prune_requests(clean: tuple) -> None:
    X, y = clean
    (scores,) = attribute(ANCONA, X, y, "apoz")
    with pytest.raises(LRPError, match="k must be a whole number from 0 to 3"):
        prune(ANCONA, X, y, scores, 4)
    with pytest.raises(LRPError, match=r"hidden layers are 0\.\.0"):
        prune(ANCONA, X, y, scores, 1, layer=1)
    with pytest.raises(LRPError, match="unknown attribution method 'nope'"):
        prune_by(ANCONA, X, y, "nope", 1)
    with pytest.raises(LRPError, match="only once"):
        remove_units(ANCONA, 0, [1, 1])
    with pytest.raises(LRPError, match="cannot remove 7"):
        remove_units(ANCONA, 0, [7])
