"""Restricted Boltzmann machines: scikit-learn as the oracle, autograd as a second witness, enumeration as the truth."""

import copy
import functools
import math
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.base import clone
from sklearn.exceptions import SkipTestWarning
from sklearn.linear_model import RidgeClassifier
from sklearn.neural_network import BernoulliRBM as SklearnBernoulliRBM
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import check_estimator

import glassnet as gn
from glassnet.data import load_digits
from glassnet.diagnostics import plot_chain, plot_filters
from glassnet.models import BernoulliRBM, BoltzmannMachine, GaussianBernoulliRBM


@functools.cache
def _digits():
    """Binarised 8x8 digits (pixel > 8): 1,500 for training, 297 held out, and the labels."""
    X, y = load_digits()
    X = (X > 8).astype(np.float64)
    return X[:1500], X[1500:], y[:1500], y[1500:]


@functools.cache
def _trained_digit_rbm(n_components: int = 12) -> BernoulliRBM:
    train, *_ = _digits()
    return BernoulliRBM(n_components, learning_rate=0.05, batch_size=20, n_iter=15, momentum=0.5, random_state=0).fit(
        train
    )


def _independent_log_likelihood(train: np.ndarray, test: np.ndarray) -> float:
    """Mean held-out log-likelihood of independent Bernoulli pixels with the training means (the base-rate model)."""
    p = np.clip(train.mean(axis=0), 1e-3, 1 - 1e-3)
    return float(np.mean(test @ np.log(p) + (1 - test) @ np.log1p(-p)))


def _as_sklearn(rbm: BernoulliRBM, random_state) -> SklearnBernoulliRBM:
    """scikit-learn's BernoulliRBM holding the same weights and biases."""
    theirs = SklearnBernoulliRBM(n_components=rbm.n_components, random_state=random_state)
    theirs.components_ = rbm.components_.copy()
    theirs.intercept_visible_ = rbm.intercept_visible_.copy()
    theirs.intercept_hidden_ = rbm.intercept_hidden_.copy()
    theirs.n_features_in_ = rbm.n_features_in_
    theirs.h_samples_ = np.zeros((10, rbm.n_components))
    return theirs


def _with_random_state(rbm, random_state):
    """A copy of a fitted model that draws from ``random_state`` (the cached models stay untouched)."""
    twin = copy.deepcopy(rbm)
    twin.random_state = random_state
    twin.__dict__.pop("random_state_", None)
    return twin


class ScriptedDraws(np.random.RandomState):
    """A RandomState whose uniform draws are written in advance, for updates worked out by hand."""

    def __init__(self, *draws):
        super().__init__(0)
        self.draws = list(draws)

    def uniform(self, low=0.0, high=1.0, size=None):
        return np.asarray(self.draws.pop(0), dtype=np.float64).reshape(size)


# --------------------------------------------------------------------------- oracle: scikit-learn
def test_same_weights_give_sklearns_transform_free_energy_pseudo_likelihood_and_gibbs():
    _, test, *_ = _digits()
    ours = _trained_digit_rbm()
    theirs = _as_sklearn(ours, np.random.RandomState(5))
    np.testing.assert_allclose(ours.transform(test), theirs.transform(test), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours.free_energy(test), theirs._free_energy(test), rtol=1e-12)
    # The same generator state gives the same flipped unit per row, hence the same stochastic pseudo-likelihood.
    ours = _with_random_state(ours, np.random.RandomState(5))
    np.testing.assert_allclose(ours.score_samples(test), theirs.score_samples(test), rtol=1e-10)
    # One Gibbs step draws h, then v, from the same uniforms.
    ours.random_state_, theirs.random_state_ = np.random.RandomState(7), np.random.RandomState(7)
    np.testing.assert_array_equal(ours.gibbs(test), theirs.gibbs(test))
    assert 0 < ours.gibbs(test).mean() < 1


def test_pcd_training_matches_sklearn_draw_for_draw():
    train, *_ = _digits()
    X = train[:400]  # 400 = 20 batches of 20: every batch as large as the chain count (see the class docstring)
    options = dict(n_components=10, learning_rate=0.05, batch_size=20, n_iter=3)
    theirs = SklearnBernoulliRBM(random_state=np.random.RandomState(0), **options).fit(X)
    ours = BernoulliRBM(random_state=np.random.RandomState(0), shuffle=False, **options).fit(X)
    assert np.abs(ours.components_ - theirs.components_).max() < 1e-12
    np.testing.assert_allclose(ours.intercept_visible_, theirs.intercept_visible_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_hidden_, theirs.intercept_hidden_, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ours.h_samples_, theirs.h_samples_)
    assert np.abs(ours.components_).max() > 0.1  # it moved well away from the N(0, 0.01^2) start


