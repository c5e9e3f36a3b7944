"""Rotation-invariant descriptors of a silhouette's outline.

InfoGAN's categorical Q branch can read its code from these instead of
from the image (InfoGAN's ``HarmonicsCatHead``): they keep
the shape of the one object in the image and drop its position, size,
orientation and colour, so the code cannot hide in those.
"""
import math

import torch
import torch.nn.functional as F
from torch import Tensor


def angular_mass(img: Tensor, num_angles: int = 64, num_radii: int = 16,
                 reach: float = 1.3) -> Tensor:
    """[N, num_angles] share of the silhouette's mass in each angular
    sector around its centre of mass (summing to 1).

    The silhouette is the HSV value of ``img`` [N, C, H, W] (in [-1, 1])
    mapped to [0, 1]. Each sector is sampled (bilinear) out to ``reach``
    times the side of the square of the same mass, far enough to hold any
    convex shape of that mass.
    """
    n, _, h, w = img.shape
    v = ((img.amax(1, keepdim=True) + 1) / 2).clamp(0, 1)
    total = v.sum((1, 2, 3)).clamp(min=1.0)
    xs = (2 * torch.arange(w, device=img.device, dtype=img.dtype) + 1) / w - 1
    ys = (2 * torch.arange(h, device=img.device, dtype=img.dtype) + 1) / h - 1
    cx = (v.sum((1, 2)).squeeze(1) * xs).sum(1) / total
    cy = (v.sum((1, 3)).squeeze(1) * ys).sum(1) / total
    # radii in normalised units (2 / w per pixel), up to reach * sqrt(mass)
    r_max = reach * total.sqrt() * 2 / w
    frac = (torch.arange(num_radii, device=img.device, dtype=img.dtype)
            + 0.5) / num_radii
    theta = 2 * math.pi * torch.arange(num_angles, device=img.device,
                                       dtype=img.dtype) / num_angles
    r = r_max[:, None, None] * frac[None, :, None]           # [N, R, 1]
    gx = cx[:, None, None] + r * torch.cos(theta)            # [N, R, A]
    gy = cy[:, None, None] + r * torch.sin(theta) * w / h
    grid = torch.stack([gx, gy], -1)
    polar = F.grid_sample(v, grid, mode='bilinear', padding_mode='zeros',
                          align_corners=False)[:, 0]         # [N, R, A]
    m = (polar * frac[None, :, None]).sum(1)                 # area element r
    return m / m.sum(1, keepdim=True).clamp(min=1e-8)


def outline_harmonics(img: Tensor, num_harmonics: int = 8,
                      num_angles: int = 64, num_radii: int = 16,
                      floor: float = 0.02) -> Tensor:
    """[N, num_harmonics] ``log(floor + |harmonic k| / mean)`` for the
    Fourier harmonics k = 1..K of :func:`angular_mass`. A turn of the
    image only shifts the angular mass, which leaves the magnitudes
    unchanged; a square shows a strong 4th harmonic, a triangle a 3rd, an
    ellipse a 2nd. ``floor`` flattens the harmonics far weaker than these
    (about 0.1-0.3), whose logs would otherwise tell apart the small and
    the large shapes of one class by the blur of their outlines."""
    m = angular_mass(img, num_angles, num_radii)
    spec = torch.fft.rfft(m, dim=1).abs()
    rel = spec[:, 1:num_harmonics + 1] / spec[:, :1].clamp(min=1e-8)
    return torch.log(rel + floor)
