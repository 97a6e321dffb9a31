"""Explanation fields of 2-input networks (issue 17): every method's relevance
over a grid of the plane, and step records of a backward pass.

The names below are loaded on first use (PEP 562), so that importing
:mod:`lrp_core.fields.methods` — the registry the CLI reads when it builds its
parser — pulls in neither NumPy nor torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "FIELD_METHODS": "lrp_core.fields.methods",
    "method_names": "lrp_core.fields.methods",
    "Field": "lrp_core.fields.field",
    "explanation_field": "lrp_core.fields.field",
    "grid": "lrp_core.fields.field",
    "relevance_at": "lrp_core.fields.field",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lrp_core.fields' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
