"""The one owner of ``st.session_state``: the current network and input point.

State lives under non-widget keys so it survives page switches:

- ``lrp_network``: the current :class:`lrp_core.Network` (the last valid one);
- ``lrp_rev``: a counter bumped on every change (widget keys include it so
  editors reset when the network changes under them);
- ``lrp_x``: the current input point (a tuple matching the network's inputs);
- ``lrp_flash``: messages to show once on the next run (e.g. a bad link);
- ``lrp_data_preset``: the preset whose data set (inputs and targets) the
  network is judged on. Loading a preset sets it; editing the weights keeps
  it (so an edited preset keeps its data until the user chooses other data);
  a network of another shape, or an imported one that is no preset, clears it.
  A ``?net=`` link carries it as ``data=NAME``.

The URL carries the network (see :mod:`lrp_core.urlstate`), so a copied link
opens the same network.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_core.presets import PRESETS, default_input, get_preset, matching_preset
from lrp_core.urlstate import decode_network, encode_network
from lrp_explorer.ui import settings

DEFAULT_PRESET = "ancona-max"
NET = "lrp_network"
REV = "lrp_rev"
X = "lrp_x"
FLASH = "lrp_flash"
DATA_PRESET = "lrp_data_preset"
URL_KEYS = ("net", "preset", "data")
KEEP = "keep"


def init() -> None:
    """Load the network once per session: from the URL if it names one, else
    the default preset. Then keep the URL in step with the network."""
    ss = st.session_state
    settings.capture()  # keep every page's settings, even for widgets not drawn in this run
    if NET not in ss:
        net: Network | None = None
        try:
            net = decode_network({k: st.query_params[k] for k in URL_KEYS if k in st.query_params})
        except LRPError as exc:
            ss[FLASH] = [f"The link's network could not be loaded: {exc}. Showing the default network."]
        ss[NET] = net if net is not None else get_preset(DEFAULT_PRESET).network()
        ss[REV] = 0
        ss[X] = default_input(ss[NET])
        ss[DATA_PRESET] = _fitting_preset(ss[NET], _link_data_preset(net))
    sync_url()


def _link_data_preset(net: Network | None) -> str | None:
    """The data set a link names: ``preset=`` implies its own, ``data=`` names one for a ``net=`` link."""
    if net is None:
        return DEFAULT_PRESET
    for key in ("data", "preset"):
        name = st.query_params.get(key)
        if name is not None:
            if name in PRESETS:
                return str(name)
            add_flash(f"The link names an unknown data set {str(name)[:60]!r}; the network's own data are used.")
    return None


def _fitting_preset(net: Network, name: str | None) -> str | None:
    """``name`` if its data fit ``net`` (same input and output counts); a network that is
    itself a preset always takes that preset's data."""
    match = matching_preset(net)
    if match is not None:
        return match
    if name is None or name not in PRESETS:
        return None
    pnet = get_preset(name).network()
    return name if (pnet.n_inputs, pnet.n_outputs) == (net.n_inputs, net.n_outputs) else None


def data_preset() -> str | None:
    """The preset whose data set the current network is judged on (None: its own data);
    checked against the current network, whoever put it there."""
    return _fitting_preset(get_network(), st.session_state.get(DATA_PRESET))


def add_flash(msg: str) -> None:
    st.session_state.setdefault(FLASH, []).append(msg)


def sync_url() -> None:
    wanted = encode_network(get_network())
    origin = data_preset()
    if "net" in wanted and origin is not None:
        wanted["data"] = origin
    current = {k: st.query_params[k] for k in URL_KEYS if k in st.query_params}
    if current != wanted:
        for k in URL_KEYS:
            if k in st.query_params and k not in wanted:
                del st.query_params[k]
        for k, v in wanted.items():
            st.query_params[k] = v


def get_network() -> Network:
    return st.session_state[NET]


def revision() -> int:
    return int(st.session_state.get(REV, 0))


def set_network(net: Network, *, reset_input: bool = False, data: str | None = KEEP) -> None:
    """Make ``net`` the current network everywhere (it is already validated).

    ``data``: the preset whose data set applies from now on; the default keeps
    the current one (an edit), ``None`` drops it unless ``net`` is a preset."""
    ss = st.session_state
    old = ss.get(NET)
    ss[DATA_PRESET] = _fitting_preset(net, data_preset() if data == KEEP else data)
    ss[NET] = net
    ss[REV] = revision() + 1
    x = ss.get(X)
    if reset_input or old is None or x is None or len(x) != net.n_inputs:
        ss[X] = default_input(net)
    sync_url()


def get_input() -> tuple[float, ...]:
    net = get_network()
    x = st.session_state.get(X)
    if x is None or len(x) != net.n_inputs:
        x = default_input(net)
        st.session_state[X] = x
    return tuple(float(v) for v in x)


def set_input(x: Sequence[float]) -> None:
    st.session_state[X] = tuple(float(v) for v in x)


def show_flash() -> None:
    """Show (once) any messages left for this run."""
    for msg in st.session_state.pop(FLASH, []):
        st.warning(msg)
