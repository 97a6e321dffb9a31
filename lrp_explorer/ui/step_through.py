"""Step through the backward pass: one layer at a time, from the output down.

A widget group for the decomposition page (issue 17 §2). :func:`section`
draws a toggle ("Step through the backward pass"); when on, :func:`render`
shows the step of one layer, chosen with a slider over the layers (widget key
``{key}_layer``) or the previous/next buttons: the layer's neurons with the
relevance they receive, the relevance arriving from above with the root found
for each upper neuron and the finder or rule used, and for one chosen neuron
(``{key}_neuron``) its Taylor expansion with the numbers plugged in, the
unresolved part, the check ``sum + unresolved = layer above``, and for a
closed-form rule (z+, w², γ, 0) the rule's own formula with numbers
(``Step.formula``). Every number comes from
:func:`lrp_core.fields.steps.backward_steps` of the page's
:class:`~lrp_core.decompose.Decomposition`; units are named as on the
editor (``x1…``, ``h1…``, ``y1…``). Tables carry the keys
``{key}_neurons``, ``{key}_upper``, ``{key}_taylor``, ``{key}_check`` and
``{key}_rule`` (tests read them).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lrp_core.decompose import Decomposition
from lrp_core.fields.steps import RuleTerm, Step, TaylorTerm, backward_steps
from lrp_explorer.figures.decomposition import unit_names


def _num(v: float) -> str:
    return f"{v:.6g}"


def _move(key: str, delta: int, n: int) -> None:
    """Button callback: the slider one layer down (+1) or up (−1)."""
    st.session_state[f"{key}_layer"] = min(n - 1, max(0, int(st.session_state.get(f"{key}_layer", 0)) + delta))


def _taylor_text(step: Step, i: int, terms: tuple[TaylorTerm, ...]) -> str:
    """The expansion with the numbers plugged in (LaTeX)."""
    if not terms:
        return f"R_{{{step.layer},{i}}} = 0 \\quad\\text{{(no upper neuron has a root)}}"
    parts = [f"{_num(t.c)}\\,({_num(t.h)} - ({_num(t.root)}))" for t in terms]
    return f"R_{{{step.layer},{i}}} = " + " + ".join(parts) + f" = {_num(step.relevance[i])}"


def _rule_text(step: Step, i: int, terms: tuple[RuleTerm, ...]) -> str:
    """The rule's closed form with the numbers plugged in: ``r_j · numerator / denominator`` per term
    when the formula weighs by r_j, else the numerators alone (the root at the origin)."""
    if "r_j" in (step.formula or ""):
        parts = [f"{_num(t.r)} \\cdot \\frac{{{_num(t.numerator)}}}{{{_num(t.denominator)}}}" for t in terms]
    else:
        parts = [f"{_num(t.numerator)}" for t in terms]
    return f"R_{{{step.layer},{i}}} = " + (" + ".join(parts) or "0") + f" = {_num(sum(t.value for t in terms))}"


def _tables(step: Step, widths: tuple[int, ...], key: str) -> None:
    lower, upper = unit_names(widths, step.layer), unit_names(widths, step.layer + 1)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Layer {step.layer}'s input units** h and the relevance they receive")
        st.dataframe(pd.DataFrame({"neuron": lower, "h": step.point, "R (handed down)": step.relevance}),
                     hide_index=True, key=f"{key}_neurons")
    with right:
        st.markdown(f"**Arriving from above** (layer {step.layer}'s outputs), finder: `{step.finder}`")
        rows = [{"upper neuron": upper[n.neuron], "R (arriving)": n.relevance,
                 "root ã": "none" if n.root is None else "(" + ", ".join(_num(v) for v in n.root) + ")",
                 "unresolved": n.unresolved, "note": n.reason} for n in step.neurons]
        st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"{key}_upper")


def _neuron_detail(step: Step, widths: tuple[int, ...], key: str) -> None:
    lower, upper = unit_names(widths, step.layer), unit_names(widths, step.layer + 1)
    i = int(st.selectbox("Unit to expand", range(len(step.point)), key=f"{key}_neuron",
                         format_func=lambda v: f"{lower[v]} (layer {step.layer}'s input)"))
    terms = step.taylor(i)
    st.markdown(f"**Taylor expansion** at the roots: R_{{{step.layer},{i}}} = Σⱼ cⱼ,ᵢ (hᵢ − ãⱼ,ᵢ), term by term")
    st.latex(_taylor_text(step, i, terms))
    st.dataframe(pd.DataFrame([{"upper neuron j": upper[t.upper], "c_j,i": t.c, "h_i": t.h, "ã_j,i": t.root,
                                "c (h − ã)": t.value} for t in terms],
                              columns=["upper neuron j", "c_j,i", "h_i", "ã_j,i", "c (h − ã)"]),
                 hide_index=True, key=f"{key}_taylor")
    rule_terms = step.rule_terms(i)
    if rule_terms is not None and step.formula is not None:
        uses_gamma = "gamma" in step.formula
        st.markdown(f"**The {step.rule} rule's closed form**" + (f" (γ = {step.gamma:g})" if uses_gamma else ""))
        st.latex(step.formula)
        st.latex(_rule_text(step, i, rule_terms))
        st.dataframe(pd.DataFrame([{"upper neuron j": upper[t.upper], "r_j": t.r, "numerator": t.numerator,
                                    "denominator": t.denominator, "term": t.value} for t in rule_terms],
                                  columns=["upper neuron j", "r_j", "numerator", "denominator", "term"]),
                     hide_index=True, key=f"{key}_rule")


def render(dec: Decomposition, key: str = "dec_step") -> None:
    """The step view of ``dec`` (see the module docstring)."""
    steps = backward_steps(dec)
    n = len(steps)
    slider_key = f"{key}_layer"
    if int(st.session_state.get(slider_key, 0)) >= n:
        st.session_state[slider_key] = 0
    b1, b2, b3 = st.columns([1, 1, 6])
    b1.button("◀ Previous", key=f"{key}_prev", on_click=_move, args=(key, -1, n), disabled=n < 2)
    b2.button("Next ▶", key=f"{key}_next", on_click=_move, args=(key, 1, n), disabled=n < 2)
    with b3:
        s = int(st.select_slider("Step (from the output down)", options=list(range(n)), key=slider_key,
                                 format_func=lambda v: f"{v + 1}: layer {steps[v].layer}"))
    step = steps[s]
    _tables(step, dec.widths, key)
    _neuron_detail(step, dec.widths, key)
    st.markdown("**Check**: what this layer hands down plus what it leaves unresolved is the layer above")
    st.dataframe(pd.DataFrame([{"Σ R (handed down)": step.sum, "unresolved": step.unresolved,
                                "sum + unresolved": step.sum + step.unresolved, "layer above": step.upper_sum,
                                "difference": step.closure_error}]), hide_index=True, key=f"{key}_check")


def section(dec: Decomposition, key: str = "dec_step") -> None:
    """A toggle for the step view; the view itself when it is on."""
    if st.toggle("Step through the backward pass, one layer at a time", key=f"{key}_on"):
        render(dec, key)
