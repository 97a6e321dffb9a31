"""Home: what the tool is, what each page does, and the two papers."""

import streamlit as st

from lrp_explorer.ui import state

state.ensure_app()
state.show_flash()
net = state.get_network()

st.title("LRP Explorer")
st.markdown(
    """
An interactive explorer of attribution methods on small ReLU networks, computed
live with PyTorch. Edit a network's weights and watch the explanations move.
Every number on these pages is computed from the network you see, in float64
where exactness is claimed.
"""
)
st.info(
    f"Current network: **{net.name}** ({net.describe()}, {net.n_params} parameters). "
    "The link in your address bar opens this exact network."
)
st.markdown(
    """
### Pages

- **Network editor**: pick a preset, edit every weight and bias, add or remove
  units and layers, import or export the network as JSON. See the network as a
  diagram and, for two inputs, its output over the input plane.
- **Neuron importance**: rank the hidden units of a layer by APoZ, weight norm,
  gradient, Taylor, leave-one-out and Shapley values (exact or sampled), and see
  which unit each method would prune first and what pruning costs.
- **Root finding**: Deep Taylor Decomposition explains a relevance function by a
  first-order Taylor expansion at a *root* (a point where relevance is zero).
  Find roots by rules, Markov chains, interpolation or an exact linear program,
  and check whether they lie in the input's linear segment, where the
  expansion is exact.
- **Decomposition**: run DTD through every layer (full-backward or train-free),
  watch relevance flow from the output to the inputs, and see where it is lost.

### Papers

- M. Ancona, C. Öztireli, M. Gross (2020). *Shapley Value as Principled Metric
  for Structured Network Pruning.* The `ancona-max` preset is its Fig. 1 network:
  it computes max(x1, x2) exactly, and its fourth hidden unit is useless.
- L. Sixt, T. Landgraf (2022). *A Rigorous Study of the Deep Taylor
  Decomposition.* Transactions on Machine Learning Research. The `dtd-mlp`
  preset is its test network, with its reference input.
"""
)
