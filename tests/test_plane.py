"""Plane helpers: boxes, click grids, slices, projections (selection events: test_ui_selection.py)."""

from __future__ import annotations

import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.plane import (
    axis_slice,
    box_around,
    check_box,
    click_grid,
    grid_values,
    make_slice,
    parse_box,
    pca_2d,
)


def test_parse_and_check_box() -> None:
    assert parse_box("-3, 3,-2,2.5") == (-3.0, 3.0, -2.0, 2.5)
    for bad, msg in [("1,2,3", "4 comma"), ("a,b,c,d", "4 comma"), ("1,0,0,1", "x0 < x1"),
                     ("0,1,1,1", "y0 < y1"), ("0,inf,0,1", "finite"), ("0,1e20,0,1", "1e12")]:
        with pytest.raises(LRPError, match=msg):
            parse_box(bad)
    with pytest.raises(LRPError):
        check_box((0.0, 1.0))


def test_box_around_holds_points() -> None:
    box = box_around([(5.0, 7.0), (float("nan"), 1.0), (-4.2, 0.0)])
    x0, x1, y0, y1 = box
    assert x0 <= -4.2 and x1 >= 5.0 and y0 <= -3.0 and y1 >= 7.0
    assert all(float(v).is_integer() for v in box)
    assert box_around([]) == (-4.0, 4.0, -4.0, 4.0)


def test_click_grid_covers_box() -> None:
    gx, gy = click_grid((-1.0, 1.0, 0.0, 4.0), 5)
    assert len(gx) == len(gy) == 25
    assert min(gx) == -1.0 and max(gx) == 1.0 and min(gy) == 0.0 and max(gy) == 4.0
    assert gx[:5] == [-1.0, -0.5, 0.0, 0.5, 1.0] and gy[:5] == [0.0] * 5
    assert len(set(zip(gx, gy, strict=True))) == 25
    with pytest.raises(LRPError, match="grid size"):
        click_grid((-1.0, 1.0, 0.0, 4.0), 1)


def test_grid_values_layout() -> None:
    xs, ys, z = grid_values(lambda p: p[:, 0] + 10 * p[:, 1], (0.0, 1.0, 0.0, 2.0), 3)
    assert xs == [0.0, 0.5, 1.0] and ys == [0.0, 1.0, 2.0]
    assert z.shape == (3, 3)
    assert float(z[2, 1]) == pytest.approx(0.5 + 20.0)  # row = y index, column = x index


def test_slice_embed_and_coords() -> None:
    sl = make_slice([1.0, 2.0, 3.0], [1.0, 0.0, 1.0], [0.0, 2.0, 0.0])
    p = sl.embed([0.5, -1.0])
    assert torch.allclose(p, torch.tensor([1.5, 0.0, 3.5], dtype=torch.float64))
    st = sl.coords(torch.stack([p, sl.origin]))
    assert torch.allclose(st, torch.tensor([[0.5, -1.0], [0.0, 0.0]], dtype=torch.float64))
    ax = axis_slice([0.0, 0.0, 0.0, 0.0], 1, 3)
    assert torch.equal(ax.basis[:, 0], torch.tensor([0.0, 1.0, 0.0, 0.0], dtype=torch.float64))
    with pytest.raises(LRPError, match="parallel"):
        make_slice([0.0, 0.0], [1.0, 1.0], [2.0, 2.0])
    with pytest.raises(LRPError, match="non-zero"):
        make_slice([0.0, 0.0], [0.0, 0.0], [1.0, 0.0])
    with pytest.raises(LRPError, match="equal lengths"):
        make_slice([0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0])
    with pytest.raises(LRPError, match="different axes"):
        axis_slice([0.0, 0.0], 0, 0)


def test_pca_2d() -> None:
    gen = torch.Generator().manual_seed(0)
    # points on a 2-D plane inside R^5: PCA recovers them exactly up to rotation
    basis = torch.linalg.qr(torch.randn(5, 2, generator=gen, dtype=torch.float64))[0]
    c = torch.randn(50, 2, generator=gen, dtype=torch.float64) * torch.tensor([3.0, 1.0], dtype=torch.float64)
    pts = c @ basis.T + 7.0
    coords, comps, mean = pca_2d(pts)
    assert torch.allclose(comps @ comps.T, torch.eye(2, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(coords @ comps + mean, pts, atol=1e-10)
    assert float(coords[:, 0].var()) >= float(coords[:, 1].var())
    one, comps1, _ = pca_2d(torch.ones(1, 3, dtype=torch.float64))
    assert torch.equal(one, torch.zeros(1, 2, dtype=torch.float64)) and float(comps1.abs().sum()) == 0.0
    with pytest.raises(LRPError):
        pca_2d(torch.zeros(0, 3))
