"""Decomposition: Deep Taylor Decomposition through every layer, full-backward
or train-free, with any root finder and rule per layer; where relevance goes
and where it is lost (Sixt & Landgraf 2022)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import streamlit as st
import torch

from lrp_core import guards
from lrp_core.decompose import MODE_LABELS, MODES, Decomposition, FinderSpec, decompose, decompose_many
from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_core.roots.base import FINDERS
from lrp_core.roots.rules import RULES
from lrp_explorer.figures.decomposition import compare_inputs, conservation_bars, heat_rows, sankey, title_of
from lrp_explorer.ui import state, step_through, tweak
from lrp_explorer.ui.numbox import number_box
from lrp_explorer.ui.settings import persisted

STOCHASTIC = ("mcmc", "interpolation")


@st.cache_data(max_entries=64, show_spinner=False)
def _run(digest: str, _net: Network, x: tuple[float, ...], output: int, mode: str, settings: str,
         _spec: FinderSpec, _per_layer: dict[int, FinderSpec], seed: int) -> Decomposition:
    """One decomposition, cached by the network's digest and every setting."""
    bar = st.progress(0.0, text="Decomposing layer by layer…")
    last = [0.0]

    def tick(frac: float) -> None:
        if frac - last[0] >= 0.05 or frac >= 1.0:
            last[0] = frac
            bar.progress(min(1.0, frac), text=f"Decomposing layer by layer… {frac:.0%}")

    try:
        return decompose(_net, x, output, mode=mode, spec=_spec, per_layer=_per_layer, seed=seed,
                         progress=tick)
    finally:
        bar.empty()


@st.cache_data(max_entries=16, show_spinner=False)
def _neighbours(digest: str, _net: Network, x: tuple[float, ...], output: int, settings: str,
                _spec: FinderSpec, _per_layer: dict[int, FinderSpec], n: int, radius: float,
                seed: int) -> dict[str, Any]:
    """Decompose ``n`` points near x sharing one exact root cache (full-backward)."""
    gen = torch.Generator().manual_seed(seed)
    x0 = torch.tensor(x, dtype=torch.float64)
    pts = x0 + radius * torch.randn(n, x0.shape[0], generator=gen, dtype=torch.float64)
    pts[0] = x0
    decs, cache = decompose_many(_net, pts, output, mode="full", spec=_spec, per_layer=_per_layer, seed=seed)
    patterns = {_net.pattern_string(p) for p in pts}
    return {"points": n, "segments": len(patterns), "searches": cache.searches, "hits": cache.hits,
            "without_cache": sum(d.root_searches + d.cache_hits for d in decs),
            "seconds": sum(d.seconds for d in decs)}


def _default(finder: str, param: str, fallback: Any = None) -> Any:
    """A finder parameter's default, as its registry entry declares it (one place for every page)."""
    entry = FINDERS.get(finder)
    values = {**dict(entry.extra.get("params", {})), **entry.defaults()}
    return values.get(param, fallback)


def _finder_controls(prefix: str, where: Any, default_finder: str = "exact") -> FinderSpec:
    """Finder and its parameters; returns the validated spec."""
    names = FINDERS.names()
    finder = where.selectbox(
        "Root finder", names, format_func=lambda n: FINDERS.get(n).label,
        key=persisted(f"{prefix}_finder", default_finder if default_finder in names else names[0], options=names),
        help="exact: a linear program over the segment (its root depends only on the segment, so it "
             "is cached exactly); rule: the closed-form root of a DTD rule; mcmc/interpolation: "
             "random searches inside the segment (the study's samplers).",
    )
    params: dict[str, Any] = {}
    if finder == "rule":
        rules = RULES.names()
        params["rule"] = where.selectbox("Rule", rules, format_func=lambda r: RULES.get(r).label,
                                         key=persisted(f"{prefix}_rule", _default(finder, "rule", rules[0]),
                                                       options=rules))
        if params["rule"] == "γ":
            params["gamma"] = where.number_input("γ", 0.0, 100.0, step=0.05,
                                                 key=persisted(f"{prefix}_gamma", _default(finder, "gamma")))
    elif finder == "mcmc":
        c1, c2, c3 = where.columns(3)
        params["n_chains"] = int(c1.number_input("chains", 1, 500, key=persisted(
            f"{prefix}_chains", _default(finder, "n_chains"))))
        params["n_steps"] = int(c2.number_input("steps", 1, 20_000, key=persisted(
            f"{prefix}_steps", _default(finder, "n_steps"))))
        params["n_warmup"] = int(c3.number_input("warm-up", 0, 50_000, key=persisted(
            f"{prefix}_warmup", _default(finder, "n_warmup"))))
    elif finder == "interpolation":
        params["n_directions"] = int(where.number_input("directions", 1, 5_000, key=persisted(
            f"{prefix}_dirs", _default(finder, "n_directions"))))
    return FinderSpec.of(finder, **params)


