"""Recurrent layers: the fused kernels against the reference path, gate records, gradchecks, lengths, truncated BPTT.

Also the contracts, the final-state routing of the kernels and their memory reuse. PyTorch appears here only
through the layer contract; the oracle comparisons live in tests/oracle/test_recurrent_oracle.py.
"""

import numpy as np
import pytest
import torch

import glassnet
from contract import check_layer_contract
from glassnet import F, nn
from glassnet.gradcheck import gradcheck
from glassnet.ops import recurrent
from glassnet.ops.recurrent import gru_sequence, lstm_sequence, rnn_sequence
from glassnet.tensor import Tensor
from glassnet.train.tbptt import detach_state, fit_tbptt, tbptt_step

GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def make_params(kind: str, inputs: int, hidden: int, directions: int, rng, bias: bool = True) -> list:
    rows = GATES[kind] * hidden
    params = []
    for _ in range(directions):
        params += [rng.uniform(-0.6, 0.6, (rows, inputs)), rng.uniform(-0.6, 0.6, (rows, hidden))]
        params += [rng.uniform(-0.6, 0.6, rows) if bias else None for _ in range(2)]
    return [None if p is None else Tensor(p, requires_grad=True) for p in params]


def kernel(kind: str, x, h0, c0, params, lengths=None, batch_first=True) -> tuple:
    """The fused kernel: (output, h_n, c_n or None)."""
    if kind == "lstm":
        return lstm_sequence(x, h0, c0, params, batch_first, lengths)
    if kind == "gru":
        return (*gru_sequence(x, h0, params, batch_first, lengths), None)
    return (*rnn_sequence(x, h0, params, batch_first, lengths, kind[4:]), None)


def weighted_loss(output, h_n, c_n, rng):
    loss = (output * Tensor(rng.standard_normal(output.shape))).sum()
    loss = loss + (h_n * Tensor(rng.standard_normal(h_n.shape))).sum()
    return loss if c_n is None else loss + (c_n * Tensor(rng.standard_normal(c_n.shape))).sum()


def gradients(tensors) -> list:
    return [None if t is None else np.array(t.grad) for t in tensors]


LAYERS = {"rnn_tanh": nn.RNN, "rnn_relu": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _case_id(kind, directions, lengths, batch_first) -> str:
    layout = "bf" if batch_first else "tf"
    return f"{kind}-{'bi' if directions == 2 else 'uni'}-{'lengths' if lengths else 'full'}-{layout}"


REFERENCE_CASES = [
    (kind, directions, lengths, batch_first)
    for kind in LAYERS
    for directions in (1, 2)
    for lengths, batch_first in ((None, True), ([4, 1, 3], False))
]


def make_layer(kind: str, directions: int, batch_first: bool, **options):
    extra = {"nonlinearity": kind[4:]} if kind.startswith("rnn") else {}
    return LAYERS[kind](3, 4, num_layers=2, bidirectional=directions == 2, batch_first=batch_first,
                        dtype=np.float64, rng=np.random.default_rng(0), **extra, **options)  # fmt: skip


def run_layer(layer, x, hx, lengths, upstream_seed: int = 1):
    """Forward, then backward from a random weighting of the output and every final state: (values, grads)."""
    for leaf in [x, *(hx if isinstance(hx, tuple) else (hx,)), *layer.parameters()]:
        leaf.grad = None
    output, state = layer(x, hx, lengths=lengths)
    h_n, c_n = state if isinstance(state, tuple) else (state, None)
    weighted_loss(output, h_n, c_n, np.random.default_rng(upstream_seed)).backward()
    values = [output.numpy(), h_n.numpy()] + ([] if c_n is None else [c_n.numpy()])
    leaves = [x, *(hx if isinstance(hx, tuple) else (hx,)), *layer.parameters()]
    return values, gradients(leaves)


@pytest.mark.parametrize(
    "kind, directions, lengths, batch_first",
    REFERENCE_CASES,
    ids=[_case_id(*case) for case in REFERENCE_CASES],
)
def test_fused_kernel_equals_the_reference_path(kind, directions, lengths, batch_first):
    """Two layers, dropout between them: the kernels and the cells through autograd agree on values and gradients."""
    rng = np.random.default_rng(0)
    layer = make_layer(kind, directions, batch_first, dropout=0.3)
    batch, steps = 3, 4
    x = Tensor(rng.standard_normal((batch, steps, 3) if batch_first else (steps, batch, 3)), requires_grad=True)
    states = [Tensor(rng.standard_normal((2 * directions, batch, 4)), requires_grad=True)
              for _ in range(2 if kind == "lstm" else 1)]  # fmt: skip
    hx = tuple(states) if kind == "lstm" else states[0]
    lengths = None if lengths is None else np.array(lengths)
    results = []
    for fused in (True, False):
        layer.fused, layer.rng = fused, np.random.default_rng(5)  # the same dropout masks
        results.append(run_layer(layer, x, hx, lengths))
    (values_k, grads_k), (values_r, grads_r) = results
    for a, b in zip(values_k, values_r):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    for i, (a, b) in enumerate(zip(grads_k, grads_r)):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12, err_msg=f"gradient of leaf {i}")


