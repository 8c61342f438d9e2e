"""Q24. What are Boltzmann machines and restricted Boltzmann machines?

Three measurements on binarised 8x8 digits, every model small enough for exact likelihoods by enumeration:

1. The same one-hidden-layer machine (64 visible, 12 hidden units) trained by the same code twice, once
   bipartite (an RBM) and once with hidden-hidden connections added: how far the clamped phase is from
   p(h | v) after each Gibbs sweep (exactly, by pushing the distribution over all 2^12 hidden states through
   the sampler's updates), milliseconds per Gibbs sweep, seconds per epoch, and exact test log-likelihood.
2. RBMs of 64 visible and 16 hidden units trained by CD-1, CD-10 and PCD for the same epochs: exact test
   log-likelihood (2^16 hidden states), and samples from the PCD models against real and independent-pixel digits.
3. A 100-hidden-unit RBM's hidden probabilities as the input of a logistic regression, against raw pixels and
   against the same RBM's hidden probabilities before training (its random initial weights).

Each claim is judged only once its models have learned (a machine above independent pixels, a chain that has
settled, an RBM that reconstructs its input), and by 95% intervals: accuracies on the fixed test digits add the
sampling error of those 597 images, paired image by image.
"""

from __future__ import annotations

import time
import timeit

import numpy as np

from ..models import BernoulliRBM, BoltzmannMachine
from . import framework as lab
from .common import digits_split
from .plots import figure

_BM_HIDDEN = 12  # 2^12 hidden states: exact log Z, and the clamped phase's whole distribution, stay cheap
_CD_HIDDEN = 16  # 2^16 hidden states: exact log Z of the CD-1 / CD-10 / PCD models
_FEATURE_HIDDEN = 100
_BATCH = 10
_LEARNING_RATE = 0.1  # decays linearly to 0 over training (Tieleman 2008), so the persistent chains settle
_MOMENTUM = 0.5
_CLAMPED_SWEEPS = 3  # BoltzmannMachine's default; the measured need is below it
_EQUILIBRIUM = 0.05  # total-variation distance to p(h | v) counted as "at equilibrium"
_CD_METHODS = {"CD-1": (1, False), "CD-10": (10, False), "PCD": (1, True)}  # name -> (k, persistent)
_CONNECTIVITY = {  # name -> (visible_lateral, hidden_lateral)
    "RBM (bipartite)": (False, False),
    "BM, hidden-hidden": (False, True),
    "BM, fully connected": (True, True),
}
_COLORS = {"RBM": "#4c72b0", "BM": "#c44e52", "CD-1": "#4c72b0", "CD-10": "#55a868", "PCD": "#8172b2"}


# ------------------------------------------------------------------------------ data and training
def binarised_digits():
    """The lab's digits split with each pixel set to 1 where it is above 8 of 16 (float64 0/1 images)."""
    x_train, x_test, y_train, y_test = digits_split()
    return (x_train > 0.5).astype(np.float64), (x_test > 0.5).astype(np.float64), y_train, y_test


def train_by_epochs(model, x: np.ndarray, epochs: int, seed: int, evaluate=None, every: int = 1):
    """``partial_fit`` over shuffled mini-batches of ``model.batch_size``, the learning rate decaying linearly to 0.

    Returns (CPU seconds of each epoch, [(epoch, CPU seconds so far, evaluate(model))] every ``every`` epochs and at
    the end). CPU time of this process rather than wall time: the machine may be shared, and waiting for a core is
    not the model's cost.
    """
    rng = np.random.default_rng(seed)
    seconds, curve = [], []
    for epoch in range(epochs):
        model.set_params(learning_rate=_LEARNING_RATE * (1 - epoch / epochs))
        start = time.process_time()
        order = rng.permutation(len(x))
        for first in range(0, len(x), model.batch_size):
            model.partial_fit(x[order[first : first + model.batch_size]])
        seconds.append(time.process_time() - start)
        if evaluate is not None and ((epoch + 1) % every == 0 or epoch + 1 == epochs):
            curve.append((epoch + 1, sum(seconds), evaluate(model)))
    return seconds, curve


def independent_pixels(x_train: np.ndarray, x_test: np.ndarray, n_samples: int, rng) -> tuple[float, np.ndarray]:
    """The base-rate model (each pixel on with its training frequency): mean test log-likelihood, and samples."""
    p = np.clip(x_train.mean(axis=0), 1e-3, 1 - 1e-3)
    log_likelihood = float(np.mean(x_test @ np.log(p) + (1 - x_test) @ np.log1p(-p)))
    return log_likelihood, (rng.random((n_samples, len(p))) < p).astype(np.float64)


