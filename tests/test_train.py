"""The fit loop: exact counts, the three regimes of descent, validation, metrics, display, callbacks, hparams."""

import io
import json
import math
import sys

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import nn
from glassnet.autograd import is_grad_enabled
from glassnet.data import ArrayDataset, DataLoader
from glassnet.metrics import accuracy, binary_accuracy
from glassnet.nn.norm import BatchNorm1d
from glassnet.optim import SGD
from glassnet.optim.adam import Adam
from glassnet.optim.lr_scheduler import ReduceLROnPlateau, StepLR
from glassnet.train import (
    Callback,
    Checkpoint,
    EarlyStopping,
    History,
    LRSchedule,
    NanGuard,
    NonFiniteLossError,
    evaluate,
    fit,
    read_checkpoint,
    summary,
)


def regression(n=100, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype(np.float32)
    return X, y


def linear(seed=0, n_in=3, n_out=1):
    gn.manual_seed(seed)
    return nn.Linear(n_in, n_out)


def classification(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1).astype(np.int64)
    return X, y


class Recorder(Callback):
    """Copies the weights after every epoch."""

    def __init__(self):
        self.weights = []

    def on_epoch_end(self, state):
        self.weights.append({k: v.clone() for k, v in state.model.state_dict().items()})


def targets_seen(loss_fn, log):
    """Wrap a loss so it logs the targets of every batch (the sample order fit used)."""

    def wrapped(output, target):
        log.append(target.numpy().ravel().copy())
        return loss_fn(output, target)

    return wrapped


# ---------------------------------------------------------------------------------------------- counting
@pytest.mark.parametrize(
    "n, batch_size, drop_last",
    [
        (1000, 200, False),
        (1000, 300, False),
        (1000, 300, True),
        (1000, None, False),
        (60, 1, False),
        (1000, 1000, True),
        (1000, 1001, False),
        (1000, 7, True),
    ],
)
def test_iterations_and_samples_are_counted_exactly_as_pytorch_batches(n, batch_size, drop_last):
    X, y = regression(n)
    model = linear()
    epochs = 3
    history = fit(
        model,
        nn.MSELoss(),
        SGD(model.parameters(), lr=0.01),
        (X, y),
        epochs,
        batch_size,
        drop_last=drop_last,
        seed=0,
        verbose=0,
    )
    per_epoch = len(torch.utils.data.DataLoader(range(n), batch_size=batch_size or n, drop_last=drop_last))
    used = n if not drop_last else per_epoch * (batch_size or n)
    assert history.epochs == epochs
    assert history.iterations == epochs * per_epoch == len(history.iteration_loss)
    assert history.samples_seen == epochs * used
    assert history.hparams["iterations_per_epoch"] == per_epoch
    if (n, batch_size) == (1000, 200):
        assert per_epoch == 5 and history.iterations == 15


def test_no_batch_at_all_is_an_error():
    X, y = regression(10)
    model = linear()
    with pytest.raises(ValueError, match="no batches per epoch: 10 samples, batch_size=32, drop_last=True"):
        fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.1), (X, y), 1, 32, drop_last=True, verbose=0)


# ---------------------------------------------------------------------------------------------- the three regimes
def test_full_batch_is_plain_gradient_descent_step_for_step():
    X, y = regression(50)
    model = linear()
    history = fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.1), (X, y), 20, None, verbose=0)

    by_hand = linear()
    opt = SGD(by_hand.parameters(), lr=0.1)
    losses = []
    for _ in range(20):
        loss = nn.MSELoss()(by_hand(gn.tensor(X)), gn.tensor(y))
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert history.iteration_loss == losses == history.loss  # one step per epoch, on every sample
    for name, value in by_hand.state_dict().items():
        assert np.array_equal(model.state_dict()[name], value)


