"""Image regions for local mutations: boxes in pixels and face presets.

A region is a box given by its centre ``(cx, cy)`` and its size ``h, w``
in pixel indices (x to the right, y down, pixel (0, 0) at the top left);
pixel (x, y) is inside when ``cx - w/2 <= x < cx + w/2`` and likewise for
y. Boxes are clipped to the image.

``PRESET_REGIONS`` are approximate boxes for FFHQ-aligned faces in 256-px
coordinates (eyes near y = 120, mouth near y = 190), scaled to any
resolution; ``left``/``right`` are as seen in the image.
"""
import torch
from torch import Tensor

from ..utils.choices import PRESET_REGIONS
from ..utils.errors import ConfigError

PRESET_RESOLUTION = 256


def region_mask(resolution: int, cx: float, cy: float, h: float,
                w: float) -> Tensor:
    """[resolution, resolution] bool mask of the box (clipped to the image).

    Raises ConfigError if the box selects no pixel (outside the image or
    thinner than a pixel).
    """
    idx = torch.arange(resolution, dtype=torch.float64)
    in_y = (idx >= cy - h / 2) & (idx < cy + h / 2)
    in_x = (idx >= cx - w / 2) & (idx < cx + w / 2)
    mask = in_y[:, None] & in_x[None, :]
    if h <= 0 or w <= 0 or not mask.any():
        raise ConfigError(
            f'region cx={cx}, cy={cy}, h={h}, w={w} selects no pixel of the '
            f'{resolution}x{resolution} image; give a centre inside it and '
            'h, w >= 1 (pixels)')
    return mask


def preset_mask(name: str, resolution: int) -> Tensor:
    """Mask of a preset face region scaled to ``resolution``."""
    scale = resolution / PRESET_RESOLUTION
    cx, cy, h, w = (v * scale for v in PRESET_REGIONS[name])
    return region_mask(resolution, cx, cy, max(h, 1), max(w, 1))


def parse_region(spec: str, resolution: int) -> Tensor:
    """Mask from ``'cx,cy,h,w'`` (pixels at ``resolution``) or a preset
    name (see ``PRESET_REGIONS``)."""
    spec = str(spec).strip()
    if spec in PRESET_REGIONS:
        return preset_mask(spec, resolution)
    try:
        cx, cy, h, w = (float(v) for v in spec.split(','))
    except ValueError:
        raise ConfigError(
            f"region '{spec}' is neither 'cx,cy,h,w' (pixels) nor a preset "
            f"({', '.join(PRESET_REGIONS)})") from None
    return region_mask(resolution, cx, cy, h, w)
