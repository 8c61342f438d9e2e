"""Recurrent layers with PyTorch's signatures and parameter names: RNN, LSTM, GRU, their cells, and Bidirectional.

The sequence layers run one fused kernel per layer (:mod:`glassnet.ops.recurrent`, BPTT written out);
the cells are composites (:func:`glassnet.functional.lstm_cell`, ...) that autograd differentiates.
Both give the same numbers; the tests check one against the other.

As in PyTorch, sequences are (T, N, features) by default; ``batch_first=True`` takes (N, T, features).
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import default_float
from ..errors import DTypeError, ShapeError
from ..ops import Cat
from ..ops.recurrent import gru_sequence, lstm_sequence, rnn_sequence
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter
from .validation import check_input

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU`: parameters, checks, the layer loop.

    Parameters per layer k and direction (suffix ``_reverse`` for the second), in PyTorch's order:
    ``weight_ih_l{k}`` (G*H, in), ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}`` (G*H,),
    where G = 1, 4, 3 for RNN, LSTM, GRU, ``in`` is ``input_size`` for layer 0 and D*H above it.
    All start from U(-1/sqrt(H), 1/sqrt(H)), PyTorch's default.
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
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout must be in [0, 1], got {dropout}")
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

    def _check_input(self, input, lengths) -> tuple[Tensor, bool]:
        """A batched input (a 2-D one gets a batch axis of 1, as in PyTorch), and whether it was unbatched.

        T = 0 is refused, as PyTorch does; an empty batch (N = 0) runs, as in PyTorch.
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
        return input, unbatched

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
        input, unbatched = self._check_input(input, lengths)
        batch = input.shape[0 if self.batch_first else 1]
        h0 = self._check_state(hx, batch, unbatched, "hx")
        return _unbatch(self._layers(input, (h0,), lengths), unbatched, self.batch_first)

    def _layers(self, input: Tensor, states: tuple, lengths) -> tuple:
        """Run the layers in turn; dropout on the outputs of all but the last. Returns (output, h_n[, c_n])."""
        directions = self.num_directions
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            layer_states = [None if s is None else _rows(s, layer, directions, self.num_layers) for s in states]
            out, *layer_finals = self._sequence(input, layer_states, self._layer_params(layer), lengths)
            for collected, final in zip(finals, layer_finals):
                collected.append(final)
            if self.dropout and self.training and layer < self.num_layers - 1:
                out = F.dropout(out, self.dropout, True, rng=self.rng)
            input = out
        return (input, *[f[0] if len(f) == 1 else Cat.apply(*f, axis=0) for f in finals])

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
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype, rng)  # fmt: skip
        self.nonlinearity = nonlinearity

    def _sequence(self, x, states, params, lengths):
        return rnn_sequence(x, states[0], params, self.batch_first, lengths, self.nonlinearity)


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

    def __init__(
        self,
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
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype, rng)  # fmt: skip

    def _sequence(self, x, states, params, lengths):
        return lstm_sequence(x, states[0], states[1], params, self.batch_first, lengths)

    def forward(self, input: Tensor, hx: tuple | None = None, lengths=None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        input, unbatched = self._check_input(input, lengths)
        batch = input.shape[0 if self.batch_first else 1]
        h0, c0 = _state_pair(self, hx)
        h0 = self._check_state(h0, batch, unbatched, "h_0")
        c0 = self._check_state(c0, batch, unbatched, "c_0")
        output, h_n, c_n = _unbatch(self._layers(input, (h0, c0), lengths), unbatched, self.batch_first)
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

    def __init__(
        self,
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
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype, rng)  # fmt: skip

    def _sequence(self, x, states, params, lengths):
        return gru_sequence(x, states[0], params, self.batch_first, lengths)


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
    """Parameters of a single-step cell: weight_ih (G*H, I), weight_hh (G*H, H), bias_ih, bias_hh (G*H,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, gates: int, dtype, rng):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dtype = dtype or default_float()
        self.weight_ih = Parameter(np.empty((gates * hidden_size, input_size), dtype))
        self.weight_hh = Parameter(np.empty((gates * hidden_size, hidden_size), dtype))
        self.register_parameter("bias_ih", Parameter(np.empty(gates * hidden_size, dtype)) if bias else None)
        self.register_parameter("bias_hh", Parameter(np.empty(gates * hidden_size, dtype)) if bias else None)
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

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """One Elman step: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu.

    Call ``cell(input, hx=None) -> h'`` with input (B, I) or (I,), hx (B, H) or (H,) (zeros when None).
    A composite (:func:`glassnet.functional.rnn_cell`): autograd differentiates it, no backward code.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 dtype=None, rng: np.random.Generator | None = None):  # fmt: skip
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, 1, dtype, rng)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, unbatched = self._batched(input)
        hx = self._state(hx, input, unbatched, "hx")
        h = F.rnn_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, self.nonlinearity)
        return h.squeeze(0) if unbatched else h


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
        h, c = F.lstm_cell(input, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


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
        h = F.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h.squeeze(0) if unbatched else h
