"""Decomposition: Deep Taylor Decomposition through every layer, full-backward
or train-free, with any root finder per layer; where relevance goes and where
it is lost (Sixt & Landgraf 2022)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
import torch
from streamlit.errors import StreamlitAPIException

from lrp_core import guards
from lrp_core.decompose import MODE_LABELS, MODES, Decomposition, FinderSpec, decompose, decompose_many
from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_explorer.figures.decomposition import conservation_bars, heat_rows, title_of, unit_name
from lrp_explorer.figures.decomposition_compare import (
    compare_inputs,
    conservation_pair,
    heat_pair,
    sankey_pair,
)
from lrp_explorer.figures.decomposition_sankey import MERGE, sankey
from lrp_explorer.how.decomposition import how
from lrp_explorer.ui import decomposition_tables as tables
from lrp_explorer.ui import health, page, state, step_through
from lrp_explorer.ui.finder_picker import finder_select, finder_spec, is_random
from lrp_explorer.ui.memo import session_memo
from lrp_explorer.ui.numbox import number_box
from lrp_explorer.ui.point_input import point_inputs
from lrp_explorer.ui.progress import progress_bar
from lrp_explorer.ui.settings import persisted

LEAD = ("Deep Taylor Decomposition hands the output's relevance down the network, layer by layer, from root "
        "to root: see where it goes and where it is lost. Tweak a weight on the right and watch it move.")
SIDES = ("left", "right")
TAGS = {"left": "a", "right": "b"}  # widget keys per side (dec_layers_a, dec_a_tree_…)
MERGES = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2)
EVERY_LAYER = -1


@dataclass
class Choice:
    """The settings row: what to explain and how (one side, or two to compare)."""

    output: int
    sides: list[tuple[str, FinderSpec]]  # (mode, finder) per side
    per_layer: dict[int, FinderSpec] = field(default_factory=dict)
    seed: int = 0


# --- cached computations ---------------------------------------------------------------------------


@session_memo(64)
def _run(digest: str, _net: Network, x: tuple[float, ...], output: int, mode: str, settings: str,
         _spec: FinderSpec, _per_layer: dict[int, FinderSpec], seed: int, _ran: list[bool]) -> Decomposition:
    """One decomposition, cached by the network's digest and every setting; ``_ran`` records that it ran
    (left empty when the result came from the cache)."""
    _ran.append(True)
    with progress_bar("Decomposing layer by layer", step=0.05) as tick:
        return decompose(_net, x, output, mode=mode, spec=_spec, per_layer=_per_layer, seed=seed, progress=tick)


@session_memo(16)
def _neighbours(digest: str, _net: Network, x: tuple[float, ...], output: int, settings: str,
                _spec: FinderSpec, _per_layer: dict[int, FinderSpec], n: int, radius: float,
                seed: int, _ran: list[bool]) -> dict[str, Any]:
    """Decompose ``n`` points near x sharing one exact root cache (full-backward)."""
    _ran.append(True)
    gen = torch.Generator().manual_seed(seed)
    x0 = torch.tensor(x, dtype=torch.float64)
    pts = x0 + radius * torch.randn(n, x0.shape[0], generator=gen, dtype=torch.float64)
    pts[0] = x0
    decs, cache = decompose_many(_net, pts, output, mode="full", spec=_spec, per_layer=_per_layer, seed=seed)
    patterns = {_net.pattern_string(p) for p in pts}
    return {"points": n, "segments": len(patterns), "searches": cache.searches, "hits": cache.hits,
            "without_cache": sum(d.root_searches + d.cache_hits for d in decs),
            "seconds": sum(d.seconds for d in decs)}


def _settings_key(spec: FinderSpec, per_layer: dict[int, FinderSpec]) -> str:
    return json.dumps([spec.key, sorted((k, s.key) for k, s in per_layer.items())])


def _compute(net: Network, x: tuple[float, ...], choice: Choice, mode: str,
             spec: FinderSpec) -> tuple[Decomposition, bool] | None:
    """The decomposition and whether it came from the cache, or None after showing the error."""
    try:
        specs = [choice.per_layer.get(k, spec) for k in range(len(net.layers))]
        guards.check_decomposition_work(net, [(s.finder, s.kwargs()) for s in specs])
        ran: list[bool] = []
        dec = _run(net.digest, net, x, choice.output, mode, _settings_key(spec, choice.per_layer), spec,
                   choice.per_layer, choice.seed, ran)
        return dec, not ran
    except LRPError as exc:
        st.error(str(exc))
        return None


# --- the settings row ------------------------------------------------------------------------------


def _overrides(net: Network) -> dict[int, FinderSpec]:
    """Per-layer finders (a popover): a layer may use its own finder and parameters."""
    st.caption("The other layers use the finder chosen in the row.")
    out: dict[int, FinderSpec] = {}
    for k in range(len(net.layers) - 1, -1, -1):
        if st.checkbox(f"Own finder for layer {k}", key=persisted(f"dec_ovr{k}", False)):
            out[k] = finder_spec(f"dec_l{k}", finder_select(f"dec_l{k}", label=f"Layer {k}'s finder"))
    return out


def _compare(mode: str, finder: str) -> tuple[str, FinderSpec] | None:
    """The right-hand side's mode and finder (a popover), or None when not comparing."""
    if not st.checkbox("Compare side by side with another mode or finder", key=persisted("dec_compare", False)):
        return None
    other = MODES[1 - MODES.index(mode)]
    mode_b = st.selectbox("Mode (right)", MODES, format_func=lambda m: MODE_LABELS[m],
                          key=persisted("dec_mode_b", other, options=MODES))
    spec_b = finder_spec("dec_b", finder_select("dec_b", default=finder, label="Root finder (right)"))
    return mode_b, spec_b


