"""Neuron importance: which hidden units matter? APoZ, weight norm, gradient,
Taylor, leave-one-out and Shapley values side by side (Ancona et al. 2020, Fig. 1)."""

from __future__ import annotations

from typing import Any

import streamlit as st
import torch

from lrp_core.errors import LRPError
from lrp_core.importance import (
    DEFAULT_SAMPLES,
    LOSSES,
    MAX_EXACT_UNITS,
    MAX_SAMPLES,
    MAX_WORK,
    METHODS,
    PruningCurve,
    Scores,
    attribute,
    pruning_curves,
    scores_csv,
)
from lrp_core.importance.game import loss_value
from lrp_core.network import Network
from lrp_core.presets import matching_preset
from lrp_explorer.figures.importance import (
    bar_figure,
    convergence_figure,
    method_label,
    prune_first_sentences,
    pruning_figure,
    rank_figure,
    scores_frame,
)
from lrp_explorer.how.importance import how
from lrp_explorer.ui import health, page, state, train_prune
from lrp_explorer.ui.importance_data import PageData, data_controls, scatter
from lrp_explorer.ui.memo import session_memo
from lrp_explorer.ui.numbox import number_box
from lrp_explorer.ui.progress import progress_bar
from lrp_explorer.ui.settings import persisted

LEAD = "Which hidden units could be removed? The methods disagree: tweak a weight on the right and watch them move."


# --- cached computations ---------------------------------------------------------------------


@session_memo(64)
def _scores(digest: str, _net: Network, data_key: str, _X: torch.Tensor, _y: torch.Tensor, layer: int,
            loss: str, method: str, seed: int, samples: int, opts: tuple[tuple[str, str], ...] = ()) -> Scores:
    """One method's scores, with a progress bar while it runs. Only a finished run is cached: a run
    interrupted by a new setting or the Stop button raises out of the progress call and stores nothing."""
    with progress_bar(method_label(method)) as tick:
        return attribute(_net, _X, _y, method, layer=layer, loss=loss, seed=seed, samples=samples,
                         options={method: dict(opts)}, progress=tick)[0]


@session_memo(64)
def _curves(digest: str, _net: Network, data_key: str, _X: torch.Tensor, _y: torch.Tensor, layer: int,
            loss: str, order_keys: tuple[str, ...], _results: list[Scores]) -> list[PruningCurve]:
    """Every result's pruning curve on one game; keyed by ``order_keys``: everything each result's
    ranking depends on besides the other arguments."""
    return pruning_curves(_net, _X, _y, _results, layer=layer, loss=loss)


@session_memo(64)
def _loss(digest: str, _net: Network, data_key: str, _X: torch.Tensor, _y: torch.Tensor, loss: str) -> float:
    """The unpruned network's loss on the data."""
    return float(loss_value(_net(_X), _y, loss))


# --- the body's parts ---------------------------------------------------------------------------


