"""The view in the URL (lrp_core.viewstate): round trips, damaged input, unknown keys, bad parameters."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from lrp_core.importance import METHODS
from lrp_core.params import Param
from lrp_core.roots import FINDERS
from lrp_core.viewstate import Target, View, decode_view, encode_view, fit_to_network, from_json, to_json

TOY = "toy-view-method"
TOY_FINDER = "toy-view-finder"


@pytest.fixture
def toys() -> Iterator[None]:
    """A method and a finder with declared parameters (the real ones may declare none yet)."""
    schema = (Param("n_chains", "int", 10, "chains", low=1, high=2000),
              Param("step", "float", 0.1, "step", low=0.0, open_low=True),
              Param("norm", "str", "l1", "norm", choices=("l1", "l2")),
              Param("flag", "bool", False, "flag"))
    METHODS.register(TOY, label="toy", schema=schema)(lambda *a, **k: None)
    FINDERS.register(TOY_FINDER, label="toy finder", schema=schema)(lambda *a, **k: None)
    yield
    METHODS.unregister(TOY)
    FINDERS.unregister(TOY_FINDER)


def _raw(obj: object) -> dict[str, str]:
    text = json.dumps(obj, separators=(",", ":"))
    return {"view": "1." + base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()}


FULL = View(page="roots", x=(0.5, -2.0), layer=1, output=0, neurons=(0, 3), mode="exact",
            box=(-3.0, 3.0, -2.0, 2.5), data={"n": 200, "seed": 7, "loss": "l1"}, tweak="L1.w0.3",
            settings={"imp_wn_norm": "l2", "dec_compare": True, "roots_finders": ["exact", "mcmc"]})


def test_round_trip_of_every_field(toys: None) -> None:
    view = FULL.updated(methods={TOY: {"n_chains": 5, "norm": "l2"}},
                        finders={TOY_FINDER: {"step": 0.25, "flag": True}})
    params = encode_view(view)
    assert list(params) == ["view"] and params["view"].startswith("1.")
    back, notes = decode_view(params)
    assert notes == []
    assert back == view


def test_encoding_is_compact_and_url_safe() -> None:
    value = encode_view(FULL)["view"]
    assert all(c.isalnum() or c in "-_." for c in value)
    assert "=" not in value
    assert len(value) < 400


def test_empty_view_has_no_parameter() -> None:
    assert encode_view(View()) == {}
    assert decode_view({}) == (View(), [])
    assert decode_view({"preset": "ancona-max"}) == (View(), [])


def test_floats_survive_exactly() -> None:
    view = View(x=(0.1 + 0.2, 1e-30, -123456.789))
    back, _ = decode_view(encode_view(view))
    assert back.x == view.x


@pytest.mark.parametrize("value", ["", "1.", "1.@@@", "2.e30", "no-dot", "1." + "A" * 30_000,
                                   "1." + base64.urlsafe_b64encode(b"[1,2]").decode(),
                                   "1." + base64.urlsafe_b64encode(b"{not json").decode(),
                                   encode_view(FULL)["view"][:-7]])
def test_damaged_input_gives_one_notice_and_an_empty_view(value: str) -> None:
    view, notes = decode_view({"view": value})
    assert view == View()
    assert len(notes) == 1 and "\n" not in notes[0]
    assert notes[0].startswith("The link's view was ignored")


def test_unknown_keys_are_ignored_with_a_notice_each() -> None:
    view, notes = decode_view(_raw({"p": "importance", "zz": 1, "colour": "red", "l": 0}))
    assert view == View(page="importance", layer=0)
    assert len(notes) == 2
    assert any("'zz'" in n for n in notes) and any("'colour'" in n for n in notes)


@pytest.mark.parametrize("obj, field", [
    ({"x": [1, "a"]}, "input point"), ({"x": [float("1e300")]}, "input point"), ({"x": 3}, "input point"),
    ({"l": -1}, "layer"), ({"l": True}, "layer"), ({"o": 1.5}, "output"), ({"p": "a b/c"}, "page"),
    ({"t": "L0.x1"}, "tweak"), ({"box": [3, -3]}, "box"), ({"box": [0, 1, 2]}, "box"),
    ({"d": [1]}, "data"), ({"s": [1]}, "settings"), ({"m": [TOY]}, "methods"),
])
def test_invalid_values_are_dropped_with_a_notice(obj: dict[str, object], field: str) -> None:
    view, notes = from_json({**obj, "mode": "rule"})
    assert view == View(mode="rule")
    assert len(notes) == 1


def test_a_bad_setting_is_dropped_alone() -> None:
    view, notes = from_json({"s": {"imp_n": "100", "deep": {"nested": 1}, "long": "x" * 500, "ok": [1, "a"]}})
    assert view.settings == {"imp_n": "100", "ok": [1, "a"]}
    assert len(notes) == 2


def test_unknown_method_and_parameters_out_of_range(toys: None) -> None:
    obj = {"m": {TOY: {"n_chains": 0, "step": 0.0, "norm": "l3", "flag": "yes", "bogus": 1},
                 "no-such-method": {}},
           "f": {TOY_FINDER: {"n_chains": 2000}}}
    view, notes = from_json(obj)
    assert view.methods == {TOY: {}}
    assert view.finders == {TOY_FINDER: {"n_chains": 2000}}
    assert len(notes) == 6
    assert any("n_chains must be a whole number from 1 to 2,000, not 0" in n for n in notes)
    assert any("unknown method 'no-such-method'" in n for n in notes)
    assert any("no parameter 'bogus'" in n for n in notes)


def test_real_registries_are_read(toys: None) -> None:
    name = METHODS.names()[0]
    view, notes = from_json({"m": {name: {}}})
    assert notes == [] and view.methods == {name: {}}


def test_target_text_round_trip_and_fit() -> None:
    for text in ("L0.w1.0", "L2.b3", "L10.w63.63"):
        assert Target.parse(text).text == text
    t = Target.parse("L1.w0.3")
    assert (t.layer, t.kind, t.row, t.col) == (1, "weight", 0, 3)
    shapes = [(4, 2), (1, 4)]
    assert t.fits(shapes)
    assert not Target.parse("L1.w1.0").fits(shapes)
    assert not Target.parse("L2.b0").fits(shapes)
    assert Target.parse("L0.b3").fits(shapes) and not Target.parse("L0.b4").fits(shapes)


def test_fit_to_network_drops_what_does_not_exist() -> None:
    view = View(x=(1.0, 2.0, 3.0), layer=5, output=2, tweak="L0.w9.0", mode="exact")
    fitted, notes = fit_to_network(view, [(4, 2), (1, 4)])
    assert fitted == View(mode="exact")
    assert len(notes) == 4
    ok = View(x=(1.0, 2.0), layer=1, output=0, tweak="L1.b0")
    assert fit_to_network(ok, [(4, 2), (1, 4)]) == (ok, [])


def test_to_json_leaves_unset_fields_out() -> None:
    assert to_json(View(page="editor")) == {"p": "editor"}