def nearest_hamming(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over the rows of ``a`` of the Hamming distance to the nearest row of ``b`` (0/1 arrays)."""
    return float((a @ (1 - b).T + (1 - a) @ b.T).min(axis=1).mean())


# ------------------------------------------------------------------------------ exact quantities
def exact_test_ll(model, x: np.ndarray) -> float:
    """Mean exact log p(v) over the rows of x (both models enumerate their smaller layer)."""
    return float(model.log_likelihood(x).mean())


def clamped_phase_distance(bm: BoltzmannMachine, v: np.ndarray, sweeps: int) -> np.ndarray:
    """Total-variation distance of the clamped phase's hidden states from p(h | v), after 0, 1, ..., sweeps sweeps.

    Exact rather than sampled: the distribution over all 2^H hidden states is pushed through the updates the
    machine's clamped phase makes (a factorial draw from sigmoid(c + W v), then each hidden unit in turn from
    p(h_i | h_-i, v)) and compared with p(h | v) ∝ exp(h.(c + W v) + h^T J h / 2). Mean over the rows of v.
    With J = 0 (an RBM) the factorial draw is p(h | v) itself, so the distance is 0 from the start.
    """
    from scipy.special import expit, log_expit, softmax

    n_hidden, n = bm.n_components, len(v)
    states = ((np.arange(1 << n_hidden)[:, None] >> np.arange(n_hidden)) & 1).astype(np.float64)  # (S, H): bit i
    drive = v @ bm.components_.T + bm.intercept_hidden_  # (n, H)
    J = bm.lateral_hidden_.astype(np.float64)
    posterior = softmax(drive @ states.T + 0.5 * np.sum((states @ J) * states, axis=1), axis=1)  # (n, S)
    # the factorial start: prod_i sigmoid(drive_i)^h_i sigmoid(-drive_i)^(1 - h_i), (n, S)
    current = np.exp(log_expit(drive) @ states.T + log_expit(-drive) @ (1 - states).T)
    # p(h_i = 1 | h_-i, v) in every state, unit first: (H, n, S)
    p_on = expit(drive.T[:, :, None] + (states @ J).T[:, None, :])
    distances = [0.5 * np.abs(current - posterior).sum(axis=1).mean()]
    for _ in range(sweeps):
        for i in range(n_hidden):
            # axis 2 pairs each state with its twin that differs only in unit i: pool their mass, split it anew
            pairs = current.reshape(n, -1, 2, 1 << i)  # a view: writing it updates ``current``
            mass = pairs.sum(axis=2)
            p = p_on[i].reshape(n, -1, 2, 1 << i)[:, :, 0]  # the same in both twins (J_ii = 0)
            pairs[:, :, 1] = mass * p
            pairs[:, :, 0] = mass - pairs[:, :, 1]
        distances.append(0.5 * np.abs(current - posterior).sum(axis=1).mean())
    return np.array(distances)


def _sweeps_to_equilibrium(distances: np.ndarray) -> int:
    """The first sweep count whose distance is below the equilibrium threshold (one past the last if none is)."""
    below = np.flatnonzero(distances < _EQUILIBRIUM)
    return int(below[0]) if below.size else len(distances)


def _machine(hidden_lateral: bool, seed: int, visible_lateral: bool = False) -> BoltzmannMachine:
    return BoltzmannMachine(
        _BM_HIDDEN,
        batch_size=_BATCH,
        n_clamped_sweeps=_CLAMPED_SWEEPS if hidden_lateral else 0,
        visible_lateral=visible_lateral,
        hidden_lateral=hidden_lateral,
        random_state=seed,
    )


def _ms_per_sweep(x: np.ndarray, visible_lateral: bool, hidden_lateral: bool, repeats: int, seed: int) -> float:
    """Median CPU milliseconds of one Gibbs sweep of 100 chains (the cost does not depend on the weights' values)."""
    bm = _machine(hidden_lateral, seed, visible_lateral).set_params(n_iter=0).fit(x)
    start = x[:100]
    times = timeit.repeat(lambda: bm.gibbs(start, n_steps=10), timer=time.process_time, number=1, repeat=repeats)
    return 1e3 * float(np.median(times)) / 10


# ------------------------------------------------------------------------------ run
def run(ctx: lab.Context) -> lab.Result:
    from scipy.special import expit
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression

    x_train, x_test, y_train, y_test = binarised_digits()
    probe = x_test[: ctx.pick(100, 40)]  # data vectors for the clamped-phase analysis
    base_ll, _ = independent_pixels(x_train, x_test, 0, ctx.rng())

    def test_ll(model) -> float:
        return exact_test_ll(model, x_test)

    # 1. One hidden layer, with and without hidden-hidden connections: same class, same training code. Quick mode
    # trains fewer epochs, enough for both machines to learn beyond independent pixels.
    bm_seeds = ctx.seeds(full=5, quick=3)
    bm_epochs, n_sweeps = ctx.pick(30, 12), 5
    arms = {"RBM": False, "BM": True}
    epoch_seconds, ll_curves, final_ll, distances = {}, {}, {}, {}
    for s in bm_seeds:
        for arm, lateral in arms.items():
            bm = _machine(lateral, s)
            seconds, curve = train_by_epochs(bm, x_train, bm_epochs, s, test_ll, every=5)
            # every epoch does the same work: its fastest one is the least disturbed by other work on the machine
            epoch_seconds[arm, s], ll_curves[arm, s], final_ll[arm, s] = float(np.min(seconds)), curve, curve[-1][2]
            distances[arm, s] = clamped_phase_distance(bm, probe, n_sweeps)
    general_bm = _machine(True, 0, visible_lateral=True)
    general_epoch = float(np.median(train_by_epochs(general_bm, x_train, ctx.pick(2, 1), 0)[0]))
    sweep_ms = {  # per seed, the median of timing rounds
        (name, s): _ms_per_sweep(x_train, *flags, ctx.pick(7, 3), s)
        for name, flags in _CONNECTIVITY.items()
        for s in bm_seeds
    }
    mean_ms = {name: float(np.mean([sweep_ms[name, s] for s in bm_seeds])) for name in _CONNECTIVITY}
    ll = {arm: lab.estimate([final_ll[arm, s] for s in bm_seeds], bm_seeds) for arm in arms}
    to_equilibrium = lab.estimate([_sweeps_to_equilibrium(distances["BM", s]) for s in bm_seeds], bm_seeds)

    # 2. CD-1, CD-10 and PCD for the same epochs; samples from the PCD models (persistent=True is the default).
    # Eight seeds: CD-1's share of the best gain lies close to its 0.95 bar, and its interval needs them.
    cd_seeds = ctx.seeds(full=8, quick=3)
    cd_epochs = ctx.pick(40, 15)
    cd_curves, cd_ll, cd_models = {}, {}, {}
    for s in cd_seeds:
        for name, (k, persistent) in _CD_METHODS.items():
            rbm = BernoulliRBM(
                _CD_HIDDEN, batch_size=_BATCH, k=k, persistent=persistent, momentum=_MOMENTUM, random_state=s
            )
            _, cd_curves[name, s] = train_by_epochs(rbm, x_train, cd_epochs, s, test_ll, every=10)
            cd_ll[name, s], cd_models[name, s] = cd_curves[name, s][-1][2], rbm
    cd = {name: lab.estimate([cd_ll[name, s] for s in cd_seeds], cd_seeds) for name in _CD_METHODS}
    share = [(cd_ll["CD-1", s] - base_ll) / (max(cd_ll["CD-10", s], cd_ll["PCD", s]) - base_ll) for s in cd_seeds]

    n_chains, chain_steps = ctx.pick(300, 100), 1000
    nn_samples, nn_half_chain, nn_independent, samples = [], [], [], {}
    for s in cd_seeds:
        rng = np.random.default_rng(s)
        start = (rng.random((n_chains, x_train.shape[1])) < 0.5).astype(np.float64)
        half_way = cd_models["PCD", s].gibbs(start, n_steps=chain_steps // 2)
        samples[s] = cd_models["PCD", s].gibbs(half_way, n_steps=chain_steps - chain_steps // 2)
        nn_half_chain.append(nearest_hamming(half_way, x_train))
        nn_samples.append(nearest_hamming(samples[s], x_train))
        nn_independent.append(nearest_hamming(independent_pixels(x_train, x_test, n_chains, rng)[1], x_train))
    nn_test = nearest_hamming(x_test, x_train)
    realism = [(b - a) / (b - nn_test) for a, b in zip(nn_samples, nn_independent)]
    realism_half = [(b - a) / (b - nn_test) for a, b in zip(nn_half_chain, nn_independent)]

    # 3. Hidden probabilities of a 100-unit CD-1 RBM as features for logistic regression, against raw pixels and
    # against the same RBM untrained (the random weights it starts from: fit with no epochs draws them exactly as
    # the first partial_fit does), scored per test image so that the comparisons are paired image by image. For
    # context, the trained weights shuffled among all connections: a random expansion at the trained scale.
    # Eight seeds: the features' accuracy lies within two points of the raw pixels'.
    feature_seeds, feature_epochs = ctx.seeds(full=8, quick=3), ctx.pick(30, 15)

    def correct(train_features, test_features) -> np.ndarray:
        classifier = LogisticRegression(max_iter=3000).fit(train_features, y_train)
        return (classifier.predict(test_features) == y_test).astype(np.float64)

    raw_correct = correct(x_train, x_test)
    raw = float(raw_correct.mean())
    correct_100, correct_untrained, correct_shuffled, reconstruction, features_16 = [], [], [], [], []
    for s in feature_seeds:

        def feature_rbm(seed: int = s) -> BernoulliRBM:
            return BernoulliRBM(
                _FEATURE_HIDDEN, batch_size=_BATCH, k=1, persistent=False, momentum=_MOMENTUM, random_state=seed
            )

        untrained = feature_rbm().set_params(n_iter=0).fit(x_train)
        correct_untrained.append(correct(untrained.transform(x_train), untrained.transform(x_test)))
        rbm = feature_rbm()
        train_by_epochs(rbm, x_train, feature_epochs, s)
        correct_100.append(correct(rbm.transform(x_train), rbm.transform(x_test)))
        reconstruction.append(rbm.reconstruction_error(x_test))
        W = rbm.components_
        shuffled = np.random.default_rng([s, 24]).permutation(W.ravel()).reshape(W.shape)

        def shuffled_features(x, w=shuffled, c=rbm.intercept_hidden_):
            return expit(x @ w.T + c)

        correct_shuffled.append(correct(shuffled_features(x_train), shuffled_features(x_test)))
    for s in cd_seeds:
        pcd = cd_models["PCD", s]
        features_16.append(float(correct(pcd.transform(x_train), pcd.transform(x_test)).mean()))
    pca = PCA(_CD_HIDDEN).fit(x_train)
    pca_16 = float(correct(pca.transform(x_train), pca.transform(x_test)).mean())
    feature_acc = lab.over_items(correct_100, feature_seeds)
    untrained_acc = lab.over_items(correct_untrained, feature_seeds)
    shuffled_acc = lab.over_items(correct_shuffled, feature_seeds)
    features_100 = feature_acc.values

    def sweep_ratio(name: str) -> lab.Estimate:
        return lab.estimate([sweep_ms[name, s] / sweep_ms["RBM (bipartite)", s] for s in bm_seeds], bm_seeds)

    metrics = {
        "rbm_clamped_distance": max(float(distances["RBM", s][0]) for s in bm_seeds),
        "bm_clamped_distance_no_sweeps": lab.estimate([distances["BM", s][0] for s in bm_seeds], bm_seeds),
        "bm_clamped_distance_one_sweep": lab.estimate([distances["BM", s][1] for s in bm_seeds], bm_seeds),
        "bm_clamped_sweeps_to_equilibrium": to_equilibrium,
        "bm_over_rbm_ms_per_sweep": sweep_ratio("BM, hidden-hidden"),
        "general_bm_over_rbm_ms_per_sweep": sweep_ratio("BM, fully connected"),
        "bm_over_rbm_seconds_per_epoch": lab.estimate(
            [epoch_seconds["BM", s] / epoch_seconds["RBM", s] for s in bm_seeds], bm_seeds
        ),
        "rbm_test_ll": ll["RBM"],
        "bm_test_ll": ll["BM"],
        "rbm_minus_bm_test_ll": lab.paired_difference(ll["RBM"], ll["BM"]),
        "bm_gain_over_independent_pixels": lab.estimate([v - base_ll for v in ll["BM"].values], bm_seeds),
        "independent_pixels_test_ll": base_ll,
        "test_ll_cd1": cd["CD-1"],
        "test_ll_cd10": cd["CD-10"],
        "test_ll_pcd": cd["PCD"],
        "cd10_minus_cd1": lab.paired_difference(cd["CD-10"], cd["CD-1"]),
        "pcd_minus_cd1": lab.paired_difference(cd["PCD"], cd["CD-1"]),
        "cd1_share_of_best_gain": lab.estimate(share, cd_seeds),
        "pcd_gain_over_independent_pixels": lab.estimate([v - base_ll for v in cd["PCD"].values], cd_seeds),
        "best_gain_over_independent_pixels": lab.estimate(
            [max(cd_ll["CD-10", s], cd_ll["PCD", s]) - base_ll for s in cd_seeds], cd_seeds
        ),
        "sample_nearest_distance": lab.estimate(nn_samples, cd_seeds),
        "independent_sample_nearest_distance": lab.estimate(nn_independent, cd_seeds),
        "test_nearest_distance": nn_test,
        "sample_realism": lab.estimate(realism, cd_seeds),
        "sample_realism_drift": lab.estimate([abs(a - b) for a, b in zip(realism, realism_half)], cd_seeds),
        "accuracy_raw_pixels": raw,
        "accuracy_rbm_features": feature_acc,
        "rbm_features_minus_raw_accuracy": lab.over_items([c - raw_correct for c in correct_100], feature_seeds),
        "accuracy_untrained_rbm_features": untrained_acc,
        "rbm_features_minus_untrained_accuracy": lab.over_items(
            [c - u for c, u in zip(correct_100, correct_untrained)], feature_seeds
        ),
        "accuracy_shuffled_rbm_features": shuffled_acc,
        "rbm_features_minus_shuffled_accuracy": lab.over_items(
            [c - u for c, u in zip(correct_100, correct_shuffled)], feature_seeds
        ),
        "rbm100_reconstruction_error": lab.estimate(reconstruction, feature_seeds),
    }

    cost = lab.Table(
        f"One hidden layer of {_BM_HIDDEN} units on 64 binary pixels, with and without hidden-hidden connections "
        f"(BoltzmannMachine, batch {_BATCH}, learning rate {_LEARNING_RATE} decaying to 0, {bm_epochs} epochs, "
        f"{len(bm_seeds)} seed(s); the BM's clamped phase makes {_CLAMPED_SWEEPS} Gibbs sweeps)",
        [
            "machine",
            "blocks per Gibbs sweep",
            "CPU ms per sweep (100 chains)",
            "CPU s per epoch (fastest epoch)",
            "clamped phase: distance to p(h|v) at start",
            "after 1 sweep",
            "sweeps to < 0.05",
            "exact test log-likelihood",
        ],
    )
    for arm, name in (("RBM", "RBM (bipartite)"), ("BM", "BM, hidden-hidden")):
        d = np.mean([distances[arm, s] for s in bm_seeds], axis=0)
        cost.add(
            name,
            2 if arm == "RBM" else _BM_HIDDEN + 1,
            mean_ms[name],
            np.mean([epoch_seconds[arm, s] for s in bm_seeds]),
            d[0],
            d[1],
            np.mean([_sweeps_to_equilibrium(distances[arm, s]) for s in bm_seeds]),
            ll[arm].mean,
        )
    cost.add(
        "BM, fully connected", x_train.shape[1] + _BM_HIDDEN, mean_ms["BM, fully connected"], general_epoch, *["-"] * 4
    )
    cost.add("independent pixels (base rate)", "-", "-", "-", "-", "-", "-", base_ll)

    methods = lab.Table(
        f"RBM 64-{_CD_HIDDEN}, batch {_BATCH}, learning rate {_LEARNING_RATE} decaying to 0, momentum {_MOMENTUM}, "
        f"{cd_epochs} epochs, {len(cd_seeds)} seed(s): exact mean test log-likelihood (nats per image)",
        ["training", "test log-likelihood", "minus CD-1 (paired, 95% CI)", "gain over independent pixels"],
    )
    for name in _CD_METHODS:
        versus = "-" if name == "CD-1" else _ci(lab.paired_difference(cd[name], cd["CD-1"]))
        methods.add(name, cd[name].mean, versus, cd[name].mean - base_ll)
    generated = lab.Table(
        f"Samples: {n_chains} Gibbs chains of the PCD models run {chain_steps} steps from random images; mean Hamming "
        "distance (pixels) to the nearest training image",
        ["images", "distance to nearest training image"],
    )
    generated.add("held-out test digits", nn_test)
    generated.add("RBM samples (PCD)", metrics["sample_nearest_distance"].mean)
    generated.add("independent-pixel samples", metrics["independent_sample_nearest_distance"].mean)
    classify = lab.Table(
        "Logistic regression (scikit-learn defaults) on the 1,200 training digits, test accuracy on 597",
        ["features", "count", "test accuracy"],
    )
    classify.add("raw binary pixels", 64, raw)
    classify.add(f"RBM hidden probabilities (CD-1, {feature_epochs} epochs)", _FEATURE_HIDDEN, feature_acc.mean)
    classify.add("the same RBMs untrained (their random initial weights)", _FEATURE_HIDDEN, untrained_acc.mean)
    classify.add("the trained weights shuffled among the connections", _FEATURE_HIDDEN, shuffled_acc.mean)
    classify.add("RBM hidden probabilities (the PCD models above)", _CD_HIDDEN, float(np.mean(features_16)))
    classify.add("PCA components", _CD_HIDDEN, pca_16)

    figures = {
        "Boltzmann machine vs RBM": _cost_figure(distances, mean_ms, ll_curves, bm_seeds, base_ll),
        "CD-1, CD-10 and PCD": _cd_figure(cd_curves, cd, cd_seeds, base_ll),
        "samples": _samples_figure(x_test, samples[cd_seeds[0]], independent_pixels(x_train, x_test, 12, ctx.rng())[1]),
        "features for classification": _features_figure(
            raw, features_100, untrained_acc.values, shuffled_acc.values, features_16, pca_16
        ),
    }
    notes = [
        "Both machines of the first table are BoltzmannMachine objects trained by the same code; the only "
        "difference is hidden_lateral. In the clamped phase the data vector fixes v; hidden units that are "
        "connected to each other must then be sampled one at a time, and repeatedly, before their joint state "
        "follows p(h | v). Without those connections p(h | v) is factorial and one draw is exact.",
        "The clamped-phase distances are exact: the distribution over all 2^12 hidden states is pushed through the "
        f"sampler's own updates and compared with p(h | v) by enumeration, for {len(probe)} test digits.",
        "Visible-visible connections do not touch the clamped phase (v is fixed), but they make the free phase "
        "update all 64 visible units one at a time: the fully connected machine's sweep is the slowest, "
        f"{metrics['general_bm_over_rbm_ms_per_sweep'].mean:.0f}x the RBM's. Its likelihood needs a "
        "sum over 2^64 visible states and is not computed here.",
        "Exact log-likelihoods: the RBM sums its 2^16 (or 2^12) hidden states; the machine with hidden-hidden "
        "weights has the same number of hidden states and no visible-visible weights, so its log Z is also a sum "
        "over hidden states, with the visible units summed out in closed form.",
        f"The CD comparison is at equal epochs; a CD-10 update costs about ten times a CD-1 update. CD-10 - CD-1 = "
        f"{lab.paired_difference(cd['CD-10'], cd['CD-1']).mean:+.2f} nats here. CD-1's bias has been reported to "
        "matter in larger models trained longer, whose Gibbs chains mix slowly (Tieleman 2008; Salakhutdinov & Murray "
        "2008); a 16-unit RBM on 8x8 digits is the easy case.",
        "PCD trails far behind early in training, while the learning rate is large: its 10 persistent chains "
        "must follow a model that changes under them, which needs a small rate (Tieleman 2008). It closes most "
        "of the gap as the rate decays to 0.",
        f"Features: the untrained RBM is the trained one's own starting point (weights N(0, 0.01^2), zero biases), so "
        f"its hidden probabilities are close to 0.5 and nearly a linear function of the pixels; the logistic "
        f"regression on them scores {untrained_acc.mean:.1%}, against {feature_acc.mean:.1%} after training and "
        f"{raw:.1%} on the raw pixels. A random expansion at the trained scale (the trained weights shuffled among "
        f"the connections, trained hidden biases) scores {shuffled_acc.mean:.1%}: reported, not judged.",
    ]
    return lab.Result(metrics=metrics, figures=figures, tables=[cost, methods, generated, classify], notes=notes)


def _ci(e: lab.Estimate) -> str:
    low, high = e.ci
    return f"{e.mean:+.2f} ({low:+.2f} to {high:+.2f})"


# ------------------------------------------------------------------------------ figures
def _cost_figure(distances, sweep_ms, ll_curves, seeds, base_ll):
    fig, (left, middle, right) = figure(1, 3, width=14, height=4)
    for i, s in enumerate(seeds):
        for arm in ("BM", "RBM"):
            d = distances[arm, s]
            label = ("BM, hidden-hidden" if arm == "BM" else "RBM") if i == 0 else None
            left.plot(range(len(d)), d, "o-", color=_COLORS[arm], alpha=0.7, label=label)
    left.axhline(_EQUILIBRIUM, color="k", ls="--", lw=1, label=f"{_EQUILIBRIUM}")
    left.set_xlabel("Gibbs sweeps over the hidden units (v clamped)")
    left.set_ylabel("distance to p(h | v) (total variation)")
    left.set_title("clamped phase: how far from equilibrium")
    left.legend(fontsize=8)
    names = list(sweep_ms)
    middle.bar(range(len(names)), [sweep_ms[n] for n in names], color=[_COLORS["RBM"], _COLORS["BM"], "#8c8c8c"])
    middle.set_xticks(range(len(names)), [n.replace(", ", "\n") for n in names], fontsize=8)
    middle.set_ylabel("CPU ms per Gibbs sweep (100 chains)")
    middle.set_title("cost of one sweep")
    for i, s in enumerate(seeds):
        for arm in ("RBM", "BM"):
            _, seconds, values = zip(*ll_curves[arm, s])
            right.plot(seconds, values, "o-", color=_COLORS[arm], alpha=0.7, label=arm if i == 0 else None)
    right.axhline(base_ll, color="k", ls=":", lw=1, label="independent pixels")
    right.set_xlabel("training time (CPU s)")
    right.set_ylabel("exact test log-likelihood (nats)")
    right.set_title("likelihood against time")
    right.legend(fontsize=8)
    return fig


def _cd_figure(curves, cd, seeds, base_ll):
    fig, (left, right) = figure(1, 2, width=11, height=4)
    for name in _CD_METHODS:
        epochs = [e for e, _, _ in curves[name, seeds[0]]]
        mean = np.mean([[v for _, _, v in curves[name, s]] for s in seeds], axis=0)
        left.plot(epochs, mean, "o-", color=_COLORS[name], label=name)
    left.axhline(base_ll, color="k", ls=":", lw=1, label="independent pixels")
    left.set_xlabel("epoch")
    left.set_ylabel("exact test log-likelihood (mean over seeds)")
    left.set_title(f"RBM 64-{_CD_HIDDEN} on binarised digits")
    left.legend(fontsize=8)
    for i, name in enumerate(_CD_METHODS):
        right.plot([i] * cd[name].n, cd[name].values, "o", color=_COLORS[name], alpha=0.7)
        right.plot([i - 0.2, i + 0.2], [cd[name].mean] * 2, color="k")
    right.set_xticks(range(len(_CD_METHODS)), list(_CD_METHODS))
    right.set_ylabel("final test log-likelihood (dots: seeds)")
    right.set_title("after equal epochs")
    return fig


def _samples_figure(real, generated, independent, n: int = 12):
    """Three strips of n 8x8 images, one strip per source, each drawn as one image with grey gaps between digits."""
    rows = (("test digits", real), ("RBM samples (PCD)", generated), ("independent pixels", independent))
    fig, axes = figure(len(rows), 1, width=10, height=2.6)
    for ax, (title, images) in zip(axes, rows):
        tiles = np.pad(images[:n].reshape(n, 8, 8), ((0, 0), (0, 0), (0, 1)), constant_values=0.25)
        ax.imshow(np.hstack(tiles)[:, :-1], cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(title, fontsize=8, rotation=0, ha="right", va="center")
    return fig


def _features_figure(raw, features_100, untrained_100, shuffled_100, features_16, pca_16):
    fig, ax = figure(width=8.5, height=3.8)
    names = [
        "raw pixels (64)",
        f"RBM, {_FEATURE_HIDDEN} units",
        f"untrained RBM, {_FEATURE_HIDDEN}",
        f"shuffled RBM, {_FEATURE_HIDDEN}",
        f"RBM, {_CD_HIDDEN} units",
        f"PCA, {_CD_HIDDEN}",
    ]
    values = [[raw], features_100, untrained_100, shuffled_100, features_16, [pca_16]]
    colors = ["#8c8c8c", "#4c72b0", "#c44e52", "#dd8452", "#8172b2", "#55a868"]
    ax.bar(range(len(names)), [np.mean(v) for v in values], color=colors)
    for i, v in enumerate(values):
        ax.plot([i] * len(v), v, "k.", ms=5)
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_ylim(max(0.0, min(np.mean(v) for v in values) - 0.1), 1.0)
    ax.set_ylabel("test accuracy (logistic regression)")
    ax.set_title("RBM hidden probabilities as features")
    return fig


# ------------------------------------------------------------------------------ verdict rules


_NEGLIGIBLE_NATS = 0.5  # a log-likelihood gain smaller than half a nat per image is no gain worth the name


def _generative(m: dict):
    gain, realism = m["pcd_gain_over_independent_pixels"], m["sample_realism"]
    if lab.low(gain) >= 2 and lab.low(realism) >= 0.5:
        return lab.Verdict.SUPPORTED
    if lab.high(gain) < 0:
        return lab.Verdict.REFUTED
    if lab.high(realism) < 0.5 and -_NEGLIGIBLE_NATS < lab.low(gain) and lab.high(gain) < _NEGLIGIBLE_NATS:
        return lab.Verdict.NOT_SUPPORTED
    if (lab.low(gain) > 0 or lab.low(realism) >= 0.5) and (lab.high(gain) < 2 or lab.high(realism) < 0.5):
        return lab.Verdict.PARTLY
    return lab.undecided(m, "pcd_gain_over_independent_pixels", "sample_realism")


def _slow_because_of_layers(m: dict):
    ratio, distance, gap = (
        m["bm_over_rbm_seconds_per_epoch"],
        m["bm_clamped_distance_no_sweeps"],
        m["rbm_minus_bm_test_ll"],
    )
    connections_free = lab.high(ratio) < 1.5 and lab.high(distance) < _EQUILIBRIUM
    connections_cost = lab.low(ratio) >= 1.5 or lab.low(distance) >= _EQUILIBRIUM
    slow_with_one_layer = lab.low(ratio) >= 2 and lab.low(gap) > 0
    if connections_free:
        return lab.Verdict.SUPPORTED
    if slow_with_one_layer:
        return lab.Verdict.PARTLY
    if connections_cost and (lab.high(ratio) < 2 or lab.high(gap) <= 0):
        return lab.Verdict.NOT_SUPPORTED
    return lab.undecided(m, "bm_over_rbm_seconds_per_epoch", "bm_clamped_distance_no_sweeps", "rbm_minus_bm_test_ll")


def _fast_because_single_layer(m: dict):
    if m["rbm_clamped_distance"] > 1e-6:
        return lab.Verdict.NOT_SUPPORTED
    distance = m["bm_clamped_distance_no_sweeps"]
    if lab.high(distance) < _EQUILIBRIUM:
        return lab.Verdict.SUPPORTED
    if lab.low(distance) >= _EQUILIBRIUM:
        return lab.Verdict.PARTLY
    return lab.undecided(m, "bm_clamped_distance_no_sweeps")


# The smallest accuracy gain that counts as help: three points. The 597 test images alone put about two points of
# sampling error on a paired difference of accuracies, so a smaller gain could not be told from none.
_MIN_ACCURACY_GAIN = 0.03
_FEATURE_GAINS = ("rbm_features_minus_raw_accuracy", "rbm_features_minus_untrained_accuracy")


def _features_help(m: dict) -> lab.Judgement:
    """Trained RBM features against two baselines: raw pixels, and the same RBM untrained."""
    gains = [m[k] for k in _FEATURE_GAINS]
    beats = [lab.low(g) > 0 for g in gains]
    falls_short = [lab.high(g) < _MIN_ACCURACY_GAIN for g in gains]
    worse = [lab.high(g) < 0 for g in gains]
    if all(beats):
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if all(worse):
        return lab.Judgement(lab.Verdict.REFUTED)
    if beats[0] and falls_short[1]:
        return lab.Judgement(lab.Verdict.PARTLY, "the features beat the raw pixels, but not the untrained RBM's")
    if beats[1] and falls_short[0]:
        return lab.Judgement(
            lab.Verdict.PARTLY, "training makes the RBM's features better than untrained ones, but not than raw pixels"
        )
    if all(falls_short) and not any(beats):
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED)
    return lab.undecided(m, *_FEATURE_GAINS)


def _features_case(over_raw, over_untrained) -> dict:
    return dict(zip(_FEATURE_GAINS, (lab.estimate_of(*over_raw), lab.estimate_of(*over_untrained))))


def _generative_case(gain, realism) -> dict:
    return {"pcd_gain_over_independent_pixels": lab.estimate_of(*gain), "sample_realism": lab.estimate_of(*realism)}


def _layers_case(ratio, distance, ll_gap) -> dict:
    return {
        "bm_over_rbm_seconds_per_epoch": lab.estimate_of(*ratio),
        "bm_clamped_distance_no_sweeps": lab.estimate_of(*distance),
        "rbm_minus_bm_test_ll": lab.estimate_of(*ll_gap),
    }


def _single_layer_case(rbm_distance, distance) -> dict:
    return {"rbm_clamped_distance": rbm_distance, "bm_clamped_distance_no_sweeps": lab.estimate_of(*distance)}


_TIE, _BETTER, _UNSURE = (0.1, -0.1, 0.0), (1.5, 1.4, 1.6), (1.5, -1.0, 0.5)
_SLOW, _FAR_FROM_EQUILIBRIUM = (5, 6, 5.5), (0.6, 0.5, 0.7)
_MACHINES_LEARNED = lab.Gate(
    "bm_gain_over_independent_pixels",
    "the machine with hidden-hidden connections learned: its exact test log-likelihood >= 1 nat above "
    "independent pixels",
    at_least=1.0,
)


EXPERIMENT = lab.Experiment(
    id="q24",
    question="What are Boltzmann machines and restricted Boltzmann machines (RBMs)?",
    answer=(
        "A Boltzmann machine is a network of binary stochastic units joined by symmetric weights. Its energy "
        "gives every joint state a probability, so it is a generative model: trained on data it gives the data "
        "high probability, and Gibbs sampling draws new examples from it. Here a small RBM assigns held-out "
        "binarised digits about six nats more log-likelihood per image than independent pixels do, and its samples "
        "lie much nearer to real digits than independent-pixel noise does. Learning compares pairwise statistics "
        "in a clamped phase (data fixed on the visible units) with those of a free phase (the network running on "
        "its own), and both need the network at equilibrium, which is what makes a general Boltzmann machine "
        "slow. Many layers are not needed for that: one hidden layer of 12 units with connections among its units "
        "needs one or two Gibbs sweeps, updating its units one at a time, before its clamped phase matches "
        "p(h | v); it trains about four and a half times slower per epoch (CPU time) than the same layer without "
        "those connections and ends about a nat worse after the same epochs. A restricted Boltzmann machine has no "
        "connections within a layer, so its hidden units are independent given the data: the clamped phase is "
        "exact in one step and each layer is sampled as one block. That bipartite structure, not the single "
        "layer, is what makes it fast. Contrastive divergence replaces the free phase by a short chain started at "
        "the data; on this small model one step (CD-1) already gets over 95% of the likelihood gain of ten steps, "
        "and persistent chains (PCD) do no better after the same epochs. As features for a classifier, the hidden "
        "probabilities of a 100-unit RBM are about as good as the raw pixels (a logistic regression scores about "
        "93% on them against 92%, well within the three points a gain would need here), and far better than the "
        "same RBM's before training (about 76%: its small random weights make features close to 0.5 and nearly "
        "linear in the pixels) or than the trained weights shuffled among the connections (about 85%): training "
        "is what makes them useful, but on these digits they do not beat the pixels themselves."
    ),
    claims=(
        lab.Claim(
            "stochastic_generative",
            "A Boltzmann machine is a stochastic, generative network: its binary units are random, and it learns a "
            "probability distribution over the data from which it can draw new examples.",
            lab.Custom(
                _generative,
                "RBM 64-16 trained by PCD: exact test log-likelihood minus that of independent pixels with the "
                "training frequencies (paired over seeds), and the realism of its Gibbs samples, (d_independent - "
                "d_samples) / (d_independent - d_test) with d the mean Hamming distance to the nearest training "
                "image (1: as close as held-out digits, 0: no closer than independent-pixel samples), judged by "
                "their 95% intervals. Supported if the gain lies above 2 nats and the realism >= 0.5; refuted if "
                "the gain lies below 0; not supported if the realism lies below 0.5 and the gain within ±0.5 nat; "
                "partly if one of gain > 0 or realism >= 0.5 holds and the other part of support fails; otherwise "
                "inconclusive",
                ("pcd_gain_over_independent_pixels", "sample_realism"),
                {
                    lab.Verdict.SUPPORTED: _generative_case((5, 5.5, 4.5), (0.7, 0.6, 0.65)),
                    lab.Verdict.PARTLY: _generative_case((1, 1.2, 0.8), (0.2, 0.3, 0.1)),
                    lab.Verdict.NOT_SUPPORTED: _generative_case(_TIE, (0.2, 0.3, 0.1)),
                    lab.Verdict.REFUTED: _generative_case((-1, -1.2, -0.8), (0.2, 0.3, 0.1)),
                    lab.Verdict.INCONCLUSIVE: _generative_case((5, 0.5, 3), (0.7, 0.6, 0.65)),
                },
            ),
            gates=(
                lab.Gate(
                    "pcd_minus_cd1",
                    "the persistent chains had caught up as the learning rate decayed: PCD's test log-likelihood "
                    "within 0.5 nat of CD-1's",
                    at_least=-0.5,
                ),
                lab.Gate(
                    "sample_realism_drift",
                    "the Gibbs chains had settled: the realism of their samples moved < 0.1 over the second half "
                    "of the steps",
                    at_most=0.1,
                ),
            ),
        ),
        lab.Claim(
            "slow_because_many_layers",
            "A Boltzmann machine learns slowly because it uses many layers of feature detectors.",
            lab.Custom(
                _slow_because_of_layers,
                "one hidden layer of 12 units with hidden-hidden connections (a BM) against the same layer without "
                "them (an RBM), same class and training code, paired over seeds, judged by 95% intervals; an "
                "epoch's cost is the CPU seconds of each run's fastest epoch. Supported if the connections cost "
                "nothing (< 1.5x the seconds per epoch, and the clamped phase already within 0.05 of p(h | v) "
                "without sweeps), leaving the number of layers as the cause; partly if the "
                "single-layer BM is >= 2x slower per epoch and still ends with a lower exact test log-likelihood "
                "after the same epochs (RBM minus BM above 0, the RBM having used a fraction of the time): a BM is "
                "slow, but it is slow with one layer, so layers are not the reason; not supported if the "
                "connections cost something but the BM is not shown both slower and worse; otherwise inconclusive",
                ("bm_over_rbm_seconds_per_epoch", "bm_clamped_distance_no_sweeps", "rbm_minus_bm_test_ll"),
                {
                    lab.Verdict.SUPPORTED: _layers_case((1.1, 1.2, 1.0), (0.01, 0.02, 0.0), _TIE),
                    lab.Verdict.PARTLY: _layers_case(_SLOW, _FAR_FROM_EQUILIBRIUM, _BETTER),
                    lab.Verdict.NOT_SUPPORTED: _layers_case(_SLOW, _FAR_FROM_EQUILIBRIUM, (-0.5, -0.6, -0.4)),
                    lab.Verdict.INCONCLUSIVE: _layers_case(_SLOW, _FAR_FROM_EQUILIBRIUM, _UNSURE),
                },
            ),
            gates=(_MACHINES_LEARNED,),
        ),
        lab.Claim(
            "rbm_fast_single_layer",
            "An RBM learns fast because it has a single layer of feature detectors.",
            lab.Custom(
                _fast_because_single_layer,
                "total-variation distance of the clamped phase from p(h | v), exact by enumeration. Supported if the "
                "RBM's one factorial draw is exact (distance < 1e-6) and so is that of a single layer with "
                "hidden-hidden connections (95% CI of its distance without sweeps below 0.05), so one layer is what "
                "makes it fast; partly if the RBM is exact but the single layer with connections is not (CI >= "
                "0.05: it needs sequential Gibbs sweeps): the bipartite restriction, not the number of layers, makes "
                "the RBM fast; not supported if the RBM is not exact; otherwise inconclusive",
                ("rbm_clamped_distance", "bm_clamped_distance_no_sweeps"),
                {
                    lab.Verdict.SUPPORTED: _single_layer_case(0.0, (0.01, 0.02, 0.0)),
                    lab.Verdict.PARTLY: _single_layer_case(0.0, _FAR_FROM_EQUILIBRIUM),
                    lab.Verdict.NOT_SUPPORTED: _single_layer_case(0.2, _FAR_FROM_EQUILIBRIUM),
                    lab.Verdict.INCONCLUSIVE: _single_layer_case(0.0, (0.6, 0.0, 0.3)),
                },
            ),
            gates=(_MACHINES_LEARNED,),
        ),
        lab.Claim(
            "cd1_is_enough",
            "One step of contrastive divergence (CD-1) is enough to train an RBM well.",
            lab.AtLeast("cd1_share_of_best_gain", supported=0.95, partly=0.8, refuted_below=0.5),
            gates=(
                lab.Gate(
                    "best_gain_over_independent_pixels",
                    "the better of CD-10 and PCD learned: >= 2 nats above independent pixels",
                    at_least=2.0,
                ),
            ),
        ),
        lab.Claim(
            "features_classify",
            "The hidden units of an RBM learn features that help classification: a classifier does better on them "
            "than on the raw pixels, and than on the same RBM's units before training.",
            lab.Custom(
                _features_help,
                "test accuracy of a logistic regression on the hidden probabilities of a 100-unit RBM trained by "
                "CD-1, minus that on (a) the raw pixels and (b) the same RBM untrained (its random initial weights), "
                "each paired by seed and test digit and judged by its 95% interval: the trained features beat a "
                "baseline if the interval lies above 0, and fall short of it if it lies below "
                f"{_MIN_ACCURACY_GAIN:g} ({_MIN_ACCURACY_GAIN * 100:g} points: no gain worth the name; an interval "
                "above 0 counts as beating even if it also lies below that). Supported "
                "if they beat both baselines; partly if they beat only one and fall short of the other; not "
                "supported if they beat neither and fall short of both; refuted if they are worse than both "
                "(both intervals below 0); otherwise inconclusive",
                _FEATURE_GAINS,
                {
                    lab.Verdict.SUPPORTED: _features_case((0.04, 0.05, 0.045), (0.2, 0.25, 0.22)),
                    lab.Verdict.PARTLY: _features_case((0.004, 0.006, 0.0), (0.2, 0.25, 0.22)),
                    lab.Verdict.NOT_SUPPORTED: _features_case((0.004, 0.006, 0.0), (0.01, -0.01, 0.0)),
                    lab.Verdict.REFUTED: _features_case((-0.04, -0.05, -0.045), (-0.1, -0.12, -0.11)),
                    lab.Verdict.INCONCLUSIVE: _features_case((0.1, -0.1, 0.0), (0.2, 0.25, 0.22)),
                },
            ),
            gates=(
                lab.Gate(
                    "rbm100_reconstruction_error",
                    "the 100-unit RBM learned: its mean-field reconstruction of test digits has at most half the "
                    "squared error of an untrained one (16 pixels)",
                    at_most=8.0,
                ),
                lab.Gate(
                    "accuracy_raw_pixels",
                    "the classifier reads the raw binary pixels (test accuracy >= 0.85)",
                    at_least=0.85,
                ),
            ),
        ),
    ),
    data=(
        "scikit-learn digits binarised (pixel > 8 of 16), the lab's stratified split: 1,200 training and 597 test "
        "images of 64 binary pixels"
    ),
    references=(
        "Ackley, Hinton & Sejnowski (1985). A learning algorithm for Boltzmann machines. Cognitive Science 9(1).",
        "Smolensky (1986). Information processing in dynamical systems: foundations of harmony theory. In "
        "Parallel Distributed Processing, vol. 1, MIT Press.",
        "Hinton (2002). Training products of experts by minimizing contrastive divergence. Neural Computation 14(8).",
        "Hinton (2007). Boltzmann machine. Scholarpedia 2(5):1668.",
        "Tieleman (2008). Training restricted Boltzmann machines using approximations to the likelihood "
        "gradient. ICML.",
        "Salakhutdinov & Murray (2008). On the quantitative analysis of deep belief networks. ICML.",
        "Larochelle & Bengio (2008). Classification using discriminative restricted Boltzmann machines. ICML.",
        "Salakhutdinov & Hinton (2009). Deep Boltzmann machines. AISTATS.",
        "Osindero & Hinton (2008). Modeling image patches with a directed hierarchy of Markov random fields. "
        "NIPS 20 (semi-restricted Boltzmann machines).",
        "Hinton (2010). A practical guide to training restricted Boltzmann machines. UTML TR 2010-003.",
    ),
    run=run,
)
