"""Checkpoints: round trips, atomic writes, corrupted files refused with nothing changed, PyTorch weights, resume."""

import json
import os
import pickle
import struct

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

import glassnet as gn
from glassnet import backend, nn
from glassnet.data import DataLoader, TensorDataset
from glassnet.optim import SGD
from glassnet.optim.adam import Adam
from glassnet.optim.lr_scheduler import StepLR
from glassnet.train import (
    Checkpoint,
    CheckpointError,
    EarlyStopping,
    LRSchedule,
    fit,
    load_checkpoint,
    load_weights,
    read_checkpoint,
    save_checkpoint,
    save_weights,
)
from glassnet.train import checkpoint as ckpt_module


def mlp(hidden=16, seed=0, dropout=0.0):
    gn.manual_seed(seed)
    layers = [nn.Linear(6, hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(hidden, 3))


def data(n=90, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0.5).astype(np.int64)
    return X, y


def take_steps(model, optimizer, steps=3):
    X, y = data()
    loss_fn = nn.CrossEntropyLoss()
    for i in range(steps):
        optimizer.zero_grad()
        loss_fn(model(gn.tensor(X[i * 10 : i * 10 + 10])), gn.tensor(y[i * 10 : i * 10 + 10])).backward()
        optimizer.step()


def weights(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def assert_same_weights(a: dict, b: dict):
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), k


def optimizer_arrays(optimizer):
    return {(i, k): np.array(v) for i, s in optimizer.state_dict()["state"].items() for k, v in s.items()}


@pytest.fixture
def saved(tmp_path):
    """A checkpoint of a model trained 3 SGD-momentum steps, and the objects it came from."""
    model = mlp()
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    take_steps(model, opt)
    sched.step()
    loader = DataLoader(TensorDataset(*data()), batch_size=8, shuffle=True, rng=5)
    next(iter(loader))
    path = save_checkpoint(
        tmp_path / "run.safetensors",
        model,
        opt,
        sched,
        loader,
        epoch=4,
        iteration=37,
        hparams={"lr": 0.1, "betas": (0.9, 0.99), "layers": [6, 16, 3]},
        extra={"note": "x"},
    )
    return path, model, opt, sched, loader


# ---------------------------------------------------------------------------------------------- round trip
def test_round_trip_restores_model_optimizer_schedule_loader_and_rng(saved):
    path, model, opt, sched, loader = saved
    rng_at_save = backend.get_rng_state()
    fresh = mlp(seed=7)
    fresh_opt = SGD(fresh.parameters(), lr=0.5, momentum=0.9)
    fresh_sched = StepLR(fresh_opt, step_size=2, gamma=0.5)
    fresh_loader = DataLoader(TensorDataset(*data()), batch_size=8, shuffle=True, rng=99)
    gn.manual_seed(123)

    info = load_checkpoint(path, fresh, fresh_opt, fresh_sched, fresh_loader)

    assert_same_weights(weights(fresh), weights(model))
    a, b = optimizer_arrays(fresh_opt), optimizer_arrays(opt)
    assert a.keys() == b.keys() and len(a) == 4  # a momentum buffer per parameter
    for key in a:
        assert np.array_equal(a[key], b[key])
    assert fresh_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"] == 0.1
    assert fresh_sched.last_epoch == sched.last_epoch == 1
    assert fresh_loader.state_dict() == loader.state_dict()
    assert backend.get_rng_state() == rng_at_save
    assert (info["epoch"], info["iteration"]) == (4, 37)
    assert info["hparams"] == {"lr": 0.1, "betas": (0.9, 0.99), "layers": [6, 16, 3]}
    assert info["extra"] == {"note": "x"}
    # the next step is the same step
    take_steps(model, opt, 1)
    take_steps(fresh, fresh_opt, 1)
    assert_same_weights(weights(fresh), weights(model))


def test_file_is_plain_safetensors_with_json_metadata(saved):
    path = saved[0]
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header["__metadata__"]
    assert meta["format"] == "glassnet.checkpoint"
    assert json.loads(meta["progress"]) == {"epoch": 4, "iteration": 37}
    names = set(safetensors.numpy.load_file(path))
    assert {"model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"} <= names
    assert {"optim.state.0.momentum_buffer", "optim.state.3.momentum_buffer"} <= names
    assert json.loads(meta["optimizer"])["param_groups"][0]["momentum"] == 0.9


def test_loading_never_unpickles(saved, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    path, model, opt, *_ = saved
    save_checkpoint(path, model, opt)
    load_checkpoint(path, mlp(seed=3), SGD(mlp(seed=3).parameters(), lr=0.1, momentum=0.9))


def test_state_codec_keeps_tuples_numpy_scalars_int_keys_and_arrays(tmp_path):
    model = mlp()
    extra = {
        "t": (1, 2.5, "a"),
        "ints": {3: "x", 4: "y"},
        "s": np.float32(1.25),
        "n": np.int64(-3),
        "arr": np.arange(6, dtype=np.int16).reshape(2, 3),
        "inf": float("inf"),
        "nested": [{"__k": None}],
    }
    save_checkpoint(tmp_path / "c.safetensors", model, extra=extra)
    back = read_checkpoint(tmp_path / "c.safetensors")["extra"]
    assert back["t"] == (1, 2.5, "a") and back["ints"] == {3: "x", 4: "y"} and back["nested"] == [{"__k": None}]
    assert type(back["s"]) is np.float32 and back["s"] == np.float32(1.25)
    assert type(back["n"]) is np.int64 and back["n"] == -3
    assert back["arr"].dtype == np.int16 and np.array_equal(back["arr"], extra["arr"])
    assert back["inf"] == float("inf")


def test_unstorable_state_is_refused_before_writing(tmp_path):
    with pytest.raises(CheckpointError, match="cannot store a set at 'extra.bad'"):
        save_checkpoint(tmp_path / "c.safetensors", mlp(), extra={"bad": {1, 2}})
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------- atomic writes
def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(saved, monkeypatch):
    path, model, opt, *_ = saved
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ckpt_module.os, "fsync", crash)  # dies after writing, before the rename
    take_steps(model, opt, 1)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, model, opt)
    monkeypatch.undo()
    monkeypatch.setattr(ckpt_module.os, "replace", crash)  # dies at the rename
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, model, opt)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_save_replaces_through_a_temporary_in_the_same_directory(saved, monkeypatch):
    path, model, opt, *_ = saved
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(ckpt_module.os, "replace", lambda a, b: (renames.append((a, b)), real_replace(a, b)))
    save_checkpoint(path, model, opt)
    ((src, dst),) = renames
    assert os.path.dirname(src) == os.path.dirname(dst) and dst == path and src != path