def _settings_key(spec: FinderSpec, per_layer: dict[int, FinderSpec]) -> str:
    return json.dumps([spec.key, sorted((k, s.key) for k, s in per_layer.items())])


def _compute(net: Network, x: tuple[float, ...], output: int, mode: str, spec: FinderSpec,
             per_layer: dict[int, FinderSpec], seed: int) -> Decomposition | None:
    """The decomposition, or None after showing the error (a failed run keeps nothing)."""
    try:
        specs = [per_layer.get(k, spec) for k in range(len(net.layers))]
        guards.check_decomposition_work(net, [(s.finder, s.kwargs()) for s in specs])
        return _run(net.digest, net, x, output, mode, _settings_key(spec, per_layer), spec, per_layer, seed)
    except LRPError as exc:
        st.error(str(exc))
        return None


#: the per-layer table's display: %g keeps rounding-sized errors short (-4e-16, not -0.0000000000000004)
LAYER_COLUMNS = {
    "upper_sum": st.column_config.NumberColumn("upper sum", format="%.6g"),
    "sum": st.column_config.NumberColumn("sum", format="%.6g"),
    "conservation_error": st.column_config.NumberColumn("conservation error", format="%.3g"),
    "unresolved": st.column_config.NumberColumn("unresolved", format="%.4g"),
    "step_error": st.column_config.NumberColumn("step error", format="%.3g"),
    "negative": st.column_config.NumberColumn("negative", format="%.4g"),
    "root_searches": st.column_config.NumberColumn("root searches"),
    "cache_hits": st.column_config.NumberColumn("cache hits"),
}


def _tree(dec: Decomposition, key: str) -> None:
    """The root tree, one expander per layer (output first)."""
    for lr in dec.layers:
        lost = lr.unresolved
        with st.expander(f"Layer {lr.layer} ({lr.spec.label}): {len(lr.nodes)} neurons, "
                         f"sum {lr.sum:.4g}, unresolved {lost:.3g}, {lr.searches} searches, "
                         f"{lr.hits} cache hits"):
            rows = []
            for n in lr.nodes:
                rows.append({
                    "neuron": n.neuron, "relevance R_j": n.upper, "unresolved g_j(ã)": n.unresolved,
                    "passed down": float(n.passed_down.sum()), "root in segment": n.in_segment,
                    "cached": n.cached, "distance |a − ã|": n.distance,
                    "root ã": "—" if n.root is None else ", ".join(f"{v:.4g}" for v in n.root.tolist()),
                    "gradient c_j": ", ".join(f"{v:.4g}" for v in n.gradient.tolist()),
                    "note": n.reason,
                })
            st.dataframe(rows, hide_index=True, key=f"{key}_tree_{lr.layer}", column_config={
                "relevance R_j": st.column_config.NumberColumn(format="%.6g"),
                "unresolved g_j(ã)": st.column_config.NumberColumn(format="%.4g"),
                "passed down": st.column_config.NumberColumn(format="%.6g"),
                "distance |a − ã|": st.column_config.NumberColumn(format="%.4g"),
            })
            st.caption("Input of the layer a = (" + ", ".join(f"{v:.4g}" for v in lr.point.tolist()) + ")")


def _summary(dec: Decomposition) -> None:
    c = st.columns(5)
    c[0].metric("f(x) explained", f"{dec.f_x:.6g}")
    c[1].metric("input relevance sum", f"{float(dec.input_relevance.sum()):.6g}")
    c[2].metric("unresolved (all layers)", f"{sum(lr.unresolved for lr in dec.layers):.4g}")
    c[3].metric("root searches / cache hits", f"{dec.root_searches} / {dec.cache_hits}")
    c[4].metric("time", f"{dec.seconds * 1000:.0f} ms")


# --- page -------------------------------------------------------------------------

state.ensure_app()
state.show_flash()
net = state.get_network()
rev = state.revision()
x = state.get_input()

