"""The general Boltzmann machine: enumeration as the truth, the RBM as its special case."""

import math

import numpy as np
import pytest

from glassnet.models import BernoulliRBM, BoltzmannMachine, GaussianBernoulliRBM


def _states(n: int) -> np.ndarray:
    """All 2^n binary vectors, (2^n, n)."""
    return ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.float64)


def _random_bm(n_visible: int, n_hidden: int, scale: float, seed: int) -> BoltzmannMachine:
    """A fitted-looking BM with random symmetric couplings everywhere (zero diagonal) and random biases."""
    rng = np.random.default_rng(seed)
    bm = BoltzmannMachine(n_hidden, random_state=seed).partial_fit(np.zeros((1, n_visible)))
    n = n_visible + n_hidden
    K = np.triu(rng.normal(0, scale, (n, n)), 1)
    bm.coupling_ = K + K.T
    bm.intercept_ = rng.normal(0, 0.5, n)
    return bm


def _pairs(rng, n: int) -> np.ndarray:
    """Six binary units in three pairs: the first of each pair a fair coin, the second a copy with probability 0.9."""
    first = (rng.random((n, 3)) < 0.5).astype(np.float64)
    second = np.where(rng.random((n, 3)) < 0.9, first, 1 - first)
    return np.stack([first, second], axis=2).reshape(n, 6)


def test_with_zero_lateral_weights_the_bm_gives_the_rbms_answers():
    rng = np.random.default_rng(0)
    X = (rng.random((200, 8)) < 0.3).astype(np.float64)
    rbm = BernoulliRBM(5, learning_rate=0.1, n_iter=5, random_state=0).fit(X)
    bm = BoltzmannMachine.from_rbm(rbm)
    assert not bm.lateral_visible_.any() and not bm.lateral_hidden_.any()
    np.testing.assert_array_equal(bm.components_, rbm.components_)
    V, H = _states(8), (rng.random((256, 5)) < 0.5).astype(np.float64)
    # Conditionals: p(h | v) (exact: J = 0) and p(v | h) from the BM's unit-wise formula sigmoid(a + S K).
    np.testing.assert_allclose(bm.transform(V), rbm.transform(V), rtol=1e-12)
    S = np.concatenate([np.zeros_like(V), H], axis=1)
    p_v = 1 / (1 + np.exp(-(S @ bm.coupling_[:, :8] + bm.intercept_visible_)))
    np.testing.assert_allclose(p_v, rbm._mean_visibles(H), rtol=1e-12)
    # Energy, free energy, partition function (2^8 visible states vs 2^5 hidden ones) and likelihood.
    np.testing.assert_allclose(bm.energy(V, H), rbm.energy(V, H), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bm.free_energy(V), rbm.free_energy(V), rtol=1e-12)
    assert abs(bm.log_partition_exact() - rbm.log_partition_exact()) < 1e-10
    np.testing.assert_allclose(bm.log_likelihood(X), rbm.log_likelihood(X), rtol=1e-12)
    # The same draws give the same Gibbs samples (hidden block, then visible block) and pseudo-likelihoods.
    bm.random_state_, rbm.random_state_ = np.random.RandomState(3), np.random.RandomState(3)
    np.testing.assert_array_equal(bm.gibbs(X, n_steps=4), rbm.gibbs(X, n_steps=4))
    bm.random_state, rbm.random_state = np.random.RandomState(4), np.random.RandomState(4)
    np.testing.assert_allclose(bm.score_samples(X), rbm.score_samples(X), rtol=1e-12)


def test_restricted_learning_keeps_lateral_weights_at_zero():
    X = _pairs(np.random.default_rng(1), 200)
    bm = BoltzmannMachine(3, n_iter=3, visible_lateral=False, hidden_lateral=False, random_state=0).fit(X)
    assert not bm.lateral_visible_.any() and not bm.lateral_hidden_.any()
    np.testing.assert_array_equal(bm.coupling_, bm.coupling_.T)
    assert np.abs(bm.components_).max() > 0.05