def test_minibatch_sgd_momentum_matches_pytorch():
    X, y = regression(100)
    model = linear()
    fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.05, momentum=0.9), (X, y), 4, 16, shuffle=False, verbose=0)

    tmodel = torch.nn.Linear(3, 1)
    with torch.no_grad():
        tmodel.weight.copy_(torch.from_numpy(linear().weight.numpy()))
        tmodel.bias.copy_(torch.from_numpy(linear().bias.numpy()))
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.05, momentum=0.9)
    for _ in range(4):
        for xb, yb in torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=16
        ):
            topt.zero_grad()
            torch.nn.functional.mse_loss(tmodel(xb), yb).backward()
            topt.step()
    np.testing.assert_allclose(model.weight.numpy(), tmodel.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.bias.numpy(), tmodel.bias.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("batch_size", [1, 8])
def test_shuffling_visits_every_sample_once_per_epoch_in_a_new_order(batch_size):
    X = np.arange(24, dtype=np.float32).reshape(24, 1)
    ids = np.arange(24, dtype=np.float32).reshape(24, 1)  # the target is the sample's index

    def run(seed, shuffle=True):
        log = []
        model = linear(n_in=1)
        fit(
            model,
            targets_seen(nn.MSELoss(), log),
            SGD(model.parameters(), lr=1e-4),
            (X, ids),
            3,
            batch_size,
            shuffle=shuffle,
            seed=seed,
            verbose=0,
        )
        per_epoch = 24 // batch_size
        return [np.concatenate(log[e * per_epoch : (e + 1) * per_epoch]) for e in range(3)]

    epochs = run(seed=1)
    for order in epochs:
        assert sorted(order) == list(range(24))
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])
    assert all(np.array_equal(a, b) for a, b in zip(epochs, run(seed=1)))
    assert not np.array_equal(epochs[0], run(seed=2)[0])
    assert all(np.array_equal(order, np.arange(24)) for order in run(seed=1, shuffle=False))


def test_epoch_loss_is_the_batch_size_weighted_mean_of_the_step_losses():
    X, y = regression(10)
    model = linear()
    history = fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.01), (X, y), 2, 4, shuffle=False, verbose=0)
    steps = history.iteration_loss
    assert len(steps) == 6  # batches of 4, 4, 2
    assert history.loss[0] == pytest.approx((4 * steps[0] + 4 * steps[1] + 2 * steps[2]) / 10, rel=1e-12)
    assert history.loss[1] == pytest.approx((4 * steps[3] + 4 * steps[4] + 2 * steps[5]) / 10, rel=1e-12)
    assert all(type(v) is float for v in steps + history.loss)  # numbers only: no tensors, no graphs kept


# ---------------------------------------------------------------------------------------------- data forms
def test_train_data_as_tuple_dataset_or_loader():
    X, y = regression(100)
    results = []
    for data in [(X, y), ArrayDataset(X, y)]:
        model = linear()
        fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.05), data, 2, 10, shuffle=False, verbose=0)
        results.append(model.weight.numpy().copy())
    assert np.array_equal(results[0], results[1])

    model = linear()
    loader = DataLoader(ArrayDataset(X, y), batch_size=25)  # a loader keeps its own batch size
    history = fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.05), loader, 2, verbose=0)
    assert history.iterations == 8 and history.hparams["batch_size"] == 25


def test_a_single_array_is_its_own_target_and_several_inputs_reach_the_model():
    X, _ = regression(40)
    gn.manual_seed(0)
    autoencoder = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 3))
    history = fit(autoencoder, nn.MSELoss(), SGD(autoencoder.parameters(), lr=0.1), X, 30, 8, seed=0, verbose=0)
    assert history.loss[-1] < 0.5 * history.loss[0]

    class Sum(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = linear(1), linear(2)

        def forward(self, x1, x2):
            return self.a(x1) + self.b(x2)

    model = Sum()
    X2 = X[::-1].copy()
    y = X.sum(axis=1, keepdims=True) - X2[:, :1]
    history = fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.05), (X, X2, y), 20, 8, seed=0, verbose=0)
    assert history.loss[-1] < 0.1 * history.loss[0]


# ---------------------------------------------------------------------------------------------- validation, metrics
class ModeSpy(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(4, 3)
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, is_grad_enabled(), len(x)))
        return self.inner(x)


def test_training_runs_in_train_mode_and_validation_in_eval_mode_without_a_graph():
    X, y = classification(60)
    gn.manual_seed(0)
    model = ModeSpy()
    fit(
        model,
        nn.CrossEntropyLoss(),
        SGD(model.parameters(), lr=0.1),
        (X[:40], y[:40]),
        2,
        20,
        val_data=(X[40:], y[40:]),
        verbose=0,
    )
    assert model.calls == [(True, True, 20), (True, True, 20), (False, False, 20)] * 2
    assert model.training


