"""How the "Explanation fields" page works: what is drawn, in symbols and in plain words."""

from __future__ import annotations

import streamlit as st


def how() -> None:
    """The "How it works" text of the fields page."""
    st.markdown("For a network f with two inputs, an attribution method gives every point x of the plane two "
                "numbers, one per input. The page draws them as heatmaps, and the part they leave out:")
    st.latex(r"x \;\mapsto\; \big(R_1(x),\, R_2(x)\big), \qquad \text{unresolved}(x) = f(x) - R_1(x) - R_2(x)")
    st.markdown(
        "A *conservative* method (Shapley values, gradient × input on a bias-free linear network, "
        "DTD with roots in the segment) leaves nothing unresolved. Thin lines are the network's linear regions: "
        "inside one region the network is one affine function, so gradient-based fields are flat or linear "
        "there and jump at the boundaries. The exact full-backward field is computed once per region and layer "
        "(its roots depend only on the region's activation pattern), then evaluated on the grid; the caption "
        "under each plane says how many root searches that took. Methods: the gradient ∂f/∂xᵢ; gradient × "
        "input xᵢ ∂f/∂xᵢ; train-free DTD with the z⁺ (= LRP α1β0), w² or γ rule; full-backward DTD with the "
        "exact finder; and the two players' Shapley values with baseline 0."
    )