def test_exact_log_likelihood_by_enumerating_every_joint_state():
    bm = _random_bm(6, 4, scale=0.8, seed=0)
    S = _states(10)  # all (v, h): 1,024 states
    neg_energy = -bm.energy(S[:, :6], S[:, 6:])
    np.testing.assert_allclose(neg_energy, 0.5 * np.sum((S @ bm.coupling_) * S, axis=1) + S @ bm.intercept_)
    brute = np.logaddexp.reduce(neg_energy)
    assert abs(bm.log_partition_exact() - brute) < 1e-10
    # F(v) sums out h (by enumeration, since J != 0), and p(v) sums to one over all 2^6 visible states.
    V = _states(6)
    per_v = np.logaddexp.reduce(neg_energy.reshape(16, 64).T, axis=1)  # bits: v is the low 6, h the high 4
    np.testing.assert_allclose(-bm.free_energy(V), per_v, rtol=1e-12)
    assert abs(np.logaddexp.reduce(bm.log_likelihood(V))) < 1e-10


@pytest.mark.parametrize("hidden_lateral", [False, True])
def test_without_visible_lateral_weights_log_z_enumerates_the_smaller_hidden_layer(hidden_lateral):
    """12 visible, 3 hidden units: log Z summed over the 2^3 hidden states equals the sum over all 2^15 joint ones."""
    bm = _random_bm(12, 3, scale=0.5, seed=1)
    bm.coupling_[:12, :12] = 0.0  # no visible-visible weights
    if not hidden_lateral:
        bm.coupling_[12:, 12:] = 0.0
    S = _states(15)
    brute = np.logaddexp.reduce(-bm.energy(S[:, :12], S[:, 12:]))
    assert abs(bm.log_partition_exact() - brute) < 1e-10
    # and far beyond what visible enumeration allows: 64 visible units, 6 hidden
    big = _random_bm(64, 6, scale=0.1, seed=2)
    big.coupling_[:64, :64] = 0.0
    assert np.isfinite(big.log_partition_exact())


def test_unit_by_unit_gibbs_sweeps_sample_the_boltzmann_distribution():
    bm = _random_bm(4, 3, scale=1.0, seed=1)
    V = _states(4)
    exact = np.exp(bm.log_likelihood(V))
    bm.random_state_ = np.random.default_rng(0)
    start = np.zeros((20000, 4))
    samples = bm.gibbs(start, n_steps=25)
    codes = samples @ (1 << np.arange(4))
    empirical = np.bincount(codes.astype(int), minlength=16) / len(samples)
    total_variation = 0.5 * np.abs(empirical - exact).sum()
    assert total_variation < 0.02, total_variation
    assert exact.max() > 2 * exact.min()  # a distribution far from uniform


def test_boltzmann_learning_rule_is_the_exact_log_likelihood_gradient():
    """One update from huge clamped and free samples = the finite-difference gradient of the exact log-likelihood."""
    bm = _random_bm(3, 2, scale=0.7, seed=2)
    data = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 1], [1, 1, 1], [0, 1, 0]], dtype=np.float64)
    n = bm.coupling_.shape[0]

    def mean_log_likelihood(K, a):
        bm.coupling_, bm.intercept_ = K, a
        return bm.log_likelihood(data).mean()

    K0, a0, eps = bm.coupling_.copy(), bm.intercept_.copy(), 1e-6
    grad_K = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):  # the tied weight K_ij = K_ji moves as one
            step = np.zeros((n, n))
            step[i, j] = step[j, i] = eps
            grad_K[i, j] = grad_K[j, i] = (mean_log_likelihood(K0 + step, a0) - mean_log_likelihood(K0 - step, a0)) / (
                2 * eps
            )
    grad_a = np.array(
        [(mean_log_likelihood(K0, a0 + eps * e) - mean_log_likelihood(K0, a0 - eps * e)) / (2 * eps) for e in np.eye(n)]
    )
    bm.coupling_, bm.intercept_ = K0.copy(), a0.copy()
    bm.set_params(learning_rate=1.0, batch_size=20000, n_clamped_sweeps=20, n_free_sweeps=30)
    bm.random_state_ = np.random.default_rng(5)
    bm.chains_ = (bm.random_state_.random((20000, n)) < 0.5).astype(np.float64)
    bm.partial_fit(np.tile(data, (4000, 1)))
    np.testing.assert_allclose(bm.coupling_ - K0, grad_K, rtol=0, atol=0.02)
    np.testing.assert_allclose(bm.intercept_ - a0, grad_a, rtol=0, atol=0.02)
    assert np.abs(grad_K).max() > 0.1
    assert not np.diag(bm.coupling_).any()


