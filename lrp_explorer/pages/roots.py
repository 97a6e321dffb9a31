"""Root finding: Deep Taylor roots of the current network, found by every
finder side by side, drawn in the input plane (2-D) or projected (higher-D)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st
import torch

from lrp_core import guards
from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_core.plane import (
    Box,
    Slice,
    axis_slice,
    box_around,
    check_box,
    click_grid,
    grid_values,
    parse_box,
)
from lrp_core.presets import default_input
from lrp_core.regions import RegionSet, linear_regions
from lrp_core.roots import (
    FINDERS,
    RULES,
    RootProblem,
    RootResult,
    explain_layer,
    explain_output,
    search_direction,
)
from lrp_explorer.figures.roots import (
    check_sentences,
    diagnostics_rows,
    finder_colors,
    parallel_figure,
    plane_figure,
    projection_figure,
    result_label,
)
from lrp_explorer.ui import state, tweak
from lrp_explorer.ui.selection import point_from_selection
from lrp_explorer.ui.settings import persisted

DTYPE = torch.float64
HEAT_N = 121
GRID_N = 41
CHOICE_PARAMS: dict[str, list[str]] = {"tie_break": ["l1", "nearest", "none"]}
HIDDEN_PARAMS = ("low", "high")

state.ensure_app()
state.show_flash()
net: Network = state.get_network()
rev = state.revision()
x = state.get_input()
xkey = hashlib.sha1(repr(x).encode()).hexdigest()[:10]


# --- cached computations ------------------------------------------------------------------------


@st.cache_data(max_entries=32, show_spinner=False)
def _regions(
    digest: str, _net: Network, box: Box, start: int, stop: int, slice_key: str = "", _slice: Slice | None = None
) -> RegionSet | str:
    """The linear regions of layers start..stop-1 in the box (on a slice if given, named by
    ``slice_key``), or the reason there are none to draw."""
    try:
        return linear_regions(_net, box, start=start, stop=stop, slice=_slice)
    except LRPError as exc:
        return str(exc)


@st.cache_data(max_entries=32, show_spinner=False)
def _heat(
    digest: str, _problem: RootProblem, spec: str, box: Box, neuron_index: int,
    slice_key: str = "", _slice: Slice | None = None,
) -> tuple[list[float], list[float], torch.Tensor]:
    """R of one explained neuron on a grid over the box, on a slice if given (R does not
    depend on the point)."""
    if _slice is None:
        return grid_values(lambda p: _problem.relevance(p)[:, neuron_index], box, HEAT_N)
    return grid_values(lambda p: _problem.relevance(_slice.embed(p))[:, neuron_index], box, HEAT_N)


@st.cache_data(max_entries=24, show_spinner=False)
def _remember(key: str, _result: RootResult | None = None) -> RootResult | None:
    """A content-keyed store of finished runs (key: network digest, point, layer,
    what is explained, finder and its parameters). Filled only after a run
    finished, so a stopped run leaves nothing half-done behind."""
    return _result


def lookup(key: str) -> RootResult | None:
    found = _remember(key)
    if found is None:
        _remember.clear(key)  # don't keep the empty lookup
    return found


def store(key: str, result: RootResult) -> None:
    _remember.clear(key)
    _remember(key, result)


def run_key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


# --- explanation --------------------------------------------------------------------------------

st.title("Root finding")
st.markdown(
    "**Deep Taylor Decomposition** explains a relevance function R (an output, or a neuron) at a layer "
    "input *a* by a first-order Taylor expansion at a **root** ã, a point where R(ã) = 0:"
)
st.latex(r"R(a) = \underbrace{R(\tilde a)}_{=\,0} + \sum_i \frac{\partial R}{\partial a_i}(\tilde a)\,(a_i - \tilde a_i)"
         r"\quad\Rightarrow\quad R_i = \frac{\partial R}{\partial a_i}(\tilde a)\,(a_i - \tilde a_i)")
st.markdown(
    "In plain words: walk from *a* to a point where the neuron is silent, and credit each input with the "
    "change it made times how much the neuron cares about it. For a ReLU network this is **exact only if the "
    "root lies in the same linear segment as a** (the same on/off pattern of every ReLU), where R is a plane. "
    "The finders look for roots in different ways: closed-form **rules** search along one direction "
    "(z⁺, w², γ, …); **mcmc** wanders inside the segment with Metropolis–Hastings chains; "
    "**interpolation** walks along random directions to the segment's edge; **exact** solves a linear "
    "program over the segment. *(Sixt & Landgraf 2022, A Rigorous Study of the Deep Taylor Decomposition.)*"
)

# --- live loop (issue 15): tweak one weight or bias, everything below follows ---
tweak.panel("roots")

# --- controls -----------------------------------------------------------------------------------

controls, view = st.columns([1, 2.2], gap="large")
with controls:
    st.subheader("Input point x")
    names = list(net.meta.get("input_names", [])) if isinstance(net.meta.get("input_names"), list) else []
    per_row = min(2, net.n_inputs)
    new_x = list(x)
    for start in range(0, net.n_inputs, per_row):
        cols = st.columns(per_row)
        for i in range(start, min(start + per_row, net.n_inputs)):
            label = names[i] if i < len(names) and isinstance(names[i], str) else f"x{i + 1}"
            new_x[i] = float(cols[i - start].number_input(
                label, value=float(x[i]), step=0.1, format="%.4f", key=f"roots_x_{rev}_{xkey}_{i}"
            ))
    if tuple(new_x) != x:
        try:  # refuse a point the plane cannot hold (e.g. x1 = 1e30) where it was typed; keep the last valid x
            if net.n_inputs == 2:
                check_box(box_around([list(default_input(net)), new_x]))
            state.set_input(new_x)
            x = tuple(new_x)
        except LRPError as exc:
            st.error(f"x = ({', '.join(f'{v:g}' for v in new_x)}) refused: {exc}. "
                     f"Nothing was changed; x stays ({', '.join(f'{v:g}' for v in x)}).")

    n_layers = len(net.layers)
    layer = st.selectbox(
        "Layer whose input is explained", list(range(n_layers)),
        format_func=lambda k: f"layer {k} input ({net.layers[k].n_in} values)" + (" = x" if k == 0 else ""),
        key=persisted(f"roots_layer_{rev}", 0, options=range(n_layers), name="roots_layer"),
    )
    kinds = ["a network output", "every neuron of a layer"]
    kind = st.radio("Explain", kinds, horizontal=True,
                    key=persisted(f"roots_kind_{rev}", kinds[0], options=kinds, name="roots_kind"))
    if kind == kinds[0]:
        target = st.selectbox("Output", list(range(net.n_outputs)), key=persisted(
            f"roots_output_{rev}", 0, options=range(net.n_outputs), name="roots_output"))
    else:
        target = st.selectbox("Layer whose neurons are explained", list(range(layer, n_layers)),
                              key=persisted(f"roots_target_{rev}_{layer}", layer, options=range(layer, n_layers),
                                            name="roots_target"))

    finder_names = FINDERS.names()
    default = [n for n in ("rule", "mcmc", "exact") if n in finder_names]
    chosen = st.multiselect("Finders (several to compare)", finder_names,
                            format_func=lambda n: FINDERS.get(n).label,
                            key=persisted(f"roots_finders_{rev}", default, options=finder_names,
                                          name="roots_finders"))

    finder_params: dict[str, dict[str, Any]] = {}
    seeds: dict[str, int] = {}
    for name in chosen:
        entry = FINDERS.get(name)
        defaults: dict[str, Any] = dict(entry.extra.get("params", {}))
        with st.expander(f"{entry.label} parameters", expanded=name == "rule"):
            params: dict[str, Any] = {}
            for p, dv in defaults.items():
                k = f"roots_p_{rev}_{name}_{p}"
                if p in HIDDEN_PARAMS:
                    if name == "rule" and params.get("rule") == "zB":
                        # the zB rule's box l <= a <= h (one bound for every input value)
                        vals = (list(x) if layer == 0 else
                                net.forward(torch.tensor(x, dtype=DTYPE), stop=layer).output.tolist())
                        bound = float(min(0.0, min(vals))) if p == "low" else float(max(1.0, max(vals)))
                        bound = math.floor(bound) if p == "low" else math.ceil(bound)
                        params[p] = float(st.number_input(f"zB bound: {p}", value=float(bound), format="%g",
                                                          key=k))
                    continue
                if name == "rule" and p == "rule":
                    rules = RULES.names()
                    params[p] = st.selectbox("rule", rules, format_func=lambda r: RULES.get(r).label,
                                             key=persisted(k, dv if dv in rules else rules[0], options=rules,
                                                           name="roots_rule"))
                elif p in CHOICE_PARAMS:
                    opts = CHOICE_PARAMS[p]
                    params[p] = st.selectbox(p, opts, index=opts.index(dv) if dv in opts else 0, key=k)
                elif p == "nonnegative":
                    choice = st.selectbox("non-negative proposals", ["auto (after a ReLU)", "yes", "no"], key=k)
                    params[p] = None if choice.startswith("auto") else choice == "yes"
                elif isinstance(dv, bool):
                    params[p] = st.checkbox(p, value=dv, key=k)
                elif isinstance(dv, int):
                    params[p] = int(st.number_input(p, value=dv, step=1, min_value=0, key=k))
                elif isinstance(dv, float):
                    params[p] = float(st.number_input(p, value=dv, format="%g", key=k))
            if entry.extra.get("stochastic"):
                seeds[name] = int(st.number_input("seed", value=0, step=1, min_value=0,
                                                  key=f"roots_seed_{rev}_{name}"))
            finder_params[name] = params

# --- the problem --------------------------------------------------------------------------------

x_t = torch.tensor(x, dtype=DTYPE)
point = x_t if layer == 0 else net.forward(x_t, stop=layer).output
try:
    if kind == kinds[0]:
        problem = explain_output(net, point, layer, int(target))
        spec = f"output{target}"
    else:
        problem = explain_layer(net, point, layer, int(target))
        spec = f"layer{target}"
except LRPError as exc:
    st.error(str(exc))
    st.stop()

relevance_x = problem.relevance(problem.point).tolist()

if kind == kinds[0]:
    try:
        nothing = guards.nothing_to_explain(net, x, int(target))
    except LRPError as exc:
        nothing = str(exc)
    if nothing is not None:
        with view:
            st.info(f"Nothing to explain: {nothing}. Every root finder would only return the point itself; "
                    "move x or choose another output to see roots.")
        st.stop()

# --- run the finders (cached by content; a progress bar while they run) ---------------------------

results: list[RootResult] = []
errors: list[str] = []
todo: list[tuple[str, str]] = []
keys: dict[str, str] = {}
for name in chosen:
    keys[name] = run_key(net.digest, problem.point.tolist(), layer, spec, name, finder_params[name], seeds.get(name))
    if lookup(keys[name]) is None:
        todo.append((name, keys[name]))

if todo:
    with view:
        bar = st.progress(0.0, text="Finding roots…")
    last = [-1.0]

    def make_progress(i: int, name: str) -> Callable[[float], None]:
        def report(p: float) -> None:
            value = min(1.0, max(0.0, (i + float(p)) / len(todo)))
            if value - last[0] >= 0.01 or value >= 1.0:
                last[0] = value
                bar.progress(value, text=f"Running {name}… {100 * value:.0f}%")
        return report

    try:
        for i, (name, key) in enumerate(todo):
            gen = torch.Generator().manual_seed(seeds[name]) if name in seeds else None
            try:
                res = FINDERS.get(name).func(problem, generator=gen, progress=make_progress(i, name),
                                             **finder_params[name])
            except LRPError as exc:
                errors.append(f"{FINDERS.get(name).label}: {exc}")
                continue
            store(key, res)  # only a finished run is kept: a stopped one leaves nothing behind
    finally:
        bar.empty()

for name in chosen:
    res = lookup(keys[name])
    if res is not None:
        results.append(res)

# --- plots --------------------------------------------------------------------------------------

with view:
    for msg in errors:
        st.error(msg)
    if not chosen:
        st.info("Choose at least one finder on the left.")
    neuron_index = 0
    if len(problem.neurons) > 1:
        neuron_index = st.selectbox(
            "Heatmap and plane show R of neuron", list(range(len(problem.neurons))),
            format_func=lambda j: f"neuron {problem.neurons[j]}", key=f"roots_heat_{rev}_{layer}_{spec}",
        )
    if problem.dim == 2:
        # the automatic box stays put while x moves inside it (clicks land where they were aimed):
        # on the input plane it holds the network's default input and x; on a hidden layer, the roots too
        if layer == 0:
            pts = [list(default_input(net)), list(x)]
        else:
            pts = [problem.point.tolist()] + [
                r.root.tolist() for res in results for r in res.roots if r.root is not None
            ]
        box_text = st.text_input("Plane box x0,x1,y0,y1 (blank: automatic)", value="",
                                 key=f"roots_box_{rev}")
        try:
            box = parse_box(box_text) if box_text.strip() else box_around(pts)
        except LRPError as exc:
            st.error(f"{exc}; showing the automatic box")
            box = box_around(pts)
        regions = _regions(net.digest, net, box, layer, problem.segment_stop)
        if isinstance(regions, str):
            st.warning(f"Region boundaries not drawn: {regions}")
            regions = None
        heat = _heat(net.digest, problem, f"{layer}/{spec}/{problem.segment_stop}", box, int(neuron_index))
        lines: dict[int, torch.Tensor] = {}
        for i, res in enumerate(results):
            if res.finder == "rule":
                try:
                    v = search_direction(str(res.params.get("rule")), problem.point, problem.affine.weight,
                                         gamma=float(res.params.get("gamma", 0.25)))
                except LRPError:
                    v = None
                if v is not None:
                    lines[i] = v
        clickable = layer == 0
        grid = click_grid(box, GRID_N) if clickable else None
        grid_r = (problem.relevance(torch.tensor(grid, dtype=DTYPE).T)[:, int(neuron_index)].tolist()
                  if grid is not None else None)
        fig = plane_figure(
            problem.point.tolist(), results, regions=regions, segment_pattern=problem.segment.pattern_string,
            heat=heat, heat_label=f"R (neuron {problem.neurons[int(neuron_index)]})",
            grid=grid, grid_values=grid_r, search_lines=lines, box=box,
            axis_titles=("x₁", "x₂") if layer == 0 else ("a₁", "a₂"),
        )
        if clickable:
            st.caption("Click anywhere on the plane to move x there.")
            event = st.plotly_chart(fig, on_select="rerun", selection_mode="points",
                                    key=f"roots_plane_{rev}_{xkey}")
            clicked = point_from_selection(event, box=box)
            if clicked is not None and clicked != tuple(x):
                state.set_input(clicked)
                st.rerun()
        else:
            st.caption("This layer's input is computed from x; change x with the number inputs.")
            st.plotly_chart(fig, key=f"roots_plane_{rev}")
        st.caption(
            "Colour: R. Thin lines: boundaries of the linear regions (each has its own on/off pattern); "
            "thick outline: x's segment, where the Taylor expansion is exact. Crosses: roots; dots: samples "
            "or edge points; dashed: the rule's search line."
        )
    else:
        left, right = st.columns(2)
        with left:
            st.markdown("**Projection on the first two principal components** of x, the roots and the samples")
            st.plotly_chart(projection_figure(problem.point.tolist(), results), key=f"roots_proj_{rev}")
        with right:
            legend = "; ".join(f"{result_label(r)} roots: {c}" for r, c in zip(results, finder_colors(len(results)),
                                                                               strict=True))
            st.markdown("**Parallel coordinates**: one axis per input value. x: gold; samples: grey"
                        + (f"; {legend}" if legend else ""))
            st.plotly_chart(parallel_figure(problem.point.tolist(), results), key=f"roots_par_{rev}")
        if problem.dim >= 2:
            with st.expander("Slice through the point: the linear regions along two input axes"):
                st.markdown(
                    "The plane through the point along two input axes (all other values fixed). Thin lines "
                    "separate linear regions; the thick outline is where the slice cuts the point's segment."
                )
                d = problem.dim
                c1, c2, c3 = st.columns(3)
                ax_i = c1.selectbox("first axis", list(range(d)), index=0, format_func=lambda i: f"a{i + 1}",
                                    key=f"roots_slice_i_{rev}_{layer}")
                ax_j = c2.selectbox("second axis", list(range(d)), index=1, format_func=lambda i: f"a{i + 1}",
                                    key=f"roots_slice_j_{rev}_{layer}")
                half = float(c3.number_input("half-width", value=1.0, min_value=1e-6, max_value=1e6, format="%g",
                                             key=f"roots_slice_w_{rev}_{layer}"))
                try:
                    sl = axis_slice(problem.point, int(ax_i), int(ax_j))
                except LRPError as exc:
                    st.error(str(exc))
                    sl = None
                if sl is not None:
                    sbox = check_box((-half, half, -half, half))
                    skey = run_key(problem.point.tolist(), int(ax_i), int(ax_j))
                    sregions = _regions(net.digest, net, sbox, layer, problem.segment_stop, skey, sl)
                    if isinstance(sregions, str):
                        st.warning(f"Region boundaries not drawn: {sregions}")
                        sregions = None
                    sheat = _heat(net.digest, problem, f"{layer}/{spec}/{problem.segment_stop}", sbox,
                                  int(neuron_index), skey, sl)
                    sfig = plane_figure(
                        [0.0, 0.0], (), regions=sregions, segment_pattern=problem.segment.pattern_string, heat=sheat,
                        heat_label=f"R (neuron {problem.neurons[int(neuron_index)]})",
                        grid=click_grid(sbox, GRID_N) if layer == 0 else None, box=sbox,
                        axis_titles=(f"change of a{int(ax_i) + 1}", f"change of a{int(ax_j) + 1}"),
                    )
                    if layer == 0:
                        st.caption("Click on the slice to move x there.")
                        sevent = st.plotly_chart(sfig, on_select="rerun", selection_mode="points",
                                                 key=f"roots_slice_{rev}_{xkey}_{ax_i}_{ax_j}")
                        sclick = point_from_selection(sevent, box=sbox)
                        if sclick is not None and sclick != (0.0, 0.0):
                            state.set_input(sl.embed(list(sclick)).tolist())
                            st.rerun()
                    else:
                        st.plotly_chart(sfig, key=f"roots_slice_{rev}")

# --- tables, checks and downloads (full width) -----------------------------------------------------
if results:
    st.subheader("Diagnostics")
    st.dataframe(
        pd.DataFrame(diagnostics_rows(results, relevance_x)), hide_index=True,
        column_config={
            "R(x)": st.column_config.NumberColumn(format="%.6g"),
            "R(root)": st.column_config.NumberColumn(format="%.6g"),
            "distance ‖x − root‖": st.column_config.NumberColumn(format="%.4g"),
            "Taylor residual": st.column_config.NumberColumn(format="scientific"),
            "seconds": st.column_config.NumberColumn(format="%.4f"),
        },
    )
    st.subheader("Checks in plain words")
    for res in results:
        for sentence in check_sentences(res):
            st.markdown("- " + sentence)

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["finder", "neuron", *[f"root_{i + 1}" for i in range(problem.dim)], "relevance",
                "in_segment", "taylor_residual", "distance", "reason"])
    for res in results:
        for r in res.roots:
            coords = r.root.tolist() if r.root is not None else [""] * problem.dim
            w.writerow([result_label(res), r.neuron, *coords, r.relevance, r.in_segment,
                        r.taylor_residual, r.distance, r.reason])
    payload = {
        "network": net.name, "digest": net.digest, "x": list(x), "layer": layer, "explain": spec,
        "point": problem.point.tolist(), "relevance_at_point": relevance_x,
        "results": [
            {"finder": res.finder, "params": res.params, "roots": [r.to_json() for r in res.roots],
             "evaluations": res.evaluations, "seconds": res.seconds}
            for res in results
        ],
    }
    d1, d2 = st.columns(2)
    d1.download_button("Download roots (CSV)", buf.getvalue(), file_name="roots.csv", mime="text/csv",
                       key=f"roots_dl_csv_{rev}")
    d2.download_button("Download roots (JSON)", json.dumps(payload, indent=1, default=str),
                       file_name="roots.json", mime="application/json", key=f"roots_dl_json_{rev}")
