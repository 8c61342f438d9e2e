"""Autoencoders: an encoder f to a code h = f(x), a decoder g back to x_hat = g(h), trained so that x_hat ~ x.

The target is the input itself, so training needs no labels: ``glassnet.train.fit(model, loss, optimizer, X)``
with X alone uses X as the target. The variants here differ in what keeps the identity map out of reach:

    undercomplete   dim h < dim x:   min E |g(f(x)) - x|^2                     (Hinton & Salakhutdinov, 2006)
    denoising       x~ ~ C(x~ | x):  min E |g(f(x~)) - x|^2, corruption C in training only   (Vincent et al., 2008)
    sparse          any dim h:       min E |g(f(x)) - x|^2 + lambda E mean_j |h_j|           (L1 on the code)

A linear autoencoder trained with the squared error learns the subspace of the top principal
components (Baldi & Hornik, 1989), so PCA at the same code size is the baseline every autoencoder
here is compared with: reconstruction error, and the accuracy of a logistic regression on the codes.

Typical use::

    model = dense_autoencoder(64, 2, hidden=(32,), activation="tanh", sparsity=1e-3)
    fit(model, AutoencoderLoss(model), Adam(model.parameters(), lr=1e-2), X, epochs=50, batch_size=64)
    codes = model.transform(X)                       # (N, 2), NumPy
    glassnet.metrics.compare_with_pca(model, X_train, y_train, X_test, y_test)

References: Hinton & Salakhutdinov, "Reducing the dimensionality of data with neural networks",
Science 313 (2006); Vincent, Larochelle, Bengio & Manzagol, "Extracting and composing robust features
with denoising autoencoders", ICML 2008; Baldi & Hornik, "Neural networks and principal component
analysis: learning from examples without local minima", Neural Networks 2 (1989).
"""

from __future__ import annotations

import numpy as np

from ..backend import default_float
from ..metrics import extract_features
from ..nn.activation import LeakyReLU, ReLU, Sigmoid, Tanh
from ..nn.conv import Conv2d
from ..nn.linear import Flatten, Linear, Unflatten
from ..nn.loss import MSELoss
from ..nn.module import Module, Sequential
from ..nn.pooling import MaxPool2d
from ..nn.upsampling import Upsample
from ..tensor import Tensor

_ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU}


# ----------------------------------------------------------------------------------------------- the model
class Autoencoder(Module):
    """x -> corruption (training only) -> encoder -> code h -> decoder -> x_hat.

    Args:
        encoder: maps inputs (N, ...) to codes (N, k).
        decoder: maps codes (N, k) back to the input's shape.
        corruption: a module applied to the input in training mode only (e.g. ``nn.GaussianNoise``,
            ``nn.MaskingNoise``): a denoising autoencoder. It must be the identity in eval mode.
        sparsity: lambda of the L1 code penalty lambda * mean |h| (mean over the batch and the code
            units) that :meth:`code_penalty` returns and :class:`AutoencoderLoss` adds to the loss.

    ``last_code`` holds the code of the latest forward. ``encode``/``decode`` work on Tensors with a
    graph; ``transform``/``reconstruct`` take and return NumPy arrays in eval mode, like scikit-learn's
    ``PCA.transform``/``inverse_transform``.
    """

    def __init__(self, encoder: Module, decoder: Module, corruption: Module | None = None, sparsity: float = 0.0):
        super().__init__()
        if sparsity < 0:
            raise ValueError(f"sparsity must be >= 0, got {sparsity}")
        self.encoder, self.decoder = encoder, decoder
        self.corruption = corruption
        self.sparsity = float(sparsity)
        self.last_code: Tensor | None = None

    def encode(self, x: Tensor) -> Tensor:
        """h = f(x): the code, (N, k)."""
        return self.encoder(x)

    def decode(self, code: Tensor) -> Tensor:
        """x_hat = g(h): the reconstruction from a code."""
        return self.decoder(code)

    def forward(self, x: Tensor) -> Tensor:
        if self.corruption is not None:
            x = self.corruption(x)
        self.last_code = self.encoder(x)
        return self.decoder(self.last_code)

    def code_penalty(self) -> Tensor:
        """lambda * mean |h| over the latest forward's code (a scalar Tensor; 0 when ``sparsity`` is 0)."""
        if self.sparsity == 0 or self.last_code is None:
            return Tensor(np.zeros((), default_float()))
        return self.last_code.abs().mean() * self.sparsity

    def transform(self, X, batch_size: int = 1024) -> np.ndarray:
        """Codes of ``X`` as a NumPy array (N, k): eval mode (no corruption), no graph, modes restored."""
        return extract_features(self.encoder, X, batch_size)

    def reconstruct(self, X, batch_size: int = 1024) -> np.ndarray:
        """decoder(encoder(X)) as a NumPy array of X's shape: eval mode, no graph, modes restored."""
        return extract_features(Sequential(self.encoder, self.decoder), X, batch_size)