def test_visible_lateral_weights_learn_pairwise_structure_faster_than_the_restricted_machine():
    rng = np.random.default_rng(0)
    train, test = _pairs(rng, 1000), _pairs(rng, 300)
    entropy = -3 * (math.log(2) - 0.9 * math.log(0.9) - 0.1 * math.log(0.1))  # -3.05 nats: the best possible
    options = dict(learning_rate=0.05, batch_size=10, n_iter=10, random_state=0)
    lateral = BoltzmannMachine(2, visible_lateral=True, hidden_lateral=False, **options).fit(train)
    restricted = BoltzmannMachine(4, visible_lateral=False, hidden_lateral=False, **options).fit(train)
    ll_lateral, ll_restricted = lateral.log_likelihood(test).mean(), restricted.log_likelihood(test).mean()
    assert ll_lateral > entropy - 0.25, (ll_lateral, entropy)  # -3.19
    assert ll_lateral > ll_restricted + 0.5, (ll_lateral, ll_restricted)  # -4.07
    assert 6 * math.log(0.5) < ll_restricted  # both beat the untrained (uniform) model, -4.16
    # The partner of each unit carries the largest learned visible-visible weight.
    L = lateral.lateral_visible_
    np.testing.assert_array_equal(np.argmax(np.abs(L), axis=1), [1, 0, 3, 2, 5, 4])


def test_mean_field_transform_is_a_fixed_point_close_to_the_exact_posterior():
    bm = _random_bm(5, 4, scale=0.4, seed=3)
    V = _states(5)
    mu = bm.transform(V)
    drive = V @ bm.components_.T + bm.intercept_hidden_
    np.testing.assert_allclose(mu, 1 / (1 + np.exp(-(drive + mu @ bm.lateral_hidden_))), atol=1e-6)
    # Exact p(h_j = 1 | v) by enumerating h: weights exp(c.h + h.W v + h^T J h / 2).
    Hs = _states(4)
    log_w = drive @ Hs.T + 0.5 * np.sum((Hs @ bm.lateral_hidden_) * Hs, axis=1)
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    exact = (w / w.sum(axis=1, keepdims=True)) @ Hs
    assert np.abs(mu - exact).max() < 0.05
    assert np.abs(exact - 1 / (1 + np.exp(-drive))).max() > 0.02  # J matters: the factorial answer is wrong


def test_errors():
    gaussian = GaussianBernoulliRBM(2).partial_fit(np.zeros((1, 3)))
    with pytest.raises(TypeError, match="expected a fitted BernoulliRBM"):
        BoltzmannMachine.from_rbm(gaussian)
    bm = _random_bm(20, 6, scale=0.1, seed=0)
    with pytest.raises(ValueError, match="2\\^26 states"):
        bm.log_partition_exact()
    with pytest.raises(ValueError, match="Invalid n_free_sweeps: 0"):
        BoltzmannMachine(n_free_sweeps=0).fit(np.zeros((2, 3)))
