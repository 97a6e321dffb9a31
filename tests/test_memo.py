"""The per-session memo of the pages' computations (lrp_explorer.ui.memo)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lrp_explorer.ui.memo import frozen


def _script() -> None:
    import streamlit as st

    from lrp_explorer.ui.memo import session_memo

    calls = st.session_state.setdefault("calls", [])

    @session_memo(2)
    def square(n: int, opts: dict, _noise: object = None) -> int:
        calls.append(n)
        if n < 0:
            raise ValueError("negative")
        return n * n

    for n in st.session_state.get("ask", []):
        try:
            st.write(f"{n}: {square(n, {'a': [1, 2]}, _noise=object())}")
        except ValueError:
            st.write(f"{n}: refused")


def _run(at: AppTest, ask: list[int]) -> list[str]:
    at.session_state["ask"] = ask
    at.run()
    assert not at.exception
    return [m.value for m in at.markdown]


def test_results_are_kept_per_key_and_the_oldest_leaves_first() -> None:
    at = AppTest.from_function(_script)
    at.run()
    assert _run(at, [3, 3, 4]) == ["3: 9", "3: 9", "4: 16"]
    assert at.session_state["calls"] == [3, 4]  # the second 3 came from the memo; _noise is not in the key
    _run(at, [5])  # holds 2: 3 (least recently used) leaves
    assert _run(at, [4, 3]) == ["4: 16", "3: 9"]
    assert at.session_state["calls"] == [3, 4, 5, 3]  # 4 was kept, 3 was computed again


def test_a_call_that_raises_stores_nothing() -> None:
    at = AppTest.from_function(_script)
    at.run()
    assert _run(at, [-1, -1]) == ["-1: refused", "-1: refused"]
    assert at.session_state["calls"] == [-1, -1]


def test_each_session_has_its_own_memo() -> None:
    a, b = AppTest.from_function(_script), AppTest.from_function(_script)
    a.run()
    b.run()
    _run(a, [7])
    _run(b, [7])
    assert a.session_state["calls"] == [7] and b.session_state["calls"] == [7]


def test_key_arguments_are_frozen_by_value() -> None:
    assert frozen({"b": [1, {"c": 2}], "a": (3,)}) == frozen({"a": [3], "b": (1, {"c": 2})})
    assert frozen([1, 2]) != frozen([2, 1])
    with pytest.raises(TypeError):
        frozen(bytearray(b"x"))  # neither a list, a tuple, a dict nor hashable
