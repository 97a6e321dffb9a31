"""The network model: round trips, forward, patterns, affine maps, validation."""

from __future__ import annotations

import copy
import itertools
import json

import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.network import (
    MAX_ABS_VALUE,
    MAX_INPUTS,
    MAX_LAYERS,
    MAX_UNITS,
    Network,
    NetworkValidationError,
    from_dict,
    from_layers,
    from_sequential,
    segment_map,
)


def random_net(widths: list[int], seed: int, last: str = "relu") -> Network:
    gen = torch.Generator().manual_seed(seed)
    ws = [torch.randn(o, i, generator=gen, dtype=torch.float64) for i, o in itertools.pairwise(widths)]
    bs = [0.3 * torch.randn(o, generator=gen, dtype=torch.float64) for o in widths[1:]]
    acts = ["relu"] * (len(ws) - 1) + [last]
    return from_layers(ws, bs, acts, name=f"random-{seed}")


NETS = [([2, 4, 1], 0, "linear"), ([3, 5, 4, 2], 1, "relu"), ([5, 8, 8, 8, 3], 2, "linear")]


@pytest.fixture(params=NETS, ids=lambda p: "-".join(map(str, p[0])))
def net(request: pytest.FixtureRequest) -> Network:
    widths, seed, last = request.param
    return random_net(widths, seed, last)


def test_json_round_trip_is_exact(net: Network) -> None:
    back = from_dict(json.loads(net.to_json()))
    assert back.same_weights(net)
    for a, b in zip(net.layers, back.layers):
        assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
        assert a.activation == b.activation
    assert back.name == net.name


def test_extra_keys_survive_round_trip() -> None:
    spec = random_net([2, 3, 1], 0).to_dict()
    spec["description"] = "hello"
    spec["input_names"] = ["a", "b"]
    back = from_dict(json.loads(json.dumps(from_dict(spec).to_dict())))
    assert back.meta["description"] == "hello"
    assert back.meta["input_names"] == ["a", "b"]


def test_torch_round_trip_and_forward_match(net: Network) -> None:
    seq = net.to_sequential()
    kinds = [type(m).__name__ for m in seq]
    assert kinds.count("Linear") == len(net.layers)
    back = from_sequential(seq, name=net.name)
    assert back.same_weights(net)
    x = torch.randn(50, net.n_inputs, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    with torch.no_grad():
        ref = seq(x)
    assert torch.allclose(net(x), ref, atol=0, rtol=1e-15)


def test_from_sequential_refuses_other_modules() -> None:
    seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    with pytest.raises(LRPError, match="Tanh"):
        from_sequential(seq)
    with pytest.raises(LRPError, match="ReLU"):
        from_sequential(torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 1)))


