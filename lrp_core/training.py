"""Training a network on its data set with torch's Adam, deterministically.

:func:`train` fits all weights and biases of a :class:`~lrp_core.network.Network`
to ``(X, y)`` by mini-batch Adam (Kingma & Ba 2015) in float64 and returns a
*new* network (the input is never changed) with the loss curve.

Losses, averaged over samples and outputs:

- ``mse``: ``L = mean((f(x) − y)²)``, the loss of :mod:`lrp_core.importance`
  (so a trained network's importance scores use the loss it was trained on);
- ``logistic``: ``L = mean(softplus(f(x)) − y·f(x))``, the binary
  cross-entropy of the output read as a logit, for labels 0 and 1.

Determinism: the mini-batch order (and, with ``reinit``, the starting
weights) come from one ``torch.Generator`` seeded with ``seed``; nothing
touches the global RNG. The same network, data and parameters give
bit-identical weights.

Stopping: ``callback(progress)`` runs after every epoch; returning ``True``
stops training, and the result holds the weights reached so far (a valid
network) with ``stopped = True``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from lrp_core.errors import LRPError
from lrp_core.network import MAX_NAME_LENGTH, Network, from_layers
from lrp_core.params import Param, validate

Tensor = torch.Tensor
DTYPE = torch.float64
LOSSES = ("mse", "logistic")
#: Cap on epochs × samples × parameters (about a minute of work on a shared 2-core machine).
MAX_TRAIN_WORK = 20_000_000_000

#: The training knobs, declared once (the CLI flags and the page form read them).
TRAIN_SCHEMA = (
    Param("epochs", "int", 200, "passes over the data", low=1, high=100_000),
    Param("lr", "float", 0.01, "Adam's learning rate", low=0.0, open_low=True, high=10.0, log=True),
    Param("batch_size", "int", 32, "samples per Adam step", low=1, high=100_000),
    Param("seed", "int", 0, "seeds the batch order (and fresh weights)", low=0, high=2**63 - 1),
    Param("loss", "str", "mse", "mse, or logistic for labels 0/1", choices=LOSSES),
    Param("reinit", "bool", False, "start from seeded random weights instead of the current ones"),
)


@dataclass(frozen=True, eq=False)
class TrainProgress:
    """What the callback sees after each epoch (``epoch`` counts from 1)."""

    epoch: int
    epochs: int
    loss: float
    template: Network
    weights: tuple[Tensor, ...]

    @property
    def fraction(self) -> float:
        return self.epoch / self.epochs

    def network(self) -> Network:
        """The network with the weights reached so far (e.g. for a heatmap)."""
        return _network(self.template, self.weights)


@dataclass(frozen=True, eq=False)
class TrainResult:
    """The trained network, the loss before training and after each epoch,
    whether a callback stopped it, and the wall time."""

    network: Network
    loss_curve: tuple[float, ...]
    stopped: bool
    epochs_run: int
    seconds: float
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def initial_loss(self) -> float:
        return self.loss_curve[0]

    @property
    def final_loss(self) -> float:
        return self.loss_curve[-1]

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON keys: loss_curve, final_loss, seconds (and what ran)."""
        return {"loss_curve": list(self.loss_curve), "final_loss": self.final_loss, "seconds": self.seconds,
                "stopped": self.stopped, "epochs_run": self.epochs_run, "params": dict(self.params)}


Callback = Callable[[TrainProgress], bool | None]


def _forward(net: Network, weights: Sequence[Tensor], x: Tensor) -> Tensor:
    a = x
    for k, layer in enumerate(net.layers):
        a = a @ weights[2 * k].T + weights[2 * k + 1]
        if layer.is_relu:
            a = torch.relu(a)
    return a


def loss_of(out: Tensor, y: Tensor, loss: str) -> Tensor:
    """The training loss (a 0-d tensor) of outputs ``out`` against ``y``."""
    if loss == "mse":
        return ((out - y) ** 2).mean()
    return torch.nn.functional.binary_cross_entropy_with_logits(out, y)


def training_loss(net: Network, X: Tensor, y: Tensor, loss: str = "mse") -> float:
    """The loss of ``net`` on ``(X, y)`` as :func:`train` measures it."""
    X, y = _check_data(net, X, y, _check_loss(loss))
    return float(loss_of(net(X), y, loss))


def _check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise LRPError(f"unknown training loss {loss!r}; choose one of: {', '.join(LOSSES)}")
    return loss


