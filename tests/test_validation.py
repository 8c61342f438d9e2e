"""Every public layer and loss rejects bad input with an error that names it, what it expected and what it got.

One table row per public class of ``glassnet.nn``: a valid input, the text of the shapes it expects, and the
wrong ranks and sizes to try. From each row the walk also derives the wrong dtypes (integers, bool, float16,
float64 into a float32 layer, a Python list), an empty batch (it must work, as in PyTorch, or raise a
ShapeError) and a non-contiguous view of the valid input (it must give the contiguous input's result).
Every shape error must show the layer's repr, the expected pattern and the shape received; every dtype
error the repr and the dtype received. A public class missing from the table fails the walk.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch

import glassnet
from glassnet import DTypeError, ShapeError, nn, optim
from glassnet import functional as F
from glassnet.optim import lr_scheduler as schedule
from glassnet.tensor import Tensor

RNG = np.random.default_rng(0)


def scores(shape):
    return RNG.standard_normal(shape).astype(np.float32)


def probabilities(shape):
    return RNG.uniform(0.05, 0.95, shape).astype(np.float32)


def indices(shape):
    return RNG.integers(0, 2, shape)


@dataclass
class Extra:
    """A bad call the shape table cannot express (a wrong state, target or weight) and what its error shows."""

    label: str
    call: Callable
    error: type
    shows: tuple[str, ...]


@dataclass
class Case:
    """One public class: how to build and call it, a valid input, and the bad inputs to try.

    ``dtypes``: "params" (float32 only, the parameters' dtype), "float" (float32 or float64), "numeric"
    (integers too), "integer" (indices) or "any". ``expects``: the text every shape error must show.
    ``named``: the text that names the layer in its errors (its repr; a loss names its function).
    """

    make: Callable[[], nn.Module]
    good: tuple
    expects: str
    bad_shapes: tuple = ()
    dtypes: str = "params"
    values: Callable = scores
    call: Callable = lambda layer, x: layer(x)
    empty: tuple | None = None
    empty_works: bool = True
    random: bool = False
    named: Callable = repr
    extra: tuple = field(default_factory=tuple)


def loss_case(make, function, good=(3, 2), target=None, values=scores, extra=()):
    """An element-wise loss: the target keeps the valid shape while the input's shape goes wrong."""
    target = values(good) if target is None else target
    return Case(
        make, good, f"target has shape {target.shape}", bad_shapes=((3,), (3, 1), (2, 3), ()), dtypes="float",
        values=values, call=lambda loss, x: loss(x, target), empty=None, named=lambda _: function, extra=extra,
    )  # fmt: skip


def class_loss_case(make, function):
    """A loss over class indices: input (N, C) scores, target (N,) integers in [0, C)."""
    target = np.array([0, 1, 1])
    return Case(
        make, (3, 2), "got (3,)", bad_shapes=((4, 2), (3, 2, 5), (2,)), dtypes="float",
        call=lambda loss, x: loss(x, target), named=lambda _: function,
        extra=(
            Extra("class out of range", lambda loss: loss(scores((3, 2)), np.array([0, 2, 1])), ShapeError,
                  (function, "target 2 is outside [0, 2)", "(3, 2)")),
            Extra("negative class", lambda loss: loss(scores((3, 2)), np.array([0, -1, 1])), ShapeError,
                  (function, "target -1 is outside [0, 2)")),
            Extra("float classes", lambda loss: loss(scores((3, 2)), np.array([[0.5], [1.0], [0.0]])), ValueError,
                  (function, "(3, 2)", "(3, 1)")),
            Extra("boolean classes", lambda loss: loss(scores((3, 2)), np.array([True, False, True])), DTypeError,
                  (function, "dtype bool")),
            Extra("no classes", lambda loss: loss(scores((3, 0)), np.array([0, 0, 0])), ShapeError,
                  (function, "C > 0", "(3, 0)")),
            Extra("weight of the wrong size", lambda loss: type(loss)(weight=np.ones(3, np.float32))(
                scores((3, 2)), np.array([0, 1, 1])), ShapeError, (function, "(2,)", "(3,)")),
        ),
    )  # fmt: skip


def rnn_case(cls, **kwargs):
    batch_first = kwargs.get("batch_first", False)
    good = (2, 3, 4) if batch_first else (3, 2, 4)
    state_name = "h_0" if cls is nn.LSTM else "hx"

    def with_state(state, x_shape=good):
        """Call with ``state`` as h_0 (an LSTM gets a c_0 of the same shape, checked after h_0)."""
        hx = (state, scores(state.shape)) if cls is nn.LSTM else state
        return lambda m: m(scores(x_shape), hx)

    extra = (
        Extra("state of the wrong batch", with_state(scores((1, 3, 5))), ShapeError,
              (state_name, "(1, 2, 5)", "(1, 3, 5)")),
        Extra("state of the wrong size", with_state(scores((1, 2, 6))), ShapeError, ("(1, 2, 5)", "(1, 2, 6)")),
        Extra("state missing its layer axis", with_state(scores((2, 5))), ShapeError, ("(1, 2, 5)", "(2, 5)")),
        Extra("float64 state", with_state(scores((1, 2, 5)).astype(np.float64)), DTypeError,
              (state_name, "dtype float64")),
        Extra("batched state for an unbatched input", with_state(scores((1, 2, 5)), (3, 4)), ShapeError,
              ("(1, 5)", "(1, 2, 5)")),
        Extra("lengths for an unbatched input", lambda m: m(scores((3, 4)), lengths=[3]), ShapeError,
              ("lengths", "(3, 4)")),
    )  # fmt: skip
    if cls is nn.LSTM:
        extra += (Extra("hx that is not a pair", lambda m: m(scores(good), scores((1, 2, 5))), DTypeError,
                        ("pair (h_0, c_0)", "Tensor")),)  # fmt: skip
    batched = "(N, T, 4)" if batch_first else "(T, N, 4)"
    return Case(lambda: cls(4, 5, **kwargs), good, f"{batched} or (T, 4) with T > 0",
                bad_shapes=((2, 3, 5), (4,), (1, 2, 3, 4), (2, 0, 4) if batch_first else (0, 2, 4), (3, 5), (0, 4)),
                empty=(0, 3, 4) if batch_first else (3, 0, 4), extra=extra)  # fmt: skip


def cell_case(cls):
    pair = cls is nn.LSTMCell

    def with_state(state):
        return lambda m: m(scores((2, 4)), (state, state) if pair else state)

    extra = (
        Extra("state of the wrong batch", with_state(scores((3, 5))), ShapeError, ("(2, 5)", "(3, 5)")),
        Extra("state of the wrong size", with_state(scores((2, 6))), ShapeError, ("(2, 5)", "(2, 6)")),
        Extra("float64 state", with_state(scores((2, 5)).astype(np.float64)), DTypeError, ("dtype float64",)),
        Extra("batched state for an unbatched input",
              lambda m: m(scores((4,)), (scores((1, 5)),) * 2 if pair else scores((1, 5))), ShapeError,
              ("(5,)", "(1, 5)")),
    )  # fmt: skip
    if pair:
        extra += (Extra("hx that is not a pair", lambda m: m(scores((2, 4)), scores((2, 5))), DTypeError,
                        ("pair (h_0, c_0)",)),)  # fmt: skip
    return Case(lambda: cls(4, 5), (2, 4), "(N, 4) or (4,)", bad_shapes=((2, 5), (2, 3, 4), ()), empty=(0, 4),
                extra=extra)  # fmt: skip


IMAGES = "(N, C, H, W) or (C, H, W)"


def TOO_SMALL(shape, output):  # noqa: N802  (reads as a constant in the table)
    """An input smaller than the kernel: the error shows the shape and the empty output it would give."""
    return Extra(f"{shape}: too small", lambda m: m(scores(shape)), ShapeError, ("as large as its kernel", str(shape),
                 f"output of spatial size {output}"))  # fmt: skip


POOL_BAD = ((4, 4), (2, 3, 4, 4, 4), (2, 0, 4, 4), (2, 3, 0, 4), (3, 4, 0))
BCE_TARGET = probabilities((3, 2))

CASES: dict[type, list[Case]] = {
    nn.Linear: [Case(lambda: nn.Linear(4, 3), (2, 4), "(*, 4)", bad_shapes=((2, 5), (4, 3), (), (2, 3, 5)),
                     empty=(0, 4))],
    nn.Identity: [Case(nn.Identity, (2, 3), "", dtypes="any", empty=(0, 3))],
    nn.LayerNorm: [Case(lambda: nn.LayerNorm(4), (2, 4), "(..., 4)", bad_shapes=((2, 3), (4, 2)), empty=(0, 4))],
    nn.Unflatten: [Case(lambda: nn.Unflatten(1, (2, 3)), (2, 6), "", bad_shapes=((2, 5),), dtypes="any", empty=(0, 6))],
    nn.Flatten: [
        Case(nn.Flatten, (2, 3, 4), "at least 2 axes", bad_shapes=((5,), ()), dtypes="any", empty=(0, 3, 4)),
        Case(lambda: nn.Flatten(2, 3), (2, 3, 4, 5), "at least 4 axes", bad_shapes=((2, 3, 4),), dtypes="any"),
        Case(lambda: nn.Flatten(0, -3), (2, 3, 4), "at least 3 axes", bad_shapes=((2, 3),), dtypes="any"),
    ],
    nn.Conv1d: [Case(lambda: nn.Conv1d(3, 4, 2), (2, 3, 5), "(N, 3, L) or (3, L) with L > 0",
                     bad_shapes=((2, 4, 5), (2, 5, 3), (3,), (2, 3, 5, 5), (2, 3, 0), (3, 0)), empty=(0, 3, 5),
                     extra=(TOO_SMALL((3, 1), "(0,)"),))],
    nn.Conv2d: [Case(lambda: nn.Conv2d(3, 16, 3), (2, 3, 8, 8), "(N, 3, H, W) or (3, H, W) with H, W > 0",
                     bad_shapes=((32, 28, 28), (2, 8, 8, 3), (28, 28), (2, 3, 0, 8), (3, 8, 0), (1, 2, 3, 8, 8)),
                     empty=(0, 3, 8, 8), extra=(TOO_SMALL((1, 3, 2, 8), "(0, 6)"),)),
                Case(lambda: nn.Conv2d(2, 4, 3, padding=1, dilation=3), (1, 2, 5, 5),
                     "(N, 2, H, W) or (2, H, W) with H, W > 0", bad_shapes=((1, 3, 5, 5),),
                     extra=(TOO_SMALL((2, 4, 4), "(0, 0)"),))],
    nn.ConvTranspose2d: [Case(lambda: nn.ConvTranspose2d(3, 16, 4, 2, 1), (2, 3, 4, 4),
                              "(N, 3, H, W) or (3, H, W) with H, W > 0",
                              bad_shapes=((32, 4, 4), (2, 4, 4, 3), (4, 4), (2, 3, 0, 4), (3, 4, 0), (1, 2, 3, 4, 4)),
                              empty=(0, 3, 4, 4),
                              extra=(Extra("output_size out of reach", lambda m: m(scores((2, 3, 4, 4)), (10, 8)),
                                           ValueError, ("(8, 8) to (9, 9)", "(10, 8)")),)),
                         Case(lambda: nn.ConvTranspose2d(2, 4, 2, padding=1), (1, 2, 2, 2),
                              "(N, 2, H, W) or (2, H, W) with H, W > 0",
                              extra=(Extra("padding that crops the whole output", lambda m: m(scores((1, 2, 1, 1))),
                                           ShapeError, ("(1, 2, 1, 1)", "output of spatial size (0, 0)")),)),
                         Case(lambda: nn.ConvTranspose2d(4, 6, 3, groups=2, dilation=2, output_padding=1), (1, 4, 3, 3),
                              "(N, 4, H, W) or (4, H, W) with H, W > 0", bad_shapes=((1, 3, 3, 3), (1, 6, 3, 3)))],
    nn.MaxPool2d: [Case(lambda: nn.MaxPool2d(2), (2, 3, 4, 4), IMAGES + " with C, H, W > 0", bad_shapes=POOL_BAD,
                        dtypes="float", empty=(0, 3, 4, 4), extra=(TOO_SMALL((2, 3, 1, 4), "(0, 2)"),)),
                   Case(lambda: nn.MaxPool2d(3, stride=2, padding=1, dilation=2, ceil_mode=True), (1, 2, 5, 5),
                        IMAGES + " with C, H, W > 0", bad_shapes=POOL_BAD, dtypes="float",
                        extra=(TOO_SMALL((1, 2, 1, 5), "(0, 2)"),))],
    nn.MinPool2d: [Case(lambda: nn.MinPool2d(2, stride=1), (2, 3, 4, 4), IMAGES + " with C, H, W > 0",
                        bad_shapes=POOL_BAD, dtypes="float", empty=(0, 3, 4, 4))],
    nn.AvgPool2d: [Case(lambda: nn.AvgPool2d(3), (2, 3, 4, 4), IMAGES + " with C, H, W > 0",
                        bad_shapes=POOL_BAD, dtypes="float", empty=(0, 3, 4, 4),
                        extra=(TOO_SMALL((2, 3, 4, 2), "(1, 0)"),))],
    nn.AdaptiveAvgPool2d: [Case(lambda: nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 4, 4), IMAGES + " with H, W > 0",
                                bad_shapes=((4, 4), (2, 3, 4, 4, 4), (2, 3, 0, 4), (3, 4, 0)), dtypes="float",
                                empty=(0, 3, 4, 4))],
    nn.Dropout: [Case(lambda: nn.Dropout(0.5, rng=np.random.default_rng(0)), (2, 3), "", dtypes="float",
                      random=True, empty=(0, 3))],
    nn.Dropout2d: [Case(lambda: nn.Dropout2d(0.5, rng=np.random.default_rng(0)), (2, 3, 4, 4), IMAGES,
                        bad_shapes=((3, 3), (2, 3, 4, 4, 4), (5,)), dtypes="float", random=True, empty=(0, 3, 4, 4))],
    nn.GaussianNoise: [Case(lambda: nn.GaussianNoise(0.5, rng=np.random.default_rng(0)), (2, 3), "", dtypes="float",
                            random=True, empty=(0, 3))],
    nn.MaskingNoise: [Case(lambda: nn.MaskingNoise(0.5, rng=np.random.default_rng(0)), (2, 3), "", dtypes="float",
                           random=True, empty=(0, 3))],
    nn.Upsample: [Case(lambda: nn.Upsample(scale_factor=2), (2, 3, 4, 4),
                       "(N, C, L) or (N, C, H, W) or (N, C, D, H, W) with C, L, D, H, W > 0",
                       bad_shapes=((3, 4), (5,), (2, 0, 4, 4), (2, 3, 0, 4), (1, 2, 3, 4, 5, 6)), dtypes="float",
                       empty=(0, 3, 4, 4)),
                  Case(lambda: nn.Upsample(scale_factor=(2, 3)), (1, 2, 3, 4),
                       "(N, C, L) or (N, C, H, W) or (N, C, D, H, W) with C, L, D, H, W > 0", dtypes="float")],
    nn.BatchNorm1d: [
        Case(lambda: nn.BatchNorm1d(3), (4, 3), "(N, 3) or (N, 3, L)", bad_shapes=((4,), (4, 5), (4, 3, 2, 2)),
             empty=(0, 3), empty_works=False,
             extra=(Extra("one value per channel", lambda m: m(scores((1, 3))), ShapeError,
                          ("more than 1 value per channel", "(1, 3)")),)),
        Case(lambda: nn.BatchNorm1d(3, affine=False, track_running_stats=False), (4, 3, 2), "(N, 3) or (N, 3, L)",
             bad_shapes=((4, 2, 3),), dtypes="float", empty=(0, 3, 2), empty_works=False),
    ],
    nn.BatchNorm2d: [Case(lambda: nn.BatchNorm2d(3), (2, 3, 4, 4), "(N, 3, H, W)",
                          bad_shapes=((3, 4, 4), (2, 4, 4, 4), (2, 3), (2, 4, 4, 3)), empty=(0, 3, 4, 4),
                          empty_works=False)],
    nn.RNN: [rnn_case(nn.RNN), rnn_case(nn.RNN, batch_first=True, nonlinearity="relu")],
    nn.LSTM: [rnn_case(nn.LSTM), rnn_case(nn.LSTM, batch_first=True)],
    nn.GRU: [rnn_case(nn.GRU)],
    nn.Bidirectional: [Case(lambda: nn.Bidirectional(nn.LSTM(4, 5, batch_first=True, bidirectional=True), "sum"),
                            (2, 3, 4),
                            "(N, T, 4) or (T, 4) with T > 0", bad_shapes=((2, 3, 5), (4,)), empty=(0, 3, 4),
                            named=lambda layer: repr(layer.module))],
    nn.RNNCell: [cell_case(nn.RNNCell)],
    nn.LSTMCell: [cell_case(nn.LSTMCell)],
    nn.GRUCell: [cell_case(nn.GRUCell)],
    nn.Embedding: [Case(lambda: nn.Embedding(5, 3), (2, 3), "", dtypes="integer", values=indices, empty=(0, 3),
                        extra=(Extra("index out of range", lambda m: m(np.array([5])), IndexError, ("[0, 5)",)),))],
    nn.ReLU: [Case(nn.ReLU, (2, 3), "", dtypes="numeric", empty=(0, 3))],
    nn.Sigmoid: [Case(nn.Sigmoid, (2, 3), "", dtypes="numeric", empty=(0, 3))],
    nn.Tanh: [Case(nn.Tanh, (2, 3), "", dtypes="numeric", empty=(0, 3))],
    nn.LeakyReLU: [Case(nn.LeakyReLU, (2, 3), "", dtypes="float", empty=(0, 3))],
    nn.ELU: [Case(nn.ELU, (2, 3), "", dtypes="float", empty=(0, 3))],
    nn.Softplus: [Case(nn.Softplus, (2, 3), "", dtypes="float", empty=(0, 3))],
    **{cls: [Case(cls, (2, 3), "", dtypes="float", empty=(0, 3))]
       for cls in (nn.ReLU6, nn.SELU, nn.CELU, nn.SiLU, nn.Mish, nn.Hardtanh, nn.Softsign, nn.LogSigmoid)},
    nn.GELU: [Case(lambda: nn.GELU(approximate="tanh"), (2, 3), "", dtypes="float", empty=(0, 3))],
    nn.GLU: [Case(nn.GLU, (2, 4), "", dtypes="float", empty=(0, 4))],
    nn.Threshold: [Case(lambda: nn.Threshold(0.1, 20.0), (2, 3), "", dtypes="float", empty=(0, 3))],
    nn.Softmin: [Case(lambda: nn.Softmin(dim=1), (2, 3), "", dtypes="float", empty=(0, 3))],
    nn.Softmax: [Case(lambda: nn.Softmax(dim=1), (2, 3), "at least 2 axes for dim=1", bad_shapes=((3,), ()),
                      dtypes="float", empty=(0, 3))],
    nn.LogSoftmax: [Case(lambda: nn.LogSoftmax(dim=-3), (2, 3, 4), "at least 3 axes for dim=-3",
                         bad_shapes=((3, 4),), dtypes="float", empty=(0, 3, 4))],
    nn.MSELoss: [loss_case(nn.MSELoss, "mse_loss")],
    nn.L1Loss: [loss_case(nn.L1Loss, "l1_loss")],
    nn.HuberLoss: [loss_case(nn.HuberLoss, "huber_loss")],
    nn.SmoothL1Loss: [loss_case(nn.SmoothL1Loss, "smooth_l1_loss")],
    nn.KLDivLoss: [loss_case(lambda: nn.KLDivLoss(reduction="batchmean"), "kl_div", target=probabilities((3, 2)))],
    nn.BCEWithLogitsLoss: [loss_case(nn.BCEWithLogitsLoss, "binary_cross_entropy_with_logits")],
    nn.BCELoss: [loss_case(nn.BCELoss, "binary_cross_entropy", target=BCE_TARGET, values=probabilities, extra=(
        Extra("target above 1", lambda m: m(probabilities((3, 2)), BCE_TARGET + 1), ValueError, ("target", "[0, 1]")),
        Extra("input below 0", lambda m: m(-probabilities((3, 2)), BCE_TARGET), ValueError, ("input", "[0, 1]")),
        Extra("nan input", lambda m: m(np.full((3, 2), np.nan, np.float32), BCE_TARGET), ValueError, ("nan",)),
    ))],  # fmt: skip
    nn.NLLLoss: [class_loss_case(nn.NLLLoss, "nll_loss")],
    nn.CrossEntropyLoss: [class_loss_case(nn.CrossEntropyLoss, "cross_entropy")],
}  # fmt: skip

