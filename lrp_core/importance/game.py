"""The pruning game of one hidden layer: ``v(S) = L(units in S zeroed) − L(nothing zeroed)``.

The loss ``L`` is the mean over samples *and* outputs of the squared error
(``mse``) or of the absolute error (``l1``). :class:`Game` evaluates ``L``
for any batch of coalitions; :func:`make_game` validates the inputs and
precomputes the layer's activations (Ancona et al. 2020, Sec. 3).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from lrp_core.errors import LRPError
from lrp_core.importance.scores import DTYPE, OVERFLOW
from lrp_core.network import Network

Tensor = torch.Tensor
Progress = Callable[[float], None]

LOSSES = ("mse", "l1")
#: Elements (coalitions × samples × widest tail layer) evaluated per chunk.
CHUNK_ELEMENTS = 1 << 22


def check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise LRPError(f"unknown loss {loss!r}; choose one of: {', '.join(LOSSES)}")
    return loss


def check_data(net: Network, X: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """``X`` as (N, n_inputs) and ``y`` as (N, n_outputs) float64, finite, N ≥ 1."""
    X = torch.as_tensor(X, dtype=DTYPE)
    y = torch.as_tensor(y, dtype=DTYPE)
    if y.ndim == 1:
        y = y.unsqueeze(1)
    if X.ndim != 2 or X.shape[1] != net.n_inputs:
        raise LRPError(f"the inputs must be a table with {net.n_inputs} columns, got shape {tuple(X.shape)}")
    if y.ndim != 2 or y.shape[1] != net.n_outputs:
        raise LRPError(f"the targets must have {net.n_outputs} column(s), got shape {tuple(y.shape)}")
    if X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise LRPError(f"need the same positive number of inputs and targets, got {X.shape[0]} and {y.shape[0]}")
    if not (torch.isfinite(X).all() and torch.isfinite(y).all()):
        raise LRPError("the data contain non-finite numbers")
    return X, y


def check_layer(net: Network, layer: int) -> int:
    if net.n_hidden_layers == 0:
        raise LRPError("this network has no hidden layer, so there are no units to score")
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < net.n_hidden_layers:
        raise LRPError(f"hidden layers are 0..{net.n_hidden_layers - 1}, not {layer!r}")
    return layer


def loss_rows(pred_minus_y: Tensor, loss: str) -> Tensor:
    """Mean loss over everything but the first (coalition) dimension."""
    r = pred_minus_y.reshape(pred_minus_y.shape[0], -1)
    if loss == "mse":
        return (r * r).mean(dim=1)
    return r.abs().mean(dim=1)


def loss_value(pred: Tensor, y: Tensor, loss: str) -> Tensor:
    """``L`` of one prediction: mean over samples and outputs (a 0-d tensor)."""
    check_loss(loss)
    return loss_rows((pred - y).unsqueeze(0), loss)[0]


def feeds_linear_output(net: Network, layer: int) -> bool:
    """True when hidden layer ``layer`` is the last one and the output layer is linear."""
    return layer + 2 == len(net.layers) and not net.layers[-1].is_relu


@dataclass(frozen=True, eq=False)
class Game:
    """The pruning game of hidden layer ``layer`` on ``(X, y)``.

    ``H`` (N × n) are the layer's activations. :meth:`losses` evaluates
    ``L`` with any batch of units zeroed. When the layer is followed by one
    more layer only (the output layer), the output is
    ``act(Σ_i keep_i H_si W_oi + b_o)``, so every coalition-by-sample value is
    one matrix product ``keep (C × n+1) @ M (n+1 × N·O)`` with
    ``M_i,(s,o) = H_si W_oi`` and a last row of biases (minus targets when
    the output is linear); otherwise the tail runs batched over coalitions.
    """

    net: Network
    layer: int
    H: Tensor
    y: Tensor
    loss: str
    M: Tensor | None

    @property
    def n_units(self) -> int:
        return int(self.H.shape[1])

    @property
    def n_samples(self) -> int:
        return int(self.H.shape[0])

    def losses(self, zeroed: Tensor, progress: Progress | None = None) -> Tensor:
        """``L`` with the units marked True in each row of ``zeroed`` (C × n) set to 0."""
        zeroed = zeroed.to(torch.bool)
        total = zeroed.shape[0]
        out = torch.empty(total, dtype=DTYPE)
        step = self._chunk_rows()
        for lo in range(0, total, step):
            hi = min(total, lo + step)
            out[lo:hi] = self._losses_chunk(zeroed[lo:hi])
            if progress is not None:
                progress(hi / total)
        return out

    def coalition_losses(self, codes: Tensor, progress: Progress | None = None) -> Tensor:
        """``L`` for coalitions given as bit codes (bit i set = unit i zeroed),
        building each chunk's masks from bit arithmetic."""
        total = codes.shape[0]
        out = torch.empty(total, dtype=DTYPE)
        bits = torch.arange(self.n_units, dtype=torch.int64)
        step = self._chunk_rows()
        for lo in range(0, total, step):
            hi = min(total, lo + step)
            zeroed = ((codes[lo:hi, None] >> bits) & 1).to(torch.bool)
            out[lo:hi] = self._losses_chunk(zeroed)
            if progress is not None:
                progress(hi / total)
        return out

    def all_coalition_losses(self, progress: Progress | None = None) -> Tensor:
        """``L`` for all ``2^n`` coalitions, indexed by code (bit i = unit i zeroed).

        With a single output layer after this one, the units split into two
        halves A (low bits) and B (high bits) and the output residual of a
        coalition is the sum of one row of ``R_A = keep_A @ M_A`` and one of
        ``R_B = keep_B @ M_B + c``. For L1 with a linear output the loss is
        the L1 distance between rows of ``R_B`` and ``−R_A``
        (``torch.cdist``); otherwise the residuals are formed by broadcast
        addition in chunks. Deeper tails run the batched forward pass over
        coalitions."""
        n = self.n_units
        if self.M is None:
            return self.coalition_losses(torch.arange(1 << n, dtype=torch.int64), progress)
        n_a = n // 2
        width = self.M.shape[1]
        cols_step = max(1, CHUNK_ELEMENTS // (1 << max(n_a, n - n_a)))
        acc = torch.zeros(1 << (n - n_a), 1 << n_a, dtype=DTYPE)
        for lo in range(0, width, cols_step):
            cols = slice(lo, min(width, lo + cols_step))
            r_a = self._half(0, n_a, cols, with_const=False)
            r_b = self._half(n_a, n, cols, with_const=True)
            if not self.net.layers[-1].is_relu and self.loss == "l1":
                # Σ_s |r_b + r_a| is the L1 distance between r_b and −r_a.
                acc += torch.cdist(r_b.unsqueeze(0), (-r_a).unsqueeze(0), p=1.0)[0]
            else:
                self._add_broadcast(acc, r_a, r_b, cols)
            if progress is not None:
                progress(cols.stop / width)
        return acc.reshape(-1) / width

    def _add_broadcast(self, acc: Tensor, r_a: Tensor, r_b: Tensor, cols: slice) -> None:
        """``acc[b, a] += Σ_cols loss(r_b[b] + r_a[a])`` in row chunks (ReLU output: minus targets)."""
        rows_step = max(1, CHUNK_ELEMENTS // (r_a.numel() or 1) // 4)
        y_cols = self.y.reshape(-1)[cols]
        for b0 in range(0, r_b.shape[0], rows_step):
            b1 = min(r_b.shape[0], b0 + rows_step)
            z = r_b[b0:b1].unsqueeze(1) + r_a.unsqueeze(0)
            if self.net.layers[-1].is_relu:
                z = torch.relu(z) - y_cols
            acc[b0:b1] += (z * z).sum(dim=2) if self.loss == "mse" else z.abs().sum(dim=2)

    def _half(self, lo: int, hi: int, cols: slice, *, with_const: bool) -> Tensor:
        """``keep @ M[lo:hi, cols]`` for all ``2^(hi−lo)`` keep patterns of units
        lo..hi−1 (pattern code c: bit j set = unit lo+j zeroed), plus the
        constant row (bias, minus targets for a linear output) if asked."""
        assert self.M is not None
        k = hi - lo
        codes = torch.arange(1 << k, dtype=torch.int64)
        keep = (((codes.unsqueeze(1) >> torch.arange(k)) & 1) == 0).to(DTYPE)
        r = keep @ self.M[lo:hi, cols]
        if with_const:
            r = r + self.M[self.n_units, cols]
        return r

    def _chunk_rows(self) -> int:
        if self.M is not None:
            width = self.M.shape[1]
        else:
            width = self.n_samples * max(layer.n_out for layer in self.net.layers[self.layer + 1 :])
        return max(1, CHUNK_ELEMENTS // max(1, width))

    def _losses_chunk(self, zeroed: Tensor) -> Tensor:
        keep = (~zeroed).to(DTYPE)
        if self.M is not None:
            ones = torch.ones(keep.shape[0], 1, dtype=DTYPE)
            z = torch.cat([keep, ones], dim=1) @ self.M
            if self.net.layers[-1].is_relu:
                z = torch.relu(z) - self.y.reshape(1, -1)
            return loss_rows(z, self.loss)
        h = self.H.unsqueeze(0) * keep.unsqueeze(1)
        pred = self.net.forward(h, start=self.layer + 1).output
        return loss_rows(pred - self.y.unsqueeze(0), self.loss)


def make_game(net: Network, X: Tensor, y: Tensor, *, layer: int = 0, loss: str = "mse",
              need_loss: bool = True) -> Game:
    """Validate the inputs, then :func:`build_game`."""
    check_loss(loss)
    check_layer(net, layer)
    X, y = check_data(net, X, y)
    return build_game(net, X, y, layer=layer, loss=loss, need_loss=need_loss)


def build_game(net: Network, X: Tensor, y: Tensor, *, layer: int, loss: str, need_loss: bool = True) -> Game:
    """The game of already validated inputs: the layer's activations (and ``M``) precomputed.

    Weights within the network's caps can still overflow float64 through depth
    (8 layers of 1e32 give outputs near 1e256, whose square is inf), and then
    every loss-based score would be NaN. So the activations and, unless
    ``need_loss`` is False (APoZ only counts zeros), the unpruned loss must be
    finite, else :class:`LRPError` (:data:`OVERFLOW`)."""
    H = net.forward(X, stop=layer + 1).output
    if not bool(torch.isfinite(H).all()):
        raise LRPError(f"the activations of hidden layer {layer} are not finite: {OVERFLOW}")
    if need_loss:
        pred = net.forward(H, start=layer + 1).output
        if not (bool(torch.isfinite(pred).all()) and math.isfinite(float(loss_value(pred, y, loss)))):
            hint = " (or try the L1 loss)" if loss == "mse" else ""
            raise LRPError(f"the {loss.upper()} loss of the full network is not finite: {OVERFLOW}{hint}")
    M: Tensor | None = None
    if layer + 2 == len(net.layers):
        out_layer = net.layers[-1]
        W = out_layer.weight.to(DTYPE)  # (O, n)
        n_s, n_o = y.shape
        rows = (H.unsqueeze(2) * W.T.unsqueeze(0)).permute(1, 0, 2).reshape(H.shape[1], n_s * n_o)
        last = out_layer.bias.to(DTYPE).expand(n_s, n_o)
        if not out_layer.is_relu:
            last = last - y
        M = torch.cat([rows, last.reshape(1, n_s * n_o)], dim=0).contiguous()
    return Game(net, layer, H, y, loss, M)
