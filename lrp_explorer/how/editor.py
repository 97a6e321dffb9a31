"""How the "Network editor" page works: the layer formula in symbols and in plain words."""

from __future__ import annotations

import streamlit as st


def how() -> None:
    """The "How it works" text of the editor."""
    st.markdown("Each layer computes its pre-activations from the previous layer's activations, then applies "
                "its activation (ReLU keeps the positive part, linear passes everything through):")
    st.latex(r"z^{(k)} = W^{(k)} a^{(k-1)} + b^{(k)}, \qquad a^{(k)} = \max\left(0, z^{(k)}\right), "
             r"\qquad a^{(0)} = x")
    st.markdown(
        "In words: a unit adds up its inputs, each multiplied by the weight on its edge, adds its bias, and "
        "outputs the result if it is positive, else 0. A ReLU network is therefore a different linear "
        "function in each *activation region* (each on/off pattern of its units): the heatmap of a 2-input "
        "network is made of flat pieces. The link in your address bar opens this network: copy it to share "
        "exactly these weights."
    )
