"""Random similarity transforms of image batches (rotation, scale, shift),
optionally followed by a small elastic warp.

Used by the InfoGAN discriminator to show its categorical Q branch a
randomly posed copy of each image, so that the categorical code cannot be
read back from position, size or orientation (nor, with the warp, from
stroke details that a small local distortion changes).
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


def check_warp(warp: float, nodes: int) -> Tuple[float, int]:
    """``warp`` (>= 0, half-widths) and ``nodes`` (>= 2); a one-line
    error otherwise."""
    if not warp >= 0.0:
        raise ConfigError(f'warp={warp} must be >= 0 (the elastic '
                          'displacement in half-widths; 0: none)')
    if int(nodes) != nodes or nodes < 2:
        raise ConfigError(f'warp_nodes={nodes} must be an integer >= 2 '
                          '(the control grid of the elastic warp)')
    return float(warp), int(nodes)


def random_warp_field(n: int, size: Tuple[int, int], warp: float,
                      nodes: int = 4,
                      generator: Optional[torch.Generator] = None,
                      device=None, dtype=None) -> Tensor:
    """[n, H, W, 2] smooth random displacements for ``F.grid_sample``
    grids (an elastic distortion after Simard et al. 2003, smoothed by a
    coarse control grid instead of a Gaussian blur): independent
    Gaussian displacements of standard deviation ``warp`` (in half-widths)
    at a ``nodes`` x ``nodes`` control grid whose corners are the image's
    corners, interpolated bicubically to ``size``."""
    warp, nodes = check_warp(warp, nodes)
    field = torch.randn(n, 2, nodes, nodes, generator=generator,
                        device=device, dtype=dtype) * warp
    field = F.interpolate(field, size=tuple(size), mode='bicubic',
                          align_corners=True)
    return field.permute(0, 2, 3, 1)


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
                rotation: float = 180.0, warp: float = 0.0,
                warp_nodes: int = 4) -> Tensor:
    """``img`` [N, C, H, W] with each image rotated (by at most
    ``rotation`` degrees), zoomed and shifted at random and, if ``warp``
    > 0, distorted by :func:`random_warp_field` (bilinear; the border
    pixels fill what comes into view)."""
    check_warp(warp, warp_nodes)
    theta = random_pose_matrices(img.shape[0], scale, shift, generator,
                                 img.device, rotation).to(img.dtype)
    grid = F.affine_grid(theta, list(img.shape), align_corners=False)
    if warp > 0:
        grid = grid + random_warp_field(img.shape[0], img.shape[2:], warp,
                                        warp_nodes, generator, img.device,
                                        img.dtype)
    return F.grid_sample(img, grid, mode='bilinear', padding_mode='border',
                         align_corners=False)
