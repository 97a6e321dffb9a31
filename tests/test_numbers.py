"""The one number parser (lrp_core.numbers): scientific notation exactly, everything else refused."""

from __future__ import annotations

import pytest

from lrp_core.errors import LRPError
from lrp_core.numbers import format_number, parse_number


@pytest.mark.parametrize(("text", "value"), [
    ("1e30", 1e30), ("-1e30", -1e30), ("1e-30", 1e-30), ("-1e-30", -1e-30), ("1E5", 1e5),
    ("2.5", 2.5), ("-0.25", -0.25), (".5", 0.5), ("+3", 3.0), (" 7 ", 7.0), ("1e32", 1e32), ("0", 0.0),
])
def test_accepts_exactly(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(("text", "words"), [
    ("1,5", "decimal comma"), ("inf", "finite"), ("-inf", "finite"), ("nan", "finite"), ("", "empty"),
    ("abc", "not a number"), ("1e33", "cap"), ("-2e32", "cap"), ("1e400", "cap"), ("0x10", "not a number"),
    ("1_000", "not a number"), ("1e", "not a number"),
])
def test_refuses_with_a_message(text: str, words: str) -> None:
    with pytest.raises(LRPError, match=words):
        parse_number(text, what="x1")


def test_bounds_and_integers() -> None:
    assert parse_number("1e5", low=1, high=100_000, integer=True) == 100_000
    with pytest.raises(LRPError, match="from 1 to 100,000"):
        parse_number("1e9", low=1, high=100_000, integer=True)
    with pytest.raises(LRPError, match="whole number"):
        parse_number("2.5", integer=True)
    with pytest.raises(LRPError, match="finite"):
        parse_number(float("nan"))


@pytest.mark.parametrize("v", [1e30, -1e-30, 0.1, -0.25, 2.0, 123456789.125, 5e-324])
def test_format_round_trips(v: float) -> None:
    assert parse_number(format_number(v)) == v
