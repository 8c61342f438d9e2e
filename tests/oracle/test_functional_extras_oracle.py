"""PyTorch's API around the core, checked against PyTorch: functional composites and signatures, Module extras,
nn.init's generator keyword, nn.utils vectors, and optimizer state through glassnet.save/load."""

import io
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassnet
from glassnet import Tensor, nn
from glassnet.nn import functional as F
from glassnet.nn import init
from glassnet.serialization import load, save


def pair(x: np.ndarray):
    """The same float64 values as a glassnet and a torch leaf that require a gradient."""
    return glassnet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def compare(ours_fn, theirs_fn, *arrays, rtol=1e-10, atol=1e-12, grad=True):
    """Outputs, and gradients of sum(output * probe) for every input, agree in float64."""
    ours_in, theirs_in = zip(*(pair(a) for a in arrays))
    out, expected = ours_fn(*ours_in), theirs_fn(*theirs_in)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=rtol, atol=atol)
    if not grad:
        return
    probe = np.random.default_rng(1).standard_normal(expected.shape)
    (out * Tensor(probe)).sum().backward()
    (expected * torch.from_numpy(probe)).sum().backward()
    for a, b in zip(ours_in, theirs_in):
        if a.grad is None and b.grad is None:  # an input the call detached
            continue
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)


RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 6)) * 3
Y = RNG.standard_normal((4, 6))

ACTIVATIONS = [
    ("silu", lambda f, x: f.silu(x)),
    ("mish", lambda f, x: f.mish(x)),
    ("gelu_tanh", lambda f, x: f.gelu(x, approximate="tanh")),
    ("relu6", lambda f, x: f.relu6(x)),
    ("hardtanh", lambda f, x: f.hardtanh(x, -2.0, 0.5)),
    ("selu", lambda f, x: f.selu(x)),
    ("softsign", lambda f, x: f.softsign(x)),
    ("logsigmoid", lambda f, x: f.logsigmoid(x)),
    ("softmin", lambda f, x: f.softmin(x, dim=1)),
    ("glu", lambda f, x: f.glu(x, dim=-1)),
    ("hardswish", lambda f, x: f.hardswish(x)),
    ("threshold", lambda f, x: f.threshold(x, 0.5, -3.0)),
    ("normalize", lambda f, x: f.normalize(x, p=2.0, dim=1)),
    ("normalize_l1_dim0", lambda f, x: f.normalize(x, p=1.0, dim=0)),
    ("log_softmax_dtype", lambda f, x: f.log_softmax(x, dim=0, dtype=glassnet.float64 if f is F else torch.float64)),
]


@pytest.mark.parametrize("name, call", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_composite_matches_torch_with_gradients(name, call):
    compare(lambda x: call(F, x), lambda x: call(TF, x), X)


@pytest.mark.parametrize(
    "call", [lambda f, x: f.hardsigmoid(x), lambda f, x: f.celu(x, 0.7)], ids=["hardsigmoid", "celu"]
)
def test_composites_whose_pytorch_float64_gradient_uses_a_float32_constant(call):
    # PyTorch's float64 backward multiplies by 1/6 (hardsigmoid) or 1/alpha (celu) rounded to float32;
    # glassnet's by the float64 value, so the gradients agree to float32 precision only
    compare(lambda x: call(F, x), lambda x: call(TF, x), X, rtol=1e-6, atol=1e-9)


PAIRS = [
    ("cosine_similarity", lambda f, a, b: f.cosine_similarity(a, b, dim=1)),
    ("pairwise_distance", lambda f, a, b: f.pairwise_distance(a, b)),
    ("pairwise_distance_p1_keepdim", lambda f, a, b: f.pairwise_distance(a, b, p=1.0, keepdim=True)),
    ("smooth_l1", lambda f, a, b: f.smooth_l1_loss(a, b)),
    ("smooth_l1_beta", lambda f, a, b: f.smooth_l1_loss(a, b, reduction="none", beta=0.3)),
    ("smooth_l1_beta0", lambda f, a, b: f.smooth_l1_loss(a, b, reduction="sum", beta=0.0)),
    ("mse_weighted", lambda f, a, b: f.mse_loss(a, b, weight=(b * b).detach())),
    ("l1_weighted_sum", lambda f, a, b: f.l1_loss(a, b, reduction="sum", weight=(b * b).detach())),
    ("huber_weighted", lambda f, a, b: f.huber_loss(a, b, delta=0.5, weight=(b * b).detach())),
]


@pytest.mark.parametrize("name, call", PAIRS, ids=[p[0] for p in PAIRS])
def test_two_input_composite_matches_torch(name, call):
    compare(lambda a, b: call(F, a, b), lambda a, b: call(TF, a, b), X, Y)


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch_with_zero_probabilities(reduction, log_target):
    log_p = np.log(np.random.default_rng(2).dirichlet(np.ones(5), size=3))
    q = np.random.default_rng(3).dirichlet(np.ones(5), size=3)
    q[0, 1] = 0.0  # y log y is 0 at y = 0
    target = np.log(q + 1e-3) if log_target else q
    # targets held constant: at y = 0 PyTorch's gradient with respect to the target is nan, glassnet's 0
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="reduction: 'mean'")  # PyTorch's warning about "mean"
        compare(
            lambda x, y: F.kl_div(x, y.detach(), reduction=reduction, log_target=log_target),
            lambda x, y: TF.kl_div(x, y.detach(), reduction=reduction, log_target=log_target),
            log_p,
            target,
        )
        module = nn.KLDivLoss(reduction=reduction, log_target=log_target)
        expected = torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)(
            torch.from_numpy(log_p), torch.from_numpy(target)
        )
        np.testing.assert_allclose(module(Tensor(log_p), Tensor(target)).numpy(), expected.numpy(), rtol=1e-12)
    if reduction == "mean":  # glassnet warns as PyTorch does: "mean" is not the KL divergence per sample
        with pytest.warns(UserWarning, match="batchmean"):
            F.kl_div(Tensor(log_p), Tensor(target), log_target=log_target)


