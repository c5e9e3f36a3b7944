"""GCert's ablation data: one white filled rectangle on black, translated
and scaled, and the minimal-area-rectangle fit that measures it.

The rectangle is axis-aligned, ``base_size`` (width, height) pixels at
scale 1, centred at ``(R/2 + dx, R/2 + dy)`` with ``dx, dy ~ U(-shift,
shift)`` pixels and ``scale ~ U(scale_range)``; every pixel holds its exact
area coverage (anti-aliased, so sub-pixel factors are visible).
"""
from typing import Dict, Sequence, Tuple

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ..registry import DATASETS
from ..utils.errors import ConfigError, DataError

FACTORS = ('x', 'y', 'scale')


def _coverage(lo: np.ndarray, hi: np.ndarray, size: int) -> np.ndarray:
    """[N, size]: the length of pixel ``j``'s span [j, j+1] inside
    [lo, hi] for each of N intervals."""
    j = np.arange(size)
    return np.clip(np.minimum(j + 1, hi[:, None]) -
                   np.maximum(j, lo[:, None]), 0, 1)


def render_rectangles(factors: np.ndarray, resolution: int,
                      base_size: Tuple[float, float]) -> np.ndarray:
    """float32 [N, H, W] in [0, 1] for ``factors`` [N, 3] = (x, y, scale),
    x and y the centre as a fraction of the image."""
    cx, cy = factors[:, 0] * resolution, factors[:, 1] * resolution
    hw = factors[:, 2] * base_size[0] / 2
    hh = factors[:, 2] * base_size[1] / 2
    cov_x = _coverage(cx - hw, cx + hw, resolution)
    cov_y = _coverage(cy - hh, cy + hh, resolution)
    return (cov_y[:, :, None] * cov_x[:, None, :]).astype(np.float32)


@DATASETS.register_module()
class RectangleDataset(Dataset):
    """One white rectangle per image (module doc); factors from
    ``np.random.default_rng([seed, index])``.

    Items: ``img`` float32 [channels, R, R] in [-1, 1], ``label`` 0,
    ``factors`` float32 [3] = (x, y, scale), x and y as fractions.
    """

    def __init__(self, resolution: int = 32, num_samples: int = 50000,
                 seed: int = 0, shift: float = 8.0,
                 scale_range: Tuple[float, float] = (0.5, 1.5),
                 base_size: Tuple[float, float] = (10.0, 6.0),
                 channels: int = 1):
        if channels not in (1, 3):
            raise ConfigError(f'channels={channels} must be 1 or 3')
        lo, hi = (float(s) for s in scale_range)
        reach = resolution / 2 - shift - hi * max(base_size) / 2
        if not 0 < lo <= hi or reach < 0:
            raise ConfigError(
                f'scale_range={tuple(scale_range)} with shift={shift} and '
                f'base_size={tuple(base_size)} does not fit {resolution} px;'
                ' lower the shift, the scale or the base size')
        self.resolution, self.num_samples, self.seed = (resolution,
                                                        num_samples, seed)
        self.shift, self.scale_range = float(shift), (lo, hi)
        self.base_size = tuple(float(s) for s in base_size)
        self.channels = channels

    @property
    def metainfo(self) -> Dict:
        return dict(classes=('rectangle', ), factor_names=FACTORS,
                    resolution=self.resolution, scale_range=self.scale_range,
                    base_size=self.base_size)

    def __len__(self) -> int:
        return self.num_samples

    def factors(self, index: int) -> np.ndarray:
        """(x, y, scale) of item ``index``."""
        if not -self.num_samples <= index < self.num_samples:
            raise IndexError(f'index {index} out of range for '
                             f'RectangleDataset of length {self.num_samples}')
        rng = np.random.default_rng([self.seed, index % self.num_samples])
        dx, dy = rng.uniform(-self.shift, self.shift, 2) / self.resolution
        return np.array([0.5 + dx, 0.5 + dy, rng.uniform(*self.scale_range)])

    def __getitem__(self, index: int) -> dict:
        f = self.factors(index)
        img = render_rectangles(f[None], self.resolution, self.base_size)
        img = torch.from_numpy(img * 2 - 1).expand(self.channels, -1, -1)
        return dict(img=img.contiguous(), label=0,
                    factors=torch.from_numpy(f.astype(np.float32)))


def _gray(images) -> np.ndarray:
    """float [N, C, H, W] in [-1, 1] -> uint8 [N, H, W] (max over C)."""
    if not torch.is_tensor(images) or images.dim() != 4:
        got = tuple(images.shape) if torch.is_tensor(images) else \
            type(images).__name__
        raise DataError(f'images {got}: expected a float tensor '
                        '[N, C, H, W] in [-1, 1]')
    v = (images.detach().float().cpu().amax(1) + 1) * 127.5
    return v.clamp(0, 255).round().to(torch.uint8).numpy()


def _fit_one(gray: np.ndarray, min_fill: float) -> Tuple[float, ...]:
    """(cx, cy, w, h, fill, valid) of the largest blob's min-area rect, in
    pixels; cv2 puts pixel centres at integers and measures between the
    outermost centres, so one pixel is added to w and h."""
    _, mask = cv2.threshold(gray, 127, 255, cv2.THRESH_BINARY)
    contours = cv2.findContours(mask, cv2.RETR_EXTERNAL,
                                cv2.CHAIN_APPROX_SIMPLE)[-2]
    if not contours:
        return (np.nan, ) * 5 + (False, )
    main = max(contours, key=cv2.contourArea)
    (cx, cy), (w, h), _ = cv2.minAreaRect(main)
    w, h = max(w, h) + 1, min(w, h) + 1     # long side first
    fill = float((mask > 0).sum()) / (w * h)
    valid = len(contours) == 1 and fill >= min_fill
    return cx + 0.5, cy + 0.5, w, h, fill, valid


def measure_rectangles(images, *, base_size: Sequence[float] = (10.0, 6.0),
                       min_fill: float = 0.9) -> Dict[str, np.ndarray]:
    """GCert's measurement of rectangle images: threshold at half
    brightness, take the largest contour, fit ``cv2.minAreaRect``.

    Returns arrays [N]: ``x``, ``y`` (centre as fractions of the width /
    height), ``width``, ``height`` (long and short side in pixels, to the
    pixel: the fit sees the thresholded mask), ``scale`` (``sqrt(w h /
    (base_w base_h))``), ``fill`` (blob
    area / rectangle area) and ``valid`` (one blob, ``fill >= min_fill``).
    """
    gray = _gray(images)
    fits = np.array([_fit_one(g, min_fill) for g in gray], dtype=np.float64)
    fits = fits.reshape(-1, 6)
    H, W = gray.shape[1:]
    scale = np.sqrt(fits[:, 2] * fits[:, 3] / (base_size[0] * base_size[1]))
    return dict(x=fits[:, 0] / W, y=fits[:, 1] / H, scale=scale,
                width=fits[:, 2], height=fits[:, 3], fill=fits[:, 4],
                valid=fits[:, 5].astype(bool))
