"""One GAN pattern on toy data: a generator and a discriminator, two optimizers, BCELoss and .detach()."""

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

TOLERANCE = 1e-3

rng = np.random.default_rng(0)
nz, n_features, batch_size = 4, 6, 16
real_label, fake_label = 1.0, 0.0

generator = nn.Sequential(
    nn.Linear(nz, 16),
    nn.ReLU(inplace=True),
    nn.Linear(16, n_features),
    nn.Tanh(),
)
discriminator = nn.Sequential(
    nn.Linear(n_features, 16),
    nn.LeakyReLU(0.2, inplace=True),
    nn.Linear(16, 1),
    nn.Sigmoid(),
)
with torch.no_grad():
    for net in (generator, discriminator):
        for param in net.parameters():
            param.copy_(torch.from_numpy(rng.normal(0, 0.3, param.shape).astype(np.float32)))

criterion = nn.BCELoss()
optimizerD = optim.Adam(discriminator.parameters(), lr=0.01, betas=(0.5, 0.999))
optimizerG = optim.Adam(generator.parameters(), lr=0.01, betas=(0.5, 0.999))

real_data = torch.from_numpy(np.tanh(rng.normal(0.5, 0.2, size=(batch_size, n_features))).astype(np.float32))
noises = [torch.from_numpy(rng.normal(size=(batch_size, nz)).astype(np.float32)) for _ in range(5)]

for step, noise in enumerate(noises):
    # (1) Update D: maximise log(D(x)) + log(1 - D(G(z)))
    discriminator.zero_grad()
    label = torch.full((batch_size,), real_label, dtype=torch.float)
    output = discriminator(real_data).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = output.mean().item()

    fake = generator(noise)
    label.fill_(fake_label)
    output = discriminator(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    D_G_z1 = output.mean().item()
    errD = errD_real + errD_fake
    optimizerD.step()
    generator_untouched = all(p.grad is None for p in generator.parameters())

    # (2) Update G: maximise log(D(G(z)))
    generator.zero_grad()
    label.fill_(real_label)
    output = discriminator(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = output.mean().item()
    optimizerG.step()
    print(
        f"step {step} Loss_D: {errD.item():.4f} Loss_G: {errG.item():.4f} "
        f"D(x): {D_x:.4f} D(G(z)): {D_G_z1:.4f} / {D_G_z2:.4f}"
    )

print("detach kept D's loss off the generator:", generator_untouched)
print("label dtype:", label.dtype == torch.float32, "label:", label[:3].tolist())
print("fake shape:", tuple(fake.shape), "in tanh range:", bool((fake.abs() <= 1).all()))

# The inplace activations change their input tensor
t = torch.tensor([-1.0, 2.0])
nn.ReLU(inplace=True)(t)
print("ReLU(inplace=True) changed its input:", t.tolist())
t = torch.tensor([-1.0, 2.0])
nn.LeakyReLU(0.2, inplace=True)(t)
print("LeakyReLU(0.2, inplace=True):", [round(v, 6) for v in t.tolist()])
print("BCELoss by hand:", round(criterion(torch.tensor([0.8, 0.3]), torch.tensor([1.0, 0.0])).item(), 6))
