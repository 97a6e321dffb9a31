"""Root finding: Deep Taylor roots of the current network, found by every chosen finder side by
side, drawn in the input plane (2-D) or projected (higher-D), with diagnostics and checks."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st
import torch

from lrp_core import guards
from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_core.plane import axis_slice, box_around, check_box, parse_box
from lrp_core.presets import default_input
from lrp_core.roots import FINDERS, RootProblem, explain_layer, explain_output
from lrp_core.roots.common import BOX
from lrp_explorer.figures.roots_highd import parallel_figure, projection_figure
from lrp_explorer.how.roots import LEAD, how
from lrp_explorer.ui import health, page, state
from lrp_explorer.ui.finder_run import Job, run_finders
from lrp_explorer.ui.forms import finder_form, refused
from lrp_explorer.ui.numbox import number_box
from lrp_explorer.ui.plane_view import Plane, plane_view
from lrp_explorer.ui.point_input import point_inputs, point_text
from lrp_explorer.ui.roots_tables import Found, check_sentences, diagnostics_rows, roots_csv, roots_json
from lrp_explorer.ui.settings import persisted
from lrp_explorer.ui.tables import input_names, unit_names

DTYPE = torch.float64
KINDS = ["a network output", "every neuron of a layer"]
DEFAULT_FINDERS = ("rule", "mcmc", "exact")  # the first view; the registry says what exists


@dataclass(frozen=True)
class Setup:
    """What the settings row chose."""

    x: tuple[float, ...]
    layer: int
    of_layer: bool  # explain every neuron of a layer (else one output)
    target: int  # the output, or the layer whose neurons are explained
    finders: list[str]
    box_text: str = ""  # the plane's box as typed ("" = automatic)

    @property
    def explained(self) -> str:
        return f"layer{self.target}" if self.of_layer else f"output{self.target}"


# --- the settings row -------------------------------------------------------------------------------


def _plane_check(net: Network) -> object:
    def check(x: tuple[float, ...]) -> None:
        if net.n_inputs == 2:
            try:
                check_box(box_around([list(default_input(net)), list(x)]))
            except LRPError as exc:
                raise LRPError(f"the plane cannot show a point that far out ({exc})") from None
    return check


def _x_inputs(net: Network, rev: int, where: st.delta_generator.DeltaGenerator) -> tuple[float, ...]:
    x = state.get_input()
    with where if net.n_inputs <= 2 else where.popover(f"x = {point_text(x, 3)}", width="stretch"):
        new, refusal = point_inputs(x, f"roots_x_{rev}", check=_plane_check(net))  # type: ignore[arg-type]
    if refusal is not None:
        st.error(refusal)
    elif new != x:
        state.set_input(new)
    return new


def _settings(net: Network, rev: int) -> tuple[Setup, st.delta_generator.DeltaGenerator]:
    """One row: x, the layer, what is explained, the finders; the last item is the row's column for
    the finders' parameters."""
    n = len(net.layers)
    c_x, c_layer, c_kind, c_target, c_finders, c_params = st.columns([1.3, 0.9, 1.2, 0.75, 2.2, 1.15],
                                                                      vertical_alignment="bottom")
    layer = c_layer.selectbox(
        "Layer input", list(range(n)), format_func=lambda k: "x" if k == 0 else f"layer {k}",
        help="the explained layer input a: x itself, or the hidden units h1… that feed layer k",
        key=persisted("roots_layer", 0, options=range(n)))
    kind = c_kind.selectbox("Explain", KINDS, format_func={KINDS[0]: "an output", KINDS[1]: "all units of"}.get,
                            key=persisted("roots_kind", KINDS[0], options=KINDS))
    if kind == KINDS[0]:
        target = c_target.selectbox("Output", list(range(net.n_outputs)), format_func=lambda o: f"y{o + 1}",
                                    key=persisted("roots_output", 0, options=range(net.n_outputs)))
    else:
        target = c_target.selectbox("Layer", list(range(layer, n)), format_func=lambda t: f"layer {t}",
                                    key=persisted("roots_target", layer, options=range(layer, n)))
    names = FINDERS.names()
    # pills, not a multiselect: every finder and whether it is chosen stay readable at any width
    chosen = c_finders.pills(
        "Finders", names, selection_mode="multi", wrap=True,
        key=persisted("roots_finders", [f for f in DEFAULT_FINDERS if f in names], options=names),
        help="; ".join(f"{n}: {FINDERS.get(n).label}" for n in names)) or []
    x = _x_inputs(net, rev, c_x)
    return Setup(x, int(layer), kind == KINDS[1], int(target), list(chosen)), c_params


def _layer_input(net: Network, x: tuple[float, ...], layer: int) -> torch.Tensor:
    x_t = torch.tensor(x, dtype=DTYPE)
    return x_t if layer == 0 else net.forward(x_t, stop=layer).output


