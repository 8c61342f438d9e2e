"""W3 LSTM 32-128: one SGD step of a sequence classifier (final state -> Linear -> cross-entropy), float32.

python -m benchmarks.w3_lstm         # 1 and 2 threads, glassnet vs PyTorch side by side
"""

from __future__ import annotations

from benchmarks.recurrent import workload

NAME = "W3 LSTM 32-128, T=50, batch 32"


def build() -> dict:
    return workload("lstm", bidirectional=False)


if __name__ == "__main__":
    from benchmarks.harness import main

    main("w3_lstm", NAME, build)