st.title("Decomposition")
st.markdown(
    "Deep Taylor Decomposition explains one output by walking down the network layer by layer. "
    "At each layer it takes the relevance of the layer's outputs as a function of the layer's input h, "
    "finds a **root** ã where that function is zero, and hands the relevance down by a first-order "
    "Taylor expansion at the root:"
)
st.latex(r"R_{k,i}(h) \;=\; \sum_j c_{j,i}\,\bigl(h_i - \tilde a_{j,i}\bigr), \qquad "
         r"c_j = \nabla g_j \text{ on } h\text{'s segment},\quad g_j(h) = p_j\,\mathrm{act}(W_j h + b_j) + q_j")
st.caption(
    "In words: each upper neuron j gives input i a share equal to the slope of j's relevance along i times "
    "how far the input is from the root. Whatever relevance is left at the root, g_j(ã_j), is not "
    "passed down: it is the **unresolved** part. The expansion is exact only if the root lies in the same "
    "linear piece (segment) of the network as the input (Sixt & Landgraf 2022)."
)
st.markdown(
    "**Full-backward** searches the roots of the relevance of everything above (segment of layers k…L−1), "
    "so p and q carry the roots found higher up. **Train-free** holds the upper relevance fixed, "
    r"$R_{k,j}(h_{k+1}) = \tfrac{R_{k,j}}{h_{k+1,j}}\,h_{k+1,j}$, and searches each layer alone; with rule z+ "
    "and zero biases that is exactly LRP-z+. Per layer, *sum of relevance + unresolved = the layer above's "
    "sum* holds exactly, because the slopes c are taken on the input's own segment."
)

# --- live loop (issue 15): tweak one weight or bias, everything below follows ---
tweak.panel("decomposition")

# --- input ------------------------------------------------------------------------
x_tag = hashlib.sha1(repr(x).encode()).hexdigest()[:8]
with st.expander(f"Input x = ({', '.join(f'{v:.4g}' for v in x)})", expanded=net.n_inputs <= 4):
    names = list(net.meta.get("input_names", [])) if isinstance(net.meta.get("input_names"), list) else []
    cols = st.columns(min(5, net.n_inputs))
    new_x = []
    for i, v in enumerate(x):
        label = str(names[i]) if i < len(names) else f"x{i + 1}"
        new_x.append(float(cols[i % len(cols)].number_input(
            label, value=float(v), step=0.1, format="%.6g", key=f"dec_x{i}_r{rev}_{x_tag}")))
    if tuple(new_x) != x:
        # the widgets' keys carry x, so draw them again from the new point
        state.set_input(new_x)
        st.rerun()

# --- settings ---------------------------------------------------------------------
outs = [str(n) for n in net.meta.get("output_names", [])] if isinstance(net.meta.get("output_names"), list) else []
left, right = st.columns(2)
with left:
    output = st.selectbox("Output to explain", list(range(net.n_outputs)),
                          key=persisted(f"dec_output_r{rev}", 0, options=range(net.n_outputs), name="dec_output"),
                          format_func=lambda o: outs[o] if o < len(outs) else f"output {o}")
    mode = st.radio("Mode", MODES, format_func=lambda m: MODE_LABELS[m], horizontal=True,
                    key=persisted("dec_mode", MODES[0], options=MODES))
with right:
    try:
        spec = _finder_controls("dec_a", st)
    except LRPError as exc:
        st.error(str(exc))
        st.stop()
    seed = int(number_box("Seed (random finders)", "dec_seed", 0, 0, 2**31 - 1, integer=True)) \
        if spec.finder in STOCHASTIC else 0

per_layer: dict[int, FinderSpec] = {}
with st.expander("Per-layer overrides (a layer may use its own finder and rule)"):
    for k in range(len(net.layers) - 1, -1, -1):
        if st.checkbox(f"Own settings for layer {k}", key=persisted(f"dec_ovr{k}_r{rev}", False)):
            try:
                per_layer[k] = _finder_controls(f"dec_l{k}_r{rev}", st)
            except LRPError as exc:
                st.error(str(exc))

compare = st.checkbox("Compare side by side (another mode or finder)", key=persisted("dec_compare", False))
spec_b, mode_b = spec, mode
if compare:
    cb1, cb2 = st.columns(2)
    mode_b = cb1.radio("Mode (right)", MODES, format_func=lambda m: MODE_LABELS[m], horizontal=True,
                       key=persisted("dec_mode_b", MODES[1 - MODES.index(mode)], options=MODES))
    try:
        spec_b = _finder_controls("dec_b", cb2, default_finder=spec.finder)
    except LRPError as exc:
        st.error(str(exc))
        compare = False

try:
    nothing = guards.nothing_to_explain(net, x, int(output))
except LRPError as exc:
    nothing = str(exc)
