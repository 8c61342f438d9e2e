"""Whole-sequence RNN, LSTM and GRU kernels whose backward is backpropagation through time, written out.

One Primitive per cell type runs every time step of one layer, both directions at once. Its forward is
the recurrence; its backward is the BPTT loop: the steps in reverse, each applying the chain rule of the
recurrence written above it. Shapes and layouts are PyTorch's, with D = 2 for a bidirectional layer
(direction 0 reads the sequence forward, direction 1 in reverse):

    x           (T, B, I), or (B, T, I) with ``batch_first=True`` (the default is False, as in PyTorch)
    h0, c0      (D, B, H), or None for zeros
    w_ih        (G*H, I), w_hh (G*H, H), b_ih, b_hh (G*H,) per direction, G = 1 (RNN), 4 (LSTM), 3 (GRU)
    output      (T, B, D*H) (or (B, T, D*H)): the directions side by side, forward first
    h_n, c_n    (D, B, H)

Gate order is PyTorch's: i, f, g, o for the LSTM and r, z, n for the GRU.

How the work is arranged (this is what makes the kernels fast on NumPy):

- z_t = [x_t, 1, h_{t-1}] is stored for every step (:func:`_step_inputs`): the gates are linear in it,
  a_t = z_t [W_ih, b, W_hh]^T, so the input part of every step is one GEMM before the loop, and after
  the BPTT loop the gradients of W_ih, W_hh and the bias over all steps are one GEMM, sum_t da_t^T z_t;
  dx = da W_ih is one more.
- the loop does one recurrent GEMM per step for both directions together, and the gate nonlinearities
  in place, in arrays allocated once per call (and reused across calls, see :mod:`glassnet.ops.buffers`);
- arrays are *gate-major*, (D, G, T, B, H): each gate of each step is a contiguous (B, H) block, so no
  elementwise op reads strided memory and the recurrent GEMM splits into G square ones, which run faster
  than one wide GEMM here (:func:`_gate_blocks_t`).

Arrays are kept in *step order*: index k of a direction is its k-th step, time t = k going forward and
t = T-1-k in reverse, so both directions advance through their arrays together. Per direction the
arrays are contiguous over (T, B), which is what turns the sums over steps into single GEMMs.

Autograd records one output per Primitive: a kernel returns the output sequence, and h_n (and c_n) are
read through :class:`FinalStateFn` nodes that hand their gradients back to the kernel.

Given a list ``record``, a kernel appends the activations of its gates (:class:`RNNGates`,
:class:`LSTMGates`, :class:`GRUGates`), copied into the output's layout and time order; without one it
copies nothing. The readable reference of every kernel is its composite cell run step by step through
autograd (:func:`glassnet.nn.recurrent.reference_sequence`); the tests hold the two equal.

Variable lengths (``lengths``, one per batch row, each in 1..T) follow PyTorch's packed sequences: a
row's state is not updated outside its valid steps (held after its end going forward, held at h0 until
its last element going backward, so the reverse direction starts there), its outputs there are zero, and
no gradient flows through the padding.

Reference: Werbos, "Backpropagation through time: what it does and how to do it", Proc. IEEE, 1990;
gate equations as in the documentation of ``torch.nn.RNN``, ``torch.nn.LSTM`` and ``torch.nn.GRU``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..autograd import Primitive
from ..backend import xp_of
from ..tensor import Tensor
from . import buffers
from .formulas import sigmoid_

# ----------------------------------------------------------------------------------------- shared steps


def _sigmoid_grad_(da, s, scratch) -> None:
    """da <- da * s (1 - s): back through a sigmoid from its output s."""
    xp = xp_of(da)
    xp.subtract(1, s, out=scratch)
    scratch *= s
    da *= scratch


def _tanh_grad_(da, y, scratch) -> None:
    """da <- da * (1 - y**2): back through a tanh from its output y."""
    xp = xp_of(da)
    xp.multiply(y, y, out=scratch)
    xp.subtract(1, scratch, out=scratch)
    da *= scratch


def _gate_blocks_t(weights: list, gates: int):
    """Each direction's (G*H, K) weight as G transposed gate blocks: one C-contiguous (D, G, K, H) array.

    This is the *gate-major* layout: every gate's pre-activation is a contiguous (B, H) block of its own, and
    the per-step GEMM becomes G small ones, (B, H) x (H, H), which run faster here than one (B, H) x (H, G*H)
    (a 128 x 128 block stays in cache), while the elementwise gate math never touches strided memory.
    """
    xp = xp_of(weights[0])
    rows, cols = weights[0].shape
    hidden = rows // gates
    out = xp.empty((len(weights), gates, cols, hidden), dtype=weights[0].dtype)
    for d, w in enumerate(weights):
        out[d] = w.reshape(gates, hidden, cols).transpose(0, 2, 1)
    return out


def _gate_blocks(weights: list, gates: int):
    """Each direction's (G*H, H) recurrent weight as G blocks (H, H), not transposed: (D, G, H, H)."""
    xp = xp_of(weights[0])
    rows, cols = weights[0].shape
    return xp.stack([w.reshape(gates, rows // gates, cols) for w in weights])


def _by_direction(params: tuple) -> list:
    """(w_ih, w_hh, b_ih, b_hh) for each direction, from the flat parameter list the kernels take."""
    return [params[i : i + 4] for i in range(0, len(params), 4)]


def _step_inputs(x, h0, batch_first: bool, directions: int, hidden: int, bias: bool, inactive=None):
    """z[d, k] = [x_t, 1, h_{t-1}] for step k of direction d: everything the gates of that step are linear in.

    Shape (D, T+1, B, I + 1 + H), time-major, the reverse direction time-reversed; the 1 column only with
    ``bias``. The loop writes each new state into the next row's h part, so z[:, k, :, -H:] is the state
    entering step k (h_0 first, h_T last). With z_t laid out this way, a_t = z_t [W_ih, b, W_hh]^T, and the
    gradient of every weight and bias over all steps is one GEMM: sum_t da_t^T z_t. Padding (``inactive``)
    is replaced by zeros, so that whatever it holds (even NaN) cannot reach a gradient through that sum.
    """
    xp = xp_of(x)
    x = x.swapaxes(0, 1) if batch_first else x
    steps, batch, features = x.shape
    ones = int(bias)
    z = buffers.empty((directions, steps + 1, batch, features + ones + hidden), x.dtype, xp)
    z[0, :steps, :, :features] = x
    if directions == 2:
        z[1, :steps, :, :features] = x[::-1]
    if inactive is not None:
        xp.copyto(z[:, :steps, :, :features], 0, where=inactive)
    if ones:
        z[:, :steps, :, features] = 1
    z[:, steps, :, : features + ones] = 0  # after the last step: no input, only the final state
    z[:, 0, :, features + ones :] = 0 if h0 is None else h0
    return z


def _inactive_steps(lengths, steps: int, batch: int, directions: int):
    """(D, T, B, 1) booleans: True where step k of a direction falls on padding (time >= length), else None."""
    if lengths is None:
        return None
    time = np.arange(steps)
    padding = time[:, None] >= lengths[None, :]  # (T, B), in time order
    by_step = [padding] if directions == 1 else [padding, padding[::-1]]
    return np.stack(by_step)[..., None]


def _augmented(w_ih, bias):
    """[W_ih, b]: the input weights with the bias as one more column (the 1 in z), or W_ih alone."""
    xp = xp_of(w_ih)
    return w_ih if bias is None else xp.concatenate([w_ih, bias[:, None]], axis=1)


def _project_inputs(z, weights_t):
    """P[d, g, k] = [x_t, 1] [W_ih, b]_g^T for every step and gate: one batched GEMM per direction.

    ``weights_t`` (D, G, I + 1, H) holds each gate's augmented input weights, transposed. Returns the
    gate-major (D, G, T, B, H).
    """
    xp = xp_of(z)
    directions, steps1, batch, _ = z.shape
    _, gates, width, hidden = weights_t.shape
    steps = steps1 - 1
    out = buffers.empty((directions, gates, steps, batch, hidden), z.dtype, xp)
    for d in range(directions):
        inputs = z[d, :steps, :, :width].reshape(steps * batch, width)  # a view: rows strided, BLAS reads it as is
        xp.matmul(inputs, weights_t[d], out=out[d].reshape(gates, steps * batch, hidden))
    return out


def _in_time_order(by_step, inactive, batch_first: bool):
    """Sequences (D, T, B, H) in step order as one array in the output's layout, zero on padding.

    That layout is (T, B, D*H), or (B, T, D*H) with batch_first: time order, the directions side by side.
    """
    xp = xp_of(by_step)
    directions, steps, batch, hidden = by_step.shape
    shape = (batch, steps, directions, hidden) if batch_first else (steps, batch, directions, hidden)
    out = buffers.empty(shape, by_step.dtype, xp)
    for d in range(directions):
        part = by_step[d] if d == 0 else by_step[d, ::-1]  # back to time order
        out[:, :, d] = part.swapaxes(0, 1) if batch_first else part
    if inactive is not None:
        padding = inactive[0, :, :, 0]  # (T, B) in time order
        out[padding.T if batch_first else padding] = 0
    return out.reshape(shape[0], shape[1], directions * hidden)


def _output_grad_by_step(grad, directions: int, hidden: int, batch_first: bool, inactive):
    """The output's gradient as (D, T, B, H) in step order, zero on padding (whose output is a constant 0)."""
    xp = xp_of(grad)
    grad = grad.swapaxes(0, 1) if batch_first else grad  # (T, B, D*H)
    steps, batch, _ = grad.shape
    by_step = buffers.empty((directions, steps, batch, hidden), grad.dtype, xp)
    for d in range(directions):
        part = grad[:, :, d * hidden : (d + 1) * hidden]
        by_step[d] = part if d == 0 else part[::-1]
    if inactive is not None:
        xp.copyto(by_step, 0, where=inactive)
    return by_step


def _gemm_tn(da, z_flat):
    """sum over all steps and batch rows of da_k^T z_k, gate by gate: (G*H, K) from da (G, T, B, H), z (T*B, K)."""
    xp = xp_of(da)
    gates, steps, batch, hidden = da.shape
    out = buffers.empty((gates, hidden, z_flat.shape[1]), da.dtype, xp)
    xp.matmul(da.reshape(gates, steps * batch, hidden).transpose(0, 2, 1), z_flat, out=out)
    return out.reshape(gates * hidden, -1)


def _state_sequence(initial, directions: int, steps: int, batch: int, hidden: int, dtype, xp):
    """Storage for a state sequence s_0 .. s_T of each direction, (D, T+1, B, H), s_0 filled (zeros when None)."""
    states = buffers.empty((directions, steps + 1, batch, hidden), dtype, xp)
    states[:, 0] = 0 if initial is None else initial
    return states


def _input_grad(products: list, steps: int, batch: int, batch_first: bool):
    """dx = sum of da W_ih over ``products[d]``, pairs (da rows (T*B, .) in step order, W_ih rows) per direction.

    The reverse direction is reversed back to time order and added. Returned in x's layout: (B, T, I) with
    batch_first (a transposed view of the time-major result).
    """
    first_rows, first_weight = products[0][0]
    xp, dtype, features = xp_of(first_rows), first_rows.dtype, first_weight.shape[1]
    dx = buffers.empty((len(products), steps, batch, features), dtype, xp)
    scratch = buffers.scratch((steps * batch, features), dtype, xp)  # each further product, before it is added
    for d, pairs in enumerate(products):
        flat = dx[d].reshape(steps * batch, features)
        xp.matmul(*pairs[0], out=flat)
        for rows, weight in pairs[1:]:
            flat += xp.matmul(rows, weight, out=scratch)
    dx = dx[0] if len(products) == 1 else xp.add(dx[0], dx[1][::-1], out=dx[0])
    return dx.swapaxes(0, 1) if batch_first else dx


def _own(part, order=None):
    """A gradient block (a view) copied into an array of its own, so that no two leaves share memory.

    ``order`` puts the rows back in PyTorch's gate order.
    """
    xp = xp_of(part)
    out = buffers.empty(part.shape, part.dtype, xp)
    if order is None:
        xp.copyto(out, part)
        return out
    return xp.take(part, order, axis=0, out=out)


def _state_grads(ctx, grad):
    """The incoming gradients: of the output sequence (None when only final states were used) and of h_n, c_n."""
    state_grads = ctx.state_grads
    ctx.state_grads = [None] * len(state_grads)  # consumed: a retained graph starts afresh next time
    routed, ctx.zero_output_grad = ctx.zero_output_grad, None
    return (None if grad is routed else grad), state_grads


def _running_grad(final_grad, shape, dtype, xp):
    """A writable buffer holding the gradient of a final state (zeros when it was not used)."""
    return xp.zeros(shape, dtype=dtype) if final_grad is None else xp.array(final_grad, dtype=dtype)


class FinalStateFn(Primitive):
    """h_n or c_n of a sequence kernel, read through a node of its own.

    Autograd records one output per Primitive, so a kernel returns its output sequence and leaves its final
    states in ``finals``. This node returns one of them; its backward hands the state's gradient to the
    kernel's context and returns a zero gradient for the sequence (a broadcast view: no memory, no work),
    so that the kernel's backward runs even when only the final states are used, as in a classifier on h_n.
    """

    @staticmethod
    def forward(ctx, output, state, kernel=None, slot=0):
        ctx.kernel, ctx.slot, ctx.shape = kernel, slot, output.shape
        return state

    @staticmethod
    def backward(ctx, grad):
        kernel = ctx.kernel
        pending = kernel.__dict__.get("state_grads")
        if pending is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time: its saved arrays were freed "
                "by the first backward(). Call backward(retain_graph=True) the first time."
            )
        pending[ctx.slot] = grad if pending[ctx.slot] is None else pending[ctx.slot] + grad
        if kernel.zero_output_grad is not None:  # another final state already woke the kernel
            return None
        xp = xp_of(grad)
        kernel.zero_output_grad = xp.broadcast_to(xp.zeros((), dtype=grad.dtype), ctx.shape)
        return kernel.zero_output_grad


def _begin(ctx, x, params, batch_first, lengths, finals_count):
    """Bookkeeping every kernel's forward starts with; returns (T, B, D, H, bias, inactive)."""
    steps, batch = (x.shape[1], x.shape[0]) if batch_first else x.shape[:2]
    directions, hidden, bias = len(params) // 4, params[1].shape[1], params[2] is not None
    inactive = _inactive_steps(lengths, steps, batch, directions)
    ctx.batch_first, ctx.inactive, ctx.features, ctx.bias = batch_first, inactive, x.shape[-1], bias
    ctx.state_grads, ctx.zero_output_grad = [None] * finals_count, None
    return steps, batch, directions, hidden, bias, inactive


def _weight_and_input_grads(ctx, da, z, weights, dh0, dc0=None, order=None):
    """After the BPTT loop, for the RNN and the LSTM (whose input and hidden sides share da):

    [dW_ih, db, dW_hh] = sum_t da_t^T z_t, one (batched) GEMM per direction; db_ih = db_hh = db; dx = da W_ih.
    ``da`` is the gate-major (D, G, T, B, H); ``order`` maps the internal gate rows back to PyTorch's.
    Returns the gradients in the kernel's input order.
    """
    directions, gates, steps, batch, hidden = da.shape
    needs = ctx.needs_input_grad
    first = 2 if dc0 is None else 3  # x, h0 (, c0) come before the parameters
    n_in, bias = ctx.features, ctx.bias  # z_t = [x_t (n_in columns), 1 (if bias), h_{t-1}]
    grads = []
    for d in range(directions):
        need = needs[first + 4 * d : first + 4 * d + 4]
        full = _gemm_tn(da[d], z[d, :steps].reshape(steps * batch, z.shape[-1])) if any(need) else None
        grads.append(_own(full[:, :n_in], order) if need[0] else None)
        grads.append(_own(full[:, n_in + bias :], order) if need[1] else None)
        grads.append(_own(full[:, n_in], order) if bias and need[2] else None)
        grads.append(_own(full[:, n_in], order) if bias and need[3] else None)
    dx = None
    if needs[0]:
        products = [[(da[d, g].reshape(steps * batch, hidden), w_ih[g * hidden : (g + 1) * hidden])
                     for g in range(gates)] for d, (w_ih, _) in enumerate(weights)]  # fmt: skip
        dx = _input_grad(products, steps, batch, ctx.batch_first)
    lead = (dx, dh0 if needs[1] else None) + (() if dc0 is None else (dc0 if needs[2] else None,))
    return (*lead, *grads)


# -------------------------------------------------------------------------------------------- gate records


class RNNGates(NamedTuple):
    """One RNN layer's pre-activations a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh, in the output's layout."""

    a: np.ndarray


class LSTMGates(NamedTuple):
    """One LSTM layer's gates after their nonlinearities, and its cell states, each in the output's layout.

    i, f, o = sigmoid(.), g = tanh(.), c_t = f c_{t-1} + i g: the output is o * tanh(c) (zero on padding).
    """

    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray


class GRUGates(NamedTuple):
    """One GRU layer's gates after their nonlinearities, r, z = sigmoid(.), n = tanh(.), in the output's layout."""

    r: np.ndarray
    z: np.ndarray
    n: np.ndarray


# ----------------------------------------------------------------------------------------------- RNN


class RNNSequenceFn(Primitive):
    """Elman RNN over a whole sequence: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu.

    BPTT, for t = T-1 .. 0, with dh_t = dL/dh_t from the output plus the step after:
        da_t = dh_t * act'(a_t)        (1 - h_t**2 for tanh, [h_t > 0] for relu)
        dh_{t-1} = da_t W_hh
    then, for all steps at once: [dW_ih, db, dW_hh] = sum_t da_t^T [x_t, 1, h_{t-1}] (one GEMM),
    db_ih = db_hh = db, dx_t = da_t W_ih.

    Inputs: x, h0 (or None), then (w_ih, w_hh, b_ih, b_hh) per direction (biases may be None).
    Returns the output sequence; h_n is appended to ``finals``. Shapes in the module docstring.
    """

    @staticmethod
    def forward(ctx, x, h0, *params, batch_first=False, lengths=None, nonlinearity="tanh", finals=None, record=None):
        xp = xp_of(x)
        steps, batch, directions, H, bias, inactive = _begin(ctx, x, params, batch_first, lengths, 1)
        weights = _by_direction(params)
        z = _step_inputs(x, h0, batch_first, directions, H, bias, inactive)
        h = z[..., -H:]  # the states h_0 .. h_T, inside z
        inputs = [_augmented(w_ih, None if b_ih is None else b_ih + b_hh) for w_ih, _, b_ih, b_hh in weights]
        a = _project_inputs(z, _gate_blocks_t(inputs, 1))[:, 0]  # (D, T, B, H)
        w_hh_t = _gate_blocks_t([w[1] for w in weights], 1)[:, 0]  # (D, H, H)
        act = xp.tanh if nonlinearity == "tanh" else (lambda v, out: xp.maximum(v, 0, out=out))
        rec = xp.empty((directions, batch, H), dtype=x.dtype)
        for k in range(steps):
            # a_t = ([x_t, 1] [W_ih, b]^T) + h_{t-1} W_hh^T;  h_t = act(a_t)
            xp.matmul(h[:, k], w_hh_t, out=rec)
            a_k = a[:, k]
            a_k += rec
            act(a_k, out=h[:, k + 1])
            if inactive is not None:  # padding: the state is held
                xp.copyto(h[:, k + 1], h[:, k], where=inactive[:, k])
        ctx.nonlinearity = nonlinearity
        ctx.save_for_backward(z, *[w[:2] for w in weights])
        finals.append(h[:, steps])
        if record is not None:
            record.append(RNNGates(_in_time_order(a, inactive, batch_first)))
        return _in_time_order(h[:, 1:], inactive, batch_first)

    @staticmethod
    def backward(ctx, grad):
        z, *weights = ctx.saved
        grad, (dh_n,) = _state_grads(ctx, grad)
        xp = xp_of(z)
        directions, steps1, batch, _ = z.shape
        H, steps, inactive = weights[0][1].shape[1], steps1 - 1, ctx.inactive
        h = z[..., -H:]
        w_hh = xp.stack([w[1] for w in weights])  # (D, H, H)
        d_out = None if grad is None else _output_grad_by_step(grad, directions, H, ctx.batch_first, inactive)
        dh = _running_grad(dh_n, (directions, batch, H), z.dtype, xp)
        dh_prev = xp.empty_like(dh)
        da_all = buffers.empty((directions, 1, steps, batch, H), z.dtype, xp)  # gate-major, one gate
        da = da_all[:, 0]
        for k in reversed(range(steps)):
            if d_out is not None:
                dh += d_out[:, k]
            # da_t = dh_t * act'(a_t), from the output h_t
            da_k = da[:, k]
            if ctx.nonlinearity == "tanh":
                xp.multiply(h[:, k + 1], h[:, k + 1], out=da_k)
                xp.subtract(1, da_k, out=da_k)
                da_k *= dh
            else:
                xp.multiply(dh, h[:, k + 1] > 0, out=da_k)
            # dh_{t-1} = da_t W_hh
            xp.matmul(da_k, w_hh, out=dh_prev)
            if inactive is not None:  # padding: no gradient into the weights, dh passes through unchanged
                xp.copyto(da_k, 0, where=inactive[:, k])
                xp.copyto(dh_prev, dh, where=inactive[:, k])
            dh, dh_prev = dh_prev, dh
        return _weight_and_input_grads(ctx, da_all, z, weights, dh)


# ---------------------------------------------------------------------------------------------- LSTM


def _lstm_rows(hidden: int) -> np.ndarray:
    """Row order i, f, o, g from PyTorch's i, f, g, o: the three sigmoid gates become one block.

    Swapping the last two blocks is its own inverse, so the same index maps the gradients back.
    """
    blocks = np.arange(4 * hidden).reshape(4, hidden)
    return blocks[[0, 1, 3, 2]].reshape(-1)


class LSTMSequenceFn(Primitive):
    """LSTM over a whole sequence (Hochreiter & Schmidhuber, 1997; forget gate of Gers et al., 2000).

        i, f, g, o = split(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
        i, f, o = sigmoid(i, f, o);  g = tanh(g)
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)

    BPTT, for t = T-1 .. 0, with dh_t from the output plus the step after and dc_t from the step after:
        do = dh_t * tanh(c_t);          dc_t += dh_t * o * (1 - tanh(c_t)**2)
        di = dc_t * g;  df = dc_t * c_{t-1};  dg = dc_t * i;  dc_{t-1} = dc_t * f
        da = (di, df, do) * s (1 - s) for the sigmoid gates s, dg * (1 - g**2) for g
        dh_{t-1} = da W_hh = sum over the gates of da_gate W_hh,gate
    then one GEMM for [dW_ih, db, dW_hh] and one for dx, as in :class:`RNNSequenceFn`.

    Internally the gates are ordered i, f, o, g (the three sigmoids side by side) in the gate-major layout
    (see :func:`_gate_blocks_t`), and the forward computes sigmoid(a) = (1 + tanh(a / 2)) / 2 with the
    halving folded into copies of the weights, so one tanh call serves all four gates. Gradients are
    returned in PyTorch's order. Inputs: x, h0, c0 (each may be None), then (w_ih, w_hh, b_ih, b_hh) per
    direction. Returns the output sequence; h_n and c_n go to ``finals``.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, *params, batch_first=False, lengths=None, finals=None, record=None):
        xp = xp_of(x)
        steps, batch, directions, H, bias, inactive = _begin(ctx, x, params, batch_first, lengths, 2)
        rows = _lstm_rows(H)
        by_direction = _by_direction(params)
        weights = [(w_ih[rows], w_hh[rows]) for w_ih, w_hh, _, _ in by_direction]  # i, f, o, g
        biases = [None if b_ih is None else (b_ih + b_hh)[rows] for _, _, b_ih, b_hh in by_direction]
        # sigmoid(a) = (1 + tanh(a / 2)) / 2: halve the rows of i, f, o (exact: a power of two)
        half = xp.concatenate([xp.full(3 * H, 0.5, dtype=x.dtype), xp.ones(H, dtype=x.dtype)])[:, None]
        w_in_t = _gate_blocks_t([_augmented(w_ih, b) * half for (w_ih, _), b in zip(weights, biases)], 4)
        w_hh_t = _gate_blocks_t([w_hh * half for _, w_hh in weights], 4)  # (D, 4, H, H)
        z = _step_inputs(x, h0, batch_first, directions, H, bias, inactive)
        h = z[..., -H:]  # the states h_0 .. h_T, inside z
        gates = _project_inputs(z, w_in_t)  # (D, 4, T, B, H), then the activations in place
        c = _state_sequence(c0, directions, steps, batch, H, x.dtype, xp)
        tanh_c = buffers.empty((directions, steps, batch, H), x.dtype, xp)
        rec = xp.empty((directions, 4, batch, H), dtype=x.dtype)
        ig = xp.empty((directions, batch, H), dtype=x.dtype)
        for k in range(steps):
            # a = ([x_t, 1] [W_ih, b]^T) + h_{t-1} W_hh^T, gate by gate, in place in gates[:, :, k]
            xp.matmul(h[:, k, None], w_hh_t, out=rec)
            a = gates[:, :, k]
            a += rec
            # i, f, o = sigmoid(.) = (1 + tanh(a / 2)) / 2 (a already halved);  g = tanh(.)
            xp.tanh(a, out=a)
            sigmoids = a[:, :3]
            sigmoids *= 0.5
            sigmoids += 0.5
            i, f, o, g = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
            # c_t = f * c_{t-1} + i * g
            xp.multiply(f, c[:, k], out=c[:, k + 1])
            xp.multiply(i, g, out=ig)
            c[:, k + 1] += ig
            # h_t = o * tanh(c_t)
            xp.tanh(c[:, k + 1], out=tanh_c[:, k])
            xp.multiply(o, tanh_c[:, k], out=h[:, k + 1])
            if inactive is not None:  # padding: both states are held
                xp.copyto(h[:, k + 1], h[:, k], where=inactive[:, k])
                xp.copyto(c[:, k + 1], c[:, k], where=inactive[:, k])
        ctx.rows = rows
        ctx.save_for_backward(gates, z, c, tanh_c, *weights)  # the weights as given: not halved
        finals.extend((h[:, steps], c[:, steps]))
        if record is not None:
            i, f, o, g = (_in_time_order(gates[:, k], inactive, batch_first) for k in range(4))
            record.append(LSTMGates(i, f, g, o, _in_time_order(c[:, 1:], inactive, batch_first)))
        return _in_time_order(h[:, 1:], inactive, batch_first)

    @staticmethod
    def backward(ctx, grad):
        gates, z, c, tanh_c, *weights = ctx.saved
        grad, (dh_n, dc_n) = _state_grads(ctx, grad)
        xp = xp_of(z)
        directions, steps, batch, H = tanh_c.shape
        inactive = ctx.inactive
        w_hh = _gate_blocks([w_hh for _, w_hh in weights], 4)  # (D, 4, H, H), gates i, f, o, g
        d_out = None if grad is None else _output_grad_by_step(grad, directions, H, ctx.batch_first, inactive)
        shape = (directions, batch, H)
        dh, dc = _running_grad(dh_n, shape, z.dtype, xp), _running_grad(dc_n, shape, z.dtype, xp)
        dh_prev, dc_prev = xp.empty_like(dh), xp.empty_like(dc)
        scratch = xp.empty(shape, dtype=z.dtype)
        scratch3 = xp.empty((directions, 3, batch, H), dtype=z.dtype)
        through_gates = xp.empty((directions, 4, batch, H), dtype=z.dtype)
        da = buffers.empty((directions, 4, steps, batch, H), z.dtype, xp)
        for k in reversed(range(steps)):
            if d_out is not None:
                dh += d_out[:, k]
            a, da_k, tc = gates[:, :, k], da[:, :, k], tanh_c[:, k]
            i, f, o, g = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
            di, df, do, dg = da_k[:, 0], da_k[:, 1], da_k[:, 2], da_k[:, 3]
            # h_t = o * tanh(c_t):  do = dh tanh(c_t);  dc_t += dh o (1 - tanh(c_t)**2)
            xp.multiply(dh, tc, out=do)
            xp.multiply(dh, o, out=scratch)
            _tanh_grad_(scratch, tc, dc_prev)
            if inactive is not None:  # padding: dc passes through this step unchanged
                xp.copyto(scratch, 0, where=inactive[:, k])
            dc += scratch
            # c_t = f c_{t-1} + i g:  di = dc g;  df = dc c_{t-1};  dg = dc i;  dc_{t-1} = dc f
            xp.multiply(dc, g, out=di)
            xp.multiply(dc, c[:, k], out=df)
            xp.multiply(dc, i, out=dg)
            xp.multiply(dc, f, out=dc_prev)
            # through the nonlinearities: s (1 - s) for i, f, o;  1 - g**2 for g
            _sigmoid_grad_(da_k[:, :3], a[:, :3], scratch3)
            _tanh_grad_(dg, g, scratch)
            # dh_{t-1} = sum over the gates of da_gate W_hh,gate
            xp.matmul(da_k, w_hh, out=through_gates)
            xp.sum(through_gates, axis=1, out=dh_prev)
            if inactive is not None:  # padding: no gradient into the weights, dh and dc pass through unchanged
                xp.copyto(da_k, 0, where=inactive[:, k, None])
                xp.copyto(dh_prev, dh, where=inactive[:, k])
                xp.copyto(dc_prev, dc, where=inactive[:, k])  # dc itself was left alone above
            dh, dh_prev = dh_prev, dh
            dc, dc_prev = dc_prev, dc
        # back to PyTorch's gate order (the row swap is its own inverse)
        return _weight_and_input_grads(ctx, da, z, weights, dh, dc0=dc, order=ctx.rows)


# ----------------------------------------------------------------------------------------------- GRU


def _gru_input_bias(b_ih, b_hh, hidden: int):
    """b_ih + (b_hr, b_hz, 0): the biases that can be added once, before the loop."""
    b = b_ih.copy()
    b[: 2 * hidden] += b_hh[: 2 * hidden]
    return b


class GRUSequenceFn(Primitive):
    """GRU over a whole sequence (Cho et al., 2014), in PyTorch's formulation:

        r = sigmoid(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)
        z = sigmoid(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)
        n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    BPTT, for t = T-1 .. 0, with dh_t from the output plus the step after, and hn = h_{t-1} W_hn^T + b_hn:
        dn = dh_t (1 - z);  dz = dh_t (h_{t-1} - n)
        da_n = dn (1 - n**2)                    (input side of n)
        dr = da_n * hn;  dhn = da_n * r         (hidden side of n)
        da_r, da_z = dr r (1 - r), dz z (1 - z)
        dh_{t-1} = dh_t z + (da_r, da_z, dhn) W_hh
    then, after the loop, sum_t (da_r, da_z, dhn)^T [x_t, 1, h_{t-1}] (one GEMM) gives [., db_hh, dW_hh] and
    the r, z rows of [dW_ih, db_ih]; a second GEMM gives their n rows from da_n.

    Gate-major layout as in :class:`LSTMSequenceFn`. Inputs: x, h0 (or None), then (w_ih, w_hh, b_ih, b_hh) per
    direction. Returns the output sequence; h_n goes to ``finals``.
    """

    @staticmethod
    def forward(ctx, x, h0, *params, batch_first=False, lengths=None, finals=None, record=None):
        xp = xp_of(x)
        steps, batch, directions, H, bias, inactive = _begin(ctx, x, params, batch_first, lengths, 1)
        weights = _by_direction(params)
        # b_hr and b_hz join the input projection; b_hn stays inside r * (...)
        inputs = [_augmented(w_ih, None if b_ih is None else _gru_input_bias(b_ih, b_hh, H))
                  for w_ih, _, b_ih, b_hh in weights]  # fmt: skip
        z_in = _step_inputs(x, h0, batch_first, directions, H, bias, inactive)
        h = z_in[..., -H:]  # the states h_0 .. h_T, inside z
        gates = _project_inputs(z_in, _gate_blocks_t(inputs, 3))  # (D, 3, T, B, H), then activations in place
        w_hh_t = _gate_blocks_t([w[1] for w in weights], 3)  # (D, 3, H, H)
        b_hn = xp.stack([w[3][None, 2 * H :] for w in weights]) if bias else None  # (D, 1, H)
        hn = buffers.empty((directions, steps, batch, H), x.dtype, xp)
        rec = xp.empty((directions, 3, batch, H), dtype=x.dtype)
        scratch = xp.empty((directions, batch, H), dtype=x.dtype)
        for k in range(steps):
            xp.matmul(h[:, k, None], w_hh_t, out=rec)
            a = gates[:, :, k]
            # r, z = sigmoid(x W_i^T + b_i + h_{t-1} W_h^T + b_h)
            rz = a[:, :2]
            rz += rec[:, :2]
            sigmoid_(rz)
            r, z, n = a[:, 0], a[:, 1], a[:, 2]
            # n = tanh(x W_in^T + b_in + r * hn),  hn = h_{t-1} W_hn^T + b_hn
            if b_hn is None:
                xp.copyto(hn[:, k], rec[:, 2])
            else:
                xp.add(rec[:, 2], b_hn, out=hn[:, k])
            xp.multiply(r, hn[:, k], out=scratch)
            n += scratch
            xp.tanh(n, out=n)
            # h_t = (1 - z) n + z h_{t-1} = n + z (h_{t-1} - n)
            h_t = h[:, k + 1]
            xp.subtract(h[:, k], n, out=h_t)
            h_t *= z
            h_t += n
            if inactive is not None:  # padding: the state is held
                xp.copyto(h_t, h[:, k], where=inactive[:, k])
        ctx.save_for_backward(gates, z_in, hn, *[w[:2] for w in weights])
        finals.append(h[:, steps])
        if record is not None:
            record.append(GRUGates(*(_in_time_order(gates[:, k], inactive, batch_first) for k in range(3))))
        return _in_time_order(h[:, 1:], inactive, batch_first)

    @staticmethod
    def backward(ctx, grad):
        gates, z_in, hn, *weights = ctx.saved
        grad, (dh_n,) = _state_grads(ctx, grad)
        xp = xp_of(z_in)
        directions, steps, batch, H = hn.shape
        inactive = ctx.inactive
        h = z_in[..., -H:]
        w_hh = _gate_blocks([w[1] for w in weights], 3)  # (D, 3, H, H)
        d_out = None if grad is None else _output_grad_by_step(grad, directions, H, ctx.batch_first, inactive)
        dh = _running_grad(dh_n, (directions, batch, H), z_in.dtype, xp)
        dh_prev, scratch = xp.empty_like(dh), xp.empty_like(dh)
        scratch2 = xp.empty((directions, 2, batch, H), dtype=z_in.dtype)
        through_gates = xp.empty((directions, 3, batch, H), dtype=z_in.dtype)
        # hidden-side gradients (da_r, da_z, dhn) of every step, gate-major, and the input side of n (da_n)
        da_h = buffers.empty((directions, 3, steps, batch, H), z_in.dtype, xp)
        da_n = buffers.empty((directions, steps, batch, H), z_in.dtype, xp)
        for k in reversed(range(steps)):
            if d_out is not None:
                dh += d_out[:, k]
            a, dah, dan = gates[:, :, k], da_h[:, :, k], da_n[:, k]
            r, z, n = a[:, 0], a[:, 1], a[:, 2]
            dr, dz, dhn = dah[:, 0], dah[:, 1], dah[:, 2]
            # h_t = n + z (h_{t-1} - n):  dz = dh (h_{t-1} - n);  dn = dh (1 - z) = dh - dh z
            xp.subtract(h[:, k], n, out=scratch)
            xp.multiply(dh, scratch, out=dz)
            xp.multiply(dh, z, out=scratch)
            xp.subtract(dh, scratch, out=dan)
            # n = tanh(a_n):  da_n = dn (1 - n**2);  a_n = ... + r * hn:  dr = da_n hn,  dhn = da_n r
            _tanh_grad_(dan, n, dh_prev)
            xp.multiply(dan, hn[:, k], out=dr)
            xp.multiply(dan, r, out=dhn)
            # through the sigmoids of r and z
            _sigmoid_grad_(dah[:, :2], a[:, :2], scratch2)
            # dh_{t-1} = dh z + sum over the gates of (da_r, da_z, dhn)_gate W_hh,gate   (scratch holds dh z)
            xp.matmul(dah, w_hh, out=through_gates)
            xp.sum(through_gates, axis=1, out=dh_prev)
            dh_prev += scratch
            if inactive is not None:  # padding: no gradient into the weights, dh passes through unchanged
                xp.copyto(dah, 0, where=inactive[:, k, None])
                xp.copyto(dan, 0, where=inactive[:, k])
                xp.copyto(dh_prev, dh, where=inactive[:, k])
            dh, dh_prev = dh_prev, dh
        return _gru_weight_and_input_grads(ctx, da_h, da_n, z_in, weights, dh)


def _gru_weight_and_input_grads(ctx, da_h, da_n, z, weights, dh0):
    """After the GRU's BPTT loop: the hidden side uses (da_r, da_z, dhn), the input side (da_r, da_z, da_n).

    full = sum_t (da_r, da_z, dhn)^T [x_t, 1, h_{t-1}] holds dW_hh and db_hh, and the r, z rows of
    [dW_ih, db_ih]; the n rows of [dW_ih, db_ih] are sum_t da_n^T [x_t, 1], written over full's n rows.
    """
    xp = xp_of(z)
    directions, steps, batch, H = da_n.shape
    needs = ctx.needs_input_grad
    n_rows = da_n.reshape(directions, steps * batch, H)
    n_in, bias = ctx.features, ctx.bias  # z_t = [x_t (n_in columns), 1 (if bias), h_{t-1}]
    grads, products = [], []
    for d, (w_ih, _) in enumerate(weights):
        need = needs[2 + 4 * d : 2 + 4 * d + 4]
        if not any(need):
            grads.extend([None] * 4)
        else:
            z_flat = z[d, :steps].reshape(steps * batch, z.shape[-1])
            full = _gemm_tn(da_h[d], z_flat)
            dw_hh = _own(full[:, n_in + bias :]) if need[1] else None
            db_hh = _own(full[:, n_in]) if bias and need[3] else None
            # the n rows of the input side: sum_t da_n^T [x_t, 1], over the hidden side's in ``full``
            xp.matmul(n_rows[d].T, z_flat[:, : n_in + bias], out=full[2 * H :, : n_in + bias])
            dw_ih = _own(full[:, :n_in]) if need[0] else None
            db_ih = _own(full[:, n_in]) if bias and need[2] else None
            grads.extend([dw_ih, dw_hh, db_ih, db_hh])
        rz = [da_h[d, g].reshape(steps * batch, H) for g in range(2)]
        products.append([(rz[0], w_ih[:H]), (rz[1], w_ih[H : 2 * H]), (n_rows[d], w_ih[2 * H :])])
    dx = _input_grad(products, steps, batch, ctx.batch_first) if needs[0] else None
    return (dx, dh0 if needs[1] else None, *grads)


# ------------------------------------------------------------------------------------------ entry points


def _run(kernel, x: Tensor, states: tuple, params: list, batch_first: bool, lengths, record, **options):
    finals = []
    out = kernel.apply(x, *states, *params, batch_first=batch_first, lengths=lengths, finals=finals, record=record,
                       **options)  # fmt: skip
    return (out, *[FinalStateFn.apply(out, s, kernel=out._ctx, slot=i) for i, s in enumerate(finals)])


def rnn_sequence(x, h0, params, batch_first=False, lengths=None, nonlinearity="tanh", record=None) -> tuple:
    """One RNN layer over a sequence: ``(output, h_n)``; see :class:`RNNSequenceFn` and the module docstring.

    ``params`` is [w_ih, w_hh, b_ih, b_hh] for one direction, or twice that for two (biases may be None).
    ``lengths`` is None or B integers in 1..T (an int array; the layers check it); ``record`` a list that
    receives the layer's :class:`RNNGates`, or None.
    """
    return _run(RNNSequenceFn, x, (h0,), params, batch_first, lengths, record, nonlinearity=nonlinearity)


def lstm_sequence(x, h0, c0, params, batch_first=False, lengths=None, record=None) -> tuple:
    """One LSTM layer over a sequence: ``(output, h_n, c_n)``; see :class:`LSTMSequenceFn` and :func:`rnn_sequence`."""
    return _run(LSTMSequenceFn, x, (h0, c0), params, batch_first, lengths, record)


def gru_sequence(x, h0, params, batch_first=False, lengths=None, record=None) -> tuple:
    """One GRU layer over a sequence: ``(output, h_n)``; see :class:`GRUSequenceFn` and :func:`rnn_sequence`."""
    return _run(GRUSequenceFn, x, (h0,), params, batch_first, lengths, record)
