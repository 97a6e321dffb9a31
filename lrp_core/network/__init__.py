"""The network: a fully connected ReLU network as immutable data, its file format, torch interop and edits.

- :mod:`.model` — :class:`Network`, :class:`Layer`, :class:`Trace`, :class:`AffineMap` (forward passes,
  activation patterns, affine maps on a segment);
- :mod:`.schema` — the JSON file format, its validation and caps (:func:`from_dict`, :func:`from_layers`);
- :mod:`.torch_interop` — :func:`from_sequential` / :func:`to_sequential`;
- :mod:`.segment` — the affine map of a sub-network on a point's segment (:func:`segment_map`), the one
  implementation every finder, region and guard reads;
- :mod:`.edit` — editing operations, each returning a new validated network (also methods of
  :class:`Network`).
"""

from lrp_core.network.model import AffineMap, Layer, Network, Tensor, Trace, as_tensor
from lrp_core.network.schema import (
    ACTIVATIONS,
    FORMAT,
    MAX_ABS_VALUE,
    MAX_INPUTS,
    MAX_LAYERS,
    MAX_NAME_LENGTH,
    MAX_UNITS,
    VERSION,
    NetworkValidationError,
    from_dict,
    from_layers,
    plain,
    to_dict,
    type_name,
)
from lrp_core.network.segment import Segment, SegmentMap, segment_map
from lrp_core.network.torch_interop import from_sequential, to_sequential

__all__ = [
    "ACTIVATIONS", "FORMAT", "MAX_ABS_VALUE", "MAX_INPUTS", "MAX_LAYERS", "MAX_NAME_LENGTH", "MAX_UNITS",
    "VERSION", "AffineMap", "Layer", "Network", "NetworkValidationError", "Segment", "SegmentMap", "Tensor", "Trace",
    "as_tensor", "from_dict", "from_layers", "from_sequential", "plain", "segment_map", "to_dict", "to_sequential",
    "type_name",
]
