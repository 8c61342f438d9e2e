"""diagnostics: gradient flow, activation statistics, dead and saturated units, their plots, and clean hooks."""

import gc
import weakref

import numpy as np
import pytest
from matplotlib.figure import Figure

import glassnet as gn
from glassnet import nn
from glassnet.data import load_digits
from glassnet.diagnostics import (
    ActivationStats,
    GradientFlow,
    dead_relu_fraction,
    plot_activation_stats,
    plot_dead_units,
    plot_gradient_flow,
    register_output_grad_hook,
    saturated_fraction,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def deep_mlp(activation, depth=10, width=64, seed=0):
    """64 -> width x (depth - 1) -> 10; He normal weights for ReLU, Glorot normal for sigmoid; zero biases."""
    rng = np.random.default_rng(seed)
    sizes = [64] + [width] * (depth - 1) + [10]
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out, rng=rng)
        if activation == "relu":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", rng=rng)
        else:
            nn.init.xavier_normal_(linear.weight, rng=rng)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < depth - 1:
            layers.append(nn.ReLU() if activation == "relu" else nn.Sigmoid())
    return nn.Sequential(*layers)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    order = np.random.default_rng(0).permutation(len(X))
    return X[order] / 16.0, y[order]


def small_mlp(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Linear(5, 7, rng=rng), nn.Tanh(), nn.Linear(7, 6, rng=rng), nn.ReLU(), nn.Linear(6, 3, rng=rng)
    )


def batch(seed=1, n=16):
    rng = np.random.default_rng(seed)
    return gn.tensor(rng.standard_normal((n, 5)).astype(np.float32)), rng.integers(0, 3, n)


def hook_counts(model):
    """Every forward hook on every module and every backward hook on every parameter."""
    forward = sum(len(m._forward_hooks) for m in model.modules())
    backward = sum(len(p._hooks or ()) for p in model.parameters())
    return forward, backward


def png_ok(path):
    data = path.read_bytes()
    return data[:8] == PNG_SIGNATURE and len(data) > 5000


# ----------------------------------------------------------------------------- acceptance
def test_deep_sigmoid_gradients_vanish_next_to_relu_with_he_init(digits, tmp_path):
    X, y = digits
    loss_fn = nn.CrossEntropyLoss()
    flows = {}
    for activation in ("sigmoid", "relu"):
        model = deep_mlp(activation)
        with GradientFlow(model) as flow:
            for b in range(3):
                xb, yb = X[b * 128 : (b + 1) * 128], y[b * 128 : (b + 1) * 128]
                model.zero_grad()
                loss_fn(model(gn.tensor(xb)), yb).backward()
        flows[activation] = flow
        assert [len(v) for v in flow.norms.values()] == [3] * 10

    first = {a: np.mean(f.norms["0.weight"]) for a, f in flows.items()}
    ratio = first["relu"] / first["sigmoid"]
    print(f"first-layer ||dL/dW||: sigmoid {first['sigmoid']:.3e}, relu {first['relu']:.3e}, ratio {ratio:.3e}")
    assert ratio >= 100, f"ReLU/sigmoid first-layer gradient-norm ratio is only {ratio:.3g}"

    # The sigmoid profile shrinks at every layer on the way to the input; the ReLU one stays within 10x.
    sigmoid_profile = [np.mean(v) for v in flows["sigmoid"].norms.values()]
    relu_profile = [np.mean(v) for v in flows["relu"].norms.values()]
    assert all(np.diff(sigmoid_profile) > 0)
    assert max(relu_profile) / min(relu_profile) < 10

    path = tmp_path / "gradient_flow.png"
    fig = plot_gradient_flow(flows, title="10 layers", path=path)
    assert isinstance(fig, Figure)
    assert png_ok(path)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["sigmoid", "relu"]


# ----------------------------------------------------------------------------- gradient flow
def test_gradient_flow_records_the_norm_of_each_weight_gradient():
    model, (x, y) = small_mlp(), batch()
    with GradientFlow(model) as flow:
        nn.CrossEntropyLoss()(model(x), y).backward()
    assert list(flow.norms) == ["0.weight", "2.weight", "4.weight"]
    for name, param in model.named_parameters():
        if name.endswith("weight"):
            np.testing.assert_allclose(flow.norms[name], [np.linalg.norm(param.grad)], rtol=1e-6)


