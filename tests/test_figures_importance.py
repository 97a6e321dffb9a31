"""Figure builders of the importance page: pure functions checked on real results."""

from __future__ import annotations

import pytest
import torch

from lrp_core.importance import Scores, attribute, pruning_curves
from lrp_core.presets import get_preset
from lrp_explorer.figures.importance import (
    bar_figure,
    convergence_figure,
    is_flat,
    normalised,
    prune_first_sentences,
    pruning_figure,
    rank_figure,
    rank_matrix,
    scores_frame,
)


@pytest.fixture(scope="module")
def results() -> list[Scores]:
    p = get_preset("ancona-max")
    X, y = p.dataset(100, 0)
    return attribute(p.network(), X, y, ["apoz", "taylor", "shapley-exact", "shapley-sampled"], loss="l1",
                     samples=50)


def test_bar_figure_normalises_per_method_and_keeps_raw_values(results: list[Scores]) -> None:
    fig = bar_figure(results)
    assert len(fig.data) == 4
    assert fig.layout.barmode == "group"
    for trace, r in zip(fig.data, results, strict=True):
        assert list(trace.x) == ["h1", "h2", "h3", "h4"]
        assert max(abs(v) for v in trace.y) == pytest.approx(1.0)
        assert list(trace.customdata) == r.scores.tolist()
        assert f"{r.scores[2].item():.6g}" in trace.hovertext[2]
    assert "lower = more important" in fig.data[1].name
    assert fig.data[3].error_y.array is not None
    assert fig.data[0].error_y.array is None


def test_normalised_handles_all_zero_scores() -> None:
    r = Scores("gradient", torch.zeros(3, dtype=torch.float64), None, {}, True, "")
    assert normalised(r) == ([0.0, 0.0, 0.0], None)
    noise = Scores("gradient", torch.tensor([1e-16, -4e-17, 0.0], dtype=torch.float64), None, {}, True, "")
    assert normalised(noise) == ([0.0, 0.0, 0.0], None)
    assert is_flat(noise)
    real = Scores("gradient", torch.tensor([2.0, -1.0, 0.0], dtype=torch.float64), None, {}, True, "")
    assert normalised(real) == ([1.0, -0.5, 0.0], None)
    assert not is_flat(real)


def test_rank_figure_marks_ties() -> None:
    flat = Scores("gradient", torch.tensor([1e-16, 0.0, 3e-17], dtype=torch.float64), None, {}, True, "")
    real = Scores("apoz", torch.tensor([0.2, 0.9, 0.5], dtype=torch.float64), None, {}, True, "")
    fig = rank_figure([flat, real])
    assert [list(r) for r in fig.data[0].text] == [["tie"] * 3, ["3", "1", "2"]]
    assert list(fig.data[0].z[0]) == [2.0, 2.0, 2.0]


def test_rank_figure_shows_disagreement(results: list[Scores]) -> None:
    ranks = rank_matrix(results)
    assert ranks[0][3] <= 2  # APoZ: h4 among the most important
    assert ranks[2][3] == 4  # exact Shapley: h4 least important
    fig = rank_figure(results)
    assert [[int(v) for v in row] for row in fig.data[0].z] == ranks
    assert list(fig.data[0].y)[2] == "Shapley (exact)"
    for row in ranks:
        assert sorted(row) == [1, 2, 3, 4]


def test_convergence_figure(results: list[Scores]) -> None:
    sampled, exact = results[3], results[2]
    fig = convergence_figure(sampled, exact)
    lines = [t for t in fig.data if t.mode == "lines" and t.name.startswith("h") and "exact" not in t.name]
    dashed = [t for t in fig.data if t.name.endswith("exact")]
    assert len(lines) == 4 and len(dashed) == 4
    assert lines[0].y[-1] == pytest.approx(float(sampled.scores[0]))
    assert dashed[2].y[0] == float(exact.scores[2])
    assert list(lines[0].x)[-1] == 50
    assert fig.layout.xaxis.type == "log"
    assert len(convergence_figure(sampled).data) == 8  # no exact lines
    with pytest.raises(ValueError, match="shapley-sampled"):
        convergence_figure(exact)


def test_pruning_figure(results: list[Scores]) -> None:
    p = get_preset("ancona-max")
    X, y = p.dataset(100, 0)
    curves = pruning_curves(p.network(), X, y, results, loss="l1")
    fig = pruning_figure(curves)
    assert len(fig.data) == 4
    for trace, c in zip(fig.data, curves, strict=True):
        assert list(trace.x) == [0, 1, 2, 3, 4]
        assert list(trace.y) == c.losses.tolist()
    assert fig.data[2].customdata[1] == "h4"  # exact Shapley removes h4 first


def test_scores_frame_and_sentences(results: list[Scores]) -> None:
    frame = scores_frame(results)
    assert list(frame.index) == ["h1", "h2", "h3", "h4"]
    assert "Shapley (sampled) ± s.e." in frame.columns
    assert frame["Shapley (exact)"].tolist() == results[2].scores.tolist()
    lines = prune_first_sentences(results)
    assert lines[2] == f"**Shapley (exact)** would prune **h4** first (score {float(results[2].scores[3]):.4g})."
    flat = Scores("gradient", torch.full((3,), 1e-17, dtype=torch.float64), None, {}, True, "")
    assert "cannot tell the units apart" in prune_first_sentences([flat])[0]
