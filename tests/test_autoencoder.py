"""Autoencoders: structure, corruption, the sparse penalty, PCA equivalence of the linear one, and the comparisons."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from scipy.linalg import subspace_angles
from threadpoolctl import threadpool_limits

import glassnet as gn
from glassnet.data import load_digits, train_test_split
from glassnet.diagnostics import plot_codes_2d, plot_reconstructions
from glassnet.metrics import code_sparsity, compare_with_pca, pca_codes, probe_accuracy, reconstruction_mse
from glassnet.models import Autoencoder, AutoencoderLoss, conv_autoencoder, dense_autoencoder
from glassnet.nn import GaussianNoise, MaskingNoise
from glassnet.optim.lr_scheduler import CosineAnnealingLR
from glassnet.train import LRSchedule, fit


@pytest.fixture(autouse=True)
def one_blas_thread():
    # Small GEMMs gain nothing from a second thread and lose a lot on a busy machine.
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split((X / 16).astype(np.float32), y, test_size=597, stratify=y)
    return X_train, X_test, y_train, y_test


def train(model, X, epochs, lr, batch_size=64, cosine=False):
    optimizer = gn.optim.Adam(model.parameters(), lr=lr)
    callbacks = [LRSchedule(CosineAnnealingLR(optimizer, T_max=epochs))] if cosine else []
    return fit(model, AutoencoderLoss(model), optimizer, X, epochs, batch_size, callbacks=callbacks, seed=0, verbose=0)


# ------------------------------------------------------------------------------------------------ structure
def test_dense_autoencoder_layers_names_and_pytorch_forward():
    model = dense_autoencoder(784, 32, hidden=(128,), activation="relu", output_activation="sigmoid", rng=None)
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert shapes == {
        "encoder.0.weight": (128, 784), "encoder.0.bias": (128,), "encoder.2.weight": (32, 128),
        "encoder.2.bias": (32,), "decoder.0.weight": (128, 32), "decoder.0.bias": (128,),
        "decoder.2.weight": (784, 128), "decoder.2.bias": (784,),
    }  # fmt: skip
    assert [type(m).__name__ for m in model.decoder] == ["Linear", "ReLU", "Linear", "Sigmoid"]
    # the same computation as PyTorch's Sequential(encoder, decoder) with these weights (the W8 benchmark's pair)
    t_model = torch.nn.Sequential(
        torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 32)),
        torch.nn.Sequential(torch.nn.Linear(32, 128), torch.nn.ReLU(), torch.nn.Linear(128, 784), torch.nn.Sigmoid()),
    )
    t_model.load_state_dict(
        {k: torch.from_numpy(v.numpy()) for k, v in zip(t_model.state_dict(), model.state_dict().values())}
    )
    x = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    loss = gn.F.mse_loss(model(gn.tensor(x)), x)
    t_loss = torch.nn.functional.mse_loss(t_model(torch.from_numpy(x)), torch.from_numpy(x))
    loss.backward()
    t_loss.backward()
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-5)
    for p, t_p in zip(model.parameters(), t_model.parameters()):
        np.testing.assert_allclose(p.grad, t_p.grad.numpy(), rtol=1e-4, atol=1e-7)
    linear = dense_autoencoder(10, 3)
    assert [type(m).__name__ for m in [*linear.encoder, *linear.decoder]] == ["Linear", "Linear"]
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        dense_autoencoder(10, 3, hidden=(5,), activation="swish")


def test_conv_autoencoder_shapes_and_gradients():
    model = conv_autoencoder((1, 8, 8), code_size=6, channels=(4, 8), rng=np.random.default_rng(0))
    x = gn.tensor(np.random.default_rng(1).random((3, 1, 8, 8), dtype=np.float32))
    out = model(x)
    assert out.shape == (3, 1, 8, 8) and model.last_code.shape == (3, 6)
    assert np.all((out.numpy() > 0) & (out.numpy() < 1))
    assert model.encode(x).shape == (3, 6) and model.decode(model.encode(x)).shape == (3, 1, 8, 8)
    gn.F.mse_loss(out, x).backward()
    assert all(p.grad is not None and np.all(np.isfinite(p.grad)) and np.any(p.grad) for p in model.parameters())
    assert [type(m).__name__ for m in model.decoder][:4] == ["Linear", "ReLU", "Unflatten", "Upsample"]
    with pytest.raises(ValueError, match="divisible by 2\\*\\*2 = 4"):
        conv_autoencoder((1, 6, 6), channels=(4, 8))


# ------------------------------------------------------------------------------------------------ corruption, penalty
def test_corruption_only_in_training():
    x = gn.tensor(np.ones((200, 50), np.float32))
    masked = MaskingNoise(0.3, rng=np.random.default_rng(0))(x)
    assert set(np.unique(masked.numpy())) == {0.0, 1.0}
    assert (masked.numpy() == 0).mean() == pytest.approx(0.3, abs=0.01)
    noisy = GaussianNoise(0.5, rng=np.random.default_rng(0))(x)
    assert (noisy.numpy() - 1).std() == pytest.approx(0.5, rel=0.02) and noisy.dtype == np.float32
    model = dense_autoencoder(50, 4, corruption=GaussianNoise(1.0, rng=np.random.default_rng(0)))
    assert not np.allclose(model(x).numpy(), model(x).numpy())  # fresh noise each training forward
    model.eval()
    clean = Autoencoder(model.encoder, model.decoder)
    np.testing.assert_array_equal(model(x).numpy(), clean(x).numpy())
    model.train()
    np.testing.assert_array_equal(model.reconstruct(x), clean.reconstruct(x))  # reconstruct() runs in eval mode
    assert model.training and model.corruption.training  # and restores the mode


def test_sparse_loss_is_reconstruction_plus_l1_on_the_code():
    model = dense_autoencoder(6, 4, code_activation="relu", sparsity=0.1, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).random((5, 6), dtype=np.float32)
    output = model(gn.tensor(x))
    code = model.encoder(gn.tensor(x)).numpy()
    expected = ((output.numpy() - x) ** 2).mean() + 0.1 * np.abs(code).mean()
    loss = AutoencoderLoss(model)(output, x)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    loss.backward()  # the penalty's gradient reaches the encoder
    assert np.any(model.encoder[0].weight.grad)
    plain = dense_autoencoder(6, 4, rng=np.random.default_rng(0))
    assert AutoencoderLoss(plain)(plain(gn.tensor(x)), x).item() == pytest.approx(
        gn.F.mse_loss(plain(gn.tensor(x)), x).item()
    )
    assert "sparsity=0.1" in repr(AutoencoderLoss(model))


def test_code_sparsity_values():
    assert code_sparsity(np.eye(4)) == pytest.approx(1.0)
    assert code_sparsity(np.full((3, 9), -2.0)) == pytest.approx(0.0)
    assert code_sparsity(np.array([[1.0, 1.0, 0.0, 0.0]])) == pytest.approx((2 - np.sqrt(2)) / 1)
    assert code_sparsity(np.zeros((2, 3))) == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------------ learning
def test_linear_autoencoder_matches_pca(digits):
    """Baldi & Hornik (1989): the linear autoencoder's optimum spans the top principal subspace."""
    X_train, X_test, _, _ = digits
    gn.manual_seed(0)
    model = dense_autoencoder(64, 4)
    train(model, X_train, epochs=60, lr=0.05, cosine=True)
    _, _, pca_reconstruction = pca_codes(X_train, X_test, 4)
    ae_mse, pca_mse = (
        reconstruction_mse(X_test, model.reconstruct(X_test)),
        reconstruction_mse(X_test, pca_reconstruction),
    )
    assert ae_mse == pytest.approx(pca_mse, rel=0.02)
    from sklearn.decomposition import PCA

    components = PCA(4).fit(X_train).components_.T
    angles = np.degrees(subspace_angles(model.decoder[0].weight.numpy().astype(np.float64), components))
    assert angles.max() < 5


