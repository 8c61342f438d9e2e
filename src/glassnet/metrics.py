"""Metrics: plain functions on NumPy arrays, from class predictions to representations and generated samples.

- classification: :func:`accuracy`, :func:`binary_accuracy` (``fit(metrics=["accuracy"])`` names them);
- representations: :func:`reconstruction_mse`, :func:`code_sparsity`, :func:`pca_codes`,
  :func:`probe_accuracy`, :func:`compare_with_pca` (an autoencoder against PCA at the same code size);
- generated samples: :func:`energy_distance`, :func:`frechet_distance` (the FID's formula on any feature
  map, see :func:`extract_features`), :func:`mode_coverage` on a ring of Gaussians,
  :func:`nearest_neighbour_distances` to the training set (are samples copies?).
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

import numpy as np

from .autograd import no_grad
from .backend import default_float
from .nn.inference import eval_mode
from .nn.module import Module
from .tensor import Tensor

__all__ = [
    "METRICS",
    "ModeCoverage",
    "accuracy",
    "binary_accuracy",
    "code_sparsity",
    "compare_with_pca",
    "energy_distance",
    "extract_features",
    "frechet_distance",
    "gaussian_frechet_distance",
    "mode_coverage",
    "nearest_neighbour_distances",
    "pca_codes",
    "probe_accuracy",
    "reconstruction_mse",
]


# ----------------------------------------------------------------------------------------------- classification
def accuracy(output, target) -> float:
    """Fraction of samples whose highest score (argmax over the last axis) is the target class.

    ``output``: (N, C) scores, logits or probabilities (or (N, ..., C)). ``target``: (N, ...) class
    indices, or one-hot / probability rows of ``output``'s shape (their argmax is the class).
    For a single logit or probability per sample use :func:`binary_accuracy`.
    """
    output, target = np.asarray(output), np.asarray(target)
    if output.ndim < 2 or output.shape[-1] == 1:
        raise ValueError(
            f"accuracy needs class scores of shape (N, C), got {output.shape}; "
            "for one score per sample use binary_accuracy"
        )
    if target.shape == output.shape:
        target = target.argmax(axis=-1)
    if target.shape != output.shape[:-1]:
        raise ValueError(f"accuracy: target shape {target.shape} does not fit output shape {output.shape}")
    return float(np.mean(output.argmax(axis=-1) == target))


def binary_accuracy(output, target, threshold: float = 0.5) -> float:
    """Fraction of samples where ``output > threshold`` equals ``target > 0.5``.

    Use ``threshold=0.5`` for probabilities (after a sigmoid) and ``0.0`` for logits, e.g.
    ``metrics={"acc": lambda o, t: binary_accuracy(o, t, threshold=0.0)}``.
    """
    output, target = np.asarray(output), np.asarray(target)
    if output.size != target.size:
        raise ValueError(f"binary_accuracy: output {output.shape} and target {target.shape} differ in size")
    return float(np.mean((output.reshape(target.shape) > threshold) == (target > 0.5)))


METRICS = {"accuracy": accuracy, "binary_accuracy": binary_accuracy}


# ----------------------------------------------------------------------------------------------- representations
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


def compare_with_pca(model, X_train, y_train, X_test, y_test) -> dict[str, float]:
    """A trained autoencoder against PCA with the same code size, on held-out data.

    ``model``: anything with NumPy ``transform`` (codes) and ``reconstruct``, such as
    :class:`glassnet.models.Autoencoder`.
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


# ----------------------------------------------------------------------------------------------- generated samples
def extract_features(module: Module, X, batch_size: int = 1024) -> np.ndarray:
    """``module(X)`` as a NumPy array (N, ...): eval mode, no graph, ``batch_size`` rows at a time.

    The features the Frechet distance compares: for a Sequential classifier, ``extract_features(classifier[:-1], X)``
    gives the last hidden layer; an autoencoder's codes are ``extract_features(model.encoder, X)``. X (N, ...) is
    cast to the default dtype.
    """
    X = np.asarray(X._data if isinstance(X, Tensor) else X, dtype=default_float())
    with eval_mode(module), no_grad():
        return np.concatenate([module(Tensor(X[i : i + batch_size]))._data for i in range(0, len(X), batch_size)])


