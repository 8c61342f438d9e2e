"""Initialisation with nn.init, then saving and loading: state_dict, torch.save/torch.load, load_state_dict."""

import math
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-6


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc1 = nn.Linear(8 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)
        self._initialize_weights()

    def _initialize_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)
        x = x.view(x.size(0), -1)
        return self.fc2(F.relu(self.fc1(x)))


torch.manual_seed(0)
model = SmallCNN()

# The spread of each initialiser, checked against its formula
conv_std = model.conv.weight.std().item()
expected_conv_std = math.sqrt(2.0 / (8 * 3 * 3))  # kaiming, fan_out = out_channels * kernel area
bound = math.sqrt(6.0 / (128 + 32))  # xavier_uniform: U(-b, b), b = sqrt(6 / (fan_in + fan_out))
print("kaiming_normal_ fan_out std close:", abs(conv_std / expected_conv_std - 1) < 0.3)
print("xavier_uniform_ within bound:", model.fc1.weight.abs().max().item() <= bound)
print("xavier_uniform_ fills the range:", model.fc1.weight.abs().max().item() > 0.9 * bound)
print("zeros_ biases:", model.fc1.bias.abs().sum().item(), model.conv.bias.abs().sum().item())
print("calculate_gain:", round(nn.init.calculate_gain("relu"), 6), round(nn.init.calculate_gain("leaky_relu", 0.2), 6))
t = torch.empty(3, 5)
nn.init.constant_(t, 0.3)
print("constant_:", t.sum().item(), "eye_:", nn.init.eye_(torch.empty(2, 2)).tolist())

# A few training steps so that running statistics and weights move away from their initial values
rng = np.random.default_rng(0)
x = torch.from_numpy(rng.standard_normal((16, 1, 8, 8)).astype(np.float32))
y = torch.from_numpy(rng.integers(0, 10, 16))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for _ in range(3):
    optimizer.zero_grad()
    F.cross_entropy(model(x), y).backward()
    optimizer.step()

state = model.state_dict()
print("state_dict keys:", list(state.keys()))
print(
    "num_batches_tracked:", state["bn.num_batches_tracked"].item(), state["bn.num_batches_tracked"].dtype == torch.long
)
print("state_dict values are tensors:", all(isinstance(v, torch.Tensor) for v in state.values()))
print("state_dict tensors are detached:", not any(v.requires_grad for v in state.values()))

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "model_weights.pth")
    torch.save(model.state_dict(), path)

    model2 = SmallCNN()
    model.eval()
    model2.eval()
    print("fresh model differs:", not torch.equal(model(x), model2(x)))
    result = model2.load_state_dict(torch.load(path, weights_only=True))
    print("load result:", list(result.missing_keys), list(result.unexpected_keys))
    with torch.no_grad():
        print("outputs equal after load:", torch.equal(model(x), model2(x)))
    print("running_mean equal:", torch.equal(model.bn.running_mean, model2.bn.running_mean))

    # Saving tensors and plain containers of tensors
    tensor_path = os.path.join(tmp, "tensor.pt")
    torch.save(torch.arange(6).view(2, 3), tensor_path)
    loaded = torch.load(tensor_path)
    print("loaded tensor:", loaded.tolist(), loaded.dtype == torch.int64)
    torch.save({"epoch": 3, "weights": model.fc2.weight.detach(), "optimizer": optimizer.state_dict()}, tensor_path)
    checkpoint = torch.load(tensor_path, weights_only=False)
    print(
        "checkpoint epoch:", checkpoint["epoch"], "weights equal:", torch.equal(checkpoint["weights"], model.fc2.weight)
    )
    optimizer2 = torch.optim.SGD(model2.parameters(), lr=0.5, momentum=0.5)
    optimizer2.load_state_dict(checkpoint["optimizer"])
    print("optimizer lr restored:", optimizer2.param_groups[0]["lr"], optimizer2.param_groups[0]["momentum"])

    # Strict loading reports missing and unexpected keys
    partial = {k: v for k, v in state.items() if not k.startswith("fc2")}
    partial["extra.weight"] = torch.zeros(1)
    result = model2.load_state_dict(partial, strict=False)
    print("non-strict:", sorted(result.missing_keys), result.unexpected_keys)
    try:
        model2.load_state_dict(partial)
        print("strict load raised: False")
    except RuntimeError:
        print("strict load raised: True")
