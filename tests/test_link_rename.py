"""A link keeps what the user changed (issue 13, mutation kind "a renamed preset encoded in the link by
its preset name"): a preset renamed but not otherwise edited is written out in full, name included, so
the link reopens it under the user's name; an unedited preset stays ``preset=NAME``."""

from __future__ import annotations

from lrp_core.presets import get_preset
from lrp_core.urlstate import decode_network, encode_network


def test_an_unedited_preset_is_encoded_by_its_name() -> None:
    assert encode_network(get_preset("ancona-max").network()) == {"preset": "ancona-max"}


def test_a_renamed_preset_keeps_its_new_name_in_the_link() -> None:
    net = get_preset("ancona-max").network().renamed("my copy")
    params = encode_network(net)
    assert "preset" not in params and "net" in params
    back = decode_network(params)
    assert back is not None and back.name == "my copy" and back.same_weights(net)
