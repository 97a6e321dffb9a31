"""How the "Decomposition" page works: Deep Taylor Decomposition layer by layer, in formulas and plain words."""

from __future__ import annotations

import streamlit as st

from lrp_core.roots import FINDERS

#: each finder in plain words (a finder not listed here shows its label and its parameters only)
FINDER_WORDS = {
    "exact": "solves a linear program over the input's segment: the point of the segment where the relevance "
             "is smallest — a root if it reaches 0, else a certificate that the segment holds none. Its root "
             "depends only on the segment, so it is cached exactly.",
    "rule": "a closed-form root: walk from the input along the rule's direction until the relevance is 0 "
            "(z+: along the positive contributions; w²: along the weights; γ: positive contributions boosted "
            "by γ; 0: the origin; zB: inside a box). The root moves with the input.",
    "mcmc": "random walks that stay inside the segment and prefer points of small relevance (Metropolis–"
            "Hastings chains, as in the study); the root is the sampled point with the smallest relevance "
            "≥ 0. Random: the seed fixes it.",
    "interpolation": "random straight lines from the input to the segment's edge; the root is the edge point "
                     "with the smallest relevance ≥ 0. Random: the seed fixes it.",
}


def _taylor() -> None:
    st.markdown(
        "Deep Taylor Decomposition explains one output by walking down the network, one layer at a time. "
        "At layer k it looks at the relevance of the layer's output units as a function of the layer's "
        "input h, finds a **root** ã where that function is zero, and hands the relevance down by a "
        "first-order Taylor expansion at the root (Montavon et al. 2017; Sixt & Landgraf 2022):"
    )
    st.latex(r"R_{k,i}(h) \;=\; \sum_j c_{j,i}\,\bigl(h_i - \tilde a_{j,i}\bigr), \qquad "
             r"c_j = \nabla g_j \text{ on } h\text{'s segment},\quad g_j(h) = p_j\,\mathrm{act}(W_j h + b_j) + q_j")
    st.markdown(
        "In words: each upper unit j gives input unit i a share equal to the slope of j's relevance along i "
        "times how far the input is from the root. Whatever relevance is left at the root, g_j(ã_j), is not "
        "passed down: it is the **unresolved** part. The expansion is exact only if the root lies in the "
        "same linear piece (segment) of the network as the input."
    )
    st.markdown(
        "**What p and q are.** On the input's segment the relevance of upper unit j is a straight line in "
        "its own activation: R_j = p_j · h_j + q_j. The number p is the slope of that line: how much "
        "relevance unit j carries per unit of its activation. The number q is the offset: relevance that "
        "does not grow with the activation, carried over from the roots found in the layers above. At the "
        "top, p = 1 for the explained output and q = 0; every layer's expansion gives the next layer "
        "down its own p and q."
    )


def _modes() -> None:
    st.markdown(
        "**Full-backward** searches the roots of the relevance of everything above (the segment of layers "
        "k…L−1), so p and q carry the roots found higher up. **Train-free** holds the upper relevance "
        "fixed at its value and searches each layer alone:"
    )
    st.latex(r"R_{k,j}(h_{k+1}) = \frac{R_{k,j}}{h_{k+1,j}}\,h_{k+1,j}")
    st.markdown(
        "With the z+ rule and zero biases train-free is exactly LRP-z+. Per layer, *the relevance handed "
        "down + the unresolved part = the layer above's sum* holds exactly, because the slopes c are taken "
        "on the input's own segment:"
    )
    st.latex(r"\sum_i R_{k,i} \;+\; \sum_j g_j(\tilde a_j) \;=\; \sum_j R_{k+1,j}")


def _reading() -> None:
    st.markdown(
        "**Reading the page.** Red is positive relevance and blue negative everywhere; grey is what stays "
        "unresolved. Units are named as on the editor: inputs x1…, hidden units h1… (counted per hidden "
        "layer), outputs y1….\n"
        "- *Relevance per unit*: one row per level, the explained output at the top, the inputs at the "
        "bottom.\n"
        "- *Conservation per layer*: what each layer hands down, split into its positive and negative "
        "part (the diamond is their sum), and what it leaves unresolved; the dashed line is f(x).\n"
        "- *Relevance flow*: each link is one share c_j,i (h_i − ã_j,i), as wide as its size. Shares "
        "smaller than the chosen fraction of their layer's flow are merged into one link per unit to the "
        "layer's \"small shares\" node; pick one layer to see its step alone.\n"
        "- *negative* (per-layer table): the sum of the relevances below zero on the layer's input; "
        "those units speak against the output."
    )


def _finders() -> None:
    st.markdown("**Root finders** (a layer may use its own in *Per layer*):")
    for e in FINDERS:
        params = ", ".join(p.name for p in e.schema if not p.advanced)
        words = FINDER_WORDS.get(e.name, "")
        st.markdown(f"- **{e.label}** (`{e.name}`): {words}" + (f" Parameters: {params}." if params else ""))
    st.markdown(
        "A finder whose root depends only on the segment is cached exactly: nearby points in the same "
        "segments reuse every root (see *Neighbouring points* at the bottom)."
    )


def how() -> None:
    """The "How it works" text of the decomposition page."""
    _taylor()
    _modes()
    _reading()
    _finders()
