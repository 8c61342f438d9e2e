"""GAN: the losses against PyTorch, the alternating steps, the ring and digits learning tests, and the metrics."""

import numpy as np
import pytest
import scipy.linalg
import scipy.stats
import torch
from matplotlib.figure import Figure
from threadpoolctl import threadpool_limits

import glassnet as gn
from glassnet import nn
from glassnet.data import load_digits, ring_centres, ring_of_gaussians, train_test_split
from glassnet.diagnostics import plot_gan_losses, plot_ring_samples, plot_sample_grid, plot_snapshots, tile_images
from glassnet.metrics import (
    energy_distance,
    extract_features,
    frechet_distance,
    gaussian_frechet_distance,
    mode_coverage,
    nearest_neighbour_distances,
)
from glassnet.models import GAN
from glassnet.nn.functional import discriminator_loss, generator_loss
from glassnet.train import fit, train_gan


@pytest.fixture(autouse=True)
def one_blas_thread():
    # Small GEMMs gain nothing from a second thread and lose a lot on a busy machine.
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def small_gan(latent=4, hidden=16, out=3, seed=0):
    rng = np.random.default_rng(seed)
    generator = nn.Sequential(nn.Linear(latent, hidden, rng=rng), nn.ReLU(), nn.Linear(hidden, out, rng=rng), nn.Tanh())
    discriminator = nn.Sequential(nn.Linear(out, hidden, rng=rng), nn.LeakyReLU(0.2), nn.Linear(hidden, 1, rng=rng))
    return GAN(generator, discriminator, rng=np.random.default_rng(seed + 1))


def to_torch(module):
    """The same two-layer network in PyTorch, with the same weights."""
    layers = []
    for m in module:
        if isinstance(m, nn.Linear):
            layers.append(torch.nn.Linear(m.in_features, m.out_features).double())
        elif isinstance(m, nn.LeakyReLU):
            layers.append(torch.nn.LeakyReLU(m.negative_slope))
        else:
            layers.append({nn.ReLU: torch.nn.ReLU, nn.Tanh: torch.nn.Tanh}[type(m)]())
    net = torch.nn.Sequential(*layers)
    net.load_state_dict({k: torch.from_numpy(v.numpy().astype(np.float64)) for k, v in module.state_dict().items()})
    return net


# ------------------------------------------------------------------------------------------------ losses and steps
def test_losses_equal_bce_with_logits():
    logits = gn.tensor(np.array([[-30.0], [-2.0], [0.0], [1.5], [40.0]]))
    ones, zeros = np.ones((5, 1), np.float32), np.zeros((5, 1), np.float32)
    d = discriminator_loss(logits, logits[::-1])
    expected = gn.F.binary_cross_entropy_with_logits(logits, ones) + gn.F.binary_cross_entropy_with_logits(
        logits[::-1], zeros
    )
    assert d.item() == pytest.approx(expected.item(), rel=1e-6)
    g = generator_loss(logits)
    assert g.item() == pytest.approx(gn.F.binary_cross_entropy_with_logits(logits, ones).item(), rel=1e-6)
    # minimax: E log(1 - sigmoid(l)) = -E softplus(l); at l = 0 it is log(1/2)
    assert generator_loss(gn.tensor(np.zeros((3, 1))), non_saturating=False).item() == pytest.approx(np.log(0.5))


def test_non_saturating_gradient_is_strong_where_minimax_vanishes():
    # D rejects the fake confidently (l = -8): d/dl of the minimax loss is -sigmoid(l) ~ -3e-4,
    # of the non-saturating loss -sigmoid(-l) ~ -1.
    for non_saturating, expected in ((True, -1 / (1 + np.exp(-8.0))), (False, -1 / (1 + np.exp(8.0)))):
        logit = gn.tensor(np.array([[-8.0]]), requires_grad=True)
        generator_loss(logit, non_saturating).backward()
        assert logit.grad[0, 0] == pytest.approx(expected, rel=1e-5)


