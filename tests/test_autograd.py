"""The backward walk: accumulation, shared subgraphs, no_grad, detach, hooks, errors, dtypes, depth."""

import numpy as np
import pytest

import glassnet as gn


def leaf(values, dtype=np.float64):
    return gn.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ----------------------------------------------------------------------------- accumulation and sharing
def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, -2.0, 3.0])
    (x * x).sum().backward()
    first = x.grad.numpy().copy()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(first, 2 * x.numpy())
    np.testing.assert_allclose(x.grad, 2 * x.numpy() + 3.0)


def test_tensor_used_twice_in_one_op():
    x = leaf([1.5, -0.5])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * x.numpy())


def test_diamond_graph_sums_both_paths():
    """x -> a = exp(x), b = x**2 -> y = a * b: dy/dx = e**x x**2 + e**x 2x."""
    x = leaf([0.3, -1.2, 2.0])
    a, b = x.exp(), x**2
    (a * b).sum().backward()
    e = np.exp(x.numpy())
    np.testing.assert_allclose(x.grad, e * x.numpy() ** 2 + e * 2 * x.numpy(), rtol=1e-12)


def test_shared_intermediate_feeds_many_consumers():
    """h = tanh(x) used by three branches; its gradient is the sum of the three before tanh's backward."""
    x = leaf([0.2, -0.7])
    h = x.tanh()
    (h * 2.0 + h * h + h.exp()).sum().backward()
    dh = 2.0 + 2 * h.numpy() + np.exp(h.numpy())
    np.testing.assert_allclose(x.grad, dh * (1 - h.numpy() ** 2), rtol=1e-12)


def test_leaf_gradients_never_alias_each_other():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad *= 2
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    np.testing.assert_array_equal(a.grad, [2.0, 2.0])


def test_leaf_gradients_never_alias_through_a_view():
    """One gradient array reaches a directly and b through a reshape (a view of the same memory)."""
    a, b = leaf([[1.0, 2.0], [3.0, 4.0]]), leaf([1.0, 2.0, 3.0, 4.0])
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    ((a + b.reshape(2, 2)) * w).sum().backward()
    a.grad *= 10
    np.testing.assert_array_equal(b.grad, w.reshape(-1))
    np.testing.assert_array_equal(a.grad, 10 * w)


@pytest.mark.parametrize("through", ["leaf itself", "add"])
def test_leaf_gradient_does_not_alias_the_given_gradient(through):
    x = leaf([1.0, 2.0])
    g = np.array([0.5, -1.0])
    (x if through == "leaf itself" else x + 0.0).backward(g)
    x.grad *= 2
    np.testing.assert_array_equal(g, [0.5, -1.0])


# ----------------------------------------------------------------------------- recording on and off
def test_no_grad_context_records_nothing():
    x = leaf([1.0, 2.0])
    with gn.no_grad():
        y = x * 2 + 1
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert gn.is_grad_enabled()
    z = x * 2
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_decorator_records_nothing_and_restores():
    @gn.no_grad()
    def step(t):
        assert not gn.is_grad_enabled()
        return (t * t).sum()

    x = leaf([1.0, 2.0])
    out = step(x)
    assert not out.requires_grad and out.grad_fn is None
    assert gn.is_grad_enabled()


def test_no_grad_restores_after_an_exception():
    with pytest.raises(ValueError), gn.no_grad():
        raise ValueError("inside")
    assert gn.is_grad_enabled()


def test_detach_cuts_the_graph_and_shares_data():
    x = leaf([1.0, 2.0])
    d = (x * 3).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = (x * d).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, d.numpy())  # d counted as a constant, not 3x


def test_requires_grad_on_integer_tensor_raises():
    t = gn.tensor([1, 2, 3])
    assert t.dtype == np.int64
    with pytest.raises(RuntimeError, match="floating"):
        t.requires_grad_()
    with pytest.raises(RuntimeError, match="floating"):
        gn.tensor([1, 2], requires_grad=True)


# ----------------------------------------------------------------------------- backward errors and options
def test_backward_twice_without_retain_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_backward_twice_with_retain_graph_accumulates():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * np.exp(x.numpy()) * (1 + x.numpy()), rtol=1e-12)


def test_backward_on_non_scalar_without_grad_names_the_shape():
    y = leaf(np.ones((2, 3))) * 2
    with pytest.raises(RuntimeError, match=r"scalar.*\(2, 3\)"):
        y.backward()


def test_backward_with_explicit_gradient():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    g = np.array([[1.0, -1.0], [0.5, 2.0]])
    (x * x).backward(g)
    np.testing.assert_allclose(x.grad, 2 * x.numpy() * g)


def test_backward_with_wrongly_shaped_gradient_raises():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match="shape"):
        y.backward(np.ones(3))


