"""Named example networks (the names are a contract) and their data sets.

- ``ancona-max``: the pruning paper's Fig. 1 network (Ancona et al. 2020),
  2 inputs, 4 ReLU hidden units, 1 linear output; it computes max(x1, x2)
  exactly for non-negative inputs. Unit 4 (index 3) has output weight 0.
- ``dtd-mlp``: the DTD study's network (Sixt & Landgraf 2022), 10-10-10-10-10-2,
  every layer Linear+ReLU, shipped as ``data/dtd-mlp.json``; its default input
  is the study's reference input (``data/dtd-mlp-input.json``).
- ``plane-2-8-8-1``: seeded random 2-8-8-1 network with many regions in [-3, 3]².
- ``xor-2-4-1``: |x1 - x2| - |x1 + x2|, positive exactly where x1·x2 < 0.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from lrp_core.errors import LRPError
from lrp_core.registry import Registry

if TYPE_CHECKING:  # torch is imported where it is used: listing the presets stays light (fast CLI)
    import torch

    from lrp_core.network import Network

    Dataset = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class Preset:
    """A named network with its default input and (optionally) its data set."""

    name: str
    description: str
    build: Callable[[], Network]
    default_input: tuple[float, ...]
    make_dataset: Callable[[int, int], Dataset] | None = None
    cite: str = ""

    def network(self) -> Network:
        """The preset's network, built once per process (a :class:`Network` is never mutated, so
        every caller may share it; the pages compare the current network with every preset on
        every run)."""
        return _built(self.build)

    def dataset(self, n: int = 100, seed: int = 0) -> Dataset:
        """``(X, y)`` in float64; X is (n, n_inputs), y is (n, n_outputs)."""
        if self.make_dataset is None:
            return default_dataset(self.network(), n, seed)
        return self.make_dataset(n, seed)


@functools.cache
def _built(build: Callable[[], Network]) -> Network:
    return build()


#: each entry's ``widths`` (units per level, inputs first) let the presets be
#: listed without building a network (a test checks them against the networks)
PRESETS: Registry[Callable[[], Preset]] = Registry("preset")

ANCONA = "Ancona et al. 2020, Shapley Value as Principled Metric for Structured Network Pruning, Fig. 1"
SIXT = "Sixt & Landgraf 2022, A Rigorous Study of the Deep Taylor Decomposition"

MAX_DATASET_SIZE = 100_000


def _check_size(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_DATASET_SIZE:
        raise LRPError(f"data size must be a whole number from 1 to {MAX_DATASET_SIZE:,}, not {n!r}")


def default_dataset(net: Network, n: int = 100, seed: int = 0) -> Dataset:
    """Standard-normal inputs (seeded generator) labelled by the network itself."""
    import torch

    _check_size(n)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, net.n_inputs, generator=gen, dtype=torch.float64)
    return x, net(x)


def ancona_max_dataset(n: int = 100, seed: int = 0) -> Dataset:
    """x uniform on [0, 10]², y = max(x1, x2) (the pruning paper's toy task)."""
    import torch

    _check_size(n)
    gen = torch.Generator().manual_seed(seed)
    x = 10.0 * torch.rand(n, 2, generator=gen, dtype=torch.float64)
    return x, x.max(dim=1, keepdim=True).values


def ancona_max_network() -> Network:
    import torch

    from lrp_core.network import from_layers

    # The paper writes the hidden weights inputs × units; the format is out × in.
    hidden_in_by_unit = [[-0.25, 1.0, 1.0, 1.0], [0.25, -1.0, 1.0, 1.0]]
    w1 = torch.tensor(hidden_in_by_unit, dtype=torch.float64).T
    return from_layers(
        [w1, [[2.0, 0.5, 0.5, 0.0]]],
        [[0.0] * 4, [0.0]],
        ["relu", "linear"],
        name="ancona-max",
        description="Ancona et al. 2020 Fig. 1: computes max(x1, x2) exactly; unit 4 has output weight 0",
        input_names=["x1", "x2"],
        output_names=["max(x1, x2)"],
    )


def _read_data(name: str) -> Any:
    return json.loads(resources.files("lrp_core.data").joinpath(name).read_text("utf-8"))


def dtd_mlp_network() -> Network:
    from lrp_core.network import from_dict

    return from_dict(_read_data("dtd-mlp.json"))


def dtd_mlp_input() -> tuple[float, ...]:
    return tuple(float(v) for v in _read_data("dtd-mlp-input.json")["x"])


def dtd_mlp_reference_output() -> tuple[float, ...]:
    return tuple(float(v) for v in _read_data("dtd-mlp-input.json")["f_x"])


def plane_network(seed: int = 3) -> Network:
    """A seeded random 2-8-8-1 ReLU network; weights scaled so that several
    linear regions fall inside [-3, 3]² (biases drawn on the same scale as
    the inputs' spread)."""
    import torch

    from lrp_core.network import from_layers

    gen = torch.Generator().manual_seed(seed)
    widths = [2, 8, 8, 1]
    weights, biases = [], []
    for n_in, n_out in itertools.pairwise(widths):
        weights.append(torch.randn(n_out, n_in, generator=gen, dtype=torch.float64) / n_in**0.5)
        biases.append(0.8 * torch.randn(n_out, generator=gen, dtype=torch.float64))
    return from_layers(
        weights,
        biases,
        ["relu", "relu", "linear"],
        name="plane-2-8-8-1",
        description="seeded random 2-8-8-1 ReLU network with many linear regions in [-3, 3]²",
        input_names=["x1", "x2"],
    )


def xor_network() -> Network:
    from lrp_core.network import from_layers

    return from_layers(
        [[[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]], [[-1.0, -1.0, 1.0, 1.0]]],
        [[0.0] * 4, [0.0]],
        ["relu", "linear"],
        name="xor-2-4-1",
        description="|x1 - x2| - |x1 + x2|: positive exactly where x1 and x2 differ in sign",
        input_names=["x1", "x2"],
    )


@PRESETS.register("ancona-max", label="Ancona max(x1, x2)", cite=ANCONA, widths=(2, 4, 1))
def _ancona() -> Preset:
    return Preset(
        "ancona-max",
        "2-4-1 network computing max(x1, x2); unit 4 is useless (output weight 0)",
        ancona_max_network,
        (3.0, 7.0),
        ancona_max_dataset,
        ANCONA,
    )


@PRESETS.register("dtd-mlp", label="DTD study MLP", cite=SIXT, widths=(10, 10, 10, 10, 10, 2))
def _dtd() -> Preset:
    return Preset(
        "dtd-mlp",
        "the DTD study's 10-10-10-10-10-2 ReLU network and its reference input",
        dtd_mlp_network,
        dtd_mlp_input(),
        None,
        SIXT,
    )


@PRESETS.register("plane-2-8-8-1", label="Random plane 2-8-8-1", widths=(2, 8, 8, 1))
def _plane() -> Preset:
    return Preset(
        "plane-2-8-8-1",
        "seeded random 2-8-8-1 network with many linear regions in [-3, 3]²",
        plane_network,
        (-1.0, -1.0),  # f(x) > 0; the exact root lies in x's segment, the z+ rule's outside it
    )


@PRESETS.register("xor-2-4-1", label="XOR 2-4-1", widths=(2, 4, 1))
def _xor() -> Preset:
    return Preset(
        "xor-2-4-1",
        "2-4-1 network positive exactly where x1 and x2 differ in sign",
        xor_network,
        (1.0, -1.5),
    )


def get_preset(name: str) -> Preset:
    return PRESETS.get(name).func()


def preset_names() -> list[str]:
    return PRESETS.names()


def matching_preset(net: Network) -> str | None:
    """The name of the preset whose weights equal ``net``'s, if any."""
    for entry in PRESETS:
        if entry.func().network().same_weights(net):
            return entry.name
    return None


def default_input(net: Network) -> tuple[float, ...]:
    """The matching preset's default input, else 0.5 for every input."""
    name = matching_preset(net)
    if name is not None:
        return get_preset(name).default_input
    return tuple(0.5 for _ in range(net.n_inputs))