def test_estimator_checks_pass_except_stochastic_pseudo_likelihood_like_sklearns_own():
    """scikit-learn's own check suite; the stochastic score_samples fails the same two checks for scikit-learn's RBM."""
    stochastic = {"check_methods_sample_order_invariance", "check_methods_subset_invariance"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkipTestWarning)  # the array-API check needs SCIPY_ARRAY_API
        results = {
            type(est).__name__: check_estimator(est, on_fail=None)
            for est in (
                BernoulliRBM(n_components=3, n_iter=2),
                GaussianBernoulliRBM(n_components=3, n_iter=2),
                BoltzmannMachine(n_components=2, n_iter=2),
            )
        }
        sklearns = check_estimator(SklearnBernoulliRBM(n_components=3, n_iter=2), on_fail=None)
    failed = {name: {r["check_name"] for r in res if r["status"] == "failed"} for name, res in results.items()}
    assert failed == {"BernoulliRBM": stochastic, "GaussianBernoulliRBM": set(), "BoltzmannMachine": stochastic}
    assert {r["check_name"] for r in sklearns if r["status"] == "failed"} == stochastic
    assert all(len(res) > 40 for res in results.values())


def test_works_in_a_pipeline_and_the_features_classify_digits():
    train, test, y_train, y_test = _digits()
    pipe = Pipeline(
        [
            ("rbm", BernoulliRBM(n_components=64, learning_rate=0.05, batch_size=20, n_iter=10, random_state=0)),
            ("classifier", RidgeClassifier()),
        ]
    ).fit(train, y_train)
    assert pipe.score(test, y_test) > 0.7  # chance is 0.1; raw pixels give 0.84 with the same classifier
    assert list(pipe[:-1].get_feature_names_out()[:2]) == ["bernoullirbm0", "bernoullirbm1"]
    assert clone(pipe).get_params()["rbm__n_components"] == 64


# --------------------------------------------------------------------------- the update rule
def test_one_cd1_update_by_hand():
    # D = 2 visible, H = 1 hidden: W = [[1, -1]], b = 0, c = 0, one data vector v = (1, 0), lr = 0.1.
    rbm = BernoulliRBM(n_components=1, learning_rate=0.1, batch_size=1, persistent=False)
    rbm.n_features_in_ = 2
    rbm.components_ = np.array([[1.0, -1.0]])
    rbm.intercept_visible_ = np.zeros(2)
    rbm.intercept_hidden_ = np.zeros(1)
    # Positive phase: p(h | v) = sigmoid(1 * 1 + (-1) * 0 + 0) = sigmoid(1) = 0.7310585786.
    # The h draw 0.5 < 0.731 gives h = 1; then p(v | h = 1) = sigmoid(b + h W) = (0.7310585786, 0.2689414214),
    # and the draws (0.9, 0.1) give v- = (0, 1) (0.9 > 0.731; 0.1 < 0.269).
    # Negative phase: p(h | v-) = sigmoid(1 * 0 + (-1) * 1) = sigmoid(-1) = 0.2689414214.
    rbm.random_state = ScriptedDraws([[0.5]], [[0.9, 0.1]])
    rbm.partial_fit(np.array([[1.0, 0.0]]))
    s1, s_1 = 1 / (1 + math.exp(-1)), 1 / (1 + math.exp(1))
    # dW = p(h|v) v - p(h|v-) v- = 0.731 * (1, 0) - 0.269 * (0, 1) = (0.7310585786, -0.2689414214)
    np.testing.assert_allclose(rbm.components_, [[1 + 0.1 * s1, -1 - 0.1 * s_1]], rtol=1e-15)
    np.testing.assert_allclose(rbm.components_, [[1.07310585786, -1.02689414214]], rtol=1e-11)
    # db = v - v- = (1, -1);  dc = 0.731 - 0.269 = 0.4621171573
    np.testing.assert_allclose(rbm.intercept_visible_, [0.1, -0.1], rtol=1e-15)
    np.testing.assert_allclose(rbm.intercept_hidden_, [0.04621171573], rtol=1e-10)