def _options(net: Network, s: Setup, rev: int) -> tuple[list[Job], str]:
    """The row's popover: the plane's box (2-D layer inputs) and every chosen finder's parameters."""
    box_text = ""
    if net.layers[s.layer].n_in == 2:
        box_text = st.text_input("Plane box x0,x1,y0,y1", key=persisted(f"roots_box_{rev}", "", name="roots_box"),
                                 placeholder="automatic",
                                 help="blank: a square around x (and the default input)")
    return _jobs(net, s, rev), box_text


def _jobs(net: Network, s: Setup, rev: int) -> list[Job]:
    """Every chosen finder's parameters (one section each); a finder with a refused parameter is
    not run. Box bounds left empty get the range of the layer's input."""
    vals = _layer_input(net, s.x, s.layer).tolist()
    low, high = float(math.floor(min(0.0, *vals))), float(math.ceil(max(1.0, *vals)))
    auto = dict(zip(BOX, (low, high), strict=True))  # the box bounds every finder accepts
    jobs: list[Job] = []
    for name in s.finders:
        entry = FINDERS.get(name)
        st.markdown(f"**{entry.label}** · `{name}`")
        params = finder_form(name, f"roots_p_{rev}_{name}", persist="roots")
        unset = [b for b in BOX if b in params and params[b] is None]
        for b in unset:
            params[b] = auto[b]
        if unset:
            st.caption(f"Box bounds left empty: a rule that needs a box uses {low:g} ≤ every input "
                       f"value ≤ {high:g} (the range of this layer's input at x).")
        seed = int(number_box("seed", f"roots_seed_{name}", 0, 0, 2**31 - 1, integer=True)) \
            if entry.extra.get("stochastic") else None
        if not refused(entry, params):
            jobs.append(Job(name, params, seed))
    return jobs


def _problem(net: Network, s: Setup) -> RootProblem | None:
    point = _layer_input(net, s.x, s.layer)
    try:
        if s.of_layer:
            return explain_layer(net, point, s.layer, s.target)
        return explain_output(net, point, s.layer, s.target)
    except LRPError as exc:
        st.error(str(exc))
        return None


def _nothing_to_explain(net: Network, s: Setup) -> str | None:
    if s.of_layer:
        return None
    try:
        return guards.nothing_to_explain(net, s.x, s.target)
    except LRPError as exc:
        return str(exc)


# --- the main plot ------------------------------------------------------------------------------------


def _names(net: Network, problem: RootProblem) -> dict[int, str]:
    """The explained neurons' names (y1… for outputs, h1… for hidden units)."""
    return dict(enumerate(unit_names(net, problem.stop - 1)))


def _neuron(problem: RootProblem, names: dict[int, str], s: Setup, rev: int,
            where: st.delta_generator.DeltaGenerator) -> int:
    if len(problem.neurons) == 1:
        return 0
    return int(where.selectbox("R shown for", list(range(len(problem.neurons))),
                               format_func=lambda j: names[problem.neurons[j]],
                               key=f"roots_heat_{rev}_{s.layer}_{s.explained}"))


