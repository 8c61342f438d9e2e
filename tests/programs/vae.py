"""A variational autoencoder on the 8x8 digits: reparameterisation trick, BCE(reduction='sum') + KL divergence."""

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = 1e-4


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc21 = nn.Linear(32, 4)
        self.fc22 = nn.Linear(32, 4)
        self.fc3 = nn.Linear(4, 32)
        self.fc4 = nn.Linear(32, 64)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    """Reconstruction + KL divergence, summed over the batch.

    KL(N(mu, sigma^2) || N(0, 1)) = -0.5 * sum(1 + log sigma^2 - mu^2 - sigma^2)  (Kingma and Welling, appendix B)
    """
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


digits = load_digits()
images = torch.tensor(digits.images[:700] / 16.0, dtype=torch.float32)
train_loader = DataLoader(TensorDataset(images[:600]), batch_size=50, shuffle=True)
test_images = images[600:]
print("train batches:", len(train_loader), "pixel range:", images.min().item(), images.max().item())

model = VAE()
rng = np.random.default_rng(0)
with torch.no_grad():
    for param in model.parameters():
        param.copy_(torch.from_numpy(rng.normal(0.0, 0.1, size=tuple(param.shape)).astype(np.float32)))

# The deterministic part: decode the mean, with no sampling
with torch.no_grad():
    mu, logvar = model.encode(test_images.view(-1, 64))
    recon = model.decode(mu)
    print("mu:", list(mu.shape), "logvar:", list(logvar.shape), "recon:", list(recon.shape))
    print(
        f"initial loss of the mean code: {loss_function(recon, test_images, mu, logvar).item() / len(test_images):.4f}"
    )

# Sampling with one seed twice gives the same draw
torch.manual_seed(3)
first = model(test_images[:2])[0]
torch.manual_seed(3)
second = model(test_images[:2])[0]
print("same seed, same sample:", torch.equal(first, second))

optimizer = optim.Adam(model.parameters(), lr=1e-2)
epoch_losses = []
for epoch in range(1, 11):
    model.train()
    train_loss = 0
    for batch_idx, (data,) in enumerate(train_loader):
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    epoch_losses.append(train_loss / len(train_loader.dataset))
print("loss fell by a quarter:", epoch_losses[-1] < 0.75 * epoch_losses[0])

model.eval()
with torch.no_grad():
    recon, mu, logvar = model(test_images)
    test_loss = loss_function(recon, test_images, mu, logvar).item() / len(test_images)
    print("test loss per image below 32:", test_loss < 32)
    sample = model.decode(torch.randn(16, 4))
    print("samples:", list(sample.view(16, 1, 8, 8).shape), bool(((sample > 0) & (sample < 1)).all()))
