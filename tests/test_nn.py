"""nn: the layer contract for every layer and loss, Module registration, state_dict, hooks and grads."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import glassnet
from contract import check_layer_contract
from glassnet import functional as F
from glassnet import nn
from glassnet.nn.inference import eval_mode


# ----------------------------------------------------------------------------- input makers
def probabilities_and_targets(shape):
    """BCE inputs: probabilities in (0.05, 0.95) and soft targets in [0, 1]."""

    def make(rng, dtype):
        return rng.uniform(0.05, 0.95, shape).astype(dtype), rng.uniform(0, 1, shape).astype(dtype)

    return make


def logits_and_targets(shape):
    def make(rng, dtype):
        return (3 * rng.standard_normal(shape)).astype(dtype), rng.integers(0, 2, shape).astype(dtype)

    return make


def scores_and_classes(shape, ignore_index=None):
    """(N, C, ...) scores and integer classes of shape (N, ...); a few set to ``ignore_index``."""

    def make(rng, dtype):
        target = rng.integers(0, shape[1], (shape[0], *shape[2:]))
        if ignore_index is not None:
            target.flat[::3] = ignore_index
        return rng.standard_normal(shape).astype(dtype), target

    return make


def scores_and_probabilities(shape):
    def make(rng, dtype):
        q = rng.uniform(0, 1, shape)
        return rng.standard_normal(shape).astype(dtype), (q / q.sum(axis=1, keepdims=True)).astype(dtype)

    return make


def wide_normal(shape, scale=4.0):
    """Inputs spread over [-3 scale, 3 scale], so thresholds and saturation are crossed."""

    def make(rng, dtype):
        return ((scale * rng.standard_normal(shape)).astype(dtype),)

    return make


def two_normals(shape):
    def make(rng, dtype):
        return rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)

    return make


class_weight = np.array([0.5, 2.0, 1.0, 3.0], np.float32)
bce_weight = np.array([1.0, 0.5, 2.0], np.float32)

# ----------------------------------------------------------------------------- the layer table
# (id, make_layer(rng), input_shape, output_shape, param names, torch factory, extra keyword arguments)
LAYERS = [
    ("linear", lambda rng: nn.Linear(3, 4, rng=rng), (5, 3), (5, 4), ["weight", "bias"],
     lambda: torch.nn.Linear(3, 4), {}),
    ("linear_no_bias", lambda rng: nn.Linear(3, 4, bias=False, rng=rng), (5, 3), (5, 4), ["weight"],
     lambda: torch.nn.Linear(3, 4, bias=False), {}),
    ("linear_3d_input", lambda rng: nn.Linear(3, 4, rng=rng), (2, 5, 3), (2, 5, 4), ["weight", "bias"],
     lambda: torch.nn.Linear(3, 4), {}),
    ("identity", lambda rng: nn.Identity(), (4, 3), (4, 3), [], lambda: torch.nn.Identity(), {}),
    ("flatten", lambda rng: nn.Flatten(), (2, 3, 4, 5), (2, 60), [], lambda: torch.nn.Flatten(), {}),
    ("flatten_middle", lambda rng: nn.Flatten(1, 2), (2, 3, 4, 5), (2, 12, 5), [],
     lambda: torch.nn.Flatten(1, 2), {}),
    ("relu", lambda rng: nn.ReLU(), (4, 5), (4, 5), [], lambda: torch.nn.ReLU(), {}),
    ("leaky_relu", lambda rng: nn.LeakyReLU(0.2), (4, 5), (4, 5), [], lambda: torch.nn.LeakyReLU(0.2), {}),
    ("leaky_relu_default", lambda rng: nn.LeakyReLU(), (4, 5), (4, 5), [], lambda: torch.nn.LeakyReLU(), {}),
    ("sigmoid", lambda rng: nn.Sigmoid(), (4, 5), (4, 5), [], lambda: torch.nn.Sigmoid(),
     {"make_inputs": wide_normal((4, 5))}),
    ("tanh", lambda rng: nn.Tanh(), (4, 5), (4, 5), [], lambda: torch.nn.Tanh(), {"make_inputs": wide_normal((4, 5))}),
    ("elu", lambda rng: nn.ELU(0.7), (4, 5), (4, 5), [], lambda: torch.nn.ELU(0.7), {}),
    ("softplus", lambda rng: nn.Softplus(), (4, 5), (4, 5), [], lambda: torch.nn.Softplus(),
     {"make_inputs": wide_normal((4, 5), scale=10.0)}),
    ("softplus_beta_threshold", lambda rng: nn.Softplus(beta=2.0, threshold=5.0), (4, 5), (4, 5), [],
     lambda: torch.nn.Softplus(beta=2.0, threshold=5.0), {"make_inputs": wide_normal((4, 5), scale=2.0)}),
    ("softmax", lambda rng: nn.Softmax(dim=1), (4, 5), (4, 5), [], lambda: torch.nn.Softmax(dim=1), {}),
    ("softmax_dim0_3d", lambda rng: nn.Softmax(dim=0), (3, 4, 2), (3, 4, 2), [], lambda: torch.nn.Softmax(dim=0),
     {}),
    ("log_softmax", lambda rng: nn.LogSoftmax(dim=1), (4, 5), (4, 5), [], lambda: torch.nn.LogSoftmax(dim=1),
     {"make_inputs": wide_normal((4, 5), scale=10.0)}),
    ("log_softmax_last", lambda rng: nn.LogSoftmax(dim=-1), (2, 3, 4), (2, 3, 4), [],
     lambda: torch.nn.LogSoftmax(dim=-1), {}),
    ("sequential",
     lambda rng: nn.Sequential(nn.Linear(3, 4, rng=rng), nn.ReLU(), nn.Linear(4, 2, rng=rng)),
     (5, 3), (5, 2), ["0.weight", "0.bias", "2.weight", "2.bias"],
     lambda: torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)), {}),
    ("sequential_named",
     lambda rng: nn.Sequential(OrderedDict(fc=nn.Linear(3, 4, rng=rng), act=nn.Tanh(),
                                           out=nn.Linear(4, 2, bias=False, rng=rng))),
     (5, 3), (5, 2), ["fc.weight", "fc.bias", "out.weight"],
     lambda: torch.nn.Sequential(OrderedDict(fc=torch.nn.Linear(3, 4), act=torch.nn.Tanh(),
                                             out=torch.nn.Linear(4, 2, bias=False))), {}),
    ("sequential_nested",
     lambda rng: nn.Sequential(nn.Sequential(nn.Linear(3, 4, rng=rng), nn.ELU()), nn.Flatten(),
                               nn.Linear(4, 2, rng=rng)),
     (5, 3), (5, 2), ["0.0.weight", "0.0.bias", "2.weight", "2.bias"],
     lambda: torch.nn.Sequential(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ELU()), torch.nn.Flatten(),
                                 torch.nn.Linear(4, 2)), {}),
    ("module_list",
     lambda rng: nn.ModuleList([nn.Linear(3, 4, rng=rng), nn.Linear(4, 2, rng=rng)]),
     (5, 3), (5, 2), ["0.weight", "0.bias", "1.weight", "1.bias"],
     lambda: torch.nn.ModuleList([torch.nn.Linear(3, 4), torch.nn.Linear(4, 2)]),
     {"call": lambda layers, x: layers[1](layers[0](x).tanh())}),
    ("upsample", lambda rng: nn.Upsample(scale_factor=2), (2, 3, 4, 5), (2, 3, 8, 10), [],
     lambda: torch.nn.Upsample(scale_factor=2), {}),
    ("upsample_factors_3d", lambda rng: nn.Upsample(scale_factor=(1, 2, 3)), (1, 2, 2, 3, 2), (1, 2, 2, 6, 6), [],
     lambda: torch.nn.Upsample(scale_factor=(1, 2, 3)), {}),
    ("upsample_size_1d", lambda rng: nn.Upsample(size=9), (2, 3, 3), (2, 3, 9), [],
     lambda: torch.nn.Upsample(size=9), {}),
    ("gaussian_noise", lambda rng: nn.GaussianNoise(0.5, rng=rng), (6, 7), (6, 7), [], None, {"random_forward": True}),
    ("masking_noise", lambda rng: nn.MaskingNoise(0.3, rng=rng), (6, 7), (6, 7), [], None, {"random_forward": True}),
]  # fmt: skip

# Loss modules: (id, glassnet module, functional form, torch module, output shape, input maker, buffers)
LOSSES = [
    ("mse", lambda: nn.MSELoss(), lambda x, y: F.mse_loss(x, y), lambda: torch.nn.MSELoss(), (),
     two_normals((4, 3)), []),
    ("mse_sum", lambda: nn.MSELoss(reduction="sum"), lambda x, y: F.mse_loss(x, y, reduction="sum"),
     lambda: torch.nn.MSELoss(reduction="sum"), (), two_normals((4, 3)), []),
    ("mse_none", lambda: nn.MSELoss(reduction="none"), lambda x, y: F.mse_loss(x, y, reduction="none"),
     lambda: torch.nn.MSELoss(reduction="none"), (4, 3), two_normals((4, 3)), []),
    ("l1", lambda: nn.L1Loss(), lambda x, y: F.l1_loss(x, y), lambda: torch.nn.L1Loss(), (),
     two_normals((4, 3)), []),
    ("l1_none", lambda: nn.L1Loss(reduction="none"), lambda x, y: F.l1_loss(x, y, reduction="none"),
     lambda: torch.nn.L1Loss(reduction="none"), (4, 3), two_normals((4, 3)), []),
    ("huber", lambda: nn.HuberLoss(), lambda x, y: F.huber_loss(x, y), lambda: torch.nn.HuberLoss(), (),
     two_normals((6, 3)), []),
    ("huber_delta_sum", lambda: nn.HuberLoss(reduction="sum", delta=0.5), lambda x, y: F.huber_loss(x, y, "sum", 0.5),
     lambda: torch.nn.HuberLoss(reduction="sum", delta=0.5), (), two_normals((6, 3)), []),
    ("bce", lambda: nn.BCELoss(), lambda x, y: F.binary_cross_entropy(x, y), lambda: torch.nn.BCELoss(), (),
     probabilities_and_targets((4, 3)), []),
    ("bce_weight_none", lambda: nn.BCELoss(weight=bce_weight, reduction="none"),
     lambda x, y: F.binary_cross_entropy(x, y, bce_weight, reduction="none"),
     lambda: torch.nn.BCELoss(weight=torch.from_numpy(bce_weight), reduction="none"), (4, 3),
     probabilities_and_targets((4, 3)), ["weight"]),
    ("bce_logits", lambda: nn.BCEWithLogitsLoss(), lambda x, y: F.binary_cross_entropy_with_logits(x, y),
     lambda: torch.nn.BCEWithLogitsLoss(), (), logits_and_targets((4, 3)), []),
    ("bce_logits_weights", lambda: nn.BCEWithLogitsLoss(weight=bce_weight, pos_weight=2 * bce_weight),
     lambda x, y: F.binary_cross_entropy_with_logits(x, y, bce_weight, pos_weight=2 * bce_weight),
     lambda: torch.nn.BCEWithLogitsLoss(weight=torch.from_numpy(bce_weight),
                                        pos_weight=torch.from_numpy(2 * bce_weight)), (),
     logits_and_targets((4, 3)), ["weight", "pos_weight"]),
    ("nll", lambda: nn.NLLLoss(), lambda x, y: F.nll_loss(x, y), lambda: torch.nn.NLLLoss(), (),
     scores_and_classes((6, 4)), []),
    ("nll_weight_ignore", lambda: nn.NLLLoss(weight=class_weight, ignore_index=1),
     lambda x, y: F.nll_loss(x, y, class_weight, ignore_index=1),
     lambda: torch.nn.NLLLoss(weight=torch.from_numpy(class_weight), ignore_index=1), (),
     scores_and_classes((6, 4), ignore_index=1), ["weight"]),
    ("nll_spatial_sum", lambda: nn.NLLLoss(reduction="sum"), lambda x, y: F.nll_loss(x, y, reduction="sum"),
     lambda: torch.nn.NLLLoss(reduction="sum"), (), scores_and_classes((3, 4, 5)), []),
    ("cross_entropy", lambda: nn.CrossEntropyLoss(), lambda x, y: F.cross_entropy(x, y),
     lambda: torch.nn.CrossEntropyLoss(), (), scores_and_classes((6, 4)), []),
    ("cross_entropy_weight_ignore_smoothing",
     lambda: nn.CrossEntropyLoss(weight=class_weight, ignore_index=-100, label_smoothing=0.1),
     lambda x, y: F.cross_entropy(x, y, class_weight, ignore_index=-100, label_smoothing=0.1),
     lambda: torch.nn.CrossEntropyLoss(weight=torch.from_numpy(class_weight), label_smoothing=0.1), (),
     scores_and_classes((6, 4), ignore_index=-100), ["weight"]),
    ("cross_entropy_none_spatial", lambda: nn.CrossEntropyLoss(reduction="none"),
     lambda x, y: F.cross_entropy(x, y, reduction="none"), lambda: torch.nn.CrossEntropyLoss(reduction="none"),
     (3, 5), scores_and_classes((3, 4, 5)), []),
    ("cross_entropy_probabilities", lambda: nn.CrossEntropyLoss(label_smoothing=0.2),
     lambda x, y: F.cross_entropy(x, y, label_smoothing=0.2), lambda: torch.nn.CrossEntropyLoss(label_smoothing=0.2),
     (), scores_and_probabilities((6, 4)), []),
]  # fmt: skip


@pytest.mark.parametrize(
    "make_layer, input_shape, output_shape, param_names, torch_layer, extra",
    [pytest.param(*case[1:], id=case[0]) for case in LAYERS],
)
def test_layer_contract(make_layer, input_shape, output_shape, param_names, torch_layer, extra):
    check_layer_contract(make_layer, input_shape, output_shape, param_names, torch_layer=torch_layer, **extra)


@pytest.mark.parametrize(
    "make_loss, functional, torch_loss, output_shape, make_inputs, buffers",
    [pytest.param(*case[1:], id=case[0]) for case in LOSSES],
)
def test_loss_contract(make_loss, functional, torch_loss, output_shape, make_inputs, buffers):
    check_layer_contract(lambda rng: make_loss(), "see make_inputs", output_shape, [], expected_buffer_names=buffers,
                         make_inputs=make_inputs, torch_layer=torch_loss)  # fmt: skip


@pytest.mark.parametrize(
    "make_loss, functional, torch_loss, make_inputs",
    [pytest.param(case[1], case[2], case[3], case[5], id=case[0]) for case in LOSSES],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loss_module_equals_functional_and_torch(make_loss, functional, torch_loss, make_inputs, dtype):
    x, y = make_inputs(np.random.default_rng(7), dtype)
    module_value = make_loss()(glassnet.tensor(x), y).numpy()
    functional_value = functional(glassnet.tensor(x), y).numpy()
    np.testing.assert_array_equal(module_value, functional_value)
    target = torch.from_numpy(y)
    reference = torch_loss().to(torch.float64 if dtype == np.float64 else torch.float32)
    expected = reference(torch.from_numpy(x), target).numpy()
    assert module_value.dtype == dtype
    np.testing.assert_allclose(module_value, expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)


def test_loss_rejects_unknown_reduction():
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="average")


# ----------------------------------------------------------------------------- registration
class Block(nn.Module):
    def __init__(self, rng=None):
        super().__init__()
        self.fc = nn.Linear(3, 4, rng=rng)
        self.scale = nn.Parameter(np.ones(4, np.float32))
        self.register_buffer("running_mean", np.zeros(4, np.float32))
        self.not_registered = np.zeros(2)  # plain arrays are neither parameters nor buffers

    def forward(self, x):
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self, rng=None):
        super().__init__()
        self.encoder = Block(rng)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 2, rng=rng))

    def forward(self, x):
        return self.head(self.encoder(x))


def test_named_parameters_use_dotted_names_through_nested_modules():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["encoder.scale", "encoder.fc.weight", "encoder.fc.bias",
                                                     "head.1.weight", "head.1.bias"]  # fmt: skip
    assert [n for n, _ in net.named_parameters(prefix="net")][0] == "net.encoder.scale"
    assert [n for n, _ in net.encoder.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in net.named_modules()] == ["", "encoder", "encoder.fc", "head", "head.0", "head.1"]
    assert [n for n, _ in net.named_children()] == ["encoder", "head"]
    assert list(net.state_dict()) == ["encoder.scale", "encoder.running_mean", "encoder.fc.weight",
                                      "encoder.fc.bias", "head.1.weight", "head.1.bias"]  # fmt: skip
    assert net.encoder.fc.weight is dict(net.named_parameters())["encoder.fc.weight"]


def test_registration_matches_torch_names():
    class TorchBlock(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(3, 4)
            self.scale = torch.nn.Parameter(torch.ones(4))
            self.register_buffer("running_mean", torch.zeros(4))

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = TorchBlock()
            self.head = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(4, 2))

    theirs, ours = TorchNet(), Net()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


def test_shared_parameter_is_listed_once():
    first = nn.Linear(3, 3)
    second = nn.Linear(3, 3)
    second.weight = first.weight
    model = nn.Sequential(first, nn.Tanh(), second)
    names = [n for n, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.bias"]
    assert len(list(model.parameters())) == 3
    # The gradient of a shared weight is the sum of both uses.
    x = glassnet.randn(5, 3)
    model(x).sum().backward()
    grad = first.weight.grad.numpy().copy()
    first.weight.grad = None
    h = first(x).tanh()
    second(h).sum().backward()
    np.testing.assert_allclose(first.weight.grad, grad, rtol=1e-6)

    shared_module = nn.Linear(2, 2)
    twice = nn.Sequential(shared_module, shared_module)
    assert len(list(twice.parameters())) == 2


def test_register_buffer_is_saved_but_not_learned():
    block = Block()
    assert "running_mean" in block.state_dict()
    assert "running_mean" not in dict(block.named_parameters())
    assert [n for n, _ in block.named_buffers()] == ["running_mean"]
    assert "not_registered" not in block.state_dict()
    block.running_mean = np.full(4, 3.0, np.float32)  # reassigning a buffer keeps it a buffer
    assert isinstance(block.running_mean, glassnet.Tensor)
    np.testing.assert_array_equal(block.state_dict()["running_mean"], np.full(4, 3.0))
    block.double()
    assert block.running_mean.dtype == np.float64
    block.load_state_dict({**block.state_dict(), "running_mean": np.arange(4.0)})
    np.testing.assert_array_equal(block.running_mean.numpy(), np.arange(4.0))


def test_reassigning_an_attribute_replaces_the_registry_entry():
    block = Block()
    old_fc = block.fc
    block.fc = nn.Linear(3, 4, bias=False)
    assert block.fc is not old_fc
    assert "fc.bias" not in block.state_dict()
    block.scale = nn.Parameter(np.zeros(4, np.float32))
    assert [n for n, _ in block.named_parameters()].count("scale") == 1
    np.testing.assert_array_equal(block.state_dict()["scale"], np.zeros(4))
    block.scale = 2.0  # a plain value replaces the parameter: no longer registered
    assert "scale" not in dict(block.named_parameters())
    assert block.scale == 2.0
    block.fc = "gone"
    assert not any(n.startswith("fc.") for n in block.state_dict())
    assert [n for n, _ in block.named_modules()] == [""]
    del block.running_mean
    assert "running_mean" not in block.state_dict()


def test_parameter_assigned_after_bias_false_is_registered_and_visible():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None
    assert list(layer.state_dict()) == ["weight"]
    assert "bias=False" in repr(layer)
    bias = nn.Parameter(np.zeros(2, np.float32))
    layer.bias = bias
    assert layer.bias is bias
    assert list(layer.state_dict()) == ["weight", "bias"]


def test_module_must_call_super_init_before_assigning():
    class Broken(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(np.zeros(2))

    with pytest.raises(AttributeError, match="super"):
        Broken()


def test_missing_attribute_names_the_module():
    with pytest.raises(AttributeError, match="Linear.*nope"):
        _ = nn.Linear(2, 2).nope


def test_sequential_and_module_list_indexing():
    layers = [nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and seq[0] is layers[0] and seq[-1] is layers[2]
    assert list(seq) == layers
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and [n for n, _ in head.named_parameters()] == ["0.weight", "0.bias"]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and "(3): Sigmoid()" in repr(seq)
    x = glassnet.randn(5, 3)
    np.testing.assert_allclose(seq(x).numpy(), F.sigmoid(layers[2](F.relu(layers[0](x)))).numpy(), rtol=1e-6)

    mlist = nn.ModuleList(layers[:1]).extend(layers[1:])
    assert len(mlist) == 3 and mlist[2] is layers[2]
    mlist[-1] = nn.Linear(4, 5)
    assert mlist[2].out_features == 5 and dict(mlist.named_parameters())["2.weight"].shape == (5, 4)


# ----------------------------------------------------------------------------- state_dict
def test_state_dict_holds_detached_tensors_sharing_storage_as_pytorch():
    for lib in (glassnet, torch):
        layer = lib.nn.Linear(3, 2)
        state = layer.state_dict()
        assert all(isinstance(v, lib.Tensor) and not v.requires_grad for v in state.values())
        state["weight"][...] = 7.0  # a write through the state_dict reaches the parameter
        assert (layer.weight.detach().numpy() == 7.0).all()


def test_state_dict_round_trip():
    source, target = Net(np.random.default_rng(0)), Net(np.random.default_rng(1))
    x = glassnet.randn(5, 3)
    assert not np.allclose(source(x).numpy(), target(x).numpy())
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    np.testing.assert_array_equal(source(x).numpy(), target(x).numpy())
    # Loading copies: later changes to the source do not reach the target.
    source.encoder.fc.weight.data[...] = 0
    assert np.any(target.encoder.fc.weight.numpy() != 0)


def test_load_state_dict_accepts_tensors_and_torch_tensors():
    layer = nn.Linear(3, 2)
    weights = np.arange(6, dtype=np.float32).reshape(2, 3)
    layer.load_state_dict({"weight": glassnet.tensor(weights), "bias": torch.tensor([1.0, 2.0])})
    np.testing.assert_array_equal(layer.weight.numpy(), weights)
    np.testing.assert_array_equal(layer.bias.numpy(), [1.0, 2.0])


def _snapshot(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


def _assert_unchanged(module, before):
    after = module.state_dict()
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value, err_msg=f"{key} changed by a failed load")


def test_strict_load_names_missing_key_and_changes_nothing():
    net = Net()
    before = _snapshot(net)
    state = {k: np.zeros_like(v) for k, v in before.items()}
    del state["head.1.bias"]
    with pytest.raises(RuntimeError, match=r"missing keys \['head.1.bias'\]"):  # PyTorch's error type
        net.load_state_dict(state)
    _assert_unchanged(net, before)


def test_strict_load_names_unexpected_key_and_changes_nothing():
    net = Net()
    before = _snapshot(net)
    state = {k: np.zeros_like(v) for k, v in before.items()}
    state["head.2.weight"] = np.zeros((2, 2), np.float32)
    with pytest.raises(RuntimeError, match=r"unexpected keys \['head.2.weight'\]"):
        net.load_state_dict(state)
    _assert_unchanged(net, before)


def test_non_strict_load_reports_keys_and_loads_the_rest():
    layer = nn.Linear(3, 2)
    bias = layer.bias.numpy().copy()
    result = layer.load_state_dict({"weight": np.ones((2, 3)), "extra": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(layer.weight.numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(layer.bias.numpy(), bias)


def test_shape_mismatch_names_key_and_both_shapes_and_changes_nothing():
    net = Net()
    before = _snapshot(net)
    state = {k: np.full_like(v, 9.0) for k, v in before.items()}
    state["head.1.weight"] = np.zeros((3, 4), np.float32)  # the model has (2, 4)
    with pytest.raises(RuntimeError) as error:
        net.load_state_dict(state)
    message = str(error.value)
    assert "head.1.weight" in message and "(3, 4)" in message and "(2, 4)" in message
    # every other key was valid and would have been written first: all or nothing
    _assert_unchanged(net, before)


def test_load_keeps_the_parameter_objects_and_dtype():
    layer = nn.Linear(3, 2).double()
    weight = layer.weight
    layer.load_state_dict({"weight": np.ones((2, 3), np.float32), "bias": np.zeros(2, np.float32)})
    assert layer.weight is weight and layer.weight.dtype == np.float64


# ----------------------------------------------------------------------------- hooks, grads, modes
def test_forward_hook_is_called_can_replace_output_and_is_removable():
    layer = nn.Linear(3, 2)
    x = glassnet.randn(4, 3)
    calls = []
    handle = layer.register_forward_hook(lambda module, inputs, output: calls.append((module, inputs, output)))
    out = layer(x)
    assert len(calls) == 1
    module, inputs, output = calls[0]
    assert module is layer and inputs[0] is x and output is out

    replace = layer.register_forward_hook(lambda module, inputs, output: output * 0 + 5)
    np.testing.assert_array_equal(layer(x).numpy(), np.full((4, 2), 5.0))
    assert len(calls) == 2

    replace.remove()
    handle.remove()
    replace.remove()  # removing twice is harmless
    np.testing.assert_array_equal(layer(x).numpy(), out.numpy())
    assert len(calls) == 2


def test_hooks_on_submodules_see_intermediate_outputs():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    seen = {}
    for name, module in model.named_children():
        module.register_forward_hook(lambda m, i, o, name=name: seen.__setitem__(name, o.shape))
    model(glassnet.randn(5, 3))
    assert seen == {"0": (5, 4), "1": (5, 4), "2": (5, 2)}


def test_zero_grad():
    model = Net()
    model(glassnet.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not np.any(p.grad) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_gradients_accumulate_until_zero_grad():
    layer = nn.Linear(3, 2)
    x = glassnet.randn(5, 3)
    layer(x).sum().backward()
    once = layer.weight.grad.numpy().copy()
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, 2 * once, rtol=1e-6)
    layer.zero_grad()
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, once, rtol=1e-6)


def test_requires_grad_false_freezes_parameters():
    model = Net()
    assert model.encoder.requires_grad_(False) is model.encoder
    assert not any(p.requires_grad for p in model.encoder.parameters())
    assert all(p.requires_grad for p in model.head.parameters())
    model(glassnet.randn(5, 3)).sum().backward()
    assert all(p.grad is None for p in model.encoder.parameters())
    assert all(p.grad is not None for p in model.head.parameters())
    model.requires_grad_(False)
    out = model(glassnet.randn(5, 3))
    assert not out.requires_grad
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())


def test_train_eval_reach_every_submodule():
    model = Net()
    model.eval()
    assert [m.training for m in model.modules()] == [False] * 6
    model.head.train()
    assert model.training is False and model.head[1].training is True


def test_apply_visits_children_first():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
    order = []
    model.apply(lambda m: order.append(type(m).__name__))
    assert order == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_to_float_and_double_cast_parameters_and_their_grads():
    layer = nn.Linear(3, 2)
    layer(glassnet.randn(4, 3)).sum().backward()
    layer.double()  # PyTorch casts the gradients along with the parameters
    assert layer.weight.dtype == np.float64 and layer.weight.grad.dtype == np.float64
    layer.float()
    assert layer.bias.dtype == np.float32 and layer.bias.grad.dtype == np.float32


def test_parameter_repr_and_requires_grad():
    p = nn.Parameter(np.zeros(2, np.float32))
    assert p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:")
    frozen = nn.Parameter(glassnet.tensor([1.0, 2.0]), requires_grad=False)
    assert not frozen.requires_grad
    np.testing.assert_array_equal(frozen.numpy(), [1.0, 2.0])


def test_repr_of_configured_modules():
    assert repr(nn.Linear(3, 2)) == "Linear(in_features=3, out_features=2, bias=True)"
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    text = repr(Net())
    assert text.startswith("Net(\n  (encoder): Block(\n    (fc): Linear(") and "(head): Sequential(" in text


# ----------------------------------------------------------------------------- upsampling, noise, inference
def test_upsample_repeats_pixels_and_sums_their_gradients():
    x = glassnet.tensor(np.arange(8.0).reshape(1, 2, 2, 2), requires_grad=True)
    y = nn.Upsample(scale_factor=2)(x)
    np.testing.assert_array_equal(y.numpy()[0, 1], np.kron(x.numpy()[0, 1], np.ones((2, 2))))
    weights = np.random.default_rng(0).random(y.shape)
    (y * weights).sum().backward()
    np.testing.assert_allclose(x.grad, weights.reshape(1, 2, 2, 2, 2, 2).sum(axis=(3, 5)))  # each 2x2 block
    assert repr(nn.Upsample(scale_factor=2)) == repr(torch.nn.Upsample(scale_factor=2))
    assert repr(nn.Upsample(size=(4, 6))) == repr(torch.nn.Upsample(size=(4, 6)))


def test_interpolate_refuses_what_it_does_not_support():
    x = glassnet.zeros(1, 1, 2, 2)
    for options, error, text in (
        ({"scale_factor": 1.5}, NotImplementedError, "whole factors"),
        ({"size": (3, 5)}, NotImplementedError, "whole multiple"),
        ({"scale_factor": 2, "mode": "bilinear"}, NotImplementedError, "'bilinear'"),
        ({"scale_factor": 2, "antialias": True}, NotImplementedError, "antialias"),
        ({"scale_factor": 2, "align_corners": True}, ValueError, "align_corners"),
        ({}, ValueError, "exactly one of size and scale_factor"),
        ({"size": 4, "scale_factor": 2}, ValueError, "exactly one of size and scale_factor"),
        ({"scale_factor": (2, 2, 2)}, glassnet.ShapeError, "3 sizes or factors"),
    ):
        with pytest.raises(error, match=text):
            F.interpolate(x, **options)
    with pytest.raises(glassnet.ShapeError, match="got \\(2, 3\\)"):
        F.interpolate(glassnet.zeros(2, 3), scale_factor=2)


def test_noise_layers_are_the_identity_in_eval_and_refuse_bad_settings():
    x = glassnet.tensor(np.ones((3, 4), np.float32))
    for layer in (nn.GaussianNoise(0.5), nn.MaskingNoise(0.5)):
        assert layer.eval()(x) is x
    assert nn.GaussianNoise(0.0)(x) is x and nn.MaskingNoise(0.0)(x) is x
    assert not nn.MaskingNoise(1.0)(x).numpy().any()
    with pytest.raises(ValueError, match="std must be >= 0"):
        nn.GaussianNoise(-1.0)
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        nn.MaskingNoise(1.5)


def test_eval_mode_restores_each_modules_own_mode():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    model[1].eval()  # a frozen BatchNorm inside a model in training
    with eval_mode(model) as inside:
        assert inside is model and not any(m.training for m in model.modules())
    assert [m.training for m in model.modules()] == [True, True, False, True]
    with pytest.raises(RuntimeError), eval_mode(model):
        raise RuntimeError  # the modes come back on an error too
    assert [m.training for m in model.modules()] == [True, True, False, True]