def _square(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The box widened to a square around its centre (the plane is drawn to scale)."""
    x0, x1, y0, y1 = box
    half = max(x1 - x0, y1 - y0) / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return check_box((math.floor(cx - half), math.ceil(cx + half), math.floor(cy - half), math.ceil(cy + half)))


def _box(found: list[Found], problem: RootProblem, s: Setup, net: Network) -> tuple[float, float, float, float]:
    """The plane's box: typed, else automatic — a square holding x and, on x's own plane, the
    default input (so it stays put while x moves inside it), on a hidden layer's plane the roots too."""
    if s.layer == 0:
        pts = [list(default_input(net)), list(s.x)]
    else:
        pts = [problem.point.tolist()] + [r.root.tolist() for f in found for r in f.result.roots if r.root is not None]
    auto = _square(box_around(pts))
    if not s.box_text.strip():
        return auto
    try:
        return parse_box(s.box_text)
    except LRPError as exc:
        st.error(f"Plane box: {exc}; showing the automatic box")
        return auto


def _main(net: Network, problem: RootProblem, s: Setup, found: list[Found], rev: int) -> None:
    names = _names(net, problem)
    results = [f.result for f in found]
    if problem.dim != 2:
        page.chart(projection_figure(problem.point.tolist(), results, unit_names=names), key=f"roots_proj_{rev}")
        st.caption("x, the points found and the samples on their first two principal components.")
        return
    neuron = _neuron(problem, names, s, rev, st)
    box = _box(found, problem, s, net)
    axes = tuple(input_names(net, s.layer)[:2])
    xkey = hashlib.sha1(repr(s.x).encode()).hexdigest()[:10]
    plane_view(net, problem, s.explained, Plane(box, axes), point=problem.point.tolist(),  # type: ignore[arg-type]
               results=results, neuron=neuron, unit_names=names,
               key=f"roots_plane_{rev}_{xkey}" if s.layer == 0 else f"roots_plane_{rev}",
               move=state.set_input if s.layer == 0 else None, height=440)
    if s.layer:
        st.caption("This layer's input is computed from x; change x in the boxes above.")


# --- the details below -----------------------------------------------------------------------------------


def _higher_d(net: Network, problem: RootProblem, s: Setup, found: list[Found], rev: int) -> None:
    """Parallel coordinates and a slice through x along two input axes."""
    names = input_names(net, s.layer)
    page.chart(parallel_figure(problem.point.tolist(), [f.result for f in found], names=names),
               key=f"roots_par_{rev}")
    st.caption("Parallel coordinates: one axis per input value of the layer; the colour key is above the plot.")
    if problem.dim < 2:
        return
    with st.expander("Slice through x: the linear regions along two input axes"):
        c1, c2, c3 = st.columns(3)
        d = problem.dim
        i = int(c1.selectbox("first axis", list(range(d)), index=0, format_func=lambda k: names[k],
                             key=f"roots_slice_i_{rev}_{s.layer}"))
        j = int(c2.selectbox("second axis", list(range(d)), index=1, format_func=lambda k: names[k],
                             key=f"roots_slice_j_{rev}_{s.layer}"))
        half = float(c3.number_input("half-width", value=1.0, min_value=1e-6, max_value=1e6, format="%g",
                                     key=f"roots_slice_w_{rev}_{s.layer}"))
        try:
            sl = axis_slice(problem.point, i, j)
        except LRPError as exc:
            st.error(str(exc))
            return
        skey = hashlib.sha1(repr((problem.point.tolist(), i, j)).encode()).hexdigest()
        plane = Plane(check_box((-half, half, -half, half)), (f"change of {names[i]}", f"change of {names[j]}"),
                      sl, skey)
        clickable = s.layer == 0
        plane_view(net, problem, s.explained, plane, point=[0.0, 0.0], unit_names=_names(net, problem),
                   key=f"roots_slice_{rev}_{skey[:10]}" if clickable else f"roots_slice_{rev}",
                   move=(lambda p: state.set_input(sl.embed(list(p)).tolist())) if clickable else None, height=420)
        st.caption("Thin lines separate linear regions; the thick outline is where the slice cuts x's segment.")


def _diagnostics(net: Network, problem: RootProblem, s: Setup, found: list[Found], rev: int) -> None:
    names = _names(net, problem)
    relevance_x = problem.relevance_at_point.tolist()
    st.subheader("Diagnostics", anchor=False)
    text = st.column_config.TextColumn
    widths = {"finder": 100, "explains": 64, "found": 150, "R(x)": 72, "R(ã)": 80, "ã in segment": 92,
              "‖x − ã‖": 72, "Taylor residual": 100, "evaluations": 86, "time": 80}
    config = {c: text(c, width=w) for c, w in widths.items()}
    config["time"] = text("time", width=80, help="this run's time; cached: the result came from the cache")
    config["note"] = text("note", width="large", help="the finder's own note; each is also in the checks below")
    st.dataframe(pd.DataFrame(diagnostics_rows(found, relevance_x, names)), hide_index=True, column_config=config)
    st.subheader("Checks in plain words", anchor=False)
    st.markdown("\n".join(f"- {line}" for f in found for line in check_sentences(f.result, names)))
    head = {"network": net.name, "digest": net.digest, "x": list(s.x), "layer": s.layer, "explain": s.explained,
            "point": problem.point.tolist(), "relevance_at_point": relevance_x}
    d1, d2 = st.columns(2)
    # the files are written when a button is clicked (deferred), not on every tweak
    d1.download_button("Download roots (CSV)", lambda: roots_csv(found, problem.dim), file_name="roots.csv",
                       mime="text/csv", key=f"roots_dl_csv_{rev}", on_click="ignore")
    d2.download_button("Download roots (JSON)", lambda: roots_json(found, head), file_name="roots.json",
                       mime="application/json", key=f"roots_dl_json_{rev}", on_click="ignore")


# --- page ---------------------------------------------------------------------------------------------------

page.header("Root finding", LEAD, how)


@page.live("roots")
def body() -> None:
    net = state.get_network()
    rev = state.revision()
    setup, params_col = _settings(net, rev)
    with params_col.popover("Options", icon=":material/tune:", width="stretch"):
        jobs, box_text = _options(net, setup, rev)
    setup = replace(setup, box_text=box_text)
    health.notes(net, setup.x)
    problem = _problem(net, setup)
    with page.main_and_tweak("roots"):
        if problem is None:
            return
        nothing = _nothing_to_explain(net, setup)
        if nothing is not None:
            st.info(f"Nothing to explain: {nothing}. Every root finder would only return the point itself; "
                    "move x or choose another output to see roots.")
            return
        if not setup.finders:
            st.info("Choose at least one finder above.")
        found, errors = run_finders(net.digest, problem, setup.explained, jobs)
        for msg in errors:
            st.error(msg)
        _main(net, problem, setup, found, rev)
    if problem.dim != 2:
        _higher_d(net, problem, setup, found, rev)
    if found:
        _diagnostics(net, problem, setup, found, rev)


body()
