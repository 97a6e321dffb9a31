"""Weight tables ↔ networks, as pure functions (no Streamlit calls).

The editor page shows one table per layer ``k``: one row per unit of the
layer's output, one column per input of the layer (``x1…`` for layer 0,
``h1…`` for later layers, the units of the previous layer) and a ``bias``
column. A table's cell ``(unit i, input j)`` is ``layers[k].weight[i, j]``,
the same out × in orientation as the JSON format and ``torch.nn.Linear``.

:func:`network_from_table` turns an edited table back into a network, and
refuses anything that is not a finite number within the model's cap with an
:class:`~lrp_core.errors.LRPError` whose one-line message names the cell.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from lrp_core.errors import LRPError
from lrp_core.network import ACTIVATIONS, MAX_ABS_VALUE, Network
from lrp_core.numbers import format_number, parse_number

BIAS = "bias"
MAX_CELLS_REPORTED = 3


def input_names(net: Network, k: int) -> list[str]:
    """Column names for layer ``k``'s inputs: ``x1…`` for layer 0, else ``h1…``."""
    prefix = "x" if k == 0 else "h"
    return [f"{prefix}{j + 1}" for j in range(net.layers[k].n_in)]


def unit_names(net: Network, k: int) -> list[str]:
    """Row labels for layer ``k``'s units: ``h1…`` for a hidden layer, ``y1…`` for the output."""
    prefix = "y" if k == len(net.layers) - 1 else "h"
    return [f"{prefix}{i + 1}" for i in range(net.layers[k].n_out)]


def layer_title(net: Network, k: int) -> str:
    """A short heading such as ``Layer 0: 2 inputs → hidden layer 0 (4 units, relu)``."""
    if not 0 <= k < len(net.layers):
        raise LRPError(f"no layer {k}; layers are 0..{len(net.layers) - 1}")
    layer = net.layers[k]
    src = f"{layer.n_in} inputs" if k == 0 else f"hidden layer {k - 1}"
    last = k == len(net.layers) - 1
    units = f"{layer.n_out} unit" + ("" if layer.n_out == 1 else "s")
    dst = "output" if last else f"hidden layer {k}"
    return f"Layer {k}: {src} → {dst} ({units}, {layer.activation})"


def table_key(k: int, revision: int) -> str:
    """The widget key of layer ``k``'s table; it changes with every network change
    so a table never keeps edits made to an older network."""
    return f"editor_w{k}_r{revision}"


def layer_table(net: Network, k: int) -> pd.DataFrame:
    """Layer ``k`` as a float64 table: rows are units, columns inputs then ``bias``."""
    if not 0 <= k < len(net.layers):
        raise LRPError(f"no layer {k}; layers are 0..{len(net.layers) - 1}")
    layer = net.layers[k]
    frame = pd.DataFrame(
        layer.weight.numpy().copy(), index=unit_names(net, k), columns=input_names(net, k), dtype="float64"
    )
    frame[BIAS] = layer.bias.numpy().copy()
    frame.index.name = "unit"
    return frame


def apply_edits(table: pd.DataFrame, edits: Any) -> pd.DataFrame:
    """``table`` with the edits that ``st.data_editor`` keeps in session state
    (``{"edited_rows": {row: {column: value}}, ...}``) applied; unknown rows or
    columns are ignored (the table then fails validation like any bad edit)."""
    out = table.copy()
    rows = edits.get("edited_rows", {}) if isinstance(edits, dict) else {}
    for row, cells in rows.items():
        i = int(row)
        if not 0 <= i < len(out) or not isinstance(cells, dict):
            continue
        for col, value in cells.items():
            if col in out.columns:
                out[col] = out[col].astype(object)
                out.iat[i, out.columns.get_loc(col)] = value
    return out


