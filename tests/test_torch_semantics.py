"""PyTorch's tensor semantics, checked against PyTorch itself: .grad and .data, in-place ops, views, max(dim).

Each test runs the same few lines on both libraries (``for lib in (glassnet, torch)``) and compares what they
give, or checks that glassnet refuses what PyTorch refuses, with the same kind of error.
"""

import numpy as np
import pytest
import torch

import glassnet
from glassnet import autograd

LIBS = [glassnet, torch]


def values(t) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy()


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_grad_is_a_tensor_that_zero_and_manual_updates_change_in_place(lib):
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (w * w).sum().backward()
    assert isinstance(w.grad, lib.Tensor)
    np.testing.assert_allclose(values(w.grad), [2.0, 4.0, 6.0])
    grad = w.grad
    with lib.no_grad():
        w -= 0.5 * w.grad  # the leaf keeps its identity and requires_grad
    assert w.requires_grad and w.is_leaf
    np.testing.assert_allclose(values(w), [0.0, 0.0, 0.0])
    w.grad.zero_()
    assert w.grad is grad and values(grad).sum() == 0
    (w * 2).sum().backward()  # accumulates into the zeroed gradient
    np.testing.assert_allclose(values(w.grad), [2.0, 2.0, 2.0])


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_data_shares_storage_and_bypasses_autograd(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert not d.requires_grad
    d.mul_(10)
    np.testing.assert_allclose(values(w), [10.0, 20.0])
    w.data.normal_(0.0, 0.02)  # the DCGAN initialisation idiom
    assert np.abs(values(w)).max() < 0.2


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_in_place_on_a_leaf_that_requires_grad_is_refused_outside_no_grad(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.add_(1.0)
    with pytest.raises(RuntimeError, match="leaf"):
        w += 1.0


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_in_place_inside_the_graph_is_recorded(lib):
    x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x * 2
    y += 1  # the residual-block pattern: out += identity
    y[0] = 5.0
    y.relu_()
    y.sum().backward()
    np.testing.assert_allclose(values(y), [5.0, 0.0, 7.0])
    np.testing.assert_allclose(values(x.grad), [0.0, 0.0, 2.0])


def test_backward_through_an_op_whose_input_changed_in_place_is_refused():
    x = glassnet.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = y * y  # reads y
    y.add_(1)  # then y changes
    with pytest.raises(RuntimeError, match="in-place"):
        (z.sum() + y.sum()).backward()


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_in_place_dtype_rules(lib):
    i = lib.tensor([1, 2])
    with pytest.raises(RuntimeError):
        i.add_(0.5)  # float result into an integer tensor
    f = lib.tensor([1.0, 2.0])
    f.add_(lib.tensor([1, 1]))  # integer into float is fine
    np.testing.assert_array_equal(values(f), [2.0, 3.0])
    assert f.dtype == lib.float32


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_max_and_min_along_a_dim_return_values_and_indices(lib):
    x = lib.tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 0.0]], requires_grad=True)
    values_, indices = x.max(1)
    np.testing.assert_array_equal(values(values_), [5.0, 7.0])
    np.testing.assert_array_equal(values(indices), [1, 0])
    assert indices.dtype == lib.int64
    out = x.min(dim=0, keepdim=True)
    assert tuple(out.values.shape) == (1, 3) and values(out.indices).tolist() == [[0, 1, 1]]
    values_.sum().backward()  # the gradient goes to the index picked, not shared between the tied 5s
    np.testing.assert_array_equal(values(x.grad), [[0, 1, 0], [1, 0, 0]])
    assert x.max().item() == 7.0
    np.testing.assert_array_equal(values(lib.max(x, lib.zeros(2, 3) + 3)), [[3, 5, 5], [7, 3, 3]])


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_dim_and_keepdim_spellings(lib):
    x = lib.arange(24.0).reshape(2, 3, 4)
    assert tuple(x.sum(dim=1, keepdim=True).shape) == (2, 1, 4)
    assert tuple(x.mean((0, 2)).shape) == (3,)
    assert tuple(x.sum(axis=1).shape) == (2, 4)  # PyTorch accepts NumPy's axis too
    np.testing.assert_allclose(values(x.var(1, unbiased=False)), values(x).var(1))
    np.testing.assert_allclose(values(x.std(dim=2)), values(x).std(2, ddof=1), rtol=1e-6)


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_view_refuses_a_layout_only_a_copy_gives(lib):
    x = lib.arange(6.0).reshape(2, 3)
    assert tuple(x.view(3, 2).shape) == (3, 2)
    with pytest.raises(RuntimeError):
        x.t().view(6)
    np.testing.assert_array_equal(values(x.t().reshape(6)), [0, 3, 1, 4, 2, 5])
    np.testing.assert_array_equal(values(x.t().contiguous().view(6)), [0, 3, 1, 4, 2, 5])
    v = x.view(-1)
    v.add_(1)  # a view shares storage
    assert float(x[0, 0]) == 1.0


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_from_numpy_shares_memory_and_numpy_is_the_array(lib):
    a = np.zeros(3, np.float32)
    t = lib.from_numpy(a)
    t.add_(2)
    np.testing.assert_array_equal(a, [2, 2, 2])
    a[0] = 7
    assert float(t[0]) == 7.0
    assert np.shares_memory(t.numpy(), a)


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_conversions_devices_and_new_tensors(lib):
    x = lib.tensor([[1.5, -2.0]])
    assert x.long().dtype == lib.int64 and x.int().dtype == lib.int32 and x.bool().dtype == lib.bool
    assert x.double().dtype == lib.float64 and x.to(lib.float64).dtype == lib.float64
    assert x.to("cpu") is x and x.cpu() is x and x.to(lib.device("cpu")) is x
    assert f"{x.sum():.2f}" == "-0.50"
    assert tuple(x.new_zeros(2, 3).shape) == (2, 3) and x.new_full((2,), 4.0).dtype == lib.float32
    assert x.size() == (1, 2) and x.size(1) == 2 and x.numel() == 2 and x.dim() == 2
    assert x.tolist() == [[1.5, -2.0]] and x[0, 0].item() == 1.5
    assert lib.equal(x.clone(), x) and lib.allclose(x, x + 1e-9)
    assert not lib.cuda.is_available()


