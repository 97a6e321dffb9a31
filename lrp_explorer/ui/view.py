"""The view in the URL, both ways: restore it from a link, keep the URL in step.

The network is in ``preset=`` / ``net=1.`` (``ui.state``, unchanged); this
module adds ``view=1.…`` (:mod:`lrp_core.viewstate`): the page, the input
point, the tweak target, and every persisted page setting
(:func:`lrp_explorer.ui.settings.all_settings`: layers, outputs, modes,
methods, finders and their parameters, data size and seed, …).

:func:`sync` runs once per full run, in ``app.py`` right after
``st.navigation``: on a session's first run it restores the link's view
(each ignored part becomes a one-line notice shown by ``state.show_flash``)
and, if the link names another page than the one opened, switches to it;
on every later run it writes the current view into the URL.
:func:`copy_link` shows the whole link, with a copy button.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from lrp_core.viewstate import VIEW_PARAM, View, decode_view, encode_view, fit_to_network
from lrp_explorer.ui import settings, state
from lrp_explorer.ui.view_settings import as_settings

RESTORED = "live_view_restored"
PAGE = "live_view_page"
DEFAULT_PAGE = "home"


def page_name(page: Any) -> str:
    """A page's name in the view: its URL path (``home`` for the default page)."""
    return str(getattr(page, "url_path", "") or DEFAULT_PAGE)


def current_view(page: str | None = None) -> View:
    net = state.get_network()
    from lrp_explorer.ui.tweak import current_target  # the tweak module draws; import late

    return View(page=page or st.session_state.get(PAGE), x=state.get_input(), tweak=current_target(net),
                settings=settings.all_settings())


def restore(params: dict[str, str]) -> tuple[View, list[str]]:
    """Apply the view in ``params`` to the session; returns it and the notices."""
    view, notes = decode_view(params)
    net = state.get_network()
    view, more = fit_to_network(view, [(layer.n_out, layer.n_in) for layer in net.layers])
    notes += more
    found = as_settings(view, net)  # typed fields (a lesson's methods, data, …) and explicit settings
    if found:
        settings.load_settings(found)
    if view.x is not None:
        state.set_input(view.x)
    if view.tweak is not None:
        from lrp_explorer.ui.tweak import pick

        pick(view.tweak)
    return view, notes


def write_url(page: str | None = None) -> None:
    """Put the current view into ``st.query_params`` (only if it changed)."""
    wanted = encode_view(current_view(page)).get(VIEW_PARAM)
    if wanted is None:
        if VIEW_PARAM in st.query_params:
            del st.query_params[VIEW_PARAM]
    elif st.query_params.get(VIEW_PARAM) != wanted:
        st.query_params[VIEW_PARAM] = wanted


def sync(page: Any, pages: Sequence[Any] = ()) -> None:
    """Restore the link's view on a session's first run, else write the view into the URL."""
    ss = st.session_state
    name = page_name(page)
    if not ss.get(RESTORED):
        ss[RESTORED] = True
        if VIEW_PARAM in st.query_params:
            view, notes = restore({VIEW_PARAM: st.query_params[VIEW_PARAM]})
            if notes:
                ss.setdefault(state.FLASH, []).extend(notes)
            target = next((p for p in pages if page_name(p) == view.page), None)
            if target is not None and view.page != name and name == DEFAULT_PAGE:
                ss[PAGE] = view.page
                st.switch_page(target)
    ss[PAGE] = name
    write_url(name)


def link(page: str | None = None) -> str:
    """The full link to this view (network and view), from the page's own URL."""
    params = dict(state_params())
    params.update(encode_view(current_view(page)))
    try:
        base = str(st.context.url or "")
    except Exception:  # no browser context (tests, bare mode)
        base = ""
    parts = urlsplit(base)
    query = urlencode(params)
    if parts.scheme:
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    return "?" + query


def state_params() -> dict[str, str]:
    """Every other parameter of the URL as it stands (e.g. the data set's ``data=``,
    ``present=1``), with the network's own parameters made current."""
    from lrp_core.urlstate import encode_network

    params = {k: str(st.query_params[k]) for k in st.query_params if k not in state.URL_KEYS}
    params.update(encode_network(state.get_network()))
    data_preset = getattr(state, "data_preset", None)  # the data set a ``net=`` link carries (issue 12)
    origin = data_preset() if data_preset is not None else None
    if "net" in params and origin is not None:
        params["data"] = origin
    return params


LINK_OPEN = "tweak_link_open"  # widget key: the "Copy link" popover is open


def copy_link(page: str | None = None) -> None:
    """A "Copy link to this view" popover: the link, with Streamlit's copy button (offline).
    The link is written only while the popover is open (a tweak reruns the page)."""
    box = st.popover("Copy link to this view", icon=None, key=LINK_OPEN, on_change="rerun")
    if box.open:
        with box:
            st.caption("Open this link anywhere to see this page with the same network, settings and numbers.")
            st.code(link(page), language=None, wrap_lines=True)
