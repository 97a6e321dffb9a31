"""How the "Root finding" page works: the Taylor expansion at a root, what the finders do, how to read the plots."""

from __future__ import annotations

import streamlit as st

from lrp_core.roots import FINDERS

LEAD = ("Deep Taylor Decomposition explains R at x from a root ã, a point where R(ã) = 0; the explanation is "
        "exact only if ã lies in x's linear segment. Compare the finders, click the plane to move x, and tweak a "
        "weight on the right.")

FORMULA = (r"R(a) = \underbrace{R(\tilde a)}_{=\,0} + \sum_i \frac{\partial R}{\partial a_i}(\tilde a)\,"
           r"(a_i - \tilde a_i)\quad\Rightarrow\quad R_i = \frac{\partial R}{\partial a_i}(\tilde a)\,(a_i - \tilde a_i)")

WORDS = (
    "In plain words: walk from *a* to a point where the neuron is silent, and credit each input with the change it "
    "made times how much the neuron cares about it. For a ReLU network this is **exact only if the root lies in the "
    "same linear segment as a** (the same on/off pattern of every ReLU), where R is a plane. "
    "*(Sixt & Landgraf 2022, A Rigorous Study of the Deep Taylor Decomposition.)*"
)

READING = (
    "**What a finder returns is named by what it is**, the same way in the legend, the table and the checks: "
    "a **root** (R = 0 there); a **root of x's piece only** (x's linear piece — the affine function R follows on "
    "x's segment — is 0 there, but the point lies outside the segment, where the network follows another piece "
    "and R ≠ 0); or **not a root** (R ≠ 0: the exact "
    "finder's proof that x's segment holds no root — the point where |R| is least — or the best point a random "
    "search reached)."
)

PLANE = (
    "**The plane** (2 inputs): colour is R; thin lines separate the linear regions (each has its own on/off "
    "pattern); the thick outline is x's segment, where the expansion is exact. Crosses are roots, open crosses roots "
    "of x's piece only, open circles points that are not roots; small dots are samples or edge points; the "
    "dashed line is a rule's search line. With more inputs, the points are shown projected on their first two "
    "principal components and in parallel coordinates (one axis per input), and a slice through x along two input "
    "axes shows the regions there."
)

PRESETS = (
    "On **plane-2-8-8-1** at its default point the z⁺ rule's root lies outside x's segment (R there is not 0) "
    "while the exact finder finds a root inside it. On **xor-2-4-1** the z⁺ root cannot leave x's segment: "
    "wherever x lies inside a region, z⁺ finds a root in the segment or none (its search line is parallel to the "
    "hinge), so that preset never shows a root outside. Names: inputs x1…, hidden units h1…, outputs y1…."
)


#: what each finder does, in plain words (a finder without an entry shows its label and first doc line)
FINDER_WORDS: dict[str, str] = {
    "rule": "a closed-form rule walks from x along one fixed direction (z⁺: along the positive-weight inputs; "
            "w²: along the gradient; γ, zB, x, 0, pinv …) to where x's linear piece is 0. Fast, but the point "
            "may lie outside x's segment.",
    "exact": "a linear program over x's segment finds the point of least |R| there: a root whenever the segment "
             "holds one, else the proof that it holds none (Sixt & Landgraf 2022).",
    "mcmc": "Metropolis–Hastings chains wander inside x's segment, drawn towards small |R|, and keep the sample "
            "with the lowest R ≥ 0 (its default parameters are the study's).",
    "interpolation": "rays in random directions from x are followed to the edge of x's segment; the edge point "
                     "with the lowest R ≥ 0 is kept.",
}


def _finder_line(name: str) -> str:
    entry = FINDERS.get(name)
    words = FINDER_WORDS.get(name) or entry.doc.split("\n")[0]
    return f"- **{entry.label}** (`{name}`): {words}"


def how() -> None:
    """The "How it works" text of the root-finding page."""
    st.latex(FORMULA)
    st.markdown(WORDS)
    st.markdown(READING)
    st.markdown("\n".join(_finder_line(n) for n in FINDERS.names()))
    st.markdown(PLANE)
    st.markdown(PRESETS)