def test_one_hot_matches_torch():
    labels = np.array([[0, 3], [2, 1]])
    for num_classes in (-1, 6):
        ours = F.one_hot(glassnet.tensor(labels), num_classes)
        theirs = TF.one_hot(torch.from_numpy(labels), num_classes)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError):
        F.one_hot(glassnet.tensor([0, 4]), 3)


@pytest.mark.parametrize("shape, implicit", [((3,), 0), ((2, 3), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)])
def test_softmax_without_dim_takes_pytorchs_implicit_dim_and_warns(shape, implicit):
    x = np.random.default_rng(4).standard_normal(shape)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        ours = F.softmax(Tensor(x))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        theirs = TF.softmax(torch.from_numpy(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.numpy(), F.softmax(Tensor(x), dim=implicit).numpy())


@pytest.mark.parametrize(
    "size_average, reduce", [(None, False), (False, None), (True, True), (False, True), (True, None)]
)
def test_deprecated_size_average_and_reduce_read_as_pytorch(size_average, reduce):
    with pytest.warns(UserWarning, match="size_average and reduce"):
        ours = F.mse_loss(Tensor(X), Tensor(Y), size_average, reduce)
    with pytest.warns(UserWarning, match="size_average and reduce"):
        theirs = TF.mse_loss(torch.from_numpy(X), torch.from_numpy(Y), size_average, reduce)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    labels = np.array([0, 3, 5, 1])
    with pytest.warns(UserWarning):
        module = nn.CrossEntropyLoss(None, size_average, -100, reduce)
    with pytest.warns(UserWarning):
        reference = torch.nn.CrossEntropyLoss(None, size_average, -100, reduce)
    np.testing.assert_allclose(
        module(Tensor(X), labels).numpy(), reference(torch.from_numpy(X), torch.from_numpy(labels)).numpy(), rtol=1e-12
    )


def test_dropout_takes_pytorchs_inplace_argument():
    x = glassnet.ones(200, 10)
    same = F.dropout(x, 0.5, True, True)
    assert same is x and set(np.unique(x.numpy())) == {0.0, 2.0}
    y = glassnet.ones(3, 4)
    assert F.dropout(y, 0.5, False, True) is y and (y.numpy() == 1).all()  # eval: nothing to change
    images = glassnet.ones(4, 6, 2, 2)
    assert F.dropout2d(images, 0.5, True, True) is images
    maps = images.numpy().reshape(4, 6, 4)
    assert ((maps == 0).all(-1) | (maps == 2).all(-1)).all()  # whole channels dropped or kept
    layer = nn.Dropout2d(0.5, inplace=True)
    images = glassnet.ones(4, 6, 2, 2)
    assert layer(images) is images


def test_unsupported_options_raise_not_implemented_naming_them():
    x = glassnet.zeros(1, 1, 4, 4)
    with pytest.raises(NotImplementedError, match="return_indices"):
        F.max_pool2d(x, 2, return_indices=True)
    with pytest.raises(NotImplementedError, match="max_norm"):
        F.embedding(glassnet.tensor([0]), glassnet.zeros(3, 2), max_norm=1.0)
    with pytest.raises(NotImplementedError, match="erf"):
        F.gelu(x)
    with pytest.raises(NotImplementedError, match="reflect"):
        F.pad(x, (1, 1), mode="reflect")
    np.testing.assert_array_equal(F.pad(glassnet.ones(2), (1, 2)).numpy(), [0, 1, 1, 0, 0])  # value=None is 0
    np.testing.assert_array_equal(F.max_pool2d(Tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2).numpy(),
                                  [[[[5, 7], [13, 15]]]])  # fmt: skip


ACTIVATION_MODULES = [
    ("SiLU", ()),
    ("Mish", ()),
    ("ReLU6", ()),
    ("SELU", ()),
    ("CELU", (0.5,)),
    ("Hardtanh", (-0.5, 2.0)),
    ("Softsign", ()),
    ("LogSigmoid", ()),
    ("Softmin", (1,)),
    ("GLU", (1,)),
    ("Threshold", (0.2, 5.0)),
    ("GELU", ("tanh",)),
]


@pytest.mark.parametrize("name, args", ACTIVATION_MODULES, ids=[m[0] for m in ACTIVATION_MODULES])
def test_activation_modules_match_torch(name, args):
    compare(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), X)
    assert repr(getattr(nn, name)(*args)).startswith(name)


