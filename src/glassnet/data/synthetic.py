"""Small synthetic problems in the plane: XOR, two moons, two spirals, and a ring of Gaussians for generative models.

The classification problems return ``(X, y)``: X float32 (n, 2), y int64 (n,) with classes 0 and 1
balanced (their counts differ by at most one); all are drawn from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import numpy as np


def _check(n: int, noise: float, minimum: int) -> None:
    if n < minimum:
        raise ValueError(f"n must be at least {minimum}, got {n}")
    if noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise}")


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The samples in random order, as float32 and int64."""
    order = rng.permutation(len(y))
    return X[order].astype(np.float32), y[order].astype(np.int64)


def xor(n: int = 4, noise: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: the corners of the unit square, labelled x1 XOR x2.

    Sample i sits at corner i mod 4 of (0, 0), (0, 1), (1, 0), (1, 1) (labels 0, 1, 1, 0) plus
    Gaussian noise of standard deviation ``noise``; ``n=4`` with no noise is the truth table itself.
    No straight line separates the classes, so a network needs a hidden layer (Minsky & Papert,
    "Perceptrons", 1969).
    """
    _check(n, noise, 4)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    which = np.arange(n) % 4
    rng = np.random.default_rng(seed)
    X = corners[which] + noise * rng.standard_normal((n, 2))
    y = corners[which, 0].astype(np.int64) ^ corners[which, 1].astype(np.int64)
    return X.astype(np.float32), y


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles of radius 1, in random order.

    Class 0: (cos t, sin t); class 1: (1 - cos t, 1/2 - sin t); t evenly spaced on [0, pi], plus
    Gaussian noise of standard deviation ``noise`` on both coordinates.
    """
    _check(n, noise, 2)
    n0, n1 = n - n // 2, n // 2
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    rng = np.random.default_rng(seed)
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    return _shuffled(X, np.repeat([0, 1], [n0, n1]), rng)


def two_spirals(n: int = 200, noise: float = 0.0, turns: float = 1.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interlocking spirals, each the other rotated by half a turn, in random order.

    Class 0: r (cos theta, sin theta) with t evenly spaced on [0, 1], r = 0.1 + 0.9 t and
    theta = 2 pi turns t, so the radius grows from 0.1 to 1; class 1 is the same curve negated.
    Gaussian noise of standard deviation ``noise`` is added. ``turns=3`` gives the classic benchmark
    of Lang & Witbrock, "Learning to tell two spirals apart" (1988).
    """
    _check(n, noise, 2)
    if turns <= 0:
        raise ValueError(f"turns must be positive, got {turns}")

    def arm(count: int) -> np.ndarray:
        t = np.linspace(0.0, 1.0, count)
        theta = 2.0 * np.pi * turns * t
        return (0.1 + 0.9 * t)[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)

    n0, n1 = n - n // 2, n // 2
    rng = np.random.default_rng(seed)
    X = np.concatenate([arm(n0), -arm(n1)]) + noise * rng.standard_normal((n, 2))
    return _shuffled(X, np.repeat([0, 1], [n0, n1]), rng)


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
