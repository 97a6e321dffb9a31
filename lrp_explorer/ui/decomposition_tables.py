"""Display tables (pandas) of a :class:`~lrp_core.decompose.Decomposition`.

The core returns plain records (``layer_rows``, ``tree_rows``,
``relevance_rows``); these turn them into the data frames the page shows and
downloads.
"""

from __future__ import annotations

import pandas as pd

from lrp_core.decompose import Decomposition
from lrp_core.decompose.results import TREE_COLUMNS


def layer_frame(dec: Decomposition) -> pd.DataFrame:
    """Per layer: sums, conservation error, unresolved and negative parts, searches, cache hits."""
    return pd.DataFrame(dec.layer_rows())


def tree_frame(dec: Decomposition) -> pd.DataFrame:
    """The tree, flat: one row per (layer, explained neuron, input unit)."""
    return pd.DataFrame(dec.tree_rows(), columns=list(TREE_COLUMNS))


def relevance_frame(dec: Decomposition) -> pd.DataFrame:
    """Relevance per neuron per level (level 0 = inputs, level L = outputs)."""
    return pd.DataFrame(dec.relevance_rows(), columns=["level", "neuron", "relevance"])
