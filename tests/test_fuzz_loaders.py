"""Property-based fuzzing of every loader a user can feed (issue 6, part 1).

Property, for each loader: on any input, either a valid result comes back or
:class:`lrp_core.errors.LRPError` is raised with a non-empty one-line message.
Any other exception (ValueError, TypeError, RecursionError, UnicodeError, ...)
fails the test. Each test draws at least 1,000 inputs, derandomized so CI is
stable: wrong types, wrong shapes, NaN/inf, huge numbers (1e400, 5,000-digit
integers), deep nesting, truncated text, other encodings and random bytes.
"""

from __future__ import annotations

import base64
import codecs
import copy
import json
import math
import re
import zlib
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrp_core.errors import LRPError
from lrp_core.io import MAX_UPLOAD_BYTES, load_network_json
from lrp_core.network import MAX_ABS_VALUE, Network, from_layers
from lrp_core.presets import get_preset, preset_names
from lrp_core.urlstate import decode_network, encode_network

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# --- building blocks -----------------------------------------------------------

BAD_NUMBER_LITERALS = [
    "1e400", "-1e400", "NaN", "Infinity", "-Infinity", "1e-400", "1" * 5000, "-" + "9" * 500,
    "1e33", "-1e33", "true", "false", "null", '"1.0"', '""', "[]", "{}", "[1]", "0x10", "1_000",
    "+1", ".5", "1.", "01", "1e", "--1", "1e308", "4.9e-324",
]
ENCODINGS = ["latin-1", "utf-16", "utf-16-le", "utf-32", "cp1252", "utf-8-sig", "utf-8"]


