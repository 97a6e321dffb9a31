"""CSV data loader: valid files parse exactly; bad files give one clear line and keep the old data."""

from __future__ import annotations

import pickle

import pytest
import torch

from lrp_core.datasets import MAX_CSV_BYTES, fits, parse_csv, parse_csv_for, to_csv, update_data
from lrp_core.errors import LRPError
from lrp_core.presets import get_preset


def test_parse_with_and_without_header() -> None:
    d = parse_csv(b"a,b,target\n1,2,3\n4.5,-6,7e-1\n", 2, 1)
    assert d.X.tolist() == [[1.0, 2.0], [4.5, -6.0]]
    assert d.y.tolist() == [[3.0], [0.7]]
    assert d.columns == ("a", "b", "target")
    assert d.X.dtype == torch.float64 and d.n_rows == 2
    plain = parse_csv("1,2,3\n\n4,5,6\n", 2, 1)
    assert plain.X.tolist() == [[1.0, 2.0], [4.0, 5.0]] and plain.columns == ("x1", "x2", "y1")


def test_semicolon_and_tab_and_bom() -> None:
    assert parse_csv("1;2;3\n4;5;6\n", 2, 1).y.tolist() == [[3.0], [6.0]]
    assert parse_csv("1\t2\t3\n", 2, 1).X.tolist() == [[1.0, 2.0]]
    assert parse_csv("\ufeffx,y,t\n1,2,3\n".encode(), 2, 1).columns == ("x", "y", "t")


def test_round_trip_preserves_float64_exactly() -> None:
    X, y = get_preset("ancona-max").dataset(50, 3)
    back = parse_csv(to_csv(X, y), 2, 1)
    assert torch.equal(back.X, X) and torch.equal(back.y, y)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "no rows"),
        (b"x1,x2,y\n", "header but no data"),
        (b"1,2\n", "line 1 has 2 columns but this network needs 3"),
        (b"a,b\n1,2\n", "header has 2 columns"),
        (b"1,2,3\n4,five,6\n", "line 2, column 2: 'five' is not a number"),
        (b"1,2,nan\n", "not a finite number"),
        (b"1,2,inf\n", "not a finite number"),
        (b"1,2,1e400\n", "not a finite number"),
        (b"1,2,1e300\n", "larger in magnitude than the cap of 1e\\+32"),
        (b"-1e33,2,3\n", "line 1, column 1: '-1e33' is larger in magnitude"),
        (b"1," + b"9" * 200_000 + b",1\n", "cannot be read at line 1: field larger than field limit"),
        (pickle.dumps([1, 2, 3]), "pickle"),
        (b"PK\x03\x04zip", "zip archive"),
        (b"1,2,\xff\n", "not UTF-8"),
        (b"1,2,3\x00\n", "binary"),
    ],
)
def test_bad_csv_is_refused_with_one_line(data: bytes, fragment: str) -> None:
    with pytest.raises(LRPError, match=fragment) as info:
        parse_csv(data, 2, 1)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_line_break_style_parses_the_same(newline: str) -> None:
    """LF (Unix), CRLF (Windows) and a bare CR (old Mac OS) all end a row; a quoted cell may hold one."""
    text = newline.join(["x1,x2,y", "0.0,1.0,2.0", "3,4,5", ""])
    d = parse_csv(text, 2, 1)
    assert d.X.tolist() == [[0.0, 1.0], [3.0, 4.0]] and d.y.tolist() == [[2.0], [5.0]]
    assert d.columns == ("x1", "x2", "y")
    assert parse_csv(text.rstrip(newline).encode(), 2, 1).n_rows == 2  # no line break at the end
    named = parse_csv(f'"x{newline}1",x2,y{newline}1,2,3{newline}', 2, 1)
    assert named.columns[0] == f"x{newline}1" and named.X.tolist() == [[1.0, 2.0]]


def test_values_at_the_cap_are_kept_exactly() -> None:
    d = parse_csv(b"1e32,-1e32,0\n", 2, 1)
    assert d.X.tolist() == [[1e32, -1e32]]


def test_size_and_row_caps() -> None:
    with pytest.raises(LRPError, match="more than the cap"):
        parse_csv(b"1,2,3\n" * (MAX_CSV_BYTES // 6 + 10), 2, 1)
    with pytest.raises(LRPError, match="more than the cap of 5"):
        parse_csv(b"1,2,3\n" * 6, 2, 1, max_rows=5)


def test_update_keeps_previous_data_on_error() -> None:
    good, err = update_data(None, b"1,2,3\n", 2, 1)
    assert err is None and good is not None
    kept, err = update_data(good, b"1,2\n", 2, 1)
    assert kept is good and err is not None and "columns" in err
    newer, err = update_data(good, b"7,8,9\n", 2, 1)
    assert err is None and newer is not None and newer.X.tolist() == [[7.0, 8.0]]


def test_fits_and_parse_for_network() -> None:
    net = get_preset("ancona-max").network()
    d = parse_csv_for(net, b"1,2,2\n")
    assert fits(d, net)
    wide = get_preset("dtd-mlp").network()
    assert not fits(d, wide)
    assert not fits(None, net)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        # the first row is a header only when none of its cells is a number
        (b"x1,2,y\n1,2,3\n", "CSV line 1, column 1: 'x1' is not a number"),
        (b"1,b,c\n1,2,3\n", "CSV line 1, column 2: 'b' is not a number"),
        (b"a,b,c,d\n1,2,3\n", "header has 4 columns but this network needs 3"),
        # line numbers are the file's: the header and blank lines count
        (b"x1,x2,y\n1,2,3\n4,five,6\n", "CSV line 3, column 2: 'five'"),
        (b"\n1,2,3\n\n\n4,5\n", "CSV line 5 has 2 columns"),
        (b'x1,x2,y\n"1\n",2,3\n4,five,6\n', "CSV line 4, column 2: 'five'"),  # a quoted line break
    ],
)
def test_header_rule_and_line_numbers(data: bytes, fragment: str) -> None:
    with pytest.raises(LRPError, match=fragment):
        parse_csv(data, 2, 1)


def test_a_header_of_words_is_taken_and_named() -> None:
    d = parse_csv(b"\n\nalpha,beta,gamma\n1,2,3\n", 2, 1)
    assert d.columns == ("alpha", "beta", "gamma") and d.X.tolist() == [[1.0, 2.0]]
