"""Random similarity transforms of image batches (rotation, scale, shift).

Used by the InfoGAN discriminator to show its categorical Q branch a
randomly posed copy of each image, so that the categorical code cannot be
read back from position, size or orientation.
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .errors import ConfigError


def check_rotation(rotation: float) -> float:
    """``rotation`` in degrees as a float; a one-line error outside
    [0, 180]."""
    if not 0.0 <= rotation <= 180.0:
        raise ConfigError(f'rotation={rotation} must be in [0, 180] '
                          'degrees (180: any angle)')
    return float(rotation)


def random_pose_matrices(n: int, scale: Tuple[float, float] = (0.75, 1.33),
                         shift: float = 0.25,
                         generator: Optional[torch.Generator] = None,
                         device=None, rotation: float = 180.0) -> Tensor:
    """[n, 2, 3] affine matrices for ``F.affine_grid``: a rotation uniform
    in +-``rotation`` degrees (180: any angle), a log-uniform zoom in
    ``scale`` and a uniform shift of at most ``shift`` (in units of the
    half-width) per image."""
    rotation = check_rotation(rotation)
    u = torch.rand(n, 4, generator=generator, device=device)
    angle = math.radians(rotation) * (2 * u[:, 0] - 1)
    lo, hi = math.log(scale[0]), math.log(scale[1])
    zoom = torch.exp(lo + (hi - lo) * u[:, 1])
    t = shift * (2 * u[:, 2:] - 1)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    return torch.stack([torch.stack([cos, -sin, t[:, 0]], 1),
                        torch.stack([sin, cos, t[:, 1]], 1)], 1)


def random_pose(img: Tensor, scale: Tuple[float, float] = (0.75, 1.33),
                shift: float = 0.25,
                generator: Optional[torch.Generator] = None,
                rotation: float = 180.0) -> Tensor:
    """``img`` [N, C, H, W] with each image rotated (by at most
    ``rotation`` degrees), zoomed and shifted at random (bilinear; the
    border pixels fill what comes into view)."""
    theta = random_pose_matrices(img.shape[0], scale, shift, generator,
                                 img.device, rotation).to(img.dtype)
    grid = F.affine_grid(theta, list(img.shape), align_corners=False)
    return F.grid_sample(img, grid, mode='bilinear', padding_mode='border',
                         align_corners=False)