def test_metrics_and_validation_values_are_exact():
    X, y = classification(120)
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        SGD(model.parameters(), lr=0.2),
        (X[:90], y[:90]),
        5,
        30,
        val_data=(X[90:], y[90:]),
        metrics=["accuracy"],
        seed=0,
        verbose=0,
    )
    logits = model(gn.tensor(X[90:])).numpy()
    assert history["val_accuracy"][-1] == np.mean(logits.argmax(1) == y[90:])
    assert history.val_loss[-1] == pytest.approx(nn.CrossEntropyLoss()(gn.tensor(logits), gn.tensor(y[90:])).item())
    assert set(history.metrics) == {"accuracy", "val_accuracy"} and len(history["accuracy"]) == 5
    assert history["accuracy"][-1] > 0.6
    with pytest.raises(KeyError, match="no series 'f1'"):
        history["f1"]


def test_evaluate_does_not_depend_on_the_batch_size():
    X, y = classification(100)
    gn.manual_seed(0)
    model = nn.Linear(4, 3)
    full = evaluate(model, nn.CrossEntropyLoss(), (X, y), {"acc": accuracy}, batch_size=None)
    small = evaluate(model, nn.CrossEntropyLoss(), ArrayDataset(X, y), {"acc": accuracy}, batch_size=7)
    assert full["acc"] == small["acc"] == np.mean(model(gn.tensor(X)).numpy().argmax(1) == y)
    assert full["loss"] == pytest.approx(small["loss"], rel=1e-6)


def test_accuracy_functions():
    scores = np.array([[0.1, 0.9], [2.0, -1.0], [0.3, 0.2], [0.0, 1.0]])
    assert accuracy(scores, np.array([1, 0, 1, 1])) == 0.75
    assert accuracy(scores, np.eye(2)[[1, 0, 0, 1]]) == 1.0  # one-hot targets
    assert binary_accuracy(np.array([0.2, 0.7, 0.9]), np.array([0.0, 1.0, 0.0])) == pytest.approx(2 / 3)
    assert binary_accuracy(np.array([[-1.0], [2.0]]), np.array([0.0, 1.0]), threshold=0.0) == 1.0
    with pytest.raises(ValueError, match="use binary_accuracy"):
        accuracy(np.array([0.2, 0.8]), np.array([0, 1]))


def test_unknown_metric_and_bad_data_are_named():
    X, y = regression(10)
    model = linear()
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.1), (X, y), metrics=["f1"], verbose=0)
    with pytest.raises(ValueError, match="metric name 'val_acc' is taken"):
        fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.1), (X, y), metrics={"val_acc": accuracy}, verbose=0)
    with pytest.raises(TypeError, match="expected a tuple of arrays"):
        fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.1), {"X": X}, verbose=0)


# ---------------------------------------------------------------------------------------------- display
def run_quietly(verbose, epochs=3):
    X, y = regression(40)
    model = linear()
    return fit(
        model,
        nn.MSELoss(),
        SGD(model.parameters(), lr=0.05),
        (X, y),
        epochs,
        10,
        val_data=(X, y),
        seed=0,
        verbose=verbose,
    )


def test_verbose_0_prints_nothing(capsys):
    run_quietly(0)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("verbose", [1, 2])
def test_off_a_terminal_there_is_one_line_per_epoch(capsys, verbose):
    history = run_quietly(verbose)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for e, line in enumerate(lines, 1):
        assert line.startswith(f"epoch {e}/3  iter {4 * e}  samples {40 * e}  loss {history.loss[e - 1]:.4f}")
        assert f"val_loss {history.val_loss[e - 1]:.4f}" in line and "lr 0.05" in line


def test_the_reason_for_stopping_early_is_printed(capsys):
    X, y = regression(20)
    X[13, 0] = np.inf
    model = linear()
    fit(
        model,
        nn.MSELoss(),
        SGD(model.parameters(), lr=0.01),
        (X, y),
        2,
        5,
        shuffle=False,
        callbacks=[NanGuard()],
        verbose=2,
    )
    assert capsys.readouterr().out == (
        "stopped: non-finite loss (inf) at iteration 3 (epoch 1, batch 3); "
        "stopped and kept the weights after iteration 2\n"
    )