def test_reference_path_runs_float32_and_unbatched():
    """The reference path keeps the layer's dtype, and takes what the fused path takes."""
    lstm = nn.LSTM(3, 4, bidirectional=True, rng=np.random.default_rng(0))
    x = glassnet.randn(5, 3)
    fused_out, (fused_h, _) = lstm(x)
    lstm.fused = False
    out, (h, c) = lstm(x)
    assert out.dtype == h.dtype == c.dtype == np.float32 and out.shape == (5, 8) and h.shape == (2, 4)
    np.testing.assert_allclose(out.numpy(), fused_out.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.numpy(), fused_h.numpy(), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------------ gate records


GATE_CASES = [
    (kind, directions, lengths, batch_first)
    for kind in LAYERS
    for directions in (1, 2)
    for lengths in (None, [4, 1, 3])
    for batch_first in (True, False)
]


@pytest.mark.parametrize(
    "kind, directions, lengths, batch_first",
    GATE_CASES,
    ids=[_case_id(*case) for case in GATE_CASES],
)
def test_recorded_gates_equal_the_reference_path(kind, directions, lengths, batch_first):
    """Every layer's gates from the fused kernel equal those of the cells, in the output's layout, zero on padding."""
    rng = np.random.default_rng(1)
    layer = make_layer(kind, directions, batch_first)
    x = Tensor(rng.standard_normal((3, 4, 3) if batch_first else (4, 3, 3)))
    lengths = None if lengths is None else np.array(lengths)
    layer.record_gates = True
    records = []
    for fused in (True, False):
        layer.fused = fused
        output, _ = layer(x, lengths=lengths)
        records.append(layer.gates)
    fields = {"lstm": ("i", "f", "g", "o", "c"), "gru": ("r", "z", "n")}.get(kind, ("a",))
    assert len(records[0]) == len(records[1]) == 2  # one record per layer
    for fused_record, reference_record in zip(*records):
        assert fused_record._fields == reference_record._fields == fields
        for name, ours, expected in zip(fields, fused_record, reference_record):
            assert ours.shape == output.shape, name
            np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-13, err_msg=name)
    last = records[0][-1]
    if kind == "lstm":  # the last layer's output is o * tanh(c), padding included (both zero there)
        np.testing.assert_allclose(output.numpy(), last.o * np.tanh(last.c), rtol=1e-12, atol=1e-14)
    if kind == "rnn_tanh":
        np.testing.assert_allclose(output.numpy(), np.tanh(last.a), rtol=1e-12, atol=1e-14)
    if lengths is not None:
        steps = np.arange(4)[:, None] >= lengths[None, :]  # (T, B)
        padding = steps.T if batch_first else steps
        assert all(not array[padding].any() for record in records[0] for array in record)


def test_gate_records_are_copies_and_cost_nothing_when_off(monkeypatch):
    """Off, the kernel is asked for no record; on, the arrays are the caller's: later calls leave them alone."""
    lstm = nn.LSTM(3, 4, dtype=np.float64, rng=np.random.default_rng(0))
    x = glassnet.randn(6, 2, 3, dtype=np.float64)
    records_asked = []
    forward = recurrent.LSTMSequenceFn.forward

    def spy(ctx, *args, record=None, **options):
        records_asked.append(record)
        return forward(ctx, *args, record=record, **options)

    monkeypatch.setattr(recurrent.LSTMSequenceFn, "forward", staticmethod(spy))
    lstm(x)
    assert records_asked == [None] and lstm.gates is None
    lstm.record_gates = True
    out, _ = lstm(x)
    (record,) = lstm.gates
    kept = [np.array(a) for a in record]
    out.sum().backward()
    lstm(x * 2)
    latest = lstm.gates
    lstm.record_gates = False
    for _ in range(2):
        lstm(x * 3)[0].sum().backward()
    assert lstm.gates is latest  # the last recorded forward
    for a, b in zip(record, kept):
        np.testing.assert_array_equal(a, b)


