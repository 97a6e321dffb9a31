"""Neuron importance: which hidden units matter? APoZ, weight norm, gradient,
Taylor, leave-one-out and Shapley values side by side (Ancona et al. 2020, Fig. 1)."""

from __future__ import annotations

import hashlib

import streamlit as st
import torch

from lrp_core.datasets import CSVData, fits, update_data
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
    make_game,
    pruning_curve,
    scores_csv,
)
from lrp_core.network import Network
from lrp_core.presets import MAX_DATASET_SIZE, default_dataset, get_preset, matching_preset
from lrp_explorer.figures.importance import (
    bar_figure,
    convergence_figure,
    method_label,
    prune_first_sentences,
    pruning_figure,
    rank_figure,
    scores_frame,
    unit_name,
)
from lrp_explorer.ui import state, tweak
from lrp_explorer.ui.numbox import number_box
from lrp_explorer.ui.settings import persisted

# Session keys owned by this page.
DATA = "imp_data"  # uploaded CSVData, dropped when the network's input/output counts change
PENDING = "imp_upload"  # (file name, raw bytes) waiting to be parsed; the uploader puts it here
SEEN = "imp_upload_seen"  # file id of the last upload already handed over

EXPLAIN: dict[str, tuple[str, str]] = {
    "apoz": (r"\text{score}_i = 1 - \mathrm{APoZ}_i = \frac{1}{N}\sum_{s=1}^{N} [\,a_i(x_s) \neq 0\,]",
             "The fraction of samples on which the unit is active. It never looks at the weights leaving "
             "the unit, so a busy unit whose output is thrown away still looks important (Hu et al. 2016)."),
    "weight-norm": (r"\text{score}_i = \lVert W_{K}[i,:] \rVert_1",
                    "The size of the weights coming into the unit. It needs no data and ignores what happens "
                    "after the unit (Li et al. 2017)."),
    "gradient": (r"\text{score}_i = \sum_{s} \left| \frac{\partial L}{\partial a_i(x_s)} \right|",
                 "How sensitive the loss is to a small change of the unit's output. When the network fits "
                 "the data perfectly the gradient of the loss is zero and every unit scores 0 (Mozer & "
                 "Smolensky 1989)."),
    "taylor": (r"T_i = \sum_{s} a_i(x_s)\, \frac{\partial L}{\partial a_i(x_s)} \;\approx\; "
               r"-\big(L(i \text{ zeroed}) - L\big)",
               "A first-order guess of how much the loss changes when the unit is switched off: −T is the "
               "guessed increase, so lower (more negative) means more important (Molchanov et al. 2017)."),
    "taylor-abs": (r"|T_i| = \Big| \sum_{s} a_i(x_s)\, \frac{\partial L}{\partial a_i(x_s)} \Big|",
                   "The size of that first-order guess, whatever its sign (Molchanov et al. 2017)."),
    "leave-one-out": (r"v(\{i\}) = L(i \text{ zeroed}) - L(\text{nothing zeroed})",
                      "Switch off this one unit and measure how much worse the loss gets. Units that only "
                      "matter together (backups of each other) each look unimportant."),
    "shapley-exact": (r"\varphi_i = \sum_{S \subseteq N\setminus\{i\}} \frac{|S|!\,(n-|S|-1)!}{n!}"
                      r"\big(v(S\cup\{i\}) - v(S)\big),\quad v(S) = L(S \text{ zeroed}) - L(\varnothing)",
                      "Switch units off in every possible order and average how much the loss rises at the "
                      "moment this unit goes. A unit that never changes the output gets exactly 0, identical "
                      "units get equal values, and the values add up to the loss increase of removing all "
                      "units, v(N) (Shapley 1953; Ancona et al. 2020). Computed over all 2ⁿ coalitions."),
    "shapley-sampled": (r"\hat\varphi_i = \frac{1}{P}\sum_{\pi} \big(v(P^\pi_i \cup \{i\}) - v(P^\pi_i)\big)",
                        "The same average, over P random orders instead of all of them; each order is paired "
                        "with its reverse (antithetic sampling), and the spread of the pairs gives the "
                        "standard error. With MSE and a linear output layer a pair is already exact."),
    "random": (r"\text{score}_i \sim U[0, 1)",
               "A seeded random number: the baseline any real method should beat on the pruning curve."),
}