# Not layers: the base classes and containers hold other modules and check nothing themselves.
NOT_LAYERS = {nn.Module, nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.RNNBase}

BAD_DTYPES = {
    "params": (np.int64, np.float64, np.bool_, np.float16, list),
    "float": (np.int64, np.int32, np.bool_, np.float16, list),
    "numeric": (np.bool_, np.float16, np.complex64, list),
    "integer": (np.float32, np.bool_, list),
    "any": (),
}


def public_layer_classes() -> set[type]:
    return {obj for obj in (getattr(nn, name) for name in nn.__all__) if inspect.isclass(obj)
            and issubclass(obj, nn.Module)}  # fmt: skip


def as_input(array):
    return Tensor(array) if isinstance(array, np.ndarray) else array


def bad_inputs(case: Case) -> list[tuple[str, object, type, tuple[str, ...]]]:
    """(label, input, error, texts the message must show besides the layer's name) for every bad input."""
    found = []
    for shape in case.bad_shapes:
        found.append((f"shape {shape}", case.values(shape), ShapeError, (case.expects, str(shape))))
    for dtype in BAD_DTYPES[case.dtypes]:
        valid = case.values(case.good)
        if dtype is list:
            found.append(("a Python list", valid.tolist(), DTypeError, ("list",)))
        else:
            found.append((np.dtype(dtype).name, valid.astype(dtype), DTypeError, (f"dtype {np.dtype(dtype).name}",)))
    return found