def test_unbatched_input_records_unbatched_gates():
    gru = nn.GRU(3, 4, bidirectional=True, batch_first=True, dtype=np.float64)
    gru.record_gates = True
    x = glassnet.randn(5, 3, dtype=np.float64)
    gru(x)
    single = gru.gates
    gru(x.unsqueeze(0))
    for ours, batched in zip(single[0], gru.gates[0]):
        assert ours.shape == (5, 8)
        np.testing.assert_array_equal(ours, batched[0])


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_cells_record_the_gates_of_one_step_of_the_layer(kind):
    """A cell with the weights of a one-layer sequence layer records that layer's gates for T = 1."""
    layer = make_layer(kind, 1, False)
    cell_class = {"rnn_tanh": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}[kind]
    cell = cell_class(3, 4, dtype=np.float64)
    cell.load_state_dict({name: getattr(layer, f"{name}_l0").numpy() for name in cell.state_dict()})
    layer.record_gates = cell.record_gates = True
    x = glassnet.randn(2, 3, dtype=np.float64)
    layer(x.unsqueeze(0))
    cell(x)
    for ours, expected in zip(cell.gates, layer.gates[0]):
        assert ours.shape == (2, 4)
        np.testing.assert_allclose(ours, expected[0], rtol=1e-12, atol=1e-14)
    cell(x[0])
    assert all(array.shape == (4,) for array in cell.gates)


GRADCHECK_CASES = [
    ("rnn_tanh", 2, None, True), ("rnn_relu", 1, None, True), ("lstm", 1, None, True), ("lstm", 2, [3, 1], True),
    ("gru", 2, None, True), ("gru", 1, [2, 3], True), ("lstm", 2, None, False), ("gru", 2, [1, 3], False),
]  # fmt: skip


@pytest.mark.parametrize("kind, directions, lengths, bias", GRADCHECK_CASES)
def test_kernel_gradcheck(kind, directions, lengths, bias):
    """Central differences in float64 for the input, the initial states and every parameter."""
    rng = np.random.default_rng(2)
    batch, steps, inputs, hidden = 2, 3, 2, 2
    params = make_params(kind, inputs, hidden, directions, rng, bias)
    x = Tensor(rng.standard_normal((batch, steps, inputs)), requires_grad=True)
    h0 = Tensor(rng.standard_normal((directions, batch, hidden)), requires_grad=True)
    c0 = Tensor(rng.standard_normal((directions, batch, hidden)), requires_grad=True)
    lengths = None if lengths is None else np.array(lengths)
    weights = [Tensor(rng.standard_normal(s)) for s in [(batch, steps, directions * hidden), h0.shape, c0.shape]]

    def loss(x, h0, c0, *params):
        output, h_n, c_n = kernel(kind, x, h0, c0 if kind == "lstm" else None, list(params), lengths)
        total = (output * weights[0]).sum() + (h_n * weights[1]).sum()
        return total if c_n is None else total + (c_n * weights[2]).sum()

    assert gradcheck(loss, [x, h0, c0, *params], name=f"{kind}_sequence")


def test_cells_and_embedding_gradcheck():
    rng = np.random.default_rng(3)
    x, h, c = (Tensor(rng.standard_normal((2, s)), requires_grad=True) for s in (3, 2, 2))
    for name, gates, cell in [
        ("rnn_cell", 1, lambda x, h, w1, w2, b1, b2: F.rnn_cell(x, h, w1, w2, b1, b2)),
        ("lstm_cell", 4, lambda x, h, w1, w2, b1, b2: F.lstm_cell(x, (h, c), w1, w2, b1, b2)[0] * 2),
        ("gru_cell", 3, lambda x, h, w1, w2, b1, b2: F.gru_cell(x, h, w1, w2, b1, b2)),
    ]:
        params = [Tensor(rng.uniform(-1, 1, s), requires_grad=True) for s in [(gates * 2, 3), (gates * 2, 2)]]
        params += [Tensor(rng.uniform(-1, 1, gates * 2), requires_grad=True) for _ in range(2)]
        assert gradcheck(cell, [x, h, *params], name=name)
    weight = Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    tokens = np.array([[0, 4, 4], [2, 0, 1]])
    assert gradcheck(lambda w: F.embedding(tokens, w) * Tensor(np.arange(18.0).reshape(2, 3, 3)),
                     [weight], name="embedding")  # fmt: skip