def test_d_step_and_g_step_match_pytorch():
    gan = small_gan()
    gan.double()
    real = np.random.default_rng(5).uniform(-1, 1, (8, 3))
    t_gen, t_disc = to_torch(gan.generator), to_torch(gan.discriminator)
    bce = torch.nn.functional.binary_cross_entropy_with_logits

    # D step: the noise the step draws, then the same in PyTorch with plain SGD (lr 0.1)
    gan.rng = np.random.default_rng(42)
    z = np.random.default_rng(42).standard_normal((8, 4))
    d_opt = gn.optim.SGD(gan.discriminator.parameters(), lr=0.1)
    loss, p_real, p_fake = gan.d_step(real, d_opt)
    fake = t_gen(torch.from_numpy(z)).detach()
    real_logits, fake_logits = t_disc(torch.from_numpy(real)), t_disc(fake)
    t_loss = bce(real_logits, torch.ones(8, 1, dtype=torch.float64)) + bce(
        fake_logits, torch.zeros(8, 1, dtype=torch.float64)
    )
    t_loss.backward()
    with torch.no_grad():
        for p in t_disc.parameters():
            p -= 0.1 * p.grad
    assert loss == pytest.approx(t_loss.item(), rel=1e-10)
    assert p_real == pytest.approx(torch.sigmoid(real_logits).mean().item(), rel=1e-10)
    assert p_fake == pytest.approx(torch.sigmoid(fake_logits).mean().item(), rel=1e-10)
    for ours, theirs in zip(gan.discriminator.state_dict().values(), t_disc.state_dict().values()):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)

    # G step: D frozen, G updated by the non-saturating loss
    gan.rng = np.random.default_rng(43)
    z = np.random.default_rng(43).standard_normal((8, 4))
    d_before = gan.discriminator.state_dict()
    d_grads = [p.grad.numpy().copy() for p in gan.discriminator.parameters()]
    g_opt = gn.optim.SGD(gan.generator.parameters(), lr=0.1)
    g_loss = gan.g_step(8, g_opt)
    t_g_loss = bce(t_disc(t_gen(torch.from_numpy(z))), torch.ones(8, 1, dtype=torch.float64))
    t_disc.zero_grad()
    t_g_loss.backward()
    with torch.no_grad():
        for p in t_gen.parameters():
            p -= 0.1 * p.grad
    assert g_loss == pytest.approx(t_g_loss.item(), rel=1e-10)
    for ours, theirs in zip(gan.generator.state_dict().values(), t_gen.state_dict().values()):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)
    for key, value in gan.discriminator.state_dict().items():
        np.testing.assert_array_equal(value, d_before[key])
    # D's gradients from its own step are untouched (none were added), and D is trainable again
    for p, grad in zip(gan.discriminator.parameters(), d_grads):
        np.testing.assert_array_equal(p.grad, grad)
    assert all(p.requires_grad for p in gan.discriminator.parameters())


def test_g_step_leaves_discriminator_gradients_alone_and_restores_frozen_flags():
    gan = small_gan()
    gan.discriminator[0].bias.requires_grad = False  # a user's own choice survives the step
    g_opt = gn.optim.Adam(gan.generator.parameters())
    gan.discriminator.zero_grad()
    gan.g_step(8, g_opt)
    assert all(p.grad is None for p in gan.discriminator.parameters())
    assert all(p.grad is not None for p in gan.generator.parameters())
    assert gan.discriminator[0].bias.requires_grad is False
    assert gan.discriminator[0].weight.requires_grad is True


def test_gan_module_names_latent_dim_and_generate():
    gan = small_gan(latent=5)
    assert gan.latent_dim == 5
    assert list(gan.state_dict())[:2] == ["generator.0.weight", "generator.0.bias"]
    assert "discriminator.2.bias" in gan.state_dict()
    samples = gan.generate(7)
    assert samples.shape == (7, 3) and samples.dtype == np.float32
    assert np.all(np.abs(samples) < 1)  # tanh output
    z = np.random.default_rng(0).standard_normal((4, 5))
    np.testing.assert_array_equal(gan.generate(z=z), gan.generate(z=z))
    assert gan.training  # generate() restores the mode
    with pytest.raises(ValueError, match="either n"):
        gan.generate()
    with pytest.raises(ValueError, match="latent_dim"):
        GAN(nn.Sequential(nn.Tanh()), nn.Sequential(nn.Linear(2, 1)))


