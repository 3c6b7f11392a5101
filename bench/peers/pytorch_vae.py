"""The PyTorch peer for the VAE epoch benchmark on Fashion-MNIST.

--model mlp (default): the pytorch/examples VAE recipe, 784-400-20 MLP (LatentSharp's "vae").
--model conv: LatentSharp's "conv-vae" with channels [32, 64], layer for layer (src/LatentSharp/Models/ConvVae.cs).
Both: ReLU, Bernoulli decoder on continuous [0,1] pixels (BCE-with-logits summed over pixels + KL), Adam lr 1e-3,
batch 128, latent 20. Prints a first JSON line with the parameter count, then one per epoch: seconds and test
loss per image. Run through bench/vae-epoch.sh, which gives PyTorch its best settings (shared design MEASURING.md).
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


MODELS = {"mlp": VAE, "conv": ConvVAE}


def loss_function(logits, x, mu, logvar):
    # BCE on logits is the numerically stable form of the example's sigmoid + binary_cross_entropy.
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=sorted(MODELS), default="mlp")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    try:
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(a.threads)
    except OSError:
        pass
    torch.manual_seed(a.seed)

    train = torch.from_numpy(read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
    test = torch.from_numpy(read_idx(os.path.join(a.data, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
    model = MODELS[a.model]()
    print(json.dumps({"model": a.model, "parameters": sum(t.numel() for t in model.parameters())}), flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, a.epochs + 1):
        model.train()
        start = time.perf_counter()
        perm = torch.randperm(train.shape[0])
        for i in range(0, train.shape[0], 128):
            x = train[perm[i:i + 128]]
            opt.zero_grad()
            logits, mu, logvar = model(x)
            loss = loss_function(logits, x, mu, logvar)
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - start
        model.eval()
        total = 0.0
        with torch.no_grad():
            for i in range(0, test.shape[0], 1000):
                x = test[i:i + 1000]
                logits, mu, logvar = model(x)
                total += loss_function(logits, x, mu, logvar).item()
        print(json.dumps({"epoch": epoch, "seconds": seconds, "test_loss": total / test.shape[0]}), flush=True)


if __name__ == "__main__":
    main()
