"""How the "Neuron importance" page works: the formula of every method and what it means in plain words."""

from __future__ import annotations

import streamlit as st

from lrp_core.importance import METHODS

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


def how() -> None:
    """The "How it works" text of the importance page."""
    st.markdown(
        "The loss L is the mean over samples and outputs of the squared error (MSE) or the absolute "
        "error (L1). The game v(S) is the loss increase when the units in S are switched off (set to 0). "
        "The seed notebook's estimator used MSE for the unpruned loss and L1 for the others; here one "
        "loss is used throughout. On the **ancona-max** network (Ancona et al. 2020, Fig. 1), which "
        "computes max(x1, x2) exactly, unit **h4** has output weight 0 and changes nothing, yet APoZ and "
        "the weight norm rank it high; Shapley values of the loss give it exactly 0."
    )
    for m in METHODS.names():
        formula, words = EXPLAIN.get(m, ("", METHODS.get(m).doc.split("\n\n")[0]))
        st.markdown(f"**{METHODS.get(m).label}** (`{m}`)")
        if formula:
            st.latex(formula)
        st.markdown(words)
