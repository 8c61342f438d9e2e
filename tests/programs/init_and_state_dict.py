"""nn.init functions, state_dict keys and a save/load_state_dict round trip between two models."""

import io
import math

import numpy as np
import torch
import torch.nn as nn

TOLERANCE = 1e-4


def make_model():
    return nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3))


model = make_model()

# Initialisers work in place and return the tensor; print only facts that hold for any draw
w = model[0].weight
returned = nn.init.xavier_uniform_(w)
bound = math.sqrt(6.0 / (5 + 7))
print("xavier_uniform_ returns its argument:", returned is w)
print("xavier within bound:", w.abs().max().item() <= bound, "shape:", tuple(w.shape))
nn.init.zeros_(model[0].bias)
print("zeros_:", model[0].bias.tolist())
nn.init.constant_(model[2].bias, 0.25)
print("constant_:", model[2].bias.tolist())
nn.init.kaiming_normal_(model[2].weight, mode="fan_in", nonlinearity="relu")
print("kaiming_normal_ shape:", tuple(model[2].weight.shape), "finite:", bool(torch.isfinite(model[2].weight).all()))
nn.init.ones_(model[0].weight)
print("ones_ sum:", model[0].weight.sum().item())
big = torch.empty(200, 300)
nn.init.normal_(big, mean=0.0, std=0.1)
print("normal_ std near 0.1:", abs(big.std().item() - 0.1) < 0.01)
nn.init.uniform_(big, -0.5, 0.5)
print("uniform_ in range:", big.min().item() >= -0.5, big.max().item() <= 0.5)
nn.init.kaiming_uniform_(big, a=math.sqrt(5))
print("kaiming_uniform_ bound:", big.abs().max().item() <= 1 / math.sqrt(300) + 1e-6)
nn.init.xavier_normal_(big)
print("xavier_normal_ requires_grad unchanged:", big.requires_grad, model[0].weight.requires_grad)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        m.bias.data.fill_(0.01)


model.apply(init_weights)
print("apply reached every Linear:", all(torch.all(m.bias == 0.01).item() for m in model if isinstance(m, nn.Linear)))

# state_dict: ordered keys, tensors detached from the graph
state = model.state_dict()
print("state_dict keys:", list(state.keys()))
print("state_dict shapes:", [tuple(v.shape) for v in state.values()])
print("state tensors need no grad:", all(not v.requires_grad for v in state.values()))

# Copy NumPy weights in, then move them to a second model through the state dict
rng = np.random.default_rng(0)
with torch.no_grad():
    for param in model.parameters():
        param.copy_(torch.from_numpy(rng.normal(size=param.shape).astype(np.float32)))
other = make_model()
result = other.load_state_dict(model.state_dict())
print("load_state_dict missing/unexpected:", list(result.missing_keys), list(result.unexpected_keys))
x = torch.from_numpy(rng.normal(size=(4, 5)).astype(np.float32))
print("equal outputs after load:", torch.equal(model(x), other(x)))
print("output row 0:", [round(v, 4) for v in other(x)[0].tolist()])

# The state dict holds copies as far as later training goes: changing one model leaves the other
with torch.no_grad():
    other[0].bias.add_(1.0)
print("independent after load:", not torch.equal(model(x), other(x)))

# Save and load through a file-like object
buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
third = make_model()
third.load_state_dict(torch.load(buffer))
print("torch.save/torch.load round trip:", torch.equal(model(x), third(x)))

# strict=False tolerates a missing key
partial = {k: v for k, v in model.state_dict().items() if not k.startswith("2.")}
result = make_model().load_state_dict(partial, strict=False)
print("strict=False missing keys:", sorted(result.missing_keys))
