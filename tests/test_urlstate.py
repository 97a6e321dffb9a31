"""The network in the URL: round trips and clear refusals."""

from __future__ import annotations

import base64
import zlib

import pytest

from lrp_core.errors import LRPError
from lrp_core.presets import get_preset, preset_names
from lrp_core.urlstate import MAX_PARAM_CHARS, decode_network, encode_network


@pytest.mark.parametrize("name", preset_names())
def test_unedited_preset_is_a_short_link(name: str) -> None:
    net = get_preset(name).network()
    params = encode_network(net)
    assert params == {"preset": name}
    assert decode_network(params).same_weights(net)


def test_edited_network_round_trips_exactly() -> None:
    net = get_preset("dtd-mlp").network().with_value(0, "weight", 3, 4, 0.1234567890123)
    params = encode_network(net)
    assert set(params) == {"net"} and params["net"].startswith("1.")
    assert len(params["net"]) < 12_000  # compact: zlib + base64
    back = decode_network(params)
    assert back.same_weights(net)
    assert back.layers[0].weight[3, 4].item() == 0.1234567890123


def test_no_params_means_no_network() -> None:
    assert decode_network({}) is None


def _payload(text: bytes) -> str:
    return "1." + base64.urlsafe_b64encode(zlib.compress(text)).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"preset": "nope"}, "unknown preset"),
        ({"net": "abc"}, "version prefix"),
        ({"net": "2.abc"}, "version '2'"),
        ({"net": "1.!!!!"}, "base64|damaged"),
        ({"net": "1." + base64.urlsafe_b64encode(b"not zlib").decode()}, "damaged"),
        ({"net": _payload(b"[1, 2")}, "not valid JSON"),
        ({"net": _payload(b'{"format": "x"}')}, "invalid network"),
        ({"net": "1." + "A" * (MAX_PARAM_CHARS + 1)}, "longer than"),
        ({"net": _payload(b" " * 3_000_000)}, "size cap"),
    ],
)
def test_bad_links_are_refused_clearly(params: dict[str, str], match: str) -> None:
    with pytest.raises(LRPError, match=match):
        decode_network(params)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_a_truncated_link_says_it_is_incomplete(keep: float) -> None:
    """Issue 12 item 15: a link cut off while copying said "not valid JSON: Expecting value at line 1"."""
    from lrp_core.presets import get_preset
    from lrp_core.urlstate import encode_network

    net = get_preset("plane-2-8-8-1").network().with_value(0, "weight", 0, 0, 0.123)
    value = encode_network(net)["net"]
    cut = value[: int(len(value) * keep)]
    with pytest.raises(LRPError, match="damaged or incomplete") as info:
        decode_network({"net": cut})
    assert "JSON" not in str(info.value)
