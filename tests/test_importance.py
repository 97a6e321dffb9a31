"""Neuron importance: the registry, argument checks, hand computations of the
simple methods, pruning curves and the CSV (Shapley values: test_importance_shapley.py)."""

from __future__ import annotations

import csv
import io
import math

import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.importance import (
    CSV_HEADER,
    MAX_EXACT_UNITS,
    METHODS,
    Context,
    Scores,
    attribute,
    make_game,
    pruning_curve,
    pruning_curves,
    scores_csv,
    unavailable_reason,
)
from lrp_core.network import from_layers
from tests.importance_cases import D, ancona, by_name, random_net, tiny

CONTRACT = ["apoz", "weight-norm", "gradient", "taylor", "taylor-abs", "leave-one-out",
            "shapley-exact", "shapley-sampled", "random"]


# --- registry and contract ---------------------------------------------------------


def test_registry_names_are_the_contract() -> None:
    assert METHODS.names() == CONTRACT
    for entry in METHODS:
        assert entry.doc, f"{entry.name} needs a docstring with its formula"


def test_all_runs_every_method_with_typed_results() -> None:
    net, X, y = tiny()
    results = attribute(net, X, y, "all")
    assert [r.method for r in results] == CONTRACT
    for r in results:
        assert r.scores.dtype == D and r.scores.shape == (3,)
        assert r.seconds >= 0
        d = r.to_dict()
        assert set(d) == {"method", "scores", "stderr", "params", "seconds"}
    assert by_name(results)["shapley-sampled"].stderr is not None
    assert by_name(results)["shapley-exact"].stderr is None


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"methods": "nope"}, "choose one of: apoz"),
        ({"methods": "apoz", "loss": "l2"}, "choose one of: mse, l1"),
        ({"methods": "apoz", "layer": 1}, "hidden layers are 0..0"),
        ({"methods": "shapley-sampled", "samples": 1}, "from 2 to"),
        ({"methods": []}, "at least one method"),
    ],
)
def test_bad_arguments_raise_one_line_errors(kwargs: dict, fragment: str) -> None:
    net, X, y = tiny()
    methods = kwargs.pop("methods")
    with pytest.raises(LRPError, match=fragment) as info:
        attribute(net, X, y, methods, **kwargs)
    assert "\n" not in str(info.value)


def test_data_shape_errors() -> None:
    net, X, y = tiny()
    with pytest.raises(LRPError, match="2 columns"):
        attribute(net, X[:, :1], y, "apoz")
    with pytest.raises(LRPError, match="same positive number"):
        attribute(net, X, y[:2], "apoz")
    with pytest.raises(LRPError, match="non-finite"):
        attribute(net, X, torch.full_like(y, math.nan), "apoz")


def test_unknown_method_option_is_refused() -> None:
    net, X, y = tiny()
    with pytest.raises(LRPError, match="norm must be one of l1, l2, not 'l3'"):
        attribute(net, X, y, "weight-norm", options={"weight-norm": {"norm": "l3"}})
    with pytest.raises(LRPError, match=r"unknown parameter\(s\) foo for method 'apoz'; valid: none"):
        attribute(net, X, y, "apoz", options={"apoz": {"foo": 1}})
    with pytest.raises(LRPError, match="reduce must be one of sum, mean"):
        attribute(net, X, y, "gradient", options={"gradient": {"reduce": "max"}})


def test_exact_shapley_cap() -> None:
    """2^n coalitions stop at 20 units unless the closed form applies (MSE, layer feeding a linear output)."""
    n = MAX_EXACT_UNITS + 1
    net = random_net([2, n, 1], ["relu", "relu"], 0)
    X = torch.zeros(3, 2, dtype=D)
    y = torch.zeros(3, 1, dtype=D)
    with pytest.raises(LRPError, match="at most 20 units"):
        attribute(net, X, y, "shapley-exact")
    assert "at most 20 units" in str(unavailable_reason("shapley-exact", net, 0, "mse"))
    linear = random_net([2, n, 1], ["relu", "linear"], 0)
    with pytest.raises(LRPError, match="at most 20 units"):
        attribute(linear, X, y, "shapley-exact", loss="l1")
    assert unavailable_reason("shapley-exact", linear, 0, "mse") is None
    (closed,) = attribute(linear, X, y, "shapley-exact")
    assert closed.extra["closed_form"] is True and closed.scores.shape == (n,)
    # the sampled estimate still works on wide layers
    (r,) = attribute(net, X, y, "shapley-sampled", samples=4)
    assert r.scores.shape == (n,)


