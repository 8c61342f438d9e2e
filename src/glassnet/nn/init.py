"""Weight initialisation, in place, with ``torch.nn.init``'s names, formulas and defaults.

Each function draws from ``generator`` (PyTorch 2's keyword: a ``glassnet.Generator`` or a
``numpy.random.Generator``; ``rng=`` is glassnet's older name for it) or, when it is None, from the
global generator seeded by ``glassnet.manual_seed``. Fans follow PyTorch: for a weight of shape
(out, in, *kernel), fan_in = in * prod(kernel) and fan_out = out * prod(kernel). A tensor with no
elements is returned unchanged, as PyTorch's Kaiming and Xavier initialisers do.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import random_generator
from ..tensor import Tensor


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor._data[...] = values
    return tensor


def _source(generator, rng) -> np.random.Generator:
    """The NumPy generator to draw from: ``generator`` or its older name ``rng``, else the global one."""
    if generator is not None and rng is not None:
        raise TypeError("give the generator once: generator= (PyTorch's name) or rng=, not both")
    return random_generator(generator if generator is not None else rng)


def _fans(tensor: Tensor) -> tuple[int, int]:
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need at least 2 dimensions, got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


_UNIT_GAIN = ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d",
              "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")  # fmt: skip


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through ``nonlinearity`` (PyTorch's table)."""
    if nonlinearity in _UNIT_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


_calculate_fan_in_and_fan_out = _fans  # PyTorch's private helper, which custom reset_parameters() call


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None, *, rng=None) -> Tensor:
    """Fill with U(a, b)."""
    return _fill(tensor, _source(generator, rng).uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None, *, rng=None) -> Tensor:
    """Fill with N(mean, std**2)."""
    return _fill(tensor, _source(generator, rng).normal(mean, std, tensor.shape))


def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, generator=None, *, rng=None
) -> Tensor:
    """Fill with N(mean, std**2) conditioned on [a, b] (bounds in the values' units, as PyTorch's).

    Drawn by rejection: values outside [a, b] are drawn again, which gives exactly the truncated
    distribution (PyTorch inverts the CDF instead: the same law, other numbers). After 100 rounds any
    value still outside, possible only when [a, b] lies far in a tail, is clamped, as PyTorch clamps.
    """
    source = _source(generator, rng)
    values = source.normal(mean, std, tensor.shape)
    for _ in range(100):
        outside = (values < a) | (values > b)
        if not outside.any():
            break
        values[outside] = source.normal(mean, std, int(outside.sum()))
    return _fill(tensor, np.clip(values, a, b))


def constant_(tensor: Tensor, val: float) -> Tensor:
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 1)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal of a rectangle too)."""
    if tensor.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported, got shape {tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None, *, rng=None) -> Tensor:
    """U(-a, a), a = gain sqrt(6 / (fan_in + fan_out)): Glorot & Bengio (2010), keeps variance both ways."""
    fan_in, fan_out = _fans(tensor)
    if not tensor.numel():
        return tensor
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator, rng=rng)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None, *, rng=None) -> Tensor:
    """N(0, std**2), std = gain sqrt(2 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _fans(tensor)
    if not tensor.numel():
        return tensor
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator, rng=rng)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fan_in, fan_out = _fans(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator=None,
    *,
    rng=None,
) -> Tensor:
    """U(-b, b), b = gain sqrt(3 / fan): He et al. (2015), keeps ReLU activations' variance steady."""
    if not tensor.numel():
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator, rng=rng)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator=None,
    *,
    rng=None,
) -> Tensor:
    """N(0, std**2), std = gain / sqrt(fan) (He et al., 2015)."""
    if not tensor.numel():
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator, rng=rng)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None, *, rng=None) -> Tensor:
    """A (semi-)orthogonal matrix from the QR of a Gaussian one (Saxe et al., 2014), times ``gain``."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_ needs at least 2 dimensions, got shape {tuple(tensor.shape)}")
    rows, cols = tensor.shape[0], tensor._data.size // tensor.shape[0]
    if not tensor.numel():
        return tensor
    flat = _source(generator, rng).standard_normal((rows, cols))
    q, r = np.linalg.qr(flat.T if rows < cols else flat)
    q = q * np.sign(np.diag(r))  # make the decomposition unique, hence the distribution uniform
    q = q.T if rows < cols else q
    return _fill(tensor, gain * q.reshape(tensor.shape))


glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_
he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_

__all__ = [
    "calculate_gain",
    "constant_",
    "eye_",
    "glorot_normal_",
    "glorot_uniform_",
    "he_normal_",
    "he_uniform_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]
