"""The "Root finding" page's numbers: the diagnostics table, the checks in plain words, the downloads.

Every number is shown to be read (3 significant digits, scientific below 1e-3:
``6.19e-06``), every point is named by what it is
(:func:`lrp_explorer.figures.roots.outcome`, as in the legend), and a result
that came from the cache says so instead of passing its first run's time off
as new. Pure functions: results in, rows / sentences / file texts out.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lrp_core.roots.base import Root, RootResult
from lrp_explorer.figures.roots import NOTHING, ROOT, ZERO_TOL, outcome, result_label

DASH = "–"
COLUMNS = ("finder", "explains", "found", "R(x)", "R(ã)", "ã in segment", "‖x − ã‖", "Taylor residual",
           "time", "evaluations", "note")


@dataclass(frozen=True)
class Found:
    """One finder's result as the page shows it: ``cached`` when it came from the cache."""

    result: RootResult
    cached: bool = False


def fmt(v: float | None) -> str:
    """A number to read: 3 significant digits, scientific below 1e-3 or from 1e4 (``6.19e-06``)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return DASH
    if v == 0.0:
        return "0"
    if not math.isfinite(v):
        return str(v)
    return f"{v:.3g}" if 1e-3 <= abs(v) < 1e4 else f"{v:.2e}"


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.3g} ms" if seconds < 1.0 else f"{seconds:.3g} s"


def time_text(item: Found) -> str:
    """The run time, or ``cached`` for a result from the cache (its first run's time is not this run's)."""
    return "cached" if item.cached else duration(item.result.seconds)


def diagnostics_rows(items: Sequence[Found], relevance_at_x: Sequence[float] | None = None,
                     unit_names: Mapping[int, str] | None = None) -> list[dict[str, Any]]:
    """One row per finder and explained neuron (columns :data:`COLUMNS`), every value a string to read."""
    rows: list[dict[str, Any]] = []
    for item in items:
        res = item.result
        for k, r in enumerate(res.roots):
            found = r.root is not None
            rows.append({
                "finder": result_label(res),
                "explains": (unit_names or {}).get(r.neuron, str(r.neuron)),
                "found": outcome(r),
                "R(x)": DASH if relevance_at_x is None else fmt(float(relevance_at_x[k])),
                "R(ã)": fmt(r.relevance) if found else DASH,
                "ã in segment": ("✓" if r.in_segment else "✗") if found else DASH,
                "‖x − ã‖": fmt(r.distance) if found else DASH,
                "Taylor residual": fmt(r.taylor_residual) if found else DASH,
                "time": time_text(item),
                "evaluations": f"{res.evaluations:,}",
                "note": r.reason,
            })
    return rows


def check_sentence(label: str, unit: str, r: Root) -> str:
    """The checks for one point in plain words, with the same name for it as the legend and table."""
    kind = outcome(r)
    head = f"**{label}**, {unit}: {kind}"
    if kind == NOTHING:
        return f"{head} — {r.reason or 'none found'}."
    what = "R(ã) = 0" if kind == ROOT else f"R(ã) = {fmt(r.relevance)}"
    if kind != ROOT:
        what += ", which the explanation leaves unexplained"
    seg = ("✓ ã lies in x's linear segment (or on its edge)" if r.in_segment else
           "✗ ã lies outside x's linear segment, where R follows another linear piece")
    exact = ", so the Taylor expansion at ã is exact" if r.in_segment and kind == ROOT else ""
    scale = max(1.0, abs(r.relevance), float(r.gradient.abs().sum()) * r.distance)
    taylor = ("the Taylor identity R(x) = R(ã) + ∇R·(x − ã) holds" if r.taylor_residual <= ZERO_TOL * scale
              else f"the Taylor identity misses by {fmt(r.taylor_residual)}")
    note = f" ({r.reason})" if r.reason else ""
    return f"{head}{note}: {what}. {seg}{exact}; {taylor}."


def check_sentences(result: RootResult, unit_names: Mapping[int, str] | None = None) -> list[str]:
    """The checks in plain words, one sentence per explained neuron."""
    label = result_label(result)
    return [check_sentence(label, (unit_names or {}).get(r.neuron, f"neuron {r.neuron}"), r) for r in result.roots]


def roots_csv(items: Sequence[Found], dim: int) -> str:
    """Every point found as CSV (one row per finder and neuron; columns as before, plus ``found``)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["finder", "neuron", *[f"root_{i + 1}" for i in range(dim)], "relevance", "in_segment",
                "taylor_residual", "distance", "reason", "found"])
    for item in items:
        for r in item.result.roots:
            coords = r.root.tolist() if r.root is not None else [""] * dim
            w.writerow([result_label(item.result), r.neuron, *coords, r.relevance, r.in_segment,
                        r.taylor_residual, r.distance, r.reason, outcome(r)])
    return buf.getvalue()


def roots_json(items: Sequence[Found], head: Mapping[str, Any]) -> str:
    """The run as JSON: ``head`` (network, x, layer, …) and per finder its parameters and points."""
    payload = {**head, "results": [
        {"finder": it.result.finder, "params": it.result.params, "roots": [r.to_json() for r in it.result.roots],
         "evaluations": it.result.evaluations, "seconds": it.result.seconds, "cached": it.cached}
        for it in items
    ]}
    return json.dumps(payload, indent=1, default=str)
