"""Generative adversarial networks: two modules, two optimizers, one minimax game.

A generator G maps noise z ~ N(0, I) to samples G(z); a discriminator D maps a sample to a logit
l = D(x), read as the probability sigmoid(l) that x is real. They are trained in turn:

    D step:  minimise  -E_x log sigmoid(D(x)) - E_z log(1 - sigmoid(D(G(z))))
                     = E_x softplus(-D(x)) + E_z softplus(D(G(z)))          (BCE with logits, targets 1 and 0)
    G step:  minimise  -E_z log sigmoid(D(G(z))) = E_z softplus(-D(G(z)))   (the non-saturating loss)

The minimax loss of the paper, E_z log(1 - sigmoid(D(G(z)))) = -E_z softplus(D(G(z))), has the same
fixed point but a vanishing gradient while D easily rejects the samples (sigmoid(D(G(z))) near 0), which
is exactly how training starts; the non-saturating loss flips the target instead and gets the strongest
gradient there. Its optimum: for a fixed G the best D is D*(x) = p_data(x) / (p_data(x) + p_g(x)), and
the game's equilibrium is p_g = p_data with D* = 1/2 everywhere.

Also here: a ring of Gaussians (the usual 2-D test of mode collapse) with its coverage metrics, the
Frechet distance between feature statistics, nearest-neighbour distances to the training set (are
samples copies?), and figures built with Matplotlib's object API.

Reference: Goodfellow, Pouget-Abadie, Mirza, Xu, Warde-Farley, Ozair, Courville & Bengio,
"Generative adversarial nets", NeurIPS 2014 (Algorithm 1, and section 3 for the non-saturating loss).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..autograd import no_grad
from ..backend import default_float, default_rng, manual_seed
from ..nn import functional as F
from ..nn.module import Module
from ..ops.elementwise import stable_sigmoid
from ..optim.adam import Adam
from ..optim.optimizer import Optimizer
from ..tensor import Tensor


# ----------------------------------------------------------------------------------------------- losses
def discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """BCE with logits, real labelled 1 and fake 0: mean softplus(-l_real) + mean softplus(l_fake).

    -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l), so this equals
    ``F.binary_cross_entropy_with_logits(l_real, 1) + F.binary_cross_entropy_with_logits(l_fake, 0)``
    in three ops fewer. Logits of any shape, usually (N, 1); returns a scalar.
    """
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: Tensor, non_saturating: bool = True) -> Tensor:
    """The generator's loss on D's logits for its samples: mean softplus(-l) (non-saturating), or -mean softplus(l).

    Non-saturating: -E log sigmoid(l), BCE with logits against the label 'real'. Minimax (the
    paper's value function): E log(1 - sigmoid(l)) = -E softplus(l), whose gradient in l,
    -sigmoid(l), vanishes when D confidently rejects the samples.
    """
    return F.softplus(-fake_logits).mean() if non_saturating else -F.softplus(fake_logits).mean()


# ----------------------------------------------------------------------------------------------- the model
def _first_in_features(module: Module) -> int | None:
    for sub in module.modules():
        if hasattr(sub, "in_features"):
            return int(sub.in_features)
    return None


class GAN(Module):
    """A generator and a discriminator held together, with one update step for each.

    ``state_dict`` holds both (keys ``generator.*`` and ``discriminator.*``); the optimizers stay
    with the caller, one per network (see :func:`train_gan`). ``gan(z)`` is ``generator(z)``.

    Args:
        generator: maps noise (N, latent_dim) to samples (N, ...).
        discriminator: maps samples (N, ...) to logits (N, 1).
        latent_dim: the noise dimension; by default the ``in_features`` of the generator's first
            layer that has one (a ``Linear``).
        non_saturating: the generator's loss (see :func:`generator_loss`); True is the usual choice.
        rng: draws the noise; None uses the global generator (``glassnet.manual_seed``) at call time.
    """

    def __init__(
        self,
        generator: Module,
        discriminator: Module,
        latent_dim: int | None = None,
        non_saturating: bool = True,
        rng: np.random.Generator | None = None,
    ):
        super().__init__()
        self.generator, self.discriminator = generator, discriminator
        latent_dim = _first_in_features(generator) if latent_dim is None else latent_dim
        if latent_dim is None:
            raise ValueError("cannot infer latent_dim: the generator has no layer with in_features; pass latent_dim")
        self.latent_dim, self.non_saturating, self.rng = int(latent_dim), non_saturating, rng

    def forward(self, z: Tensor) -> Tensor:
        return self.generator(z)

    def _dtype(self) -> np.dtype:
        """The generator's parameter dtype (float64 after ``gan.double()``), else the default dtype."""
        first = next(self.generator.parameters(), None)
        return default_float() if first is None else first.dtype

    def sample_noise(self, n: int, rng: np.random.Generator | None = None) -> Tensor:
        """z ~ N(0, I), (n, latent_dim), in the generator's dtype; from ``rng``, ``self.rng`` or the global one."""
        rng = rng or self.rng or default_rng()
        return Tensor(rng.standard_normal((n, self.latent_dim), dtype=self._dtype()))

    def generate(self, n: int | None = None, z=None, rng: np.random.Generator | None = None) -> np.ndarray:
        """``n`` samples (or one per row of ``z``) as a NumPy array: eval mode, no graph, modes restored."""
        if (n is None) == (z is None):
            raise ValueError("generate() needs either n (fresh noise) or z (given noise), not both")
        z = self.sample_noise(n, rng) if z is None else Tensor(np.asarray(z, dtype=self._dtype()))
        modes = [(m, m.training) for m in self.generator.modules()]
        self.generator.eval()
        try:
            with no_grad():
                return self.generator(z)._data
        finally:
            for module, mode in modes:
                object.__setattr__(module, "training", mode)

    def d_step(self, real, optimizer: Optimizer, rng: np.random.Generator | None = None) -> tuple[float, float, float]:
        """One discriminator update on a batch of real samples and as many fresh fakes.

        The fakes are made without a graph: D's loss needs no gradient through G.
        Returns (loss, mean sigmoid(D(x)) on the real batch, mean sigmoid(D(G(z))) on the fakes).
        """
        real = real if isinstance(real, Tensor) else Tensor(real)
        with no_grad():
            fake = self.generator(self.sample_noise(len(real), rng))
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
        loss = discriminator_loss(real_logits, fake_logits)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item(), _mean_probability(real_logits), _mean_probability(fake_logits)

    def g_step(self, batch_size: int, optimizer: Optimizer, rng: np.random.Generator | None = None) -> float:
        """One generator update on ``batch_size`` fresh samples; returns the generator's loss.

        D's parameters are frozen for the step: the gradient flows through D to G's samples, but
        D's own weight gradients (one GEMM per layer) are never computed.
        """
        frozen = [(p, p.requires_grad) for p in self.discriminator.parameters()]
        for p, _ in frozen:
            p.requires_grad = False
        try:
            logits = self.discriminator(self.generator(self.sample_noise(batch_size, rng)))
            loss = generator_loss(logits, self.non_saturating)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        finally:
            for p, flag in frozen:
                p.requires_grad = flag
        return loss.item()


def _mean_probability(logits: Tensor) -> float:
    """Mean of sigmoid(logits), computed on the array (no graph)."""
    return float(stable_sigmoid(logits._data.astype(np.float64)).mean())


# ----------------------------------------------------------------------------------------------- training
@dataclass
class GANHistory:
    """What :func:`train_gan` measured, one entry per iteration (d_steps D updates, then g_steps G updates).

    Attributes:
        d_loss, g_loss: the mean discriminator and generator loss of the iteration's updates.
        d_real, d_fake: mean D probability sigmoid(D(x)) on the real batches and on the fakes, before
            each D update (both drift towards 1/2 when G matches the data and D cannot tell).
        iterations, d_updates, g_updates: counts of iterations and of optimizer steps of each network.
        samples_seen: real samples used by the D updates.
        snapshots: (iteration, samples from a fixed noise batch) pairs, with ``snapshot_every``.
        hparams: the run's settings.
    """

    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    iterations: int = 0
    d_updates: int = 0
    g_updates: int = 0
    samples_seen: int = 0
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)
    hparams: dict = field(default_factory=dict)


