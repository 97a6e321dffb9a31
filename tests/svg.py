"""Reading back the SVG paths the figures draw as layout shapes (``lrp_explorer.figures.paths``)."""

from __future__ import annotations

import re

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def pieces(path: str) -> list[list[tuple[float, float]]]:
    """The path's pieces (each ``M`` starts one), as lists of (x, y)."""
    out: list[list[tuple[float, float]]] = []
    for cmd, x, y in re.findall(rf"([ML])({NUMBER}),({NUMBER})", path):
        if cmd == "M":
            out.append([])
        out[-1].append((float(x), float(y)))
    return out