def test_float32_forward(net: Network) -> None:
    x = torch.randn(4, net.n_inputs, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    out32 = net(x, dtype=torch.float32)
    assert out32.dtype == torch.float32
    assert torch.allclose(out32.double(), net(x), atol=1e-4)


def test_trace_has_every_layer(net: Network) -> None:
    x = torch.randn(3, net.n_inputs, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    tr = net.forward(x)
    assert len(tr.pre) == len(tr.post) == len(net.layers)
    for layer, z, a in zip(net.layers, tr.pre, tr.post):
        assert z.shape == (3, layer.n_out)
        assert torch.equal(a, torch.relu(z) if layer.is_relu else z)


def _autograd_jacobian(net: Network, x: torch.Tensor, start: int) -> torch.Tensor:
    return torch.autograd.functional.jacobian(lambda a: net.forward(a, start=start).output, x)


@pytest.mark.parametrize("start", [0, 1])
def test_affine_map_matches_autograd_and_nearby_points(net: Network, start: int) -> None:
    gen = torch.Generator().manual_seed(11)
    d = net.layers[start].n_in
    checked = 0
    for _ in range(20):
        x = torch.randn(d, generator=gen, dtype=torch.float64)
        amap = net.affine_map(x, start=start)
        # exact at the point
        assert torch.allclose(amap(x), net.forward(x, start=start).output, atol=1e-12)
        # the gradient agrees with autograd's (away from boundaries)
        assert torch.allclose(amap.weight, _autograd_jacobian(net, x, start), atol=1e-12)
        # nearby points in the same segment (same pattern) follow the same map
        pat = net.pattern_string(x, start=start)
        for _ in range(10):
            y = x + 1e-3 * torch.randn(d, generator=gen, dtype=torch.float64)
            if net.pattern_string(y, start=start) == pat:
                assert torch.allclose(amap(y), net.forward(y, start=start).output, atol=1e-12)
                checked += 1
    assert checked > 50


def test_batched_affine_map_equals_pointwise(net: Network) -> None:
    x = torch.randn(7, net.n_inputs, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    batched = net.affine_map(x)
    for i in range(7):
        single = net.affine_map(x[i])
        assert torch.allclose(batched.weight[i], single.weight, atol=1e-14)
        assert torch.allclose(batched.bias[i], single.bias, atol=1e-14)


def test_segment_map_reproduces_every_layer(net: Network) -> None:
    """Each layer's pre-activation map gives the forward pass's z at the point (one point and a batch),
    and its pattern is the network's own (z > 0)."""
    X = torch.randn(5, net.n_inputs, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    for x in (X[0], X):
        smap = segment_map(net, x)
        tr = net.forward(x)
        for m, (w, b) in enumerate(smap.pre):
            z = (torch.from_numpy(w) @ x.unsqueeze(-1)).squeeze(-1) + torch.from_numpy(b)
            assert torch.allclose(z, tr.pre[m], atol=1e-12)
        for act, pat, layer in zip(smap.active, net.pattern(x), net.layers, strict=True):
            assert (act is None) == (not layer.is_relu)
            if act is not None:
                assert torch.equal(torch.from_numpy(act), pat)


def test_pattern_marks_zero_as_inactive() -> None:
    net = from_layers([[[1.0, -1.0]], [[1.0]]], [[0.0], [0.0]], ["relu", "linear"])
    assert not bool(net.pattern([1.0, 1.0])[0][0])
    assert bool(net.pattern([2.0, 1.0])[0][0])
    assert net.pattern_string([2.0, 1.0]) == "1"
    assert net.pattern([2.0, 1.0])[1].all()  # linear layer passes everything


def test_hand_computed_forward() -> None:
    net = from_layers(
        [[[1.0, 2.0], [-1.0, 1.0]], [[3.0, -2.0]]], [[0.5, 0.0], [1.0]], ["relu", "linear"]
    )
    # z1 = (1 + 4 + 0.5, -1 + 2) = (5.5, 1); out = 3*5.5 - 2*1 + 1 = 15.5
    assert net([1.0, 2.0]).item() == 15.5
    amap = net.affine_map([1.0, 2.0])
    assert amap.weight.tolist() == [[5.0, 4.0]]  # 3*(1,2) - 2*(-1,1) = (5, 4)
    assert amap.bias.tolist() == [2.5]


def test_editing_returns_new_validated_networks() -> None:
    net = random_net([2, 3, 1], 0, "linear")
    edited = net.with_value(0, "weight", 1, 0, 4.25)
    assert edited.layers[0].weight[1, 0].item() == 4.25
    assert net.layers[0].weight[1, 0].item() != 4.25  # the original is untouched
    assert edited.with_value(1, "bias", 0, None, -1.0).layers[1].bias.item() == -1.0
    grown = net.with_unit_added(0)
    assert grown.widths == [2, 4, 1]
    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert torch.allclose(grown(x), net(x))  # a zero unit changes nothing
    assert grown.with_unit_removed(0, 3).same_weights(net)
    deeper = net.with_layer_added(0)
    assert deeper.widths == [2, 3, 3, 1]
    assert torch.allclose(deeper(x), net(x))  # identity after a ReLU layer
    assert deeper.with_layer_removed(1).widths == [2, 3, 1]
    with pytest.raises(LRPError):
        net.with_value(0, "weight", 0, 0, float("nan"))
    with pytest.raises(LRPError, match="hidden layers"):
        net.with_unit_added(1)
    with pytest.raises(LRPError, match="at least one unit"):
        random_net([2, 1, 1], 0).with_unit_removed(0, 0)


def _good() -> dict:
    return random_net([2, 3, 1], 0, "linear").to_dict()


def _mutate(path: list, value: object) -> dict:
    spec = copy.deepcopy(_good())
    target = spec
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return spec


BAD_SPECS = [
    ("not an object", [1, 2], "JSON object"),
    ("wrong format", _mutate(["format"], "other"), "'format'"),
    ("wrong version", _mutate(["version"], 2), "'version'"),
    ("bool version", _mutate(["version"], True), "'version'"),
    ("no layers", _mutate(["layers"], []), "at least one layer"),
    ("layers not list", _mutate(["layers"], {"a": 1}), "'layers' must be a list"),
    ("unknown activation", _mutate(["layers", 0, "activation"], "tanh"), "unknown activation 'tanh'"),
    ("string weight", _mutate(["layers", 0, "weight", 0, 0], "1.0"), "must be a number, not a string"),
    ("bool weight", _mutate(["layers", 0, "weight", 0, 0], True), "not a boolean"),
    ("null bias", _mutate(["layers", 0, "bias", 0], None), "not null"),
    ("nan", _mutate(["layers", 0, "bias", 0], float("nan")), "finite"),
    ("inf", _mutate(["layers", 0, "bias", 0], float("inf")), "finite"),
    ("huge", _mutate(["layers", 0, "bias", 0], 1e300), "larger in magnitude"),
    ("empty layer", _mutate(["layers", 0, "weight"], []), "empty"),
    ("ragged rows", _mutate(["layers", 0, "weight", 1], [1.0]), "different lengths"),
    ("bias length", _mutate(["layers", 0, "bias"], [0.0]), "bias has 1 entries"),
    ("shapes don't chain", _mutate(["layers", 1, "weight"], [[1.0, 2.0]]), "don't chain"),
    ("name type", _mutate(["name"], 5), "'name' must be a string"),
    ("too many layers", _mutate(["layers"], [_good()["layers"][0]] * (MAX_LAYERS + 1)), "cap"),
    ("too many units", _mutate(["layers", 0, "weight"], [[0.0, 0.0]] * (MAX_UNITS + 1)), "cap"),
    ("too many inputs", _mutate(["layers", 0, "weight"], [[0.0] * (MAX_INPUTS + 1)] * 3), "cap"),
]


@pytest.mark.parametrize(("spec", "match"), [(s, m) for _, s, m in BAD_SPECS], ids=[i for i, _, _ in BAD_SPECS])
def test_each_validation_error_is_named(spec: object, match: str) -> None:
    with pytest.raises(NetworkValidationError) as info:
        from_dict(spec)
    assert match in str(info.value)
    assert "\n" not in str(info.value)


def test_every_problem_is_listed() -> None:
    spec = _mutate(["layers", 0, "weight", 0, 0], "x")
    spec["layers"][0]["bias"][1] = None
    with pytest.raises(NetworkValidationError) as info:
        from_dict(spec)
    assert len(info.value.problems) == 2


def test_cap_edge_values_are_accepted() -> None:
    net = from_dict(_mutate(["layers", 0, "bias", 0], MAX_ABS_VALUE))
    assert net.layers[0].bias[0].item() == MAX_ABS_VALUE


def test_forward_checks_input_width() -> None:
    with pytest.raises(LRPError, match="expects 2"):
        random_net([2, 3, 1], 0)([1.0, 2.0, 3.0])


def test_the_package_keeps_every_public_name_of_the_old_module() -> None:
    """lrp_core.network became a package (model, schema, torch_interop, edit); the names importers use stay."""
    import lrp_core.network as network
    from lrp_core.network import edit, model, schema, torch_interop

    names = ["ACTIVATIONS", "FORMAT", "MAX_ABS_VALUE", "MAX_INPUTS", "MAX_LAYERS", "MAX_NAME_LENGTH", "MAX_UNITS",
             "VERSION", "AffineMap", "Layer", "Network", "NetworkValidationError", "Trace", "from_dict", "from_layers",
             "from_sequential", "type_name"]
    for name in names:
        assert hasattr(network, name), name
    assert network.Network is model.Network and network.from_dict is schema.from_dict
    assert network.from_sequential is torch_interop.from_sequential
    net = from_layers([[[1.0, 2.0]], [[3.0]]], [[0.5], [0.0]], ["relu", "linear"])
    assert net.with_unit_added(0).same_weights(edit.with_unit_added(net, 0))
    assert net.to_dict() == schema.to_dict(net)


def test_segment_map_of_a_batch_is_batched_even_for_one_linear_layer() -> None:
    net = from_layers([[[1.0, -2.0], [0.5, 3.0]]], [[0.25, -1.0]], ["linear"])
    X = torch.tensor([[1.0, 2.0], [-3.0, 0.5], [0.0, 0.0]], dtype=torch.float64)
    amap = net.affine_map(X)
    assert amap.weight.shape == (3, 2, 2) and amap.bias.shape == (3, 2)
    torch.testing.assert_close(amap(X), net(X), rtol=0, atol=0)
    with pytest.raises(LRPError, match="one point, not a batch"):
        _ = segment_map(net, X).segment