class _BatchCycle:
    """Mini-batches of rows of ``data`` without replacement inside each pass, a new permutation per pass."""

    def __init__(self, data: np.ndarray, batch_size: int, rng: np.random.Generator):
        if batch_size > len(data):
            raise ValueError(f"batch_size {batch_size} is larger than the {len(data)} training samples")
        self.data, self.batch_size, self.rng = data, batch_size, rng
        self.order, self.cursor = rng.permutation(len(data)), 0

    def next(self) -> np.ndarray:
        if self.cursor + self.batch_size > len(self.order):
            self.order, self.cursor = self.rng.permutation(len(self.data)), 0
        index = self.order[self.cursor : self.cursor + self.batch_size]
        self.cursor += self.batch_size
        return self.data[index]


def train_gan(
    gan: GAN,
    data,
    steps: int,
    *,
    batch_size: int = 64,
    d_steps: int = 1,
    g_steps: int = 1,
    d_optimizer: Optimizer | None = None,
    g_optimizer: Optimizer | None = None,
    lr: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    seed: int | None = None,
    snapshot_every: int | None = None,
    snapshot_count: int = 64,
    callback: Callable[[int, GAN, GANHistory], None] | None = None,
) -> GANHistory:
    """Train ``gan`` for ``steps`` iterations of Goodfellow et al.'s Algorithm 1; return a :class:`GANHistory`.

    Each iteration takes ``d_steps`` discriminator updates, each on a fresh real mini-batch (rows of
    ``data`` drawn without replacement, a new permutation per pass) and fresh noise, then ``g_steps``
    generator updates on fresh noise, each of ``batch_size`` samples.

    Args:
        gan: the generator and discriminator.
        data: real samples (N, ...), an array or a Tensor; cast to the default dtype.
        steps: iterations.
        batch_size: real samples per D update and generated samples per update.
        d_steps, g_steps: updates of each network per iteration (the paper's k is ``d_steps``).
        d_optimizer, g_optimizer: one per network, over its parameters only; by default Adam with
            ``lr`` and ``betas`` (lr 2e-4 and beta1 = 0.5 follow Radford et al., 2016).
        seed: reseeds the global generator and draws batches and noise from a generator seeded with
            it; None draws them from the global generator.
        snapshot_every: record samples of a fixed noise batch (``snapshot_count`` rows) before
            training, every ``snapshot_every`` iterations, and at the end (sample grids over training).
        callback: ``callback(iteration, gan, history)`` after every iteration (counted from 1).
    """
    for name, value in (("steps", steps), ("batch_size", batch_size), ("d_steps", d_steps), ("g_steps", g_steps)):
        if value < (0 if name == "steps" else 1):
            raise ValueError(f"{name} must be a positive integer, got {value}")
    if seed is not None:
        manual_seed(seed)
    sequence = np.random.SeedSequence(seed if seed is not None else int(default_rng().integers(2**63)))
    # separate streams: taking snapshots does not change the batches and noise of training
    train_sequence, snapshot_sequence = sequence.spawn(2)
    rng = np.random.default_rng(train_sequence)
    data = np.asarray(data._data if isinstance(data, Tensor) else data, dtype=default_float())
    batches = _BatchCycle(data, batch_size, rng)
    d_optimizer = d_optimizer or Adam(gan.discriminator.parameters(), lr=lr, betas=betas)
    g_optimizer = g_optimizer or Adam(gan.generator.parameters(), lr=lr, betas=betas)
    history = GANHistory(
        hparams={
            "steps": steps,
            "batch_size": batch_size,
            "d_steps": d_steps,
            "g_steps": g_steps,
            "d_optimizer": type(d_optimizer).__name__,
            "g_optimizer": type(g_optimizer).__name__,
            "lr": (d_optimizer.param_groups[0]["lr"], g_optimizer.param_groups[0]["lr"]),
            "latent_dim": gan.latent_dim,
            "non_saturating": gan.non_saturating,
            "seed": seed,
        }
    )
    fixed_noise = None
    if snapshot_every:
        fixed_noise = np.random.default_rng(snapshot_sequence).standard_normal((snapshot_count, gan.latent_dim))
        history.snapshots.append((0, gan.generate(z=fixed_noise)))
    gan.train()
    for iteration in range(1, steps + 1):
        d_results = [gan.d_step(batches.next(), d_optimizer, rng) for _ in range(d_steps)]
        g_losses = [gan.g_step(batch_size, g_optimizer, rng) for _ in range(g_steps)]
        loss, real, fake = np.mean(d_results, axis=0)
        history.d_loss.append(float(loss))
        history.d_real.append(float(real))
        history.d_fake.append(float(fake))
        history.g_loss.append(float(np.mean(g_losses)))
        history.iterations = iteration
        history.d_updates += d_steps
        history.g_updates += g_steps
        history.samples_seen += d_steps * batch_size
        if snapshot_every and (iteration % snapshot_every == 0 or iteration == steps):
            history.snapshots.append((iteration, gan.generate(z=fixed_noise)))
        if callback is not None:
            callback(iteration, gan, history)
    return history