# ------------------------------------------------------------------------------------------ lengths


@pytest.mark.parametrize("layer", [nn.RNN, nn.LSTM, nn.GRU])
def test_padding_never_leaks(layer):
    """Whatever the padding holds (here NaN and huge values), outputs, states and gradients are unchanged."""
    rng = np.random.default_rng(4)
    model = layer(3, 4, num_layers=2, bidirectional=True, dtype=np.float64, batch_first=True)
    lengths = np.array([5, 2, 4])
    clean = rng.standard_normal((3, 5, 3))
    padding = np.arange(5)[None, :] >= lengths[:, None]
    results = []
    for fill in (0.0, np.nan, 1e30):
        x = clean.copy()
        x[padding] = fill
        x = Tensor(x, requires_grad=True)
        model.zero_grad()
        output, state = model(x, lengths=lengths)
        h_n = state[0] if isinstance(state, tuple) else state
        ((output * output).sum() + h_n.sum()).backward()
        results.append([output.numpy(), h_n.numpy(), x.grad] + [p.grad for p in model.parameters()])
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)
    output, x_grad = results[0][0], results[0][2]
    assert not output[padding].any() and not x_grad[padding].any()
    assert np.abs(output[~padding]).min() > 0


def test_lengths_are_checked():
    lstm = nn.LSTM(3, 4, batch_first=True)
    x = glassnet.randn(2, 5, 3)
    for bad in ([0, 5], [6, 1], [1, 2, 3], [1.5, 2.0]):
        with pytest.raises(ValueError, match="lengths"):
            lstm(x, lengths=np.array(bad))
    full, _ = lstm(x, lengths=[5, 5])  # all full: the same as no lengths
    np.testing.assert_array_equal(full.numpy(), lstm(x)[0].numpy())


# --------------------------------------------------------------------------------------- the layers


LAYER_CASES = [
    ("RNN", lambda rng: nn.RNN(3, 4, num_layers=2, bidirectional=True, rng=rng, batch_first=True), torch.nn.RNN),
    ("LSTM", lambda rng: nn.LSTM(3, 4, num_layers=2, bidirectional=True, rng=rng, batch_first=True), torch.nn.LSTM),
    ("GRU", lambda rng: nn.GRU(3, 4, num_layers=2, bidirectional=True, rng=rng, batch_first=True), torch.nn.GRU),
]


@pytest.mark.parametrize("name, make, torch_class", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_sequence_layer_contract(name, make, torch_class):
    names = [f"{kind}_l{layer}{suffix}" for layer in (0, 1) for suffix in ("", "_reverse")
             for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]  # fmt: skip
    check_layer_contract(
        make, (2, 5, 3), (2, 5, 8), names, call=lambda layer, x: layer(x)[0],
        torch_layer=lambda: torch_class(3, 4, num_layers=2, bidirectional=True, batch_first=True),
    )  # fmt: skip


@pytest.mark.parametrize("name, cls, torch_class, pick", [
    ("RNNCell", nn.RNNCell, torch.nn.RNNCell, lambda out: out),
    ("LSTMCell", nn.LSTMCell, torch.nn.LSTMCell, lambda out: out[0]),
    ("GRUCell", nn.GRUCell, torch.nn.GRUCell, lambda out: out),
])  # fmt: skip
def test_cell_contract(name, cls, torch_class, pick):
    check_layer_contract(
        lambda rng: cls(3, 4, rng=rng), (2, 3), (2, 4), ["weight_ih", "weight_hh", "bias_ih", "bias_hh"],
        call=lambda layer, x: pick(layer(x)), torch_layer=lambda: torch_class(3, 4),
    )  # fmt: skip


def test_embedding_contract():
    check_layer_contract(
        lambda rng: nn.Embedding(10, 4, padding_idx=0, rng=rng), (2, 3), (2, 3, 4), ["weight"],
        make_inputs=lambda rng, dtype: (rng.integers(0, 10, (2, 3)),), grad_inputs=(),
        torch_layer=lambda: torch.nn.Embedding(10, 4, padding_idx=0),
    )  # fmt: skip


def test_embedding_feeds_a_sequence_layer():
    emb, lstm = nn.Embedding(20, 6, padding_idx=0), nn.LSTM(6, 5, batch_first=True)
    tokens = np.array([[3, 7, 1, 0], [4, 0, 0, 0]])
    output, (h_n, _) = lstm(emb(tokens), lengths=(tokens != 0).sum(1))
    h_n.sum().backward()
    assert output.shape == (2, 4, 5) and emb.weight.grad.shape == (20, 6)
    assert not emb.weight.grad[0].any() and emb.weight.grad[3].any()
    assert not emb.weight.grad[[2, 5, 6]].any()  # rows never looked up
    assert nn.Embedding.from_pretrained(emb.weight.numpy()).weight.requires_grad is False
    with pytest.raises(IndexError):
        emb(np.array([20]))


def test_unbatched_input_equals_a_batch_of_one():
    for layer in (
        nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True),
        nn.GRU(3, 4, batch_first=True),
        nn.RNN(3, 4, batch_first=False),
    ):
        x = glassnet.randn(5, 3)
        out, state = layer(x)
        out_b, state_b = layer(x.unsqueeze(0 if layer.batch_first else 1))
        np.testing.assert_array_equal(out.numpy(), out_b.numpy().squeeze(0 if layer.batch_first else 1))
        h, h_b = (state[0], state_b[0]) if isinstance(state, tuple) else (state, state_b)
        assert h.shape == (h_b.shape[0], 4)
        np.testing.assert_array_equal(h.numpy(), h_b.numpy()[:, 0])
    cell = nn.GRUCell(3, 4)
    x = glassnet.randn(3)
    np.testing.assert_array_equal(cell(x).numpy(), cell(x.unsqueeze(0)).numpy()[0])


