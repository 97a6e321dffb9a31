"""The tweak control: pick one weight or bias, change it, watch every page follow.

:func:`tweak_control` draws the clickable diagram (:mod:`figures.diagram`),
two small selectboxes (the layer, then the parameter: widget key
``tweak_target``), a slider (``tweak_slider``, a range around the value that
``tweak_span`` adjusts) and a number box (``tweak_value``, an
``st.number_input``), and undo / redo / "back to the preset" buttons. Every
change is one undoable edit through :mod:`ui.history` (and so
``state.set_network``); an invalid value is refused with a message next to
the number box and changes nothing.

Call it inside an ``st.fragment`` together with the page's computation: all
its widgets act through callbacks, so a tweak reruns only that fragment.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_core.viewstate import Target
from lrp_explorer.figures.diagram import (
    clicked_target,
    live_diagram,
    target_label,
    targets_of_layer,
    thumbnails,
    value_of,
)
from lrp_explorer.figures.network import node_positions, plane_box
from lrp_explorer.ui import history, state, timing

LAYER = "tweak_layer"
TARGET = "tweak_target"
SLIDER = "tweak_slider"
VALUE = "tweak_value"
SPAN = "tweak_span"
DIAGRAM = "tweak_diagram"
LIVE = "live_tweak"  # non-widget: {"target", "center", "msg"}
SPANS = (0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, 1000.0)
STEPS = 200  # slider steps across its range


def default_target(net: Network) -> str:
    """The last layer's weight from the last hidden unit to the first output
    (on ancona-max: h4's output weight, the one the paper's example sets)."""
    k = len(net.layers) - 1
    return Target(k, "weight", 0, net.layers[k].n_in - 1).text


def _shapes(net: Network) -> list[tuple[int, int]]:
    return [(layer.n_out, layer.n_in) for layer in net.layers]


def _live() -> dict[str, Any]:
    return st.session_state.setdefault(LIVE, {"target": None, "center": None, "msg": None})


def current_target(net: Network) -> str:
    """The picked target if it exists in ``net``, else the default one."""
    t = _live().get("target")
    if isinstance(t, str) and Target.parse(t).fits(_shapes(net)):
        return t
    return default_target(net)


def pick(text: str) -> None:
    """Make ``text`` the tweak target (e.g. from a diagram click or a link's view)."""
    net = state.get_network()
    t = Target.parse(text)
    if not t.fits(_shapes(net)):
        raise LRPError(f"the network has no parameter {text}")
    _live()["target"] = t.text
    st.session_state[LAYER] = t.layer
    st.session_state[TARGET] = t.text


def _auto_span(v: float) -> float:
    """The smallest offered range that holds ``|v|`` (a power of ten beyond them)."""
    if v == 0:
        return 1.0
    return next((s for s in SPANS if s >= abs(v)), 10.0 ** math.ceil(math.log10(abs(v))))


def _sync(net: Network, target: str) -> float:
    """Put every widget in step with the network and the target before they are drawn.

    Set on every run: Streamlit forgets a widget's value when another page ran
    without it, and the network may have changed (an undo, the editor, a link)."""
    ss = st.session_state
    live = _live()
    t = Target.parse(target)
    v = value_of(net, t)
    if live.get("synced") != target or live.get("span") is None:
        live.update(synced=target, span=_auto_span(v), center=None)
    span = float(live["span"])
    center = live.get("center")
    if center is None or not center - span <= v <= center + span:
        live["center"] = v
    ss[LAYER] = t.layer
    ss[TARGET] = target
    ss[VALUE] = v
    ss[SLIDER] = v
    ss[SPAN] = span
    return v


# --- callbacks (run before the fragment reruns) ---------------------------------------------


def _apply(value: Any) -> None:
    timing.mark()  # a benchmark's script time of this rerun starts here (when timing is on)
    live = _live()
    net = state.get_network()
    t = Target.parse(current_target(net))
    live["msg"] = None
    try:
        if value is None:
            raise LRPError("enter a number")
        new = net.with_value(t.layer, t.kind, t.row, t.col, float(value))
    except (LRPError, TypeError, ValueError, OverflowError) as exc:
        live["msg"] = f"{value!r} was refused: {exc}. Nothing was changed."
        st.session_state[VALUE] = value_of(net, t)
        st.session_state[SLIDER] = value_of(net, t)
        return
    history.edit(new)


def _on_value() -> None:
    _apply(st.session_state.get(VALUE))


def _on_slider() -> None:
    _apply(st.session_state.get(SLIDER))


def _on_layer() -> None:
    net = state.get_network()
    k = int(st.session_state[LAYER])
    current = Target.parse(current_target(net))
    if current.layer != k:
        pick(targets_of_layer(net, k)[0].text)


def _on_target() -> None:
    pick(st.session_state[TARGET])


def _on_diagram() -> None:
    text = clicked_target(st.session_state.get(DIAGRAM))
    if text is not None:
        pick(text)


def _on_span() -> None:
    _live().update(span=float(st.session_state[SPAN]), center=None)  # re-centre on the current value


def _undo() -> None:
    _live()["msg"] = None if history.undo() else "Nothing to undo."


def _redo() -> None:
    _live()["msg"] = None if history.redo() else "Nothing to redo."


def _back() -> None:
    _live()["msg"] = None if history.back_to_preset() else "The network already is its preset."


# --- the control ----------------------------------------------------------------------------


def tweak_control(*, x: tuple[float, ...] | None = None, box: tuple[float, float] | None = None,
                  height: int = 300, font_size: int = 12, diagram: Any = True) -> Network:
    """Draw the control and return the (possibly tweaked) network.

    ``diagram``: ``True`` draws the diagram above the controls, ``False`` leaves
    it out, a container (e.g. a column) draws it there."""
    history.track()
    net = state.get_network()
    target = current_target(net)
    _live()["target"] = target
    _sync(net, target)
    if diagram is not False:
        where = st if diagram is True else diagram
        thumbs = thumbnails(net, box or plane_box(net))
        x = x if x is not None else state.get_input()
        fig = live_diagram(net, x, picked=target, thumbs=thumbs, height=height, font_size=font_size)
        where.plotly_chart(fig, key=DIAGRAM, on_select=_on_diagram, selection_mode="points",
                           config={"displayModeBar": False})
    _pickers(net, target)
    _value_widgets()
    _buttons()
    return state.get_network()


def _pickers(net: Network, target: str) -> None:
    c1, c2 = st.columns([1, 2])
    levels = node_positions(net)  # once: every option's label names its units
    c1.selectbox("Layer", list(range(len(net.layers))), key=LAYER, on_change=_on_layer,
                 format_func=lambda k: f"layer {k}")
    labels = {t.text: target_label(net, t, levels) for t in targets_of_layer(net, Target.parse(target).layer)}
    c2.selectbox("Parameter", list(labels), key=TARGET, on_change=_on_target, format_func=labels.__getitem__)


def _value_widgets() -> None:
    center = float(_live()["center"])
    chosen = float(_live()["span"])
    span = max(chosen, abs(center) * 1e-6)  # a range float64 can resolve around large values
    spans = sorted({*SPANS, chosen})
    st.slider("Value", center - span, center + span, step=2 * span / STEPS, key=SLIDER,
              on_change=_on_slider, format="%.4g")
    s2, s3 = st.columns([3, 2])
    s2.number_input("Exact value", key=VALUE, on_change=_on_value, format="%.6g", step=span / 20)
    s3.selectbox("Slider range ±", spans, key=SPAN, on_change=_on_span, format_func=lambda s: f"{s:g}")
    msg = _live().get("msg")
    if msg:
        st.error(msg)


def _buttons() -> None:
    n_undo, n_redo = history.counts()
    b1, b2, b3 = st.columns(3)
    b1.button(f"Undo ({n_undo})", key="tweak_undo", on_click=_undo, disabled=n_undo == 0, width="stretch")
    b2.button(f"Redo ({n_redo})", key="tweak_redo", on_click=_redo, disabled=n_redo == 0, width="stretch")
    preset = history.preset_name()
    b3.button(f"Back to {preset}" if preset else "Back to the preset", key="tweak_preset", on_click=_back,
              disabled=preset is None, width="stretch")


def side_panel(page: str, *, box: tuple[float, float] | None = None, height: int = 200) -> Network:
    """The tweak control as a page shows it beside its main plot: the diagram,
    the pickers, the value, undo/redo, and the "Copy link to this view" button;
    then the view is written into the URL. Call it inside the page's fragment."""
    from lrp_explorer.ui import view

    st.markdown("**Tweak a weight or bias** · click an edge or a unit")
    net = tweak_control(box=box, height=height, font_size=11)
    view.copy_link(page)
    view.write_url(page)
    return net

