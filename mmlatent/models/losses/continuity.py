"""The continuity regulariser: interpolation in latent space should be
linear in image space.

For z1, z2 from the prior and gamma ~ U(0, 1) per pair,
``penalty = mean((gamma*G(z2) - G(lerp(z1, z2, gamma)) + (1-gamma)*G(z1))^2)``
which is zero for every affine generator ``G(z) = Az + b``.
"""
from typing import Callable, Optional

import torch
from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ConfigError


def continuity_penalty(G: Callable[[Tensor], Tensor], z1: Tensor, z2: Tensor,
                       gamma: Tensor) -> Tensor:
    """The penalty for pairs ``z1, z2`` [n, d] and ``gamma`` [n].

    ``G`` maps a batch of latents to images; the three batches (z1, z2 and
    the interpolates) go through ``G`` as one batch of 3n.
    """
    n = z1.shape[0]
    z_mid = torch.lerp(z1, z2, gamma.view(n, 1).to(z1))
    img1, img2, img_mid = G(torch.cat([z1, z2, z_mid])).split(n)
    g = gamma.view(n, *[1] * (img1.dim() - 1)).to(img1)
    return (g * img2 - img_mid + (1 - g) * img1).pow(2).mean()


@MODELS.register_module()
class ContinuityRegularizer(nn.Module):
    """``loss_weight * continuity_penalty`` every ``interval`` generator
    steps on ``batch_size`` pairs (default: the training batch size)."""

    def __init__(self, loss_weight: float = 1.0, interval: int = 1,
                 batch_size: Optional[int] = None):
        super().__init__()
        if interval < 1:
            raise ConfigError(f'continuity interval={interval} must be >= 1')
        self.loss_weight, self.interval = loss_weight, interval
        self.batch_size = batch_size

    def active(self, g_step: int) -> bool:
        return self.loss_weight != 0 and g_step % self.interval == 0

    def forward(self, G: Callable[[Tensor], Tensor], z1: Tensor, z2: Tensor,
                gamma: Tensor) -> Tensor:
        return self.loss_weight * continuity_penalty(G, z1, z2, gamma)
