"""The app's own CSS: a compact header so every page's controls and main plot
fit on a 1280 × 800 screen. Injected once per run by ``app.py``; presenter
mode (:mod:`lrp_explorer.ui.presenter`) adds its own on top."""

from __future__ import annotations

import streamlit as st

CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; padding-bottom: 2rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem; padding-top: 0.2rem; padding-bottom: 0.1rem; }
[data-testid="stMultiSelect"] [data-baseweb="tag"] { max-width: 14rem; }
</style>
"""


def apply() -> None:
    st.markdown(CSS, unsafe_allow_html=True)
