"""The nn.Module API: parameters, named_modules, children, buffers, ModuleList, ModuleDict, freezing, devices."""

import torch
from torch import nn

TOLERANCE = 1e-6


class Block(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.linear = nn.Linear(features, features)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.linear(x)) + x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(4, 8)
        self.blocks = nn.ModuleList([Block(8) for _ in range(2)])
        self.heads = nn.ModuleDict({"class": nn.Linear(8, 3), "value": nn.Linear(8, 1)})
        self.register_buffer("scale", torch.tensor(2.0))
        self.register_buffer("steps", torch.zeros(1, dtype=torch.long), persistent=False)
        self.temperature = nn.Parameter(torch.ones(1))

    def forward(self, x, head="class"):
        x = self.stem(x) * self.scale
        for block in self.blocks:
            x = block(x)
        self.steps += 1
        return self.heads[head](x) / self.temperature


model = Net()
print(model)
print("parameter names:", [name for name, _ in model.named_parameters()])
print("parameter count:", sum(p.numel() for p in model.parameters()))
print("trainable:", sum(p.numel() for p in model.parameters() if p.requires_grad))
print("module names:", [name for name, _ in model.named_modules()])
print("children:", [type(child).__name__ for child in model.children()])
print("named_children:", [name for name, _ in model.named_children()])
print("buffers:", [name for name, _ in model.named_buffers()], model.scale.item())
print("state_dict keys:", list(model.state_dict().keys()))
print("ModuleList:", len(model.blocks), type(model.blocks[0]).__name__, type(model.blocks[-1].linear).__name__)
print("ModuleDict:", list(model.heads.keys()), "value" in model.heads, len(model.heads))
for key, head in model.heads.items():
    print(f"  head {key}: out_features={head.out_features} in_features={head.in_features}")

x = torch.ones(5, 4)
print("class head:", list(model(x).shape), "value head:", list(model(x, head="value").shape))
print("steps buffer counted calls:", model.steps.item())

# Adding to containers after construction
model.blocks.append(Block(8))
model.heads["extra"] = nn.Linear(8, 2)
print("after append:", len(model.blocks), sum(p.numel() for p in model.parameters()))
seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
seq.append(nn.Linear(3, 1))
print("Sequential indexing:", type(seq[0]).__name__, type(seq[-1]).__name__, len(seq), len(seq[0:2]))
named_seq = nn.Sequential()
named_seq.add_module("hidden", nn.Linear(2, 2))
named_seq.add_module("out", nn.Linear(2, 1))
print("add_module:", [name for name, _ in named_seq.named_children()], type(named_seq.hidden).__name__)

# Freezing the stem: requires_grad_(False) on its parameters
for param in model.stem.parameters():
    param.requires_grad_(False)
print("frozen:", [name for name, p in model.named_parameters() if not p.requires_grad])
trainable = [p for p in model.parameters() if p.requires_grad]
optimizer = torch.optim.SGD(trainable, lr=0.1)
model(x).sum().backward()
print(
    "frozen grad is None:",
    model.stem.weight.grad is None,
    "trained grad set:",
    model.blocks[0].linear.weight.grad is not None,
)
model.requires_grad_(False)
print("all frozen:", not any(p.requires_grad for p in model.parameters()))
model.requires_grad_(True)

# train/eval flags propagate to every submodule
model.eval()
print("eval flags:", model.training, model.blocks[0].training, model.heads["class"].training)
model.train()
print("train flags:", model.training, all(m.training for m in model.modules()))

# Devices: everything stays on the CPU here
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("cuda available:", torch.cuda.is_available(), "device:", device, device.type)
model = model.to(device)
model.to("cpu")
print("parameter device:", next(model.parameters()).device, model.stem.weight.is_cuda)
print("x on device:", x.to(device).device == torch.device("cpu"), x.cpu().device.type)

# zero_grad, apply, and a parameter's identity across calls
model.zero_grad()
print("zero_grad sets None:", all(p.grad is None for p in model.parameters()))
counted = []
model.apply(lambda m: counted.append(type(m).__name__))
print("apply visits:", len(counted), counted[-1])
print("same parameter object:", model.stem.weight is dict(model.named_parameters())["stem.weight"])
print(
    "weight dtype:",
    model.stem.weight.dtype == torch.float32,
    "double():",
    model.double().stem.weight.dtype == torch.float64,
)
