"""The exact root cache of full-backward decompositions (see :mod:`lrp_core.decompose`)."""

from __future__ import annotations

from typing import Any

import torch

Tensor = torch.Tensor
DTYPE = torch.float64


# --- the cache ----------------------------------------------------------------


class RootCache:
    """Exact cache of roots for segment-only finders.

    Keyed by (network digest, mode, layer, activation pattern of the problem's
    segment, neuron, finder settings, explained output, head row and offset
    bit for bit, non-negativity). A fresh one is made per call unless the
    caller passes one in (e.g. to decompose several points); it is never
    module-level state. ``hits``/``misses`` count look-ups, ``searches`` the
    roots actually searched.
    """

    def __init__(self) -> None:
        self._store: dict[tuple[Any, ...], tuple[Tensor | None, str]] = {}
        self.hits = 0
        self.misses = 0
        self.searches = 0

    def __len__(self) -> int:
        return len(self._store)

    def get(self, key: tuple[Any, ...]) -> tuple[Tensor | None, str] | None:
        found = self._store.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: tuple[Any, ...], root: Tensor | None, reason: str) -> None:
        self._store[key] = (None if root is None else root.clone(), reason)

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "searches": self.searches, "entries": len(self)}


def _bits(v: float) -> str:
    return float(v).hex()