def test_nonlinear_autoencoder_beats_pca_at_two_dimensions(digits):
    X_train, X_test, y_train, y_test = digits
    gn.manual_seed(0)
    model = dense_autoencoder(64, 2, hidden=(32,), activation="tanh", output_activation="sigmoid")
    train(model, X_train, epochs=40, lr=0.01, cosine=True)
    result = compare_with_pca(model, X_train, y_train, X_test, y_test)
    assert result["code_size"] == 2
    assert result["ae_mse"] < 0.85 * result["pca_mse"]
    assert result["ae_accuracy"] > result["pca_accuracy"] + 0.03  # measured 0.70 against 0.61
    assert result["raw_accuracy"] > 0.9 > result["ae_accuracy"]  # two numbers keep less than 64 pixels
    assert probe_accuracy(X_train, y_train, X_test, y_test) == result["raw_accuracy"]


def test_denoising_autoencoders_restore_corrupted_inputs(digits):
    """Vincent et al. (2008): trained on corrupted inputs, the autoencoder removes that corruption better."""
    X_train, X_test, _, _ = digits
    rng = np.random.default_rng(1)
    noisy = np.clip(X_test + 0.3 * rng.standard_normal(X_test.shape), 0, 1).astype(np.float32)
    masked = (X_test * (rng.random(X_test.shape) >= 0.3)).astype(np.float32)
    errors = {}
    for name, corruption in (("plain", None), ("gaussian", GaussianNoise(0.3)), ("masking", MaskingNoise(0.3))):
        gn.manual_seed(0)
        model = dense_autoencoder(64, 32, code_activation="relu", output_activation="sigmoid", corruption=corruption)
        train(model, X_train, epochs=20, lr=0.01)
        errors[name] = {
            "clean": reconstruction_mse(X_test, model.reconstruct(X_test)),
            "noisy": reconstruction_mse(X_test, model.reconstruct(noisy)),
            "masked": reconstruction_mse(X_test, model.reconstruct(masked)),
        }
    assert errors["gaussian"]["noisy"] < 0.9 * errors["plain"]["noisy"]
    assert errors["masking"]["masked"] < 0.9 * errors["plain"]["masked"]
    assert errors["plain"]["clean"] < errors["gaussian"]["clean"]  # the price: clean inputs are copied less exactly