def scalar_garbage() -> st.SearchStrategy[Any]:
    """Values that are not (finite) numbers, plus edge-case numbers."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.text(max_size=8),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 1e-308, 5e-324, MAX_ABS_VALUE * 10]),
        st.integers(min_value=-(10**400), max_value=10**400),
        st.sampled_from([10**309, -(10**309), 2**63, -(2**63) - 1]),
    )


def garbage() -> st.SearchStrategy[Any]:
    """Any JSON-like value, nested a little."""
    return st.recursive(
        scalar_garbage(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(max_size=6), inner, max_size=4),
        ),
        max_leaves=12,
    )


def small_spec() -> st.SearchStrategy[dict[str, Any]]:
    """A valid network description (small random shapes, finite weights)."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        widths = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
        num = st.floats(-5, 5, allow_nan=False, allow_infinity=False)
        weights = [[[draw(num) for _ in range(widths[k])] for _ in range(widths[k + 1])]
                   for k in range(len(widths) - 1)]
        biases = [[draw(num) for _ in range(widths[k + 1])] for k in range(len(widths) - 1)]
        acts = [draw(st.sampled_from(["relu", "linear"])) for _ in weights]
        return from_layers(weights, biases, acts, name="fuzz").to_dict()

    return st.one_of(
        st.sampled_from(["ancona-max", "xor-2-4-1", "plane-2-8-8-1"]).map(
            lambda name: get_preset(name).network().to_dict()
        ),
        build(),
    )


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (sequence of keys/indices) into a JSON-like object."""
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_spec(draw: st.DrawFn) -> Any:
    """A valid description with 1-3 places replaced, deleted, duplicated or extended."""
    spec: Any = copy.deepcopy(draw(small_spec()))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(spec)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "append", "wrap", "scale"]))
        if not path:
            spec = draw(garbage()) if action == "replace" else [spec]
            continue
        parent = spec
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        if action == "replace":
            parent[key] = draw(garbage())
        elif action == "delete":
            del parent[key]
        elif action == "append" and isinstance(parent[key], list):
            parent[key].append(draw(garbage()))
        elif action == "wrap":
            parent[key] = [parent[key]]
        elif action == "scale" and isinstance(parent[key], float):
            parent[key] = parent[key] * draw(st.sampled_from([1e30, 1e40, 1e300, -1e-300, 0.0]))
        else:
            parent[key] = draw(garbage())
    return spec


def _dumps(obj: Any) -> str:
    """JSON text, NaN/Infinity allowed (Python's json writes them), huge ints included."""
    return json.dumps(obj, allow_nan=True)


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@st.composite
def malformed_text(draw: st.DrawFn) -> str:
    """Valid network JSON damaged at the text level."""
    text = _dumps(draw(small_spec()))
    action = draw(st.sampled_from(["truncate", "literal", "insert", "delete", "nest", "dup-key"]))
    if action == "truncate":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    if action == "literal":
        matches = list(_NUMBER.finditer(text))
        m = draw(st.sampled_from(matches))
        return text[: m.start()] + draw(st.sampled_from(BAD_NUMBER_LITERALS)) + text[m.end():]
    if action == "insert":
        pos = draw(st.integers(0, len(text)))
        return text[:pos] + draw(st.text(min_size=1, max_size=6)) + text[pos:]
    if action == "delete":
        a = draw(st.integers(0, len(text) - 1))
        return text[:a] + text[a + draw(st.integers(1, 10)):]
    if action == "nest":
        depth = draw(st.integers(20, 5000))
        return text[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}"
    return text[:-1] + ', "layers": ' + _dumps(draw(garbage())) + "}"


def encoded(text_strategy: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """Text in some encoding (UTF-16/32 and latin-1 are refused or decoded, never crash)."""

    @st.composite
    def enc(draw: st.DrawFn) -> bytes:
        text = draw(text_strategy)
        encoding = draw(st.sampled_from(ENCODINGS))
        return codecs.encode(text, encoding, errors="replace")

    return enc()


def loader_inputs() -> st.SearchStrategy[bytes | str]:
    """Everything thrown at the network JSON loader."""
    name_text = st.text(alphabet=st.characters(min_codepoint=0x80, max_codepoint=0x2FF), min_size=1, max_size=5)
    latin_named = small_spec().flatmap(
        lambda spec: name_text.map(lambda n: _dumps({**spec, "name": n}).encode("latin-1", errors="replace"))
    )
    return st.one_of(
        st.binary(max_size=300),
        st.sampled_from([b"\x80\x04\x95", b"PK\x03\x04rest", b"\x93NUMPY", b"\xff\xfe", b"\xef\xbb\xbf", b""]).flatmap(
            lambda head: st.binary(max_size=50).map(lambda tail: head + tail)
        ),
        st.text(max_size=200),
        garbage().map(_dumps),
        garbage().map(lambda g: _dumps(g).encode("utf-8")),
        mutated_spec().map(_dumps),
        mutated_spec().map(lambda s: _dumps(s).encode("utf-8")),
        malformed_text(),
        encoded(malformed_text()),
        encoded(small_spec().map(_dumps)),
        latin_named,
    )


def assert_lrp_error_message(exc: LRPError) -> None:
    msg = str(exc)
    assert msg.strip(), "an LRPError must carry a message"
    assert "\n" not in msg and "\r" not in msg, f"message is not one line: {msg!r}"


def check_loader(call: Callable[[], Any]) -> Any:
    """Run ``call``; return its result, or None after a well-formed LRPError.
    Any other exception propagates and fails the test."""
    try:
        return call()
    except LRPError as exc:
        assert_lrp_error_message(exc)
        return None


def assert_valid_network(net: Network) -> None:
    """A returned network is usable: finite, capped, and it round-trips."""
    assert isinstance(net, Network)
    for layer in net.layers:
        for t in (layer.weight, layer.bias):
            assert bool(t.isfinite().all())
            assert float(t.abs().max()) <= MAX_ABS_VALUE
    again = load_network_json(net.to_json())
    assert again.digest == net.digest


# --- the network JSON loader ---------------------------------------------------


@FUZZ
@given(data=loader_inputs())
def test_network_json_loader_never_crashes(data: bytes | str) -> None:
    net = check_loader(lambda: load_network_json(data))
    if net is not None:
        assert_valid_network(net)


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "1" * 5000, "1e33", "true", "null"])
def test_non_finite_or_huge_literal_in_a_weight_is_refused(literal: str) -> None:
    """(1e-400 is not here: it underflows to 0.0, a valid weight.)"""
    text = _dumps(get_preset("xor-2-4-1").network().to_dict())
    m = _NUMBER.search(text[text.index('"weight"'):])
    assert m is not None
    start = text.index('"weight"') + m.start()
    bad = text[:start] + literal + text[start + len(m.group()):]
    with pytest.raises(LRPError) as info:
        load_network_json(bad)
    assert_lrp_error_message(info.value)


