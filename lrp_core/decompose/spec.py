"""Which root finder a decomposition runs with: :class:`FinderSpec` (hashable, a cache key)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import torch

from lrp_core.roots.base import FINDERS

Tensor = torch.Tensor
DTYPE = torch.float64
MODES = ("full", "train-free")
MODE_LABELS = {"full": "full-backward", "train-free": "train-free"}


# --- settings -----------------------------------------------------------------


@dataclass(frozen=True)
class FinderSpec:
    """A root finder name and its parameters (hashable, so it can key caches)."""

    finder: str = "exact"
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, finder: str = "exact", **params: Any) -> FinderSpec:
        """Build a spec; ``None`` parameters are dropped; the finder name is checked."""
        FINDERS.get(finder)  # raises LRPError naming the registered finders
        clean = tuple(sorted((k, v) for k, v in params.items() if v is not None))
        return cls(finder, clean)

    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def label(self) -> str:
        inner = ", ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.finder}({inner})" if inner else self.finder

    @property
    def key(self) -> str:
        return json.dumps([self.finder, [[k, repr(v)] for k, v in self.params]])

    @property
    def segment_only(self) -> bool:
        """Whether this finder's root depends only on the segment (so caching
        by activation pattern is exact): the registry says so and no parameter
        breaks it (``tie_break="nearest"`` of ``exact`` does)."""
        from lrp_core.roots.finders import is_segment_only

        return self.finder in FINDERS and is_segment_only(self.finder, self.kwargs())


def segment_only_finders() -> list[str]:
    """Names of the registered finders whose roots depend only on the segment."""
    return [e.name for e in FINDERS if FinderSpec(e.name).segment_only]


