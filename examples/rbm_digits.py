"""A restricted Boltzmann machine on binarised 8x8 digits: train with PCD, measure, sample, draw the filters.

Small enough (16 hidden units) for the exact log-likelihood (2^16 hidden states), so annealed
importance sampling can be checked against the truth on the same model.
"""

import numpy as np

from glassnet.data import load_digits
from glassnet.diagnostics import plot_chain, plot_filters
from glassnet.models import BernoulliRBM

X, _ = load_digits()
X = (X > 8).astype(np.float64)  # pixels 0-16 -> 0/1
train, test = X[:1500], X[1500:]

rbm = BernoulliRBM(n_components=16, learning_rate=0.1, batch_size=20, n_iter=20, momentum=0.5, random_state=0)
rbm.fit(train)

p = np.clip(train.mean(axis=0), 1e-3, 1 - 1e-3)  # independent pixels: the baseline to beat
baseline = np.mean(test @ np.log(p) + (1 - test) @ np.log1p(-p))
exact_log_z = rbm.log_partition_exact()
ais_log_z, ais_std = rbm.log_partition_ais(train, n_betas=3000, n_runs=100, random_state=1)
print(f"pseudo-log-likelihood (held out): {rbm.pseudo_log_likelihood(test).mean():.2f} nats")
print(f"log Z exact {exact_log_z:.3f}, AIS {ais_log_z:.3f} +- {ais_std:.3f}")
print(f"log-likelihood (held out): exact {rbm.log_likelihood(test, exact_log_z).mean():.2f} nats, ", end="")
print(f"AIS {rbm.log_likelihood(test, ais_log_z).mean():.2f}, independent pixels {baseline:.2f}")

chain = [test[:4]]
for _ in range(7):
    chain.append(rbm.gibbs(chain[-1], n_steps=10))
plot_filters(rbm.components_, (8, 8), path="rbm_filters.png")
plot_chain(np.stack(chain), (8, 8), title="Gibbs chains, 10 steps per column", path="rbm_chain.png")
print("wrote rbm_filters.png and rbm_chain.png")
assert abs(ais_log_z - exact_log_z) < 1.0
