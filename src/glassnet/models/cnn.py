"""Convolutional image classifiers and an MLP of the same parameter budget.

Three builders share one shape convention: images (N, C, H, W) in, class scores (N, classes) out.
The small CNN reaches about 98% test accuracy on the fixed 4,000 / 1,000 split of the MNIST subset
(``glassnet.data.mnist_subset_split()``) after 6 epochs of Adam on shifted training copies with a cosine
learning-rate decay (examples/lenet_mnist.py); the MLP of its budget reaches about 91%.

    lenet5        conv 5x5 (6) -> pool -> conv 5x5 (16) -> pool -> FC 120 -> FC 84 -> FC classes
                  (LeCun, Bottou, Bengio & Haffner, 1998), with ReLU and max pooling by default
    small_cnn     blocks of conv 3x3 -> BatchNorm2d -> ReLU -> 2x2 pool, then flatten -> FC classes
    budget_mlp    Linear -> ReLU layers whose width is solved so the MLP has (about) a given parameter count

The augmentation that gets there, ``glassnet.data.random_shift``, moves every image by its own
whole-pixel offset with zero fill: pass it as ``DataLoader(..., transform=random_shift)``.

Typical use::

    x_train, x_test, y_train, y_test = mnist_subset_split()
    model = small_cnn(image_size=28)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True, rng=0, transform=random_shift)
    fit(model, nn.CrossEntropyLoss(), Adam(model.parameters(), lr=3e-3), loader, epochs=6)
    mlp = budget_mlp(glassnet.train.count_parameters(model), in_features=784)   # the fully connected comparison

References: LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to document recognition",
Proc. IEEE 86(11) (1998); Ioffe & Szegedy, "Batch normalization", ICML 2015; Simard, Steinkraus & Platt,
"Best practices for convolutional neural networks applied to visual document analysis", ICDAR 2003
(distorted copies of the training images as augmentation).
"""

from __future__ import annotations

import math

import numpy as np

from ..nn.activation import ReLU, Tanh
from ..nn.conv import Conv2d
from ..nn.linear import Flatten, Linear
from ..nn.module import Module, Sequential
from ..nn.norm import BatchNorm2d
from ..nn.pooling import AvgPool2d, MaxPool2d, MinPool2d

_POOLS = {"max": MaxPool2d, "avg": AvgPool2d, "min": MinPool2d}
_ACTIVATIONS = {"relu": ReLU, "tanh": Tanh}


def _pool(kind: str) -> Module:
    if kind not in _POOLS:
        raise ValueError(f"pool must be one of {', '.join(_POOLS)}, got {kind!r}")
    return _POOLS[kind](2)


