"""W6: one CD-1 update of a Bernoulli RBM 784x256, batch 100, float32; then BernoulliRBM against scikit-learn's.

python -m benchmarks.w6_rbm                 # 1 and 2 threads, glassnet vs PyTorch side by side
python -m benchmarks.w6_rbm --sklearn       # also: seconds per epoch and pseudo-likelihood vs scikit-learn

The PyTorch step is the same algorithm written with plain tensor ops (no autograd): h+ = p(h | v),
h ~ h+, v- ~ p(v | h), h- = p(h | v-), W += lr (h+^T v - h-^T v-) / n, b and c alike.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

NAME = "W6 RBM 784x256 CD-1, batch 100"
LEARNING_RATE = 0.01


def glassnet_step(x: np.ndarray, weights: np.ndarray):
    from glassnet.models import BernoulliRBM

    rbm = BernoulliRBM(n_components=256, learning_rate=LEARNING_RATE, batch_size=100, persistent=False, random_state=0)
    rbm.partial_fit(x)  # initialises the fitted attributes; then start from the shared weights
    rbm.components_ = weights.copy()
    rbm.intercept_visible_[:] = 0
    rbm.intercept_hidden_[:] = 0
    return lambda: rbm.partial_fit(x)


def pytorch_step(x: np.ndarray, weights: np.ndarray):
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.manual_seed(0)
    v_pos, W = torch.from_numpy(x), torch.from_numpy(weights.copy())
    b, c = torch.zeros(W.shape[1]), torch.zeros(W.shape[0])
    scale = LEARNING_RATE / x.shape[0]

    def step():
        h_pos = torch.sigmoid(v_pos @ W.t() + c)
        h = (torch.rand_like(h_pos) < h_pos).to(h_pos.dtype)
        p_v = torch.sigmoid(h @ W + b)
        v_neg = (torch.rand_like(p_v) < p_v).to(p_v.dtype)
        h_neg = torch.sigmoid(v_neg @ W.t() + c)
        W.add_(h_pos.t() @ v_pos - h_neg.t() @ v_neg, alpha=scale)
        b.add_(v_pos.sum(0) - v_neg.sum(0), alpha=scale)
        c.add_(h_pos.sum(0) - h_neg.sum(0), alpha=scale)

    return step


def workload():
    rng = np.random.default_rng(0)
    x = (rng.random((100, 784)) < 0.3).astype(np.float32)
    weights = (rng.standard_normal((256, 784)) * 0.01).astype(np.float32)
    return {"glassnet": glassnet_step(x, weights), "pytorch": pytorch_step(x, weights)}


def compare_with_sklearn(n_iter: int = 3) -> None:
    """PCD-1 on 5,000 binarised MNIST digits with the same hyperparameters: seconds per epoch, pseudo-likelihood.

    Both models' exact pseudo-likelihoods (every unit flipped) are computed by glassnet from each
    model's weights, so the comparison does not depend on scikit-learn's one-random-unit estimator.
    """
    from sklearn.neural_network import BernoulliRBM as SklearnRBM

    from glassnet.data import load_mnist_subset
    from glassnet.models import BernoulliRBM

    X, _ = load_mnist_subset()
    X = (X > 127).astype(np.float32)
    options = dict(n_components=256, learning_rate=0.05, batch_size=100, n_iter=n_iter)
    theirs = SklearnRBM(random_state=0, **options)
    ours = BernoulliRBM(random_state=0, shuffle=False, **options)
    seconds = {}
    for label, model in (("scikit-learn", theirs), ("glassnet", ours)):
        start = time.perf_counter()
        model.fit(X)
        seconds[label] = (time.perf_counter() - start) / n_iter
    judge = BernoulliRBM(n_components=256).partial_fit(X[:1])
    print(f"\nBernoulliRBM 784x256, PCD-1, batch 100, 5000 binarised MNIST digits, {n_iter} epochs, float32")
    print(f"{'':<14} {'s/epoch':>9} {'pseudo-LL (exact)':>18} {'score_samples':>14}")
    for label, model in (("scikit-learn", theirs), ("glassnet", ours)):
        judge.components_ = model.components_.astype(np.float32)
        judge.intercept_visible_ = model.intercept_visible_.astype(np.float32)
        judge.intercept_hidden_ = model.intercept_hidden_.astype(np.float32)
        exact = judge.pseudo_log_likelihood(X[:1000]).mean()
        print(f"{label:<14} {seconds[label]:>9.3f} {exact:>18.2f} {model.score_samples(X[:1000]).mean():>14.2f}")
    print(f"time ratio glassnet / scikit-learn: {seconds['glassnet'] / seconds['scikit-learn']:.2f}")


if __name__ == "__main__":
    from benchmarks.harness import main

    with_sklearn = "--sklearn" in sys.argv
    if with_sklearn:
        sys.argv.remove("--sklearn")
    main("w6_rbm", NAME, workload)
    if with_sklearn and "--child" not in sys.argv:
        compare_with_sklearn()