# ---------------------------------------------------------------------------------------------- damaged files
def _attempt_load(path, model, opt):
    """Load and return the error, checking that neither the model, the optimizer nor the file changed."""
    before_w, before_o, before_rng = weights(model), optimizer_arrays(opt), backend.get_rng_state()
    before_file = path.read_bytes()
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path, model, opt)
    assert_same_weights(weights(model), before_w)
    after_o = optimizer_arrays(opt)
    assert after_o.keys() == before_o.keys() and all(np.array_equal(after_o[k], before_o[k]) for k in after_o)
    assert backend.get_rng_state() == before_rng
    assert path.read_bytes() == before_file
    return info.value


@pytest.fixture
def target():
    model = mlp(seed=11)
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    take_steps(model, opt, 1)
    return model, opt


@pytest.mark.parametrize("keep", [0, 5, 8, 40, "header", "data", -1])
def test_truncated_file_is_refused_and_nothing_changes(saved, target, tmp_path, keep):
    raw = saved[0].read_bytes()
    header_end = 8 + struct.unpack("<Q", raw[:8])[0]
    cut = {"header": header_end - 3, "data": header_end + 17, -1: len(raw) - 1}.get(keep, keep)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(raw[:cut])
    err = _attempt_load(bad, *target)
    assert str(bad) in str(err)
    assert "truncated" in str(err) or "corrupted" in str(err)


def test_every_flipped_bit_is_refused_and_nothing_changes(saved, target, tmp_path):
    raw = saved[0].read_bytes()
    bad = tmp_path / "bad.safetensors"
    rng = np.random.default_rng(0)
    positions = np.unique(np.concatenate([np.arange(0, len(raw), 11), rng.integers(0, len(raw), 100)]))
    for pos in positions:
        flipped = bytearray(raw)
        flipped[pos] ^= 1 << int(rng.integers(8))
        bad.write_bytes(bytes(flipped))
        err = _attempt_load(bad, *target)
        assert str(bad) in str(err), pos


def test_a_weights_only_file_is_not_taken_for_a_checkpoint(target, tmp_path):
    path = save_weights(tmp_path / "w.safetensors", mlp())
    err = _attempt_load(path, *target)
    assert "not a glassnet checkpoint" in str(err) and "load_weights" in str(err)


