"""LRP Explorer: the entry point. ``streamlit run app.py``."""

from pathlib import Path

import streamlit as st

from ui import state

st.set_page_config(page_title="LRP Explorer", page_icon="🔍", layout="wide")
state.init()

HERE = Path(__file__).parent
# (file, title, icon); listed explicitly because st.navigation does not scan pages/.
PAGES = [
    ("pages/home.py", "Home", "🏠"),
    ("pages/editor.py", "Network editor", "✏️"),
    ("pages/importance.py", "Neuron importance", "📊"),
    ("pages/roots.py", "Root finding", "🎯"),
    ("pages/decomposition.py", "Decomposition", "🌳"),
]

st.navigation(
    [
        st.Page(path, title=title, icon=icon, default=i == 0)
        for i, (path, title, icon) in enumerate(PAGES)
        if (HERE / path).exists()
    ]
).run()
