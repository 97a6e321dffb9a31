"""ui/view_settings: a view's typed fields become the settings of its page (lessons and hand-made links)."""

from __future__ import annotations

from lrp_core.presets import get_preset
from lrp_core.viewstate import View
from lrp_explorer.ui.view_settings import as_settings

NET = get_preset("ancona-max").network()


def test_importance_methods_parameters_layer_and_data() -> None:
    view = View(page="importance", layer=0, methods={"weight-norm": {"norm": "l2"}, "shapley-sampled": {"samples": 40}},
                data={"source": "preset", "n": 50, "seed": 3, "sigma": 0.5, "loss": "l1"})
    assert as_settings(view, NET) == {
        "imp_methods": ["weight-norm", "shapley-sampled"], "imp_wn_norm": "l2", "imp_samples": "40",
        "imp_layer_1": 0, "imp_source": "preset", "imp_n": "50", "imp_seed": "3", "imp_sigma": "0.5",
        "imp_loss": "l1",
    }


def test_a_toy_source_and_explicit_settings_win() -> None:
    view = View(page="importance", data={"source": "moons", "noise": 0.2}, settings={"imp_toy": "spiral"})
    assert as_settings(view, NET) == {"imp_source": "toy", "imp_toy": "spiral", "imp_toy_noise": "0.2"}


def test_fields_box_and_output_and_pages_without_typed_fields() -> None:
    assert as_settings(View(page="fields", box=(-2.0, 2.0), output=0), NET) == {"fields_box": "-2,2,-2,2",
                                                                               "fields_output": 0}
    assert as_settings(View(page="editor", mode="full", settings={"a": 1}), NET) == {"a": 1}


def test_roots_finders_with_their_parameters_layer_output_and_box() -> None:
    view = View(page="roots", layer=0, output=0, box=(-3.0, 3.0),
                finders={"rule": {"rule": "w²"}, "exact": {"tie_break": "nearest"}, "mcmc": {"n_chains": 4}})
    assert as_settings(view, NET) == {
        "roots_finders": ["rule", "exact", "mcmc"], "roots_rule": "w²", "roots_exact_tie_break": "nearest",
        "roots_mcmc_n_chains": 4, "roots_layer": 0, "roots_output": 0, "roots_box": "-3,3,-3,3",
    }


def test_decomposition_mode_output_and_the_first_finder() -> None:
    view = View(page="decomposition", mode="train-free", output=0, finders={"rule": {"rule": "z+"}, "exact": {}})
    assert as_settings(view, NET) == {"dec_mode": "train-free", "dec_output": 0, "dec_a_finder": "rule",
                                      "dec_a_rule": "z+"}
