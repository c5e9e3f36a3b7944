"""Metrics of latent direction sets.

* ``orthogonality``: the largest and the mean ``|cos|`` between two
  different directions (0 for an orthogonal set).
* outside energy: the share of the squared image change that falls
  outside a region, ``|dimg * (1 - mask)|^2 / |dimg|^2``, when a latent is
  moved by ``+-delta`` along a unit direction (measured on rendered images,
  not on the linearisation). Lower is better for local directions.

A region is a pixel box ``'cx,cy,h,w'``, a preset name (see
:mod:`mmlatent.latent.regions`), or ``'shape'``: per image, the bounding
box of its foreground (value > ``threshold``) grown by ``margin`` pixels,
which on Shapes images is the object itself.
"""
import logging
from typing import Dict, Optional, Union

import torch
from torch import Tensor, nn

from ..latent.directions import direction_matrix
from ..latent.independence import global_directions, local_directions, \
    mutate, outside_energy, split_rows
from ..latent.interpolation import render
from ..latent.jacobian import generator_jacobian
from ..latent.regions import parse_region
from ..registry import METRICS
from ..utils.errors import ConfigError
from .metric import GenerativeMetric

logger = logging.getLogger(__name__)


def orthogonality(directions: Tensor) -> Dict[str, float]:
    """``{'max_abs_cos', 'mean_abs_cos'}`` over pairs of different rows."""
    v = directions.double()
    v = v / v.norm(dim=1, keepdim=True).clamp_min(1e-30)
    k = len(v)
    if k < 2:
        return dict(max_abs_cos=0.0, mean_abs_cos=0.0)
    cos = (v @ v.t()).abs()[~torch.eye(k, dtype=torch.bool)]
    return dict(max_abs_cos=float(cos.max()), mean_abs_cos=float(cos.mean()))


def shape_box_masks(img: Tensor, *, margin: int = 2,
                    threshold: float = 0.3) -> Tensor:
    """[N, H, W] masks: the bounding box of each image's foreground
    (max over channels of ``(img + 1) / 2 > threshold``) grown by
    ``margin`` px; empty (all False) when there is no foreground."""
    fg = ((img.detach().cpu() + 1) / 2).amax(1) > threshold
    n, h, w = fg.shape
    masks = torch.zeros(n, h, w, dtype=torch.bool)
    rows, cols = fg.any(2), fg.any(1)
    ar_h, ar_w = torch.arange(h), torch.arange(w)
    for i in range(n):
        if not rows[i].any():
            continue
        r, c = ar_h[rows[i]], ar_w[cols[i]]
        in_r = (ar_h >= r.min() - margin) & (ar_h <= r.max() + margin)
        in_c = (ar_w >= c.min() - margin) & (ar_w <= c.max() + margin)
        masks[i] = in_r[:, None] & in_c[None]
    return masks


def region_masks(region: str, img: Tensor, *, margin: int = 2) -> Tensor:
    """[N, H, W] masks of ``region`` for images [N, C, H, W]."""
    if region == 'shape':
        return shape_box_masks(img, margin=margin)
    mask = parse_region(region, img.shape[-1])
    return mask[None].expand(img.shape[0], -1, -1)


def energy_along(G: nn.Module, z: Tensor, c: Optional[Tensor],
                 directions: Tensor, mask: Tensor, delta: float) -> Tensor:
    """Outside energy [k] of one latent z [1, d] moved by -delta and
    +delta along each direction [k, d] (mean of the two), for the region
    ``mask`` [H, W]."""
    orig = render(G, z, space='z', c=c)
    mut = mutate(G, z, directions, [-delta, delta], space='z', c=c)
    return outside_energy(orig, mut, mask)[0].mean(1)


def _check_region(region: str) -> str:
    if not isinstance(region, str) or not region:
        raise ConfigError(f"region={region!r} must be 'shape', a preset "
                          "name or a pixel box 'cx,cy,h,w'")
    return region