# ----------------------------------------------------------------------------------------------- ring data
def ring_centres(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """Mode centres (modes, 2): radius (cos 2 pi k / modes, sin 2 pi k / modes), k = 0..modes-1."""
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_of_gaussians(n: int, modes: int = 8, radius: float = 2.0, std: float = 0.05, seed: int = 0) -> np.ndarray:
    """n points (n, 2), float32, from an equal mixture of isotropic Gaussians N(c_k, std**2 I) on a ring.

    The standard 2-D test of mode collapse (Metz et al., "Unrolled generative adversarial networks",
    ICLR 2017): a generator that fits one Gaussian at a time is seen at once. Centres: :func:`ring_centres`.
    """
    rng = np.random.default_rng(seed)
    mode = rng.integers(0, modes, n)
    points = ring_centres(modes, radius)[mode] + std * rng.standard_normal((n, 2))
    return points.astype(np.float32)


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


# ----------------------------------------------------------------------------------------------- sample quality
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


def extract_features(model: Module, X, batch_size: int = 1024) -> np.ndarray:
    """``model(X)`` as a NumPy array (N, ...), in eval mode, without a graph, in batches; modes restored.

    For a Sequential classifier, ``extract_features(classifier[:-1], X)`` gives the last hidden layer.
    """
    X = np.asarray(X._data if isinstance(X, Tensor) else X, dtype=default_float())
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad():
            parts = [model(Tensor(X[i : i + batch_size]))._data for i in range(0, len(X), batch_size)]
    finally:
        for module, mode in modes:
            object.__setattr__(module, "training", mode)
    return np.concatenate(parts)


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


# ----------------------------------------------------------------------------------------------- figures
def _save(fig, path: str | os.PathLike | None, dpi: int):
    if path is not None:
        fig.savefig(path, format="png", dpi=dpi)
    return fig


def tile_images(images, image_shape: tuple | None = None, ncols: int | None = None, pad: int = 1) -> np.ndarray:
    """Lay images (N, H, W), (N, 1, H, W) or flat (N, H*W) with ``image_shape``=(H, W) out in one 2-D mosaic.

    ``ncols`` defaults to ceil(sqrt(N)); cells are separated by ``pad`` pixels of NaN (drawn blank).
    Each image keeps its own values: scale them beforehand if they should share a colour range.
    """
    images = np.asarray(images, dtype=np.float64)
    if image_shape is not None:
        images = images.reshape(len(images), *image_shape)
    images = images.reshape(len(images), images.shape[-2], images.shape[-1])
    n, h, w = images.shape
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    mosaic = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad), np.nan)
    for k, image in enumerate(images):
        r, c = divmod(k, ncols)
        mosaic[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = image
    return mosaic


def plot_sample_grid(
    images,
    image_shape: tuple | None = None,
    ncols: int | None = None,
    *,
    title: str = "Samples",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
):
    """One mosaic of images (see :func:`tile_images`) in grey; returns the ``matplotlib.figure.Figure``."""
    from matplotlib.figure import Figure

    mosaic = tile_images(images, image_shape, ncols)
    fig = Figure(figsize=(6, 6 * mosaic.shape[0] / mosaic.shape[1] + 0.5), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(mosaic, cmap="gray", interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title)
    return _save(fig, path, dpi)


def plot_snapshots(
    history: GANHistory,
    image_shape: tuple | None = None,
    per_row: int = 10,
    *,
    path: str | os.PathLike | None = None,
    dpi: int = 100,
):
    """Samples from the same noise over training: one row per snapshot, labelled with its iteration."""
    from matplotlib.figure import Figure

    if not history.snapshots:
        raise ValueError("the history holds no snapshots: train with snapshot_every=...")
    rows = [tile_images(samples[:per_row], image_shape, per_row) for _, samples in history.snapshots]
    low, high = min(np.nanmin(r) for r in rows), max(np.nanmax(r) for r in rows)  # one grey scale for all rows
    fig = Figure(figsize=(per_row * 0.6 + 1.2, len(rows) * 0.65 + 0.5), layout="constrained")
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, row, (iteration, _) in zip(axes, rows, history.snapshots):
        ax.imshow(row, cmap="gray", interpolation="nearest", vmin=low, vmax=high)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(str(iteration), rotation=0, ha="right", va="center")
    fig.suptitle("Samples from fixed noise, by iteration")
    return _save(fig, path, dpi)


def plot_ring_samples(
    real,
    fake,
    centres=None,
    *,
    title: str = "Ring of Gaussians: real and generated",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
):
    """Scatter of real and generated 2-D points, with the mode centres if given."""
    from matplotlib.figure import Figure

    real, fake = np.asarray(real), np.asarray(fake)
    fig = Figure(figsize=(5, 5), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(real[:, 0], real[:, 1], s=4, alpha=0.4, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=4, alpha=0.4, label="generated")
    if centres is not None:
        centres = np.asarray(centres)
        ax.scatter(centres[:, 0], centres[:, 1], marker="x", color="black", label="mode centres")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize="small")
    ax.set_title(title)
    return _save(fig, path, dpi)


def plot_gan_losses(history: GANHistory, *, path: str | os.PathLike | None = None, dpi: int = 100):
    """Losses of both networks (left) and D's mean probabilities on real and fake batches (right)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.5), layout="constrained")
    left, right = fig.subplots(1, 2)
    steps = np.arange(1, history.iterations + 1)
    left.plot(steps, history.d_loss, label="discriminator")
    left.plot(steps, history.g_loss, label="generator")
    left.set_xlabel("iteration")
    left.set_ylabel("loss")
    left.legend()
    right.plot(steps, history.d_real, label="D(x), real")
    right.plot(steps, history.d_fake, label="D(G(z)), fake")
    right.axhline(0.5, color="grey", linestyle=":", linewidth=1)
    right.set_xlabel("iteration")
    right.set_ylabel("mean probability 'real'")
    right.set_ylim(0, 1)
    right.legend()
    return _save(fig, path, dpi)
