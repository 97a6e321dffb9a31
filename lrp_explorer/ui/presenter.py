"""Presenter mode for a projector: ``?present=1``.

It hides the sidebar and Streamlit's toolbar (the page list moves to a bar at
the top), and enlarges the text and the plots' text. The tweak control and
every page's main controls stay. ``present=1`` stays in the URL (and in
copied links) until the user removes it.

Everything here is CSS injected with ``st.markdown``; no request leaves
the server (the page icon is an emoji, drawn by the browser).
"""

from __future__ import annotations

import streamlit as st

PARAM = "present"
FONT_PX = 20  # the root font size in presenter mode (Streamlit's default is 16)
PLOT_SCALE = 1.3  # every plot text in presenter mode, relative to its normal size (ui.page.chart)

CSS = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stToolbarActions"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
[data-testid="stMainMenu"], [data-testid="stAppDeployButton"] {{ display: none !important; }}
html {{ font-size: {FONT_PX}px; }}
[data-testid="stMainBlockContainer"] {{ padding-top: 3rem; padding-left: 1.5rem; padding-right: 1.5rem; }}
</style>
"""


def active() -> bool:
    """Whether the URL asks for presenter mode."""
    return st.query_params.get(PARAM) == "1"


def nav_position() -> str:
    """Where ``st.navigation`` puts the page list: at the top in presenter mode."""
    return "top" if active() else "sidebar"


def apply() -> bool:
    """Inject presenter mode's CSS if the URL asks for it; returns whether it did."""
    if not active():
        return False
    st.markdown(CSS, unsafe_allow_html=True)
    return True
