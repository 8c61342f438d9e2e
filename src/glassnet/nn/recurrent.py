"""Recurrent layers with PyTorch's signatures and parameter names: RNN, LSTM, GRU, their cells, and Bidirectional.

The sequence layers run one fused kernel per layer (:mod:`glassnet.ops.recurrent`, BPTT written out);
the cells are composites (:func:`glassnet.functional.lstm_cell`, ...) that autograd differentiates.
:func:`reference_sequence` runs a layer through its cell, step by step: the readable reference of each
kernel, which a layer uses with ``fused = False``; the tests hold the two equal, values and gradients.

To see inside, set ``record_gates = True`` on a layer or a cell: each forward then leaves the gate
activations in ``gates`` (:class:`~glassnet.ops.recurrent.LSTMGates`, ``GRUGates``, ``RNNGates``).

As in PyTorch, sequences are (T, N, features) by default; ``batch_first=True`` takes (N, T, features).
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import default_float
from ..creation import cat, stack, where
from ..errors import DTypeError, ShapeError
from ..ops.recurrent import GRUGates, LSTMGates, RNNGates, gru_sequence, lstm_sequence, rnn_sequence
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter
from .validation import check_input, check_option, check_probability

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU`: parameters, checks, the layer loop.

    Parameters per layer k and direction (suffix ``_reverse`` for the second), in PyTorch's order:
    ``weight_ih_l{k}`` (G*H, in), ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}`` (G*H,),
    where G = 1, 4, 3 for RNN, LSTM, GRU, ``in`` is ``input_size`` for layer 0 and D*H above it.
    All start from U(-1/sqrt(H), 1/sqrt(H)), PyTorch's default.

    Attributes beyond PyTorch's, set after construction:

    - ``record_gates`` (False): when True, each forward leaves in ``gates`` one record per layer, the
      gate activations of every step and direction as NumPy arrays shaped like that layer's output:
      (T, B, D*H), or (B, T, D*H) with batch_first, (T, D*H) unbatched; in time order, the directions
      side by side (forward first), zero on padding. LSTM: :class:`~glassnet.ops.recurrent.LSTMGates`
      (i, f, g, o and the cell state c); GRU: ``GRUGates`` (r, z, n); RNN: ``RNNGates`` (the
      pre-activation a). Off, nothing is copied; ``gates`` keeps the last recorded forward.
    - ``fused`` (True): when False, every layer runs :func:`reference_sequence`, the composite cell
      step by step through autograd, instead of the fused kernel: the same numbers, slower.
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype=None,
        rng: np.random.Generator | None = None,
    ):
        super().__init__()
        if hidden_size <= 0 or num_layers <= 0 or input_size <= 0:
            raise ValueError(
                f"input_size, hidden_size and num_layers must be positive, "
                f"got {input_size}, {hidden_size}, {num_layers}"
            )
        check_probability("dropout", dropout)
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.rng = float(dropout), bidirectional, rng
        dtype = dtype or default_float()
        rows = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._layer_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            names = []
            for suffix in ["", "_reverse"][:directions]:
                shapes = {
                    f"weight_ih_l{layer}{suffix}": (rows, layer_input),
                    f"weight_hh_l{layer}{suffix}": (rows, hidden_size),
                    f"bias_ih_l{layer}{suffix}": (rows,),
                    f"bias_hh_l{layer}{suffix}": (rows,),
                }
                for name, shape in shapes.items():
                    if name.startswith("bias") and not bias:
                        names.append(None)
                        continue
                    setattr(self, name, Parameter(np.empty(shape, dtype)))
                    names.append(name)
            self._layer_names.append(names)
        self.fused, self.record_gates, self.gates = True, False, None
        self.reset_parameters(rng)

    def reset_parameters(self, rng: np.random.Generator | None = None) -> None:
        bound = 1 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound, rng)

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def flatten_parameters(self) -> None:
        """Does nothing: kept so that PyTorch code calling it runs unchanged (the kernels need no packing)."""

    def _layer_params(self, layer: int) -> list:
        return [None if name is None else getattr(self, name) for name in self._layer_names[layer]]

    def _check_input(self, input, lengths) -> tuple[Tensor, bool, np.ndarray | None]:
        """A batched input (a 2-D one gets a batch axis of 1, as in PyTorch), whether it was unbatched, the lengths.

        T = 0 is refused, as PyTorch does; an empty batch (N = 0) runs, as in PyTorch. The lengths come back
        as an int64 array (B,) with values in 1..T, or None when there are none or every row is full.
        """
        features = self.input_size
        batched = ("N", "T", features) if self.batch_first else ("T", "N", features)
        check_input(self, input, batched, ("T", features), dtype=self.weight_ih_l0.dtype, nonempty=("T",))
        input = _as_tensor(input)
        unbatched = input.ndim == 2
        if unbatched:
            if lengths is not None:
                raise ShapeError(
                    f"{self!r}: lengths needs a batched input, got input of shape {tuple(input.shape)}", self
                )
            input = input.unsqueeze(0 if self.batch_first else 1)
        steps, batch = (input.shape[1], input.shape[0]) if self.batch_first else input.shape[:2]
        return input, unbatched, _check_lengths(self, lengths, steps, batch)

    def _check_state(self, state, batch: int, unbatched: bool, name: str):
        """The initial state as (L*D, B, H) (given as (L*D, H) for an unbatched input), or None for zeros."""
        if state is None:
            return None
        rows, hidden = self.num_layers * self.num_directions, self.hidden_size
        check_input(self, state, (rows, hidden) if unbatched else (rows, batch, hidden), dtype=self.weight_ih_l0.dtype,
                    name=name)  # fmt: skip
        state = _as_tensor(state)
        return state.unsqueeze(1) if unbatched else state

    def forward(self, input: Tensor, hx: Tensor | None = None, lengths=None) -> tuple[Tensor, Tensor]:
        """``(output, h_n)`` for the one-state layers (RNN, GRU); the LSTM overrides it for (h, c)."""
        input, unbatched, lengths = self._check_input(input, lengths)
        batch = input.shape[0 if self.batch_first else 1]
        h0 = self._check_state(hx, batch, unbatched, "hx")
        return _unbatch(self._layers(input, (h0,), lengths, unbatched), unbatched, self.batch_first)

    def _layers(self, input: Tensor, states: tuple, lengths, unbatched: bool) -> tuple:
        """Run the layers in turn; dropout on the outputs of all but the last. Returns (output, h_n[, c_n])."""
        directions = self.num_directions
        finals = [[] for _ in states]
        record = [] if self.record_gates else None
        for layer in range(self.num_layers):
            layer_states = [None if s is None else _rows(s, layer, directions, self.num_layers) for s in states]
            params = self._layer_params(layer)
            if self.fused:
                out, *layer_finals = self._sequence(input, layer_states, params, lengths, record)
            else:
                out, *layer_finals = reference_sequence(self._cell, input, layer_states, params, self.batch_first,
                                                        lengths, record)  # fmt: skip
            for collected, final in zip(finals, layer_finals):
                collected.append(final)
            if self.dropout and self.training and layer < self.num_layers - 1:
                out = F.dropout(out, self.dropout, True, rng=self.rng)
            input = out
        if record is not None:
            self.gates = [_unbatch_record(r, 0 if self.batch_first else 1) for r in record] if unbatched else record
        return (input, *[f[0] if len(f) == 1 else cat(f, dim=0) for f in finals])

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            text += ", nonlinearity='relu'"
        if not self.bias:
            text += ", bias=False"
        text += f", batch_first={self.batch_first}"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


def _as_tensor(x) -> Tensor:
    """NumPy arrays are accepted wherever a Tensor is, as constants."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _check_lengths(layer: Module, lengths, steps: int, batch: int) -> np.ndarray | None:
    """Lengths as an int64 array of shape (B,) with values in 1..T; None when every row is full (no masking)."""
    if lengths is None:
        return None
    lengths = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths)
    if lengths.shape != (batch,) or lengths.dtype.kind not in "iu":
        raise ShapeError(
            f"{layer!r}: lengths must be {batch} integers (one per sequence), got shape {tuple(lengths.shape)} "
            f"of dtype {lengths.dtype.name}",
            layer,
        )
    if lengths.size and (lengths.min() < 1 or lengths.max() > steps):
        raise ShapeError(
            f"{layer!r}: lengths must lie in 1..{steps} (the padded length), got {lengths.min()}..{lengths.max()}",
            layer,
        )
    return None if (lengths == steps).all() else lengths.astype(np.int64)