def _rerun() -> None:
    """Rerun the body (a fragment rerun), or the whole page when the body runs in a full run."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:
        st.rerun()


def _point(where: Any) -> None:
    """The input point x in a popover (its boxes change the shared x)."""
    x = state.get_input()
    label = "x = (" + ", ".join(f"{v:.3g}" for v in x) + ")" if len(x) <= 3 else "Input x"
    with where.popover(label, key="dec_x_popover", width="stretch", help="the input point x"):
        point, refused = point_inputs(x, "dec_x", per_row=4)
        if refused:
            st.error(refused)
        elif point != x:
            state.set_input(point)
            _rerun()  # the boxes' keys carry x: draw them again from the new point


def _output(net: Network, where: Any) -> int:
    """The explained output, named as on the editor (y1, y2, …)."""
    outs = net.meta.get("output_names")
    names = [str(n) for n in outs] if isinstance(outs, list) else []
    top = len(net.widths) - 1
    about = ", ".join(f"{unit_name(top, o, top + 1)} = {n}" for o, n in enumerate(names))
    return int(where.selectbox("Output", list(range(net.n_outputs)), format_func=lambda o: unit_name(top, o, top + 1),
                               key=persisted("dec_output", 0, options=range(net.n_outputs)),
                               help="the output to explain" + (f": {about}" if about else "")))


def _settings(net: Network) -> Choice:
    """One row: output, mode, finder, then popovers: the finder's parameters (with per-layer finders and
    the seed), the comparison, the input point x."""
    cols = st.columns([0.75, 1.3, 1.65, 1.25, 1.0, 1.05], vertical_alignment="bottom", gap="small")
    output = _output(net, cols[0])
    mode = str(cols[1].selectbox("Mode", MODES, format_func=lambda m: MODE_LABELS[m],
                                 key=persisted("dec_mode", MODES[0], options=MODES),
                                 help="full-backward: roots of everything above; train-free: each layer alone "
                                      "(see How it works)"))
    finder = finder_select("dec_a", where=cols[2])
    with cols[3].popover("Parameters", icon=":material/tune:", key="dec_params_popover", width="stretch"):
        spec = finder_spec("dec_a", finder)
        seed_slot = st.container()
        with st.expander("Per layer: a layer may use its own finder"):
            per_layer = _overrides(net)
    persisted("dec_compare", False)
    with cols[4].popover("Compare", key="dec_compare_popover", width="stretch",
                         type="primary" if st.session_state.get("dec_compare") else "secondary"):
        right = _compare(mode, finder)
    _point(cols[5])
    sides = [(mode, spec)] + ([right] if right is not None else [])
    seed = 0
    if any(is_random(s.finder) for s in [spec, *per_layer.values(), *(s for _, s in sides)]):
        with seed_slot:
            seed = int(number_box("Seed (random finders)", "dec_seed", 0, 0, 2**31 - 1, integer=True))
    return Choice(output, sides, per_layer, seed)


# --- the main plot and the details ---------------------------------------------------------------------


def _main(net: Network, x: tuple[float, ...], choice: Choice) -> list[tuple[str, Decomposition, bool]]:
    """The totals and the relevance per unit (both sides when comparing); [] when nothing was computed."""
    try:
        nothing = guards.nothing_to_explain(net, x, choice.output)
    except LRPError as exc:
        nothing = str(exc)
    if nothing is not None:
        st.info(f"Nothing to explain: {nothing}. A decomposition would hand 0 down through every layer; "
                "move x, choose another output or tweak a weight.")
        return []
    results: list[tuple[str, Decomposition, bool]] = []
    for name, (mode, spec) in zip(SIDES, choice.sides, strict=False):
        got = _compute(net, x, choice, mode, spec)
        if got is not None:
            results.append((name, *got))
        elif name == SIDES[0]:
            st.info("Nothing was computed with these settings; change them above (your network and input "
                    "are unchanged).")
            return []
    if len(results) == 1:
        tables.summary_metrics(results[0][1], results[0][2])
        page.chart(heat_rows(results[0][1]), key="dec_heat")
    else:
        st.dataframe(tables.summary_frame(results), hide_index=True, key="dec_summary", column_config={
            c: st.column_config.NumberColumn(format="%.6g") for c in
            ("f(x)", "input relevance", "unresolved (all layers)")})
        page.chart(heat_pair(results[0][1], results[1][1]), key="dec_heat_pair")
    return results


def _details(results: list[tuple[str, Decomposition, bool]]) -> None:
    """Conservation, the relevance flow, the step-through and the tables in lazy tabs (only the open
    one is computed)."""
    decs = [d for _, d, _ in results]

    def conservation() -> None:
        if len(decs) == 1:
            page.chart(conservation_bars(decs[0]), key="dec_cons")
        else:
            page.chart(compare_inputs(decs[0], decs[1]), key="dec_cmp")
            page.chart(conservation_pair(decs[0], decs[1]), key="dec_cons_pair")

    def tables_and_downloads() -> None:
        _tables(results)
        _downloads(decs[0])

    page.lazy_tabs("dec_details", {
        "Conservation": conservation,
        "Relevance flow": lambda: _flow(decs),
        "Step through": lambda: step_through.section(decs[0]),
        "Tables and downloads": tables_and_downloads,
    })


def _flow(decs: list[Decomposition]) -> None:
    """The Sankey diagram: every layer with small shares merged, or one layer alone."""
    layers = [EVERY_LAYER, *(lr.layer for lr in decs[0].layers)]
    c1, c2 = st.columns([1, 1])
    layer = c1.selectbox("Relevance flow of", layers, key=persisted("dec_sankey_layer", EVERY_LAYER, options=layers),
                         format_func=lambda k: "every layer" if k == EVERY_LAYER else f"layer {k} alone")
    merge = c2.select_slider("Merge shares smaller than", MERGES, key=persisted("dec_sankey_merge", MERGE,
                                                                                  options=MERGES),
                             format_func=lambda m: f"{m:.0%} of their layer's flow" if m else "nothing merged")
    shown = None if layer == EVERY_LAYER else int(layer)
    fig = sankey(decs[0], layer=shown, merge=merge) if len(decs) == 1 else \
        sankey_pair(decs[0], decs[1], layer=shown, merge=merge)
    page.chart(fig, key="dec_sankey")
    st.caption("Each link is one share c_j,i (h_i − ã_j,i) that an upper unit hands to a unit below, as wide as "
               "its size: red positive, blue negative; grey links go to the relevance left unresolved at the "
               "layer's roots. Small shares are merged per unit into the layer's \"small shares\" node, so "
               "every unit keeps its total flow.")


def _tables(results: list[tuple[str, Decomposition, bool]]) -> None:
    st.subheader("Per layer")
    st.caption(tables.LAYER_CAPTION)
    for name, dec, _ in results:
        if len(results) > 1:
            st.markdown(f"**{name}**: {title_of(dec)}")
        tables.layer_table(dec, key=f"dec_layers_{TAGS[name]}")
    st.subheader("Root tree")
    st.caption("One row per explained unit: its relevance, the root found, the gradient used, what was passed "
               "down and what stayed unresolved.")
    for name, dec, _ in results:
        if len(results) > 1:
            st.markdown(f"**{name}**: {title_of(dec)}")
        tables.root_tree(dec, f"dec_{TAGS[name]}")


def _downloads(dec: Decomposition) -> None:
    """The files are written when a button is clicked (deferred), not on every tweak."""
    d1, d2 = st.columns(2)
    d1.download_button("Download CSV (the tree, flat)", lambda: tables.tree_frame(dec).to_csv(index=False),
                       file_name=f"decomposition-{dec.mode}.csv", mime="text/csv", key="dec_dl_csv", on_click="ignore")
    d2.download_button("Download JSON", lambda: json.dumps(dec.to_full_json(), indent=1),
                       file_name=f"decomposition-{dec.mode}.json", mime="application/json", key="dec_dl_json", on_click="ignore")


def _neighbourhood(net: Network, x: tuple[float, ...], choice: Choice) -> None:
    """The exact root cache on points near x (finders whose roots depend only on the segment)."""
    spec = choice.sides[0][1]
    if not all(s.segment_only for s in [spec, *choice.per_layer.values()]):
        return
    with st.expander("Neighbouring points and the exact root cache"):
        st.caption("With a finder whose root depends only on the segment, the full-backward relevance is affine "
                   "on each segment, so nearby points in the same segments reuse every root: one search per "
                   "(layer, activation pattern, unit, settings).")
        n1, n2, n3 = st.columns(3)
        n_pts = int(n1.number_input("points", 2, 50, 10, key="dec_nb_n"))
        radius = float(n2.number_input("radius", 1e-6, 1.0, 1e-3, format="%.1e", key="dec_nb_r"))
        if not n3.toggle("Decompose them", key="dec_nb_run"):
            return
        ran: list[bool] = []
        try:
            nb = _neighbours(net.digest, net, x, choice.output, _settings_key(spec, choice.per_layer), spec,
                             choice.per_layer, n_pts, radius, 0, ran)
        except LRPError as exc:
            st.error(str(exc))
            return
        when = "cached" if not ran else f"{nb['seconds'] * 1000:.0f} ms in all"
        st.markdown(f"{nb['points']} points in {nb['segments']} segment(s): **{nb['searches']} root searches** "
                    f"with the cache ({nb['hits']} hits) instead of {nb['without_cache']} without it, {when}.")


# --- page ------------------------------------------------------------------------------------------

page.header("Decomposition", LEAD, how)


@page.live("decomposition")
def body() -> None:
    results_part(_settings(state.get_network()))


@page.network_part("decomposition")
def results_part(choice: Choice) -> None:
    """Everything below the settings row: a tweak reruns only this."""
    net = state.get_network()
    x = state.get_input()
    health.notes(net, x)
    with page.main_and_tweak("decomposition"):
        results = _main(net, x, choice)
    if not results:
        return
    _details(results)
    _neighbourhood(net, x, choice)


body()
