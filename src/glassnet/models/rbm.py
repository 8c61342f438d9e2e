"""Restricted Boltzmann machines: binary or Gaussian visible units, binary hidden units, trained by CD-k or PCD.

An RBM is a Boltzmann machine whose units form two layers with no connections inside a layer
(Smolensky 1986; Ackley, Hinton & Sejnowski 1985 for the general machine). With visible biases
``b`` (D,), hidden biases ``c`` (H,) and weights ``W`` (H, D) (scikit-learn's layout, ``components_``)::

    Bernoulli-Bernoulli:   E(v, h) = -b.v - c.h - h.W v                 v in {0, 1}^D
    Gaussian-Bernoulli:    E(v, h) = ||v - b||^2 / 2 - c.h - h.W v      v in R^D, unit variance
    p(v, h) = exp(-E(v, h)) / Z

Because the layers are bipartite, each layer is factorial given the other::

    p(h_j = 1 | v) = sigmoid(c_j + W_j. v)
    p(v_i = 1 | h) = sigmoid(b_i + h.W_:i)            (Bernoulli)
    p(v_i | h)     = N(b_i + h.W_:i, 1)               (Gaussian)

and the hidden units sum out of the visible marginal in closed form, the free energy::

    F(v) = -log sum_h exp(-E(v, h)) = -g(v) - sum_j softplus(c_j + W_j. v)
    g(v) = b.v (Bernoulli)  or  -||v - b||^2 / 2 (Gaussian);   p(v) = exp(-F(v)) / Z

The log-likelihood gradient is a difference of two expectations (Hinton 2002)::

    d log p(v) / dW = <h v^T>_data - <h v^T>_model,   db = <v>_data - <v>_model,   dc = <h>_data - <h>_model

The data term is exact (``p(h | v)`` is factorial); the model term is estimated from ``k`` steps of
block Gibbs sampling started at the data (CD-k; Hinton 2002) or continued from persistent chains
(PCD; Tieleman 2008). The partition function ``Z`` is computed exactly by enumerating the smaller
layer (2^min(D, H) states) or estimated by annealed importance sampling (Salakhutdinov & Murray 2008).

The estimators follow scikit-learn's manners: ``__init__`` stores hyperparameters only, fitted
attributes end in ``_``, ``random_state`` threads through every random draw, and they work inside
a scikit-learn ``Pipeline``.

References:
    Ackley, Hinton & Sejnowski, "A learning algorithm for Boltzmann machines", Cognitive Science 9 (1985).
    Besag, "Statistical analysis of non-lattice data", The Statistician 24 (1975): pseudo-likelihood.
    Hinton, "Training products of experts by minimizing contrastive divergence", Neural Computation 14 (2002).
    Tieleman, "Training restricted Boltzmann machines using approximations to the likelihood gradient",
        ICML 2008: persistent contrastive divergence.
    Salakhutdinov & Murray, "On the quantitative analysis of deep belief networks", ICML 2008: AIS for RBMs.
    Hinton, "A practical guide to training restricted Boltzmann machines", UTML TR 2010-003 (2010).
"""

from __future__ import annotations

import math
import numbers
import time

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..backend import default_rng
from ..ops.formulas import logsumexp, sigmoid_, softplus

# Enumeration works on blocks of this many states at a time, so memory stays bounded.
_STATES_PER_BLOCK = 1 << 12
# Exact partition functions enumerate at most 2**_MAX_ENUMERATED_UNITS states.
_MAX_ENUMERATED_UNITS = 24


# --------------------------------------------------------------------------- shared numerics
def _check_random_state(seed) -> np.random.Generator | np.random.RandomState:
    """A generator from ``random_state``: None -> glassnet's global one, an int -> a new seeded one, a generator as is.

    Both ``numpy.random.Generator`` and the legacy ``numpy.random.RandomState`` (scikit-learn's)
    are accepted; every draw goes through :func:`_uniform`, :func:`_normal` and :func:`_integers`.
    """
    if seed is None:
        return default_rng()
    if isinstance(seed, (np.random.Generator, np.random.RandomState)):
        return seed
    if isinstance(seed, numbers.Integral):
        return np.random.default_rng(int(seed))
    raise ValueError(f"random_state must be None, an int or a numpy generator, got {seed!r}")


