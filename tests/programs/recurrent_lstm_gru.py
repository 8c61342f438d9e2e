"""Recurrent layers: nn.LSTM with the default (T, B, F) layout and nn.GRU with batch_first=True, NumPy weights."""

import numpy as np
import torch
import torch.nn as nn

TOLERANCE = 1e-4

rng = np.random.default_rng(0)


def fill_from_numpy(module):
    with torch.no_grad():
        for name, param in module.named_parameters():
            param.copy_(torch.from_numpy(rng.uniform(-0.3, 0.3, param.shape).astype(np.float32)))


lstm = nn.LSTM(4, 8)
fill_from_numpy(lstm)
print("lstm parameters:", [(name, tuple(p.shape)) for name, p in lstm.named_parameters()])
seq_len, batch = 5, 3
inputs = torch.from_numpy(rng.normal(size=(seq_len, batch, 4)).astype(np.float32))
output, (h_n, c_n) = lstm(inputs)
print("lstm output:", tuple(output.shape), "h_n:", tuple(h_n.shape), "c_n:", tuple(c_n.shape))
print("last output equals h_n:", torch.allclose(output[-1], h_n[0]))
print("h_n[0, 0]:", [round(v, 5) for v in h_n[0, 0].tolist()])
print("c_n sum:", round(c_n.sum().item(), 5))

# An explicit initial state, and stepping one time step at a time gives the same answer
h0 = torch.from_numpy(rng.normal(size=(1, batch, 8)).astype(np.float32))
c0 = torch.zeros(1, batch, 8)
full, (h_full, c_full) = lstm(inputs, (h0, c0))
state = (h0, c0)
for t in range(seq_len):
    step_out, state = lstm(inputs[t : t + 1], state)
print("stepwise equals full:", torch.allclose(step_out[0], full[-1], atol=1e-6), torch.allclose(state[1], c_full))
print("with h0, output[2, 1, :3]:", [round(v, 5) for v in full[2, 1, :3].tolist()])

# Gradients flow back through time
loss = full.pow(2).mean()
loss.backward()
print("lstm loss:", round(loss.item(), 6))
print("weight_ih_l0 grad norm:", round(lstm.weight_ih_l0.grad.norm().item(), 5))

# GRU with batch_first=True: inputs are (B, T, F), the hidden state stays (layers, B, H)
gru = nn.GRU(input_size=4, hidden_size=6, num_layers=2, batch_first=True)
fill_from_numpy(gru)
x = torch.from_numpy(rng.normal(size=(2, 7, 4)).astype(np.float32))
out, h = gru(x)
print("gru output:", tuple(out.shape), "h:", tuple(h.shape))
print("last output equals top layer:", torch.allclose(out[:, -1], h[-1]))
print("gru h[1, 0]:", [round(v, 5) for v in h[1, 0].tolist()])

# A sequence classifier: the last hidden state feeds a linear head
head = nn.Linear(6, 2)
fill_from_numpy(head)
logits = head(h[-1])
print("logits:", [[round(v, 5) for v in row] for row in logits.tolist()])

# A plain tanh RNN
rnn = nn.RNN(4, 3, batch_first=True)
fill_from_numpy(rnn)
r_out, r_h = rnn(x)
print("rnn:", tuple(r_out.shape), tuple(r_h.shape), "h:", [round(v, 5) for v in r_h[0, 1].tolist()])
