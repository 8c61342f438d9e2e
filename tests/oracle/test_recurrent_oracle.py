"""RNN, LSTM, GRU, their cells and Embedding against PyTorch: same weights, same outputs and gradients.

The sequence layers are compared on every combination of 1-3 layers, one or two directions, batch-first or
time-first input and with or without initial states: outputs, final states, the input's and the initial
states' gradients, and every parameter's gradient, in float64 (to 1e-12) and float32 (to 1e-5). Variable
lengths are compared with PyTorch's packed sequences.
"""

import itertools

import numpy as np
import pytest
import torch

import glassnet
from glassnet import nn

TOLERANCE = {np.float32: 2e-5, np.float64: 1e-12}
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}
LAYERS = {"RNN": (nn.RNN, torch.nn.RNN), "LSTM": (nn.LSTM, torch.nn.LSTM), "GRU": (nn.GRU, torch.nn.GRU)}
BATCH, STEPS, INPUTS, HIDDEN = 3, 5, 4, 5


def rel_error(ours, theirs) -> float:
    """max |ours - theirs| / max |theirs|: a normwise relative error, robust to entries near zero."""
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    return float(np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), 1e-30))


def assert_close(name: str, ours, theirs, dtype) -> float:
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert np.shape(ours) == theirs.shape, f"{name}: shape {np.shape(ours)}, PyTorch {theirs.shape}"
    error = rel_error(ours, theirs)
    assert error < TOLERANCE[dtype], f"{name}: relative error {error:.3g} ({np.dtype(dtype).name})"
    return error


