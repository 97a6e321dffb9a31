"""How LRP Explorer works: the two papers' ideas, each formula with its plain words."""

from __future__ import annotations

import streamlit as st


def how() -> None:
    """The "How it works" text of the home page (shown open there)."""
    left, right = st.columns(2)
    with left:
        st.markdown("**Which unit would you prune?** (Ancona, Öztireli & Gross 2020)")
        st.latex(r"\varphi_i = \sum_{S \subseteq N\setminus\{i\}} \frac{|S|!\,(n-|S|-1)!}{n!}"
                 r"\big(v(S\cup\{i\}) - v(S)\big)")
        st.markdown(
            "Switch hidden units off in every possible order and average how much the loss rises at the moment "
            "unit *i* goes: its Shapley value φᵢ. A unit that never changes the output gets exactly 0, and the "
            "values add up to the loss increase of removing every unit. On the `ancona-max` network (max(x1, x2), "
            "Fig. 1) only the Shapley value gives the useless unit h4 exactly zero; APoZ and weight norm keep it."
        )
    with right:
        st.markdown("**Where is the root?** (Sixt & Landgraf 2022)")
        st.latex(r"R(a) = \underbrace{R(\tilde a)}_{=\,0} + \sum_i \frac{\partial R}{\partial a_i}(\tilde a)\,"
                 r"(a_i - \tilde a_i)")
        st.markdown(
            "Deep Taylor Decomposition explains a relevance R by a first-order Taylor expansion at a *root* ã, "
            "where R(ã) = 0, and credits each input with its share of the change. For a ReLU network this is "
            "exact only if the root lies in the input's own linear segment (the same on/off pattern of every "
            "unit). Rules pick roots in closed form; the exact finder searches the segment and says so when it "
            "holds no root. *Full-backward* repeats this through every layer."
        )
