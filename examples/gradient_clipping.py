"""Gradient clipping and penalties in a hand-written training loop.

An 8-layer tanh MLP whose weights start three times too large: with ``clip_grad_norm_`` each step's
gradient is rescaled to norm <= 1 before the update (the printed norms are the ones before clipping,
which ``clip_grad_norm_`` returns). On this mild problem clipping only slows training down; it pays
off when norms explode. An L2 penalty is added to the loss with ``l2_penalty`` (for plain SGD the
same as ``weight_decay``).

Run:  python examples/gradient_clipping.py
"""

from __future__ import annotations

import numpy as np

import glassnet as gn
from glassnet import nn, optim
from glassnet.data import load_digits


def train(clip: float | None, steps: int = 60) -> tuple[list[float], float]:
    x, y = load_digits()
    x, y = gn.tensor(x[:512] / 16), y[:512]
    gn.manual_seed(0)
    layers = []
    for fan_in, fan_out in zip([64] + [64] * 7, [64] * 7 + [10]):
        linear = nn.Linear(fan_in, fan_out)
        nn.init.xavier_normal_(linear.weight, gain=3.0)  # deliberately too large
        layers += [linear, nn.Tanh()]
    model = nn.Sequential(*layers[:-1])
    optimizer = optim.SGD(model.parameters(), lr=0.05)
    norms = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = gn.F.cross_entropy(model(x), y) + optim.l2_penalty(model.parameters(), 1e-4, skip_1d=True)
        loss.backward()
        if clip is not None:
            norms.append(nn.utils.clip_grad_norm_(model.parameters(), clip))
        else:
            norms.append(float(np.sqrt(sum((p.grad**2).sum() for p in model.parameters()))))
        optimizer.step()
    return norms, loss.item()


def main() -> None:
    for clip in (None, 1.0):
        norms, final = train(clip)
        label = "no clipping" if clip is None else f"clip at {clip}"
        print(f"{label:<12} max grad norm {max(norms):8.2f}  final loss {final:.4f}")


if __name__ == "__main__":
    main()