def test_shapes_are_checked():
    lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    with pytest.raises(ValueError, match=r"shape \(N, T, 3\) or \(T, 3\) with T > 0, got \(2, 5, 4\)"):
        lstm(glassnet.randn(2, 5, 4))
    with pytest.raises(ValueError, match=r"expected h_0 of shape \(2, 2, 4\), got \(1, 2, 4\)"):
        lstm(glassnet.randn(2, 5, 3), (glassnet.randn(1, 2, 4), glassnet.randn(2, 2, 4)))
    with pytest.raises(TypeError, match="dtype float64"):
        lstm(glassnet.randn(2, 5, 3, dtype=np.float64))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid", batch_first=True)
    with pytest.raises(ValueError, match="bidirectional"):
        nn.Bidirectional(nn.GRU(3, 4, batch_first=True))


def test_dropout_between_layers():
    """Training draws one mask per layer boundary from the generator; eval and dropout=0 draw nothing."""
    x = glassnet.randn(4, 6, 3, dtype=np.float64)
    lstm = nn.LSTM(3, 5, num_layers=3, dropout=0.5, dtype=np.float64, batch_first=True)
    glassnet.manual_seed(7)
    out, _ = lstm(x)
    glassnet.manual_seed(7)
    layer_input = x
    for layer in range(3):  # the same computation by hand
        layer_input, _, _ = lstm_sequence(layer_input, None, None, lstm._layer_params(layer), batch_first=True)
        if layer < 2:
            layer_input = F.dropout(layer_input, 0.5, True)
    np.testing.assert_array_equal(out.numpy(), layer_input.numpy())
    lstm.eval()
    eval_out, _ = lstm(x)
    assert not np.allclose(eval_out.numpy(), out.numpy())
    np.testing.assert_array_equal(eval_out.numpy(), lstm(x)[0].numpy())


@pytest.mark.parametrize("mode", ["concat", "sum", "mean", "mul"])
def test_bidirectional_merge_modes(mode):
    gru = nn.GRU(3, 4, bidirectional=True, dtype=np.float64, batch_first=True)
    x = glassnet.randn(2, 5, 3, dtype=np.float64, requires_grad=True)
    merged, h_n = nn.Bidirectional(gru, merge_mode=mode)(x)
    full, h_ref = gru(x)
    forward, backward = full.numpy()[..., :4], full.numpy()[..., 4:]
    expected = {"concat": full.numpy(), "sum": forward + backward, "mean": (forward + backward) / 2,
                "mul": forward * backward}[mode]  # fmt: skip
    np.testing.assert_allclose(merged.numpy(), expected, rtol=1e-14)
    np.testing.assert_array_equal(h_n.numpy(), h_ref.numpy())
    merged.sum().backward()
    assert x.grad.shape == x.shape and np.isfinite(x.grad).all()


