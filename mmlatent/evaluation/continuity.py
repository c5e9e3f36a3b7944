"""The continuity metric: the penalty of the continuity regulariser
(:func:`~mmlatent.models.losses.continuity.continuity_penalty`) measured
on held-out latent pairs drawn from a fixed seed.

``continuity = mean((gamma G(z2) - G(lerp(z1, z2, gamma)) + (1 - gamma)
G(z1))^2)`` over pairs and pixel values (images in [-1, 1]), with
``gamma ~ U(0, 1)`` per pair, ``c`` fixed along a pair and the constant
noise of style generators. 0 for an affine generator; lower is better.
"""
from typing import Dict, Optional

import torch
from torch import nn

from ..latent.spaces import default_synthesis_kwargs
from ..models.losses.continuity import continuity_penalty
from ..registry import METRICS
from ..utils.errors import ConfigError
from .metric import GenerativeMetric


def continuity_of(G: nn.Module, n: int,
                  generator: Optional[torch.Generator] = None) -> float:
    """The mean penalty of ``n`` pairs of ``G`` (no gradients)."""
    z1, z2 = G.sample_z(n, generator), G.sample_z(n, generator)
    c = G.sample_c(n, generator)
    c3 = None if c is None else c.repeat(3, 1)
    gamma = torch.rand(n, generator=generator, device=z1.device)
    kwargs = default_synthesis_kwargs(G)
    with torch.no_grad():
        return float(continuity_penalty(lambda z: G(z, c3, **kwargs), z1,
                                        z2, gamma))


@METRICS.register_module()
class ContinuityMetric(GenerativeMetric):
    """``continuity``: the held-out continuity penalty (see module doc).

    Args: num_samples (pairs), prefix: see GenerativeMetric.
    """
    needs_generator = True

    @property
    def default_prefix(self) -> str:
        return 'continuity'

    @property
    def rules(self) -> Dict[str, str]:
        return {self.name: 'less'}

    def reset_fake(self) -> None:
        super().reset_fake()
        self.total, self.pairs = 0.0, 0

    def process_generator(self, G: nn.Module, n: int, gen) -> None:
        self.total += continuity_of(G, n, gen) * n
        self.pairs += n

    def summary(self) -> Dict[str, float]:
        if not self.pairs:
            raise ConfigError('the continuity metric got no samples')
        return {self.name: self.total / self.pairs}
