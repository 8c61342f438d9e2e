"""The matrix products of W1, W7 and W8 alone, NumPy's (which glassnet calls) against PyTorch's.

python -m benchmarks.gemms                 # W1's eight products: MLP 784-256-256-10, batch 128
python -m benchmarks.gemms --variant w7    # W7's twenty-one: a GAN's D step and G step, batch 64
python -m benchmarks.gemms --variant w8    # W8's eleven: autoencoder 784-128-32-128-784, batch 128

Each product as the step computes it: the same shapes and the same transposes (both libraries' Linear
takes x W^T forward, g^T x for the weight and g W for the input, on weights stored (out, in)), as one
``@`` of the two stored arrays or their transposed views. Timed like a workload (each library in its
own process, alternating, best round), this says how much of a step's time BLAS alone takes in each
library: a goal below the ratio of these products needs a faster BLAS, not a faster engine.
"""

from __future__ import annotations

import os

import numpy as np

from benchmarks import w1_mlp, w7_gan, w8_autoencoder

NAME = "W1's products alone"
VARIANTS = {"w7": "W7's products alone", "w8": "W8's products alone"}
Product = tuple  # (stored shape of A, stored shape of B, transpose A, transpose B)


def linear_stack(widths: tuple, batch: int, weights: bool = True, first_input: bool = False) -> list[Product]:
    """The products of a stack of Linear layers: forward x W^T; backward g^T x (``weights``) and g W, the
    input gradient, for every layer but the first (whose input is data) unless ``first_input``."""
    products = []
    for layer, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        products.append(((batch, a), (b, a), False, True))
        if weights:
            products.append(((batch, b), (batch, a), True, False))
        if layer > 0 or first_input:
            products.append(((batch, b), (b, a), False, False))
    return products


def forward_only(widths: tuple, batch: int) -> list[Product]:
    return [((batch, a), (b, a), False, True) for a, b in zip(widths[:-1], widths[1:])]


def widths_of(shapes: list) -> tuple:
    """A Linear stack's widths from its parameter shapes [(out, in), (out,), ...], as the workloads list them."""
    return (shapes[0][1],) + tuple(weight[0] for weight in shapes[::2])


GENERATOR, DISCRIMINATOR = widths_of(w7_gan.G_SHAPES), widths_of(w7_gan.D_SHAPES)
PRODUCTS = {
    "": linear_stack(*w1_mlp.SIZES[""]),
    # D step: fakes without a graph, then D forward and backward on the real batch and on the fakes;
    # G step: G forward, D forward, D's input gradients only (its weights frozen), G backward
    "w7": forward_only(GENERATOR, w7_gan.BATCH)
    + 2 * linear_stack(DISCRIMINATOR, w7_gan.BATCH)
    + linear_stack(DISCRIMINATOR, w7_gan.BATCH, weights=False, first_input=True)
    + linear_stack(GENERATOR, w7_gan.BATCH),
    "w8": linear_stack(widths_of(w8_autoencoder.SHAPES), w8_autoencoder.BATCH),
}


def workload(variant: str = ""):
    """Both libraries' step: every product of the variant once, on the same float32 arrays."""
    rng = np.random.default_rng(0)
    arrays = [
        (rng.standard_normal(a).astype(np.float32), rng.standard_normal(b).astype(np.float32), ta, tb)
        for a, b, ta, tb in PRODUCTS[variant]
    ]

    def step_of(operands):
        operands = [(a.T if ta else a, b.T if tb else b) for a, b, ta, tb in operands]

        def step():
            for a, b in operands:
                a @ b

        return step

    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    as_torch = [(torch.from_numpy(a), torch.from_numpy(b), ta, tb) for a, b, ta, tb in arrays]
    return {"glassnet": step_of(arrays), "pytorch": step_of(as_torch)}


if __name__ == "__main__":
    from benchmarks.harness import main

    main("gemms", NAME, workload, VARIANTS)