def reference_sequence(cell, x: Tensor, states: list, params: list, batch_first: bool = False, lengths=None,
                       record: list | None = None) -> tuple:  # fmt: skip
    """One layer over a sequence through its composite cell, step by step, with autograd doing the BPTT.

    The readable reference of the fused kernels :func:`~glassnet.ops.recurrent.lstm_sequence`,
    ``gru_sequence`` and ``rnn_sequence``, with their arguments and results; the tests hold each kernel
    equal to it (outputs, final states, every gradient), and a layer runs it when its ``fused`` is False.

    ``cell(x_t, state, w_ih, w_hh, b_ih, b_hh) -> (new state, gates)``, a state being the tuple (h,) or
    (h, c) of (B, H) and gates a gate record (:class:`~glassnet.ops.recurrent.LSTMGates`, ...) of (B, H)
    tensors; ``states`` one (D, B, H) tensor or None (zeros) per part of the state; ``params``
    [w_ih, w_hh, b_ih, b_hh] per direction. Direction 1 reads the sequence from its end. Padding (time
    >= lengths[b], a checked int array) reads zeros and leaves the state as it is; its output is zero.
    Returns ``(output, *final states)``; ``record``, if a list, receives the gates in the output's layout.
    """
    x = x.transpose(0, 1) if batch_first else x  # (T, B, I)
    steps, batch = x.shape[:2]
    directions, hidden = len(params) // 4, params[1].shape[1]
    valid = None if lengths is None else np.arange(steps)[:, None] < lengths[None, :]  # (T, B)
    outputs, finals, gates = [], [], []
    for d in range(directions):
        zeros = Tensor(np.zeros((batch, hidden), x.dtype))
        state = tuple(zeros if s is None else s[d] for s in states)
        by_time, gates_by_time = [None] * steps, [None] * steps
        for t in range(steps) if d == 0 else reversed(range(steps)):
            x_t = x[t] if valid is None else where(valid[t, :, None], x[t], 0.0)
            new, gates_by_time[t] = cell(x_t, state, *params[4 * d : 4 * d + 4])
            if valid is not None:
                new = tuple(where(valid[t, :, None], n, s) for n, s in zip(new, state))
            state = new
            by_time[t] = state[0] if valid is None else where(valid[t, :, None], state[0], 0.0)
        outputs.append(stack(by_time))
        finals.append(state)
        gates.append(gates_by_time)
    output = outputs[0] if directions == 1 else cat(outputs, dim=2)
    if record is not None:
        record.append(_gate_record(gates, valid, batch_first))
    return (output.transpose(0, 1) if batch_first else output, *[stack(part) for part in zip(*finals)])