# --- simple metrics by hand ------------------------------------------------------------


def test_apoz_by_hand() -> None:
    net, X, y = tiny()
    (r,) = attribute(net, X, y, "apoz")
    assert r.scores.tolist() == pytest.approx([2 / 3, 1 / 3, 2 / 3], abs=1e-15)
    assert r.extra["active_count"] == [2, 1, 2]
    assert r.higher_is_important


def test_weight_norm_by_hand() -> None:
    net, X, y = tiny()
    assert attribute(net, X, y, "weight-norm")[0].scores.tolist() == [1.0, 1.0, 2.0]
    l2 = attribute(net, X, y, "weight-norm", options={"weight-norm": {"norm": "l2"}})[0]
    assert l2.scores.tolist() == pytest.approx([1.0, 1.0, math.sqrt(2)], abs=1e-15)
    out = attribute(net, X, y, "weight-norm", options={"weight-norm": {"direction": "out"}})[0]
    assert out.scores.tolist() == [2.0, 1.0, 0.5]
    assert out.params == {"norm": "l1", "direction": "out"}


def test_gradient_by_hand() -> None:
    # ∂L/∂a_i(x_s) = (2/N) r_s W2_i, Σ_s |r_s| = 8  ->  (16/3) |W2_i|
    net, X, y = tiny()
    (r,) = attribute(net, X, y, "gradient")
    assert r.scores.tolist() == pytest.approx([32 / 3, 16 / 3, 8 / 3], rel=1e-14)
    mean = attribute(net, X, y, "gradient", options={"gradient": {"reduce": "mean"}})[0]
    assert mean.scores.tolist() == pytest.approx([32 / 9, 16 / 9, 8 / 9], rel=1e-14)
    # L1: ∂L/∂a_i(x_s) = sign(r_s) W2_i / N, all residuals positive -> 3 · |W2_i| / 3
    l1 = attribute(net, X, y, "gradient", loss="l1")[0]
    assert l1.scores.tolist() == pytest.approx([2.0, 1.0, 0.5], rel=1e-14)


def test_taylor_by_hand() -> None:
    # T_i = Σ_s a_i(x_s) (2/3) r_s W2_i
    net, X, y = tiny()
    res = by_name(attribute(net, X, y, ["taylor", "taylor-abs"]))
    assert res["taylor"].scores.tolist() == pytest.approx([74 / 3, -4 / 3, 17 / 3], rel=1e-14)
    assert res["taylor-abs"].scores.tolist() == pytest.approx([74 / 3, 4 / 3, 17 / 3], rel=1e-14)
    assert not res["taylor"].higher_is_important
    # -T_i is the first-order change: check it is the derivative along the zeroing direction
    game = make_game(net, X, y)
    t = 1e-6
    for i in range(3):
        h = game.H.clone()
        h[:, i] *= 1 - t
        r = net.forward(h, start=1).output - y
        slope = (float((r * r).mean()) - 11.5) / t
        assert slope == pytest.approx(-res["taylor"].scores[i].item(), rel=1e-4)


def test_leave_one_out_by_hand() -> None:
    net, X, y = tiny()
    (r,) = attribute(net, X, y, "leave-one-out")
    assert r.scores.tolist() == pytest.approx([-34 / 3, 5 / 3, -13.75 / 3], abs=1e-13)


def test_random_is_seeded_and_independent_of_other_methods() -> None:
    net, X, y = tiny()
    a = attribute(net, X, y, "random", seed=5)[0].scores
    b = by_name(attribute(net, X, y, "all", seed=5))["random"].scores
    c = attribute(net, X, y, "random", seed=6)[0].scores
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert ((a >= 0) & (a < 1)).all()


# --- pruning curves and CSV ----------------------------------------------------------------


