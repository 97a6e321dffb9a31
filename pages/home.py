"""Home: what the tool is, what each page does, and the two papers."""

import streamlit as st

from ui import state

state.show_flash()
net = state.get_network()

st.title("LRP Explorer")
st.markdown(
    """
An interactive explorer of attribution methods on small ReLU networks, computed
live with PyTorch. Edit a network's weights and watch the explanations move.

**Pages**

- **Network editor**: pick a preset, edit every weight and bias, add or remove
  units and layers, import or export the network as JSON. The URL carries the
  network, so a copied link opens the same one.
"""
)
st.info(f"Current network: **{net.name}** ({net.describe()}, {net.n_params} parameters).")
st.markdown(
    """
**Papers**

- M. Ancona, C. Öztireli, M. Gross (2020). *Shapley Value as Principled Metric
  for Structured Network Pruning.* The `ancona-max` preset is its Fig. 1 network.
- L. Sixt, T. Landgraf (2022). *A Rigorous Study of the Deep Taylor
  Decomposition.* Transactions on Machine Learning Research. The `dtd-mlp`
  preset is its test network.
"""
)