@pytest.mark.parametrize("value", [True, False, None, "1.0", [1.0], {"v": 1}])
def test_booleans_strings_nulls_are_not_numbers(value: Any) -> None:
    spec = get_preset("xor-2-4-1").network().to_dict()
    spec["layers"][0]["weight"][0][0] = value
    with pytest.raises(LRPError, match="weight row 0"):
        load_network_json(json.dumps(spec))


def test_oversize_and_deep_nesting_are_refused_before_parsing() -> None:
    with pytest.raises(LRPError, match="cap"):
        load_network_json(b" " * (MAX_UPLOAD_BYTES + 1))
    with pytest.raises(LRPError, match="nested"):
        load_network_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(LRPError, match="digits"):
        load_network_json('{"a": ' + "7" * 5000 + "}")


# --- the URL state decoder -------------------------------------------------------

B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="


def _pack(raw: bytes) -> str:
    return "1." + base64.urlsafe_b64encode(zlib.compress(raw)).rstrip(b"=").decode()


def url_params() -> st.SearchStrategy[dict[str, str]]:
    """Query parameters a user could paste: random, damaged, or hostile."""
    valid_net = small_spec().map(lambda spec: encode_network(load_network_json(_dumps(spec))))
    payloads = st.one_of(
        st.text(max_size=80),
        st.text(alphabet=B64_ALPHABET, max_size=120).map(lambda s: "1." + s),
        st.sampled_from(["0", "2", "", "1", "v1", "١"]).flatmap(
            lambda v: st.text(alphabet=B64_ALPHABET, max_size=40).map(lambda s: f"{v}.{s}")
        ),
        st.binary(max_size=200).map(_pack),
        st.binary(max_size=200).map(lambda b: "1." + base64.urlsafe_b64encode(b).decode()),
        mutated_spec().map(lambda s: _pack(_dumps(s).encode())),
        malformed_text().map(lambda t: _pack(t.encode("utf-8", errors="surrogatepass"))),
        encoded(small_spec().map(_dumps)).map(_pack),
        garbage().map(lambda g: _pack(_dumps(g).encode())),
        st.integers(1, 60).map(lambda n: _pack(b"[" * (n * 100_000))),  # decompression bomb
        valid_net.flatmap(
            lambda p: st.integers(0, max(0, len(p.get("net", "")) - 1)).map(
                lambda cut: p.get("net", "1.")[:cut]  # truncated link
            )
        ),
        valid_net.map(lambda p: p.get("net", p.get("preset", ""))),
    )
    return st.one_of(
        payloads.map(lambda v: {"net": v}),
        st.text(max_size=30).map(lambda v: {"preset": v}),
        st.sampled_from(preset_names()).map(lambda v: {"preset": v}),
        st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=3),
        payloads.flatmap(lambda v: st.text(max_size=10).map(lambda p: {"net": v, "preset": p})),
    )


@FUZZ
@given(params=url_params())
def test_url_decoder_never_crashes(params: dict[str, str]) -> None:
    net = check_loader(lambda: decode_network(params))
    if net is not None:
        assert_valid_network(net)
    elif "net" not in params and "preset" not in params:
        assert decode_network(params) is None


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(spec=small_spec())
def test_url_round_trip_of_valid_networks(spec: dict[str, Any]) -> None:
    net = load_network_json(_dumps(spec))
    back = decode_network(encode_network(net))
    assert back is not None and back.digest == net.digest


def test_url_decompression_bomb_is_capped() -> None:
    with pytest.raises(LRPError, match="size cap"):
        decode_network({"net": _pack(b" " * (50 * MAX_UPLOAD_BYTES))})


# --- the CSV loader ------------------------------------------------------------------

CELL_GARBAGE = ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", "true", "false", "null", "None", "",
                " ", '"1"', '"1,5"', "1,5", "0x10", "1e", "--1", "١", "½", "1" * 500, "1e-400", '"', "'", "#"]