def test_gradient_flow_records_each_step_even_when_grads_accumulate():
    model, loss_fn = small_mlp(), nn.CrossEntropyLoss()
    flow = GradientFlow(model, param_names=None)
    assert len(flow.norms) == 6
    x1, y1 = batch(1)
    x2, y2 = batch(2)
    loss_fn(model(x1), y1).backward()
    first = {name: p.grad.numpy().copy() for name, p in model.named_parameters()}
    loss_fn(model(x2), y2).backward()  # no zero_grad: .grad now holds the sum of both steps
    for name, param in model.named_parameters():
        expected = [np.linalg.norm(first[name]), np.linalg.norm(param.grad - first[name])]
        np.testing.assert_allclose(flow.norms[name], expected, rtol=1e-5)
    flow.reset()
    assert all(v == [] for v in flow.norms.values())
    flow.remove()


def test_gradient_flow_sums_the_uses_of_a_shared_parameter():
    rng = np.random.default_rng(0)
    shared = nn.Linear(4, 4, rng=rng)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    x = gn.tensor(rng.standard_normal((8, 4)).astype(np.float32))
    with GradientFlow(model) as flow:
        (model(x) ** 2).sum().backward()
    assert list(flow.norms) == ["0.weight"]
    np.testing.assert_allclose(flow.norms["0.weight"], [np.linalg.norm(shared.weight.grad)], rtol=1e-6)


def test_gradient_flow_output_norms_equal_the_gradient_at_each_output():
    model, (x, y) = small_mlp(), batch()
    with GradientFlow(model, track_outputs=(nn.Linear,)) as flow:
        h0 = model[0](x)
        h0.retain_grad()
        a0 = model[1](h0)
        h2 = model[2](a0)
        h2.retain_grad()
        logits = model[4](model[3](h2))
        logits.retain_grad()
        nn.CrossEntropyLoss()(logits, y).backward()
    assert list(flow.output_norms) == ["0", "2", "4"]
    for name, h in (("0", h0), ("2", h2), ("4", logits)):
        np.testing.assert_allclose(flow.output_norms[name], [np.linalg.norm(h.grad)], rtol=1e-6)
    assert "2 (output)" in flow.summary() and "0.weight" in flow.summary()


def test_gradient_flow_on_a_bare_layer_with_one_parameter_name_and_one_output_type():
    rng = np.random.default_rng(0)
    layer = nn.Linear(5, 3, rng=rng)
    x = gn.tensor(rng.standard_normal((4, 5)).astype(np.float32))
    with GradientFlow(layer, param_names="bias", track_outputs=nn.Linear) as flow:
        out = layer(x)
        out.retain_grad()
        (out**2).sum().backward()
    assert list(flow.norms) == ["bias"] and list(flow.output_norms) == [""]
    np.testing.assert_allclose(flow.norms["bias"], [np.linalg.norm(layer.bias.grad)], rtol=1e-6)
    np.testing.assert_allclose(flow.output_norms[""], [np.linalg.norm(2 * out.numpy())], rtol=1e-6)


def test_gradient_flow_removes_every_hook_and_changes_nothing():
    model, (x, y) = small_mlp(), batch()
    loss_fn = nn.CrossEntropyLoss()
    before = hook_counts(model)
    out_plain = model(x).numpy().copy()
    loss_fn(model(x), y).backward()
    grads_plain = [p.grad.numpy().copy() for p in model.parameters()]
    for _ in range(3):  # attach and detach repeatedly: nothing piles up
        model.zero_grad()
        with GradientFlow(model, param_names=None, track_outputs=True) as flow, ActivationStats(model):
            assert hook_counts(model) != before
            out = model(x)
            np.testing.assert_array_equal(out.numpy(), out_plain)
            loss_fn(out, y).backward()
        for p, g in zip(model.parameters(), grads_plain):
            np.testing.assert_array_equal(p.grad, g)
        assert hook_counts(model) == before
    np.testing.assert_array_equal(model(x).numpy(), out_plain)
    assert "attached=False" in repr(flow)


def test_gradient_flow_ignores_a_graph_that_outlives_its_removal():
    model, (x, y) = small_mlp(), batch()
    flow = GradientFlow(model, track_outputs=True)
    loss = nn.CrossEntropyLoss()(model(x), y)  # output hooks already sit on this graph
    flow.remove()
    loss.backward()
    assert all(v == [] for v in flow.norms.values())
    assert all(v == [] for v in flow.output_norms.values())