# --------------------------------------------------------------------------------- final states, memory


def test_final_states_alone_drive_the_backward():
    """A classifier on h_n only: gradients flow; h_n and c_n together add; a second backward is refused."""
    rng = np.random.default_rng(5)
    params = make_params("lstm", 3, 4, 1, rng)
    x = Tensor(rng.standard_normal((2, 5, 3)))
    out, h_n, c_n = lstm_sequence(x, None, None, params, batch_first=True)
    (h_n.sum() + c_n.sum()).backward(retain_graph=True)
    once = np.array(params[1].grad)
    assert np.abs(once).sum() > 0
    (h_n.sum() + c_n.sum()).backward()
    np.testing.assert_allclose(params[1].grad, 2 * once, rtol=1e-12)
    with pytest.raises(RuntimeError, match="second time"):
        h_n.sum().backward()
    with glassnet.no_grad():
        out, h_n, c_n = lstm_sequence(x, None, None, params, batch_first=True)
    assert not out.requires_grad and not h_n.requires_grad and h_n.shape == (1, 2, 4)


def test_kept_buffers_are_reused_but_never_what_is_in_use():
    glassnet.release_buffers()
    lstm = nn.LSTM(8, 64, dtype=np.float64, batch_first=True)
    x = glassnet.randn(16, 40, 8, dtype=np.float64)
    _, (h_first, _) = lstm(x)
    kept = np.array(h_first.numpy())
    for _ in range(3):
        output, (h_n, _) = lstm(x * 0.5)
        h_n.sum().backward()
    np.testing.assert_array_equal(h_first.numpy(), kept)  # still held by h_first: never handed out again
    held = glassnet.buffer_bytes()
    for _ in range(3):
        output, (h_n, _) = lstm(x * 0.5)
        h_n.sum().backward()
    assert glassnet.buffer_bytes() == held  # steady state: no new arrays
    glassnet.release_buffers()
    assert glassnet.buffer_bytes() < held


# ------------------------------------------------------------------------------------ truncated BPTT


class Tagger(nn.Module):
    """An LSTM with a linear read-out at every step, called as model(x, state) -> (y, state)."""

    def __init__(self, rng):
        super().__init__()
        self.lstm = nn.LSTM(2, 5, dtype=np.float64, rng=rng, batch_first=True)
        self.head = nn.Linear(5, 1, dtype=np.float64, rng=rng)

    def forward(self, x, state=None):
        output, state = self.lstm(x, state)
        return self.head(output), state


def tagger_and_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 12, 2))
    y = np.cumsum(x[..., :1], axis=1) * 0.1
    return Tagger(np.random.default_rng(seed)), x, y


@pytest.mark.parametrize("update_every_chunk", [True, False])
def test_tbptt_with_k_equal_to_the_length_is_full_bptt(update_every_chunk):
    model, x, y = tagger_and_data()
    reference, _, _ = tagger_and_data()
    optimizer = glassnet.optim.SGD(model.parameters(), lr=0.1)
    result = tbptt_step(model, F.mse_loss, optimizer, Tensor(x), y, k=12, update_every_chunk=update_every_chunk)
    ref_optimizer = glassnet.optim.SGD(reference.parameters(), lr=0.1)
    ref_optimizer.zero_grad()
    loss = F.mse_loss(reference(Tensor(x))[0], y)
    loss.backward()
    ref_optimizer.step()
    assert result.steps == 1 and result.chunk_losses == [loss.item()] and result.loss == loss.item()
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=name)


