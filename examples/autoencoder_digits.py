"""Autoencoders on the 8x8 digits, against PCA at the same code size.

Four autoencoders learn the 1,200 training digits (pixels scaled to [0, 1]) with ``glassnet.train.fit``,
the input as its own target:

  linear      64-2-64, no activation: its optimum spans PCA's top-2 subspace (Baldi & Hornik, 1989)
  non-linear  64-32-2-32-64, tanh, sigmoid output (Hinton & Salakhutdinov, 2006)
  denoising   64-32-64 ReLU, trained on inputs with 30% of the pixels masked (Vincent et al., 2008)
  sparse      64-64-64 ReLU, L1 penalty 0.01 * mean |h| on the code

On the 597 held-out digits the script prints each model's reconstruction error beside PCA's with
the same code size, and the accuracy of a logistic regression on the codes, on PCA's codes and on the
raw pixels; then what the denoising and sparse variants buy. It writes the 2-D codes of the
non-linear model and of PCA as scatter plots, and a strip of masked inputs and their restorations.

Run:  python examples/autoencoder_digits.py [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import glassnet as gn
from glassnet.data import load_digits, train_test_split
from glassnet.diagnostics import plot_codes_2d, plot_reconstructions
from glassnet.metrics import code_sparsity, compare_with_pca, pca_codes, reconstruction_mse
from glassnet.models import AutoencoderLoss, dense_autoencoder
from glassnet.nn import MaskingNoise
from glassnet.optim.lr_scheduler import CosineAnnealingLR
from glassnet.train import LRSchedule, fit


def train(model, X, epochs: int, lr: float, cosine: bool = True):
    """Adam on mini-batches of 64, the learning rate annealed to 0 along a cosine when ``cosine``."""
    optimizer = gn.optim.Adam(model.parameters(), lr=lr)
    callbacks = [LRSchedule(CosineAnnealingLR(optimizer, T_max=epochs))] if cosine else []
    fit(model, AutoencoderLoss(model), optimizer, X, epochs, batch_size=64, callbacks=callbacks, seed=0, verbose=0)
    return model


def main(out_dir: str | Path | None = None) -> dict[str, dict]:
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split((X / 16).astype(np.float32), y, test_size=597, stratify=y)
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="glassnet-autoencoder-"))
    out.mkdir(parents=True, exist_ok=True)

    gn.manual_seed(0)
    non_linear = dense_autoencoder(64, 2, hidden=(32,), activation="tanh", output_activation="sigmoid")
    models = {
        "linear": train(dense_autoencoder(64, 2), X_train, epochs=60, lr=0.05),
        "non-linear": train(non_linear, X_train, epochs=40, lr=0.01),
    }
    results = {name: compare_with_pca(model, X_train, y_train, X_test, y_test) for name, model in models.items()}
    print(f"{'model (k = 2)':<12} {'AE mse':>8} {'PCA mse':>8} {'AE acc':>7} {'PCA acc':>8} {'pixels acc':>10}")
    for name, r in results.items():
        print(
            f"{name:<12} {r['ae_mse']:>8.4f} {r['pca_mse']:>8.4f} {r['ae_accuracy']:>7.3f} "
            f"{r['pca_accuracy']:>8.3f} {r['raw_accuracy']:>10.3f}"
        )

    masked = (X_test * (np.random.default_rng(1).random(X_test.shape) >= 0.3)).astype(np.float32)
    relu_code = {"code_activation": "relu", "output_activation": "sigmoid"}
    plain = train(dense_autoencoder(64, 32, **relu_code), X_train, 20, 0.01)
    denoising = train(dense_autoencoder(64, 32, **relu_code, corruption=MaskingNoise(0.3)), X_train, 20, 0.01)
    restored = {
        name: reconstruction_mse(X_test, m.reconstruct(masked)) for name, m in [("plain", plain), ("dae", denoising)]
    }
    unrestored = reconstruction_mse(X_test, masked)
    print("\nmasked digits (30% of the pixels zeroed): mse to the clean digits")
    print(f"  as masked {unrestored:.4f}, plain AE {restored['plain']:.4f}, denoising AE {restored['dae']:.4f}")

    sparsity = {}
    for lam in (0.0, 0.01):
        model = dense_autoencoder(64, 64, **relu_code, sparsity=lam)
        codes = train(model, X_train, 20, 0.01).transform(X_test)
        sparsity[lam] = (code_sparsity(codes), float((codes == 0).mean()))
        mse = reconstruction_mse(X_test, model.reconstruct(X_test))
        hoyer, zeros = sparsity[lam]
        print(f"64-unit ReLU code, L1 weight {lam:<4}: Hoyer sparsity {hoyer:.2f}, {zeros:.0%} zeros, mse {mse:.4f}")

    pca_test = pca_codes(X_train, X_test, 2)[1]
    codes = models["non-linear"].transform(X_test)
    plot_codes_2d(codes, y_test, title="Autoencoder 64-32-2 codes (test digits)", path=out / "codes_autoencoder.png")
    plot_codes_2d(pca_test, y_test, title="PCA, 2 components (test digits)", path=out / "codes_pca.png")
    title = "Masked digits (top), restored (bottom)"
    plot_reconstructions(masked, denoising.reconstruct(masked[:10]), (8, 8), title=title, path=out / "denoising.png")
    print(f"\nplots written to {out}")
    assert results["linear"]["ae_mse"] < 1.02 * results["linear"]["pca_mse"]
    assert results["non-linear"]["ae_mse"] < results["non-linear"]["pca_mse"]
    assert restored["dae"] < restored["plain"] and sparsity[0.01][0] > sparsity[0.0][0]
    return {"comparison": results, "restoration": restored, "sparsity": sparsity}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="folder for the PNG files (default: a new temporary folder)")
    args = parser.parse_args()
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: a second BLAS thread only waits
        main(args.out)
