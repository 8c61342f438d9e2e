"""The DCGAN training pattern on 8x8 images of bars: weights_init via apply, BCELoss, two Adam optimizers."""

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

TOLERANCE = 1e-6

nz = 8  # size of the latent vector
ngf = 16  # generator feature maps
ndf = 16  # discriminator feature maps
nc = 1  # image channels
batch_size = 16
lr = 0.002
beta1 = 0.5


def make_bars(n, rng):
    """(n, 1, 8, 8) images in [-1, 1]: one horizontal or vertical bright bar on a dark background."""
    images = -np.ones((n, 1, 8, 8), dtype=np.float32)
    for i, (vertical, position) in enumerate(zip(rng.integers(0, 2, n), rng.integers(1, 7, n))):
        if vertical:
            images[i, 0, :, position] = 1.0
        else:
            images[i, 0, position, :] = 1.0
    return images


def weights_init(m):
    """DCGAN's initialisation: conv weights from N(0, 0.02), batch-norm scales from N(1, 0.02), biases 0."""
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        m.weight.data.normal_(0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        m.weight.data.normal_(1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            # z: (nz, 1, 1) -> (ngf * 2, 4, 4)
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # -> (ngf, 8, 8)
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(inplace=True),
            # -> (nc, 8, 8)
            nn.Conv2d(ngf, nc, 3, 1, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            # (nc, 8, 8) -> (ndf, 4, 4)
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # -> (ndf * 2, 2, 2)
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # -> (1, 1, 1)
            nn.Conv2d(ndf * 2, 1, 2, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, input):
        return self.main(input)


torch.manual_seed(999)
device = torch.device("cpu")
dataset = torch.from_numpy(make_bars(128, np.random.default_rng(0)))
print("dataset:", list(dataset.shape), dataset.min().item(), dataset.max().item())

netG = Generator().to(device)
netG.apply(weights_init)
netD = Discriminator().to(device)
netD.apply(weights_init)
conv_std = netD.main[0].weight.std().item()
print("init: conv std near 0.02:", 0.015 < conv_std < 0.025, "bn bias zero:", netG.main[1].bias.abs().sum().item())
print("generator layers:", [type(m).__name__ for m in netG.main])

criterion = nn.BCELoss()
fixed_noise = torch.randn(16, nz, 1, 1, device=device)
real_label = 1.0
fake_label = 0.0
optimizerD = optim.Adam(netD.parameters(), lr=lr, betas=(beta1, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=lr, betas=(beta1, 0.999))
print("betas:", optimizerD.param_groups[0]["betas"])

G_losses, D_losses, D_x_values = [], [], []
num_epochs = 5
for epoch in range(num_epochs):
    permutation = torch.randperm(len(dataset))
    for i in range(0, len(dataset), batch_size):
        # (1) Update D: maximise log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        real_cpu = dataset[permutation[i : i + batch_size]].to(device)
        b_size = real_cpu.size(0)
        label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
        output = netD(real_cpu).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()

        noise = torch.randn(b_size, nz, 1, 1, device=device)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()

        # (2) Update G: maximise log(D(G(z)))
        netG.zero_grad()
        label.fill_(real_label)  # fake labels are real for the generator cost
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()

        G_losses.append(errG.item())
        D_losses.append(errD.item())
        D_x_values.append(D_x)

print("first D(x) near 0.5:", abs(D_x_values[0] - 0.5) < 0.2)
print("iterations:", len(G_losses), "losses finite:", bool(np.isfinite(G_losses + D_losses).all()))
print("D(x) stays a probability:", all(0 < d < 1 for d in D_x_values), 0 < D_G_z1 < 1, 0 < D_G_z2 < 1)

with torch.no_grad():
    fake = netG(fixed_noise).detach().cpu()
print("fake images:", list(fake.shape), "in [-1, 1]:", bool((fake.abs() <= 1).all()))
print("fake has grad_fn:", fake.grad_fn is not None, "netG in training mode:", netG.training)
