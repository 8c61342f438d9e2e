"""W4 GRU 32-128: one SGD step of a sequence classifier (final state -> Linear -> cross-entropy), float32.

python -m benchmarks.w4_gru         # 1 and 2 threads, glassnet vs PyTorch side by side
"""

from __future__ import annotations

from benchmarks.recurrent import workload

NAME = "W4 GRU 32-128, T=50, batch 32"


def build() -> dict:
    return workload("gru", bidirectional=False)


if __name__ == "__main__":
    from benchmarks.harness import main

    main("w4_gru", NAME, build)