def test_devices_other_than_the_cpu_are_refused():
    with pytest.raises(NotImplementedError, match="CPU"):
        glassnet.device("cuda")
    with pytest.raises(NotImplementedError, match="CPU"):
        glassnet.zeros(2).to("cuda:0")
    with pytest.raises(NotImplementedError, match="cuda"):
        glassnet.zeros(2).cuda()


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_autograd_grad_leaves_dot_grad_alone(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    (gx,) = lib.autograd.grad((x * w).sum(), [x])
    np.testing.assert_array_equal(values(gx), [3.0, 4.0])
    assert x.grad is None and w.grad is None
    with pytest.raises(RuntimeError):
        lib.autograd.grad((x * 2).sum(), [x, w])
    gx, gw = lib.autograd.grad((x * 2).sum(), [x, w], allow_unused=True)
    assert gw is None


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_set_grad_enabled_and_hooks_that_see_tensors(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(isinstance(g, lib.Tensor)) or g * 2)
    y.sum().backward()
    assert seen == [True]
    np.testing.assert_array_equal(values(x.grad), [6.0, 6.0])


def test_grad_must_be_assigned_a_tensor_of_the_same_shape():
    w = glassnet.zeros(3, requires_grad=True)
    with pytest.raises(TypeError, match="Tensor"):
        w.grad = np.ones(3)
    with pytest.raises(RuntimeError, match="shape"):
        w.grad = glassnet.ones(2)
    with pytest.raises(NotImplementedError, match="create_graph"):
        autograd.grad((w * 2).sum(), [w], create_graph=True)


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_a_custom_function_runs_its_own_backward(lib):
    class ClampedExp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, limit):
            y = x.exp()
            ctx.save_for_backward(y)
            ctx.limit = limit
            return y.clamp(max=limit)

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            grad = grad_output * y
            grad[y > ctx.limit] = 0
            return grad, None

    x = lib.tensor([0.0, 1.0, 3.0], requires_grad=True)
    out = ClampedExp.apply(x * 1.0, 5.0)
    out.sum().backward()
    np.testing.assert_allclose(values(out), [1.0, np.e, 5.0], rtol=1e-6)
    np.testing.assert_allclose(values(x.grad), [1.0, np.e, 0.0], rtol=1e-6)
    assert type(out.grad_fn).__name__ == "ClampedExpBackward" or out.grad_fn.__name__ == "ClampedExpBackward"


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_inplace_activations_change_their_input_and_keep_the_gradient(lib):
    w = lib.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    h = w * 2
    out = lib.nn.LeakyReLU(0.2, inplace=True)(h)
    assert out is h  # the same tensor, as PyTorch's in-place layers return their input
    np.testing.assert_allclose(values(h), [[2.0, -0.8], [1.0, 6.0]], rtol=1e-6)
    (h * h).sum().backward()
    np.testing.assert_allclose(values(w.grad), [[8.0, -0.64], [4.0, 24.0]], rtol=1e-6)
    x = lib.tensor([-1.0, 2.0])
    lib.nn.ReLU(inplace=True)(x)
    np.testing.assert_array_equal(values(x), [0.0, 2.0])
    with pytest.raises(RuntimeError):
        lib.nn.functional.relu(w, inplace=True)  # a leaf that requires grad