if nothing is not None:
    st.info(f"Nothing to explain: {nothing}. A decomposition would hand 0 down through every layer; "
            "move x or choose another output.")
    st.stop()

dec = _compute(net, x, output, mode, spec, per_layer, seed)
if dec is None:
    st.info("Nothing was computed with these settings; change them above (your network and input are "
            "unchanged).")
    st.stop()
dec_b = _compute(net, x, output, mode_b, spec_b, per_layer, seed) if compare else None

# --- plots --------------------------------------------------------------------------
if dec_b is None:
    _summary(dec)
    c1, c2 = st.columns([3, 2])
    c1.plotly_chart(heat_rows(dec), key=f"dec_heat_r{rev}")
    c2.plotly_chart(conservation_bars(dec), key=f"dec_cons_r{rev}")
    st.plotly_chart(sankey(dec), key=f"dec_sankey_r{rev}")
else:
    st.plotly_chart(compare_inputs(dec, dec_b, (f"left: {title_of(dec)}", f"right: {title_of(dec_b)}")),
                    key=f"dec_cmp_r{rev}")
    ca, cb = st.columns(2)
    for col, d, tag in ((ca, dec, "a"), (cb, dec_b, "b")):
        with col:
            st.markdown(f"**{title_of(d)}**: input relevance sum {float(d.input_relevance.sum()):.6g} "
                        f"of f(x) = {d.f_x:.6g}; {d.root_searches} root searches, {d.seconds * 1000:.0f} ms")
            st.plotly_chart(heat_rows(d), key=f"dec_heat_{tag}_r{rev}")
            st.plotly_chart(conservation_bars(d), key=f"dec_cons_{tag}_r{rev}")
            st.plotly_chart(sankey(d), key=f"dec_sankey_{tag}_r{rev}")

step_through.section(dec)  # issue 17 §2: the "Step" mode, one layer at a time

# --- tables and tree ------------------------------------------------------------------
st.subheader("Per layer")
st.caption("sum: relevance on the layer's input; conservation error: sum − f(x); unresolved: relevance left at "
           "the roots; step error: sum + unresolved − the layer above's sum (0 up to rounding).")
for d, tag in ((dec, "a"), (dec_b, "b")):
    if d is not None:
        if dec_b is not None:
            st.markdown(f"**{title_of(d)}**")
        st.dataframe(d.layer_frame(), hide_index=True, key=f"dec_layers_{tag}_r{rev}", column_config=LAYER_COLUMNS)

st.subheader("Root tree")
st.caption("One row per explained neuron: its relevance, the root found, the gradient used, what was passed "
           "down and what stayed unresolved.")
_tree(dec, "dec_a")
if dec_b is not None:
    st.markdown(f"**Right: {title_of(dec_b)}**")
    _tree(dec_b, "dec_b")

# --- downloads ------------------------------------------------------------------------
d1, d2 = st.columns(2)
d1.download_button("Download CSV (the tree, flat)", dec.to_frame().to_csv(index=False),
                   file_name=f"decomposition-{dec.mode}.csv", mime="text/csv", key="dec_dl_csv")
d2.download_button("Download JSON", json.dumps(dec.to_full_json(), indent=1),
                   file_name=f"decomposition-{dec.mode}.json", mime="application/json", key="dec_dl_json")

# --- the exact cache on neighbouring points ---------------------------------------------
specs_all = [spec, *per_layer.values()]
if all(s.segment_only for s in specs_all):
    with st.expander("Neighbouring points and the exact root cache"):
        st.caption("With a finder whose root depends only on the segment, the full-backward relevance is affine "
                   "on each segment, so nearby points in the same segments reuse every root: one search per "
                   "(layer, activation pattern, neuron, settings).")
        n1, n2, n3 = st.columns(3)
        n_pts = int(n1.number_input("points", 2, 50, 10, key="dec_nb_n"))
        radius = float(n2.number_input("radius", 1e-6, 1.0, 1e-3, format="%.1e", key="dec_nb_r"))
        if n3.toggle("Decompose them", key="dec_nb_run"):
            try:
                nb = _neighbours(net.digest, net, x, output, _settings_key(spec, per_layer), spec, per_layer,
                                 n_pts, radius, 0)
            except LRPError as exc:
                st.error(str(exc))
            else:
                st.markdown(
                    f"{nb['points']} points in {nb['segments']} segment(s): **{nb['searches']} root searches** "
                    f"with the cache ({nb['hits']} hits) instead of {nb['without_cache']} without it, "
                    f"{nb['seconds'] * 1000:.0f} ms in all."
                )
