"""A two-layer bidirectional LSTM and RNN in the default (T, B, F) layout: shapes, states, and a tagging task."""

import numpy as np
import torch
import torch.nn as nn

TOLERANCE = 1e-4

seq_len, batch, input_size, hidden_size, num_layers = 7, 3, 5, 6, 2
rng = np.random.default_rng(0)


def fill_from_numpy(module, scale=0.3):
    """Deterministic weights, in the order the module registers them."""
    with torch.no_grad():
        for param in module.parameters():
            param.copy_(torch.from_numpy(rng.uniform(-scale, scale, size=tuple(param.shape)).astype(np.float32)))


lstm = nn.LSTM(input_size, hidden_size, num_layers=num_layers, bidirectional=True)
fill_from_numpy(lstm)
print("parameter names:", [name for name, _ in lstm.named_parameters()])
print(
    "weight_ih_l1 shape:", list(lstm.weight_ih_l1.shape), "weight_hh_l0_reverse:", list(lstm.weight_hh_l0_reverse.shape)
)
print("batch_first default:", lstm.batch_first)

input = torch.from_numpy(rng.standard_normal((seq_len, batch, input_size)).astype(np.float32))
h0 = torch.zeros(num_layers * 2, batch, hidden_size)
c0 = torch.zeros(num_layers * 2, batch, hidden_size)
output, (hn, cn) = lstm(input, (h0, c0))
print("output:", list(output.shape), "h_n:", list(hn.shape), "c_n:", list(cn.shape))
print("forward half ends in h_n[-2]:", torch.allclose(output[-1, :, :hidden_size], hn[-2]))
print("backward half ends in h_n[-1]:", torch.allclose(output[0, :, hidden_size:], hn[-1]))
print("output[0, 0]:", [round(v, 5) for v in output[0, 0].tolist()])
print("c_n sum:", round(cn.sum().item(), 5))
same, _ = lstm(input)
print("default state is zeros:", torch.allclose(same, output))

# Separate the directions: (T, B, num_directions, H) and (num_layers, num_directions, B, H)
directions = output.view(seq_len, batch, 2, hidden_size)
layers = hn.view(num_layers, 2, batch, hidden_size)
print("split views:", list(directions.shape), list(layers.shape), torch.equal(layers[-1, 0], hn[2]))

# An RNN with tanh, bidirectional, and an unbatched (T, F) input
rnn = nn.RNN(input_size, hidden_size, num_layers=2, bidirectional=True, nonlinearity="tanh")
fill_from_numpy(rnn)
out, h = rnn(input)
print("RNN:", list(out.shape), list(h.shape), round(out.abs().sum().item(), 4))
out1, h1 = rnn(input[:, 0])
print("unbatched RNN:", list(out1.shape), list(h1.shape), torch.allclose(out1, out[:, 0], atol=1e-6))


# A tagging task that needs both directions: is x_t above the mean of the whole sequence?
class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 8, num_layers=2, bidirectional=True)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        features, _ = self.lstm(x)
        return self.out(features).squeeze(-1)


x = torch.from_numpy(rng.standard_normal((10, 64, 1)).astype(np.float32))
y = (x.squeeze(-1) > x.squeeze(-1).mean(dim=0, keepdim=True)).float()
model = Tagger()
fill_from_numpy(model)
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
criterion = nn.BCEWithLogitsLoss()
for step in range(60):
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    if step % 20 == 19:
        print(f"step {step + 1}: loss {loss.item():.4f}")
with torch.no_grad():
    accuracy = ((model(x) > 0).float() == y).float().mean().item()
print(f"tagging accuracy: {accuracy:.4f}")
