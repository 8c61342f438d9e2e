"""W7: one GAN iteration (one discriminator step, then one generator step), batch 64, Adam, float32.

G: 64 -> 256 (ReLU) -> 784 (tanh); D: 784 -> 256 (LeakyReLU 0.2) -> 1 logit; BCE with logits, the
non-saturating generator loss, Adam (lr 2e-4, betas (0.5, 0.999)) for each network.

The same algorithm on both sides: the D step makes the fakes without a graph and takes D(real) and
D(fake) separately; the G step draws fresh noise and freezes D's parameters (``requires_grad``
off), so neither library computes D's weight gradients there. glassnet runs ``GAN.d_step`` and
``GAN.g_step``; PyTorch runs the usual hand-written loop with ``binary_cross_entropy_with_logits``.

python -m benchmarks.w7_gan            # 1 and 2 threads, glassnet vs PyTorch side by side
"""

from __future__ import annotations

import os

import numpy as np

NAME = "W7 GAN 64-256-784/784-256-1, b 64"
VARIANTS = {"sgd": "W7 GAN as W7, SGD"}
G_SHAPES = [(256, 64), (256,), (784, 256), (784,)]
D_SHAPES = [(256, 784), (256,), (1, 256), (1,)]
BATCH, LATENT = 64, 64
# the same call in both libraries (``glassnet.optim`` and ``torch.optim`` share the names); W7 runs Adam,
# ``--variant sgd`` plain SGD
OPTIMIZERS = {
    "adam": lambda optim, params: optim.Adam(params, lr=2e-4, betas=(0.5, 0.999)),
    "sgd": lambda optim, params: optim.SGD(params, lr=0.01),
}


def glassnet_step(real: np.ndarray, g_weights: list, d_weights: list, optimizer: str):
    import glassnet as gn
    from glassnet.models import GAN

    nn = gn.nn
    generator = nn.Sequential(nn.Linear(LATENT, 256), nn.ReLU(), nn.Linear(256, 784), nn.Tanh())
    discriminator = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
    generator.load_state_dict(dict(zip(generator.state_dict(), g_weights)))
    discriminator.load_state_dict(dict(zip(discriminator.state_dict(), d_weights)))
    gan = GAN(generator, discriminator, rng=np.random.default_rng(1))
    d_optimizer = OPTIMIZERS[optimizer](gn.optim, discriminator.parameters())
    g_optimizer = OPTIMIZERS[optimizer](gn.optim, generator.parameters())
    inputs = gn.tensor(real)

    def step():
        gan.d_step(inputs, d_optimizer)
        gan.g_step(BATCH, g_optimizer)

    return step


def pytorch_step(real: np.ndarray, g_weights: list, d_weights: list, optimizer: str):
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.manual_seed(1)
    nn, bce = torch.nn, torch.nn.functional.binary_cross_entropy_with_logits
    generator = nn.Sequential(nn.Linear(LATENT, 256), nn.ReLU(), nn.Linear(256, 784), nn.Tanh())
    discriminator = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
    generator.load_state_dict({k: torch.from_numpy(w) for k, w in zip(generator.state_dict(), g_weights)})
    discriminator.load_state_dict({k: torch.from_numpy(w) for k, w in zip(discriminator.state_dict(), d_weights)})
    d_optimizer = OPTIMIZERS[optimizer](torch.optim, discriminator.parameters())
    g_optimizer = OPTIMIZERS[optimizer](torch.optim, generator.parameters())
    inputs = torch.from_numpy(real)
    ones, zeros = torch.ones(BATCH, 1), torch.zeros(BATCH, 1)

    def step():
        with torch.no_grad():
            fake = generator(torch.randn(BATCH, LATENT))
        d_loss = bce(discriminator(inputs), ones) + bce(discriminator(fake), zeros)
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        d_loss.item()

        discriminator.requires_grad_(False)
        g_loss = bce(discriminator(generator(torch.randn(BATCH, LATENT))), ones)
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        discriminator.requires_grad_(True)
        g_loss.item()

    return step


def workload(optimizer: str = "adam"):
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (BATCH, 784)).astype(np.float32)
    g_weights = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in G_SHAPES]
    d_weights = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in D_SHAPES]
    arguments = (real, g_weights, d_weights, optimizer)
    return {"glassnet": glassnet_step(*arguments), "pytorch": pytorch_step(*arguments)}


if __name__ == "__main__":
    from benchmarks.harness import main

    main("w7_gan", NAME, workload, VARIANTS)