WALK = [
    pytest.param(cls, i, case, id=f"{cls.__name__}-{i}") for cls, cases in CASES.items() for i, case in enumerate(cases)
]


def test_every_public_layer_is_walked():
    missing = public_layer_classes() - set(CASES) - NOT_LAYERS
    assert not missing, f"add a row to CASES for {sorted(c.__name__ for c in missing)}"
    assert not set(CASES) & NOT_LAYERS


def test_the_walk_counts():
    layers = sum(len(cases) for cases in CASES.values())
    tried = sum(len(bad_inputs(case)) + len(case.extra) for cases in CASES.values() for case in cases)
    print(f"\n{len(CASES)} public classes, {layers} configurations, {tried} bad inputs tried")
    assert len(CASES) >= 34 and tried >= 250


@pytest.mark.parametrize("cls, index, case", WALK)
def test_bad_input_names_the_layer_and_both_shapes(cls, index, case):
    layer = case.make()
    assert type(layer) is cls
    name = case.named(layer)
    for label, value, error, texts in bad_inputs(case):
        with pytest.raises(error) as caught:
            case.call(layer, as_input(value))
        message = str(caught.value)
        for text in (name, *texts):
            assert text in message, f"{label}: {text!r} missing from the message {message!r}"
    for extra in case.extra:
        with pytest.raises(extra.error) as caught:
            extra.call(layer)
        message = str(caught.value)
        for text in (() if extra.error is IndexError else (name,)) + extra.shows:
            assert text in message, f"{extra.label}: {text!r} missing from the message {message!r}"


