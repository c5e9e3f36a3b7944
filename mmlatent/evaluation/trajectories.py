"""What a latent segment does to the measured object: factor trajectories
and ghosting (see segments.py for how segments are drawn).

* :class:`FactorTrajectories`: the object's x, y and scale measured at
  ``steps + 2`` points along each segment (Shapes: moments; rectangles:
  GCert's minimal-area-rectangle fit). A regular latent space moves them
  smoothly: R² of each factor against t (a straight-line fit) and the share
  of monotone trajectories.
* :class:`Ghosting`: the brightness of the shape at the midpoint against
  the end points. A cross-fade of two shapes (which the chord deviation and
  validity can miss) halves it.
"""
from typing import Dict, Optional

import numpy as np
import torch
from torch import Tensor, nn

from ..datasets import measure_factors, measure_rectangles
from ..registry import METRICS
from ..utils.errors import ConfigError
from .metric import positive_int
from .segments import SegmentMetric, draw_segments, images_along
from .validity import measure_options

FACTORS = ('x', 'y', 'scale')
MEASURES = ('auto', 'shapes', 'rectangles')


def measure_images(img: Tensor, measure: str, options: dict
                   ) -> Dict[str, np.ndarray]:
    """x, y, scale and valid [N] of images [N, C, H, W] in [-1, 1]."""
    if measure == 'rectangles':
        return measure_rectangles(img, **options)
    if img.shape[1] == 1:
        img = img.expand(-1, 3, -1, -1)
    out = measure_factors(img.cpu(), **options)
    return {k: np.asarray(out[k]) for k in FACTORS + ('valid', )}


def r_squared(v: np.ndarray, t: np.ndarray) -> np.ndarray:
    """R² of the least-squares line of ``v`` [n, k] against ``t`` [k] per
    row; NaN where ``v`` is constant."""
    tc = t - t.mean()
    vc = v - v.mean(1, keepdims=True)
    slope = vc @ tc / (tc @ tc)
    ss_res = ((vc - slope[:, None] * tc)**2).sum(1)
    ss_tot = (vc**2).sum(1)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(ss_tot > 1e-12, 1 - ss_res / ss_tot, np.nan)


def monotone(v: np.ndarray, tol: float) -> np.ndarray:
    """Rows of ``v`` [n, k] that never step against their overall
    direction by more than ``tol``."""
    d = np.diff(v, axis=1)
    return (d >= -tol).all(1) | (d <= tol).all(1)


@METRICS.register_module()
class FactorTrajectories(SegmentMetric):
    """``traj_r2_{x,y,scale}`` (mean R² against t), ``traj_monotone``
    (share of monotone factor trajectories) and ``traj_valid`` (share of
    segments valid at every point; the others use these only).

    Args:
        steps: interior points per segment (plus the two ends).
        measure: ``shapes`` (measure_factors), ``rectangles``
            (measure_rectangles) or ``auto`` (rectangles when the dataset's
            classes are ``('rectangle',)``).
        tol: a step against the direction larger than this (factor units:
            fractions of the image) breaks monotonicity.
    """

    def __init__(self, steps: int = 9, measure: str = 'auto',
                 tol: float = 0.01, num_samples: Optional[int] = None,
                 prefix: Optional[str] = None):
        super().__init__(num_samples=num_samples, prefix=prefix)
        self.steps = positive_int('steps', steps)
        if measure not in MEASURES:
            raise ConfigError(f"measure='{measure}' is not one of "
                              f'{MEASURES}')
        self.measure, self.tol = measure, float(tol)
        self.kind, self.options = 'shapes', {}

    @property
    def default_prefix(self) -> str:
        return 'traj'

    @property
    def rules(self) -> Dict[str, str]:
        keys = [f'r2_{f}' for f in FACTORS] + ['monotone', 'valid']
        return {f'{self.name}_{k}': 'greater' for k in keys}

    def prepare(self, G: nn.Module, dataset_meta=None) -> None:
        meta = dataset_meta or {}
        rect = tuple(meta.get('classes') or ()) == ('rectangle', )
        self.kind = self.measure if self.measure != 'auto' else \
            ('rectangles' if rect else 'shapes')
        if self.kind == 'rectangles':
            self.options = {'base_size': tuple(meta['base_size'])} \
                if meta.get('base_size') else {}
        else:
            self.options = measure_options(None, meta)

    def process_generator(self, G: nn.Module, n: int, gen) -> None:
        t = torch.linspace(0, 1, self.steps + 2)
        img = images_along(G, *draw_segments(G, n, gen), t)
        m = measure_images(img.flatten(0, 1), self.kind, self.options)
        k = t.numel()
        valid = torch.from_numpy(m['valid'].reshape(n, k).all(1))
        values = {f: torch.from_numpy(np.asarray(m[f], np.float64)
                                      .reshape(n, k)) for f in FACTORS}
        self.add(valid=valid, **values)

    def summary(self) -> Dict[str, float]:
        valid = self.cat('valid').bool().numpy()
        t = np.linspace(0, 1, self.steps + 2)
        out = {f'{self.name}_valid': float(valid.mean())}
        mono = []
        for f in FACTORS:
            v = self.cat(f).numpy()[valid]
            r2 = r_squared(v, t) if len(v) else np.array([np.nan])
            out[f'{self.name}_r2_{f}'] = float(np.nanmean(r2)) \
                if np.isfinite(r2).any() else float('nan')
            mono.append(monotone(v, self.tol))
        out[f'{self.name}_monotone'] = float(np.concatenate(mono).mean()) \
            if valid.any() else float('nan')
        return out


def shape_brightness(img: Tensor, threshold: float = 0.25) -> Tensor:
    """Mean value (max over channels, in [0, 1]) of the pixels brighter than
    ``threshold`` per image [N]; NaN for an empty image."""
    v = ((img.amax(1) + 1) / 2).clamp(0, 1).flatten(1).double()
    fg = v > threshold
    return (v * fg).sum(1) / fg.sum(1).double().where(fg.any(1), torch.nan)


@METRICS.register_module()
class Ghosting(SegmentMetric):
    """``ghost_ratio``: median over segments of the shape brightness at
    ``t = 0.5`` / the mean brightness at the two ends (1: no ghosting, 0.5:
    a cross-fade of two shapes); ``ghost_mid``: the median brightness at the
    midpoint (shape brightness: :func:`shape_brightness`)."""

    @property
    def default_prefix(self) -> str:
        return 'ghost'

    @property
    def rules(self) -> Dict[str, str]:
        return {f'{self.name}_ratio': 'greater',
                f'{self.name}_mid': 'greater'}

    def process_generator(self, G: nn.Module, n: int, gen) -> None:
        t = torch.tensor([0.0, 0.5, 1.0])
        img = images_along(G, *draw_segments(G, n, gen), t)
        b = shape_brightness(img.flatten(0, 1)).view(n, 3)
        self.add(mid=b[:, 1], ends=(b[:, 0] + b[:, 2]) / 2)

    def summary(self) -> Dict[str, float]:
        mid, ends = self.cat('mid'), self.cat('ends')
        return {f'{self.name}_ratio': float((mid / ends).nanmedian()),
                f'{self.name}_mid': float(mid.nanmedian())}