def test_pruning_curve_by_hand() -> None:
    net, X, y = tiny()
    loo = attribute(net, X, y, "leave-one-out")[0]  # [-34/3, 5/3, -13.75/3]: prune 0, then 2, then 1
    curve = pruning_curve(make_game(net, X, y), loo)
    assert curve.order.tolist() == [0, 2, 1]
    # L(∅) = 34.5/3, L({0}) = 0.5/3, L({0,2}) = 4.75/3, L(all) = 2.75/3
    assert curve.losses.tolist() == pytest.approx([34.5 / 3, 0.5 / 3, 4.75 / 3, 2.75 / 3], abs=1e-13)
    taylor = attribute(net, X, y, "taylor")[0]  # lower = more important: prune largest first
    assert pruning_curve(make_game(net, X, y), taylor).order.tolist() == [0, 2, 1]


def test_pruning_curves_on_ancona_shapley_keeps_loss_zero_after_first_step() -> None:
    net, X, y = ancona()
    results = attribute(net, X, y, ["shapley-exact", "apoz"])
    curves = {c.method: c for c in pruning_curves(net, X, y, results)}
    exact, apoz = curves["shapley-exact"].losses.tolist(), curves["apoz"].losses.tolist()
    assert exact[0] == pytest.approx(0.0, abs=1e-12)
    assert exact[1] == pytest.approx(0.0, abs=1e-12)  # unit 4 goes first
    assert apoz[1] > 0.1  # APoZ removes a useful unit first
    assert apoz[-1] == pytest.approx(exact[-1], abs=1e-12)


def test_scores_csv_round_trip() -> None:
    net, X, y = tiny()
    results = attribute(net, X, y, ["leave-one-out", "shapley-sampled"], samples=10)
    rows = list(csv.DictReader(io.StringIO(scores_csv(results))))
    assert len(rows) == 6
    assert rows[0]["method"] == "leave-one-out" and rows[0]["unit"] == "1"
    assert float(rows[0]["score"]) == float(results[0].scores[0])
    assert rows[0]["stderr"] == "" and rows[3]["stderr"] != ""
    assert {r["rank"] for r in rows[:3]} == {"1", "2", "3"}


# --- mutation-style checks (issue 13): hand cases that fail when a small detail changes ---------------


def test_gradient_takes_abs_per_sample_then_sums_or_means() -> None:
    """Residuals of both signs, r = [2, 0.5, −1.5]: ∂L/∂a_i(x_s) = (2/3) r_s W2_i with W2 = [2, −1, 0.5].

    Σ_s |·| = (2/3)·4·|W2_i| = [16/3, 8/3, 4/3]; |Σ_s ·| would be (2/3)·1·|W2_i| = [4/3, 2/3, 1/3];
    the mean divides the sum by N = 3."""
    net, X, _ = tiny()
    y = torch.tensor([[1.0], [0.0], [9.0]], dtype=D)
    (total,) = attribute(net, X, y, "gradient")
    assert total.scores.tolist() == pytest.approx([16 / 3, 8 / 3, 4 / 3], rel=1e-14)
    (mean,) = attribute(net, X, y, "gradient", options={"gradient": {"reduce": "mean"}})
    assert mean.scores.tolist() == pytest.approx([16 / 9, 8 / 9, 4 / 9], rel=1e-14)
    assert mean.params == {"reduce": "mean"} and total.params == {"reduce": "sum"}
    # two outputs: the chain rule sums over outputs before the absolute value per sample
    two = from_layers([[[1.0]], [[1.0], [-1.0]]], [[0.0], [0.0, 0.0]], ["relu", "linear"])
    Xs = torch.tensor([[1.0], [2.0]], dtype=D)
    ys = torch.tensor([[0.0, -1.0], [3.0, -2.0]], dtype=D)  # residuals r = [[1, 0], [−1, 0]]
    (g,) = attribute(two, Xs, ys, "gradient")
    # ∂L/∂a(x_s) = (2/4)(r_s0·1 + r_s1·(−1)) = [0.5, −0.5] -> Σ|·| = 1 (|Σ| would be 0)
    assert g.scores.tolist() == pytest.approx([1.0], rel=1e-14)