def test_tbptt_cuts_the_gradient_at_chunk_boundaries():
    """With k < T the gradient is the sum of per-chunk gradients with the entering state held constant."""
    model, x, y = tagger_and_data(1)
    k, steps = 5, 12
    h0 = Tensor(np.random.default_rng(2).standard_normal((1, 3, 5)), requires_grad=True)
    inputs = Tensor(x, requires_grad=True)
    tbptt_step(model, F.mse_loss, None, inputs, y, k, state=(h0, None), update_every_chunk=False)
    truncated = [np.array(p.grad) for p in model.parameters()]
    assert h0.grad is None  # tbptt_step detaches the state it is given: h0 is a constant there

    # the same by hand from the cells: the state entering each chunk is a constant (detached)
    model.zero_grad()
    lstm, head = model.lstm, model.head
    w_ih, w_hh, b_ih, b_hh = lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0
    h, c = Tensor(h0.numpy()[0]), Tensor(np.zeros((3, 5)))
    total = 0
    for start in range(0, steps, k):
        h, c = h.detach(), c.detach()
        chunk = range(start, min(start + k, steps))
        outs = []
        for t in chunk:
            h, c = F.lstm_cell(Tensor(x[:, t]), (h, c), w_ih, w_hh, b_ih, b_hh)
            outs.append(head(h))
        prediction = glassnet.stack(outs, dim=1)
        total = total + F.mse_loss(prediction, y[:, start : start + len(chunk)]) * (len(chunk) / steps)
    total.backward()
    for (name, p), g in zip(model.named_parameters(), truncated):
        np.testing.assert_allclose(g, p.grad, rtol=1e-10, atol=1e-13, err_msg=name)

    # and the path is really cut: the first chunk's inputs get gradient from the first chunk's loss only
    start_state = (Tensor(h0.numpy()), None)
    first = Tensor(x, requires_grad=True)
    (F.mse_loss(model(first[:, :k], start_state)[0], y[:, :k]) * (k / steps)).backward()
    np.testing.assert_allclose(inputs.grad[:, :k], first.grad[:, :k], rtol=1e-10, atol=1e-14)
    full = Tensor(x, requires_grad=True)
    F.mse_loss(model(full, start_state)[0], y).backward()
    assert not np.allclose(inputs.grad[:, :k], full.grad[:, :k])  # full BPTT also sends later losses back


def test_tbptt_updates_every_chunk_and_carries_the_state():
    model, x, y = tagger_and_data(3)
    optimizer = glassnet.optim.SGD(model.parameters(), lr=0.05)
    result = tbptt_step(model, F.mse_loss, optimizer, Tensor(x), y, k=5)
    assert result.steps == 3 and len(result.chunk_losses) == 3
    assert np.isclose(result.loss, np.dot(result.chunk_losses, [5 / 12, 5 / 12, 2 / 12]))
    h, c = result.state
    assert h.shape == (1, 3, 5) and not h.requires_grad and not c.requires_grad
    again = tbptt_step(model, F.mse_loss, optimizer, Tensor(x), y, k=5, state=result.state)
    assert again.steps == 3
    assert detach_state([h, None, 3])[2] == 3
    with pytest.raises(ValueError, match="positive"):
        tbptt_step(model, F.mse_loss, optimizer, Tensor(x), y, k=0)


def test_fit_tbptt_learns():
    model, x, y = tagger_and_data(4)
    optimizer = glassnet.optim.Adam(model.parameters(), lr=0.02)
    history = fit_tbptt(model, F.mse_loss, optimizer, x, y, k=4, epochs=30, batch_size=2, seed=0)
    assert history.epochs == 30 and history.iterations == 30 * 2 * 3 and history.samples_seen == 90
    assert history.loss[-1] < 0.5 * history.loss[0]


def test_cells_clamp_gates_to_given_values():
    """An ablation: a clamped gate takes the given value at every step; the rest of the cell is unchanged."""
    rng = np.random.default_rng(5)
    x, h, c = (glassnet.tensor(rng.standard_normal((3, n))) for n in (4, 5, 5))
    lstm = [glassnet.tensor(rng.standard_normal(s)) for s in ((20, 4), (20, 5), (20,), (20,))]
    (h1, c1), (i, f, g, o) = F.lstm_cell(x, (h, c), *lstm, return_gates=True, clamp={"f": np.zeros(5)})
    np.testing.assert_allclose(c1.numpy(), (i * g).numpy())  # no forgetting: the old cell is gone
    assert (f.numpy() == 0).all()
    (h2, c2), gates = F.lstm_cell(x, (h, c), *lstm, return_gates=True)
    (h3, c3), _ = F.lstm_cell(x, (h, c), *lstm, return_gates=True, clamp={"o": gates[3].numpy()})
    np.testing.assert_array_equal(h3.numpy(), h2.numpy())  # clamping a gate to its own value changes nothing
    gru = [glassnet.tensor(rng.standard_normal(s)) for s in ((15, 4), (15, 5), (15,), (15,))]
    h4, (r, z, n) = F.gru_cell(x, h, *gru, return_gates=True, clamp={"z": np.ones(5)})
    np.testing.assert_allclose(h4.numpy(), h.numpy())  # z = 1 keeps the old state
