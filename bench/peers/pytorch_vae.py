"""The PyTorch peer for the training-epoch benchmark (bench/vae-epoch.sh).

--model mlp (default): the pytorch/examples VAE recipe, 784-400-20 MLP (LatentSharp's "vae").
--model conv: LatentSharp's "conv-vae" with channels [32, 64], layer for layer (src/LatentSharp/Models/ConvVae.cs).
Both: ReLU, Bernoulli decoder on continuous [0,1] pixels (BCE-with-logits summed over pixels + KL), batch 128, latent 20.
--model pixelcnn: LatentSharp's "pixelcnn" with 64 channels and 5 residual blocks, layer for layer
(src/LatentSharp/Models/PixelCnn.cs), exact NLL on images binarized afresh every batch, batch 64; the test images are
binarized once.
All: Adam lr 1e-3. Prints a first JSON line with the parameter count, then one per epoch: seconds and test loss per
image. Run through bench/vae-epoch.sh, which gives PyTorch its best settings (shared design MEASURING.md).
"""
import argparse, ctypes, gzip, json, os, struct, sys, time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class VAE(nn.Module):
    """The pytorch/examples VAE: 784-400-20 MLP."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def forward(self, x):
        h1 = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h1), self.fc22(h1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.fc4(F.relu(self.fc3(z))), mu, logvar


class ConvVAE(nn.Module):
    """LatentSharp's conv-vae (ConvVae.cs, ModelCatalog "conv-vae") with ConvChannels [32, 64] on 1x28x28:
    encoder  Unflatten → Conv(1→32, k4 s2 p1) → ReLU → Conv(32→64, k4 s2 p1) → ReLU → Flatten → Linear(3136 → 2L),
             μ = first L, log σ² = last L clamped to [-30, 20] (Vae.Posterior);
    decoder  Linear(L → 3136) → ReLU → Unflatten(64, 7, 7) → ConvT(64→32, k4 s2 p1) → ReLU → ConvT(32→1, k4 s2 p1)
             → Flatten: Bernoulli logits."""

    def __init__(self, latent=20, channels=(32, 64)):
        super().__init__()
        c1, c2 = channels
        self.latent = latent
        self.encoder = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, c1, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(c1, c2, 4, 2, 1), nn.ReLU(),
            nn.Flatten(),
            nn.Linear(c2 * 7 * 7, 2 * latent))
        self.decoder = nn.Sequential(
            nn.Linear(latent, c2 * 7 * 7), nn.ReLU(),
            nn.Unflatten(1, (c2, 7, 7)),
            nn.ConvTranspose2d(c2, c1, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(c1, 1, 4, 2, 1),
            nn.Flatten())

    def forward(self, x):
        h = self.encoder(x)
        mu, logvar = h[:, :self.latent], h[:, self.latent:].clamp(-30.0, 20.0)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar


class MaskedConv2d(nn.Conv2d):
    """A k×k convolution (padding k//2) whose kernel sees only the pixels before the centre in raster order, and the
    centre itself for type B (LatentSharp's Nn/MaskedConv2d.cs)."""

    def __init__(self, cin, cout, k, mask_type):
        super().__init__(cin, cout, k, padding=k // 2)
        mask = torch.ones_like(self.weight)
        c = k // 2
        mask[:, :, c, c + (mask_type == "B"):] = 0
        mask[:, :, c + 1:] = 0
        self.register_buffer("mask", mask)

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class ResidualBlock(nn.Module):
    """x + Conv1×1(h/2 → h)(ReLU(MaskedConv 3×3 B(h/2 → h/2)(ReLU(Conv1×1(h → h/2)(ReLU(x))))))."""

    def __init__(self, h):
        super().__init__()
        self.reduce = nn.Conv2d(h, h // 2, 1)
        self.masked = MaskedConv2d(h // 2, h // 2, 3, "B")
        self.expand = nn.Conv2d(h // 2, h, 1)

    def forward(self, x):
        return x + self.expand(F.relu(self.masked(F.relu(self.reduce(F.relu(x))))))


class PixelCNN(nn.Module):
    """LatentSharp's pixelcnn: MaskedConv 7×7 A (1 → h) → blocks → ReLU → Conv1×1 (h → h) → ReLU → Conv1×1 (h → 1)."""

    def __init__(self, h=64, blocks=5):
        super().__init__()
        self.input = MaskedConv2d(1, h, 7, "A")
        self.blocks = nn.Sequential(*[ResidualBlock(h) for _ in range(blocks)])
        self.hidden = nn.Conv2d(h, h, 1)
        self.output = nn.Conv2d(h, 1, 1)

    def forward(self, x):
        h = self.blocks(self.input(x.view(-1, 1, 28, 28)))
        return self.output(F.relu(self.hidden(F.relu(h)))).view(-1, 784)


MODELS = {"mlp": VAE, "conv": ConvVAE, "pixelcnn": PixelCNN}


def loss_function(logits, x, mu, logvar):
    # BCE on logits is the numerically stable form of the example's sigmoid + binary_cross_entropy.
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def batch_loss(model, x):
    """The loss summed over the batch: the negative ELBO of a VAE, the exact NLL of the PixelCNN."""
    if isinstance(model, PixelCNN):
        return F.binary_cross_entropy_with_logits(model(x), x, reduction="sum")
    logits, mu, logvar = model(x)
    return loss_function(logits, x, mu, logvar)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=sorted(MODELS), default="mlp")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    pixelcnn = a.model == "pixelcnn"
    batch = 64 if pixelcnn else 128

    torch.set_num_threads(a.threads)
    try:
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(a.threads)
    except OSError:
        pass
    torch.manual_seed(a.seed)

    train = torch.from_numpy(read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
    test = torch.from_numpy(read_idx(os.path.join(a.data, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
    if pixelcnn:
        test = torch.bernoulli(test, generator=torch.Generator().manual_seed(20141222))
    model = MODELS[a.model]()
    print(json.dumps({"model": a.model, "parameters": sum(t.numel() for t in model.parameters())}), flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, a.epochs + 1):
        model.train()
        start = time.perf_counter()
        perm = torch.randperm(train.shape[0])
        for i in range(0, train.shape[0], batch):
            x = train[perm[i:i + batch]]
            if pixelcnn:
                x = torch.bernoulli(x)
            opt.zero_grad()
            loss = batch_loss(model, x)
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - start
        model.eval()
        total = 0.0
        with torch.no_grad():
            for i in range(0, test.shape[0], 1000):
                total += batch_loss(model, test[i:i + 1000]).item()
        print(json.dumps({"epoch": epoch, "seconds": seconds, "test_loss": total / test.shape[0]}), flush=True)


if __name__ == "__main__":
    main()