def test_on_a_terminal_a_rich_progress_bar_is_shown(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    history = run_quietly(1, epochs=2)
    out = screen.getvalue()
    assert "\x1b[" in out  # rich's terminal control codes
    assert f"loss {history.loss[0]:.4f}" in out and f"loss {history.loss[1]:.4f}" in out
    assert "epoch 1/2" in out and "epoch 2/2" in out


# ---------------------------------------------------------------------------------------------- hyperparameters
def test_hyperparameters_are_recorded_and_json_serialisable():
    X, y = classification(40)
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    model[0].weight.requires_grad_(False)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9)),
        (X, y),
        2,
        16,
        seed=7,
        verbose=0,
        hparams={"hidden": 8, "activation": "relu"},
    )
    hp = history.hparams
    assert json.loads(json.dumps(hp)) == hp
    assert hp["model"]["class"] == "Sequential" and "Linear(in_features=4, out_features=8" in hp["model"]["repr"]
    assert hp["model"]["parameters"] == 4 * 8 + 8 + 8 * 3 + 3 and hp["model"]["trainable_parameters"] == 8 + 27
    assert hp["optimizer"]["class"] == "Adam" and hp["optimizer"]["lr"] == 0.01
    assert hp["optimizer"]["betas"] == [0.8, 0.9]
    assert (hp["batch_size"], hp["epochs"], hp["seed"], hp["num_samples"]) == (16, 2, 7, 40)
    assert hp["loss"] == "CrossEntropyLoss(reduction='mean')"
    assert (hp["hidden"], hp["activation"]) == (8, "relu")
    with pytest.raises(ValueError, match=r"hparams \['epochs'\] are recorded by fit itself"):
        fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), (X, y), verbose=0, hparams={"epochs": 3})


def test_history_round_trips_through_json():
    history = run_quietly(0)
    data = json.loads(json.dumps(history.to_dict()))
    assert History.from_dict(data) == history


