"""Perceptual path length (Karras et al. 2019, StyleGAN).

For pairs of latents and ``t`` (``full``: ``t ~ U(0, 1)``; ``end``:
``t = 0``) the images at ``t`` and ``t + eps`` along the path are compared:
``PPL = E[d(G(path(t)), G(path(t + eps))) / eps^2]``, ``eps = 1e-4``,
after discarding values outside the 1st-99th percentiles (as NVIDIA).

* space ``z``: the path interpolates z (``slerp`` for a normal prior,
  ``lerp`` for a uniform one, or as ``mode`` says), then maps;
* space ``w``: the path is ``lerp`` between the mapped ``ws``;
* distance ``lpips`` (VGG, NVIDIA's choice) / ``lpips_alex`` with
  ImageNet backbones from the torch hub cache, or ``pixel``: the mean
  squared difference of the pixel values (images in [-1, 1]).

The condition ``c`` is held fixed along a pair; style generators use their
constant noise. The output is named by the choices:
``ppl_<space>_<sampling>_<distance>``, e.g. ``ppl_z_end_pixel``.
"""
from typing import Dict, Optional

import numpy as np
import torch
from torch import Tensor, nn

from ..latent.interpolation import lerp, slerp
from ..latent.spaces import default_synthesis_kwargs
from ..registry import METRICS
from ..utils.errors import ConfigError
from ..utils.perceptual import lpips_distance
from .metric import GenerativeMetric

SPACES = ('z', 'w')
SAMPLINGS = ('full', 'end')
DISTANCES = ('lpips', 'lpips_alex', 'pixel')
MODES = (None, 'lerp', 'slerp')


def pixel_distance(img_a: Tensor, img_b: Tensor) -> Tensor:
    """Mean squared difference per image: [N]."""
    return (img_a - img_b).double().pow(2).flatten(1).mean(1)


def trimmed_mean(values: np.ndarray, trim=(1, 99)) -> float:
    """Mean of the values between the ``trim`` percentiles (NVIDIA's
    ``lower`` / ``higher`` interpolation); plain mean for ``trim=None``."""
    if trim is None:
        return float(np.mean(values))
    lo = np.percentile(values, trim[0], method='lower')
    hi = np.percentile(values, trim[1], method='higher')
    return float(np.mean(values[(values >= lo) & (values <= hi)]))


def _check(name: str, value, choices) -> None:
    if value not in choices:
        raise ConfigError(f'PPL {name}={value!r} is not one of {choices}')


@METRICS.register_module()
class PerceptualPathLength(GenerativeMetric):
    """PPL of a generator; lower is better (a smoother latent space).

    Args:
        space: ``'z'`` or ``'w'``.
        sampling: ``'full'`` or ``'end'``.
        distance: ``'lpips'``, ``'lpips_alex'`` or ``'pixel'``.
        epsilon: the step (1e-4).
        mode: z interpolation, None: slerp for a normal prior, else lerp.
        trim: percentiles kept, None for all.
        num_samples, prefix: see GenerativeMetric.
    """
    needs_generator = True

    def __init__(self, space: str = 'z', sampling: str = 'end',
                 distance: str = 'lpips', epsilon: float = 1e-4,
                 mode: Optional[str] = None, trim=(1, 99),
                 num_samples: Optional[int] = None,
                 prefix: Optional[str] = None):
        super().__init__(num_samples=num_samples, prefix=prefix)
        _check('space', space, SPACES)
        _check('sampling', sampling, SAMPLINGS)
        _check('distance', distance, DISTANCES)
        _check('mode', mode, MODES)
        if not epsilon > 0:
            raise ConfigError(f'PPL epsilon={epsilon} must be > 0')
        self.space, self.sampling, self.distance = space, sampling, distance
        self.epsilon, self.mode = float(epsilon), mode
        self.trim = None if trim is None else tuple(trim)
        self._lpips = None

    @property
    def default_prefix(self) -> str:
        return f'ppl_{self.space}_{self.sampling}_{self.distance}'

    @property
    def rules(self) -> Dict[str, str]:
        return {self.name: 'less'}

    def reset_fake(self) -> None:
        super().reset_fake()
        self.values = []

    def to(self, device) -> 'PerceptualPathLength':
        if self.distance != 'pixel':
            if self._lpips is None:
                net = 'vgg' if self.distance == 'lpips' else 'alex'
                self._lpips = lpips_distance(net)
            self._lpips.to(device)
        return self

    def _dist(self, img_a: Tensor, img_b: Tensor) -> Tensor:
        if self.distance == 'pixel':
            return pixel_distance(img_a, img_b)
        if self._lpips is None:
            self.to(img_a.device)
        return self._lpips(img_a, img_b).double()

    def _ws_pair(self, G: nn.Module, n: int, gen) -> Tensor:
        """ws [2n, num_ws, w_dim]: the points at t and t + eps."""
        z0, z1 = G.sample_z(n, gen), G.sample_z(n, gen)
        c = G.sample_c(n, gen)
        t = torch.rand(n, 1, generator=gen, device=z0.device)
        if self.sampling == 'end':
            t = torch.zeros_like(t)
        if self.space == 'z':
            mode = self.mode or ('slerp' if G.prior == 'normal' else 'lerp')
            mix = slerp if mode == 'slerp' else lerp
            z = torch.cat([mix(z0, z1, t), mix(z0, z1, t + self.epsilon)])
            return G.mapping(z, None if c is None else torch.cat([c, c]))
        ws = G.mapping(torch.cat([z0, z1]), None if c is None else
                       torch.cat([c, c]))
        w0, w1 = ws[:n], ws[n:]
        tt = t[:, :, None]
        return torch.cat([lerp(w0, w1, tt), lerp(w0, w1, tt + self.epsilon)])

    def process_generator(self, G: nn.Module, n: int, gen) -> None:
        with torch.no_grad():
            ws = self._ws_pair(G, n, gen)
            img = G.synthesis(ws, **default_synthesis_kwargs(G))
            d = self._dist(img[:n], img[n:]) / self.epsilon ** 2
        self.values.append(d.cpu())

    def summary(self) -> Dict[str, float]:
        if not self.values:
            raise ConfigError('PPL got no samples')
        return {self.name: trimmed_mean(torch.cat(self.values).numpy(),
                                        self.trim)}
