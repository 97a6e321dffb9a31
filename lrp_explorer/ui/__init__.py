"""Streamlit-aware helpers shared by the pages (state, caching, widgets).

``lrp_core`` never imports this package; pages import both.
"""