def _gate_record(gates: list, valid, batch_first: bool):
    """Per-step gate records of (B, H) tensors, gates[d][t], as one record of arrays in the output's layout."""
    fields = []
    for field in zip(*[zip(*by_time) for by_time in gates]):  # per field, per direction, per step
        array = np.concatenate([np.stack([g.numpy() for g in by_time]) for by_time in field], axis=-1)  # (T, B, D*H)
        if valid is not None:
            array[~valid] = 0
        fields.append(array.swapaxes(0, 1) if batch_first else array)
    return type(gates[0][0])(*fields)


def _unbatch_record(record, axis: int):
    """A gate record without the batch axis that an unbatched input was given."""
    return type(record)(*[array.squeeze(axis) for array in record])


def _rnn_step(x, state, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh") -> tuple:
    """One step of :func:`~glassnet.functional.rnn_cell` as cells and :func:`reference_sequence` take it."""
    h, (a,) = F.rnn_cell(x, state[0], w_ih, w_hh, b_ih, b_hh, nonlinearity, return_gates=True)
    return (h,), RNNGates(a)


def _lstm_step(x, state, w_ih, w_hh, b_ih, b_hh) -> tuple:
    """One step of :func:`~glassnet.functional.lstm_cell`: ((h', c'), LSTMGates of (B, H) tensors)."""
    (h, c), gates = F.lstm_cell(x, state, w_ih, w_hh, b_ih, b_hh, return_gates=True)
    return (h, c), LSTMGates(*gates, c)


def _gru_step(x, state, w_ih, w_hh, b_ih, b_hh) -> tuple:
    """One step of :func:`~glassnet.functional.gru_cell`: ((h',), GRUGates of (B, H) tensors)."""
    h, gates = F.gru_cell(x, state[0], w_ih, w_hh, b_ih, b_hh, return_gates=True)
    return (h,), GRUGates(*gates)


def _state_pair(layer: Module, hx) -> tuple:
    """An LSTM's (h, c) from ``hx``: a pair, or None for zeros."""
    if hx is None:
        return None, None
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise DTypeError(f"{layer!r} expected hx as a pair (h_0, c_0) of Tensors, got {type(hx).__name__}")
    return hx


def _rows(state: Tensor, layer: int, directions: int, layers: int) -> Tensor:
    """The (D, B, H) block of one layer from a (L*D, B, H) state; the state itself when there is one layer."""
    return state if layers == 1 else state[layer * directions : (layer + 1) * directions]


def _unbatch(tensors: tuple, unbatched: bool, batch_first: bool) -> tuple:
    """Undo the batch axis added to an unbatched input: output first, then the states."""
    if not unbatched:
        return tensors
    output, *states = tensors
    return (output.squeeze(0 if batch_first else 1), *[s.squeeze(1) for s in states])


class RNN(RNNBase):
    """Elman RNN, stacked and optionally bidirectional: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    ``act`` is tanh or relu (``nonlinearity``). With ``num_layers`` > 1, layer k + 1 reads the outputs
    of layer k, with dropout ``dropout`` on them in training. Bidirectional layers concatenate both
    directions' outputs (forward first); :class:`Bidirectional` offers sum, mean and mul instead.

    Args (PyTorch's, in its order): input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
    batch_first=False, dropout=0.0, bidirectional=False; plus
    dtype and rng (a ``numpy.random.Generator`` for the initial weights and the dropout masks).

    Call: ``rnn(input, hx=None, lengths=None) -> (output, h_n)``

    - input (T, B, I), or (B, T, I) with batch_first; or (T, I) unbatched.
    - hx (L*D, B, H), the initial states, layer-major, direction-minor (zeros when None).
    - lengths: B integers in 1..T; rows are padded after their length. Padding does not touch the
      states, its outputs are zero and it gets no gradient (PyTorch's packed sequences).
    - output (T, B, D*H) (or (B, T, D*H) with batch_first): the last layer's states at every step.
    - h_n (L*D, B, H): every layer's state after its last valid step.

    Reference: Elman, "Finding structure in time", Cognitive Science, 1990.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype=None,
        rng: np.random.Generator | None = None,
    ):
        check_option("nonlinearity", nonlinearity, ("tanh", "relu"))
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype, rng)  # fmt: skip
        self.nonlinearity = nonlinearity

    def _sequence(self, x, states, params, lengths, record):
        return rnn_sequence(x, states[0], params, self.batch_first, lengths, self.nonlinearity, record)

    def _cell(self, x, state, *params):
        return _rnn_step(x, state, *params, self.nonlinearity)


class LSTM(RNNBase):
    """Long short-term memory, stacked and optionally bidirectional:

        i, f, g, o = split(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
        c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
        h_t = sigmoid(o) * tanh(c_t)

    Args as :class:`RNN` (without nonlinearity).

    Call: ``lstm(input, hx=None, lengths=None) -> (output, (h_n, c_n))`` with hx = (h_0, c_0), each
    (L*D, B, H); shapes and ``lengths`` as for :class:`RNN`; c_n like h_n.

    References: Hochreiter & Schmidhuber, "Long short-term memory", Neural Computation, 1997;
    Gers, Schmidhuber & Cummins, "Learning to forget", Neural Computation, 2000 (the forget gate).
    """

    def __init__(self, *args, **kwargs):  # RNNBase's arguments after the mode, as in PyTorch
        super().__init__("LSTM", *args, **kwargs)

    def _sequence(self, x, states, params, lengths, record):
        return lstm_sequence(x, states[0], states[1], params, self.batch_first, lengths, record)

    _cell = staticmethod(_lstm_step)

    def forward(self, input: Tensor, hx: tuple | None = None, lengths=None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        input, unbatched, lengths = self._check_input(input, lengths)
        batch = input.shape[0 if self.batch_first else 1]
        h0, c0 = _state_pair(self, hx)
        h0 = self._check_state(h0, batch, unbatched, "h_0")
        c0 = self._check_state(c0, batch, unbatched, "c_0")
        output, h_n, c_n = _unbatch(self._layers(input, (h0, c0), lengths, unbatched), unbatched, self.batch_first)
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit, stacked and optionally bidirectional, in PyTorch's formulation:

        r = sigmoid(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)
        z = sigmoid(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)
        n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    Args, call and shapes as :class:`RNN` (without nonlinearity).

    Reference: Cho et al., "Learning phrase representations using RNN encoder-decoder for statistical
    machine translation", EMNLP 2014.
    """

    def __init__(self, *args, **kwargs):  # RNNBase's arguments after the mode, as in PyTorch
        super().__init__("GRU", *args, **kwargs)

    def _sequence(self, x, states, params, lengths, record):
        return gru_sequence(x, states[0], params, self.batch_first, lengths, record)

    _cell = staticmethod(_gru_step)


_MERGES = ("concat", "sum", "mean", "mul")


class Bidirectional(Module):
    """Combine the two directions of a bidirectional RNN, LSTM or GRU by ``merge_mode``.

    With h_fwd, h_bwd (..., H) the two halves of the wrapped layer's output:
    "concat" (PyTorch's layout, (..., 2H)), "sum" h_fwd + h_bwd, "mean" (h_fwd + h_bwd) / 2,
    "mul" h_fwd * h_bwd (each (..., H)). The merge applies to the last layer's output; stacked layers
    inside the wrapped module still pass the concatenation upward, as in PyTorch. The final states are
    returned unchanged. Call as the wrapped layer: ``(output, state)``.

    Example: ``Bidirectional(LSTM(32, 64, bidirectional=True), merge_mode="sum")``.
    """

    def __init__(self, module: RNNBase, merge_mode: str = "concat"):
        super().__init__()
        if not getattr(module, "bidirectional", False):
            raise ValueError(f"Bidirectional wraps a bidirectional RNN, LSTM or GRU, got {type(module).__name__}")
        if merge_mode not in _MERGES:
            raise ValueError(f"merge_mode must be one of {_MERGES}, got {merge_mode!r}")
        self.module, self.merge_mode = module, merge_mode

    def forward(self, input: Tensor, hx=None, lengths=None) -> tuple:
        output, state = self.module(input, hx, lengths=lengths)
        if self.merge_mode == "concat":
            return output, state
        H = self.module.hidden_size
        halves = output.reshape(*output.shape[:-1], 2, H)
        if self.merge_mode == "sum":
            return halves.sum(dim=-2), state
        if self.merge_mode == "mean":
            return halves.mean(dim=-2), state
        forward, backward = output[..., :H], output[..., H:]
        return forward * backward, state

    def extra_repr(self) -> str:
        return f"merge_mode={self.merge_mode!r}"


# ------------------------------------------------------------------------------------------- cells


class _CellBase(Module):
    """Parameters of a single-step cell: weight_ih (G*H, I), weight_hh (G*H, H), bias_ih, bias_hh (G*H,).

    With ``record_gates = True``, each call leaves its gate activations in ``gates`` as NumPy arrays (B, H)
    (or (H,) unbatched): the records of the sequence layers (:class:`RNNBase`) for one step.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool, gates: int, dtype, rng):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dtype = dtype or default_float()
        self.weight_ih = Parameter(np.empty((gates * hidden_size, input_size), dtype))
        self.weight_hh = Parameter(np.empty((gates * hidden_size, hidden_size), dtype))
        self.register_parameter("bias_ih", Parameter(np.empty(gates * hidden_size, dtype)) if bias else None)
        self.register_parameter("bias_hh", Parameter(np.empty(gates * hidden_size, dtype)) if bias else None)
        self.record_gates, self.gates = False, None
        self.reset_parameters(rng)

    def reset_parameters(self, rng: np.random.Generator | None = None) -> None:
        bound = 1 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound, rng)

    def _batched(self, input) -> tuple[Tensor, bool]:
        """The input with a batch axis (an unbatched 1-D input gets one), and whether it was unbatched."""
        check_input(self, input, ("N", self.input_size), (self.input_size,), dtype=self.weight_ih.dtype)
        input = _as_tensor(input)
        unbatched = input.ndim == 1
        return (input.unsqueeze(0) if unbatched else input), unbatched

    def _state(self, state, input: Tensor, unbatched: bool, name: str) -> Tensor:
        """A state (B, H) for the batched ``input``: zeros when None; an unbatched (H,) state gets a batch axis."""
        if state is None:
            return Tensor(np.zeros((input.shape[0], self.hidden_size), input.dtype))
        expected = (self.hidden_size,) if unbatched else (input.shape[0], self.hidden_size)
        check_input(self, state, expected, dtype=self.weight_ih.dtype, name=name)
        state = _as_tensor(state)
        return state.unsqueeze(0) if unbatched else state

    def _step(self, step, input: Tensor, state: tuple, unbatched: bool, *options) -> tuple:
        """The new state from ``step`` (:func:`_lstm_step`, ...) on this cell's parameters; records the gates."""
        state, gates = step(input, state, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, *options)
        if self.record_gates:
            self.gates = type(gates)(*[np.array(g.numpy()[0] if unbatched else g.numpy()) for g in gates])
        return tuple(s.squeeze(0) for s in state) if unbatched else state

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """One Elman step: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu.

    Call ``cell(input, hx=None) -> h'`` with input (B, I) or (I,), hx (B, H) or (H,) (zeros when None).
    A composite (:func:`glassnet.functional.rnn_cell`): autograd differentiates it, no backward code.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 dtype=None, rng: np.random.Generator | None = None):  # fmt: skip
        check_option("nonlinearity", nonlinearity, ("tanh", "relu"))
        super().__init__(input_size, hidden_size, bias, 1, dtype, rng)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, unbatched = self._batched(input)
        hx = self._state(hx, input, unbatched, "hx")
        return self._step(_rnn_step, input, (hx,), unbatched, self.nonlinearity)[0]


class LSTMCell(_CellBase):
    """One LSTM step: i, f, g, o = split(x W_ih^T + b_ih + h W_hh^T + b_hh); c' = f c + i g; h' = o tanh(c').

    (i, f, o through sigmoid, g through tanh.) Call ``cell(input, hx=None) -> (h', c')`` with hx = (h, c),
    each (B, H) or (H,) (zeros when None). A composite (:func:`glassnet.functional.lstm_cell`).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=None,
                 rng: np.random.Generator | None = None):  # fmt: skip
        super().__init__(input_size, hidden_size, bias, 4, dtype, rng)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple[Tensor, Tensor]:
        h, c = _state_pair(self, hx)
        input, unbatched = self._batched(input)
        h, c = self._state(h, input, unbatched, "h"), self._state(c, input, unbatched, "c")
        return self._step(_lstm_step, input, (h, c), unbatched)


class GRUCell(_CellBase):
    """One GRU step (PyTorch's formulation): r, z = sigmoid(...); n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn));
    h' = (1 - z) n + z h.

    Call ``cell(input, hx=None) -> h'``; shapes as :class:`RNNCell`. A composite (:func:`glassnet.functional.gru_cell`).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=None,
                 rng: np.random.Generator | None = None):  # fmt: skip
        super().__init__(input_size, hidden_size, bias, 3, dtype, rng)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, unbatched = self._batched(input)
        hx = self._state(hx, input, unbatched, "hx")
        return self._step(_gru_step, input, (hx,), unbatched)[0]
