"""The general Boltzmann machine: binary visible and hidden units, symmetric connections between any two units.

All units in one vector ``s = [v, h]`` (N = D + H), biases ``a = [b, c]`` and a symmetric coupling
matrix with a zero diagonal (no self-connections)::

    K = [[L,  W^T],      L (D, D): visible-visible,  W (H, D): visible-hidden (scikit-learn's layout),
         [W,  J  ]]      J (H, H): hidden-hidden

    E(s) = -s^T K s / 2 - a.s = -v^T L v / 2 - h^T J h / 2 - h.W v - b.v - c.h,    p(s) = exp(-E(s)) / Z

Each unit's conditional given all the others is a logistic unit (the diagonal of K is zero)::

    p(s_i = 1 | s_-i) = sigmoid(a_i + sum_j K_ij s_j)

and the Boltzmann learning rule (Ackley, Hinton & Sejnowski 1985) is the log-likelihood gradient,
a difference of pairwise correlations between a clamped and a free phase::

    d <log p(v)>_data / d K_ij = <s_i s_j>_clamped - <s_i s_j>_free,    d / d a_i = <s_i>_clamped - <s_i>_free

In the clamped phase v is fixed to a data vector and the hidden units are Gibbs-sampled given it;
in the free phase every unit is sampled, here by persistent chains carried from one update to
the next (as in Tieleman 2008 and Salakhutdinov & Hinton 2009). With L = 0 and J = 0 (``visible_lateral=False,
hidden_lateral=False``) this is exactly the restricted Boltzmann machine; :meth:`BoltzmannMachine.from_rbm`
builds that special case from a fitted :class:`~glassnet.models.rbm.BernoulliRBM`.

References:
    Ackley, Hinton & Sejnowski, "A learning algorithm for Boltzmann machines", Cognitive Science 9 (1985).
    Tieleman, "Training restricted Boltzmann machines using approximations to the likelihood gradient", ICML 2008.
    Salakhutdinov & Hinton, "Deep Boltzmann machines", AISTATS 2009: persistent free-phase chains, mean-field.
    Besag, "Statistical analysis of non-lattice data", The Statistician 24 (1975): pseudo-likelihood.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..ops.formulas import sigmoid_, softplus
from .rbm import (
    _MAX_ENUMERATED_UNITS,
    BernoulliRBM,
    _as_2d_float,
    _bernoulli,
    _check_hyperparameters,
    _enumerate_log_sum,
    _TrainedBySampling,
)


class BoltzmannMachine(_TrainedBySampling):
    """A fully connected Boltzmann machine over binary visible and hidden units, learned by the Boltzmann rule.

    Gibbs sampling in a general BM must update units one at a time: a unit's conditional depends on
    the current value of every unit it is connected to, so two connected units updated together
    would each see a stale neighbour and the chain would leave p(s) behind. Units with no
    connection between them may share an update; here that is every visible unit when
    ``visible_lateral=False`` and every hidden unit when ``hidden_lateral=False`` (one block each,
    as in an RBM). A sweep updates the hidden units, then the visible ones; within a block all
    units and all chains are vectorised.

    Args:
        n_components: H, the number of hidden units.
        learning_rate: step size of gradient ascent on the log-likelihood.
        batch_size: data vectors per update (also the number of persistent free-phase chains).
        n_iter: passes over the training data in ``fit``.
        n_clamped_sweeps: Gibbs sweeps over the hidden units in the clamped phase, after starting
            them at a sample of the factorial sigmoid(c + W v) (exact when J = 0, so 0 sweeps suffice there).
        n_free_sweeps: Gibbs sweeps of the persistent chains per update (free phase).
        visible_lateral: learn visible-visible weights L (else L stays 0).
        hidden_lateral: learn hidden-hidden weights J (else J stays 0).
        weight_decay: L2 penalty lambda on all weights (not on biases).
        shuffle: reshuffle the samples every pass.
        verbose: print progress after each pass when > 0.
        random_state: None, an int seed, or a numpy ``Generator``/``RandomState``.

    Attributes:
        coupling_: (N, N) symmetric coupling matrix K with a zero diagonal, N = n_features + n_components.
        intercept_: (N,) biases a = [b, c].
        components_, lateral_visible_, lateral_hidden_, intercept_visible_, intercept_hidden_: views of
            W (H, D), L (D, D), J (H, H), b (D,), c (H,) inside ``coupling_`` and ``intercept_``.
        chains_: (batch_size, N) states of the persistent free-phase chains.
        n_features_in_: D.
        random_state_: the generator in use.
    """

    def __init__(
        self,
        n_components: int = 16,
        *,
        learning_rate: float = 0.05,
        batch_size: int = 10,
        n_iter: int = 10,
        n_clamped_sweeps: int = 3,
        n_free_sweeps: int = 1,
        visible_lateral: bool = True,
        hidden_lateral: bool = True,
        weight_decay: float = 0.0,
        shuffle: bool = True,
        verbose: int = 0,
        random_state=None,
    ):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.n_clamped_sweeps = n_clamped_sweeps
        self.n_free_sweeps = n_free_sweeps
        self.visible_lateral = visible_lateral
        self.hidden_lateral = hidden_lateral
        self.weight_decay = weight_decay
        self.shuffle = shuffle
        self.verbose = verbose
        self.random_state = random_state

    @classmethod
    def from_rbm(cls, rbm: BernoulliRBM) -> BoltzmannMachine:
        """The RBM as a Boltzmann machine: K = [[0, W^T], [W, 0]], a = [b, c], no lateral connections."""
        check_is_fitted(rbm)
        if not isinstance(rbm, BernoulliRBM):
            raise TypeError(f"expected a fitted BernoulliRBM (binary units), got {type(rbm).__name__}")
        n_hidden, n_visible = rbm.components_.shape
        bm = cls(
            n_components=n_hidden,
            learning_rate=rbm.learning_rate,
            batch_size=rbm.batch_size,
            visible_lateral=False,
            hidden_lateral=False,
            random_state=rbm.random_state,
        )
        bm.n_features_in_ = n_visible
        bm.coupling_ = np.zeros((n_visible + n_hidden,) * 2, dtype=rbm.components_.dtype)
        bm.coupling_[n_visible:, :n_visible] = rbm.components_
        bm.coupling_[:n_visible, n_visible:] = rbm.components_.T
        bm.intercept_ = np.concatenate([rbm.intercept_visible_, rbm.intercept_hidden_])
        return bm

    # ----------------------------------------------------------- views of the parameters
    @property
    def components_(self) -> np.ndarray:
        """W (H, D): visible-hidden weights."""
        return self.coupling_[self.n_features_in_ :, : self.n_features_in_]

    @property
    def lateral_visible_(self) -> np.ndarray:
        """L (D, D): visible-visible weights."""
        return self.coupling_[: self.n_features_in_, : self.n_features_in_]

    @property
    def lateral_hidden_(self) -> np.ndarray:
        """J (H, H): hidden-hidden weights."""
        return self.coupling_[self.n_features_in_ :, self.n_features_in_ :]

    @property
    def intercept_visible_(self) -> np.ndarray:
        return self.intercept_[: self.n_features_in_]

    @property
    def intercept_hidden_(self) -> np.ndarray:
        return self.intercept_[self.n_features_in_ :]

    @property
    def _n_features_out(self) -> int:
        return self.n_components

    # ----------------------------------------------------------- the conditionals and sweeps
    def _unit_groups(self, visible: bool = True, hidden: bool = True) -> list[slice]:
        """The blocks of mutually unconnected units, in sweep order: hidden units first, then visible ones."""
        d, n = self.n_features_in_, len(self.intercept_)
        groups = []
        if hidden:
            groups += [slice(i, i + 1) for i in range(d, n)] if self.hidden_lateral else [slice(d, n)]
        if visible:
            groups += [slice(i, i + 1) for i in range(d)] if self.visible_lateral else [slice(0, d)]
        return groups

    def _gibbs_sweep(self, S: np.ndarray, groups: list[slice], rng) -> np.ndarray:
        """One Gibbs sweep in place: for each block g in turn, s_g ~ p(s_g = 1 | rest) = sigmoid(a_g + S K_:g).

        S is (n_chains, N); K symmetric, so column K_:g holds the weights into block g.
        """
        K, a = self.coupling_, self.intercept_
        for g in groups:
            pre = S @ K[:, g]
            pre += a[g]
            S[:, g] = _bernoulli(sigmoid_(pre), rng)
        return S

    def _clamped_states(self, v: np.ndarray, rng) -> np.ndarray:
        """States [v, h], v clamped, h ~ p(h | v): a factorial sample, then ``n_clamped_sweeps`` hidden sweeps."""
        pre = v @ self.components_.T
        pre += self.intercept_hidden_
        S = np.concatenate([v, _bernoulli(sigmoid_(pre), rng)], axis=1)
        groups = self._unit_groups(visible=False)
        for _ in range(self.n_clamped_sweeps):
            self._gibbs_sweep(S, groups, rng)
        return S

    def _mean_hiddens(self, v: np.ndarray, n_iter: int = 100, tol: float = 1e-7) -> np.ndarray:
        """Mean-field p(h = 1 | v): the fixed point mu = sigmoid(c + v W^T + mu J), damped by 1/2.

        Exact when J = 0 (then the first iterate is the answer); otherwise the factorial
        variational approximation of Salakhutdinov & Hinton (2009). (n, D) -> (n, H).
        """
        drive = v @ self.components_.T
        drive += self.intercept_hidden_
        mu = sigmoid_(drive.copy())
        J = self.lateral_hidden_
        if not J.any():
            return mu
        for _ in range(n_iter):
            new = 0.5 * mu + 0.5 * sigmoid_(drive + mu @ J)
            converged = np.max(np.abs(new - mu)) < tol
            mu = new
            if converged:
                break
        return mu

    def _free_energy(self, v: np.ndarray) -> np.ndarray:
        """F(v) = -b.v - v^T L v / 2 - log sum_h exp(c.h + h.W v + h^T J h / 2): (n, D) -> (n,).

        The sum over h is sum_j softplus(c_j + W_j. v) when J = 0, else an enumeration of 2^H states.
        """
        drive = v @ self.components_.T
        drive += self.intercept_hidden_
        visible_part = v @ self.intercept_visible_ + 0.5 * np.einsum("ni,ij,nj->n", v, self.lateral_visible_, v)
        J = self.lateral_hidden_
        if not J.any():
            return -visible_part - softplus(drive).sum(axis=1)
        drive = drive.astype(np.float64)

        def log_weight(h: np.ndarray) -> np.ndarray:  # (B, H) -> (n, B)
            return drive @ h.T + 0.5 * np.sum((h @ J) * h, axis=1)

        return -visible_part - _enumerate_log_sum(self.n_components, log_weight, np.float64)

    def _energy(self, S: np.ndarray) -> np.ndarray:
        """E(s) = -s^T K s / 2 - a.s of each row of S (n, N) -> (n,)."""
        return -0.5 * np.sum((S @ self.coupling_) * S, axis=1) - S @ self.intercept_

    # ----------------------------------------------------------- learning
    def _coupling_mask(self) -> np.ndarray:
        """1 where K_ij is a free parameter: off the diagonal, and inside L or J only when those are learned."""
        d, n = self.n_features_in_, len(self.intercept_)
        mask = 1.0 - np.eye(n, dtype=self.coupling_.dtype)
        if not self.visible_lateral:
            mask[:d, :d] = 0
        if not self.hidden_lateral:
            mask[d:, d:] = 0
        return mask

    def _fit(self, v: np.ndarray, rng) -> None:
        """One step of the Boltzmann learning rule on a mini-batch v (n, D).

        K += lr (<s s^T>_clamped - <s s^T>_free - lambda K) on the free entries of K (:meth:`_coupling_mask`),
        a += lr (<s>_clamped - <s>_free); the clamped averages run over the batch, the free ones over the chains.
        """
        v = v.astype(self.coupling_.dtype, copy=False)
        clamped = self._clamped_states(v, rng)
        groups = self._unit_groups()
        for _ in range(self.n_free_sweeps):
            self._gibbs_sweep(self.chains_, groups, rng)
        free = self.chains_
        d_coupling = clamped.T @ clamped * (1.0 / len(clamped)) - free.T @ free * (1.0 / len(free))
        if self.weight_decay:
            d_coupling -= self.weight_decay * self.coupling_
        d_coupling *= self._coupling_mask()
        self.coupling_ += self.learning_rate * d_coupling
        self.intercept_ += self.learning_rate * (clamped.mean(axis=0) - free.mean(axis=0))

    def _check_hyperparameters(self) -> None:
        _check_hyperparameters(self)
        for name, low in (("n_clamped_sweeps", 0), ("n_free_sweeps", 1)):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"Invalid {name}: {value!r} (expected an int >= {low})")

    def _initialise(self, n_features: int, dtype, rng) -> None:
        """W ~ N(0, 0.01^2), L = J = 0, zero biases; the persistent chains start at uniform random states."""
        n = n_features + self.n_components
        self.coupling_ = np.zeros((n, n), dtype=dtype)
        weights = rng.normal(0.0, 0.01, (self.n_components, n_features)).astype(dtype)
        self.coupling_[n_features:, :n_features] = weights
        self.coupling_[:n_features, n_features:] = weights.T
        self.intercept_ = np.zeros(n, dtype=dtype)
        self.chains_ = _bernoulli(np.full((self.batch_size, n), 0.5, dtype=dtype), rng)

    _fitted_attribute = "coupling_"

    def _progress(self, X) -> str:
        return f"pseudo-likelihood = {self.score_samples(X).mean():.4f}"

    def gibbs(self, v, n_steps: int = 1) -> np.ndarray:
        """Run ``n_steps`` Gibbs sweeps (hidden units, then visible ones) from v with h = 0; returns the last v.

        Args:
            v: (n_samples, n_features) starting visible states, one chain per row.
        Returns:
            (n_samples, n_features) visible samples.
        """
        check_is_fitted(self)
        v = _as_2d_float(self, v, reset=False)
        rng = self._random_state()
        S = np.concatenate([v, np.zeros((len(v), self.n_components), dtype=v.dtype)], axis=1)
        groups = self._unit_groups()
        for _ in range(n_steps):
            self._gibbs_sweep(S, groups, rng)
        return S[:, : self.n_features_in_].copy()

    def energy(self, V, H) -> np.ndarray:
        """E(v, h) of each pair of rows: (n, n_features), (n, n_components) -> (n,)."""
        check_is_fitted(self)
        V = _as_2d_float(self, V, reset=False)
        return self._energy(np.concatenate([V, np.asarray(H, dtype=V.dtype)], axis=1))

    def log_partition_exact(self) -> float:
        """log Z = logsumexp_v -F(v), enumerating all 2^D visible states (and 2^H hidden ones inside F if J != 0).

        A machine without visible-visible weights whose hidden layer is the smaller is summed the other way
        round: the same machine with its layers' roles swapped has the same energy over the same joint
        states, hence the same Z, and enumerates only the 2^H hidden states (64 visible units, 12 hidden:
        2^12 states instead of 2^64).
        """
        check_is_fitted(self)
        if not self.lateral_visible_.any() and self.n_components < self.n_features_in_:
            return self._with_layers_swapped().log_partition_exact()
        n_bits = self.n_features_in_ + (self.n_components if self.lateral_hidden_.any() else 0)
        if n_bits > _MAX_ENUMERATED_UNITS:
            raise ValueError(f"exact log Z needs 2^{n_bits} states; at most 2^{_MAX_ENUMERATED_UNITS} are allowed")
        return float(_enumerate_log_sum(self.n_features_in_, lambda v: -self._free_energy(v), np.float64))

    def _with_layers_swapped(self) -> BoltzmannMachine:
        """The same machine with the hidden units listed first, as visible ones (float64, for exact sums)."""
        d, h = self.n_features_in_, self.n_components
        order = np.r_[d : d + h, 0:d]
        swapped = BoltzmannMachine(n_components=d, visible_lateral=self.hidden_lateral, hidden_lateral=False)
        swapped.n_features_in_ = h
        swapped.coupling_ = self.coupling_[np.ix_(order, order)].astype(np.float64)
        swapped.intercept_ = self.intercept_[order].astype(np.float64)
        return swapped
