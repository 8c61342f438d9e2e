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

The losses are ``glassnet.nn.functional.discriminator_loss`` and ``generator_loss``; the training loop
is ``glassnet.train.train_gan``; the ring of Gaussians is in ``glassnet.data``, the sample-quality
measures in ``glassnet.metrics`` and the figures in ``glassnet.diagnostics``.

Reference: Goodfellow, Pouget-Abadie, Mirza, Xu, Warde-Farley, Ozair, Courville & Bengio,
"Generative adversarial nets", NeurIPS 2014 (Algorithm 1, and section 3 for the non-saturating loss).
"""

from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ..backend import default_float, default_rng
from ..nn import functional as F
from ..nn.inference import eval_mode
from ..nn.module import Module
from ..ops.formulas import stable_sigmoid
from ..optim.optimizer import Optimizer
from ..tensor import Tensor


def _first_in_features(module: Module) -> int | None:
    for sub in module.modules():
        if hasattr(sub, "in_features"):
            return int(sub.in_features)
    return None


class GAN(Module):
    """A generator and a discriminator held together, with one update step for each.

    ``state_dict`` holds both (keys ``generator.*`` and ``discriminator.*``); the optimizers stay
    with the caller, one per network (see ``glassnet.train.train_gan``). ``gan(z)`` is ``generator(z)``.

    Args:
        generator: maps noise (N, latent_dim) to samples (N, ...).
        discriminator: maps samples (N, ...) to logits (N, 1).
        latent_dim: the noise dimension; by default the ``in_features`` of the generator's first
            layer that has one (a ``Linear``).
        non_saturating: the generator's loss (see ``glassnet.nn.functional.generator_loss``); True is the usual choice.
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
        with eval_mode(self.generator), no_grad():
            return self.generator(z)._data

    def d_step(self, real, optimizer: Optimizer, rng: np.random.Generator | None = None) -> tuple[float, float, float]:
        """One discriminator update on a batch of real samples and as many fresh fakes.

        The fakes are made without a graph: D's loss needs no gradient through G.
        Returns (loss, mean sigmoid(D(x)) on the real batch, mean sigmoid(D(G(z))) on the fakes).
        """
        real = real if isinstance(real, Tensor) else Tensor(real)
        with no_grad():
            fake = self.generator(self.sample_noise(len(real), rng))
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
        loss = F.discriminator_loss(real_logits, fake_logits)
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
            loss = F.generator_loss(logits, self.non_saturating)
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