def test_records_are_floats_and_no_graph_is_kept_alive():
    model, (x, y) = small_mlp(), batch()
    with GradientFlow(model, track_outputs=True) as flow, ActivationStats(model) as stats:
        out = model(x)
        ref = weakref.ref(out)
        nn.CrossEntropyLoss()(out, y).backward()
        del out
        gc.collect()
        assert ref() is None
    for records in (flow.norms, flow.output_norms, stats.means, stats.stds):
        assert all(type(v) is float for values in records.values() for v in values)
        assert all(len(values) == 1 for values in records.values())
    assert all(type(v) is float for v in stats.dead_fraction().values())
    assert all(type(v) is float for v in stats.saturation_fraction().values())


def test_hook_helpers_return_removable_handles():
    model, (x, y) = small_mlp(), batch()
    seen = []
    h1 = model[0].weight.register_hook(lambda g: seen.append(("w", g.shape)))
    h2 = register_output_grad_hook(model[2], lambda m, g: seen.append((type(m).__name__, g.shape)))
    nn.CrossEntropyLoss()(model(x), y).backward()
    assert sorted(seen) == [("Linear", (16, 6)), ("w", (7, 5))]
    h1.remove()
    h2.remove()
    h1.remove()  # twice is harmless
    assert hook_counts(model) == (0, 0)


