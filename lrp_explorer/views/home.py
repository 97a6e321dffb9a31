"""Home: what the tool is, the two papers' ideas, where to start."""

import streamlit as st

from lrp_explorer.how.home import how
from lrp_explorer.ui import page, state

LEAD = ("An interactive explorer of attribution methods on small ReLU networks, computed live with PyTorch. "
        "Tweak a weight on any page and watch the explanations move; every number is computed from the network "
        "you see, in float64 where exactness is claimed.")

page.header("LRP Explorer", LEAD, how, how_open=True)
net = state.get_network()
st.info(f"Current network: **{net.name}** ({net.describe()}, {net.n_params} parameters). "
        "The link in your address bar opens this exact network and view.")

st.subheader("Where to start")
start = st.columns(3)
start[0].page_link("views/lessons.py", label="Lessons: both papers step by step", icon=":material/school:")
start[1].page_link("views/importance.py", label="Neuron importance (Ancona et al., Fig. 1)",
                   icon=":material/bar_chart:")
start[2].page_link("views/roots.py", label="Root finding (Sixt & Landgraf)", icon=":material/my_location:")
st.markdown(
    """
- **Network editor**: pick a preset, edit every weight and bias, add or remove units and layers, import or
  export JSON; the output over the input plane for 2-input networks.
- **Neuron importance**: rank a hidden layer's units by APoZ, weight norm, gradient, Taylor, leave-one-out and
  Shapley values; see which unit each would prune first, what pruning costs, train and prune.
- **Root finding**: find DTD roots by rules, Markov chains, interpolation or an exact linear program, and check
  whether they lie in the input's linear segment.
- **Decomposition**: DTD through every layer (full-backward or train-free), step by step, and where relevance is
  lost.
- **Explanation fields**: every method's relevance over the whole input plane of a 2-input network.

**Papers.** M. Ancona, C. Öztireli, M. Gross (2020), *Shapley Value as Principled Metric for Structured Network
Pruning* (`ancona-max` is its Fig. 1 network). L. Sixt, T. Landgraf (2022), *A Rigorous Study of the Deep Taylor
Decomposition*, TMLR (`dtd-mlp` is its test network, with its reference input).
"""
)
