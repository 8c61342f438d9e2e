"""Anomaly mode: the first op whose forward or backward makes NaN or inf is named, with the line that created it."""

import contextlib
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet.autograd import is_anomaly_enabled


def next_line() -> str:
    """The caller's file and next line as the anomaly message spells them: the op under test is created there."""
    frame = sys._getframe(1)
    return f'"{frame.f_code.co_filename}", line {frame.f_lineno + 1}'


def leaf(values, dtype=np.float64):
    return gn.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ----------------------------------------------------------------------------- forward
@pytest.mark.parametrize("value, bad", [(-1.0, "1 NaN and 0 inf"), (0.0, "0 NaN and 1 inf")])
def test_log_of_negative_or_zero_is_named_in_forward_with_its_line(value, bad):
    x = leaf([[1.0, value, 2.0], [3.0, 4.0, 5.0]])
    with gn.detect_anomaly(), pytest.raises(gn.AnomalyError) as caught:
        y = x * 2.0
        site = next_line()
        y.log()
    message = str(caught.value)
    assert message.startswith(f"Log forward: its output holds {bad} of 6 values")
    assert f"op created at {site}, in {test_log_of_negative_or_zero_is_named_in_forward_with_its_line.__name__}" in (
        message
    )
    assert message.endswith("input shapes: (2, 3)")


def test_forward_site_is_the_user_line_not_the_layer_inside_glassnet():
    """Linear's op is created in glassnet.nn; the site reported is the line that called the layer."""
    layer = gn.nn.Linear(3, 2)
    layer.weight.data[0, 1] = np.inf
    x = gn.tensor(np.array([[1.0, -1.0, 0.5]], dtype=np.float32))
    with gn.detect_anomaly(), pytest.raises(gn.AnomalyError, match=r"^Linear forward: its output holds") as caught:
        site = next_line()
        layer(x)
    assert f"op created at {site}" in str(caught.value)
    assert "input shapes: (1, 3), (2, 3), (2,)" in str(caught.value)


def test_python_scalar_inputs_are_described_by_type():
    x = leaf([0.0, 1.0])
    with gn.detect_anomaly(), pytest.raises(gn.AnomalyError, match=r"^Div forward: .* input shapes: float, \(2,\)$"):
        1.0 / x


# ----------------------------------------------------------------------------- backward
def test_sqrt_at_zero_is_named_in_backward_with_its_line():
    """sqrt(0) = 0 is finite; its gradient 1 / (2 sqrt 0) is inf. The sum after it is not blamed."""
    x = leaf([4.0, 0.0, 1.0])
    with gn.detect_anomaly():
        site = next_line()
        root = x.sqrt()
        loss = root.sum()
        with pytest.raises(gn.AnomalyError) as caught:
            loss.backward()
    message = str(caught.value)
    assert message.startswith("Sqrt backward: the gradient of input 0 holds 0 NaN and 1 inf of 3 values")
    assert f"op created at {site}" in message


def test_zero_times_inf_in_backward_is_a_nan_named_at_the_right_op():
    """y = 0 * sqrt(x) at x = 0: forward 0, Mul's backward sends 0 to sqrt, whose backward makes 0 / 0 = NaN."""
    x = leaf([0.0, 1.0])
    with gn.detect_anomaly():
        site = next_line()
        root = x.sqrt()
        loss = (root * 0.0).sum()
        with pytest.raises(gn.AnomalyError) as caught:
            loss.backward()
    assert str(caught.value).startswith("Sqrt backward: the gradient of input 0 holds 1 NaN and 0 inf of 2 values")
    assert f"op created at {site}" in str(caught.value)
    assert x.grad is None  # raised before anything reached the leaf


def test_backward_of_a_graph_built_outside_the_mode_says_its_site_is_unknown():
    x = leaf([0.0, 1.0])
    loss = x.sqrt().sum()
    with gn.detect_anomaly(), pytest.raises(gn.AnomalyError, match=r"Sqrt backward: .* unknown site"):
        loss.backward()


def test_outside_the_mode_non_finite_values_pass_silently_to_numpy():
    x = leaf([0.0, 1.0])
    with np.errstate(divide="ignore"):
        y = x.log()
        y.sum().backward()
    assert np.isneginf(y.numpy()[0]) and np.isinf(x.grad[0])


# ----------------------------------------------------------------------------- no false alarm
def training_step(model, optimizer, x, y) -> float:
    optimizer.zero_grad()
    loss = gn.F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def test_no_false_alarm_over_training_steps_and_same_numbers():
    """Several SGD steps of a small MLP with every common op: identical losses and weights with the mode on."""
    rng = np.random.default_rng(0)
    x = gn.tensor(rng.standard_normal((16, 5)).astype(np.float32))
    y = rng.integers(0, 3, 16)
    runs = []
    for anomaly in (False, True):
        gn.manual_seed(0)
        model = gn.nn.Sequential(gn.nn.Linear(5, 8), gn.nn.Tanh(), gn.nn.Linear(8, 8), gn.nn.ReLU(), gn.nn.Linear(8, 3))
        optimizer = gn.optim.Adam(model.parameters(), lr=0.01)
        with gn.detect_anomaly() if anomaly else contextlib.nullcontext():
            losses = [training_step(model, optimizer, x, y) for _ in range(5)]
        runs.append((losses, [p.numpy().copy() for p in model.parameters()]))
    (losses_off, weights_off), (losses_on, weights_on) = runs
    assert losses_on == losses_off and losses_on[-1] < losses_on[0]
    for off, on in zip(weights_off, weights_on):
        np.testing.assert_array_equal(on, off)


# ----------------------------------------------------------------------------- state
def test_state_is_restored_after_an_anomaly_and_after_any_exception():
    assert not is_anomaly_enabled()
    with pytest.raises(gn.AnomalyError), gn.detect_anomaly():
        assert is_anomaly_enabled()
        leaf([-1.0]).log()
    assert not is_anomaly_enabled()
    with pytest.raises(KeyError), gn.detect_anomaly():
        raise KeyError("unrelated")
    assert not is_anomaly_enabled()


def test_nested_use_restores_the_outer_state():
    with gn.detect_anomaly():
        with gn.detect_anomaly():
            assert is_anomaly_enabled()
        assert is_anomaly_enabled()
        with gn.no_grad():
            assert is_anomaly_enabled() and not gn.is_grad_enabled()
        assert gn.is_grad_enabled()
    assert not is_anomaly_enabled()


def test_decorator_turns_the_mode_on_for_the_call_only():
    @gn.detect_anomaly()
    def log_of(values):
        assert is_anomaly_enabled()
        return leaf(values).log()

    assert log_of([2.0]).item() == pytest.approx(np.log(2.0))
    assert not is_anomaly_enabled()
    with pytest.raises(gn.AnomalyError, match="Log forward"):
        log_of([-2.0])
    assert not is_anomaly_enabled()