def test_retain_grad_keeps_intermediate_gradient():
    x = leaf([1.0, 2.0, 3.0])
    h = x * 2
    h.retain_grad()
    y = h * h
    y.sum().backward()
    np.testing.assert_allclose(h.grad, 2 * h.numpy())
    np.testing.assert_allclose(x.grad, 2 * h.grad)
    assert (x * 5).grad is None


def test_hook_that_doubles_the_gradient():
    x = leaf([1.0, -1.0])
    h = x * 3
    seen = []
    h.register_hook(lambda g: seen.append(g.clone()) or g * 2)
    h.sum().backward()
    np.testing.assert_array_equal(seen[0], [1.0, 1.0])
    np.testing.assert_allclose(x.grad, [6.0, 6.0])


def test_hook_on_a_leaf():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 2)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 4 * x.numpy())


# ----------------------------------------------------------------------------- dtypes
def test_float32_stays_float32_through_python_scalars():
    x = gn.tensor([0.5, 1.5, 2.5], requires_grad=True)
    assert x.dtype == np.float32
    h = 2.0 * x + 1 - 0.5 / (x + 3.0)
    h.retain_grad()
    y = ((h**2.0) * 0.1 + 2.0**h - h.clip(0.0, 3.0) + abs(h - 4) / 7).mean()
    assert h.dtype == np.float32 and y.dtype == np.float32
    y.backward()
    assert h.grad.dtype == np.float32
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize(
    "name, fn",
    [
        ("mul", lambda x: x * np.sqrt(2.0)),
        ("rmul", lambda x: np.float64(0.5) * x),
        ("add", lambda x: x + np.float64(1.0)),
        ("rsub", lambda x: np.float64(1.0) - x),
        ("div", lambda x: x / np.float64(3.0)),
        ("rdiv", lambda x: np.float64(3.0) / x),
        ("pow", lambda x: x ** np.float64(2.0)),
        ("rpow", lambda x: np.float64(2.0) ** x),
        ("int scalar", lambda x: x * np.int64(3)),
        ("maximum", lambda x: x.maximum(np.float64(1.0))),
    ],
)
def test_numpy_scalars_act_like_python_scalars(name, fn):
    """As in PyTorch, a NumPy float64 scalar does not promote float32 work (``x * np.sqrt(2)`` is common)."""
    x = gn.tensor([0.5, 1.5], requires_grad=True)
    y = fn(x)
    y.sum().backward()
    assert y.dtype == np.float32, name
    assert x.grad.dtype == np.float32, name


@pytest.mark.parametrize(
    "name, loss",
    [
        ("mse_loss", lambda x, t: gn.F.mse_loss(x, t)),
        ("l1_loss", lambda x, t: gn.F.l1_loss(x, t)),
        ("huber_loss", lambda x, t: gn.F.huber_loss(x, t)),
        ("bce", lambda x, t: gn.F.binary_cross_entropy(x.sigmoid(), t, weight=np.full(3, 2.0))),
        (
            "bce_with_logits",
            lambda x, t: gn.F.binary_cross_entropy_with_logits(x, t, np.full(3, 2.0), pos_weight=np.ones(3)),
        ),
    ],
)
def test_losses_keep_float32_with_numpy_float64_targets(name, loss):
    x = gn.tensor([0.2, -0.7, 1.1], requires_grad=True)
    out = loss(x, np.array([0.0, 1.0, 1.0]))
    out.backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32, name


def test_tensor_from_python_floats_is_float32():
    assert gn.tensor([1.0, 2.0]).dtype == np.float32
    assert gn.tensor(3.5).dtype == np.float32
    assert gn.tensor([[1, 2]], dtype=np.float64).dtype == np.float64


def test_tensor_from_float64_array_stays_float64_and_copies():
    source = np.array([1.0, 2.0])
    t = gn.tensor(source)
    assert t.dtype == np.float64
    source[0] = 9.0
    assert t.numpy()[0] == 1.0


# ----------------------------------------------------------------------------- depth and seeds
def test_deep_chain_has_no_recursion_limit():
    x = leaf([0.5])
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001**10_000], rtol=1e-9)
    del y  # freeing the chain must not recurse either


def test_manual_seed_makes_randn_reproducible():
    gn.manual_seed(123)
    a, b = gn.randn(3, 4), gn.rand(2)
    gn.manual_seed(123)
    c, d = gn.randn(3, 4), gn.rand(2)
    np.testing.assert_array_equal(a.numpy(), c.numpy())
    np.testing.assert_array_equal(b.numpy(), d.numpy())
    assert a.dtype == np.float32 and a.shape == (3, 4)
    assert not np.array_equal(gn.randn(3, 4).numpy(), a.numpy())
