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
    compare_with_pca(model, X_train, y_train, X_test, y_test)

References: Hinton & Salakhutdinov, "Reducing the dimensionality of data with neural networks",
Science 313 (2006); Vincent, Larochelle, Bengio & Manzagol, "Extracting and composing robust features
with denoising autoencoders", ICML 2008; Baldi & Hornik, "Neural networks and principal component
analysis: learning from examples without local minima", Neural Networks 2 (1989).
"""

from __future__ import annotations

import importlib
import os

import numpy as np

from ..autograd import no_grad
from ..backend import default_float, default_rng
from ..nn.activation import LeakyReLU, ReLU, Sigmoid, Tanh
from ..nn.conv import Conv2d
from ..nn.linear import Flatten, Linear
from ..nn.loss import MSELoss
from ..nn.module import Module, Sequential
from ..nn.pooling import MaxPool2d
from ..tensor import Tensor

_ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU}


# ----------------------------------------------------------------------------------------------- corruption
class GaussianNoise(Module):
    """Additive Gaussian corruption x~ = x + std * eps, eps ~ N(0, I), in training; the identity in eval.

    Shapes: any input; output of the same shape. ``rng`` or, when None, the global generator at call
    time. Vincent et al. (2010) use it for real-valued inputs.
    """

    def __init__(self, std: float = 0.1, rng: np.random.Generator | None = None):
        super().__init__()
        if std < 0:
            raise ValueError(f"noise std must be >= 0, got {std}")
        self.std, self.rng = std, rng

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.std == 0:
            return x
        noise = (self.rng or default_rng()).standard_normal(x.shape, dtype=x.dtype)
        return x + noise * x.dtype.type(self.std)

    def extra_repr(self) -> str:
        return f"std={self.std}"


class MaskingNoise(Module):
    """Masking corruption: each input element is set to 0 with probability ``p`` in training; the identity in eval.

    x~ = x * m, m ~ Bernoulli(1 - p) elementwise, not rescaled (unlike dropout: the decoder must
    restore the missing values, not their expectation). Vincent et al. (2008) force a fixed fraction
    of each input to zero; drawing each element independently gives that fraction on average.
    Shapes: any input; output of the same shape.
    """

    def __init__(self, p: float = 0.25, rng: np.random.Generator | None = None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"masking probability must be in [0, 1], got {p}")
        self.p, self.rng = p, rng

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0:
            return x
        keep = (self.rng or default_rng()).random(x.shape) >= self.p  # P(u >= p) = 1 - p
        return x * keep.astype(x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p}"


# ----------------------------------------------------------------------------------------------- reshaping layers
class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``: (N, C*H*W) -> (N, C, H, W) (PyTorch's ``nn.Unflatten``)."""

    def __init__(self, dim: int, unflattened_size: tuple):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        dim = self.dim % x.ndim
        return x.reshape(x.shape[:dim] + self.unflattened_size + x.shape[dim + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Upsample(Module):
    """Nearest-neighbour upsampling by an integer factor: y[n, c, i, j] = x[n, c, i // s, j // s].

    Written as reshape (N, C, H, 1, W, 1), broadcast to (N, C, H, s, W, s), reshape (N, C, sH, sW): the
    broadcast's backward sums each s x s block of the gradient. Shapes: (N, C, H, W) -> (N, C, sH, sW).
    PyTorch's ``nn.Upsample(scale_factor=s, mode="nearest")``.
    """

    def __init__(self, scale_factor: int = 2):
        super().__init__()
        if int(scale_factor) != scale_factor or scale_factor < 1:
            raise ValueError(f"scale_factor must be a positive integer, got {scale_factor}")
        self.scale_factor = int(scale_factor)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4:
            raise ValueError(f"Upsample expects (N, C, H, W), got shape {tuple(x.shape)}")
        n, c, h, w = x.shape
        s = self.scale_factor
        return x.reshape(n, c, h, 1, w, 1).expand(n, c, h, s, w, s).reshape(n, c, h * s, w * s)

    def extra_repr(self) -> str:
        return f"scale_factor={self.scale_factor}, mode='nearest'"


# ----------------------------------------------------------------------------------------------- the model
class Autoencoder(Module):
    """x -> corruption (training only) -> encoder -> code h -> decoder -> x_hat.

    Args:
        encoder: maps inputs (N, ...) to codes (N, k).
        decoder: maps codes (N, k) back to the input's shape.
        corruption: a module applied to the input in training mode only (e.g. :class:`GaussianNoise`,
            :class:`MaskingNoise`): a denoising autoencoder. It must be the identity in eval mode.
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

    def _apply_numpy(self, fn, X, batch_size: int) -> np.ndarray:
        X = np.asarray(X._data if isinstance(X, Tensor) else X, dtype=default_float())
        modes = [(m, m.training) for m in self.modules()]
        self.eval()
        try:
            with no_grad():
                parts = [fn(Tensor(X[i : i + batch_size]))._data for i in range(0, len(X), batch_size)]
        finally:
            for module, mode in modes:
                object.__setattr__(module, "training", mode)
        return np.concatenate(parts)

    def transform(self, X, batch_size: int = 1024) -> np.ndarray:
        """Codes of ``X`` as a NumPy array (N, k): eval mode (no corruption), no graph, modes restored."""
        return self._apply_numpy(self.encoder, X, batch_size)

    def reconstruct(self, X, batch_size: int = 1024) -> np.ndarray:
        """decoder(encoder(X)) as a NumPy array of X's shape: eval mode, no graph, modes restored."""
        return self._apply_numpy(lambda x: self.decoder(self.encoder(x)), X, batch_size)


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
    Upsample(2) (nearest) and Conv2d(c, c_next, k, 'same') with ReLU, the last one to C channels with
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
        decoder += [Upsample(2), Conv2d(previous, out, kernel_size, padding="same", rng=rng)]
        decoder += _activation(output_activation) if last else [ReLU()]
        previous = out
    return Autoencoder(Sequential(*encoder), Sequential(*decoder), corruption, sparsity)


# ----------------------------------------------------------------------------------------------- measures
def code_sparsity(codes) -> float:
    """Hoyer's sparsity of each code, averaged: (sqrt(k) - |h|_1 / |h|_2) / (sqrt(k) - 1), in [0, 1].

    1 when one unit carries the whole code, 0 when all k units have the same magnitude; unchanged by
    rescaling the code (the decoder could undo any rescaling). All-zero codes count as 1.
    Codes (N, k), k > 1. Hoyer, "Non-negative matrix factorization with sparseness constraints", JMLR 2004.
    """
    h = np.abs(np.asarray(codes, dtype=np.float64))
    k = h.shape[1]
    if k < 2:
        raise ValueError(f"sparsity needs codes of at least 2 units, got shape {tuple(h.shape)}")
    l1, l2 = h.sum(axis=1), np.sqrt((h * h).sum(axis=1))
    ratio = np.divide(l1, l2, out=np.ones_like(l1), where=l2 > 0)
    return float(((np.sqrt(k) - ratio) / (np.sqrt(k) - 1)).mean())


def _sklearn(module: str, caller: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{caller} needs scikit-learn: pip install scikit-learn") from None


def pca_codes(X_train, X_test, code_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PCA fitted on ``X_train`` (flattened): (codes_train, codes_test, reconstruction of X_test).

    Codes are the projections on the top ``code_size`` principal components; the reconstruction is
    mean + codes @ components, the best rank-k linear reconstruction in squared error. Arrays (N, ...);
    codes (N, code_size); the reconstruction has X_test's shape. Uses scikit-learn's PCA (full SVD).
    """
    decomposition = _sklearn("sklearn.decomposition", "pca_codes")
    X_train, X_test = np.asarray(X_train, np.float64), np.asarray(X_test, np.float64)
    pca = decomposition.PCA(n_components=code_size, svd_solver="full").fit(X_train.reshape(len(X_train), -1))
    codes_train = pca.transform(X_train.reshape(len(X_train), -1))
    codes_test = pca.transform(X_test.reshape(len(X_test), -1))
    return codes_train, codes_test, pca.inverse_transform(codes_test).reshape(X_test.shape)


def reconstruction_mse(X, reconstruction) -> float:
    """mean((x_hat - x)**2) over samples and features, in float64."""
    X, reconstruction = np.asarray(X, np.float64), np.asarray(reconstruction, np.float64)
    if X.size != reconstruction.size:
        raise ValueError(f"X has {X.size} values but the reconstruction has {reconstruction.size}")
    return float(((reconstruction.reshape(X.shape) - X) ** 2).mean())


def probe_accuracy(Z_train, y_train, Z_test, y_test, max_iter: int = 2000) -> float:
    """Test accuracy of a logistic regression trained on standardised features Z (a linear probe).

    The same probe scores autoencoder codes, PCA codes and raw pixels, so the comparison is about
    the representation, not the classifier. scikit-learn's StandardScaler and LogisticRegression
    (L2, C = 1, lbfgs).
    """
    preprocessing = _sklearn("sklearn.preprocessing", "probe_accuracy")
    linear_model = _sklearn("sklearn.linear_model", "probe_accuracy")
    Z_train = np.asarray(Z_train, np.float64).reshape(len(Z_train), -1)
    Z_test = np.asarray(Z_test, np.float64).reshape(len(Z_test), -1)
    scaler = preprocessing.StandardScaler().fit(Z_train)
    classifier = linear_model.LogisticRegression(max_iter=max_iter)
    classifier.fit(scaler.transform(Z_train), y_train)
    return float(classifier.score(scaler.transform(Z_test), y_test))


def compare_with_pca(model: Autoencoder, X_train, y_train, X_test, y_test) -> dict[str, float]:
    """A trained autoencoder against PCA with the same code size, on held-out data.

    Returns ``code_size``; ``ae_mse`` and ``pca_mse``, the test reconstruction errors
    (:func:`reconstruction_mse`); ``ae_accuracy``, ``pca_accuracy`` and ``raw_accuracy``, the
    :func:`probe_accuracy` of a logistic regression on the autoencoder's codes, on PCA codes and on
    the raw inputs. X arrays in the model's input shape, labels (N,).
    """
    codes_train, codes_test = model.transform(X_train), model.transform(X_test)
    k = codes_train.shape[1]
    pca_train, pca_test, pca_reconstruction = pca_codes(X_train, X_test, k)
    return {
        "code_size": k,
        "ae_mse": reconstruction_mse(X_test, model.reconstruct(X_test)),
        "pca_mse": reconstruction_mse(X_test, pca_reconstruction),
        "ae_accuracy": probe_accuracy(codes_train, y_train, codes_test, y_test),
        "pca_accuracy": probe_accuracy(pca_train, y_train, pca_test, y_test),
        "raw_accuracy": probe_accuracy(X_train, y_train, X_test, y_test),
    }


# ----------------------------------------------------------------------------------------------- figures
def plot_codes_2d(
    codes,
    labels=None,
    *,
    title: str = "2-D codes",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
):
    """Scatter of 2-D codes (N, 2), coloured by class label when given (one legend entry per class).

    Returns the ``matplotlib.figure.Figure`` (object API, no pyplot state); writes a PNG to ``path`` if given.
    """
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"expected codes of shape (N, 2), got {tuple(codes.shape)}")
    fig = Figure(figsize=(5.5, 5), layout="constrained")
    ax = fig.add_subplot()
    if labels is None:
        ax.scatter(codes[:, 0], codes[:, 1], s=5, alpha=0.6)
    else:
        labels = np.asarray(labels)
        colours = colormaps["tab10"]
        for i, label in enumerate(np.unique(labels)):
            chosen = labels == label
            ax.scatter(codes[chosen, 0], codes[chosen, 1], s=5, alpha=0.6, color=colours(i % 10), label=str(label))
        ax.legend(markerscale=3, fontsize="small", loc="best", ncols=2)
    ax.set_xlabel("code unit 1")
    ax.set_ylabel("code unit 2")
    ax.set_title(title)
    if path is not None:
        fig.savefig(path, format="png", dpi=dpi)
    return fig


def plot_reconstructions(
    originals,
    reconstructions,
    image_shape: tuple | None = None,
    n: int = 10,
    *,
    title: str = "Inputs (top) and reconstructions (bottom)",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
):
    """The first ``n`` inputs above their reconstructions, as one grey mosaic (see ``gan.tile_images``)."""
    from .gan import plot_sample_grid

    originals, reconstructions = np.asarray(originals)[:n], np.asarray(reconstructions)[:n]
    shape = image_shape or originals.shape[-2:]
    stacked = np.concatenate(
        [originals.reshape(len(originals), *shape), reconstructions.reshape(len(originals), *shape)]
    )
    return plot_sample_grid(stacked, ncols=len(originals), title=title, path=path, dpi=dpi)