def _settings(net: Network) -> tuple[int, str, list[str], int, dict[str, tuple[tuple[str, str], ...]], Any]:
    """Layer, loss, methods, permutations and the methods' options (one row of controls); the last
    item is the row's column for the data popover."""
    c1, c2, c4, c5 = st.columns([1.4, 1.4, 1, 1], vertical_alignment="bottom")
    layers = list(range(net.n_hidden_layers))
    layer = c1.selectbox("Hidden layer", layers, key=persisted(f"imp_layer_{net.n_hidden_layers}", 0, options=layers),
                         format_func=lambda k: f"layer {k} ({net.layers[k].n_out} units)")
    loss = c2.radio("Loss", LOSSES, horizontal=True, key=persisted("imp_loss", LOSSES[0], options=LOSSES),
                    format_func={"mse": "MSE", "l1": "L1"}.get, help="mean over samples and outputs")
    n_units = net.layers[layer].n_out
    available = [m for m in METHODS.names() if m != "shapley-exact" or n_units <= MAX_EXACT_UNITS]
    # pills wrap, so every chosen method stays in sight (a multiselect clipped them: issue 12 item 14)
    methods = list(st.pills("Methods", available, selection_mode="multi", format_func=method_label,
                            key=persisted("imp_methods", available, options=available)) or [])
    with c4.popover("Options", icon=":material/tune:", width="stretch"):
        wn_norm = st.radio("Weight norm", ["l1", "l2"], horizontal=True, key=persisted("imp_wn_norm", "l1"),
                           format_func=str.upper)
        wn_dir = st.radio("Weights", ["in", "out"], horizontal=True, key=persisted("imp_wn_dir", "in"),
                          format_func={"in": "incoming", "out": "outgoing"}.get)
        grad_reduce = st.radio("Gradient over samples", ["sum", "mean"], horizontal=True,
                               key=persisted("imp_grad_reduce", "sum"))
        samples = int(number_box("Shapley permutations", "imp_samples", DEFAULT_SAMPLES, 2, MAX_SAMPLES,
                                 integer=True, help="sampled in antithetic pairs (a permutation and its reverse)"))
        st.caption(f"Shapley runs are capped at about {MAX_WORK:.0e} operations (permutations × units × data "
                   "size × the work of the layers after this one; about 5–15 s). Long runs show a progress "
                   "bar; change a setting or press Stop to cancel, and nothing of the cancelled run is kept.")
        if n_units > MAX_EXACT_UNITS:
            st.caption(f"Exact Shapley values over all 2ⁿ coalitions need n ≤ {MAX_EXACT_UNITS}; with MSE and a "
                       "linear output layer right after this layer they have a closed form at any width.")
    opts = {"weight-norm": (("norm", wn_norm), ("direction", wn_dir)), "gradient": (("reduce", grad_reduce),)}
    return layer, loss, methods, samples, opts, c5


def _compute(net: Network, data: PageData, layer: int, loss: str, methods: list[str], samples: int,
             opts: dict[str, tuple[tuple[str, str], ...]]) -> list[Scores]:
    """Every chosen method's scores; a method that fails is reported, the others are still shown."""
    results: list[Scores] = []
    failed: dict[str, list[str]] = {}
    for m in methods:
        stochastic = bool(METHODS.get(m).extra.get("random", False))
        try:
            results.append(_scores(net.digest, net, data.key, data.X, data.y, layer, loss, m,
                                   data.seed if stochastic else 0,
                                   samples if m == "shapley-sampled" else DEFAULT_SAMPLES, opts.get(m, ())))
        except LRPError as exc:
            failed.setdefault(str(exc), []).append(method_label(m))
    for msg, labels in failed.items():
        st.error(f"{', '.join(labels)}: {msg}")
    return results


def _main(net: Network, results: list[Scores], data: PageData, loss: str) -> None:
    """The main plot (every method's scores), then which unit each would prune first and the loss now."""
    page.chart(bar_figure(results), key="imp_bars")
    words, metric = st.columns([3, 1])
    words.markdown("\n".join(f"- {line}" for line in prune_first_sentences(results)))
    value = _loss(net.digest, net, data.key, data.X, data.y, loss)
    metric.metric(f"{loss.upper()} loss now", "0" if value == 0 else ("≈ 0" if abs(value) < 1e-12 else f"{value:.3g}"),
                  help="the loss of the unpruned network on these data; at a perfect fit (0 up to rounding) "
                       "the gradient and Taylor scores are 0")
    v_full = next((r.extra["v_full"] for r in results if "v_full" in r.extra), None)
    if 0 < abs(value) < 1e-12:
        metric.caption(f"{value:.2g}: rounding")
    if v_full is not None:
        metric.caption(f"v(N) = {v_full:.4g}: the loss increase of removing every unit")
    words.caption(f"Data: {data.text}.")


def _details(net: Network, data: PageData, results: list[Scores], layer: int, loss: str) -> None:
    """Ranks, pruning curves, convergence and the numbers in lazy tabs (only the open one is
    computed), then train or prune on demand."""
    by_method = {r.method: r for r in results}
    sampled = by_method.get("shapley-sampled")

    def convergence() -> None:
        if sampled is None:
            st.info("Choose Shapley (sampled) among the methods to see its estimate converge.")
        else:
            _convergence(net, data, sampled, by_method.get("shapley-exact"), layer, loss)

    page.lazy_tabs("imp_details", {
        "Ranks": lambda: page.chart(rank_figure(results), key="imp_ranks"),
        "Pruning curves": lambda: _pruning(net, data, results, layer, loss),
        "Shapley convergence": convergence,
        "Scores as numbers": lambda: _table(results),
    })
    action = st.segmented_control("Change the network", ["Train it on these data", "Prune it by a ranking"],
                                  key="imp_action", help="each is one edit: Undo brings the old network back")
    if action == "Train it on these data":
        train_prune.train_panel(net, data.X, data.y, key="imp_train")
    elif action == "Prune it by a ranking":
        train_prune.prune_panel(net, data.X, data.y, results, layer=layer, loss=loss, key="imp_prune_units")