class AutoencoderLoss:
    """reconstruction(x_hat, x) + model.code_penalty(): the loss of a (sparse) autoencoder, for ``fit``.

    ``fit(model, AutoencoderLoss(model), optimizer, X)`` trains a sparse autoencoder: the penalty
    lambda * mean |h| uses the code of the forward that produced ``x_hat``. With ``sparsity=0`` it is
    the reconstruction loss alone. ``reconstruction`` defaults to ``nn.MSELoss()``.
    Not a Module: it holds a reference to the model, not a copy of its parameters.
    """

    def __init__(self, model: Autoencoder, reconstruction=None):
        self.model = model
        self.reconstruction = MSELoss() if reconstruction is None else reconstruction

    def __call__(self, output: Tensor, target) -> Tensor:
        loss = self.reconstruction(output, target)
        return loss + self.model.code_penalty() if self.model.sparsity else loss

    def __repr__(self) -> str:
        return f"AutoencoderLoss(reconstruction={self.reconstruction!r}, sparsity={self.model.sparsity})"


# ----------------------------------------------------------------------------------------------- builders
def _activation(name: str | None) -> list[Module]:
    if name is None or name == "linear":
        return []
    if name not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(_ACTIVATIONS)} or None")
    return [_ACTIVATIONS[name]()]


def dense_autoencoder(
    in_features: int,
    code_size: int,
    hidden: tuple[int, ...] = (),
    activation: str = "relu",
    code_activation: str | None = None,
    output_activation: str | None = None,
    corruption: Module | None = None,
    sparsity: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Autoencoder:
    """A fully connected autoencoder, the decoder mirroring the encoder: in -> hidden... -> code -> ...hidden -> in.

    ``activation`` follows every hidden layer; the code gets ``code_activation`` and the output
    ``output_activation`` (None: linear; "sigmoid" for inputs in [0, 1]). ``hidden=()`` with no
    activations is the linear autoencoder whose optimum spans the PCA subspace. ``corruption`` makes
    it denoising, ``sparsity`` > 0 sparse (see :class:`Autoencoder`). Layers: ``encoder`` and
    ``decoder`` are Sequentials of Linear and activation modules. Input (N, in_features).
    """
    sizes = [in_features, *hidden, code_size]
    encoder, decoder = [], []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        encoder += [Linear(a, b, rng=rng), *_activation(activation if i < len(sizes) - 2 else code_activation)]
    back = sizes[::-1]
    for i, (a, b) in enumerate(zip(back[:-1], back[1:])):
        decoder += [Linear(a, b, rng=rng), *_activation(activation if i < len(back) - 2 else output_activation)]
    return Autoencoder(Sequential(*encoder), Sequential(*decoder), corruption, sparsity)


def conv_autoencoder(
    image_shape: tuple[int, int, int] = (1, 28, 28),
    code_size: int = 16,
    channels: tuple[int, ...] = (16, 32),
    kernel_size: int = 3,
    output_activation: str | None = "sigmoid",
    corruption: Module | None = None,
    sparsity: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Autoencoder:
    """A convolutional autoencoder for images (C, H, W) with a dense code of ``code_size``.

    Encoder: per entry c of ``channels``, Conv2d(c_prev, c, k, padding='same'), ReLU, MaxPool2d(2);
    then Flatten and Linear to the code. Decoder, mirrored: Linear, ReLU, Unflatten, then per level
    Upsample(scale_factor=2) (nearest) and Conv2d(c, c_next, k, 'same') with ReLU, the last one to C channels with
    ``output_activation``. H and W must be divisible by 2**len(channels).
    Input (N, C, H, W); code (N, code_size); output (N, C, H, W).
    """
    c, h, w = image_shape
    levels = len(channels)
    if h % 2**levels or w % 2**levels:
        raise ValueError(f"image size {h}x{w} must be divisible by 2**{levels} = {2**levels} (one halving per level)")
    small = (channels[-1], h // 2**levels, w // 2**levels)
    flat = small[0] * small[1] * small[2]
    encoder, previous = [], c
    for out in channels:
        encoder += [Conv2d(previous, out, kernel_size, padding="same", rng=rng), ReLU(), MaxPool2d(2)]
        previous = out
    encoder += [Flatten(), Linear(flat, code_size, rng=rng)]
    decoder = [Linear(code_size, flat, rng=rng), ReLU(), Unflatten(1, small)]
    targets = list(channels[-2::-1]) + [c]
    for i, out in enumerate(targets):
        last = i == len(targets) - 1
        decoder += [Upsample(scale_factor=2), Conv2d(previous, out, kernel_size, padding="same", rng=rng)]
        decoder += _activation(output_activation) if last else [ReLU()]
        previous = out
    return Autoencoder(Sequential(*encoder), Sequential(*decoder), corruption, sparsity)
