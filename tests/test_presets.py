"""Presets: names, the paper's networks, data sets."""

from __future__ import annotations

import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.presets import (
    PRESETS,
    ancona_max_dataset,
    default_input,
    get_preset,
    matching_preset,
    preset_names,
)
from tests.conftest import reference_file


def test_preset_names_are_the_contract() -> None:
    assert {"ancona-max", "dtd-mlp", "plane-2-8-8-1", "xor-2-4-1"} <= set(preset_names())


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_builds_and_has_a_default_input(name: str) -> None:
    p = get_preset(name)
    net = p.network()
    assert net.name == name
    assert len(p.default_input) == net.n_inputs
    assert matching_preset(net) == name
    assert default_input(net) == p.default_input
    x, y = p.dataset(20, 1)
    assert x.shape == (20, net.n_inputs) and y.shape == (20, net.n_outputs)
    assert x.dtype == torch.float64


def test_ancona_max_computes_max_exactly() -> None:
    net = get_preset("ancona-max").network()
    assert net.widths == [2, 4, 1]
    # the paper's hidden weights, written inputs x units
    assert net.layers[0].weight.T.tolist() == [[-0.25, 1, 1, 1], [0.25, -1, 1, 1]]
    assert net.layers[1].weight.tolist() == [[2, 0.5, 0.5, 0]]
    gen = torch.Generator().manual_seed(123)
    x = 10 * torch.rand(10_000, 2, generator=gen, dtype=torch.float64)
    err = (net(x)[:, 0] - x.max(dim=1).values).abs().max().item()
    assert err <= 1e-12


def test_ancona_dataset_is_seeded_and_labelled() -> None:
    x, y = ancona_max_dataset(100, 0)
    x2, _ = ancona_max_dataset(100, 0)
    x3, _ = ancona_max_dataset(100, 1)
    assert torch.equal(x, x2) and not torch.equal(x, x3)
    assert x.min() >= 0 and x.max() <= 10
    assert torch.equal(y[:, 0], x.max(dim=1).values)
    with pytest.raises(LRPError):
        ancona_max_dataset(0, 0)


def test_dtd_mlp_matches_the_reference_exactly() -> None:
    ref = reference_file("dtd-mlp.json")
    net = get_preset("dtd-mlp").network()
    assert net.widths == [10, 10, 10, 10, 10, 2]
    assert net.n_params == 462
    for layer, spec in zip(net.layers, ref["layers"]):
        assert layer.weight.tolist() == spec["weight"]
        assert layer.bias.tolist() == spec["bias"]
        assert layer.activation == "relu"
    assert (net.layers[0].bias <= 0).all()


def test_dtd_mlp_output_at_reference_input() -> None:
    ref = reference_file("dtd-mlp-input.json")
    p = get_preset("dtd-mlp")
    assert list(p.default_input) == ref["x"]
    out = p.network()(torch.tensor(ref["x"]), dtype=torch.float32)
    assert torch.allclose(out.double(), torch.tensor(ref["f_x"], dtype=torch.float64), atol=1e-5)


def test_plane_presets_have_several_regions() -> None:
    for name in ("plane-2-8-8-1", "xor-2-4-1"):
        net = get_preset(name).network()
        g = torch.linspace(-3, 3, 61, dtype=torch.float64)
        pts = torch.cartesian_prod(g, g)
        patterns = {net.pattern_string(p) for p in pts}
        assert len(patterns) >= 4, name


def test_xor_sign() -> None:
    net = get_preset("xor-2-4-1").network()
    assert net([1.0, -2.0]).item() > 0
    assert net([1.0, 2.0]).item() < 0
    assert net([-1.0, -2.0]).item() < 0


def test_registry_iterates_entries_with_labels() -> None:
    assert all(e.label for e in PRESETS)
