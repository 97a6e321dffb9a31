"""What every importance method receives (:class:`Context`) and the registry they join (:data:`METHODS`).

A method is one function ``method(ctx: Context, **params) -> Scores``
registered with :func:`register`, which declares its parameters once (a
tuple of :class:`~lrp_core.params.Param`) and what the rest of the app needs
to know about it:

- ``loss``: whether the scores depend on the loss (APoZ, weight norm and
  random do not);
- ``sampler``: whether it draws samples (then ``attribute(samples=...)``
  reaches its ``samples`` parameter);
- ``random``: whether the result depends on the seed (then the seed is
  reported in ``Scores.params``);
- ``unavailable(net, layer, loss) -> str | None``: why it cannot run here
  (e.g. exact Shapley beyond 20 units without the closed form);
- ``preflight(ctx, params)``: a cheap check run before any method starts
  (the work caps), so an over-long request costs nothing;
- ``closed_form(net, layer, loss) -> bool``: for exact Shapley, whether the
  closed form applies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from lrp_core.importance.game import Game, Progress, build_game, check_data, check_layer, check_loss
from lrp_core.importance.scores import Scores
from lrp_core.network import Network
from lrp_core.params import Param
from lrp_core.registry import Registry

Tensor = torch.Tensor
Method = Callable[..., Scores]
METHODS: Registry[Method] = Registry("attribution method")

ANCONA = "Ancona et al. 2020, Shapley Value as Principled Metric for Structured Network Pruning"


@dataclass(frozen=True, eq=False)
class Context:
    """A validated request: the network, the data, the layer, the loss, a
    seeded generator and an optional progress callback (fractions 0..1).

    Built once "at the door" by :meth:`build`; methods only read it."""

    net: Network
    X: Tensor
    y: Tensor
    layer: int
    loss: str
    generator: torch.Generator
    progress: Progress | None = None

    @classmethod
    def build(cls, net: Network, X: Tensor, y: Tensor, *, layer: int = 0, loss: str = "mse", seed: int = 0,
              generator: torch.Generator | None = None, progress: Progress | None = None) -> Context:
        """Validate the loss, layer and data (float64, (N, d) and (N, O));
        the generator is ``generator`` or a fresh one seeded with ``seed``."""
        check_loss(loss)
        check_layer(net, layer)
        X, y = check_data(net, X, y)
        gen = generator if generator is not None else torch.Generator().manual_seed(int(seed))
        return cls(net, X, y, layer, loss, gen, progress)

    @property
    def n_units(self) -> int:
        return self.net.layers[self.layer].n_out

    @property
    def n_data(self) -> int:
        return int(self.X.shape[0])

    def game(self, *, need_loss: bool = True) -> Game:
        """The pruning game of this layer (see :func:`~lrp_core.importance.game.build_game`)."""
        return build_game(self.net, self.X, self.y, layer=self.layer, loss=self.loss, need_loss=need_loss)


def register(name: str, *, label: str, cite: str = "", schema: tuple[Param, ...] = (), loss: bool = True,
             sampler: bool = False, random: bool = False,
             unavailable: Callable[[Network, int, str], str | None] | None = None,
             preflight: Callable[[Context, dict[str, Any]], None] | None = None,
             **extra: Any) -> Callable[[Method], Method]:
    """Register a method in :data:`METHODS` with its schema and metadata (see the module docstring)."""
    return METHODS.register(name, label=label, cite=cite, schema=schema, loss=loss, sampler=sampler,
                            random=random, unavailable=unavailable, preflight=preflight, **extra)


def unavailable_reason(name: str, net: Network, layer: int, loss: str) -> str | None:
    """Why method ``name`` cannot run on hidden layer ``layer`` with ``loss``, or ``None`` if it can."""
    check = METHODS.get(name).extra.get("unavailable")
    return None if check is None else check(net, layer, loss)