def _uniform(rng, shape: tuple, dtype) -> np.ndarray:
    """U[0, 1) draws of ``shape``; float32 draws for float32 work (half the random bits)."""
    if isinstance(rng, np.random.Generator):
        return rng.random(shape, dtype=np.float32 if dtype == np.float32 else np.float64)
    return rng.uniform(size=shape)  # RandomState: the same stream scikit-learn draws from


def _normal(rng, shape: tuple, dtype) -> np.ndarray:
    """N(0, 1) draws of ``shape``."""
    if isinstance(rng, np.random.Generator):
        return rng.standard_normal(shape, dtype=np.float32 if dtype == np.float32 else np.float64)
    return rng.standard_normal(shape).astype(dtype, copy=False)


def _integers(rng, high: int, size: int) -> np.ndarray:
    """Uniform integers in [0, high)."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(0, high, size)
    return rng.randint(0, high, size)


def _bernoulli(p: np.ndarray, rng) -> np.ndarray:
    """A 0/1 sample of ``p``'s shape and dtype with P(1) = p: 1 where a uniform draw falls below p."""
    return (_uniform(rng, p.shape, p.dtype) < p).astype(p.dtype)


def binary_states(n_bits: int, start: int = 0, stop: int | None = None, dtype=np.float64) -> np.ndarray:
    """The binary vectors of the integers ``start .. stop - 1`` (all 2^n_bits by default), least significant
    bit first: (stop - start, n_bits). What exact enumeration of a small layer runs over."""
    codes = np.arange(start, 1 << n_bits if stop is None else stop, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n_bits)) & 1).astype(dtype)


def _enumerate_log_sum(n_bits: int, log_weight, dtype) -> np.ndarray:
    """log sum_s exp(log_weight(s)) over all 2^n_bits binary vectors s, a block of states at a time.

    ``log_weight`` maps states (B, n_bits) to log weights (..., B); the sum runs over the last axis,
    so the result has shape (...) (a 0-d array for one sum).
    """
    if n_bits > _MAX_ENUMERATED_UNITS:
        raise ValueError(
            f"exact enumeration needs 2^{n_bits} states; at most 2^{_MAX_ENUMERATED_UNITS} are allowed "
            "(estimate log Z by annealed importance sampling instead)"
        )
    total = 1 << n_bits
    blocks = [
        logsumexp(log_weight(binary_states(n_bits, start, min(start + _STATES_PER_BLOCK, total), dtype)))
        for start in range(0, total, _STATES_PER_BLOCK)
    ]
    return logsumexp(np.stack(blocks, axis=-1))


def _as_2d_float(estimator, X, reset: bool) -> np.ndarray:
    """X as a dense float array (n_samples, n_features): float32 stays float32, anything else becomes float64.

    The checks and messages are scikit-learn's ``check_array``'s, at a quarter of its cost (this
    runs on every ``partial_fit``). ``reset=True`` (fit) records ``n_features_in_``; otherwise the
    feature count must match it.
    """
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(f"{type(estimator).__name__} does not support sparse input; pass a dense array (X.toarray())")
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2-D array (n_samples, n_features), got shape {tuple(X.shape)}. Reshape your data either using "
            "array.reshape(-1, 1) if your data has a single feature or array.reshape(1, -1) if it contains a "
            "single sample."
        )
    if np.iscomplexobj(X):
        raise ValueError("Complex data not supported")
    if X.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={tuple(X.shape)}) while a minimum of 1 is required.")
    if X.shape[1] == 0:
        raise ValueError(f"Found array with 0 feature(s) (shape={tuple(X.shape)}) while a minimum of 1 is required.")
    if X.dtype != np.float32:
        X = X.astype(np.float64)
    if not np.isfinite(X.sum()):  # a NaN or an infinity anywhere makes the sum non-finite
        raise ValueError("Input X contains NaN or infinity")
    if reset:
        estimator.n_features_in_ = X.shape[1]
    elif X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input"
        )
    return X


def _check_hyperparameters(estimator) -> None:
    """Validate the training hyperparameters up front, with one message shape for all of them."""
    positive_ints = ("n_components", "batch_size", "k")
    for name in positive_ints:
        value = getattr(estimator, name, 1)
        if not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"Invalid {name}: {value!r} (expected an int >= 1)")
    if not isinstance(estimator.n_iter, numbers.Integral) or estimator.n_iter < 0:
        raise ValueError(f"Invalid n_iter: {estimator.n_iter!r} (expected an int >= 0)")
    if not estimator.learning_rate > 0:
        raise ValueError(f"Invalid learning_rate: {estimator.learning_rate!r} (expected > 0)")
    if not 0 <= getattr(estimator, "momentum", 0.0) < 1:
        raise ValueError(f"Invalid momentum: {estimator.momentum!r} (expected 0 <= momentum < 1)")
    if not estimator.weight_decay >= 0:
        raise ValueError(f"Invalid weight_decay: {estimator.weight_decay!r} (expected >= 0)")