@METRICS.register_module()
class DirectionOrthogonality(GenerativeMetric):
    """``orthogonality_max_cos`` and ``orthogonality_mean_cos`` of a
    direction set (no samples needed).

    Args:
        directions: tensor [k, d] or ``.pt`` file (see direction_matrix).
        prefix: see GenerativeMetric.
    """

    def __init__(self, directions: Union[str, Tensor],
                 prefix: Optional[str] = None):
        super().__init__(prefix=prefix)
        self.directions = direction_matrix(directions)

    @property
    def default_prefix(self) -> str:
        return 'orthogonality'

    @property
    def rules(self) -> Dict[str, str]:
        return {f'{self.name}_max_cos': 'less',
                f'{self.name}_mean_cos': 'less'}

    def summary(self) -> Dict[str, float]:
        o = orthogonality(self.directions)
        return {f'{self.name}_max_cos': o['max_abs_cos'],
                f'{self.name}_mean_cos': o['mean_abs_cos']}


@METRICS.register_module()
class OutsideEnergy(GenerativeMetric):
    """Outside energy of a region for local directions (``local``: the
    LowRankGAN directions of the region's Jacobian inside the relaxed null
    space of the background, computed at each sampled z), the same
    directions unprojected (``unprojected``: principal directions of the
    region's Jacobian rows alone), or a fixed direction set.

    Args:
        region: ``'shape'``, a preset or ``'cx,cy,h,w'`` (pixels).
        directions: ``'local'``, ``'unprojected'``, or a fixed set
            (tensor [k, z_dim] or ``.pt`` file).
        num_directions: directions per point (the first k).
        relax: background null-space relaxation for ``local`` (see
            :func:`~mmlatent.latent.independence.local_directions`).
        delta: latent step along each unit direction.
        margin: growth in pixels of ``'shape'`` boxes.
        num_samples (points), prefix: see GenerativeMetric.

    Output ``outside_energy_<local|unprojected|fixed>``: mean over points
    and directions (lower is better); points whose region is empty or the
    whole image (no object found) or where ``local`` finds no direction
    are skipped (NaN if all are).
    """
    needs_generator = True

    def __init__(self, region: str = 'shape',
                 directions: Union[str, Tensor] = 'local',
                 num_directions: int = 3, relax: float = 0.1,
                 delta: float = 1.0, margin: int = 2,
                 num_samples: Optional[int] = None,
                 prefix: Optional[str] = None):
        super().__init__(num_samples=num_samples, prefix=prefix)
        self.region = _check_region(region)
        self.kind = directions if isinstance(directions, str) and \
            directions in ('local', 'unprojected') else 'fixed'
        self.fixed = None if self.kind != 'fixed' else \
            direction_matrix(directions)
        self.num_directions, self.relax = num_directions, relax
        self.delta, self.margin = float(delta), margin

    @property
    def default_prefix(self) -> str:
        return f'outside_energy_{self.kind}'

    @property
    def rules(self) -> Dict[str, str]:
        return {self.name: 'less'}

    def reset_fake(self) -> None:
        super().reset_fake()
        self.values = []
        self.no_region = self.no_direction = 0

    def point_directions(self, J: Tensor, mask: Tensor) -> Tensor:
        """Directions [k, d] at one point with Jacobian J [out, d]."""
        k = self.num_directions
        if self.kind == 'local':
            return local_directions(J, mask, relax=self.relax,
                                    num=k).directions
        J_r, _ = split_rows(J, mask)
        return global_directions(J_r)[0][:k]

    def process_generator(self, G: nn.Module, n: int, gen) -> None:
        z, c = G.sample_z(n, gen), G.sample_c(n, gen)
        img = render(G, z, space='z', c=c)
        masks = region_masks(self.region, img, margin=self.margin)
        J = None if self.kind == 'fixed' else \
            generator_jacobian(G, z, c=c, chunk_size=16)
        for i in range(n):
            if not masks[i].any() or masks[i].all():
                self.no_region += 1
                continue
            ci = None if c is None else c[i:i + 1]
            V = self.fixed[:self.num_directions] if J is None else \
                self.point_directions(J[i], masks[i])
            if not len(V):
                self.no_direction += 1
                continue
            self.values.append(energy_along(
                G, z[i:i + 1], ci, V.to(z), masks[i], self.delta))

    def summary(self) -> Dict[str, float]:
        if self.no_region or self.no_direction:
            logger.warning(
                f'{self.name}: {len(self.values)} of {self.fake_count} '
                f'latents used; {self.no_region} without a region (no '
                f'object found, or it fills the image), {self.no_direction}'
                ' without local directions (raise relax)')
        if not self.values:
            return {self.name: float('nan')}
        return {self.name: float(torch.cat(self.values).double().mean())}