def build_pair(kind: str, dtype, **options):
    """A PyTorch layer (default initialisation, seeded) and ours with its weights; batch first unless told."""
    options.setdefault("batch_first", True)
    ours_class, theirs_class = LAYERS[kind]
    torch.manual_seed(0)
    theirs = theirs_class(INPUTS, HIDDEN, **options).to(TORCH_DTYPE[dtype])
    ours = ours_class(INPUTS, HIDDEN, dtype=dtype, **options)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def run_both(kind, ours, theirs, x, states, upstream):
    """Forward both on x (and initial states); backward from sum(out * w_out) + sum(h_n * w_h) (+ c_n term)."""
    x_ours = glassnet.Tensor(x.copy(), requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    s_ours = [glassnet.Tensor(s.copy(), requires_grad=True) for s in states]
    s_theirs = [torch.tensor(s, requires_grad=True) for s in states]
    if kind == "LSTM":
        hx_ours, hx_theirs = (tuple(s_ours), tuple(s_theirs)) if states else (None, None)
    else:
        hx_ours, hx_theirs = (s_ours[0], s_theirs[0]) if states else (None, None)
    out_o, fin_o = ours(x_ours, hx_ours)
    out_t, fin_t = theirs(x_theirs, hx_theirs) if states else theirs(x_theirs)
    fin_o = list(fin_o) if kind == "LSTM" else [fin_o]
    fin_t = list(fin_t) if kind == "LSTM" else [fin_t]
    loss_o = (out_o * glassnet.Tensor(upstream[0])).sum()
    loss_t = (out_t * torch.from_numpy(upstream[0])).sum()
    for f_o, f_t, w in zip(fin_o, fin_t, upstream[1:]):
        loss_o = loss_o + (f_o * glassnet.Tensor(w)).sum()
        loss_t = loss_t + (f_t * torch.from_numpy(w)).sum()
    loss_o.backward()
    loss_t.backward()
    return (out_o, fin_o, x_ours, s_ours), (out_t, fin_t, x_theirs, s_theirs)


def compare(kind, ours, theirs, dtype, batch_first=True, with_states=False, seed=0) -> float:
    rng = np.random.default_rng(seed)
    directions = 2 if ours.bidirectional else 1
    shape = (BATCH, STEPS, INPUTS) if batch_first else (STEPS, BATCH, INPUTS)
    x = rng.standard_normal(shape).astype(dtype)
    state_shape = (ours.num_layers * directions, BATCH, HIDDEN)
    states = [rng.standard_normal(state_shape).astype(dtype) for _ in range(2 if kind == "LSTM" else 1)]
    out_shape = shape[:2] + (directions * HIDDEN,)
    upstream = [rng.standard_normal(out_shape).astype(dtype)]
    upstream += [rng.standard_normal(state_shape).astype(dtype) for _ in range(2 if kind == "LSTM" else 1)]
    (out_o, fin_o, x_o, s_o), (out_t, fin_t, x_t, s_t) = run_both(
        kind, ours, theirs, x, states if with_states else [], upstream
    )
    worst = assert_close("output", out_o.detach().numpy(), out_t, dtype)
    for name, f_o, f_t in zip(["h_n", "c_n"], fin_o, fin_t):
        worst = max(worst, assert_close(name, f_o.detach().numpy(), f_t, dtype))
    worst = max(worst, assert_close("input gradient", x_o.grad, x_t.grad, dtype))
    for name, a, b in zip(["h_0 gradient", "c_0 gradient"], s_o, s_t):
        worst = max(worst, assert_close(name, a.grad, b.grad, dtype))
    torch_params = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(torch_params)
    for name, p in ours.named_parameters():
        assert p.grad.dtype == dtype
        worst = max(worst, assert_close(f"gradient of {name}", p.grad, torch_params[name].grad, dtype))
    return worst


GRID = list(itertools.product(["RNN", "LSTM", "GRU"], [1, 2, 3], [False, True], [True, False], [False, True]))


@pytest.mark.parametrize(
    "kind, layers, bidirectional, batch_first, with_states",
    GRID,
    ids=[f"{k}-L{n}-{'bi' if b else 'uni'}-{'bf' if f else 'tf'}-{'h0' if s else 'zero'}" for k, n, b, f, s in GRID],
)
def test_layer_matches_pytorch_float64(kind, layers, bidirectional, batch_first, with_states):
    ours, theirs = build_pair(kind, np.float64, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    compare(kind, ours, theirs, np.float64, batch_first, with_states)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_layer_matches_pytorch_float32(kind, bidirectional):
    ours, theirs = build_pair(kind, np.float32, num_layers=2, bidirectional=bidirectional, batch_first=True)
    compare(kind, ours, theirs, np.float32, True, True)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_no_bias_and_relu(kind):
    options = {"nonlinearity": "relu"} if kind == "RNN" else {}
    ours, theirs = build_pair(kind, np.float64, num_layers=2, bidirectional=True, bias=False, **options)
    assert not any("bias" in name for name, _ in ours.named_parameters())
    compare(kind, ours, theirs, np.float64, True, True)


def test_eval_mode_ignores_dropout_like_pytorch():
    ours, theirs = build_pair("LSTM", np.float64, num_layers=3, dropout=0.5, bidirectional=True)
    ours.eval()
    theirs.eval()
    compare("LSTM", ours, theirs, np.float64, True, True)


# ------------------------------------------------------------------------------------------- lengths


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("layers, bidirectional", [(1, False), (1, True), (2, True)])
@pytest.mark.parametrize("batch_first", [True, False])
def test_lengths_match_packed_sequences(kind, layers, bidirectional, batch_first):
    """lengths= equals pack_padded_sequence -> layer -> pad_packed_sequence, gradients included."""
    dtype = np.float64
    ours, theirs = build_pair(kind, dtype, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    rng = np.random.default_rng(3)
    lengths = np.array([STEPS, 2, 4, 1])
    batch = len(lengths)
    shape = (batch, STEPS, INPUTS) if batch_first else (STEPS, batch, INPUTS)
    x = rng.standard_normal(shape)
    directions = 2 if bidirectional else 1
    state_shape = (layers * directions, batch, HIDDEN)
    h0 = rng.standard_normal(state_shape)
    upstream = rng.standard_normal(shape[:2] + (directions * HIDDEN,))
    up_h = rng.standard_normal(state_shape)

    x_t, h0_t = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    hx_t = (h0_t, torch.zeros(state_shape, dtype=torch.float64)) if kind == "LSTM" else h0_t
    packed = torch.nn.utils.rnn.pack_padded_sequence(x_t, lengths, batch_first=batch_first, enforce_sorted=False)
    out_packed, fin_t = theirs(packed, hx_t)
    out_t, _ = torch.nn.utils.rnn.pad_packed_sequence(out_packed, batch_first=batch_first, total_length=STEPS)
    h_n_t = fin_t[0] if kind == "LSTM" else fin_t
    ((out_t * torch.from_numpy(upstream)).sum() + (h_n_t * torch.from_numpy(up_h)).sum()).backward()

    x_o, h0_o = glassnet.Tensor(x.copy(), requires_grad=True), glassnet.Tensor(h0.copy(), requires_grad=True)
    hx_o = (h0_o, None) if kind == "LSTM" else h0_o
    out_o, fin_o = ours(x_o, hx_o, lengths=lengths)
    h_n_o = fin_o[0] if kind == "LSTM" else fin_o
    ((out_o * glassnet.Tensor(upstream)).sum() + (h_n_o * glassnet.Tensor(up_h)).sum()).backward()

    assert_close("output", out_o.detach().numpy(), out_t, dtype)
    assert_close("h_n", h_n_o.detach().numpy(), h_n_t, dtype)
    if kind == "LSTM":
        assert_close("c_n", fin_o[1].detach().numpy(), fin_t[1], dtype)
    assert_close("input gradient", x_o.grad, x_t.grad, dtype)
    assert_close("h_0 gradient", h0_o.grad, h0_t.grad, dtype)
    torch_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(f"gradient of {name}", p.grad, torch_params[name].grad, dtype)


# ------------------------------------------------------------------------- reference path, gate records


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_reference_path_matches_pytorch(kind):
    """``fused = False`` (the composite cells through autograd), two layers, both directions, initial states."""
    ours, theirs = build_pair(kind, np.float64, num_layers=2, bidirectional=True)
    ours.fused = False
    compare(kind, ours, theirs, np.float64, True, True)


def torch_gates(kind: str, theirs, x, output) -> dict:
    """Each direction's gates from PyTorch's weights and its states h_{t-1}, read off its output: (B, T, 2H) each."""
    batch, steps, _ = x.shape
    per_direction = []
    for d, suffix in enumerate(("", "_reverse")):
        w_ih, w_hh, b_ih, b_hh = (
            getattr(theirs, f"{n}_l0{suffix}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )
        h_by_time = output[:, :, d * HIDDEN : (d + 1) * HIDDEN]
        zeros = torch.zeros(batch, HIDDEN, dtype=x.dtype)
        c, gates = zeros, {}
        for t in range(steps) if d == 0 else reversed(range(steps)):
            previous = t - 1 if d == 0 else t + 1
            h = zeros if previous in (-1, steps) else h_by_time[:, previous]
            a_x, a_h = x[:, t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
            if kind == "LSTM":
                i, f, g, o = (a_x + a_h).chunk(4, dim=1)
                i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
                c = f * c + i * g
                step = {"i": i, "f": f, "g": g, "o": o, "c": c}
            else:
                (x_r, x_z, x_n), (h_r, h_z, h_n) = a_x.chunk(3, dim=1), a_h.chunk(3, dim=1)
                r = (x_r + h_r).sigmoid()
                step = {"r": r, "z": (x_z + h_z).sigmoid(), "n": (x_n + r * h_n).tanh()}
            for name, value in step.items():
                gates.setdefault(name, [None] * steps)[t] = value
        per_direction.append({name: torch.stack(values, dim=1) for name, values in gates.items()})
    return {name: torch.cat([p[name] for p in per_direction], dim=2).numpy() for name in per_direction[0]}


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_recorded_gates_match_pytorch(kind):
    """The fused kernel's gate records against the gates PyTorch's own states imply, both directions."""
    ours, theirs = build_pair(kind, np.float64, bidirectional=True)
    ours.record_gates = True
    x = np.random.default_rng(2).standard_normal((BATCH, STEPS, INPUTS))
    ours(glassnet.tensor(x))
    with torch.no_grad():
        x_t = torch.from_numpy(x)
        expected = torch_gates(kind, theirs, x_t, theirs(x_t)[0])
    (record,) = ours.gates
    assert record._fields == tuple(expected)
    for name, value in zip(record._fields, record):
        assert_close(f"gate {name}", value, expected[name], np.float64)


# --------------------------------------------------------------------------------------------- cells


CELLS = {"RNNCell": (nn.RNNCell, torch.nn.RNNCell), "LSTMCell": (nn.LSTMCell, torch.nn.LSTMCell),
         "GRUCell": (nn.GRUCell, torch.nn.GRUCell)}  # fmt: skip


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_cells_match_pytorch(kind, dtype):
    ours_class, theirs_class = CELLS[kind]
    torch.manual_seed(0)
    theirs = theirs_class(INPUTS, HIDDEN).to(TORCH_DTYPE[dtype])
    ours = ours_class(INPUTS, HIDDEN, dtype=dtype)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(1)
    x = rng.standard_normal((BATCH, INPUTS)).astype(dtype)
    states = [rng.standard_normal((BATCH, HIDDEN)).astype(dtype) for _ in range(2 if kind == "LSTMCell" else 1)]
    x_o, x_t = glassnet.Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    s_o = [glassnet.Tensor(s.copy(), requires_grad=True) for s in states]
    s_t = [torch.tensor(s, requires_grad=True) for s in states]
    out_o = ours(x_o, tuple(s_o) if kind == "LSTMCell" else s_o[0])
    out_t = theirs(x_t, tuple(s_t) if kind == "LSTMCell" else s_t[0])
    out_o = out_o if kind == "LSTMCell" else (out_o,)
    out_t = out_t if kind == "LSTMCell" else (out_t,)
    weights = [rng.standard_normal((BATCH, HIDDEN)).astype(dtype) for _ in out_o]
    sum((o * glassnet.Tensor(w)).sum() for o, w in zip(out_o, weights)).backward()
    sum((o * torch.from_numpy(w)).sum() for o, w in zip(out_t, weights)).backward()
    for name, o, t in zip(["h'", "c'"], out_o, out_t):
        assert_close(name, o.numpy(), t, dtype)
    assert_close("input gradient", x_o.grad, x_t.grad, dtype)
    for o, t in zip(s_o, s_t):
        assert_close("state gradient", o.grad, t.grad, dtype)
    torch_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(f"gradient of {name}", p.grad, torch_params[name].grad, dtype)


# ----------------------------------------------------------------------------------------- embedding


@pytest.mark.parametrize("padding_idx", [None, 0, -1])
def test_embedding_matches_pytorch(padding_idx):
    torch.manual_seed(0)
    theirs = torch.nn.Embedding(7, 3, padding_idx=padding_idx).double()
    ours = nn.Embedding(7, 3, padding_idx=padding_idx, dtype=np.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    tokens = np.array([[0, 3, 3, 6], [1, 6, 0, 3]])  # repeats: the gradient must accumulate
    upstream = np.random.default_rng(0).standard_normal((2, 4, 3))
    out_o, out_t = ours(tokens), theirs(torch.from_numpy(tokens))
    (out_o * glassnet.Tensor(upstream)).sum().backward()
    (out_t * torch.from_numpy(upstream)).sum().backward()
    assert_close("output", out_o.detach().numpy(), out_t, np.float64)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-14, atol=1e-14)
    if padding_idx is not None:
        assert not ours.weight.grad[padding_idx].any()


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_default_layout_is_time_first_as_in_pytorch(kind):
    """A PyTorch program's (T, B, F) input at default settings: the same output, never a silent transpose."""
    ours_cls, theirs_cls = LAYERS[kind]
    torch.manual_seed(0)
    theirs = theirs_cls(INPUTS, HIDDEN).double()
    ours = ours_cls(INPUTS, HIDDEN, dtype=np.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert ours.batch_first is False
    x = np.random.default_rng(0).standard_normal((STEPS, BATCH, INPUTS))  # (T, B, F)
    out, state = ours(glassnet.tensor(x))
    out_t, state_t = theirs(torch.from_numpy(x))
    assert_close("output", out.numpy(), out_t, np.float64)
    for name, a, b in zip(
        ("h_n", "c_n"), state if kind == "LSTM" else (state,), state_t if kind == "LSTM" else (state_t,)
    ):
        assert_close(name, a.numpy(), b, np.float64)