# ----------------------------------------------------------------------------- activations
def test_activation_mean_and_std_equal_numpy_on_the_recorded_outputs():
    model = small_mlp()
    captured = {"1": [], "3": []}
    handles = [
        model[i].register_forward_hook(lambda m, i, o, k=str(i): captured[k].append(o.numpy().copy())) for i in (1, 3)
    ]
    with ActivationStats(model) as stats:
        for seed in (1, 2, 3):
            model(batch(seed)[0])
    for h in handles:
        h.remove()
    assert stats.kinds == {"1": "tanh", "3": "relu"}
    for name, outputs in captured.items():
        np.testing.assert_allclose(stats.means[name], [o.mean() for o in outputs], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(stats.stds[name], [o.std() for o in outputs], rtol=1e-5)
    assert "tanh" in stats.summary()


def test_linear_with_very_negative_biases_has_exactly_those_units_dead():
    rng = np.random.default_rng(0)
    layer = nn.Linear(8, 10, rng=rng)
    layer.bias.data[:] = 1.0
    layer.bias.data[[1, 4, 5, 9]] = -100.0  # |x W^T| <= 8 * 0.36 * 3 < 100: these four never fire
    model = nn.Sequential(layer, nn.ReLU())
    with ActivationStats(model) as stats:
        for seed in (1, 2):
            out = model(gn.tensor(rng.uniform(-3, 3, (32, 8)).astype(np.float32)))
    assert stats.dead_fraction() == {"1": 0.4}
    assert dead_relu_fraction(out) == 0.4
    assert dead_relu_fraction(out.numpy()) == 0.4


def test_a_unit_active_in_any_batch_is_not_dead():
    stats = ActivationStats(nn.Sequential(nn.ReLU()))
    model = stats.model
    x = -np.ones((4, 5), np.float32)
    x[:, 0] = 1.0
    model(gn.tensor(x))
    assert stats.dead_fraction() == {"0": 0.8}
    x[:, 0] = -1.0  # unit 0 is silent in the second batch but fired in the first: not dead
    x[2, 3] = 0.5  # unit 3 fires once, in one sample of the second batch
    model(gn.tensor(x))
    assert stats.dead_fraction() == {"0": 0.6}
    stats.reset()
    assert stats.dead_fraction() == {}
    stats.remove()


def test_dead_units_of_images_are_channels_and_of_sequences_features():
    images = np.ones((2, 3, 4, 4), np.float32)
    images[:, 1] = 0.0
    images[1, 2, 3, 3] = 0.0  # one zero pixel does not kill a channel
    assert dead_relu_fraction(images) == pytest.approx(1 / 3)
    assert dead_relu_fraction(images.transpose(0, 2, 3, 1), unit_axis=3) == pytest.approx(1 / 3)  # not contiguous
    sequences = np.zeros((2, 5, 4), np.float32)
    sequences[0, 4, 0] = sequences[1, 0, 3] = 2.0
    assert dead_relu_fraction(sequences, unit_axis=-1) == 0.5
    with pytest.raises(ValueError, match="batch axis"):
        dead_relu_fraction(images, unit_axis=0)


def test_saturated_fraction_of_known_sigmoid_and_tanh_outputs():
    # sigmoid(-5) = 0.0067 and sigmoid(5) = 0.9933 are saturated; sigmoid(4.5) = 0.9890 is not
    x = np.array([[-10.0, -5.0, -1.0, 0.0, 4.5, 5.0, 10.0, 2.0]], np.float32)
    # tanh(2.5) = 0.9866 is not saturated; tanh(2.7) = 0.9910 and tanh(-3) = -0.9951 are
    t = np.array([[-3.0, -2.5, 0.0, 0.5, 2.7, 2.5]], np.float32)
    sig, tan = 1 / (1 + np.exp(-x)), np.tanh(t)
    assert saturated_fraction(sig, "sigmoid") == 4 / 8
    assert saturated_fraction(tan, "tanh") == 2 / 6
    assert saturated_fraction(gn.tensor(sig), "sigmoid", eps=0.001) == 2 / 8  # only +-10 are that close
    model = nn.Sequential(nn.Sigmoid(), nn.Linear(8, 6), nn.Tanh())
    with ActivationStats(model) as stats:
        model[0](gn.tensor(np.concatenate([x, x])))
        model[2](gn.tensor(t))
    assert stats.saturation_fraction() == {"0": 0.5, "2": 2 / 6}
    assert stats.dead_fraction() == {}
    with pytest.raises(ValueError, match="kind"):
        saturated_fraction(sig, "relu")
    with pytest.raises(ValueError, match="eps"):
        ActivationStats(model, eps=0.7)


def test_deep_relu_mlp_dead_units_and_sigmoid_saturation_on_digits(digits):
    X, _ = digits
    relu, sigmoid = deep_mlp("relu"), deep_mlp("sigmoid")
    with ActivationStats(relu) as relu_stats, ActivationStats(sigmoid) as sigmoid_stats:
        with gn.no_grad():
            relu(gn.tensor(X[:256]))
            sigmoid(gn.tensor(X[:256]))
    dead = relu_stats.dead_fraction()
    assert list(dead) == [str(i) for i in range(1, 18, 2)]
    # cross-check each layer's dead fraction against a forward by hand, layer by layer
    h = X[:256]
    for i, module in enumerate(relu):
        h = module(gn.tensor(h)).numpy()
        if str(i) in dead:
            assert dead[str(i)] == float((h.max(axis=0) <= 0).mean())
    assert set(sigmoid_stats.saturation_fraction()) == set(dead)


# ----------------------------------------------------------------------------- plots
def test_plots_write_png_files(digits, tmp_path):
    X, _ = digits
    relu, tanh = deep_mlp("relu", depth=4), deep_mlp("relu", depth=4)
    tanh_layers = [nn.Tanh() if isinstance(m, nn.ReLU) else m for m in tanh]
    tanh = nn.Sequential(*tanh_layers)
    with ActivationStats(relu) as a, ActivationStats(tanh) as b:
        relu(gn.tensor(X[:64]))
        tanh(gn.tensor(X[:64]))
    figures = {
        "stats.png": plot_activation_stats(a, path=tmp_path / "stats.png"),
        "stats_both.png": plot_activation_stats({"relu": a, "tanh": b}, path=tmp_path / "stats_both.png"),
        "dead.png": plot_dead_units(a, path=tmp_path / "dead.png"),
        "dead_both.png": plot_dead_units({"relu": a, "other": {"1": 0.25, "3": 0.0}}, path=tmp_path / "dead_both.png"),
        "saturated.png": plot_dead_units(b.saturation_fraction(), title="saturated", path=tmp_path / "saturated.png"),
        "flow_zero.png": plot_gradient_flow({"0": [0.0, 1e-3], "1": 0.0, "2": [2.0]}, path=tmp_path / "flow_zero.png"),
    }
    for name, fig in figures.items():
        assert isinstance(fig, Figure)
        assert png_ok(tmp_path / name), name
    assert len(figures["stats_both.png"].axes) == 2
    assert plot_gradient_flow({"a": 1.0}).axes[0].get_yscale() == "log"
    with pytest.raises(TypeError, match="ActivationStats"):
        plot_activation_stats({"x": {"1": 0.5}})
