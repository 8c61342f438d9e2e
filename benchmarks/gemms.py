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


GENERATOR, DISCRIMINATOR = (64, 256, 784), (784, 256, 1)
PRODUCTS = {
    "": linear_stack((784, 256, 256, 10), 128),
    # D step: fakes without a graph, then D forward and backward on the real batch and on the fakes;
    # G step: G forward, D forward, D's input gradients only (its weights frozen), G backward
    "w7": forward_only(GENERATOR, 64)
    + 2 * linear_stack(DISCRIMINATOR, 64)
    + linear_stack(DISCRIMINATOR, 64, weights=False, first_input=True)
    + linear_stack(GENERATOR, 64),
    "w8": linear_stack((784, 128, 32, 128, 784), 128),
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