def test_train_gan_counts_history_and_snapshots():
    gan = small_gan()
    data = np.random.default_rng(0).uniform(-1, 1, (40, 3))
    seen = []
    history = train_gan(
        gan, data, 5, batch_size=16, d_steps=2, g_steps=3, seed=0, snapshot_every=2, snapshot_count=6,
        callback=lambda it, g, h: seen.append(it),
    )  # fmt: skip
    assert (history.iterations, history.d_updates, history.g_updates, history.samples_seen) == (5, 10, 15, 160)
    assert len(history.d_loss) == len(history.g_loss) == len(history.d_real) == len(history.d_fake) == 5
    assert seen == [1, 2, 3, 4, 5]
    assert [it for it, _ in history.snapshots] == [0, 2, 4, 5]
    assert all(s.shape == (6, 3) for _, s in history.snapshots)
    assert all(0 < p < 1 for p in history.d_real + history.d_fake)
    assert history.hparams["d_steps"] == 2 and history.hparams["g_steps"] == 3
    # the same seed gives the same run
    again = train_gan(small_gan(), data, 5, batch_size=16, d_steps=2, g_steps=3, seed=0)
    assert again.d_loss == history.d_loss and again.g_loss == history.g_loss
    with pytest.raises(ValueError, match="batch_size 64 is larger"):
        train_gan(small_gan(), data, 1, batch_size=64)
    with pytest.raises(ValueError, match="d_steps"):
        train_gan(small_gan(), data, 1, batch_size=8, d_steps=0)


# ------------------------------------------------------------------------------------------------ learning
def test_ring_gan_covers_the_modes():
    """Goodfellow et al.'s alternating steps on 8 Gaussians (std 0.05, radius 2): 1,000 iterations cover them."""
    data = ring_of_gaussians(4000, std=0.05, seed=0)
    gn.manual_seed(0)
    generator = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2))
    discriminator = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
    gan = GAN(generator, discriminator)
    before = mode_coverage(gan.generate(2000, rng=np.random.default_rng(1)), ring_centres(), std=0.05)
    history = train_gan(gan, data, 1000, batch_size=128, lr=2e-3, seed=0)
    after = mode_coverage(gan.generate(2000, rng=np.random.default_rng(1)), ring_centres(), std=0.05)
    assert before.modes_covered == 0 and before.high_quality_fraction < 0.05
    assert after.modes_covered >= 7
    assert after.high_quality_fraction > 0.6
    # near the equilibrium D cannot tell: its mean probabilities approach 1/2 from both sides
    assert 0.4 < np.mean(history.d_fake[-100:]) < 0.5 < np.mean(history.d_real[-100:]) < 0.65


def test_digits_gan_lowers_the_frechet_distance_without_copying():
    X, y = load_digits()
    X = (X / 8 - 1).astype(np.float32)  # [-1, 1], the range of tanh
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=597, stratify=y, seed=0)
    gn.manual_seed(0)
    classifier = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = gn.optim.Adam(classifier.parameters(), lr=1e-2)
    fit(classifier, nn.CrossEntropyLoss(), optimizer, (X_train, y_train), epochs=20, batch_size=64, seed=0, verbose=0)
    assert (extract_features(classifier, X_test).argmax(1) == y_test).mean() > 0.95
    features = classifier[:-1]  # the hidden layer
    real = extract_features(features, X_test)

    gn.manual_seed(0)
    generator = nn.Sequential(nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 64), nn.Tanh())
    discriminator = nn.Sequential(nn.Linear(64, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1))
    gan = GAN(generator, discriminator)
    noise = np.random.default_rng(3).standard_normal((597, 16))
    before = frechet_distance(real, extract_features(features, gan.generate(z=noise)))
    train_gan(gan, X_train, 1000, batch_size=64, lr=1e-3, seed=0)
    samples = gan.generate(z=noise)
    after = frechet_distance(real, extract_features(features, samples))
    baseline = frechet_distance(extract_features(features, X_train), real)  # two real samples
    assert after < before / 8
    assert baseline < after
    # new digits, not copies: as far from their nearest training image as held-out digits are
    generated = np.median(nearest_neighbour_distances(samples, X_train))
    held_out = np.median(nearest_neighbour_distances(X_test, X_train))
    assert 0.8 * held_out < generated < 3 * held_out


# ------------------------------------------------------------------------------------------------ metrics
def test_ring_data_and_mode_coverage():
    centres = ring_centres(8, 2.0)
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 2.0)
    np.testing.assert_allclose(centres[2], [0.0, 2.0], atol=1e-12)
    data = ring_of_gaussians(8000, std=0.05, seed=1)
    assert data.shape == (8000, 2) and data.dtype == np.float32
    real = mode_coverage(data, centres, std=0.05)
    assert real.modes_covered == 8 and real.high_quality_fraction > 0.98  # 3 std in 2-D keeps 98.9%
    # 100 points on each of 6 centres and 100 far away: 6 modes, 6/7 good
    samples = np.concatenate([np.repeat(centres[:6], 100, axis=0), np.full((100, 2), 10.0)])
    coverage = mode_coverage(samples, centres, std=0.05)
    assert coverage.modes_covered == 6
    assert coverage.high_quality_fraction == pytest.approx(6 / 7)
    np.testing.assert_array_equal(coverage.counts, [100] * 6 + [0, 0])
    np.testing.assert_array_equal(coverage.high_quality, np.arange(700) < 600)
    # a mode with fewer than 5% of the samples (0.4 / 8) is not covered
    assert mode_coverage(samples[:-70], centres, std=0.05, min_fraction=0.2).modes_covered == 0