def energy_distance(a: np.ndarray, b: np.ndarray) -> float:
    """2 E|X - Y| - E|X - X'| - E|Y - Y'| between samples (N, d) and (M, d) (Szekely & Rizzo, 2013).

    Zero only when the two distributions are equal and, unlike a Frechet distance, it sees more than
    means and covariances, so a generator that drops modes pays for it. Self-pairs are included
    (the V-statistic), which keeps it >= 0.
    """
    from scipy.spatial.distance import cdist

    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(2 * cdist(a, b).mean() - cdist(a, a).mean() - cdist(b, b).mean())


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """The symmetric square root of a symmetric positive semi-definite matrix, from its eigendecomposition."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def gaussian_frechet_distance(mu1, cov1, mu2, cov2) -> float:
    """Squared Frechet (2-Wasserstein) distance between N(mu1, cov1) and N(mu2, cov2):

        d^2 = |mu1 - mu2|^2 + tr(cov1 + cov2 - 2 (cov1^(1/2) cov2 cov1^(1/2))^(1/2))

    tr((cov1 cov2)^(1/2)) is computed as the trace of the root of the symmetric PSD matrix
    cov1^(1/2) cov2 cov1^(1/2) (same eigenvalues), with eigenvalues clipped at 0: no complex
    rounding residue, unlike a general matrix square root of the non-symmetric product.
    Means (d,), covariances (d, d); float64 throughout. Dowson & Landau (1982).
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    cov1, cov2 = np.atleast_2d(np.asarray(cov1, np.float64)), np.atleast_2d(np.asarray(cov2, np.float64))
    root1 = _sqrt_psd(cov1)
    middle = root1 @ cov2 @ root1
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_root = np.sqrt(np.clip(eigenvalues, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(cov1) + np.trace(cov2) - 2 * trace_root)


def frechet_distance(features_real, features_fake) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (N1, d) and (N2, d) (the FID's formula).

    Each set is summarised by its mean and covariance (ddof=1), then
    :func:`gaussian_frechet_distance`. The FID uses Inception features; any fixed feature map works
    (e.g. the hidden layer of a classifier trained on the real data), and scores from different
    feature maps are not comparable. About 0 for two large samples of one distribution (a small
    positive bias shrinks as 1/N). Heusel et al., "GANs trained by a two time-scale update rule
    converge to a local Nash equilibrium", NeurIPS 2017.
    """
    a, b = np.asarray(features_real, np.float64), np.asarray(features_fake, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"expected two feature arrays (N1, d) and (N2, d), got shapes {a.shape} and {b.shape}")
    return gaussian_frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


class ModeCoverage(NamedTuple):
    """Result of :func:`mode_coverage`."""

    modes_covered: int
    high_quality_fraction: float
    counts: np.ndarray
    high_quality: np.ndarray  # (N,) bool: the samples within ``within`` standard deviations of a centre


def mode_coverage(samples, centres, std: float, within: float = 3.0, min_fraction: float | None = None) -> ModeCoverage:
    """How many modes a generator reaches and how many of its samples are good.

    A sample is high quality when it lies within ``within`` standard deviations of its nearest centre;
    ``counts[k]`` is the number of high-quality samples nearest to centre k. A mode is covered when it
    holds at least ``min_fraction`` of all samples (default 0.4 / modes: 5% for 8 modes, about 40% of a
    fair share). Samples (N, 2) or (N, d), centres (modes, d). Criteria as in Srivastava et al., "VEEGAN",
    NeurIPS 2017.
    """
    samples = np.asarray(samples, dtype=np.float64)
    centres = np.asarray(centres, dtype=np.float64)
    distances = np.sqrt(((samples[:, None, :] - centres[None, :, :]) ** 2).sum(axis=-1))
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(samples)), nearest] <= within * std
    counts = np.bincount(nearest[good], minlength=len(centres))
    min_fraction = 0.4 / len(centres) if min_fraction is None else min_fraction
    covered = int((counts >= min_fraction * len(samples)).sum())
    return ModeCoverage(covered, float(good.mean()), counts, good)


def nearest_neighbour_distances(samples, train, chunk: int = 512) -> np.ndarray:
    """Euclidean distance from each sample (flattened) to its nearest row of ``train``: (N,) float64.

    |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, one GEMM per chunk of samples, clipped at 0 against rounding.
    Compare generated samples with held-out real ones: distances near 0 mean copies of training
    images, distances like the held-out ones mean new samples from the same distribution.
    """
    a = np.asarray(samples, np.float64).reshape(len(samples), -1)
    b = np.asarray(train, np.float64).reshape(len(train), -1)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"samples have {a.shape[1]} features but train has {b.shape[1]}")
    b_sq = (b * b).sum(axis=1)
    out = np.empty(len(a))
    for i in range(0, len(a), chunk):
        part = a[i : i + chunk]
        squared = (part * part).sum(axis=1)[:, None] + b_sq[None, :] - 2 * part @ b.T
        out[i : i + chunk] = np.sqrt(np.clip(squared.min(axis=1), 0, None))
    return out
