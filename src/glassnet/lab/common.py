"""Shared pieces of the lab's experiments: the standard digits split, MLP builders, training, scoring."""

from __future__ import annotations

import copy

import numpy as np

from .. import Tensor, nn, no_grad, optim
from ..gradcheck import numerical_grad

ACTIVATIONS = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "softplus": nn.Softplus,
    "identity": nn.Identity,
}

# The initialisation each activation was designed for: He for the rectifiers, Glorot otherwise.
_INITS = {
    "he": lambda w, rng: nn.init.kaiming_normal_(w, nonlinearity="relu", rng=rng),
    "glorot": lambda w, rng: nn.init.xavier_normal_(w, rng=rng),
    "default": None,
}


def digits_split(seed: int = 0, n_train: int | None = None):
    """The lab's standard digits split: stratified 1,200 train / 597 test (seed 0), pixels / 16.

    ``n_train`` keeps only that many training images (stratified), for small-data experiments.
    The test set is the same 597 images whatever ``seed`` is; ``seed`` picks the training subset. Because
    the test items are fixed, an accuracy's interval must add their sampling error: score per item with
    :func:`correct` and summarise with ``over_items``.
    """
    from ..data import load_digits, train_test_split

    x, y = load_digits()
    x = x / np.float32(16)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=597, stratify=y, seed=0)
    if n_train is not None and n_train < len(y_train):
        x_train, _, y_train, _ = train_test_split(
            x_train, y_train, test_size=len(y_train) - n_train, stratify=y_train, seed=seed
        )
    return x_train, x_test, y_train, y_test


def mlp(
    sizes,
    activation: str = "relu",
    init: str = "default",
    rng: np.random.Generator | None = None,
    batch_norm: bool = False,
    dropout: float = 0.0,
    bias_init: float | None = None,
) -> nn.Sequential:
    """Linear -> [BatchNorm] -> activation -> [Dropout] for each hidden layer, then a Linear output.

    ``init``: "he" (kaiming normal, fan_in), "glorot" (xavier normal) or "default" (PyTorch's
    uniform); ``bias_init`` sets every hidden bias to a constant (None keeps the default).
    """
    layers = []
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out, rng=rng)
        if _INITS[init] is not None:
            _INITS[init](linear.weight, rng)
            nn.init.zeros_(linear.bias)
        layers.append(linear)
        if k == len(sizes) - 2:
            break
        if bias_init is not None:
            nn.init.constant_(linear.bias, bias_init)
        if batch_norm:
            layers.append(nn.BatchNorm1d(fan_out))
        layers.append(ACTIVATIONS[activation]())
        if dropout:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def make_optimizer(model: nn.Module, name: str = "sgd", lr: float = 0.1, **options) -> optim.Optimizer:
    """``sgd`` (with optional momentum), ``adam``, ``rmsprop`` or ``adagrad`` over the model's parameters."""
    kinds = {"sgd": optim.SGD, "adam": optim.Adam, "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}
    return kinds[name](model.parameters(), lr=lr, **options)


def train(
    model,
    x,
    y,
    epochs: int,
    batch_size: int | None = 32,
    lr: float = 0.1,
    optimizer: str = "sgd",
    seed: int = 0,
    val=None,
    loss=None,
    **options,
):
    """Fit ``model`` silently with cross-entropy (or ``loss``); returns the History."""
    from ..metrics import accuracy
    from ..train import fit

    loss = loss or nn.CrossEntropyLoss()
    return fit(
        model,
        loss,
        make_optimizer(model, optimizer, lr, **options),
        (x, y),
        epochs=epochs,
        batch_size=batch_size,
        val_data=val,
        metrics={"accuracy": accuracy},
        seed=seed,
        verbose=0,
    )


def train_cnn(
    model: nn.Module, x: np.ndarray, y: np.ndarray, epochs: int, lr: float, seed: int, batch_size: int = 64
) -> None:
    """Adam on cross-entropy, the learning rate decayed to 0 along a cosine over ``epochs``.

    The decay makes the final weights, and so the paired comparisons between seeds, much less noisy.
    """
    from ..optim import lr_scheduler
    from ..train import LRSchedule, fit

    optimizer = optim.Adam(model.parameters(), lr=lr)
    schedule = LRSchedule(lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs))
    fit(model, nn.CrossEntropyLoss(), optimizer, (x, y), epochs, batch_size, callbacks=[schedule], seed=seed, verbose=0)


def hidden_activations(model: nn.Sequential, x: np.ndarray) -> list[np.ndarray]:
    """The output of every layer of ``model`` that is not a Linear (its activations, or their normalised or
    dropped-out forms), in order, on ``x``: no graph, the model's current mode."""
    outputs, h = [], Tensor(x)
    with no_grad():
        for layer in model:
            h = layer(h)
            if not isinstance(layer, nn.Linear):
                outputs.append(h.numpy())
    return outputs


def predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """Model outputs in eval mode, without a graph, as a NumPy array."""
    was_training = model.training
    model.eval()
    with no_grad():
        out = model(Tensor(x)).numpy()
    model.train(was_training)
    return out


def correct(model: nn.Module, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per test item, 1.0 where the model's argmax is ``y``: what :func:`~glassnet.lab.framework.over_items`
    needs to add test-item sampling error to an accuracy (or to a paired accuracy difference)."""
    return (predict(model, x).argmax(axis=1) == y).astype(np.float64)


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of ``x`` classified as ``y`` (argmax of the outputs)."""
    return float(correct(model, x, y).mean())


def backprop_errors(model: nn.Module, loss_of) -> dict:
    """||backprop - central differences|| / ||central differences|| of each parameter's gradient (float64).

    ``loss_of()`` computes the loss from the parameters as they are, so the differences can perturb them in place.
    """
    model.zero_grad()
    loss_of().backward()
    errors = {}
    for name, p in model.named_parameters():
        numeric = numerical_grad(lambda *_: loss_of(), [p], 0)
        errors[name] = float(np.linalg.norm(p.grad.numpy() - numeric) / np.linalg.norm(numeric))
    return errors


def log10_input_gradients(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """log10 of the mean over sequences of ||d sum(y_hat) / d x_t||, per step t, through a float64 copy of ``model``."""
    probe = copy.deepcopy(model).double()
    xt = Tensor(x.astype(np.float64), requires_grad=True)
    probe(xt).sum().backward()
    norms = np.linalg.norm(xt.grad.numpy(), axis=-1).mean(axis=0)
    return np.log10(np.maximum(norms, 1e-300))
