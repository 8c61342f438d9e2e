"""The contract every layer keeps, checked by one call per layer.

``check_layer_contract(make_layer, input_shape, expected_output_shape, expected_param_names)``
builds the layer, runs it forward and backward, and checks, in order:

1. the output shape (and dtype: float32 by default, float64 after ``.double()``);
2. parameter names, count and buffer names; ``state_dict`` holds exactly those keys;
3. every parameter (and every input that requires one) gets a finite gradient of its own shape and dtype;
4. ``train()`` / ``eval()`` flip ``.training`` on every sub-module and return the module;
5. the same seed, through ``glassnet.manual_seed`` or ``rng=np.random.default_rng``, gives the same
   parameters and outputs; a different seed gives different ones (for layers with parameters or a
   random forward);
6. the layer works in float64 after ``.double()``;
7. ``repr()`` names the layer;
8. with ``torch_layer`` given: PyTorch's ``state_dict`` has the same keys (in order) and shapes, loads
   into the layer, and both give the same outputs, input gradients and parameter gradients (float64).

A new layer needs one line: ``check_layer_contract(lambda rng: Conv2d(3, 8, 3, rng=rng), ...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

import glassnet
from glassnet import nn

Shape = tuple[int, ...]


def standard_normal_inputs(*shapes: Shape) -> Callable[[np.random.Generator, type], tuple[np.ndarray, ...]]:
    """An input maker: one standard-normal array per shape, in the requested dtype."""

    def make(rng: np.random.Generator, dtype) -> tuple[np.ndarray, ...]:
        return tuple(rng.standard_normal(shape).astype(dtype) for shape in shapes)

    return make


def _parameters(layer: nn.Module) -> dict[str, np.ndarray]:
    return {name: np.array(p.numpy()) for name, p in layer.named_parameters()}


def _to_glassnet(arrays: Sequence[np.ndarray], grad_inputs: Sequence[int]) -> list:
    return [glassnet.Tensor(a.copy(), requires_grad=i in grad_inputs) for i, a in enumerate(arrays)]


def _run(layer: nn.Module, call, arrays, grad_inputs):
    inputs = _to_glassnet(arrays, grad_inputs)
    return inputs, call(layer, *inputs)


def _check_finite_grad(name: str, grad, shape, dtype) -> None:
    assert grad is not None, f"{name} got no gradient"
    grad = np.asarray(grad)
    assert grad.shape == tuple(shape), f"{name}: gradient shape {grad.shape}, expected {tuple(shape)}"
    assert grad.dtype == dtype, f"{name}: gradient dtype {grad.dtype}, expected {dtype}"
    assert np.all(np.isfinite(grad)), f"{name}: gradient has non-finite entries"


def _check_forward_backward(layer, call, arrays, grad_inputs, expected_output_shape, dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    for name, p in layer.named_parameters():
        assert p.dtype == dtype, f"parameter {name} has dtype {p.dtype}, expected {dtype}"
    inputs, out = _run(layer, call, arrays, grad_inputs)
    assert isinstance(out, glassnet.Tensor), f"{type(layer).__name__} returned {type(out).__name__}, not a Tensor"
    assert out.shape == tuple(expected_output_shape), f"output shape {out.shape}, expected {expected_output_shape}"
    assert out.dtype == dtype, f"output dtype {out.dtype}, expected {dtype}"
    assert np.all(np.isfinite(out.numpy())), "output has non-finite entries"
    layer.zero_grad()
    if out.requires_grad:
        out.sum().backward()
    for name, p in layer.named_parameters():
        _check_finite_grad(f"parameter {name}", p.grad, p.shape, dtype)
    for i in grad_inputs:
        _check_finite_grad(f"input {i}", inputs[i].grad, inputs[i].shape, dtype)
    return np.array(out.numpy())


def _check_modes(layer: nn.Module) -> None:
    modules = list(layer.modules())
    assert layer.eval() is layer, "eval() must return the module"
    assert all(m.training is False for m in modules), "eval() left a sub-module in training mode"
    assert layer.train() is layer, "train() must return the module"
    assert all(m.training is True for m in modules), "train() left a sub-module in eval mode"
    layer.train(False)
    assert not any(m.training for m in modules), "train(False) left a sub-module in training mode"
    layer.train()


def _check_seeding(make_layer, call, arrays, grad_inputs, seed: int, random_forward: bool) -> None:
    def build_and_run(rng_seed: int, explicit: bool):
        if explicit:
            glassnet.manual_seed(12345)  # the global generator must not matter when rng= is given
            layer = make_layer(np.random.default_rng(rng_seed))
        else:
            glassnet.manual_seed(rng_seed)
            layer = make_layer(None)
        _, out = _run(layer, call, arrays, grad_inputs)
        return _parameters(layer), np.array(out.numpy())

    for explicit in (False, True):
        how = "rng=default_rng(seed)" if explicit else "manual_seed(seed)"
        params_a, out_a = build_and_run(seed, explicit)
        params_b, out_b = build_and_run(seed, explicit)
        for name in params_a:
            np.testing.assert_array_equal(params_a[name], params_b[name], err_msg=f"{how}: {name} not reproducible")
        np.testing.assert_array_equal(out_a, out_b, err_msg=f"{how}: output not reproducible")
        if params_a or random_forward:
            params_c, out_c = build_and_run(seed + 1, explicit)
            if params_a:
                assert any(not np.array_equal(params_a[n], params_c[n]) for n in params_a), (
                    f"{how}: a different seed gave the same parameters"
                )
            assert not np.array_equal(out_a, out_c), f"{how}: a different seed gave the same output"


def _check_against_torch(layer, torch_layer, call, arrays, grad_inputs, rtol: float, atol: float) -> None:
    reference = torch_layer().double()
    theirs = reference.state_dict()
    ours = layer.state_dict()
    assert list(ours) == list(theirs), f"state_dict keys {list(ours)}, PyTorch has {list(theirs)}"
    for key, value in theirs.items():
        assert ours[key].shape == tuple(value.shape), f"{key}: shape {ours[key].shape}, PyTorch {tuple(value.shape)}"
    layer.load_state_dict({k: v.detach().numpy() for k, v in theirs.items()})

    inputs, out = _run(layer, call, arrays, grad_inputs)
    torch_inputs = [torch.tensor(a, requires_grad=i in grad_inputs) for i, a in enumerate(arrays)]
    torch_out = call(reference, *torch_inputs)
    np.testing.assert_allclose(out.detach().numpy(), torch_out.detach().numpy(), rtol=rtol, atol=atol, err_msg="output")
    if not torch_out.requires_grad:
        return
    layer.zero_grad()
    out.sum().backward()
    torch_out.sum().backward()
    for i in grad_inputs:
        np.testing.assert_allclose(inputs[i].grad, torch_inputs[i].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")  # fmt: skip
    torch_params = dict(reference.named_parameters())
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad, torch_params[name].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {name}")  # fmt: skip


def check_layer_contract(
    make_layer: Callable[[np.random.Generator | None], nn.Module],
    input_shape: Shape | Sequence[Shape],
    expected_output_shape: Shape,
    expected_param_names: Sequence[str],
    *,
    expected_buffer_names: Sequence[str] = (),
    make_inputs: Callable[[np.random.Generator, type], tuple[np.ndarray, ...]] | None = None,
    grad_inputs: Sequence[int] = (0,),
    call: Callable | None = None,
    torch_layer: Callable[[], torch.nn.Module] | None = None,
    random_forward: bool = False,
    seed: int = 0,
    rtol: float = 1e-7,
    atol: float = 1e-10,
) -> nn.Module:
    """Check the layer contract (see the module docstring); returns the float32 layer it built.

    Args:
        make_layer: ``make_layer(rng)`` builds the layer; ``rng`` is None (use the global seed) or a
            ``numpy.random.Generator`` to pass as ``rng=``. Layers without randomness ignore it.
        input_shape: the shape of the single input, or a list of shapes for several inputs.
        expected_output_shape: the output's shape.
        expected_param_names: ``named_parameters()`` names, in order.
        expected_buffer_names: ``named_buffers()`` names, in order.
        make_inputs: ``make_inputs(rng, dtype) -> tuple of arrays`` when standard-normal floats do not
            fit (probabilities, class indices); ``input_shape`` is then only documentation.
        grad_inputs: which inputs require a gradient (a loss's target does not).
        call: ``call(layer, *inputs)`` instead of ``layer(*inputs)`` (e.g. for ModuleList); it is
            applied to the PyTorch module too, so use only what both libraries share.
        torch_layer: builds the equivalent ``torch.nn.Module`` (any weights: ours are loaded from it).
        random_forward: the forward draws random numbers (dropout), so seeds must change the output.
    """
    call = call or (lambda layer, *inputs: layer(*inputs))
    if make_inputs is None:
        shapes = [input_shape] if all(isinstance(n, int) for n in input_shape) else list(input_shape)
        make_inputs = standard_normal_inputs(*[tuple(s) for s in shapes])
    arrays32 = make_inputs(np.random.default_rng(1000 + seed), np.float32)
    arrays64 = make_inputs(np.random.default_rng(1000 + seed), np.float64)

    glassnet.manual_seed(seed)
    layer = make_layer(None)
    name = type(layer).__name__

    # names and counts
    param_names = [n for n, _ in layer.named_parameters()]
    assert param_names == list(expected_param_names), f"{name}: parameters {param_names}"
    assert len(list(layer.parameters())) == len(expected_param_names)
    buffer_names = [n for n, _ in layer.named_buffers()]
    assert buffer_names == list(expected_buffer_names), f"{name}: buffers {buffer_names}"
    assert sorted(layer.state_dict()) == sorted([*expected_param_names, *expected_buffer_names])

    _check_forward_backward(layer, call, arrays32, grad_inputs, expected_output_shape, np.float32)
    _check_modes(layer)
    _check_seeding(make_layer, call, arrays32, grad_inputs, seed, random_forward)
    assert name in repr(layer), f"repr {repr(layer)!r} does not name {name}"

    glassnet.manual_seed(seed)
    layer64 = make_layer(None)
    assert layer64.double() is layer64, ".double() must return the module"
    for buffer_name, buf in layer64.named_buffers():
        assert buf.dtype.kind != "f" or buf.dtype == np.float64, f"buffer {buffer_name} is {buf.dtype}"
    _check_forward_backward(layer64, call, arrays64, grad_inputs, expected_output_shape, np.float64)
    if torch_layer is not None:
        _check_against_torch(layer64, torch_layer, call, arrays64, grad_inputs, rtol, atol)
    return layer