def test_scores_csv_header_and_rows_exactly() -> None:
    a = Scores("apoz", torch.tensor([0.5, 0.25], dtype=D), None, {}, True, "")
    b = Scores("taylor", torch.tensor([-1.0, 2.0], dtype=D), torch.tensor([0.125, 0.0], dtype=D), {}, False, "")
    text = scores_csv([a, b])
    assert text == (
        "method,unit,score,stderr,rank,higher_is_important\n"
        "apoz,1,0.5,,1,True\n"
        "apoz,2,0.25,,2,True\n"
        "taylor,1,-1.0,0.125,1,False\n"  # lower is more important: −1 ranks first
        "taylor,2,2.0,0.0,2,False\n"
    )
    assert scores_csv([]) == "method,unit,score,stderr,rank,higher_is_important\n"  # the header even when empty
    assert text.splitlines()[0].split(",") == list(CSV_HEADER)


# --- the registry's contract: schemas, metadata, a toy method added in one place ------------------------


def test_every_method_declares_its_parameters_and_metadata() -> None:
    for entry in METHODS:
        assert {"loss", "sampler", "random", "unavailable", "preflight"} <= set(entry.extra), entry.name
        assert entry.validate({}, "method") == entry.defaults()
        for p in entry.schema:
            assert p.help, (entry.name, p.name)
            bad = "nope" if p.kind == "str" else (p.high or 0) + 1 if p.high is not None else None
            if bad is None:
                continue
            with pytest.raises(LRPError) as info:
                attribute(*tiny(), entry.name, options={entry.name: {p.name: bad}})
            assert str(info.value).startswith(f"{p.name} must be {p.describe()}") and "\n" not in str(info.value)
    assert [e.name for e in METHODS if e.extra["sampler"]] == ["shapley-sampled"]
    assert [e.name for e in METHODS if e.extra["random"]] == ["shapley-sampled", "random"]
    assert [e.name for e in METHODS if not e.extra["loss"]] == ["apoz", "weight-norm", "random"]


def test_a_toy_method_is_one_registration(capsys: pytest.CaptureFixture[str]) -> None:
    """Registered here only, it runs through attribute() and the CLI (choices, JSON) with its declared parameter."""
    from lrp_core.cli import main
    from lrp_core.importance import register
    from lrp_core.params import Param

    @register("toy-scale", label="Toy", schema=(Param("scale", "float", 2.0, "multiplier", low=0.0),), loss=False)
    def toy(ctx: Context, *, scale: float) -> Scores:
        """score_i = scale · i."""
        return Scores("toy-scale", scale * torch.arange(ctx.n_units, dtype=D), None, {"scale": scale}, True, "")

    try:
        net, X, y = tiny()
        (r,) = attribute(net, X, y, "toy-scale", options={"toy-scale": {"scale": 3.0}})
        assert r.scores.tolist() == [0.0, 3.0, 6.0] and r.params == {"scale": 3.0}
        assert [s.method for s in attribute(net, X, y, "all")][-1] == "toy-scale"
        with pytest.raises(LRPError, match="scale must be a number >= 0"):
            attribute(net, X, y, "toy-scale", options={"toy-scale": {"scale": -1.0}})
        assert main(["attribute", "--preset", "ancona-max", "--method", "toy-scale", "--json"]) == 0
        out = capsys.readouterr().out
        assert '"method": "toy-scale"' in out and '"scale": 2.0' in out
    finally:
        METHODS.unregister("toy-scale")
    assert "toy-scale" not in METHODS


def test_prune_first_is_the_last_in_the_ranking_even_with_ties() -> None:
    """Issue 12 item 8: with ties (as with 1e30 weights) the page's "would prune first" sentence named one
    unit and the rank table another. The pruning order is now the reverse of the ranking."""
    from lrp_core.importance.scores import make_scores, prune_order

    tied = make_scores("apoz", torch.tensor([1.0, 0.5, 0.5, 2.0, 0.5]), higher=True, meaning="test")
    ranks = tied.ranks().tolist()
    assert ranks == [2, 3, 4, 1, 5]
    assert tied.prune_first() == ranks.index(max(ranks)) == 4
    assert prune_order(tied.importance()).tolist() == [4, 2, 1, 0, 3]
    lower = make_scores("taylor", torch.tensor([-1.0, -1.0, 3.0]), higher=False, meaning="test")
    assert lower.prune_first() == int(torch.argmax(lower.ranks()))