@pytest.mark.parametrize("persistent, k", [(False, 1), (False, 3), (True, 2)], ids=["cd1", "cd3", "pcd2"])
def test_cd_update_is_the_autograd_gradient_of_the_free_energy_difference(persistent, k):
    """grad of mean F(v_data) - mean F(v_model) + (lambda / 2) ||W||^2 by backward() equals minus the update / lr."""
    train, *_ = _digits()
    v_pos = train[:30]
    rbm = BernoulliRBM(
        n_components=7, learning_rate=1.0, batch_size=30, k=k, persistent=persistent, weight_decay=0.01, random_state=3
    )
    rbm.partial_fit(v_pos)  # initialise and move away from zero biases
    rbm.learning_rate = 1.0
    before = {name: getattr(rbm, name).copy() for name in ("components_", "intercept_visible_", "intercept_hidden_")}
    negatives = []
    phase = rbm._negative_phase
    rbm._negative_phase = lambda *args: negatives.append(phase(*args)) or negatives[-1]
    rbm.partial_fit(v_pos)
    v_neg = negatives[0][0]

    W = gn.tensor(before["components_"], requires_grad=True)
    b = gn.tensor(before["intercept_visible_"], requires_grad=True)
    c = gn.tensor(before["intercept_hidden_"], requires_grad=True)

    def free_energy(v):  # F(v) = -b.v - sum_j softplus(c_j + W_j. v)
        v = gn.tensor(v)
        return -(v * b).sum(axis=1) - gn.F.softplus(v @ W.T + c).sum(axis=1)

    loss = free_energy(v_pos).mean() - free_energy(v_neg).mean() + 0.5 * rbm.weight_decay * (W * W).sum()
    loss.backward()
    for name, tensor in (("components_", W), ("intercept_visible_", b), ("intercept_hidden_", c)):
        step = getattr(rbm, name) - before[name]
        np.testing.assert_allclose(step, -tensor.grad, rtol=1e-10, atol=1e-13, err_msg=name)
    assert np.abs(W.grad).max() > 1e-3


def test_momentum_accumulates_velocity_and_weight_decay_shrinks_weights():
    rbm = BernoulliRBM(n_components=2, learning_rate=0.5, momentum=0.9, random_state=0).partial_fit(np.eye(3))
    W0 = rbm.components_.copy()
    g = (np.full((2, 3), 0.2), np.full(3, -0.1), np.full(2, 0.3))
    rbm._log_likelihood_gradient = lambda *args: tuple(x.copy() for x in g)
    rbm._velocities = tuple(np.zeros_like(x) for x in g)
    rbm.partial_fit(np.eye(3))  # velocity = 0.5 * 0.2 = 0.1
    rbm.partial_fit(np.eye(3))  # velocity = 0.9 * 0.1 + 0.1 = 0.19; total 0.29
    np.testing.assert_allclose(rbm.components_ - W0, 0.29, rtol=1e-12)
    # Weight decay enters the gradient as -lambda W (nothing else is random): with equal data and model
    # statistics the step is -lr * lambda * W.
    decay = BernoulliRBM(n_components=2, learning_rate=0.5, weight_decay=0.1, random_state=0).partial_fit(np.eye(3))
    decay.components_ = np.ones((2, 3))
    v = np.eye(3)
    grads = decay._log_likelihood_gradient(v, np.ones((3, 2)), v, np.ones((3, 2)))
    np.testing.assert_allclose(grads[0], -0.1 * np.ones((2, 3)), rtol=1e-15)
    np.testing.assert_allclose(grads[1], 0, atol=1e-15)


# --------------------------------------------------------------------------- likelihoods
def test_exact_log_partition_agrees_with_brute_force_over_joint_states():
    rng = np.random.default_rng(0)
    for n_visible, n_hidden in ((4, 3), (3, 5)):  # enumerate the hidden layer, then the visible one
        rbm = BernoulliRBM(n_components=n_hidden, random_state=0).partial_fit(np.ones((1, n_visible)))
        rbm.components_ = rng.normal(0, 1.5, (n_hidden, n_visible))
        rbm.intercept_visible_ = rng.normal(0, 1, n_visible)
        rbm.intercept_hidden_ = rng.normal(0, 1, n_hidden)
        V = (np.arange(2**n_visible)[:, None] >> np.arange(n_visible)) & 1
        H = (np.arange(2**n_hidden)[:, None] >> np.arange(n_hidden)) & 1
        pairs_v, pairs_h = np.repeat(V, len(H), axis=0), np.tile(H, (len(V), 1))
        neg_energy = -rbm.energy(pairs_v, pairs_h)
        brute = np.log(np.exp(neg_energy - neg_energy.max()).sum()) + neg_energy.max()
        assert abs(rbm.log_partition_exact() - brute) < 1e-10
        # log p(v) sums to one over every visible state, and F(v) is the energy summed over h.
        assert abs(np.logaddexp.reduce(rbm.log_likelihood(V))) < 1e-10
        per_v = np.logaddexp.reduce(neg_energy.reshape(len(V), len(H)), axis=1)
        np.testing.assert_allclose(-rbm.free_energy(V), per_v, rtol=1e-12)


