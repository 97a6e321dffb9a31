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
# (file, title, icon). The page scripts live in views/, not pages/: a pages/ folder beside this file
# would start Streamlit in its legacy multipage mode (a file-name sidebar on a fresh server, and a
# deep link running its page script without this file).
PAGES = [
    ("views/home.py", "Home", ":material/home:"),
    ("views/editor.py", "Network editor", ":material/edit:"),
    ("views/importance.py", "Neuron importance", ":material/bar_chart:"),
    ("views/roots.py", "Root finding", ":material/my_location:"),
    ("views/decomposition.py", "Decomposition", ":material/account_tree:"),
    ("views/fields.py", "Explanation fields", ":material/gradient:"),
    ("views/lessons.py", "Lessons", ":material/school:"),
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
