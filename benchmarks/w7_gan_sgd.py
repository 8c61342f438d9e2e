"""W7 with plain SGD (lr 0.01) for both networks: the GAN iteration of :mod:`benchmarks.w7_gan`, optimizer aside.

python -m benchmarks.w7_gan_sgd        # 1 and 2 threads, glassnet vs PyTorch side by side
"""

from __future__ import annotations

from benchmarks import w7_gan

NAME = "W7 GAN as W7, SGD"


def workload():
    return w7_gan.workload("sgd")


if __name__ == "__main__":
    from benchmarks.harness import main

    main("w7_gan_sgd", NAME, workload)