@pytest.mark.parametrize("shape, normalized", [((3, 4), 4), ((2, 3, 4), (3, 4))])
def test_layer_norm_matches_pytorch_with_its_gradients(shape, normalized):
    rng = np.random.default_rng(0)
    x, probe = rng.standard_normal(shape), rng.standard_normal(shape)
    theirs = torch.nn.LayerNorm(normalized).double()
    with torch.no_grad():
        theirs.weight.normal_(), theirs.bias.normal_()
    ours = glassnet.nn.LayerNorm(normalized, dtype=np.float64)
    ours.load_state_dict(theirs.state_dict())
    x_ours, x_theirs = glassnet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(x_ours), theirs(x_theirs)
    (out * glassnet.from_numpy(probe)).sum().backward()
    (expected * torch.from_numpy(probe)).sum().backward()
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in [(x_ours, x_theirs), (ours.weight, theirs.weight), (ours.bias, theirs.bias)]:
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_module_dict_and_unflatten(lib):
    heads = lib.nn.ModuleDict({"a": lib.nn.Linear(4, 2), "b": lib.nn.Linear(4, 3)})
    heads["c"] = lib.nn.Unflatten(1, (2, 2))
    assert list(heads.keys()) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert [name for name, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert tuple(heads["c"](lib.zeros(5, 4)).shape) == (5, 2, 2)


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_dtypes_and_sizes_print_with_the_module_name_and_compare_with_numpy(lib):
    name = lib.__name__
    x = lib.ones(2, 3)
    assert str(x.dtype) == f"{name}.float32" and repr(lib.long) == f"{name}.int64"
    assert str(x.shape) == f"{name}.Size([2, 3])" and str(x.shape[1:]) == f"{name}.Size([3])"
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.shape.numel() == 6
    assert x.dtype == lib.float32 and x.dtype != lib.float64 and lib.float == lib.float32
    assert str(lib.tensor([1.0], dtype=lib.float64)) == f"tensor([1.], dtype={name}.float64)"
    assert lib.get_default_dtype() == lib.float32 and lib.float32.is_floating_point
    if lib is glassnet:  # equal to NumPy's dtype, hashed like it, and taken by NumPy wherever a dtype goes
        assert x.dtype == np.float32 and {np.dtype(np.float32): 1}[x.dtype] == 1
        assert np.zeros(2, dtype=lib.long).dtype == np.int64 and x.dtype.itemsize == 4


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_counting_and_selecting_values(lib):
    x = lib.tensor([3, 1, 2, 3, 1, 3])
    values, inverse, counts = lib.unique(x, return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3] and inverse.tolist() == [2, 0, 1, 2, 0, 2] and counts.tolist() == [2, 1, 3]
    assert lib.bincount(x, minlength=5).tolist() == [0, 2, 1, 3, 0]
    assert lib.bincount(x, weights=lib.ones(6, dtype=lib.float64) / 2).tolist() == [0.0, 1.0, 0.5, 1.5]
    assert (x > 1).nonzero().tolist() == [[0], [2], [3], [5]]
    assert [t.tolist() for t in (x > 2).nonzero(as_tuple=True)] == [[0, 3, 5]]
    assert lib.isfinite(lib.tensor([1.0, float("inf"), float("nan")])).tolist() == [True, False, False]
    assert lib.isnan(lib.tensor([1.0, float("nan")])).tolist() == [False, True]
    assert (lib.tensor([7, -7]) // 2).tolist() == [3, -4] and (lib.tensor([7, -7]) % 3).tolist() == [1, 2]
    assert (lib.tensor([7.5, -7.5]) % -2.0).tolist() == [-0.5, -1.5]


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_in_place_twins_of_the_elementwise_methods_keep_the_storage(lib):
    x = lib.tensor([-4.0, 9.0])
    address = x.data_ptr()
    assert x.pow_(2).sqrt_().neg_().abs_() is x and x.tolist() == [4.0, 9.0]
    x.clamp_min_(5.0).reciprocal_().log_()
    assert x.data_ptr() == address and x.view(-1).data_ptr() == address and x.clone().data_ptr() != address
    np.testing.assert_allclose(values(x), np.log([0.2, 1 / 9]), rtol=1e-6)


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_custom_functions_grad_fn_type_gradcheck_and_unused_none_gradients(lib):
    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, factor=None):
            ctx.save_for_backward(x)
            return x * 3.0

        @staticmethod
        def backward(ctx, grad):
            return grad * 3.0, None  # one more gradient than inputs given: PyTorch accepts a trailing None

    x = lib.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=lib.float64, requires_grad=True)
    y = Scale.apply(x)
    assert type(y.grad_fn).__name__.startswith("ScaleBackward")
    y.sum().backward()
    assert x.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert lib.autograd.gradcheck(Scale.apply, (x,))
    assert lib.autograd.gradcheck(lambda a, b: (a @ b).tanh(), (x, x.detach().clone().requires_grad_()))

    class Wrong(Scale):
        @staticmethod
        def backward(ctx, grad):
            return grad * 2.0, None

    assert not lib.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)
    with pytest.raises(Exception, match="(?i)jacobian mismatch"):
        lib.autograd.gradcheck(Wrong.apply, (x,))