def _ais_betas(n_betas: int) -> np.ndarray:
    """Inverse temperatures 0 = beta_0 < ... < beta_K = 1, denser near 1 where the distributions change fastest.

    Salakhutdinov & Murray (2008) spaced 500 betas on [0, 0.5], 4,000 on [0.5, 0.9] and 10,000 on
    [0.9, 1]; the same proportions, scaled to ``n_betas`` in all.
    """
    if n_betas < 3:
        raise ValueError(f"Invalid n_betas: {n_betas!r} (expected an int >= 3)")
    n1 = max(1, round(n_betas * 500 / 14500))
    n2 = max(1, round(n_betas * 4000 / 14500))
    n3 = max(1, n_betas - n1 - n2)
    return np.concatenate(
        [np.linspace(0.0, 0.5, n1, endpoint=False), np.linspace(0.5, 0.9, n2, endpoint=False), np.linspace(0.9, 1, n3)]
    )


# --------------------------------------------------------------------------- the estimators
class _TrainedBySampling(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """fit / partial_fit / transform shared by the RBMs and the general Boltzmann machine.

    A subclass creates its fitted attributes in ``_initialise(n_features, dtype, rng)`` (the first one
    named by ``_fitted_attribute``), learns from one mini-batch in ``_fit(v, rng)``, maps data to hidden
    marginals in ``_mean_hiddens`` and says how training goes in ``_progress(X)`` (verbose output).
    """

    _fitted_attribute = "components_"

    def _check_hyperparameters(self) -> None:
        _check_hyperparameters(self)

    def fit(self, X, y=None):
        """Train for ``n_iter`` passes over X in mini-batches of ``batch_size``; returns self.

        Args:
            X: (n_samples, n_features) training data (0/1 for Bernoulli units, standardised for Gaussian).
            y: ignored (present for the scikit-learn API).
        """
        self._check_hyperparameters()
        X = _as_2d_float(self, X, reset=True)
        rng = _check_random_state(self.random_state)
        self.random_state_ = rng
        self._initialise(X.shape[1], X.dtype, rng)
        n_samples = X.shape[0]
        for iteration in range(1, self.n_iter + 1):
            begin = time.perf_counter()
            data = X[rng.permutation(n_samples)] if self.shuffle else X
            for start in range(0, n_samples, self.batch_size):
                self._fit(data[start : start + self.batch_size], rng)
            if self.verbose:
                print(
                    f"[{type(self).__name__}] Iteration {iteration}, {self._progress(X)}, "
                    f"time = {time.perf_counter() - begin:.2f}s"
                )
        return self

    def partial_fit(self, X, y=None):
        """One training step with X as the mini-batch (initialising the model on the first call); returns self."""
        self._check_hyperparameters()
        first_call = not hasattr(self, self._fitted_attribute)
        X = _as_2d_float(self, X, reset=first_call)
        rng = self._random_state()
        if first_call:
            self._initialise(X.shape[1], X.dtype, rng)
        self._fit(X, rng)
        return self

    def _random_state(self):
        """The generator in use, made from ``random_state`` on first use (``partial_fit``, ``gibbs`` before ``fit``)."""
        if not hasattr(self, "random_state_"):
            self.random_state_ = _check_random_state(self.random_state)
        return self.random_state_

    def transform(self, X) -> np.ndarray:
        """Hidden marginals p(h = 1 | v = X) (mean-field in a Boltzmann machine with hidden-hidden weights).

        Shapes: (n_samples, n_features) -> (n_samples, n_components).
        """
        check_is_fitted(self)
        return self._mean_hiddens(_as_2d_float(self, X, reset=False))

    def free_energy(self, X) -> np.ndarray:
        """F(v) = -log sum_h exp(-E(v, h)) of each row: (n_samples, n_features) -> (n_samples,)."""
        check_is_fitted(self)
        return self._free_energy(_as_2d_float(self, X, reset=False))

    def log_likelihood(self, X, log_z: float | None = None) -> np.ndarray:
        """log p(v) = -F(v) - log Z of each row: (n_samples, n_features) -> (n_samples,).

        Args:
            log_z: the log partition function; None computes it exactly (small models only). For
                large RBMs pass an estimate from ``log_partition_ais``.
        """
        check_is_fitted(self)
        if log_z is None:
            log_z = self.log_partition_exact()
        return -self.free_energy(X) - log_z

    def score_samples(self, X) -> np.ndarray:
        """Stochastic pseudo-likelihood (scikit-learn's estimator): D log p(v_i | v_-i) for one random i per row.

        ``log p(v_i | v_-i) = log sigmoid(F(v^(i)) - F(v)) = -softplus(F(v) - F(v^(i)))``, v^(i) being v
        with unit i flipped: an unbiased estimate of Besag's pseudo-likelihood, for binary visible units.
        i is drawn uniformly per sample from a fresh generator built from ``random_state``, so an int
        seed gives the same answer on every call.

        Returns:
            (n_samples,) values; rows of X must be 0/1 (not checked).
        """
        check_is_fitted(self)
        v = _as_2d_float(self, X, reset=False)
        rng = _check_random_state(self.random_state)
        rows, cols = np.arange(v.shape[0]), _integers(rng, v.shape[1], v.shape[0])
        flipped = v.copy()
        flipped[rows, cols] = 1 - flipped[rows, cols]
        return -v.shape[1] * softplus(self._free_energy(v) - self._free_energy(flipped))


class _RBM(_TrainedBySampling):
    """What both RBMs share: the hidden layer, the CD/PCD training loop, enumeration and AIS.

    A subclass defines its visible units through four equations: :meth:`_visible_mean` (the mean
    of v given its pre-activation), :meth:`_sample_visibles_from_mean`, :meth:`_visible_term` (g(v)
    in the free energy) and :meth:`_log_partition_given_hiddens` (log sum_v exp(-E(v, h))).
    """

    def __init__(
        self,
        n_components: int = 256,
        *,
        learning_rate: float = 0.1,
        batch_size: int = 10,
        n_iter: int = 10,
        k: int = 1,
        persistent: bool = True,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        shuffle: bool = True,
        verbose: int = 0,
        random_state=None,
    ):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.k = k
        self.persistent = persistent
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.shuffle = shuffle
        self.verbose = verbose
        self.random_state = random_state

    # ----------------------------------------------------------- the conditionals
    def _mean_hiddens(self, v: np.ndarray) -> np.ndarray:
        """p(h = 1 | v) = sigmoid(v W^T + c): (n, D) -> (n, H)."""
        a = v @ self.components_.T
        a += self.intercept_hidden_
        return sigmoid_(a)

    def _sample_hiddens(self, v: np.ndarray, rng) -> np.ndarray:
        """h ~ p(h | v), binary: (n, D) -> (n, H)."""
        return _bernoulli(self._mean_hiddens(v), rng)

    def _mean_visibles(self, h: np.ndarray) -> np.ndarray:
        """E[v | h], the visible mean given the pre-activation h W + b: (n, H) -> (n, D)."""
        a = h @ self.components_
        a += self.intercept_visible_
        return self._visible_mean(a)

    def _sample_visibles(self, h: np.ndarray, rng) -> np.ndarray:
        """v ~ p(v | h): (n, H) -> (n, D)."""
        return self._sample_visibles_from_mean(self._mean_visibles(h), rng)

    def _free_energy(self, v: np.ndarray) -> np.ndarray:
        """F(v) = -g(v) - sum_j softplus(c_j + W_j. v): (n, D) -> (n,)."""
        a = v @ self.components_.T
        a += self.intercept_hidden_
        return -self._visible_term(v, self.intercept_visible_) - softplus(a).sum(axis=1)

    def _energy(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        """E(v, h) = -g(v) - c.h - h.W v: (n, D), (n, H) -> (n,)."""
        interaction = np.einsum("nh,hd,nd->n", h, self.components_, v)
        return -self._visible_term(v, self.intercept_visible_) - h @ self.intercept_hidden_ - interaction

    # ----------------------------------------------------------- learning
    def _negative_phase(self, v_pos: np.ndarray, h_pos: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
        """The model sample for the gradient's second term: (v_neg (m, D), p(h | v_neg) (m, H)).

        CD-k starts a chain at each data vector (h ~ p(h | v_data)); PCD continues the persistent
        chains in ``h_samples_`` (m = ``batch_size`` of them) and stores their new hidden states.
        Then k steps v ~ p(v | h), h ~ p(h | v). The hidden probabilities, not samples, enter the
        statistics (less noise, same expectation: Hinton 2010, section 3).
        """
        h = self.h_samples_ if self.persistent else _bernoulli(h_pos, rng)
        for step in range(self.k):
            v_neg = self._sample_visibles(h, rng)
            h_neg = self._mean_hiddens(v_neg)
            if self.persistent or step < self.k - 1:
                h = _bernoulli(h_neg, rng)
        if self.persistent:
            self.h_samples_ = h
        return v_neg, h_neg

    def _log_likelihood_gradient(self, v_pos, h_pos, v_neg, h_neg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(dW (H, D), db (D,), dc (H,)) = <h v^T, v, h>_data - <h v^T, v, h>_model, averages over each sample.

        With weight decay lambda, dW also gets -lambda W (the gradient of -lambda ||W||^2 / 2).
        """
        n_pos, n_neg = len(v_pos), len(v_neg)
        # Both phases in one product [h_pos / n_pos; -h_neg / n_neg]^T [v_pos; v_neg]: one GEMM, no W-sized temporaries.
        d_weights = np.concatenate([h_pos * (1.0 / n_pos), h_neg * (-1.0 / n_neg)]).T @ np.concatenate([v_pos, v_neg])
        if self.weight_decay:
            d_weights -= self.weight_decay * self.components_
        d_visible = v_pos.sum(axis=0) * (1.0 / n_pos) - v_neg.sum(axis=0) * (1.0 / n_neg)
        d_hidden = h_pos.sum(axis=0) * (1.0 / n_pos) - h_neg.sum(axis=0) * (1.0 / n_neg)
        return d_weights, d_visible, d_hidden

    def _fit(self, v_pos: np.ndarray, rng) -> None:
        """One gradient-ascent step on a mini-batch v_pos (n, D).

        theta += lr * grad; with momentum mu, velocity = mu * velocity + lr * grad and theta += velocity
        (Hinton 2010, section 9).
        """
        v_pos = v_pos.astype(self.components_.dtype, copy=False)
        h_pos = self._mean_hiddens(v_pos)
        v_neg, h_neg = self._negative_phase(v_pos, h_pos, rng)
        grads = self._log_likelihood_gradient(v_pos, h_pos, v_neg, h_neg)
        params = (self.components_, self.intercept_visible_, self.intercept_hidden_)
        if self.momentum:
            for param, grad, velocity in zip(params, grads, self._velocities):
                velocity *= self.momentum
                velocity += self.learning_rate * grad
                param += velocity
        else:
            for param, grad in zip(params, grads):
                grad *= self.learning_rate
                param += grad

    def _initialise(self, n_features: int, dtype, rng) -> None:
        """W ~ N(0, 0.01^2), zero biases (Hinton 2010, section 8); persistent chains start at h = 0."""
        self.components_ = rng.normal(0.0, 0.01, (self.n_components, n_features)).astype(dtype)
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=dtype)
        self.intercept_visible_ = np.zeros(n_features, dtype=dtype)
        if self.persistent:
            self.h_samples_ = np.zeros((self.batch_size, self.n_components), dtype=dtype)
        self._velocities = tuple(
            np.zeros_like(p) for p in (self.components_, self.intercept_visible_, self.intercept_hidden_)
        )

    def _progress(self, X) -> str:
        return f"reconstruction error = {self.reconstruction_error(X):.4f}"

    def gibbs(self, v, n_steps: int = 1) -> np.ndarray:
        """Run ``n_steps`` steps of block Gibbs sampling h ~ p(h | v), v ~ p(v | h) from v; returns the last v.

        Args:
            v: (n_samples, n_features) starting visible states, one chain per row.
            n_steps: the number of full steps.
        Returns:
            (n_samples, n_features) visible samples.
        """
        check_is_fitted(self)
        v = _as_2d_float(self, v, reset=False)
        rng = self._random_state()
        for _ in range(n_steps):
            v = self._sample_visibles(self._sample_hiddens(v, rng), rng)
        return v

    def energy(self, V, H) -> np.ndarray:
        """E(v, h) of each pair of rows: (n, n_features), (n, n_components) -> (n,)."""
        check_is_fitted(self)
        return self._energy(_as_2d_float(self, V, reset=False), np.asarray(H, dtype=self.components_.dtype))

    def reconstruction_error(self, X) -> float:
        """Mean over samples of ||v - E[v | h = p(h | v)]||^2, the mean-field reconstruction's squared error.

        A cheap progress signal, not the objective (Hinton 2010, section 5).
        """
        check_is_fitted(self)
        X = _as_2d_float(self, X, reset=False)
        return float(np.mean(np.sum((X - self._mean_visibles(self._mean_hiddens(X))) ** 2, axis=1)))

    def log_partition_exact(self) -> float:
        """log Z, exactly, by enumerating binary states (2^n_components, or 2^n_features if fewer and binary).

        Enumerating h: log Z = logsumexp_h -F(h), with F(h) = -log sum_v exp(-E(v, h)) in closed form.
        Enumerating v: log Z = logsumexp_v -F(v). Feasible for up to ~24 units in the enumerated layer.
        """
        check_is_fitted(self)
        dtype = np.float64
        n_visible = self.components_.shape[1]
        if self._binary_visibles and n_visible < self.n_components:
            return float(_enumerate_log_sum(n_visible, lambda v: -self._free_energy(v), dtype))
        return float(_enumerate_log_sum(self.n_components, self._log_partition_given_hiddens, dtype))

    def log_partition_ais(
        self, X_base=None, *, n_betas: int = 10000, n_runs: int = 100, random_state=None
    ) -> tuple[float, float]:
        """Estimate log Z by annealed importance sampling (Neal 2001; Salakhutdinov & Murray 2008).

        The path runs from a base model A with W = 0, c = 0 and visible biases b_A (the data's base
        rates when ``X_base`` is given, else b_A = 0) to this model B, through the distributions
        ``p_beta(v) ∝ exp((1 - beta) g_A(v) + beta g_B(v)) prod_j (1 + exp(beta (c_j + W_j. v))))``,
        which equal A at beta = 0 (log Z_A in closed form) and B at beta = 1. Each run draws v from A,
        then for each beta_k adds ``log p*_k(v) - log p*_{k-1}(v)`` to its log weight and moves v by
        one Gibbs step that leaves ``p_k`` invariant. ``log Z_B ~ log Z_A + log mean_runs exp(log w)``.

        Args:
            X_base: (n, n_features) data for the base-rate model, or None.
            n_betas: inverse temperatures on the path (10,000-15,000 in the paper).
            n_runs: independent annealing runs (vectorised: one chain per row).
            random_state: seed or generator for the runs; None uses the estimator's ``random_state``.
        Returns:
            (log_z, log_z_std): the estimate and its standard error, std(w) / (sqrt(n_runs) mean(w))
            by the delta method.
        """
        check_is_fitted(self)
        rng = _check_random_state(self.random_state if random_state is None else random_state)
        W, c = self.components_.astype(np.float64), self.intercept_hidden_.astype(np.float64)
        b = self.intercept_visible_.astype(np.float64)
        b_base = (
            np.zeros_like(b)
            if X_base is None
            else self._base_rate_biases(_as_2d_float(self, X_base, reset=False).astype(np.float64))
        )
        log_z_base = self.n_components * math.log(2.0) + self._log_partition_base(b_base)
        betas = _ais_betas(n_betas)

        v = self._sample_visibles_from_mean(self._visible_mean(np.tile(b_base, (n_runs, 1))), rng)
        log_w = np.zeros(n_runs)
        for beta_prev, beta in zip(betas[:-1], betas[1:]):
            a = v @ W.T
            a += c
            # log p*_beta(v) - log p*_beta_prev(v): the visible terms mix linearly in beta, the hidden ones do not.
            log_w += (beta - beta_prev) * (self._visible_term(v, b) - self._visible_term(v, b_base))
            log_w += (softplus(beta * a) - softplus(beta_prev * a)).sum(axis=1)
            h = _bernoulli(sigmoid_(beta * a), rng)
            v = self._sample_visibles_from_mean(self._visible_mean((1 - beta) * b_base + beta * (h @ W + b)), rng)
        log_mean_w = float(logsumexp(log_w, axis=None) - math.log(n_runs))
        w = np.exp(log_w - log_w.max())
        std = float(w.std() / (math.sqrt(n_runs) * w.mean()))
        return log_z_base + log_mean_w, std

    @property
    def _n_features_out(self) -> int:
        return self.components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class BernoulliRBM(_RBM):
    """RBM with binary visible and binary hidden units, trained by CD-k or persistent CD.

    ``E(v, h) = -b.v - c.h - h.W v``; ``F(v) = -b.v - sum_j softplus(c_j + W_j. v)``;
    ``p(v_i = 1 | h) = sigmoid(b_i + h.W_:i)``; ``p(h_j = 1 | v) = sigmoid(c_j + W_j. v)``.

    With ``persistent=True, k=1, momentum=0, weight_decay=0, shuffle=False`` the training step is
    scikit-learn's ``BernoulliRBM`` (stochastic maximum likelihood) draw for draw. One difference:
    scikit-learn divides the model statistics of its ``batch_size`` chains by the size of the data
    batch; here each term is an average over its own samples (they differ only for a short last batch).

    Args:
        n_components: H, the number of hidden units.
        learning_rate: step size of gradient ascent on the log-likelihood.
        batch_size: samples per mini-batch (also the number of persistent chains).
        n_iter: passes over the training data in ``fit``.
        k: Gibbs steps per update (CD-k / PCD-k).
        persistent: True for PCD (Tieleman 2008), False for CD (Hinton 2002).
        momentum: mu in velocity = mu * velocity + lr * gradient (0 disables).
        weight_decay: L2 penalty lambda on W (not on biases).
        shuffle: reshuffle the samples every pass.
        verbose: print the reconstruction error after each pass when > 0.
        random_state: None, an int seed, or a numpy ``Generator``/``RandomState``.

    Attributes:
        components_: (n_components, n_features) weights W.
        intercept_visible_: (n_features,) visible biases b.
        intercept_hidden_: (n_components,) hidden biases c.
        h_samples_: (batch_size, n_components) hidden states of the persistent chains (PCD only).
        n_features_in_: D.
        random_state_: the generator in use.

    Example:
        >>> X = (glassnet.data.load_digits()[0] > 8).astype(float)  # binarised 8x8 digits
        >>> rbm = BernoulliRBM(n_components=16, n_iter=5, random_state=0).fit(X)
        >>> rbm.transform(X).shape
        (1797, 16)
    """

    _binary_visibles = True

    def _visible_mean(self, a: np.ndarray) -> np.ndarray:
        """E[v | pre-activation a] = sigmoid(a), in place."""
        return sigmoid_(a)

    def _sample_visibles_from_mean(self, p: np.ndarray, rng) -> np.ndarray:
        return _bernoulli(p, rng)

    def _visible_term(self, v: np.ndarray, b: np.ndarray) -> np.ndarray:
        """g(v) = b.v: (n, D) -> (n,)."""
        return v @ b

    def _log_partition_given_hiddens(self, h: np.ndarray) -> np.ndarray:
        """log sum_v exp(-E(v, h)) = c.h + sum_i softplus(b_i + h.W_:i): (B, H) -> (B,)."""
        W, b, c = (p.astype(np.float64) for p in (self.components_, self.intercept_visible_, self.intercept_hidden_))
        return h @ c + softplus(h @ W + b).sum(axis=1)

    def _log_partition_base(self, b_base: np.ndarray) -> float:
        """log sum_v exp(b_A.v) = sum_i softplus(b_A,i) (the base model without its 2^H hidden states)."""
        return float(softplus(b_base).sum())

    @staticmethod
    def _base_rate_biases(X: np.ndarray) -> np.ndarray:
        """b_A = logit(mean pixel), the mean clipped to [1e-3, 1 - 1e-3] so the logits stay finite."""
        p = np.clip(X.mean(axis=0), 1e-3, 1 - 1e-3)
        return np.log(p) - np.log1p(-p)

    def pseudo_log_likelihood(self, X) -> np.ndarray:
        """Besag's (1975) log pseudo-likelihood sum_i log p(v_i | v_-i), exactly (every unit flipped in turn).

        Flipping unit i (delta_i = 1 - 2 v_i) changes the free energy by
        ``F(v^(i)) - F(v) = -b_i delta_i - sum_j [softplus(a_j + delta_i W_ji) - softplus(a_j)]`` with
        a = v W^T + c, so all D flips come from one (n, D, H) array, built a block of rows at a time.

        Returns:
            (n_samples,) log pseudo-likelihoods of the 0/1 rows of X.
        """
        check_is_fitted(self)
        v = _as_2d_float(self, X, reset=False)
        W, b = self.components_, self.intercept_visible_
        a = v @ W.T + self.intercept_hidden_
        rows_per_block = max(1, (1 << 22) // (W.size or 1))
        out = np.empty(v.shape[0], dtype=np.float64)
        for start in range(0, v.shape[0], rows_per_block):
            stop = start + rows_per_block
            delta = 1 - 2 * v[start:stop]  # (m, D)
            a_block = a[start:stop]  # (m, H)
            flipped = softplus(a_block[:, None, :] + delta[:, :, None] * W.T[None, :, :]).sum(axis=2)
            d_free = -b * delta - (flipped - softplus(a_block).sum(axis=1, keepdims=True))
            out[start:stop] = -softplus(-d_free).sum(axis=1)  # sum_i log sigmoid(F(v^(i)) - F(v))
        return out


class GaussianBernoulliRBM(_RBM):
    """RBM with real-valued Gaussian visible units of unit variance and binary hidden units.

    ``E(v, h) = ||v - b||^2 / 2 - c.h - h.W v``; ``F(v) = ||v - b||^2 / 2 - sum_j softplus(c_j + W_j. v)``;
    ``p(v | h) = N(b + h W, I)``; ``p(h_j = 1 | v) = sigmoid(c_j + W_j. v)``. Standardise each feature
    to zero mean and unit variance first: the variances are fixed at 1 rather than learned, as
    Hinton (2010, section 13.2) recommends; learning rates one or two orders smaller than for
    binary units keep training stable.

    Its partition function has a closed form per hidden state,
    ``log sum_v exp(-E(v, h)) = c.h + (||b + h W||^2 - ||b||^2) / 2 + (D / 2) log(2 pi)``,
    so :meth:`log_partition_exact` enumerates the hidden layer.

    Arguments and attributes as :class:`BernoulliRBM` (``learning_rate`` defaults to 0.01);
    ``score_samples`` returns the exact log-density when the hidden layer can be enumerated.
    """

    _binary_visibles = False

    def __init__(
        self,
        n_components: int = 256,
        *,
        learning_rate: float = 0.01,
        batch_size: int = 10,
        n_iter: int = 10,
        k: int = 1,
        persistent: bool = True,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        shuffle: bool = True,
        verbose: int = 0,
        random_state=None,
    ):
        super().__init__(
            n_components,
            learning_rate=learning_rate,
            batch_size=batch_size,
            n_iter=n_iter,
            k=k,
            persistent=persistent,
            momentum=momentum,
            weight_decay=weight_decay,
            shuffle=shuffle,
            verbose=verbose,
            random_state=random_state,
        )

    def _visible_mean(self, a: np.ndarray) -> np.ndarray:
        """E[v | pre-activation a] = a (identity)."""
        return a

    def _sample_visibles_from_mean(self, mean: np.ndarray, rng) -> np.ndarray:
        """v = mean + eps, eps ~ N(0, I)."""
        return mean + _normal(rng, mean.shape, mean.dtype)

    def _visible_term(self, v: np.ndarray, b: np.ndarray) -> np.ndarray:
        """g(v) = -||v - b||^2 / 2: (n, D) -> (n,)."""
        return -0.5 * np.sum((v - b) ** 2, axis=1)

    def _log_partition_given_hiddens(self, h: np.ndarray) -> np.ndarray:
        """log int exp(-E(v, h)) dv = c.h + (||b + h W||^2 - ||b||^2) / 2 + (D / 2) log(2 pi): (B, H) -> (B,)."""
        W, b, c = (p.astype(np.float64) for p in (self.components_, self.intercept_visible_, self.intercept_hidden_))
        mean = h @ W + b
        return h @ c + 0.5 * (np.sum(mean**2, axis=1) - b @ b) + 0.5 * len(b) * math.log(2 * math.pi)

    def _log_partition_base(self, b_base: np.ndarray) -> float:
        """log int exp(-||v - b_A||^2 / 2) dv = (D / 2) log(2 pi)."""
        return 0.5 * len(b_base) * math.log(2 * math.pi)

    @staticmethod
    def _base_rate_biases(X: np.ndarray) -> np.ndarray:
        """b_A = the data mean (the maximum-likelihood unit-variance Gaussian)."""
        return X.mean(axis=0)

    def score_samples(self, X) -> np.ndarray:
        """The exact log-density log p(v) = -F(v) - log Z of each row (enumerates 2^n_components hidden states)."""
        return self.log_likelihood(X)