def lenet5(
    in_channels: int = 1,
    num_classes: int = 10,
    image_size: int = 28,
    activation: str = "relu",
    pool: str = "max",
    rng: np.random.Generator | None = None,
) -> Sequential:
    """LeNet-5: two conv/pool stages and three fully connected layers.

    conv 5x5, 6 maps, 'same' -> act -> pool 2 -> conv 5x5, 16 maps, 'valid' -> act -> pool 2 -> flatten
    -> FC 120 -> act -> FC 84 -> act -> FC ``num_classes``.

    The 1998 network read 32x32 images with a 'valid' first convolution; padding a 28x28 MNIST image
    by 2 ('same') gives the same 28x28 -> 14x14 -> 10x10 -> 5x5 sizes, hence 16 x 5 x 5 = 400 features
    and 61,706 parameters for one input channel and 10 classes. ``activation`` "relu" (default) or
    "tanh" (closer to the original's scaled tanh); ``pool`` "max" (default), "avg" (the original's
    subsampling, without its trainable scale) or "min". Input (N, in_channels, image_size, image_size),
    output (N, num_classes) scores. ``image_size`` must leave at least one pixel after the stages (>= 12).
    """
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(_ACTIVATIONS)}, got {activation!r}")
    side = ((image_size // 2) - 4) // 2
    if side < 1:
        raise ValueError(f"lenet5 needs image_size >= 12, got {image_size}")
    act = _ACTIVATIONS[activation]
    return Sequential(
        Conv2d(in_channels, 6, 5, padding="same", rng=rng), act(), _pool(pool),
        Conv2d(6, 16, 5, rng=rng), act(), _pool(pool),
        Flatten(),
        Linear(16 * side * side, 120, rng=rng), act(),
        Linear(120, 84, rng=rng), act(),
        Linear(84, num_classes, rng=rng),
    )  # fmt: skip


def small_cnn(
    in_channels: int = 1,
    num_classes: int = 10,
    image_size: int = 28,
    channels: tuple = (16, 32),
    kernel_size: int = 3,
    pool: str | None = "max",
    batch_norm: bool = True,
    activation: str | None = "relu",
    stride: int = 1,
    rng: np.random.Generator | None = None,
) -> Sequential:
    """A small modern CNN: per entry of ``channels``, conv k x k 'same' -> BatchNorm2d -> ReLU -> 2x2 pool.

    Then flatten -> Linear(channels[-1] * s * s, num_classes), s being the side left after the blocks.
    With the defaults on 28x28 images: 28 -> 14 -> 7, 32 x 7 x 7 = 1,568 features, 20,538 parameters;
    the convolutions have no bias, as BatchNorm's shift replaces it. Input
    (N, in_channels, image_size, image_size), output (N, num_classes) scores.

    The variants the lab compares: ``pool`` "max", "avg", "min" or None (no pooling layer);
    ``batch_norm=False`` (the classic conv -> ReLU -> pool block, convolutions with a bias);
    ``activation`` "relu", "tanh" or None (no nonlinearity in the blocks); ``stride`` > 1 makes each
    convolution downsample by itself ('same' padding gives ceil(side / stride)).
    """
    if activation is not None and activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(_ACTIVATIONS)} or None, got {activation!r}")
    layers, c_in, side = [], in_channels, image_size
    for c_out in channels:
        layers.append(Conv2d(c_in, c_out, kernel_size, stride, "same", bias=not batch_norm, rng=rng))
        side = -(-side // stride)
        if batch_norm:
            layers.append(BatchNorm2d(c_out))
        if activation is not None:
            layers.append(_ACTIVATIONS[activation]())
        if pool is not None:
            layers.append(_pool(pool))
            side //= 2
        c_in = c_out
    if side < 1:
        raise ValueError(f"{len(channels)} downsampling blocks leave nothing of a {image_size}x{image_size} image")
    layers += [Flatten(), Linear(c_in * side * side, num_classes, rng=rng)]
    return Sequential(*layers)


def mlp_width(n_params: int, in_features: int, num_classes: int = 10, hidden_layers: int = 1) -> int:
    """Width h of ``hidden_layers`` equal hidden layers that brings an MLP closest to ``n_params`` parameters.

    One layer:  P = h (in + 1) + c (h + 1).  L >= 2 layers: P = h (in + 1) + (L - 1) h (h + 1) + c (h + 1),
    solved for h and rounded to the nearer integer count.
    """
    if hidden_layers < 1:
        raise ValueError(f"hidden_layers must be >= 1, got {hidden_layers}")
    a, b, c = hidden_layers - 1, in_features + 1 + num_classes + (hidden_layers - 1), num_classes - n_params
    h = -c / b if a == 0 else (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    if h < 1:
        raise ValueError(f"{n_params} parameters cannot hold a hidden layer of width >= 1")

    def count(w: int) -> int:
        return w * (in_features + 1) + a * w * (w + 1) + num_classes * (w + 1)

    return min((max(1, math.floor(h)), math.ceil(h)), key=lambda w: abs(count(w) - n_params))


def budget_mlp(
    n_params: int,
    in_features: int,
    num_classes: int = 10,
    hidden_layers: int = 1,
    rng: np.random.Generator | None = None,
) -> Sequential:
    """Flatten -> (Linear -> ReLU) x hidden_layers -> Linear, sized to about ``n_params`` parameters.

    The width comes from :func:`mlp_width`; the input is flattened first, so the model takes images
    (N, C, H, W) or vectors (N, in_features) alike. Output (N, num_classes) scores.
    """
    width = mlp_width(n_params, in_features, num_classes, hidden_layers)
    layers, fan_in = [Flatten()], in_features
    for _ in range(hidden_layers):
        layers += [Linear(fan_in, width, rng=rng), ReLU()]
        fan_in = width
    layers.append(Linear(fan_in, num_classes, rng=rng))
    return Sequential(*layers)