def test_energy_distance_is_zero_for_equal_samples_and_matches_scipy_in_1d():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, (300, 1)), rng.normal(0.5, 1, (200, 1))
    assert energy_distance(a, a) == pytest.approx(0.0, abs=1e-12)
    # scipy's 1-D energy distance is the square root of the same V-statistic
    assert energy_distance(a, b) == pytest.approx(scipy.stats.energy_distance(a[:, 0], b[:, 0]) ** 2, rel=1e-10)
    assert energy_distance(ring_of_gaussians(500, seed=1), ring_of_gaussians(500, seed=2)) < 0.01
    assert energy_distance(ring_of_gaussians(500, seed=1), np.zeros((500, 2))) > 1.0


def test_frechet_distance_known_cases():
    rng = np.random.default_rng(0)
    # diagonal covariances: d^2 = |mu1 - mu2|^2 + sum (sqrt(a) - sqrt(b))^2
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 1.0])
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    expected = 1 + 4 + (1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 1) ** 2
    assert gaussian_frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-12)
    # general covariances: the direct formula with scipy's matrix square root of the product
    m1, m2 = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    s1, s2 = m1 @ m1.T + 0.1 * np.eye(6), m2 @ m2.T + 0.1 * np.eye(6)
    mu1, mu2 = rng.standard_normal(6), rng.standard_normal(6)
    direct = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real)
    assert gaussian_frechet_distance(mu1, s1, mu2, s2) == pytest.approx(direct, rel=1e-9)
    # on feature sets: ~0 for identical sets, the Gaussian formula on their moments otherwise
    x = rng.standard_normal((500, 6)) @ m1
    assert abs(frechet_distance(x, x)) < 1e-8
    shifted = x + 2.0
    assert frechet_distance(x, shifted) == pytest.approx(6 * 4.0, rel=1e-8)
    z = rng.standard_normal((400, 6))
    assert frechet_distance(x, z) == pytest.approx(
        gaussian_frechet_distance(x.mean(0), np.cov(x.T), z.mean(0), np.cov(z.T)), rel=1e-12
    )
    with pytest.raises(ValueError, match=r"\(N1, d\) and \(N2, d\)"):
        frechet_distance(x, z[:, :3])


def test_nearest_neighbour_distances_against_brute_force():
    rng = np.random.default_rng(0)
    train, samples = rng.standard_normal((50, 2, 3)), rng.standard_normal((23, 2, 3))
    samples[4] = train[17]  # a copy
    brute = np.sqrt(((samples.reshape(23, 1, 6) - train.reshape(1, 50, 6)) ** 2).sum(-1)).min(1)
    got = nearest_neighbour_distances(samples, train, chunk=7)
    np.testing.assert_allclose(got, brute, rtol=1e-10, atol=1e-7)
    assert got[4] < 1e-7


# ------------------------------------------------------------------------------------------------ figures
def test_figures():
    history = train_gan(small_gan(), np.random.default_rng(0).uniform(-1, 1, (32, 3)), 3, batch_size=8,
                        snapshot_every=1, snapshot_count=4, seed=0)  # fmt: skip
    history.snapshots = [(i, np.random.default_rng(i).random((4, 9))) for i in range(3)]
    fig = plot_snapshots(history, image_shape=(3, 3), per_row=4)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert isinstance(plot_gan_losses(history), Figure)
    ring = ring_of_gaussians(50)
    assert len(plot_ring_samples(ring, ring + 0.1, ring_centres()).axes[0].collections) == 3
    mosaic = tile_images(np.ones((5, 2, 2)), ncols=3)
    assert mosaic.shape == (2 * 2 + 1, 3 * 2 + 2)
    assert np.isnan(mosaic).sum() == mosaic.size - 5 * 4
    assert isinstance(plot_sample_grid(np.zeros((4, 1, 3, 3))), Figure)


def test_extract_features_batches_without_a_graph():
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5))
    x = np.random.default_rng(0).standard_normal((10, 3))
    out = extract_features(model, x, batch_size=3)
    assert out.dtype == np.float32 and model.training
    np.testing.assert_allclose(out, model[0](gn.tensor(x.astype(np.float32))).detach().numpy(), rtol=1e-6)
