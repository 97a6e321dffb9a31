"""LRP Explorer's Streamlit app: the entry point (``app.py``), its pages, the
Streamlit-aware helpers (``ui``) and the pure Plotly figure builders (``figures``)."""
