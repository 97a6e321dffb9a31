"""Train and prune controls (a widget group for the importance page).

:func:`train_panel` trains the current network on the page's data with
:func:`lrp_core.training.train`: a progress bar, the loss curve and, for
2-input networks, the output over the plane, redrawn while it trains. The
Stop button ends the run; the weights reached so far are kept (every epoch's
network is stored under :data:`PARTIAL`, and the next run installs it) and the
page says so. A finished run replaces the network as one edit (undoable).

:func:`prune_panel` removes the k units a method ranks lowest
(:func:`lrp_core.pruning.prune`), with the loss before and after and, for
2-input networks, the output before and after.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st
import torch

from lrp_core.errors import LRPError
from lrp_core.importance import Scores
from lrp_core.network import Network
from lrp_core.pruning import prune
from lrp_core.training import TRAIN_SCHEMA, TrainProgress, train
from lrp_explorer.figures.network import output_grid, plane_box
from lrp_explorer.figures.training import heatmap_with_data, loss_curve_figure
from lrp_explorer.ui import state

PARTIAL = "tp_partial"  # (network, loss curve, epoch, epochs) of the run in progress
DONE = "tp_done"  # one-line message about the last run, shown once
SCHEMA = {p.name: p for p in TRAIN_SCHEMA}


def _install_partial() -> None:
    """A run that was stopped (or interrupted by any other click): keep its weights."""
    partial = st.session_state.pop(PARTIAL, None)
    if partial is None:
        return
    net, curve, epoch, epochs = partial
    state.set_network(net)
    st.session_state[DONE] = (f"Training stopped at epoch {epoch} of {epochs}; the weights reached so far "
                              f"are kept (loss {curve[-1]:.6g}).", list(curve), epochs)


def _form(key: str, classes: bool) -> dict[str, Any]:
    c1, c2, c3, c4 = st.columns(4)
    epochs = c1.number_input("Epochs", 1, int(SCHEMA["epochs"].high or 100_000), 100, key=f"{key}_epochs")
    lr = c2.number_input("Learning rate", 1e-6, 10.0, 0.01, format="%g", key=f"{key}_lr")
    batch = c3.number_input("Batch size", 1, 100_000, 32, key=f"{key}_batch")
    seed = c4.number_input("Seed", 0, 2**31 - 1, 0, key=f"{key}_seed")
    losses = ["logistic", "mse"] if classes else ["mse"]
    d1, d2 = st.columns(2)
    loss = d1.radio("Loss", losses, horizontal=True, key=f"{key}_loss")
    reinit = d2.checkbox("Start from fresh random weights (seeded)", key=f"{key}_reinit")
    return {"epochs": int(epochs), "lr": float(lr), "batch_size": int(batch), "seed": int(seed), "loss": loss,
            "reinit": bool(reinit)}


def train_panel(net: Network, X: torch.Tensor, y: torch.Tensor, *, key: str = "tp") -> None:
    """The training controls for ``net`` on ``(X, y)``."""
    _install_partial()
    classes = bool(((y == 0) | (y == 1)).all())
    params = _form(key, classes)
    go_col, stop_col = st.columns([1, 1])
    start = go_col.button("Train", key=f"{key}_train", type="primary")
    stop_col.button("Stop", key=f"{key}_stop", help="ends training; the weights reached so far are kept")
    bar, curve_slot = st.empty(), st.empty()
    plane = net.n_inputs == 2 and net.n_outputs == 1
    heat_slot = st.empty() if plane else None
    if DONE in st.session_state:
        message, curve, epochs = st.session_state[DONE]
        st.success(message)
        curve_slot.plotly_chart(loss_curve_figure(curve, epochs=epochs, loss=params["loss"]), key=f"{key}_curve")
    if not start:
        return
    box = plane_box(net)
    every = max(1, params["epochs"] // 20)
    curve_so_far: list[float] = []

    def on_epoch(p: TrainProgress) -> bool:
        curve_so_far.append(p.loss)
        st.session_state[PARTIAL] = (p.network(), [*curve_so_far], p.epoch, p.epochs)
        bar.progress(p.fraction, text=f"epoch {p.epoch} of {p.epochs}: loss {p.loss:.6g}")
        if p.epoch % every == 0 or p.epoch == p.epochs:
            curve_slot.plotly_chart(loss_curve_figure(curve_so_far, epochs=p.epochs, loss=params["loss"]),
                                    key=f"{key}_curve_{p.epoch}")
            if heat_slot is not None:
                grid = output_grid(p.network(), box, 41)
                heat_slot.plotly_chart(heatmap_with_data(grid, X.numpy(), y.numpy(), title="output while training"),
                                       key=f"{key}_heat_{p.epoch}")
        return False

    try:
        res = train(net, X, y, callback=on_epoch, **params)
    except LRPError as exc:
        st.session_state.pop(PARTIAL, None)
        st.error(str(exc))
        return
    st.session_state.pop(PARTIAL, None)
    state.set_network(res.network)
    st.session_state[DONE] = (f"Trained {res.epochs_run} epochs in {res.seconds:.2f} s: loss {res.initial_loss:.6g} "
                              f"→ {res.final_loss:.6g}. The trained network replaces the current one (undo "
                              "brings the old one back).", list(res.loss_curve), params["epochs"])
    st.rerun()


def prune_panel(net: Network, X: torch.Tensor, y: torch.Tensor, results: Sequence[Scores], *, layer: int,
                loss: str = "mse", key: str = "pp") -> None:
    """Remove the k lowest-ranked units of hidden layer ``layer`` by one method's scores."""
    if not results:
        st.caption("Compute some scores first; pruning follows a method's ranking.")
        return
    n = net.layers[layer].n_out
    if n < 2:
        st.caption("This layer has one unit; a layer needs at least one.")
        return
    names = [r.method for r in results]
    c1, c2 = st.columns(2)
    method = c1.selectbox("Ranking of", names, key=f"{key}_method")
    k = int(c2.number_input("Units to remove (k)", 1, n - 1, 1, key=f"{key}_k"))
    scores = results[names.index(method)]
    try:
        res = prune(net, X, y, scores, k, layer=layer, loss=loss)
    except LRPError as exc:
        st.error(str(exc))
        return
    removed = ", ".join(f"h{u + 1}" for u in res.removed)
    st.markdown(f"Removing **{removed}** by {method}'s ranking: {loss} loss **{res.loss_before:.6g} → "
                f"{res.loss_after:.6g}**.")
    if net.n_inputs == 2 and net.n_outputs == 1:
        box = plane_box(net)
        left, right = st.columns(2)
        left.plotly_chart(heatmap_with_data(output_grid(net, box, 41), X.numpy(), y.numpy(), title="before"),
                          key=f"{key}_before")
        right.plotly_chart(heatmap_with_data(output_grid(res.network, box, 41), X.numpy(), y.numpy(),
                                             title=f"after removing {removed}"), key=f"{key}_after")
    if st.button(f"Remove {removed}", key=f"{key}_apply", help="one edit; undo brings the units back"):
        state.set_network(res.network)
        st.rerun()
