"""LRP Explorer: the entry point. ``streamlit run app.py``."""

from pathlib import Path

import streamlit as st

# an emoji icon is drawn in the browser (a ":material/…:" page icon is fetched from fonts.gstatic.com)
st.set_page_config(page_title="LRP Explorer", page_icon="📈", layout="wide")
# The first run on a fresh server imports PyTorch and the engine (a few seconds): say so at once
# instead of showing a blank page.
loading = st.empty()
if "lrp_network" not in st.session_state:
    loading.info("Starting LRP Explorer: loading PyTorch and the engine…", icon=":material/hourglass_top:")

from lrp_explorer.ui import presenter, state, style, view  # noqa: E402  (after the message above)

state.init()
loading.empty()

HERE = Path(__file__).parent
# (file, title, icon); listed explicitly because st.navigation does not scan pages/.
# (Streamlit still runs a deep-linked page alone on a fresh server; each page
# calls ui.state.ensure_app() first, which routes that run through this file.)
PAGES = [
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/editor.py", "Network editor", ":material/edit:"),
    ("pages/importance.py", "Neuron importance", ":material/bar_chart:"),
    ("pages/roots.py", "Root finding", ":material/my_location:"),
    ("pages/decomposition.py", "Decomposition", ":material/account_tree:"),
    ("pages/fields.py", "Explanation fields", ":material/gradient:"),
    ("pages/lessons.py", "Lessons", ":material/school:"),
]

pages = [
    st.Page(path, title=title, icon=icon, default=i == 0)
    for i, (path, title, icon) in enumerate(PAGES)
    if (HERE / path).exists()
]
current = st.navigation(pages, position=presenter.nav_position())
style.apply()  # a compact header
presenter.apply()  # ?present=1: no sidebar or toolbar, larger text
view.sync(current, pages)  # the link's view on a session's first run; afterwards the view into the URL
current.run()