# ---------------------------------------------------------------------------------------------- callbacks
def overfitting_run(callbacks, epochs=40):
    """Full-batch descent drives w from 0 to 2 (train targets 2x); validation wants w = 1 (targets x)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 1)).astype(np.float32)
    model = nn.Linear(1, 1, bias=False)
    model.weight.data[...] = 0.0
    history = fit(
        model,
        nn.MSELoss(),
        SGD(model.parameters(), lr=0.05),
        (X, 2 * X),
        epochs,
        None,
        val_data=(X, X),
        callbacks=callbacks,
        verbose=0,
    )
    return model, history


def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    recorder, stopper = Recorder(), EarlyStopping("val_loss", patience=3)
    model, history = overfitting_run([stopper, recorder])
    best = int(np.argmin(history.val_loss))  # 0-based epoch of the lowest validation loss
    assert 0 < best < len(history.val_loss) - 1
    assert history.epochs == best + 1 + 3 == len(history.val_loss)
    assert stopper.best_epoch == best + 1 and stopper.best == history.val_loss[best]
    assert f"early stopping after epoch {best + 4}" in history.stopped_reason
    assert f"at epoch {best + 1}" in history.stopped_reason
    assert np.array_equal(model.weight.numpy(), recorder.weights[best]["weight"]) and stopper.restored
    assert not np.array_equal(model.weight.numpy(), recorder.weights[-1]["weight"])


def test_early_stopping_options_are_checked():
    with pytest.raises(ValueError, match="pass mode='min' or 'max'"):
        EarlyStopping("val_mae")
    assert EarlyStopping("val_accuracy").mode == "max"
    with pytest.raises(ValueError, match=r"monitors 'val_loss', but the run logs only \['loss', 'lr'\].*val_data"):
        X, y = regression(10)
        model = linear()
        fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.1), (X, y), 2, callbacks=[EarlyStopping()], verbose=0)


def test_step_schedule_per_epoch_and_per_iteration():
    X, y = regression(40)
    model = linear()
    opt = SGD(model.parameters(), lr=0.1)
    history = fit(model, nn.MSELoss(), opt, (X, y), 5, 10, callbacks=[LRSchedule(StepLR(opt, 2, gamma=0.5))], verbose=0)
    assert history.lr == [0.1, 0.1, 0.05, 0.05, 0.025]

    opt = SGD(model.parameters(), lr=0.1)
    history = fit(
        model, nn.MSELoss(), opt, (X, y), 3, 10, callbacks=[LRSchedule(StepLR(opt, 4, 0.5), "iteration")], verbose=0
    )
    assert history.lr == [0.1, 0.05, 0.025]  # 4 steps per epoch: the rate at each epoch's start halves


def test_plateau_schedule_steps_on_the_monitored_value():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 1)).astype(np.float32)
    model = nn.Linear(1, 1, bias=False)
    model.weight.data[...] = 0.0
    opt = SGD(model.parameters(), lr=0.3)
    with pytest.raises(ValueError, match="ReduceLROnPlateau.step\\(\\) takes a metric: pass monitor="):
        LRSchedule(ReduceLROnPlateau(opt))
    sched = LRSchedule(ReduceLROnPlateau(opt, factor=0.5, patience=1), monitor="val_loss")
    history = fit(model, nn.MSELoss(), opt, (X, 2 * X), 12, None, val_data=(X, X), callbacks=[sched], verbose=0)

    replay_opt = SGD(nn.Linear(1, 1).parameters(), lr=0.3)
    replay = ReduceLROnPlateau(replay_opt, factor=0.5, patience=1)
    expected = []
    for value in history.val_loss:
        expected.append(replay_opt.param_groups[0]["lr"])
        replay.step(value)
    assert history.lr == expected and expected[-1] < 0.3


def test_nan_guard_stops_at_the_bad_iteration_keeping_the_last_good_weights():
    X, y = regression(20)
    X[7, 1] = np.nan  # the 8th sample poisons the 8th stochastic step
    model = linear()
    history = fit(
        model,
        nn.MSELoss(),
        SGD(model.parameters(), lr=0.05),
        (X, y),
        3,
        1,
        shuffle=False,
        callbacks=[NanGuard()],
        verbose=0,
    )
    assert (history.iterations, history.samples_seen, history.epochs) == (7, 7, 0)
    assert history.stopped_reason.startswith("non-finite loss (nan) at iteration 8 (epoch 1, batch 8)")
    assert "kept the weights after iteration 7" in history.stopped_reason

    clean = linear()
    fit(clean, nn.MSELoss(), SGD(clean.parameters(), lr=0.05), (X[:7], y[:7]), 1, 1, shuffle=False, verbose=0)
    assert np.array_equal(model.weight.numpy(), clean.weight.numpy())
    assert np.array_equal(model.bias.numpy(), clean.bias.numpy())

    with pytest.raises(NonFiniteLossError, match="at iteration 8") as info:
        fit(
            linear(),
            nn.MSELoss(),
            SGD(linear().parameters(), lr=0.05),
            (X, y),
            3,
            1,
            shuffle=False,
            callbacks=[NanGuard(raise_error=True)],
            verbose=0,
        )
    assert info.value.history.iterations == 7


def test_nan_guard_restores_the_epoch_start_when_the_weights_themselves_overflowed():
    X, y = regression(20)
    X, y = 100 * X, 100 * y
    model = linear()
    start = model.state_dict()
    # with lr = 1e38 the first step sends the float32 weights past 3.4e38 (to inf) while its loss was finite
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point
        history = fit(
            model,
            nn.MSELoss(),
            SGD(model.parameters(), lr=1e38),
            (X, y),
            2,
            5,
            shuffle=False,
            callbacks=[NanGuard()],
            verbose=0,
        )
    assert history.iterations == 1 and math.isfinite(history.iteration_loss[0])
    assert "iteration 2 (epoch 1, batch 2)" in history.stopped_reason
    assert "from the start of epoch 1" in history.stopped_reason
    assert all(np.array_equal(model.state_dict()[k], v) for k, v in start.items())


def test_nan_guard_catches_a_nan_injected_into_a_weight_at_that_iteration():
    class PoisonWeight(Callback):
        """Writes a nan into the weight after step 6 (the 2nd of epoch 2): step 7's loss is nan."""

        def on_batch_end(self, state):
            if state.iteration == 6:
                state.model.weight.data[0, 1] = np.nan

    X, y = regression(20)  # batch 5: 4 steps per epoch
    model = linear()
    guard = NanGuard(raise_error=True)
    step_7 = r"non-finite loss \(nan\) at iteration 7 \(epoch 2, batch 3\)"
    with pytest.raises(NonFiniteLossError, match=step_7) as info:
        fit(
            model,
            nn.MSELoss(),
            SGD(model.parameters(), lr=0.05),
            (X, y),
            3,
            5,
            shuffle=False,
            callbacks=[PoisonWeight(), guard],
            verbose=0,
        )
    history = info.value.history
    assert guard.triggered_at == 7
    assert (history.iterations, history.samples_seen, history.epochs) == (6, 30, 1)
    assert len(history.iteration_loss) == 6 and all(math.isfinite(v) for v in history.iteration_loss)
    assert "kept the weights from the start of epoch 2" in history.stopped_reason

    clean = linear()  # the poisoned weights are gone: the model is as after one clean epoch
    fit(clean, nn.MSELoss(), SGD(clean.parameters(), lr=0.05), (X, y), 1, 5, shuffle=False, verbose=0)
    assert np.array_equal(model.weight.numpy(), clean.weight.numpy())
    assert np.array_equal(model.bias.numpy(), clean.bias.numpy())