# --- cached computations ---------------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def _scores(digest: str, _net: Network, data_key: str, _X: torch.Tensor, _y: torch.Tensor, layer: int,
            loss: str, method: str, seed: int, samples: int, opts: tuple[tuple[str, str], ...] = ()) -> Scores:
    """One method's scores, with a progress bar while it runs. Only a finished run is cached: a run
    interrupted by a new setting or the Stop button raises out of the progress call and stores nothing."""
    label = method_label(method)
    bar = st.progress(0.0, text=f"{label}…")
    last = [0.0]

    def tick(frac: float) -> None:
        if frac - last[0] >= 0.02 or frac >= 1.0:
            last[0] = frac
            bar.progress(min(1.0, frac), text=f"{label}… {frac:.0%} (change a setting or press Stop to cancel)")

    try:
        return attribute(_net, _X, _y, method, layer=layer, loss=loss, seed=seed, samples=samples,
                         options={method: dict(opts)}, progress=tick)[0]
    finally:
        bar.empty()


@st.cache_data(max_entries=64, show_spinner=False)
def _curve(digest: str, _net: Network, data_key: str, _X: torch.Tensor, _y: torch.Tensor, layer: int,
           loss: str, method: str, order_key: str, _result: Scores) -> PruningCurve:
    """Keyed by ``order_key``: everything the result's ranking depends on besides the other arguments."""
    return pruning_curve(make_game(_net, _X, _y, layer=layer, loss=loss), _result)


