"""What is torch.nn really: the same digits classifier refactored step by step, from raw tensors to DataLoader."""

import math

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = 1e-3

# The 8x8 digits stand in for MNIST: 1,000 training and 300 validation images, pixels scaled to [0, 1]
digits = load_digits()
images = (digits.data / 16.0).astype(np.float32)
x_train, y_train, x_valid, y_valid = map(
    torch.tensor, (images[:1000], digits.target[:1000], images[1000:1300], digits.target[1000:1300])
)
n, c = x_train.shape
print("x_train:", list(x_train.shape), x_train.dtype == torch.float32, "y_train:", y_train.dtype == torch.int64)
print("y range:", y_train.min().item(), y_train.max().item())

# 1. Raw tensors: Xavier-like initialisation, a hand-written log_softmax and negative log-likelihood
torch.manual_seed(0)
weights = torch.randn(64, 10) / math.sqrt(64)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


loss_func = nll
bs = 64
xb, yb = x_train[0:bs], y_train[0:bs]
preds = model(xb)
print("preds shape:", list(preds.shape), "rows sum to one:", torch.allclose(preds.exp().sum(1), torch.ones(bs)))
start_loss = loss_func(preds, yb).item()
print("random-init loss plausible:", 1.0 < start_loss < 5.0)

lr = 0.5
epochs = 2
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
print(
    "raw model learned:",
    loss_func(model(x_valid), y_valid).item() < 1.0,
    accuracy(model(x_valid), y_valid).item() > 0.8,
)

# From here on the weights start from NumPy, so both runs compare number for number
rng = np.random.default_rng(0)
w0 = (rng.standard_normal((64, 10)) / math.sqrt(64)).astype(np.float32)

# 2. F.cross_entropy replaces log_softmax + nll
loss_func = F.cross_entropy
weights = torch.from_numpy(w0.copy()).requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def model(xb):
    return xb @ weights + bias


print("cross_entropy at start:", f"{loss_func(model(x_train[:bs]), y_train[:bs]).item():.6f}")
print("accuracy at start:", f"{accuracy(model(x_train[:bs]), y_train[:bs]).item():.6f}")


# 3. nn.Module with nn.Parameter
class Digits_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.from_numpy(w0.copy()))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


def fit_by_hand(model):
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            loss = loss_func(model(x_train[start_i:end_i]), y_train[start_i:end_i])
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()


model = Digits_Logistic()
print("module loss before:", f"{loss_func(model(x_train[:bs]), y_train[:bs]).item():.6f}")
fit_by_hand(model)
print("module loss after:", f"{loss_func(model(x_train[:bs]), y_train[:bs]).item():.6f}")
print("parameter names:", [name for name, _ in model.named_parameters()])


# 4. nn.Linear does the weights and bias
class Digits_Linear(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(64, 10)
        with torch.no_grad():
            self.lin.weight.copy_(torch.from_numpy(w0.T.copy()))
            self.lin.bias.zero_()

    def forward(self, xb):
        return self.lin(xb)


model = Digits_Linear()
fit_by_hand(model)
print("nn.Linear loss after:", f"{loss_func(model(x_train[:bs]), y_train[:bs]).item():.6f}")


# 5. optim does the update
def get_model():
    model = Digits_Linear()
    return model, optim.SGD(model.parameters(), lr=lr)


model, opt = get_model()
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        loss = loss_func(model(x_train[start_i:end_i]), y_train[start_i:end_i])
        loss.backward()
        opt.step()
        opt.zero_grad()
print("optim loss after:", f"{loss_func(model(x_train[:bs]), y_train[:bs]).item():.6f}")

# 6. TensorDataset and DataLoader do the slicing
train_ds = TensorDataset(x_train, y_train)
print("dataset:", len(train_ds), [list(t.shape) for t in train_ds[0]], train_ds[3][1].item())
train_dl = DataLoader(train_ds, batch_size=bs)
print("batches:", len(train_dl), [list(t.shape) for t in next(iter(train_dl))])
model, opt = get_model()
for epoch in range(epochs):
    for xb, yb in train_dl:
        loss = loss_func(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
print("DataLoader loss after:", f"{loss_func(model(x_train[:bs]), y_train[:bs]).item():.6f}")


# 7. Validation with model.eval() and no_grad, and shuffled training batches
def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    history = []
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)

        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
        history.append(val_loss)
    return history


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=True),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


valid_ds = TensorDataset(x_valid, y_valid)
train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
model, opt = get_model()
history = fit(5, model, loss_func, opt, train_dl, valid_dl)
print("validation loss went down:", history[-1] < history[0] + 0.05, "and is small:", history[-1] < 0.7)
print("validation batches:", len(valid_dl), "training mode after fit:", model.training)