def test_smooth_l1_loss_module_matches_torch():
    compare(nn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5), X, Y)


# ----------------------------------------------------------------------------- Module extras
def test_module_to_accepts_devices_and_dtypes_and_refuses_other_devices():
    layer = nn.Linear(3, 2)
    assert layer.to("cpu") is layer and layer.to(glassnet.device("cpu")) is layer and layer.cpu() is layer
    layer.to("cpu", glassnet.float64)
    assert layer.weight.dtype == np.float64
    layer.to(dtype=glassnet.float32)
    assert layer.bias.dtype == np.float32
    layer.to(glassnet.zeros(1, dtype=glassnet.float64))
    assert layer.weight.dtype == np.float64
    assert layer.half().weight.dtype == np.float16 and layer.type(glassnet.float32).weight.dtype == np.float32
    with pytest.raises(NotImplementedError, match="CPU"):
        layer.to("cuda")
    with pytest.raises(NotImplementedError, match="cuda"):
        layer.cuda()
    with pytest.raises(TypeError, match="floating point"):
        layer.to(glassnet.int64)


@pytest.mark.parametrize("lib", [glassnet, torch], ids=["glassnet", "torch"])
def test_non_persistent_buffers_stay_out_of_the_state_dict(lib):
    class Scaled(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = lib.nn.Linear(2, 2)
            self.register_buffer("scale", lib.ones(2), persistent=False)
            self.register_buffer("count", lib.zeros(1))

    model = Scaled()
    assert list(model.state_dict()) == ["count", "linear.weight", "linear.bias"]  # own entries, then children
    assert [name for name, _ in model.named_buffers()] == ["scale", "count"]
    model.load_state_dict(model.state_dict())  # the transient buffer is not expected either
    kept = model.state_dict(keep_vars=True)
    assert kept["linear.weight"] is model.linear.weight
    assert list(model.state_dict(prefix="net.")) == ["net.count", "net.linear.weight", "net.linear.bias"]


@pytest.mark.parametrize("lib", [glassnet, torch], ids=["glassnet", "torch"])
def test_a_shared_module_is_listed_once_but_saved_under_each_name(lib):
    shared = lib.nn.Linear(2, 2)
    model = lib.nn.Sequential(shared, lib.nn.ReLU(), shared)
    assert [name for name, _ in model.named_modules()] == ["", "0", "1"]
    assert len(list(model.named_modules(remove_duplicate=False))) == 4
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(list(model.parameters())) == 2


def test_module_list_repr_folds_repeated_children_as_pytorch():
    def build(lib):
        block = lambda: lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU())  # noqa: E731
        return lib.nn.ModuleList([block(), block(), lib.nn.Linear(2, 3), block()])

    assert repr(build(glassnet)) == repr(build(torch))
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList()) == "ModuleList()"


