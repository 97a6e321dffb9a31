"""The data controls of the importance page: which data set scores the units.

Sources (the radio ``imp_source``):

- ``preset``: the preset's own data set (an edited preset keeps it, see
  :func:`lrp_explorer.ui.state.data_preset`), with its sample count, seed,
  input range and label noise σ (``y = f*(x) + σ·ε``, seeded;
  :func:`lrp_core.toydata.preset_data`);
- ``toy``: a 2-D toy set (moons, circles, xor, spiral, gaussians) for networks
  with 2 inputs and 1 output (:func:`lrp_core.toydata.toy_dataset`);
- ``own``: standard-normal inputs labelled by the network itself;
- ``csv``: an uploaded CSV (input columns, then target columns), once one is
  uploaded.

For 2-input networks the data are drawn as a scatter over the network's
output. :func:`data_controls` returns the data, a cache key and a sentence
saying which data are used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import streamlit as st
import torch

from lrp_core.datasets import CSVData, fits, update_data
from lrp_core.network import Network
from lrp_core.presets import MAX_DATASET_SIZE, default_dataset
from lrp_core.toydata import TOY_SETS, preset_data, toy_dataset
from lrp_explorer.figures.training import data_scatter
from lrp_explorer.ui import page
from lrp_explorer.ui.memo import session_memo
from lrp_explorer.ui.numbox import number_box
from lrp_explorer.ui.settings import persisted

DATA = "imp_data"  # uploaded CSVData, dropped when the network's input/output counts change
PENDING = "imp_upload"  # (file name, raw bytes) waiting to be parsed; the uploader puts it here
SEEN = "imp_upload_seen"  # file id of the last upload already handed over
LABELS = {"preset": "the preset's data set", "toy": "a 2-D toy data set",
          "own": "inputs labelled by this network", "csv": "the uploaded CSV"}


@dataclass(frozen=True)
class PageData:
    """The data the page scores the units on."""

    X: torch.Tensor
    y: torch.Tensor
    key: str  # what the cached computations are keyed by
    text: str  # which data, in words
    seed: int  # the data and sampling seed (sampled Shapley, the random baseline)


def digest(X: torch.Tensor, y: torch.Tensor) -> str:
    h = hashlib.sha256()
    h.update(X.contiguous().numpy().tobytes())
    h.update(y.contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def _sources(net: Network, preset: str | None, uploaded: CSVData | None) -> list[str]:
    out = ["preset"] if preset is not None else []
    if net.n_inputs == 2 and net.n_outputs == 1:
        out.append("toy")
    out.append("own")
    if uploaded is not None:
        out.append("csv")
    return out


def _on_upload() -> None:
    """The uploader's callback: hand a new file's name and bytes to the next run (once per file)."""
    ss = st.session_state
    up = ss.get("imp_csv")
    if up is not None and ss.get(SEEN) != up.file_id:
        ss[SEEN] = up.file_id
        ss[PENDING] = (up.name, up.getvalue())


def _take_upload(net: Network, uploaded: CSVData | None, notices: Any) -> CSVData | None:
    """Parse a file handed over by the uploader; a bad file is reported (in ``notices``, outside the
    popover, so it is seen) and changes nothing."""
    ss = st.session_state
    pending = ss.pop(PENDING, None)
    if pending is None:
        return uploaded
    name, raw = pending
    new, err = update_data(uploaded, raw, net.n_inputs, net.n_outputs, source=str(name))
    if err is not None:
        kept = "the previous data are kept" if uploaded is not None else "the data below are used"
        notices.error(f"{name}: {err}. Nothing was changed; {kept}.")
        return uploaded
    ss[DATA] = new
    ss["imp_source"] = "csv"
    return new


def _upload(net: Network) -> None:
    st.markdown(f"Upload a CSV with **{net.n_inputs} input column(s), then {net.n_outputs} target column(s)** "
                "(an optional header row is recognised). Numbers only; at most 100,000 rows and 5 MB.")
    # no type filter: the browser would refuse other files with a bare red icon; our loader names the problem
    st.file_uploader("CSV data set (.csv or .txt)", key="imp_csv", on_change=_on_upload)


def _preset_data(preset: str, n: int, seed: int, matched: bool) -> PageData:
    sigma = float(number_box("Label noise σ", "imp_sigma", 0.0, 0.0, 1e6,
                             help="y = f*(x) + σ·ε with ε ~ N(0, 1), seeded by the seed above"))
    custom = st.checkbox("Draw the inputs uniformly from a range", key=persisted("imp_range_on", False))
    low = high = None
    if custom:
        r1, r2 = st.columns(2)
        low = float(number_box("from", "imp_low", 0.0, -1e6, 1e6, where=r1))
        high = float(number_box("to", "imp_high", 10.0, -1e6, 1e6, where=r2))
    X, y = preset_data(preset, n, seed, sigma=sigma, low=low, high=high)
    rng = f", inputs uniform on [{low:g}, {high:g}]" if custom else ""
    text = f"the **{preset}** data set ({n} samples, seed {seed}{rng}, label noise σ = {sigma:g})"
    if not matched:
        text += ", with its original targets (the weights were edited)"
    return PageData(X, y, f"preset:{preset}:{n}:{seed}:{sigma!r}:{low!r}:{high!r}", text, seed)


def _toy_data(n: int, seed: int) -> PageData:
    name = st.selectbox("Toy data set", TOY_SETS, key=persisted("imp_toy", TOY_SETS[0], options=TOY_SETS))
    noise = float(number_box("Input jitter", "imp_toy_noise", 0.1, 0.0, 5.0))
    X, y = toy_dataset(name, max(2, n), noise=noise, seed=seed)
    return PageData(X, y, f"toy:{name}:{n}:{seed}:{noise!r}",
                    f"the **{name}** toy data set ({max(2, n)} points, seed {seed}, jitter {noise:g})", seed)


def _own_data(net: Network, n: int, seed: int) -> PageData:
    X, y = default_dataset(net, n, seed)
    return PageData(X, y, f"default:{net.digest}:{n}:{seed}",
                    f"{n} standard-normal inputs (seed {seed}) labelled by this network itself, "
                    "so the unpruned loss is 0", seed)


def data_controls(net: Network, preset: str | None, matched: bool, notices: Any) -> PageData:
    """Draw the data controls (inside the current container) and return the data; messages about
    an upload go to ``notices``."""
    ss = st.session_state
    uploaded: CSVData | None = ss.get(DATA)
    if uploaded is not None and not fits(uploaded, net):
        ss.pop(DATA, None)
        uploaded = None
        notices.info("The uploaded data no longer match the network's inputs and outputs, so other data are used.")
    uploaded = _take_upload(net, uploaded, notices)
    sources = _sources(net, preset, uploaded)
    source = st.radio("Data set", sources, horizontal=True, format_func=LABELS.get,
                      key=persisted("imp_source", sources[0], options=sources))
    c1, c2 = st.columns(2)
    seed = int(number_box("Seed (data and sampling)", "imp_seed", 0, 0, 2**31 - 1, integer=True, where=c2))
    if source == "csv" and uploaded is not None:
        data = PageData(uploaded.X, uploaded.y, "csv:" + digest(uploaded.X, uploaded.y),
                        f"uploaded **{uploaded.source}** ({uploaded.n_rows} rows)", seed)
        if c1.button("Use the other data again", key="imp_clear"):
            ss.pop(DATA, None)
            st.rerun(scope="fragment")
    else:
        n = int(number_box("Data size", "imp_n", 100, 1, MAX_DATASET_SIZE, integer=True, where=c1))
        if source == "preset" and preset is not None:
            data = _preset_data(preset, n, seed, matched)
        elif source == "toy":
            data = _toy_data(n, seed)
        else:
            data = _own_data(net, n, seed)
    _upload(net)
    return data


@session_memo(16)
def _scatter(key: str, _X: torch.Tensor, _y: torch.Tensor) -> go.Figure:
    return data_scatter(_X.numpy(), _y.numpy(), title="the data (colour: target)")


def scatter(net: Network, data: PageData, key: str) -> None:
    """The data as a scatter, for 2-input networks (cached by the data: a tweak does not redraw it)."""
    if net.n_inputs != 2:
        return
    page.chart(_scatter(data.key, data.X, data.y), key=key)
