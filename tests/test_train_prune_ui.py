"""The train and prune widget group (lrp_explorer/ui/train_prune.py) through AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lrp_core.presets import get_preset
from lrp_core.toydata import toy_dataset
from lrp_core.training import train


def train_script() -> None:
    from lrp_core.toydata import toy_dataset
    from lrp_explorer.ui import state, train_prune

    state.init()
    X, y = toy_dataset("moons", 60, seed=0)
    train_prune.train_panel(state.get_network(), X, y)


def prune_script() -> None:
    from lrp_core.importance import attribute
    from lrp_core.toydata import preset_data
    from lrp_explorer.ui import state, train_prune

    state.init()
    net = state.get_network()
    X, y = preset_data("ancona-max", 100, 0)
    results = attribute(net, X, y, ["apoz", "shapley-exact"]) if net.layers[0].n_out == 4 else []
    train_prune.prune_panel(net, X, y, results, layer=0)


def app(script, preset: str) -> AppTest:  # type: ignore[no-untyped-def]
    at = AppTest.from_function(script, default_timeout=300)
    at.query_params["preset"] = preset
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_train_replaces_the_network_deterministically() -> None:
    at = app(train_script, "xor-2-4-1")
    at.number_input(key="tp_epochs").set_value(3)
    at.number_input(key="tp_lr").set_value(0.05)
    at.button(key="tp_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    net = at.session_state["lrp_network"]
    X, y = toy_dataset("moons", 60, seed=0)
    lib = train(get_preset("xor-2-4-1").network(), X, y, epochs=3, lr=0.05, loss="logistic")
    assert net.same_weights(lib.network) and net.name == "xor-2-4-1 (trained)"
    assert any("Trained 3 epochs" in str(s.value) for s in at.success)
    assert "tp_partial" not in at.session_state


def test_a_stopped_run_keeps_the_weights_reached() -> None:
    at = app(train_script, "xor-2-4-1")
    X, y = toy_dataset("moons", 60, seed=0)
    partial = train(get_preset("xor-2-4-1").network(), X, y, epochs=2, lr=0.05).network
    at.session_state["tp_partial"] = (partial, [0.7, 0.6, 0.5], 2, 50)
    at.button(key="tp_stop").click().run()
    assert not at.exception
    assert at.session_state["lrp_network"].same_weights(partial)
    assert any("stopped at epoch 2 of 50" in str(s.value) for s in at.success)


def test_prune_shows_the_loss_and_removes_units() -> None:
    at = app(prune_script, "ancona-max")
    at.selectbox(key="pp_method").set_value("shapley-exact").run()
    shown = " ".join(str(m.value) for m in at.markdown)
    assert "**h4**" in shown and "shapley-exact" in shown
    at.selectbox(key="pp_method").set_value("apoz").run()
    shown = " ".join(str(m.value) for m in at.markdown)
    assert "**h2**" in shown and "→ 1.87552" in shown
    at.button(key="pp_apply").click().run()
    assert at.session_state["lrp_network"].widths == [2, 3, 1]