def test_sparse_autoencoder_has_sparser_codes(digits):
    X_train, X_test, _, _ = digits
    sparsity = {}
    for lam in (0.0, 0.01):
        gn.manual_seed(0)
        model = dense_autoencoder(64, 64, code_activation="relu", output_activation="sigmoid", sparsity=lam)
        train(model, X_train, epochs=20, lr=0.01)
        codes = model.transform(X_test)
        sparsity[lam] = (
            code_sparsity(codes),
            (codes == 0).mean(),
            reconstruction_mse(X_test, model.reconstruct(X_test)),
        )
    assert sparsity[0.01][0] > sparsity[0.0][0] + 0.1  # Hoyer sparsity, about 0.54 against 0.34
    assert sparsity[0.01][1] > sparsity[0.0][1] + 0.1  # exact zeros of the ReLU code
    assert sparsity[0.01][2] < 0.01  # and the digits are still reconstructed


def test_conv_autoencoder_learns_digits(digits):
    X_train, X_test, _, _ = digits
    images = X_train[:600].reshape(-1, 1, 8, 8)
    gn.manual_seed(0)
    model = conv_autoencoder((1, 8, 8), code_size=8, channels=(8, 16))
    start = reconstruction_mse(X_test, model.reconstruct(X_test.reshape(-1, 1, 8, 8)))
    history = train(model, images, epochs=8, lr=0.01, batch_size=32)
    end = reconstruction_mse(X_test, model.reconstruct(X_test.reshape(-1, 1, 8, 8)))
    assert end < 0.5 * start and history.loss[-1] < history.loss[0]


# ------------------------------------------------------------------------------------------------ helpers and figures
def test_pca_codes_and_reconstruction_mse():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 2)) @ np.array([[3.0, 0.0, 1.0], [0.0, 1.0, 1.0]])  # rank 2 in 3-D
    codes_train, codes_test, reconstruction = pca_codes(X[:80], X[80:], 2)
    assert codes_train.shape == (80, 2) and codes_test.shape == (20, 2)
    assert reconstruction_mse(X[80:], reconstruction) < 1e-20  # rank 2 is reconstructed exactly
    assert reconstruction_mse(np.zeros(4), np.array([1.0, -1.0, 2.0, 0.0])) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="reconstruction has 3"):
        reconstruction_mse(np.zeros(4), np.zeros(3))


def test_figures():
    codes, labels = np.random.default_rng(0).standard_normal((30, 2)), np.arange(30) % 3
    fig = plot_codes_2d(codes, labels)
    assert isinstance(fig, Figure) and len(fig.axes[0].collections) == 3
    assert len(plot_codes_2d(codes).axes[0].collections) == 1
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot_codes_2d(np.zeros((3, 3)))
    fig = plot_reconstructions(np.zeros((12, 64)), np.ones((12, 64)), image_shape=(8, 8), n=5)
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (2 * 8 + 1, 5 * 8 + 4)
