"""Issue 14: an input that requires grad (a notebook user's tensor) goes through the core functions
directly, not only through lrp_core.explain, and comes back untouched."""

from __future__ import annotations

import torch

from lrp_core.decompose import FinderSpec, decompose
from lrp_core.presets import get_preset
from lrp_core.roots import FINDERS, explain_layer, explain_output


def test_decompose_and_every_finder_take_a_tensor_that_requires_grad() -> None:
    preset = get_preset("dtd-mlp")
    net = preset.network()
    x = torch.tensor(preset.default_input, dtype=torch.float32, requires_grad=True)
    plain = torch.tensor(preset.default_input, dtype=torch.float64)
    dec = decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact"))
    ref = decompose(net, plain, 0, mode="full", spec=FinderSpec.of("exact"))
    assert torch.equal(dec.input_relevance, ref.input_relevance)
    for name in FINDERS.names():
        gen = torch.Generator().manual_seed(0)
        params = {"n_chains": 2, "n_steps": 5, "n_warmup": 5} if name == "mcmc" else {}
        res = FINDERS.get(name).func(explain_output(net, x, 0, 0), generator=gen, **params)
        assert len(res.roots) == 1
    assert explain_layer(net, x, 0, 1).point.requires_grad is False
    assert x.grad is None and x.requires_grad and x.dtype == torch.float32  # the caller's tensor is untouched
