"""Numbers typed into the pages' boxes are taken exactly or refused with a message beside the
field (issue 12, item 2): ``st.number_input`` turned Data size ``1e9`` into 1 and Seed ``1e20`` into 1."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import importance_numbers, open_app_page

PAGE = "views/importance.py"


def _data_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Data:"))


def test_data_size_in_scientific_notation_is_taken_exactly() -> None:
    at = open_app_page(PAGE)
    at.text_input(key="imp_n").set_value("2E2").run()
    assert not at.exception
    assert "200 samples" in _data_caption(at)


def test_out_of_range_and_malformed_numbers_are_refused_beside_the_field() -> None:
    at = open_app_page(PAGE)
    before = importance_numbers(at).copy()
    for key, text, words in (("imp_n", "1e9", "from 1 to 100,000"), ("imp_seed", "1e20", "from 0 to"),
                             ("imp_n", "1,5", "decimal comma"), ("imp_seed", "2.5", "whole number")):
        at.text_input(key=key).set_value(text).run()
        assert not at.exception
        msgs = [e.value for e in at.error]
        assert any(words in m and "Nothing was changed" in m for m in msgs), (text, msgs)
        assert "100 samples, seed 0" in _data_caption(at), text
        assert importance_numbers(at).equals(before)
        at.text_input(key=key).set_value("100" if key == "imp_n" else "0").run()
        assert not at.error