@st.composite
def csv_text(draw: st.DrawFn) -> tuple[str, int, int]:
    """CSV text plus the network's (n_inputs, n_outputs); valid or damaged."""
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    width = n_in + n_out + draw(st.sampled_from([0, 0, 0, -1, 1]))
    width = max(width, 1)
    delim = draw(st.sampled_from([",", ",", ";", "\t", "|", " "]))
    num = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(repr)
    cell = st.one_of(num, num, num, st.sampled_from(CELL_GARBAGE), st.text(max_size=6))
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=0, max_size=8))
    if rows and draw(st.booleans()):  # ragged row
        i = draw(st.integers(0, len(rows) - 1))
        rows[i] = rows[i][: draw(st.integers(0, width))]
    lines = [delim.join(r) for r in rows]
    if draw(st.booleans()):
        header = [draw(st.sampled_from(["x1", "x2", "y", "a b", '"q"', "", "x;y", "1"])) for _ in range(width)]
        lines.insert(0, delim.join(header))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = eol.join(lines) + draw(st.sampled_from(["", eol, eol * 3]))
    if draw(st.integers(0, 4)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return text, n_in, n_out


def csv_inputs() -> st.SearchStrategy[tuple[bytes | str, int, int]]:
    shapes = st.tuples(st.integers(1, 4), st.integers(1, 3))
    return st.one_of(
        csv_text(),
        csv_text().flatmap(lambda t: st.sampled_from(ENCODINGS).map(
            lambda enc: (codecs.encode(t[0], enc, errors="replace"), t[1], t[2])
        )),
        st.tuples(st.binary(max_size=300), *[s for s in (st.integers(1, 4), st.integers(1, 3))]),
        st.tuples(st.text(max_size=200), st.integers(1, 4), st.integers(1, 3)),
        shapes.flatmap(lambda s: garbage().map(lambda g: (_dumps(g), s[0], s[1]))),  # JSON where CSV was expected
        shapes.map(lambda s: (b"\x80\x04\x95" + b"\x00" * 20, s[0], s[1])),  # a pickle
    )


@FUZZ
@given(case=csv_inputs())
def test_csv_loader_never_crashes(case: tuple[bytes | str, int, int]) -> None:
    from lrp_core.datasets import parse_csv

    data, n_in, n_out = case
    result = check_loader(lambda: parse_csv(data, n_in, n_out))
    if result is not None:
        assert result.X.dtype == torch.float64 and result.y.dtype == torch.float64
        assert result.X.shape == (result.n_rows, n_in) and result.y.shape == (result.n_rows, n_out)
        assert result.n_rows >= 1
        assert bool(torch.isfinite(result.X).all()) and bool(torch.isfinite(result.y).all())


def test_csv_with_a_huge_field_is_refused_with_a_message() -> None:
    from lrp_core.datasets import parse_csv

    with pytest.raises(LRPError):
        parse_csv("1," + "9" * 200_000 + ",1\n", 2, 1)


def test_csv_with_cr_line_endings_parses_or_is_refused_with_a_message() -> None:
    from lrp_core.datasets import parse_csv

    try:
        parse_csv("x1,x2,y\r0.0,1.0,2.0", 2, 1)
    except LRPError:
        pass


# --- lesson files --------------------------------------------------------------------


def _lesson_text() -> str:
    from pathlib import Path

    import lrp_core.lessons

    return (Path(lrp_core.lessons.__file__).parent / "data" / "02-where-is-the-root.toml").read_text("utf-8")


LESSON = _lesson_text()


@st.composite
def damaged_lessons(draw: st.DrawFn) -> str:
    """A shipped lesson with random cuts, insertions and replacements (keys, values, brackets, quotes)."""
    text = LESSON
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = min(len(text), i + draw(st.integers(0, 40)))
        text = text[:i] + draw(st.sampled_from(["", "x", "]", "[", '"', "=", "-1e400", "{}", "\n", "🙂", "[[steps]]",
                                                 "page = \"nope\"", "sigma = -1"])) + text[j:]
    return text


@FUZZ
@given(st.one_of(damaged_lessons(), st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1"))))
def test_lesson_loader_never_crashes(text: str) -> None:
    from lrp_core.lessons import parse_lesson

    try:
        lesson = parse_lesson(text)
    except LRPError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert lesson.steps