def test_mismatched_model_names_every_difference_and_changes_nothing(saved, tmp_path):
    path = saved[0]
    gn.manual_seed(0)
    other = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3), nn.Linear(3, 3))
    opt = SGD(other.parameters(), lr=0.1)
    before = weights(other)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path, other)
    message = str(info.value)
    assert "missing from the file: ['3.weight', '3.bias']" in message
    assert "0.weight: file (16, 6), model Sequential (8, 6)" in message
    assert "2.weight: file (3, 16), model Sequential (3, 8)" in message
    assert_same_weights(weights(other), before)
    assert opt.state == {}


def test_dtype_mismatch_is_named(saved):
    model = mlp().double()
    with pytest.raises(CheckpointError, match=r"dtypes differ: 0\.weight: file float32, model Sequential float64"):
        load_checkpoint(saved[0], model)


def test_wrong_optimizer_is_refused_before_the_model_changes(saved):
    model = mlp(seed=5)
    before = weights(model)
    with pytest.raises(CheckpointError, match="holds SGD state, the optimizer is Adam"):
        load_checkpoint(saved[0], model, Adam(model.parameters()))
    assert_same_weights(weights(model), before)


def test_a_part_that_refuses_its_state_rolls_back_the_others(saved, target):
    path = saved[0]
    model, opt = target
    before_w, before_o, before_rng = weights(model), optimizer_arrays(opt), backend.get_rng_state()

    class Fussy:
        def state_dict(self):
            return {"rng_state": 0}

        def load_state_dict(self, state):
            raise RuntimeError("no thanks")

    with pytest.raises(CheckpointError, match="restoring failed .*no thanks.*nothing was changed"):
        load_checkpoint(path, model, opt, loader=Fussy())
    assert_same_weights(weights(model), before_w)
    after = optimizer_arrays(opt)
    assert all(np.array_equal(after[k], before_o[k]) for k in before_o)
    assert backend.get_rng_state() == before_rng


def test_missing_parts_are_named(tmp_path):
    model = mlp()
    path = save_checkpoint(tmp_path / "m.safetensors", model)
    with pytest.raises(CheckpointError, match="holds no optimizer state"):
        load_checkpoint(path, mlp(), SGD(model.parameters(), lr=0.1))
    with pytest.raises(CheckpointError, match="holds no loader state"):
        load_checkpoint(path, mlp(), loader=DataLoader(TensorDataset(*data())))


# ---------------------------------------------------------------------------------------------- PyTorch weights
def torch_mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))


def test_pytorch_weights_load_into_glassnet_and_back(tmp_path):
    X = data()[0][:5]
    tmodel = torch_mlp()
    safetensors.torch.save_file(tmodel.state_dict(), tmp_path / "torch.safetensors")

    model = load_weights(tmp_path / "torch.safetensors", mlp(seed=9))
    for name, tensor in tmodel.state_dict().items():
        assert np.array_equal(model.state_dict()[name], tensor.numpy()), name
    expected = tmodel(torch.from_numpy(X)).detach().numpy()  # equal up to the two BLAS's summation order
    np.testing.assert_allclose(model(gn.tensor(X)).numpy(), expected, rtol=1e-6, atol=1e-6)

    take_steps(model, SGD(model.parameters(), lr=0.1))  # change the weights, then send them back
    save_weights(tmp_path / "glassnet.safetensors", model)
    back = torch_mlp()
    back.load_state_dict(safetensors.torch.load_file(tmp_path / "glassnet.safetensors"))
    for name, array in model.state_dict().items():
        assert np.array_equal(back.state_dict()[name].numpy(), array), name
    np.testing.assert_allclose(back(torch.from_numpy(X)).detach().numpy(), model(gn.tensor(X)).numpy(), atol=1e-6)


def test_load_weights_reads_the_model_part_of_a_checkpoint_and_names_mismatches(saved, tmp_path):
    path, model, *_ = saved
    assert_same_weights(weights(load_weights(path, mlp(seed=4))), weights(model))
    safetensors.torch.save_file(torch_mlp().state_dict(), tmp_path / "t.safetensors")
    small = mlp(hidden=8)
    before = weights(small)
    with pytest.raises(CheckpointError, match=r"0\.weight: file \(16, 6\), model Sequential \(8, 6\)"):
        load_weights(tmp_path / "t.safetensors", small)
    assert_same_weights(weights(small), before)


