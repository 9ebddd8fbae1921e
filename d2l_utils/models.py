"""Models: an MLP builder, MLP and convolutional autoencoders, and a variational autoencoder built from them."""
import torch
from torch import nn

__all__ = ["mlp", "MLPAutoencoder", "ConvAutoencoder", "VAE"]


def mlp(sizes, activation=nn.ReLU, out_activation: nn.Module | None = None) -> nn.Sequential:
    """Linear layers of widths `sizes` with `activation` between them (and `out_activation` after the last)."""
    sizes = list(sizes)
    if len(sizes) < 2 or any(not isinstance(s, int) or s <= 0 for s in sizes):
        raise ValueError(f"Invalid sizes: {sizes!r} (need at least two positive ints)")
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    if out_activation is not None:
        layers.append(out_activation)
    return nn.Sequential(*layers)


class MLPAutoencoder(nn.Module):
    """x -> encoder -> z (latent_dim) -> decoder -> x_hat in [0, 1]; images of any shape are flattened."""

    def __init__(self, in_dim: int = 784, hidden=(256,), latent_dim: int = 32):
        super().__init__()
        hidden = (hidden,) if isinstance(hidden, int) else tuple(hidden)  # hidden=128 means (128,)
        self.in_dim, self.hidden, self.latent_dim = in_dim, hidden, latent_dim
        self.encoder = mlp([in_dim, *hidden, latent_dim])
        self.decoder = mlp([latent_dim, *reversed(hidden), in_dim], out_activation=nn.Sigmoid())

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The latent code of a batch, shape (n, latent_dim)."""
        return self.encoder(x.flatten(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Reconstructions from codes, shape (n, in_dim)."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x)).view(x.shape)


class ConvAutoencoder(nn.Module):
    """A small convolutional autoencoder for 1x28x28 images: 28 -> 14 -> 7 -> latent_dim and back."""

    def __init__(self, latent_dim: int = 32, channels: tuple[int, int] = (16, 32)):
        super().__init__()
        c1, c2 = channels
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c1, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(c2 * 7 * 7, latent_dim))
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, c2 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (c2, 7, 7)),
            nn.ConvTranspose2d(c2, c1, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(c1, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The latent code of a batch of (n, 1, 28, 28) images (or (n, 784) rows)."""
        return self.encoder(x.reshape(-1, 1, 28, 28))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images (n, 1, 28, 28) from codes."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x)).view(x.shape)


def _bce(p: torch.Tensor, x: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """F.binary_cross_entropy(p, x, reduction='mean'|'sum') up to rounding, but NaN in p gives NaN, not an error."""
    def log(q):  # clamped at -100 like F.binary_cross_entropy; clamping q first keeps the gradient finite at q = 0
        return torch.log(q.clamp_min(1e-44)).clamp_min(-100)
    terms = -torch.lerp(log(1 - p), log(p), x)
    return terms.sum() if reduction == "sum" else terms.mean()


class VAE(MLPAutoencoder):
    """A variational autoencoder: the MLP autoencoder whose encoder outputs mean and log-variance of q(z|x)."""

    def __init__(self, in_dim: int = 784, hidden=(256,), latent_dim: int = 2):
        hidden = (hidden,) if isinstance(hidden, int) else tuple(hidden)
        super().__init__(in_dim, hidden, 2 * latent_dim)  # the encoder emits [mu, logvar]
        self.latent_dim = latent_dim
        self.decoder = mlp([latent_dim, *reversed(hidden), in_dim], out_activation=nn.Sigmoid())

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of q(z | x), each (n, latent_dim)."""
        mu, logvar = self.encoder(x.flatten(1)).chunk(2, dim=-1)
        return mu, logvar

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """z = mu + sigma * eps with eps ~ N(0, I): a sample that gradients can flow through."""
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    def forward(self, x: torch.Tensor):
        """(x_hat, mu, logvar): a reconstruction from a sampled z (z = mu in eval mode), and q(z | x)'s parameters."""
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar) if self.training else mu
        return self.decode(z).view(x.shape), mu, logvar

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Decode `n` draws from the prior N(0, I), shape (n, in_dim)."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.latent_dim, generator=generator).to(device)
        return self.decode(z)

    @staticmethod
    def elbo_terms(net: "VAE", x_in: torch.Tensor, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per-image reconstruction (Bernoulli, summed over pixels) and KL terms; 'loss' is their sum (-ELBO)."""
        x_hat, mu, logvar = net(x_in)
        recon = _bce(x_hat.flatten(1), x.flatten(1), "sum") / len(x)
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(x)
        return {"loss": recon + kl, "recon": recon, "kl": kl}