def first(output):
    return output[0] if isinstance(output, tuple) else output


@pytest.mark.parametrize("cls, index, case", WALK)
def test_empty_batch_works_or_says_so(cls, index, case):
    if case.empty is None:
        return
    layer = case.make()
    x = Tensor(case.values(case.empty))
    if not case.empty_works:
        with pytest.raises(ShapeError, match=re.escape(str(case.empty))):
            case.call(layer, x)
        return
    out = first(case.call(layer, x))
    assert out.numpy().size == 0 and out.shape[0 if case.empty[0] == 0 else 1] == 0


@pytest.mark.parametrize("cls, index, case", WALK)
def test_non_contiguous_input_gives_the_contiguous_result(cls, index, case):
    """A strided view (every other element of a wider array) must give what its contiguous copy gives."""
    shape = case.good
    wide = case.values(shape[:-1] + (2 * shape[-1],))
    view = wide[..., ::2]
    assert not view.flags.c_contiguous and view.shape == shape
    layer = case.make()
    for train in (False,) if case.random else (True, False):
        layer.train(train)
        expected = first(case.call(layer, Tensor(np.ascontiguousarray(view))))
        got = first(case.call(layer, Tensor(view)))
        np.testing.assert_array_equal(got.numpy(), expected.numpy(), err_msg=f"training={train}")


