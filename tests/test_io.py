"""Safe reading of uploads: JSON only, capped, never unpickled."""

from __future__ import annotations

import io
import json
import pickle

import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.io import MAX_JSON_DEPTH, decode_text, load_network_json, parse_json
from lrp_core.presets import get_preset


def test_valid_network_bytes_load() -> None:
    net = get_preset("ancona-max").network()
    assert load_network_json(net.to_json().encode()).same_weights(net)
    assert load_network_json("\ufeff" + net.to_json()).same_weights(net)  # BOM is fine


class Boom:
    def __reduce__(self) -> tuple:
        raise AssertionError("deserialised")


def test_pickle_and_torch_files_are_refused_unread() -> None:
    with pytest.raises(LRPError, match="pickle"):
        load_network_json(pickle.dumps({"a": 1}))
    buf = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, buf)
    with pytest.raises(LRPError, match="zip"):
        load_network_json(buf.getvalue())


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"x" * 2_000_000, "cap"),
        (b"\xff\xfe{\x00}\x00", "binary|UTF-8"),
        ("é".encode("latin-1"), "UTF-8"),
        (b"[" * (MAX_JSON_DEPTH + 5) + b"]" * (MAX_JSON_DEPTH + 5), "nested"),
        (b'{"a": NaN}', "finite"),
        (b'{"a": Infinity}', "finite"),
        (b'{"a": 1e400}', "too large"),
        (b'{"a": ', "not valid JSON"),
    ],
)
def test_bad_text_is_refused(data: bytes, match: str) -> None:
    with pytest.raises(LRPError, match=match):
        parse_json(data)


def test_depth_ignores_brackets_inside_strings() -> None:
    text = json.dumps({"s": "[" * 100})
    assert parse_json(text) == {"s": "[" * 100}


def test_decode_text_caps_strings() -> None:
    with pytest.raises(LRPError):
        decode_text("a" * 11, max_bytes=10)
