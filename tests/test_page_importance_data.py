"""The importance page's data controls (issue 16 §2) through AppTest: label noise, input range, toy
sets, the loss at these weights, the data scatter."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lrp_core.importance import attribute
from lrp_core.presets import get_preset
from lrp_core.toydata import preset_data, toy_dataset
from tests.conftest import importance_numbers, open_app_page, page_charts

PAGE = "views/importance.py"


def scores(at: AppTest) -> dict[str, list[float]]:
    frame = importance_numbers(at)
    return {str(c): [float(v) for v in frame[c]] for c in frame.columns}


def metric(at: AppTest, label_start: str) -> str:
    return next(str(m.value) for m in at.metric if str(m.label).startswith(label_start))


def captions(at: AppTest) -> str:
    return " ".join(str(c.value) for c in at.caption)


def test_label_noise_makes_gradient_and_taylor_speak() -> None:
    at = open_app_page(PAGE)
    at.pills(key="imp_methods").set_value(["gradient", "taylor", "shapley-exact"]).run()
    clean = scores(at)
    assert max(abs(v) for v in clean["Gradient (sensitivity)"]) <= 1e-12  # a perfect fit: nothing to say
    assert metric(at, "MSE loss now") in ("0", "≈ 0")
    at.text_input(key="imp_sigma").set_value("0.5").run()
    noisy = scores(at)
    assert min(noisy["Gradient (sensitivity)"][:3]) > 1e-3 and abs(noisy["Taylor (signed)"][0]) > 1e-3
    X, y = preset_data("ancona-max", 100, 0, sigma=0.5)
    want = attribute(get_preset("ancona-max").network(), X, y, "shapley-exact", layer=0)[0]
    assert noisy["Shapley (exact)"] == want.scores.tolist()  # the page's data are exactly the library's
    assert float(metric(at, "MSE loss now")) > 0.1
    assert "label noise σ = 0.5" in captions(at)
    assert abs(sum(noisy["Shapley (exact)"]) - want.extra["v_full"]) < 1e-9  # efficiency still holds


def test_input_range_and_bad_values_are_refused_beside_the_field() -> None:
    at = open_app_page(PAGE)
    at.checkbox(key="imp_range_on").check().run()
    at.text_input(key="imp_low").set_value("-5").run()
    assert "inputs uniform on [-5, 10]" in captions(at)
    at.text_input(key="imp_sigma").set_value("-1").run()  # refused, nothing changes
    assert any("Label noise σ" in str(e.value) for e in at.error)
    assert "label noise σ = 0" in captions(at)


def test_toy_data_set_and_its_scatter() -> None:
    at = open_app_page(PAGE, query={"preset": "xor-2-4-1"})
    at.radio(key="imp_source").set_value("toy").run()
    at.selectbox(key="imp_toy").set_value("moons").run()
    assert not at.exception and "the **moons** toy data set" in " ".join(str(m.value) for m in at.caption)
    spec = next(c for c in page_charts(at) if c.key == "imp_scatter")
    assert spec is not None
    X, y = toy_dataset("moons", 100, noise=0.1, seed=0)
    want = attribute(get_preset("xor-2-4-1").network(), X, y, "apoz", layer=0)[0]
    assert scores(at)["APoZ (1 − fraction of zeros)"] == want.scores.tolist()


def test_prune_and_train_on_the_page_are_undoable_edits() -> None:
    at = open_app_page(PAGE)
    at.segmented_control(key="imp_action").set_value("Prune it by a ranking").run()
    at.selectbox(key="imp_prune_units_method").set_value("shapley-exact").run()
    shown = " ".join(str(m.value) for m in at.markdown)
    assert "Removing **h4**" in shown
    at.button(key="imp_prune_units_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["lrp_network"].widths == [2, 3, 1]
    assert metric(at, "MSE loss now") in ("0", "≈ 0")  # the useless unit is gone, the fit is still perfect
    at.button(key="tweak_undo").click().run()
    assert at.session_state["lrp_network"].widths == [2, 4, 1]
    at.segmented_control(key="imp_action").set_value("Train it on these data").run()
    at.number_input(key="imp_train_epochs").set_value(2)
    at.button(key="imp_train_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["lrp_network"].name == "ancona-max (trained)"
    at.button(key="tweak_undo").click().run()
    assert at.session_state["lrp_network"].name == "ancona-max"