def test_message_of_the_issue_example():
    """The hardening issue's own example, word for word."""
    with pytest.raises(ShapeError) as caught:
        nn.Conv2d(3, 16, 3)(glassnet.zeros(32, 28, 28))
    assert str(caught.value) == (
        "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1)) expected input of shape (N, 3, H, W) or (3, H, W) "
        "with H, W > 0, got (32, 28, 28)"
    )
    with pytest.raises(DTypeError, match=r"dtype float32 \(the dtype of its parameters\), got dtype int64"):
        nn.Linear(4, 2)(np.ones((2, 4), np.int64))


def test_documented_errors_are_the_builtin_ones_users_already_catch():
    assert issubclass(ShapeError, ValueError) and issubclass(DTypeError, TypeError)
    with pytest.raises(ValueError):
        nn.Linear(4, 2)(glassnet.zeros(2, 5))


# ----------------------------------------------------------------------------- losses beyond the walk
EMPTY_LOSSES = [
    ("mse_loss", lambda f, x, y: f.mse_loss(x, y), (0, 3), "scores"),
    ("l1_loss", lambda f, x, y: f.l1_loss(x, y), (0, 3), "scores"),
    ("huber_loss", lambda f, x, y: f.huber_loss(x, y), (0, 3), "scores"),
    ("binary_cross_entropy", lambda f, x, y: f.binary_cross_entropy(x, y), (0, 3), "probabilities"),
    ("binary_cross_entropy_with_logits", lambda f, x, y: f.binary_cross_entropy_with_logits(x, y), (0, 3), "scores"),
    ("nll_loss", lambda f, x, y: f.nll_loss(x, y), (0, 3), "classes"),
    ("cross_entropy", lambda f, x, y: f.cross_entropy(x, y), (0, 3), "classes"),
    ("cross_entropy-probabilities", lambda f, x, y: f.cross_entropy(x, y), (0, 3), "probabilities"),
    ("nll_loss-all-ignored", lambda f, x, y: f.nll_loss(x, y), (2, 3), "ignored"),
    ("cross_entropy-all-ignored", lambda f, x, y: f.cross_entropy(x, y), (2, 3), "ignored"),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, loss, shape, target", EMPTY_LOSSES, ids=[row[0] for row in EMPTY_LOSSES])
def test_a_loss_over_nothing_is_what_pytorch_gives(name, loss, shape, target, reduction):
    """Mean over no values is nan (no warning, no ZeroDivisionError), a sum is 0, 'none' is empty, as in PyTorch."""
    x = probabilities(shape) if target == "probabilities" and "cross" not in name else scores(shape)
    if target in ("classes", "ignored"):
        y = np.full(shape[0], -100 if target == "ignored" else 0)
    else:
        y = probabilities(shape)
    with_reduction = lambda f, a, b: loss(_Reduction(f, reduction), a, b)
    ours = with_reduction(F, Tensor(x, requires_grad=True), y)
    theirs = with_reduction(torch.nn.functional, torch.tensor(x, requires_grad=True), torch.tensor(y))
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    ours.sum().backward()


class _Reduction:
    """``torch.nn.functional`` or ``glassnet.functional`` with every loss called at one reduction."""

    def __init__(self, module, reduction):
        self.module, self.reduction = module, reduction

    def __getattr__(self, name):
        return lambda *args: getattr(self.module, name)(*args, reduction=self.reduction)


@pytest.mark.parametrize("targets", ["classes", "probabilities"])
def test_cross_entropy_takes_an_unbatched_input_as_pytorch_does(targets):
    x = scores((5,))
    y = np.array(3) if targets == "classes" else probabilities((5,))
    ours = Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    loss, expected = F.cross_entropy(ours, y), torch.nn.functional.cross_entropy(theirs, torch.tensor(y))
    expected.backward()
    loss.backward()
    assert loss.shape == () and expected.shape == ()
    np.testing.assert_allclose(loss.numpy(), expected.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(F.nll_loss(Tensor(x), np.array(3)).numpy(), -x[3])


# ----------------------------------------------------------------------------- optimizers and schedules
def params():
    return [nn.Parameter(np.zeros(2, np.float32))]


OPTIMIZERS = [
    getattr(optim, name)
    for name in optim.__all__
    if inspect.isclass(getattr(optim, name))
    and issubclass(getattr(optim, name), optim.Optimizer)
    and getattr(optim, name) is not optim.Optimizer
]
BAD_SETTINGS = {
    "lr": ("learning rate", [-0.1, float("nan"), "0.1", None]),
    "momentum": ("momentum", [-0.9, float("nan")]),
    "weight_decay": ("weight_decay", [-1e-4, float("nan")]),
    "eps": ("epsilon", [0.0, -1e-8, float("nan")]),
    "betas": ("beta", [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.9), (0.9, float("nan")), (0.9,), 0.9]),
    "alpha": ("alpha", [1.0, -0.5, float("nan")]),
    "rho": ("rho", [1.5, -0.1, float("nan")]),
    "lr_decay": ("lr_decay", [-0.1]),
    "initial_accumulator_value": ("initial_accumulator_value", [-1.0]),
}  # fmt: skip


def bad_settings(cls):
    accepted = inspect.signature(cls).parameters
    return [(key, name, value) for key, (name, values) in BAD_SETTINGS.items() if key in accepted for value in values]


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_every_optimizer_rejects_invalid_hyperparameters_naming_them(cls):
    tried = bad_settings(cls)
    assert len(tried) >= 7, f"{cls.__name__} takes too few of the checked settings: {tried}"
    for key, name, value in tried:
        for where, build in (
            ("argument", lambda: cls(params(), **{key: value})),
            ("parameter group", lambda: cls([{"params": params(), key: value}])),
        ):
            with pytest.raises(ValueError, match=f"Invalid {name}") as caught:
                build()
            shown = [repr(value), *map(repr, value if isinstance(value, tuple) else ())]
            assert any(text in str(caught.value) for text in shown), f"{where} {key}={value!r}: {caught.value}"


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_every_optimizer_rejects_bad_parameter_lists(cls):
    p = params()
    with pytest.raises(TypeError, match="one Tensor"):
        cls(p[0])
    with pytest.raises(TypeError, match="only update Tensors"):
        cls([np.zeros(2)])
    with pytest.raises(ValueError, match="appears twice"):
        cls(p + p)
    with pytest.raises(ValueError, match="appears twice"):
        cls([{"params": p}, {"params": p}])
    with pytest.raises(ValueError, match="'params' entry"):
        cls([{"lr": 0.1}])
    with pytest.raises(ValueError, match="empty"):
        cls([])


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_loading_invalid_settings_changes_nothing(cls):
    optimizer = cls(params())
    state = optimizer.state_dict()
    state["param_groups"][0]["lr"] = -1.0
    before = dict(optimizer.param_groups[0])
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        optimizer.load_state_dict(state)
    assert optimizer.param_groups[0] == before


def test_sgd_nesterov_needs_momentum_without_dampening():
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(params(), nesterov=True)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([{"params": params(), "dampening": 0.5}], momentum=0.9, nesterov=True)


SCHEDULES = sorted(
    (obj for obj in vars(schedule).values() if inspect.isclass(obj) and issubclass(obj, schedule.LRScheduler)
     and obj is not schedule.LRScheduler), key=lambda c: c.__name__)  # fmt: skip
BAD_SCHEDULES = {
    schedule.StepLR: [dict(step_size=0), dict(step_size=2.5), dict(step_size=True), dict(step_size=3, gamma=-0.1),
                      dict(step_size=3, gamma=float("nan"))],
    schedule.MultiStepLR: [dict(milestones=[3, -1]), dict(milestones=[2.5]), dict(milestones=[3], gamma=float("nan"))],
    schedule.ExponentialLR: [dict(gamma=-0.5), dict(gamma=float("nan"))],
    schedule.CosineAnnealingLR: [dict(T_max=0), dict(T_max=10, eta_min=-0.1), dict(T_max=10, eta_min=float("nan"))],
    schedule.LinearLR: [dict(start_factor=0.0), dict(start_factor=float("nan")), dict(end_factor=1.5),
                        dict(total_iters=0)],
    schedule.SequentialLR: [dict(milestones=[], schedulers=[]), dict(milestones=[-1]), dict(milestones=[1.5])],
    schedule.LambdaLR: [dict(lr_lambda=[abs, abs])],
    schedule.MultiplicativeLR: [dict(lr_lambda=[abs, abs, abs])],
    schedule.ConstantLR: [dict(factor=1.5), dict(factor=-0.1), dict(factor=float("nan")), dict(total_iters=-1)],
    schedule.PolynomialLR: [dict(total_iters=0), dict(power=-1.0), dict(power=float("nan"))],
    schedule.CosineAnnealingWarmRestarts: [dict(T_0=0), dict(T_0=10, T_mult=0), dict(T_0=10, eta_min=-0.1)],
    schedule.ReduceLROnPlateau: [dict(factor=1.0), dict(factor=float("nan")), dict(patience=-1),
                                 dict(threshold=-1e-4), dict(cooldown=1.5), dict(eps=-1.0), dict(min_lr=-0.1),
                                 dict(min_lr=[0.0, 0.0]), dict(mode="lowest")],
}  # fmt: skip


@pytest.mark.parametrize("cls", SCHEDULES, ids=lambda c: c.__name__)
def test_every_schedule_rejects_invalid_settings(cls):
    assert cls in BAD_SCHEDULES, f"add the invalid settings of {cls.__name__} to BAD_SCHEDULES"
    for kwargs in BAD_SCHEDULES[cls]:
        optimizer = optim.SGD(params(), lr=0.1)
        *_, setting = kwargs  # the last one given is the invalid one
        if cls is schedule.SequentialLR:
            kwargs = {"schedulers": [schedule.LinearLR(optimizer), schedule.ExponentialLR(optimizer, 0.9)], **kwargs}
        with pytest.raises(ValueError) as caught:
            cls(optimizer, **kwargs)
        assert setting.rstrip("s") in str(caught.value), f"{kwargs}: {caught.value}"
    assert schedule.StepLR(optim.SGD(params()), step_size=np.int64(3)).step_size == 3  # NumPy integers count


def test_clipping_rejects_settings_that_would_flip_or_hide_gradients():
    p = params()
    p[0].grad = glassnet.tensor(np.ones(2, np.float32))
    for kwargs, name in [
        (dict(max_norm=-1.0), "max_norm"),
        (dict(max_norm=float("nan")), "max_norm"),
        (dict(max_norm=1.0, norm_type=0), "norm_type"),
        (dict(max_norm=1.0, norm_type=-2), "norm_type"),
    ]:
        with pytest.raises(ValueError, match=f"Invalid {name}"):
            nn.utils.clip_grad_norm_(p, **kwargs)
    with pytest.raises(ValueError, match="Invalid clip_value"):
        nn.utils.clip_grad_value_(p, -0.5)
    np.testing.assert_array_equal(p[0].grad, 1.0)  # nothing was scaled
