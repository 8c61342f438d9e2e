"""The GAN training loop: Goodfellow et al.'s Algorithm 1, alternating discriminator and generator updates.

Reference: Goodfellow, Pouget-Abadie, Mirza, Xu, Warde-Farley, Ozair, Courville & Bengio,
"Generative adversarial nets", NeurIPS 2014 (Algorithm 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..backend import default_float, default_rng, manual_seed
from ..nn.module import Module
from ..optim.adam import Adam
from ..optim.optimizer import Optimizer
from ..tensor import Tensor


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
    gan: Module,
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
    callback: Callable[[int, Module, GANHistory], None] | None = None,
) -> GANHistory:
    """Train ``gan`` for ``steps`` iterations of Goodfellow et al.'s Algorithm 1; return a :class:`GANHistory`.

    Each iteration takes ``d_steps`` discriminator updates, each on a fresh real mini-batch (rows of
    ``data`` drawn without replacement, a new permutation per pass) and fresh noise, then ``g_steps``
    generator updates on fresh noise, each of ``batch_size`` samples.

    Args:
        gan: a :class:`glassnet.models.GAN` (its ``generator``, ``discriminator``, ``d_step``, ``g_step``,
            ``generate`` and ``latent_dim``).
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