def _check_data(net: Network, X: Tensor, y: Tensor, loss: str) -> tuple[Tensor, Tensor]:
    from lrp_core.importance import check_data

    X, y = check_data(net, X, y)
    if loss == "logistic" and not bool(((y == 0) | (y == 1)).all()):
        raise LRPError("the logistic loss needs targets 0 and 1; use the mse loss for other targets")
    return X, y


def _start_weights(net: Network, reinit: bool, gen: torch.Generator) -> list[Tensor]:
    """Copies of the network's weights, or fresh ones uniform on ±1/√fan_in
    (torch.nn.Linear's default scale) drawn from ``gen``."""
    out: list[Tensor] = []
    for layer in net.layers:
        if reinit:
            bound = 1.0 / math.sqrt(layer.n_in)
            w = (2 * torch.rand(layer.weight.shape, generator=gen, dtype=DTYPE) - 1) * bound
            b = (2 * torch.rand(layer.bias.shape, generator=gen, dtype=DTYPE) - 1) * bound
        else:
            w, b = layer.weight.to(DTYPE).clone(), layer.bias.to(DTYPE).clone()
        out += [w.requires_grad_(True), b.requires_grad_(True)]
    return out


def _network(template: Network, weights: Sequence[Tensor]) -> Network:
    name = template.name if template.name.endswith("(trained)") else f"{template.name} (trained)"
    meta = {k: v for k, v in template.meta.items() if k != "description"}
    return from_layers([w.detach().clone() for w in weights[0::2]], [b.detach().clone() for b in weights[1::2]],
                       [layer.activation for layer in template.layers], name=name[:MAX_NAME_LENGTH], **meta)


def train(net: Network, X: Tensor, y: Tensor, *, callback: Callback | None = None, **params: Any) -> TrainResult:
    """Fit ``net`` to ``(X, y)`` with Adam; ``params`` as in :data:`TRAIN_SCHEMA`
    (epochs, lr, batch_size, seed, loss, reinit).

    Each epoch visits the samples once in a seeded random order, in batches
    of ``batch_size`` (the last one smaller), one Adam step per batch.
    ``loss_curve[0]`` is the loss before training, ``loss_curve[e]`` after
    epoch e, both on all of ``(X, y)``. A loss that stops being finite
    raises :class:`LRPError` (lower the learning rate); nothing is kept."""
    p = validate("training", TRAIN_SCHEMA, params)
    X, y = _check_data(net, X, y, p["loss"])
    n = int(X.shape[0])
    work = p["epochs"] * n * net.n_params
    if work > MAX_TRAIN_WORK:
        raise LRPError(f"{p['epochs']:,} epochs on {n:,} samples of a {net.n_params:,}-parameter network is "
                       f"about {work:.1e} operations, more than the cap of {MAX_TRAIN_WORK:.0e}; use fewer epochs "
                       f"(at most {max(1, MAX_TRAIN_WORK // (n * net.n_params)):,})")
    gen = torch.Generator().manual_seed(p["seed"])
    weights = _start_weights(net, p["reinit"], gen)
    opt = torch.optim.Adam(weights, lr=p["lr"])
    t0 = time.perf_counter()
    with torch.no_grad():
        curve = [float(loss_of(_forward(net, weights, X), y, p["loss"]))]
    if not math.isfinite(curve[0]):
        raise LRPError("the loss of the starting network on this data is not finite (it overflows float64); "
                       "scale the data or the weights down")
    stopped = False
    epoch = 0
    for epoch in range(1, p["epochs"] + 1):
        order = torch.randperm(n, generator=gen)
        for lo in range(0, n, p["batch_size"]):
            idx = order[lo:lo + p["batch_size"]]
            opt.zero_grad(set_to_none=True)
            with torch.enable_grad():
                loss_of(_forward(net, weights, X[idx]), y[idx], p["loss"]).backward()
            opt.step()
        with torch.no_grad():
            curve.append(float(loss_of(_forward(net, weights, X), y, p["loss"])))
        if not math.isfinite(curve[-1]):
            raise LRPError(f"training diverged at epoch {epoch} (the loss is not finite); lower the learning "
                           f"rate (now {p['lr']:g})")
        if callback is not None and callback(TrainProgress(epoch, p["epochs"], curve[-1], net,
                                                            tuple(w.detach().clone() for w in weights))):
            stopped = epoch < p["epochs"]
            break
    seconds = time.perf_counter() - t0
    return TrainResult(_network(net, weights), tuple(curve), stopped, epoch, seconds, p)
