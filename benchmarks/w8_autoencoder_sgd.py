"""W8 with plain SGD (lr 0.1): the autoencoder step of :mod:`benchmarks.w8_autoencoder`, optimizer aside.

python -m benchmarks.w8_autoencoder_sgd    # 1 and 2 threads, glassnet vs PyTorch side by side
"""

from __future__ import annotations

from benchmarks import w8_autoencoder

NAME = "W8 AE as W8, SGD"


def workload():
    return w8_autoencoder.workload("sgd")


if __name__ == "__main__":
    from benchmarks.harness import main

    main("w8_autoencoder_sgd", NAME, workload)
