"""A GAN learns a ring of eight Gaussians, then 8x8 digits: coverage, sample quality and novelty, measured.

Ring: 4,000 points from eight Gaussians (std 0.05) on a circle of radius 2. Generator 8 -> 64 -> 64 -> 2
and discriminator 2 -> 64 -> 64 -> 1 (tanh), one D step then one G step per iteration with the
non-saturating loss (Goodfellow et al., 2014), Adam lr 2e-3. Every 250 iterations the script counts the
modes covered and the fraction of high-quality samples (within 3 std of a centre).

Digits: generator 16 -> 128 -> 64 (tanh output, pixels scaled to [-1, 1]) and discriminator 64 -> 128
(LeakyReLU 0.2) -> 1. Sample quality is the Frechet distance between the hidden-layer features of a
glassnet classifier trained on the real digits, for generated and for held-out digits (the FID's formula
on our own features); novelty is the distance from each sample to its nearest training digit, beside
the same distance for held-out digits (copies would sit at 0).

Run:  python examples/gan_ring.py [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import glassnet as gn
from glassnet import nn
from glassnet.data import load_digits, ring_centres, ring_of_gaussians, train_test_split
from glassnet.diagnostics import plot_gan_losses, plot_ring_samples, plot_snapshots
from glassnet.metrics import extract_features, frechet_distance, mode_coverage, nearest_neighbour_distances
from glassnet.models import GAN
from glassnet.train import fit, train_gan


def ring(out: Path) -> dict:
    data, centres = ring_of_gaussians(4000, std=0.05, seed=0), ring_centres()
    gn.manual_seed(0)
    generator = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2))
    discriminator = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
    gan = GAN(generator, discriminator)
    probe = np.random.default_rng(1)

    def report(iteration, gan, history):
        if iteration % 250 == 0:
            coverage = mode_coverage(gan.generate(2000, rng=probe), centres, std=0.05)
            print(
                f"  iteration {iteration:>4}: {coverage.modes_covered}/8 modes, "
                f"{coverage.high_quality_fraction:.0%} high quality, "
                f"D(x) {np.mean(history.d_real[-50:]):.2f}, D(G(z)) {np.mean(history.d_fake[-50:]):.2f}"
            )

    print("ring of 8 Gaussians")
    history = train_gan(gan, data, 1000, batch_size=128, lr=2e-3, seed=0, callback=report)
    samples = gan.generate(2000, rng=probe)
    coverage = mode_coverage(samples, centres, std=0.05)
    plot_ring_samples(data[:2000], samples, centres, path=out / "ring.png")
    plot_gan_losses(history, path=out / "ring_losses.png")
    return {"modes_covered": coverage.modes_covered, "high_quality_fraction": coverage.high_quality_fraction}


def digits(out: Path) -> dict:
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split((X / 8 - 1).astype(np.float32), y, test_size=597, stratify=y)
    gn.manual_seed(0)
    classifier = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = gn.optim.Adam(classifier.parameters(), lr=1e-2)
    fit(classifier, nn.CrossEntropyLoss(), optimizer, (X_train, y_train), epochs=20, batch_size=64, seed=0, verbose=0)
    features = classifier[:-1]  # Linear + ReLU: the 64 hidden units
    held_out = extract_features(features, X_test)
    accuracy = (extract_features(classifier, X_test).argmax(1) == y_test).mean()
    print(f"\n8x8 digits (feature classifier: {accuracy:.1%} test accuracy)")

    generator = nn.Sequential(nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 64), nn.Tanh())
    discriminator = nn.Sequential(nn.Linear(64, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1))
    gan = GAN(generator, discriminator)
    noise = np.random.default_rng(3).standard_normal((len(X_test), 16))

    distances = {}

    def report(iteration, gan, history):
        if iteration in (1, 250, 500, 1000, 2000):
            distances[iteration] = frechet_distance(held_out, extract_features(features, gan.generate(z=noise)))
            print(f"  iteration {iteration:>4}: Frechet distance to held-out digits {distances[iteration]:.2f}")

    history = train_gan(gan, X_train, 2000, batch_size=64, lr=1e-3, seed=0, snapshot_every=250, callback=report)
    samples = gan.generate(z=noise)
    baseline = frechet_distance(extract_features(features, X_train), held_out)
    generated_nn = np.median(nearest_neighbour_distances(samples, X_train))
    held_out_nn = np.median(nearest_neighbour_distances(X_test, X_train))
    print(f"  two real sets (train vs held-out): Frechet distance {baseline:.2f}")
    print(f"  median distance to the nearest training digit: samples {generated_nn:.2f}, held-out {held_out_nn:.2f}")
    plot_snapshots(history, image_shape=(8, 8), path=out / "digits_over_training.png")
    return {
        "frechet_first": distances[1],
        "frechet": distances[2000],
        "frechet_real": baseline,
        "nn_samples": generated_nn,
        "nn_held_out": held_out_nn,
    }


def main(out_dir: str | Path | None = None) -> dict:
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="glassnet-gan-"))
    out.mkdir(parents=True, exist_ok=True)
    results = {"ring": ring(out), "digits": digits(out)}
    print(f"\nplots written to {out}")
    ring_result, digit = results["ring"], results["digits"]
    assert ring_result["modes_covered"] >= 7 and ring_result["high_quality_fraction"] > 0.6
    assert digit["frechet"] < digit["frechet_first"] / 10 and digit["nn_samples"] > 0.8 * digit["nn_held_out"]
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="folder for the PNG files (default: a new temporary folder)")
    args = parser.parse_args()
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: a second BLAS thread only waits
        main(args.out)