def test_parameters_to_vector_and_back_match_torch():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    ours = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    vec = nn.utils.parameters_to_vector(ours.parameters())
    expected = torch.nn.utils.parameters_to_vector(theirs.parameters())
    np.testing.assert_array_equal(vec.numpy(), expected.detach().numpy())
    (vec * vec).sum().backward()  # the vector is in the graph, as PyTorch's
    np.testing.assert_allclose(ours[0].weight.grad.numpy(), 2 * ours[0].weight.numpy())
    new = glassnet.arange(float(vec.numel()))
    nn.utils.vector_to_parameters(new, ours.parameters())
    np.testing.assert_array_equal(ours[0].weight.numpy(), np.arange(12.0).reshape(4, 3))
    np.testing.assert_array_equal(ours[1].bias.numpy(), [24.0, 25.0])
    with pytest.raises(TypeError, match="Tensor"):
        nn.utils.vector_to_parameters(np.zeros(26), ours.parameters())


# ----------------------------------------------------------------------------- nn.init
INITIALISERS = [
    lambda t, g: init.uniform_(t, -1.0, 2.0, generator=g),
    lambda t, g: init.normal_(t, 0.5, 2.0, generator=g),
    lambda t, g: init.trunc_normal_(t, 0.0, 1.0, -0.5, 1.5, generator=g),
    lambda t, g: init.xavier_uniform_(t, generator=g),
    lambda t, g: init.xavier_normal_(t, 2.0, g),
    lambda t, g: init.kaiming_uniform_(t, a=math.sqrt(5), generator=g),
    lambda t, g: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu", generator=g),
    lambda t, g: init.orthogonal_(t, generator=g),
]


@pytest.mark.parametrize("fill", INITIALISERS)
def test_initialisers_take_a_seeded_generator(fill):
    first, second = nn.Parameter(glassnet.zeros(20, 30)), nn.Parameter(glassnet.zeros(20, 30))
    fill(first, glassnet.Generator().manual_seed(3))
    fill(second, glassnet.Generator().manual_seed(3))
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    assert first.requires_grad and np.unique(first.numpy()).size > 100
    other = nn.Parameter(glassnet.zeros(20, 30))
    fill(other, glassnet.Generator().manual_seed(4))
    assert not np.array_equal(other.numpy(), first.numpy())


def test_trunc_normal_has_the_truncated_distributions_moments():
    t = glassnet.zeros(200_000, dtype=glassnet.float64)
    init.trunc_normal_(t, mean=0.5, std=1.0, a=0.0, b=2.0, generator=glassnet.Generator().manual_seed(0))
    values = t.numpy()
    assert values.min() >= 0.0 and values.max() <= 2.0
    reference = torch.empty(200_000, dtype=torch.float64)
    torch.nn.init.trunc_normal_(reference, mean=0.5, std=1.0, a=0.0, b=2.0)
    assert abs(values.mean() - reference.mean().item()) < 0.01
    assert abs(values.std() - reference.std().item()) < 0.01


def test_eye_and_fans_match_torch():
    ours, theirs = glassnet.zeros(3, 5), torch.zeros(3, 5)
    np.testing.assert_array_equal(init.eye_(ours).numpy(), torch.nn.init.eye_(theirs).numpy())
    shape = (8, 4, 3, 3)
    fans = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    assert init._calculate_fan_in_and_fan_out(glassnet.zeros(*shape)) == fans
    empty = glassnet.zeros(0, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns that initialising nothing does nothing
        assert init.kaiming_uniform_(empty) is empty and torch.nn.init.kaiming_uniform_(torch.zeros(0, 3)).numel() == 0


# ----------------------------------------------------------------------------- optimizer state through save/load
def test_optimizer_state_dict_survives_save_and_load():
    glassnet.manual_seed(0)
    model = nn.Linear(4, 3)
    optimizer = glassnet.optim.Adam(model.parameters(), lr=0.01)
    x, y = glassnet.randn(8, 4), glassnet.randn(8, 3)

    def step(m, opt):
        opt.zero_grad()
        F.mse_loss(m(x), y).backward()
        opt.step()

    for _ in range(3):
        step(model, optimizer)
    buffer = io.BytesIO()
    save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, buffer)
    buffer.seek(0)
    checkpoint = load(buffer)
    assert checkpoint["epoch"] == 3
    resumed = nn.Linear(4, 3)
    resumed.load_state_dict(checkpoint["model"])
    resumed_optimizer = glassnet.optim.Adam(resumed.parameters(), lr=0.5)
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    assert resumed_optimizer.param_groups[0]["lr"] == 0.01
    step(model, optimizer)
    step(resumed, resumed_optimizer)
    np.testing.assert_array_equal(resumed.weight.numpy(), model.weight.numpy())
