"""Guards on the pages (issue 6 §1 and §3) under AppTest: zero output says there is nothing to
explain (roots, decomposition), the editor flags numerically risky networks, and a refused or failed
run shows an error while the page stays usable and the network is kept."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lrp_core import guards
from lrp_core.errors import LRPError
from lrp_core.network import Network, from_layers
from lrp_core.presets import get_preset
from tests.conftest import open_app_page, page_charts


def open_page(page: str, net: Network | None = None, x: tuple[float, ...] | None = None) -> AppTest:
    return open_app_page(page, net=net, x=x)


def texts(elements: object) -> str:
    return " ".join(str(e.value) for e in elements)  # type: ignore[attr-defined]


def rev(at: AppTest) -> int:
    return int(at.session_state["lrp_rev"])


# --- zero output: nothing to explain -------------------------------------------------------------


@pytest.mark.parametrize("page", ["views/roots.py", "views/decomposition.py"])
def test_zero_output_says_nothing_to_explain(page: str) -> None:
    net = get_preset("ancona-max").network()  # max(x1, x2): 0 at the origin
    at = open_page(page, net, (0.0, 0.0))
    info = texts(at.info)
    assert "Nothing to explain" in info and "output 0 is 0 at this input" in info
    assert not at.error
    assert not page_charts(at) and not at.dataframe  # nothing computed (the tweak diagram is not a result)
    # the page returned inside main_and_tweak's block: the tweak control is still drawn (tweak back out)
    assert at.number_input(key="tweak_value").value is not None
    assert [c.key for c in at.get("plotly_chart")] == ["tweak_diagram"]
    assert at.session_state["lrp_network"].digest == net.digest


@pytest.mark.parametrize("page", ["views/roots.py", "views/decomposition.py"])
def test_nonzero_output_computes_as_before(page: str) -> None:
    at = open_page(page)  # ancona-max at its default input: f(x) != 0
    assert "Nothing to explain" not in texts(at.info)
    assert page_charts(at) and (at.dataframe or at.metric)  # its numbers: a table (roots) or metrics (decomposition)


# --- editor: health flags ---------------------------------------------------------------------------


def test_editor_flags_huge_weights() -> None:
    net = from_layers([[[1e30, 0.0], [0.0, 1e30]], [[1e30, 1e30]]], [[0.0, 0.0], [0.0]], ["relu", "linear"])
    at = open_page("views/editor.py", net, (1.0, 2.0))
    warnings = texts(at.warning)
    assert "The largest weight is 1e+30" in warnings
    assert "float32 and float64 disagree" in warnings.lower() and "overflows to infinity" in warnings


def test_editor_flags_dead_layer_and_zero_output() -> None:
    net = from_layers([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0]]], [[-10.0, -10.0], [0.0]], ["relu", "linear"])
    at = open_page("views/editor.py", net, (0.5, 0.5))
    assert "every unit of hidden layer 0 is inactive" in texts(at.warning).lower()
    assert "nothing to explain" in texts(at.info)


def test_editor_shows_no_flags_on_a_preset() -> None:
    at = open_page("views/editor.py")
    assert not at.warning and "nothing to explain" not in texts(at.info)


# --- a refused run: error shown, the rest of the page renders, nothing lost ---------------------------


def test_roots_page_refused_mcmc_run_keeps_the_page() -> None:
    at = open_page("views/roots.py")
    r = rev(at)
    digest = at.session_state["lrp_network"].digest
    at.number_input(key=f"roots_p_{r}_mcmc_n_chains").set_value(2000)
    at.number_input(key=f"roots_p_{r}_mcmc_n_warmup").set_value(1_000_000)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = texts(at.error)
    assert "Metropolis–Hastings chains" in errors and "n_steps + n_warmup must be at most 300,000" in errors
    # the other finders' results still render: plane, diagnostics, downloads
    finders = list(at.dataframe[0].value["finder"])
    assert finders == ["rule z+", "exact"]
    assert at.get("plotly_chart") and len(at.get("download_button")) == 2
    assert at.session_state["lrp_network"].digest == digest
    # back to a valid setting: mcmc runs again
    at.number_input(key=f"roots_p_{r}_mcmc_n_warmup").set_value(100)
    at.number_input(key=f"roots_p_{r}_mcmc_n_chains").set_value(10)
    at.run()
    assert not at.error and list(at.dataframe[0].value["finder"]) == ["rule z+", "mcmc", "exact"]


def test_decomposition_page_refused_mcmc_run_keeps_the_page() -> None:
    at = open_page("views/decomposition.py")
    digest = at.session_state["lrp_network"].digest
    at.selectbox(key="dec_a_finder").set_value("mcmc").run()
    at.number_input(key="dec_a_mcmc_n_chains").set_value(500)
    at.number_input(key="dec_a_mcmc_n_steps").set_value(20_000)
    at.number_input(key="dec_a_mcmc_n_warmup").set_value(50_000)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "must be at most 150,000,000 in all" in texts(at.error)
    assert "network and input are unchanged" in texts(at.info)
    assert at.selectbox(key="dec_a_finder").value == "mcmc"  # the controls are still there
    assert at.session_state["lrp_network"].digest == digest
    at.number_input(key="dec_a_mcmc_n_chains").set_value(2)
    at.number_input(key="dec_a_mcmc_n_steps").set_value(50)
    at.number_input(key="dec_a_mcmc_n_warmup").set_value(20)
    at.run()
    assert not at.exception and not at.error
    assert page_charts(at) and at.metric  # the decomposition's plots and totals


# --- the library check behind the decomposition page -----------------------------------------------


def test_check_decomposition_work() -> None:
    net = get_preset("dtd-mlp").network()  # 10 + 10 + 10 + 10 + 2 neurons
    heavy = ("mcmc", {"n_chains": 50, "n_steps": 2000, "n_warmup": 20_000})
    guards.check_decomposition_work(net, [("exact", {})] * 4 + [heavy])  # 50 × 22,000 × 2
    guards.check_decomposition_work(net, [heavy] * 5)  # 1.1e6 × 42 = 4.6e7: the study's setting is allowed
    with pytest.raises(LRPError, match=r"at most 150,000,000 in all; got 210,000,000"):
        guards.check_decomposition_work(net, [("mcmc", {"n_chains": 500, "n_steps": 5000, "n_warmup": 5000})] * 5)
    with pytest.raises(LRPError, match="one finder per layer"):
        guards.check_decomposition_work(net, [heavy])


@pytest.mark.parametrize("page", ["views/importance.py", "views/roots.py", "views/decomposition.py", "views/fields.py"])
def test_the_float32_warning_is_on_every_page_that_computes(page: str) -> None:
    """Issue 12 item 8: the numerical warning appeared only on the editor."""
    net = from_layers([[[1e30, 0.0], [0.0, 1e30]], [[1e30, 1e30]]], [[0.0, 0.0], [0.0]], ["relu", "linear"])
    at = open_page(page, net, (1.0, 2.0))
    assert "The largest weight is 1e+30" in texts(at.warning)


def test_extreme_weights_one_ranking_in_words_and_table() -> None:
    net = from_layers([[[1e30, 0.0], [0.0, 1e30], [1e30, 1e30]], [[1e30, 1e30, 0.0]]],
                      [[0.0, 0.0, 0.0], [0.0]], ["relu", "linear"])
    at = open_page("views/importance.py", net, (1.0, 2.0))
    at.pills(key="imp_methods").set_value(["apoz", "weight-norm"]).run()
    words = texts(at.markdown)
    for chart in page_charts(at):
        if chart.key == "imp_ranks":
            import json

            heat = json.loads(chart.proto.spec)["data"][0]
            for label, row in zip(heat["y"], heat["text"], strict=True):
                if "tie" in row:
                    continue
                last = heat["x"][max(range(len(row)), key=lambda i: int(row[i]))]
                assert f"**{label}** would prune **{last}** first" in words, (label, row, words)