def data_digest(X: torch.Tensor, y: torch.Tensor) -> str:
    h = hashlib.sha256()
    h.update(X.contiguous().numpy().tobytes())
    h.update(y.contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


# --- page ---------------------------------------------------------------------------------------

state.ensure_app()
state.show_flash()
net: Network = state.get_network()
rev = state.revision()
ss = st.session_state

st.title("Neuron importance")
st.markdown(
    "Which hidden units could be removed? Each method below scores the units of one hidden layer; "
    "they often disagree. On the **ancona-max** network (Ancona et al. 2020, Fig. 1), which computes "
    "max(x1, x2) exactly, unit **h4** has output weight 0 and changes nothing, yet APoZ and the weight "
    "norm rank it high. Shapley values of the loss give it exactly 0. Edit the weights on the "
    "*Network editor* page and come back to watch the rankings move."
)

if net.n_hidden_layers == 0:
    st.info("This network has no hidden layer, so there are no units to score. Add a layer in the editor.")
    st.stop()

# the preset whose data set applies: kept by the session state when the weights are edited, and
# carried by a ?net= link, so the numbers do not depend on how the page was reached
match = matching_preset(net)
preset_name = state.data_preset()

# --- live loop (issue 15): tweak one weight or bias, everything below follows ---
tweak.panel("importance")

# --- controls -----------------------------------------------------------------------------------
c1, c2, c3 = st.columns([1, 2, 1])
with c1:
    layers = list(range(net.n_hidden_layers))
    layer = st.selectbox(
        "Hidden layer", layers, key=persisted(f"imp_layer_{net.n_hidden_layers}", 0, options=layers),
        format_func=lambda k: f"layer {k} ({net.layers[k].n_out} units)",
    )
    n_units = net.layers[layer].n_out
    loss = st.radio("Loss (mean over samples and outputs)", LOSSES, horizontal=True,
                    key=persisted("imp_loss", LOSSES[0], options=LOSSES),
                    format_func=lambda s: {"mse": "MSE", "l1": "L1"}[s])
with c2:
    available = [m for m in METHODS.names() if m != "shapley-exact" or n_units <= MAX_EXACT_UNITS]
    methods = st.multiselect("Methods", available, key=persisted("imp_methods", available, options=available),
                             format_func=method_label)
    o1, o2, o3 = st.columns(3)
    wn_norm = o1.radio("Weight norm", ["l1", "l2"], horizontal=True, key=persisted("imp_wn_norm", "l1"),
                       format_func=str.upper, disabled="weight-norm" not in methods)
    wn_dir = o2.radio("Weights", ["in", "out"], horizontal=True, key=persisted("imp_wn_dir", "in"),
                      format_func={"in": "incoming", "out": "outgoing"}.get,
                      disabled="weight-norm" not in methods)
    grad_reduce = o3.radio("Gradient over samples", ["sum", "mean"], horizontal=True,
                           key=persisted("imp_grad_reduce", "sum"), disabled="gradient" not in methods)
    if n_units > MAX_EXACT_UNITS:
        st.caption(f"Exact Shapley values need all 2ⁿ coalitions; this layer has {n_units} units, more "
                   f"than {MAX_EXACT_UNITS}, so only the sampled estimate is offered.")
with c3:
    n_data = int(number_box("Data size", "imp_n", 100, 1, MAX_DATASET_SIZE, integer=True))
    seed = int(number_box("Seed (data and sampling)", "imp_seed", 0, 0, 2**31 - 1, integer=True))
    samples = int(number_box("Shapley permutations", "imp_samples", DEFAULT_SAMPLES, 2, MAX_SAMPLES, integer=True,
                             help="sampled in antithetic pairs (a permutation and its reverse)"))
    st.caption(f"Shapley runs are capped at about {MAX_WORK:.0e} operations (permutations × units × data "
               "size × the work of the layers after this one; about 5–15 s). Long runs show a progress "
               "bar; change a setting or press Stop to cancel, and nothing of the cancelled run is kept.")

# --- data ---------------------------------------------------------------------------------------
uploaded: CSVData | None = ss.get(DATA)
if uploaded is not None and not fits(uploaded, net):
    ss.pop(DATA, None)
    uploaded = None
    st.info("The uploaded data no longer match the network's inputs and outputs, so the default data are used.")

SOURCES = ["preset", "own"]
with st.expander("Data", expanded=False):
    if preset_name is not None:
        source = st.radio(
            "Data set", SOURCES, horizontal=True, key=persisted("imp_source", "preset", options=SOURCES),
            format_func={"preset": f"the {preset_name} data set (its inputs and targets)",
                         "own": "standard-normal inputs labelled by this network"}.get,
        )
        if source == "own":
            preset_name = None
    st.markdown(
        f"Upload a CSV with **{net.n_inputs} input column(s), then {net.n_outputs} target column(s)** "
        "(an optional header row is recognised). Numbers only; at most 100,000 rows and 5 MB."
    )
    up = st.file_uploader("CSV data set", type=["csv", "txt"], key="imp_csv")
    if up is not None and ss.get(SEEN) != up.file_id:
        ss[SEEN] = up.file_id
        ss[PENDING] = (up.name, up.getvalue())
    if uploaded is not None and st.button("Use the default data again", key="imp_clear"):
        ss.pop(DATA, None)
        uploaded = None

pending = ss.pop(PENDING, None)
if pending is not None:
    name, raw = pending
    new, err = update_data(uploaded, raw, net.n_inputs, net.n_outputs, source=str(name))
    if err is not None:
        kept = "the previous data are kept" if uploaded is not None else "the default data are used"
        st.error(f"{name}: {err}. Nothing was changed; {kept}.")
    else:
        ss[DATA] = uploaded = new

try:
    if uploaded is not None:
        X, y = uploaded.X, uploaded.y
        data_key = "csv:" + data_digest(X, y)
        data_text = f"uploaded **{uploaded.source}** ({uploaded.n_rows} rows)"
    elif preset_name is not None:
        X, y = get_preset(preset_name).dataset(n_data, seed)
        data_key = f"preset:{preset_name}:{n_data}:{seed}"
        data_text = f"the **{preset_name}** data set ({n_data} samples, seed {seed})"
        if match is None:
            data_text += ", with its original targets (the weights were edited)"
    else:
        X, y = default_dataset(net, n_data, seed)
        data_key = f"default:{net.digest}:{n_data}:{seed}"
        data_text = (f"{n_data} standard-normal inputs (seed {seed}) labelled by this network itself, "
                     "so the unpruned loss is 0")
except LRPError as exc:
    st.error(str(exc))
    st.stop()
st.caption(f"Data: {data_text}. Layer {layer}: units {unit_name(0)}…{unit_name(n_units - 1)}.")

if not methods:
    st.info("Choose at least one method.")
    st.stop()

# --- compute ------------------------------------------------------------------------------------
# Each method runs on its own (cached when finished, with a progress bar while it runs); a method that
# fails (too much work, a loss that overflows) is reported and the others are still shown.
results: list[Scores] = []
failed: dict[str, list[str]] = {}  # message -> methods that gave it
for m in methods:
    # only the sampled methods depend on the seed and sample count: keep them out of the others' keys
    m_seed = seed if m in ("random", "shapley-sampled") else 0
    m_samples = samples if m == "shapley-sampled" else DEFAULT_SAMPLES
    opts = {"weight-norm": (("norm", wn_norm), ("direction", wn_dir)),
            "gradient": (("reduce", grad_reduce),)}.get(m, ())
    try:
        results.append(_scores(net.digest, net, data_key, X, y, layer, loss, m, m_seed, m_samples, opts))
    except LRPError as exc:
        failed.setdefault(str(exc), []).append(method_label(m))
for msg, labels in failed.items():
    st.error(f"{', '.join(labels)}: {msg}")
if not results:
    st.info("No method could score the units; change the settings above (or edit the network) and try again.")
    st.stop()
curves: list[PruningCurve] = []
curve_error: str | None = None
try:
    curves = [
        _curve(net.digest, net, data_key, X, y, layer, loss, r.method,
               f"{r.method}:{sorted(r.params.items())}", r)
        for r in results
    ]
except LRPError as exc:
    curve_error = str(exc)

by_method = {r.method: r for r in results}

# --- plots --------------------------------------------------------------------------------------
st.subheader("Which unit would each method prune first?")
st.markdown("\n".join(f"- {line}" for line in prune_first_sentences(results)))

st.plotly_chart(bar_figure(results), key=f"imp_bars_r{rev}")
st.plotly_chart(rank_figure(results), key=f"imp_ranks_r{rev}")

sampled = by_method.get("shapley-sampled")
if sampled is not None:
    exact = by_method.get("shapley-exact")
    if exact is None and n_units <= MAX_EXACT_UNITS:
        try:  # the exact reference line is optional: too much work on big data just leaves it out
            exact = _scores(net.digest, net, data_key, X, y, layer, loss, "shapley-exact", 0, DEFAULT_SAMPLES)
        except LRPError:
            exact = None
    st.subheader("Convergence of the sampled Shapley values")
    st.plotly_chart(convergence_figure(sampled, exact), key=f"imp_conv_r{rev}")
    note = ("Solid: the running estimate after each pair of permutations; band: ± one standard error"
            + ("; dashed: the exact value." if exact is not None else "."))
    se = sampled.stderr
    if se is not None and float(torch.nan_to_num(se).abs().max()) <= 1e-9 * max(1.0, float(sampled.scores.abs().max())):
        note += (" Here every antithetic pair (a permutation and its reverse) already gave the same values, so "
                 "the standard error is 0 and the band collapses to a line. That happens when no three units "
                 "interact, as for MSE with a linear output layer, where the loss is quadratic in the "
                 "coalition. Try a deeper network (e.g. plane-2-8-8-1) to see sampling noise.")
    st.caption(note)

st.subheader("Pruning curves")
if curve_error is not None:
    st.error(f"Pruning curves: {curve_error}")
else:
    st.plotly_chart(pruning_figure(curves), key=f"imp_prune_r{rev}")
st.caption("Remove units from least to most important by each method's ranking; a good ranking keeps the "
           "loss low for longer. k = 0 is the unpruned network, k = n removes the whole layer.")

# --- tables -------------------------------------------------------------------------------------
st.subheader("Scores")
frame = scores_frame(results)
st.dataframe(frame, key=f"imp_table_r{rev}",
             column_config={c: st.column_config.NumberColumn(c, format="%.6g") for c in frame.columns})
st.caption("Raw values (6 significant digits here; the CSV download has every digit).")
for m in ("shapley-exact", "shapley-sampled"):
    if m in by_method:
        r = by_method[m]
        st.caption(f"{method_label(m)}: Σφ = {float(r.scores.sum()):.10g}, v(N) = {r.extra['v_full']:.10g} "
                   f"(efficiency error {r.extra['efficiency_error']:.1e}).")
st.caption("Time per method: " + ", ".join(f"{method_label(r.method)} {r.seconds * 1000:.1f} ms" for r in results)
           + " (first run; later runs come from the cache).")
st.download_button("Download all scores (CSV)", scores_csv(results), file_name="importance.csv",
                   mime="text/csv", key=f"imp_download_r{rev}")

with st.expander("The methods in plain words", expanded=False):
    st.markdown(
        "The loss L is the mean over samples and outputs of the squared error (MSE) or the absolute "
        "error (L1). The game v(S) is the loss increase when the units in S are switched off (set to 0). "
        "The seed notebook's estimator used MSE for the unpruned loss and L1 for the others; here one "
        "loss is used throughout."
    )
    for m in METHODS.names():
        formula, words = EXPLAIN[m]
        st.markdown(f"**{method_label(m)}** (`{m}`)")
        st.latex(formula)
        st.markdown(words)