# ---------------------------------------------------------------------------------------------- resume
def build(init_seed, optimizer):
    model = mlp(seed=init_seed, dropout=0.25)
    opt = SGD(model.parameters(), lr=0.2, momentum=0.9) if optimizer == "sgd" else Adam(model.parameters(), lr=0.01)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    return model, opt, sched


def run(init_seed, optimizer, epochs, callbacks=(), resume_from=None):
    X, y = data(90)
    model, opt, sched = build(init_seed, optimizer)
    cbs = [LRSchedule(sched), EarlyStopping("val_loss", patience=50), *callbacks]
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        opt,
        (X[:70], y[:70]),
        epochs=epochs,
        batch_size=16,
        val_data=(X[70:], y[70:]),
        metrics=["accuracy"],
        callbacks=cbs,
        seed=3,
        verbose=0,
        resume_from=resume_from,
    )
    return model, opt, history


def assert_same_history(a, b):
    for field in ("loss", "val_loss", "lr", "iteration_loss", "metrics", "epochs", "iterations", "samples_seen"):
        assert getattr(a, field) == getattr(b, field), field


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_resume_after_an_epoch_is_bit_identical(tmp_path, optimizer):
    # 70 samples, batch 16: 5 steps per epoch (the last of 6), shuffled, dropout, a step schedule
    model, opt, history = run(1, optimizer, epochs=5)
    assert (history.iterations, history.samples_seen) == (25, 350)

    path = tmp_path / "epoch{epoch}.safetensors"
    run(1, optimizer, epochs=2, callbacks=[Checkpoint(path, every_epochs=1)])
    gn.manual_seed(999)  # a fresh start: other initial weights, another global random state
    resumed, resumed_opt, resumed_history = run(
        2,
        optimizer,
        epochs=5,
        callbacks=[Checkpoint(path, every_epochs=1)],
        resume_from=tmp_path / "epoch2.safetensors",
    )

    assert_same_weights(weights(resumed), weights(model))
    a, b = optimizer_arrays(resumed_opt), optimizer_arrays(opt)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert_same_history(resumed_history, history)
    assert history.lr == [0.2 if optimizer == "sgd" else 0.01] * 2 + [history.lr[0] / 2] * 2 + [history.lr[0] / 4]


def test_resume_in_the_middle_of_an_epoch_is_bit_identical(tmp_path):
    model, _, history = run(1, "sgd", epochs=4)
    path = tmp_path / "it{iteration}.safetensors"
    run(1, "sgd", epochs=3, callbacks=[Checkpoint(path, every_iterations=7)])
    assert read_checkpoint(tmp_path / "it14.safetensors")["epoch"] == 2
    gn.manual_seed(5)
    resumed, _, resumed_history = run(
        3, "sgd", epochs=4, callbacks=[Checkpoint(path, every_iterations=7)], resume_from=tmp_path / "it14.safetensors"
    )
    assert_same_weights(weights(resumed), weights(model))
    assert_same_history(resumed_history, history)


def test_resume_refuses_a_different_batch_size_before_changing_anything(tmp_path):
    X, y = data(90)
    model, opt, _ = build(1, "sgd")
    fit(
        model,
        nn.CrossEntropyLoss(),
        opt,
        (X, y),
        epochs=1,
        batch_size=16,
        seed=0,
        verbose=0,
        callbacks=[Checkpoint(tmp_path / "c.safetensors")],
    )
    other, other_opt, _ = build(2, "sgd")
    before = weights(other)
    with pytest.raises(ValueError, match="batch_size: checkpoint 16, now 32"):
        fit(
            other,
            nn.CrossEntropyLoss(),
            other_opt,
            (X, y),
            epochs=2,
            batch_size=32,
            verbose=0,
            resume_from=tmp_path / "c.safetensors",
        )
    assert_same_weights(weights(other), before)


def test_buffers_including_0d_ones_survive(tmp_path):
    from glassnet.nn.norm import BatchNorm1d

    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 4), BatchNorm1d(4))
    for _ in range(3):
        model(gn.tensor(data()[0][:10]))  # training-mode passes update the running statistics
    path = save_checkpoint(tmp_path / "bn.safetensors", model)
    gn.manual_seed(1)
    fresh = nn.Sequential(nn.Linear(6, 4), BatchNorm1d(4))
    load_checkpoint(path, fresh)
    assert fresh.state_dict()["1.num_batches_tracked"].shape == ()
    assert int(fresh.state_dict()["1.num_batches_tracked"]) == 3
    assert_same_weights(weights(fresh), weights(model))
