"""LRP Explorer's computational core: networks, attributions, roots, decompositions.

Pure torch/numpy/scipy; never imports Streamlit.
"""

from lrp_core.errors import LRPError
from lrp_core.network import AffineMap, Layer, Network, Trace, from_dict, from_layers, from_sequential

__all__ = [
    "AffineMap",
    "LRPError",
    "Layer",
    "Network",
    "Trace",
    "from_dict",
    "from_layers",
    "from_sequential",
]