@pytest.mark.parametrize("lib", LIBS, ids=["glassnet", "torch"])
def test_set_num_threads_sets_what_get_num_threads_reads_and_refuses_what_pytorch_refuses(lib):
    before = lib.get_num_threads()
    try:
        for threads in (1, 2, 1):
            lib.set_num_threads(threads)
            assert lib.get_num_threads() == threads
        for bad, message in ((0, "positive integer"), (-1, "positive integer"), (2.5, "float"), (True, "bool")):
            with pytest.raises(RuntimeError, match=message):
                lib.set_num_threads(bad)
    finally:
        lib.set_num_threads(before)


def test_set_num_threads_is_the_blas_setting_threadpoolctl_sees():
    from threadpoolctl import threadpool_info, threadpool_limits

    before = glassnet.get_num_threads()
    try:
        glassnet.set_num_threads(1)
        numpy_blas = [
            info for info in threadpool_info() if info["user_api"] == "blas" and "torch" not in info["filepath"]
        ]
        assert numpy_blas and all(info["num_threads"] == 1 for info in numpy_blas)
        glassnet.set_num_threads(2)
        with threadpool_limits(limits=1, user_api="blas"):  # the lab's way of holding an experiment to one thread
            assert glassnet.get_num_threads() == 1
        assert glassnet.get_num_threads() == 2
    finally:
        glassnet.set_num_threads(before)