def test_checkpoint_every_epochs_and_every_iterations(tmp_path):
    X, y = regression(30)
    model = linear()
    by_epoch = Checkpoint(tmp_path / "e{epoch}.safetensors", every_epochs=2)
    by_step = Checkpoint(tmp_path / "i{iteration}.safetensors", every_iterations=4)
    latest = Checkpoint(tmp_path / "latest.safetensors")
    history = fit(
        model,
        nn.MSELoss(),
        SGD(model.parameters(), lr=0.05),
        (X, y),
        5,
        10,
        callbacks=[by_epoch, by_step, latest],
        verbose=0,
    )
    assert [p.name for p in by_epoch.saved] == ["e2.safetensors", "e4.safetensors"]
    assert [p.name for p in by_step.saved] == ["i4.safetensors", "i8.safetensors", "i12.safetensors"]
    assert len(latest.saved) == 5 and len(list(tmp_path.glob("latest*"))) == 1
    info = read_checkpoint(tmp_path / "latest.safetensors")
    assert (info["epoch"], info["iteration"]) == (5, 15)
    assert info["hparams"] == json.loads(json.dumps(history.hparams))
    assert read_checkpoint(tmp_path / "i8.safetensors")["extra"]["fit"]["batch_in_epoch"] == 2
    assert np.array_equal(info["model"]["weight"], model.weight.numpy())


def test_callback_hooks_run_in_order_and_per_batch_hooks_only_when_overridden():
    events = []

    class Log(Callback):
        def on_train_begin(self, state):
            events.append("train_begin")

        def on_epoch_begin(self, state):
            events.append(f"epoch_begin {state.epoch}")

        def on_batch_end(self, state):
            events.append(f"batch {state.iteration}")

        def on_epoch_end(self, state):
            events.append(f"epoch_end {state.epoch} {sorted(state.logs)}")

        def on_train_end(self, state):
            events.append("train_end")

    X, y = regression(20)
    model = linear()
    fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.05), (X, y), 2, 10, callbacks=[Log()], verbose=0)
    assert events == [
        "train_begin",
        "epoch_begin 0",
        "batch 1",
        "batch 2",
        "epoch_end 1 ['loss', 'lr']",
        "epoch_begin 1",
        "batch 3",
        "batch 4",
        "epoch_end 2 ['loss', 'lr']",
        "train_end",
    ]


# ---------------------------------------------------------------------------------------------- summary
def test_summary_lists_layers_shapes_and_parameter_counts():
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10))
    model[0].requires_grad_(False)
    model.eval()
    printed = []
    table = summary(model, (4, 64), print_fn=printed.append)
    assert printed == [table]
    lines = table.splitlines()
    assert lines[0] == "Model: Sequential"
    rows = {line.split()[0]: line.split() for line in lines if line[:1].isdigit()}
    assert rows["0"][1:] == ["(Linear)", "(4,", "32)", "2,080"]
    assert rows["1"][1:] == ["(BatchNorm1d)", "(4,", "32)", "64"]
    assert rows["2"][-1] == "0" and rows["3"][-1] == "330"
    total = 64 * 32 + 32 + 64 + 32 * 10 + 10
    assert f"Total params: {total:,}" in table
    assert f"Trainable params: {total - 2080:,}" in table and "Non-trainable params: 2,080" in table
    assert "Output shape: (4, 10)" in table
    assert "Buffers (not learned): 65 values in 3 tensors" in table  # running mean, var, num_batches_tracked
    assert not model.training and not model[1].training  # modes restored


def test_summary_counts_a_shared_layer_once_and_restores_train_mode():
    gn.manual_seed(0)
    shared = nn.Linear(8, 8)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    table = summary(model, (2, 8), print_fn=None)
    assert table.count("(Linear)") == 2 and "Total params: 72" in table
    assert model.training