def test_ais_agrees_with_exact_log_partition_and_test_log_likelihood():
    train, test, *_ = _digits()
    rbm = _trained_digit_rbm()
    exact = rbm.log_partition_exact()  # 2^12 hidden states
    log_z, spread = rbm.log_partition_ais(train, n_betas=2000, n_runs=200, random_state=1)
    assert abs(log_z - exact) < 0.2 and spread < 0.1, (log_z, exact, spread)
    exact_ll = rbm.log_likelihood(test).mean()
    ais_ll = rbm.log_likelihood(test, log_z=log_z).mean()
    assert abs(ais_ll - exact_ll) < 1.0
    # The trained model beats independent pixels on held-out digits by several nats.
    assert exact_ll > _independent_log_likelihood(train, test) + 2.0, exact_ll
    # From a uniform base model (no data) AIS still lands within a nat, with a wider spread.
    log_z_uniform, _ = rbm.log_partition_ais(n_betas=2000, n_runs=200, random_state=2)
    assert abs(log_z_uniform - exact) < 1.0


def test_pseudo_log_likelihood_is_besag_definition_and_score_samples_is_its_unbiased_estimate():
    _, test, *_ = _digits()
    rbm = _trained_digit_rbm()
    v = test[:20]
    pll = rbm.pseudo_log_likelihood(v)
    # By definition: sum_i log p(v_i | v_-i), flipping one unit at a time (a loop over units: test code only).
    by_definition = np.zeros(len(v))
    for i in range(v.shape[1]):
        flipped = v.copy()
        flipped[:, i] = 1 - flipped[:, i]
        by_definition += -np.logaddexp(0, rbm.free_energy(v) - rbm.free_energy(flipped))
    np.testing.assert_allclose(pll, by_definition, rtol=1e-10)
    # score_samples picks one unit per row: its average over many draws is the pseudo-likelihood.
    many = np.mean([_with_random_state(rbm, seed).score_samples(v) for seed in range(400)], axis=0)
    assert np.abs(many.mean() - pll.mean()) < 0.6, (many.mean(), pll.mean())
    assert (pll < 0).all()


# --------------------------------------------------------------------------- learning
def test_pcd_and_cd_learn_binarised_digits():
    train, test, *_ = _digits()
    base = _independent_log_likelihood(train, test)  # -24.0 nats
    for persistent, learning_rate in ((True, 0.1), (False, 0.05)):
        rbm = BernoulliRBM(
            16,
            learning_rate=learning_rate,
            batch_size=20,
            n_iter=20,
            persistent=persistent,
            momentum=0.5,
            random_state=0,
        )
        untrained = clone(rbm).set_params(n_iter=0).fit(train)
        rbm.fit(train)
        assert rbm.pseudo_log_likelihood(test).mean() > untrained.pseudo_log_likelihood(test).mean() + 15
        assert rbm.reconstruction_error(test) < 0.5 * untrained.reconstruction_error(test)
        # Exact held-out log-likelihood (2^16 hidden states): PCD -20.8, CD-1 -19.3 nats.
        assert rbm.log_likelihood(test).mean() > base + 2.5, persistent


def test_same_seed_same_model_different_seed_different_model():
    train, *_ = _digits()
    a, b, c = (BernoulliRBM(8, n_iter=2, random_state=s).fit(train[:200]) for s in (4, 4, 5))
    np.testing.assert_array_equal(a.components_, b.components_)
    assert np.abs(a.components_ - c.components_).max() > 1e-3
    assert a.gibbs(train[:5], n_steps=3).shape == (5, 64)


def test_float32_in_float32_out():
    train, *_ = _digits()
    rbm = BernoulliRBM(8, n_iter=1, random_state=0).fit(train[:100].astype(np.float32))
    assert rbm.components_.dtype == np.float32 and rbm.transform(train[:3].astype(np.float32)).dtype == np.float32