def text_table(net: Network, k: int) -> pd.DataFrame:
    """:func:`layer_table` as text, one exact number per cell (``repr`` of the float64,
    e.g. ``-0.25``, ``1e+30``): the editor's grid edits text, so what is typed or pasted
    (``1e30``, ``1E5``, ``-1e-30``) reaches :func:`lrp_core.numbers.parse_number` as typed."""
    return layer_table(net, k).map(format_number).astype(object)


def _cell_value(value: Any, where: str, old: float) -> tuple[float | None, str | None]:
    """A cell's float, or a one-line problem naming the cell and what to enter."""
    keep = f"the network keeps {old:.6g}"
    if value is None or isinstance(value, bool):
        return None, f"{where} is empty or not a number; enter a number ({keep})"
    if isinstance(value, str):
        try:
            return parse_number(value, what=where), None
        except LRPError as exc:
            return None, f"{exc} ({keep})"
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None, f"{where} is not a number; enter a number ({keep})"
    if math.isnan(f):
        return None, f"{where} is empty or not a number; enter a number ({keep})"
    if not math.isfinite(f):
        return None, f"{where} must be finite, not {f}; enter a number ({keep})"
    if abs(f) > MAX_ABS_VALUE:
        return None, f"{where} = {f:g} is larger in magnitude than the cap {MAX_ABS_VALUE:g} ({keep})"
    return f, None


def network_from_table(
    net: Network, k: int, table: pd.DataFrame, activation: str | None = None
) -> Network:
    """``net`` with layer ``k`` taken from an (edited) table and, optionally, a new activation.

    Returns ``net`` itself when nothing changed. Raises :class:`LRPError` when a
    cell is empty, not a number, not finite or over the cap, or when the table
    lost or gained rows or columns (the message names up to three cells)."""
    expected = layer_table(net, k)
    if activation is not None and activation not in ACTIVATIONS:
        raise LRPError(f"unknown activation {activation!r}; choose one of: {', '.join(ACTIVATIONS)}")
    cols = [str(c) for c in table.columns]
    if cols != list(expected.columns) or table.shape != expected.shape:
        raise LRPError(
            f"layer {k}'s table must have {expected.shape[0]} rows and the columns "
            f"{', '.join(expected.columns)}; use the buttons to add or remove units"
        )
    problems: list[str] = []
    weight: list[list[float]] = []
    bias: list[float] = []
    for i, unit in enumerate(expected.index):
        row: list[float] = []
        for j, col in enumerate(expected.columns):
            f, problem = _cell_value(
                table.iat[i, j], f"layer {k}, unit {unit}, column {col}", float(expected.iat[i, j])
            )
            if problem is not None:
                problems.append(problem)
            value = f if f is not None else float(expected.iat[i, j])
            if col == BIAS:
                bias.append(value)
            else:
                row.append(value)
        weight.append(row)
    if problems:
        more = len(problems) - MAX_CELLS_REPORTED
        tail = f" (and {more} more cells)" if more > 0 else ""
        raise LRPError("; ".join(problems[:MAX_CELLS_REPORTED]) + tail)
    old = net.layers[k]
    new_act = activation if activation is not None else old.activation
    unchanged = (
        new_act == old.activation
        and weight == old.weight.tolist()
        and bias == old.bias.tolist()
    )
    if unchanged:
        return net
    return net.with_layer(k, weight, bias, new_act)


def changed_cells(before: Network, after: Network) -> list[tuple[int, str, str, float, float]]:
    """``(layer, unit, column, old, new)`` for every weight or bias that differs
    between two networks of the same shape (for the "what changed" note)."""
    if before.widths != after.widths:
        return []
    out: list[tuple[int, str, str, float, float]] = []
    for k in range(len(before.layers)):
        a, b = layer_table(before, k), layer_table(after, k)
        for i, unit in enumerate(a.index):
            for j, col in enumerate(a.columns):
                old, new = float(a.iat[i, j]), float(b.iat[i, j])
                if old != new:
                    out.append((k, str(unit), str(col), old, new))
    return out