def _pruning(net: Network, data: PageData, results: list[Scores], layer: int, loss: str) -> None:
    try:
        curves = _curves(net.digest, net, data.key, data.X, data.y, layer, loss,
                         tuple(f"{r.method}:{sorted(r.params.items())}" for r in results), results)
    except LRPError as exc:
        st.error(f"Pruning curves: {exc}")
        return
    page.chart(pruning_figure(curves), key="imp_prune")
    st.caption("Remove units from least to most important by each method's ranking; a good ranking keeps the "
               "loss low for longer. k = 0 is the unpruned network, k = n removes the whole layer.")


def _convergence(net: Network, data: PageData, sampled: Scores, exact: Scores | None, layer: int,
                 loss: str) -> None:
    if exact is None and net.layers[layer].n_out <= MAX_EXACT_UNITS:
        try:  # the exact reference line is optional: too much work on big data just leaves it out
            exact = _scores(net.digest, net, data.key, data.X, data.y, layer, loss, "shapley-exact", 0,
                            DEFAULT_SAMPLES)
        except LRPError:
            exact = None
    page.chart(convergence_figure(sampled, exact), key="imp_conv")
    se = sampled.stderr
    if se is not None and float(torch.nan_to_num(se).abs().max()) <= 1e-9 * max(1.0, float(sampled.scores.abs().max())):
        st.caption("Every antithetic pair (a permutation and its reverse) gave the same values here, so the "
                   "standard error is 0: no three units interact, as for MSE with a linear output layer, where "
                   "the loss is quadratic in the coalition. Try a deeper network (e.g. plane-2-8-8-1).")


def _table(results: list[Scores]) -> None:
    frame = scores_frame(results)
    st.dataframe(frame, key="imp_table",
                 column_config={c: st.column_config.NumberColumn(c, format="%.6g") for c in frame.columns})
    for r in results:
        if "efficiency_error" in r.extra:
            st.caption(f"{method_label(r.method)}: Σφ = {float(r.scores.sum()):.10g}, v(N) = "
                       f"{r.extra['v_full']:.10g} (efficiency error {r.extra['efficiency_error']:.1e}).")
    st.caption("Time per method (first run; later runs come from the cache): "
               + ", ".join(f"{method_label(r.method)} {r.seconds * 1000:.1f} ms" for r in results))
    # written when the button is clicked (deferred), as on the other pages, not on every tweak
    st.download_button("Download all scores (CSV)", lambda: scores_csv(results), file_name="importance.csv",
                       mime="text/csv", key="imp_download", on_click="ignore")


# --- page -----------------------------------------------------------------------------------------

page.header("Neuron importance", LEAD, how)


@page.live("importance")
def body() -> None:
    net = state.get_network()
    if net.n_hidden_layers == 0:
        st.info("This network has no hidden layer, so there are no units to score. Add a layer in the editor.")
        return
    layer, loss, methods, samples, opts, data_col = _settings(net)
    notices = st.container()
    with data_col.popover("Data", icon=":material/scatter_plot:", width="stretch"):
        data = data_controls(net, state.data_preset(), matching_preset(net) is not None, notices)
        scatter(net, data, "imp_scatter")
    health.notes(net, state.get_input())
    with page.main_and_tweak("importance"):
        if not methods:
            st.info("Choose at least one method.")
            return
        results = _compute(net, data, layer, loss, methods, samples, opts)
        if not results:
            st.info("No method could score the units; change the settings (or the network) and try again.")
            return
        _main(net, results, data, loss)
    _details(net, data, results, layer, loss)


body()