# --------------------------------------------------------------------------- Gaussian-Bernoulli
def test_gaussian_rbm_log_partition_by_quadrature_and_by_ais():
    rng = np.random.default_rng(0)
    rbm = GaussianBernoulliRBM(n_components=3, random_state=0).partial_fit(np.zeros((1, 1)))
    rbm.components_ = rng.normal(0, 1.5, (3, 1))
    rbm.intercept_visible_ = np.array([0.3])
    rbm.intercept_hidden_ = rng.normal(0, 1, 3)
    grid = np.linspace(-30, 30, 200001)[:, None]  # Z = int exp(-F(v)) dv, one visible unit
    neg_f = -rbm.free_energy(grid)
    quadrature = np.log(np.sum(np.exp(neg_f - neg_f.max())) * (grid[1, 0] - grid[0, 0])) + neg_f.max()
    assert abs(rbm.log_partition_exact() - quadrature) < 1e-8

    rbm5 = GaussianBernoulliRBM(n_components=6, random_state=0).partial_fit(np.zeros((1, 5)))
    rbm5.components_ = rng.normal(0, 0.7, (6, 5))
    rbm5.intercept_visible_ = rng.normal(0, 1, 5)
    rbm5.intercept_hidden_ = rng.normal(0, 1, 6)
    log_z, spread = rbm5.log_partition_ais(n_betas=1500, n_runs=200, random_state=3)
    assert abs(log_z - rbm5.log_partition_exact()) < 0.2 and spread < 0.1


def test_gaussian_rbm_learns_a_mixture_it_can_represent():
    # Data from the model class: unit-variance Gaussians at b, b + w1, b + w2, b + w1 + w2, equally likely.
    rng = np.random.default_rng(0)
    b, w = rng.normal(0, 1, 6), rng.normal(0, 2, (2, 6))
    corners = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])
    X = b + corners[rng.integers(0, 4, 1200)] @ w + rng.normal(size=(1200, 6))
    train, test = X[:1000], X[1000:]
    centres = b + corners @ w
    log_pdf = -0.5 * ((test[:, None, :] - centres) ** 2).sum(axis=2) - 3 * math.log(2 * math.pi) - math.log(4)
    truth = np.logaddexp.reduce(log_pdf, axis=1).mean()  # -9.80 nats
    mu, var = train.mean(axis=0), train.var(axis=0)
    diagonal_gaussian = np.mean(-0.5 * np.sum(np.log(2 * math.pi * var) + (test - mu) ** 2 / var, axis=1))  # -11.28
    rbm = GaussianBernoulliRBM(
        4, learning_rate=0.005, batch_size=20, n_iter=30, momentum=0.9, persistent=False, random_state=0
    ).fit(train)
    score = rbm.score_samples(test).mean()  # exact: 2^4 hidden states; -10.22 nats
    assert diagonal_gaussian + 0.5 < score < truth + 0.1, (diagonal_gaussian, score, truth)
    assert truth - score < 0.8


# --------------------------------------------------------------------------- errors and figures
def test_errors_say_what_was_expected():
    rbm = _trained_digit_rbm()
    with pytest.raises(ValueError, match="X has 3 features, but BernoulliRBM is expecting 64"):
        rbm.transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Invalid learning_rate: -1"):
        BernoulliRBM(learning_rate=-1).fit(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Invalid k: 0"):
        BernoulliRBM(k=0).fit(np.zeros((2, 3)))
    big = BernoulliRBM(n_components=30).partial_fit(np.zeros((1, 40)))
    with pytest.raises(ValueError, match="2\\^30 states"):
        big.log_partition_exact()


def test_filter_and_chain_figures(tmp_path):
    train, *_ = _digits()
    rbm = _trained_digit_rbm()
    fig = plot_filters(rbm.components_, (8, 8), path=tmp_path / "filters.png")
    assert isinstance(fig, Figure) and len(fig.axes) == 12 and all(len(ax.images) == 1 for ax in fig.axes)
    chain = [train[:3]]
    for _ in range(4):
        chain.append(rbm.gibbs(chain[-1], n_steps=5))
    fig = plot_chain(np.stack(chain), (8, 8), path=tmp_path / "chain.png")
    assert len(fig.axes) == 3 * 5
    assert (tmp_path / "filters.png").stat().st_size > 1000 and (tmp_path / "chain.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="expected W of shape"):
        plot_filters(rbm.components_, (7, 7))


def test_binary_states_lists_every_vector_least_significant_bit_first():
    from glassnet.models import binary_states

    states = binary_states(3)
    assert states.shape == (8, 3) and states.dtype == np.float64
    assert states[5].tolist() == [1.0, 0.0, 1.0]  # 5 = 0b101
    assert len({tuple(s) for s in states}) == 8
    assert binary_states(4, 2, 4, np.float32).tolist() == [[0, 1, 0, 0], [1, 1, 0, 0]]
