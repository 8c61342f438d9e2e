"""Metrics for fit: plain functions ``metric(output, target) -> float`` on NumPy arrays."""

from __future__ import annotations

import numpy as np


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
