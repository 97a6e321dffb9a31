"""lrp_explorer.ui.selection: clicked points from Streamlit selection events, the snap grid, the callback."""

from __future__ import annotations

import math

import pytest
from streamlit.testing.v1 import AppTest

from lrp_explorer.ui.selection import nice_step, point_from_selection, snap_grid


def test_point_from_selection() -> None:
    assert point_from_selection(None) is None
    assert point_from_selection({"selection": {"points": []}}) is None
    ev = {"selection": {"points": [{"x": 1.0, "y": 2.0, "curve_number": 3},
                                   {"x": 0.5, "y": -1.0, "curve_number": 1}]}}
    assert point_from_selection(ev) == (0.5, -1.0)
    assert point_from_selection(ev, curves=[3]) == (1.0, 2.0)
    assert point_from_selection(ev, curves=[7]) is None
    assert point_from_selection(ev, box=(0.0, 2.0, 0.0, 3.0)) == (1.0, 2.0)
    # non-numbers and non-finite values are skipped
    ev2 = {"selection": {"points": [{"x": 1, "y": 2}, {"x": "a", "y": 1.0}, {"x": float("nan"), "y": 0.0},
                                    {"x": True, "y": 1.0}]}}
    assert point_from_selection(ev2) == (1.0, 2.0)

    class Obj:  # attribute access, as Streamlit's event objects allow
        def __init__(self) -> None:
            self.selection = {"points": [{"x": 3.0, "y": 4.0}]}

    assert point_from_selection(Obj()) == (3.0, 4.0)


def test_lrp_core_no_longer_parses_selection_events() -> None:
    import lrp_core.plane

    assert not hasattr(lrp_core.plane, "point_from_selection")


@pytest.mark.parametrize(("width", "n", "step"), [(6.0, 101, 0.1), (12.0, 101, 0.2), (10.0, 101, 0.1),
                                                  (7.0, 101, 0.1), (1e-3, 11, 1e-4), (300.0, 41, 10.0)])
def test_nice_step(width: float, n: int, step: float) -> None:
    got = nice_step(width, n)
    assert got == pytest.approx(step)
    assert width / got <= n - 1 + 1e-9  # at most n points
    assert nice_step(width, n) <= nice_step(width, max(2, n // 2))


def test_snap_grid_lies_on_round_multiples_inside_the_box() -> None:
    box = (-3.0, 9.0, -3.0, 9.0)  # ancona-max's automatic box
    gx, gy, step = snap_grid(box)
    assert step == pytest.approx(0.2)
    xs = sorted(set(gx))
    assert xs[0] == -3.0 and xs[-1] == 9.0 and len(xs) == 61 and len(gx) == 61 * 61
    assert all(box[0] <= x <= box[1] and box[2] <= y <= box[3] for x, y in zip(gx, gy, strict=True))
    # short coordinates: every value is a multiple of the step with few decimals
    assert all(abs(v / step - round(v / step)) < 1e-9 and len(repr(v)) <= 6 for v in xs)
    # a box not on the step's multiples: the grid starts at the first multiple inside
    gx2, _, step2 = snap_grid((0.05, 2.0, 0.0, 1.0), 21)
    assert step2 == pytest.approx(0.1) and min(gx2) == pytest.approx(0.1) and max(gx2) == pytest.approx(2.0)
    assert math.isclose(gx[1] - gx[0], step)


def _callback_script() -> None:
    import streamlit as st

    from lrp_explorer.ui.selection import on_click

    st.session_state.setdefault("moved", [])
    cb = on_click("plane", (0.0, 2.0, 0.0, 2.0), st.session_state["moved"].append)
    st.session_state["plane"] = st.session_state.get("event")
    cb()


def test_on_click_applies_only_points_in_the_box() -> None:
    at = AppTest.from_function(_callback_script)
    at.session_state["event"] = {"selection": {"points": [{"x": 1.5, "y": 0.5}]}}
    at.run(timeout=60)
    assert at.session_state["moved"] == [(1.5, 0.5)]
    at.session_state["event"] = {"selection": {"points": [{"x": 5.0, "y": 0.5}]}}
    at.run(timeout=60)
    assert at.session_state["moved"] == [(1.5, 0.5)]
