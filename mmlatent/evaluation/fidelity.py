"""Fidelity of generated Shapes images to the data (not only validity).

A round blob is a *valid* Shapes image (one shape of plausible area), so
validity alone hides a generator that never learnt squares and triangles.
:class:`ShapesFidelity` compares what :func:`measure_factors` reads from
generated images with what it reads from real ones:

* ``class_distance``: total variation ``0.5 * sum |p_fake - p_real|``
  between the measured class histograms of valid samples (0: the same
  class frequencies; a set missing one of three equally likely classes:
  1/3). Its sampling error is large next to the 0.05 target: with
  2000 samples and 2000 real images of three equally likely classes,
  two real sets differ by about 0.018, and a generator whose true
  distance is 0.037 reads above 0.05 one time in five.
  :meth:`ShapesFidelity.reference` gives ``class_distance_se``, the
  standard deviation of the figure from sampling alone
  (:func:`class_distance_se`);
* ``shape_fit`` (median) and ``shape_fit_p10`` (10th percentile): for each
  valid sample, the soft IoU ``sum min(a, b) / sum max(a, b)`` between
  its silhouette ``a`` (HSV value, i.e. coverage) and the ideal shape
  ``b`` rendered by :func:`render_shapes` at the sample's measured class,
  position, scale and rotation. Real images score about 1; a disc drawn
  where a square belongs, or a blurred shape, scores lower;
* ``ks_<factor>`` for x, y, scale, rotation, hue and their maximum
  ``ks_max``: the two-sample Kolmogorov-Smirnov distance of the measured
  factor of valid samples to that of the real images.

With no valid sample the outputs take their worst values (distances 1,
shape fit 0). Precision / recall and the Fréchet distance in the Shapes
feature network's space are :class:`PrecisionRecall` and
:class:`FrechetDistance` with ``extractor=dict(type='ShapesFeatureNet',
checkpoint=...)``; :func:`evaluate_images` gives any metric's
real-vs-real reference figures.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from ..datasets.measure import measure_factors
from ..datasets.shapes import SHAPES, render_shapes
from ..registry import METRICS
from ..utils.errors import ConfigError
from .metric import GenerativeMetric
from .validity import check_measure, measure_options

FACTORS = ('x', 'y', 'scale', 'rotation', 'hue')


def class_distance(labels: Tensor, ref_labels: Tensor,
                   num_classes: int) -> float:
    """Total variation between the class histograms of ``labels`` [n] and
    ``ref_labels`` [m] (ints in ``[0, num_classes)``); 1.0 if either is
    empty."""
    if len(labels) == 0 or len(ref_labels) == 0:
        return 1.0
    p = torch.bincount(labels.long(), minlength=num_classes).double()
    q = torch.bincount(ref_labels.long(), minlength=num_classes).double()
    return float(0.5 * (p / p.sum() - q / q.sum()).abs().sum())


def class_distance_se(labels: Tensor, ref_labels: Tensor,
                      num_classes: int, *, draws: int = 2000,
                      seed: int = 0) -> float:
    """Standard deviation of :func:`class_distance` from sampling alone:
    both histograms are redrawn ``draws`` times as multinomials of their
    own sizes at their observed frequencies (a parametric bootstrap; the
    same answer for the same input). NaN if either set is empty."""
    if len(labels) == 0 or len(ref_labels) == 0:
        return float('nan')
    rng = np.random.default_rng(seed)

    def redrawn(x: Tensor) -> np.ndarray:
        n = len(x)
        p = np.bincount(x.long().numpy(), minlength=num_classes) / n
        return rng.multinomial(n, p, size=draws) / n

    tv = 0.5 * np.abs(redrawn(labels) - redrawn(ref_labels)).sum(1)
    return float(tv.std())


def ks_distance(a: Tensor, b: Tensor) -> float:
    """Two-sample Kolmogorov-Smirnov statistic ``sup |F_a - F_b|`` of
    samples [n] and [m]; 1.0 if either is empty."""
    if len(a) == 0 or len(b) == 0:
        return 1.0
    a, b = a.double().sort().values, b.double().sort().values
    grid = torch.cat([a, b])
    fa = torch.searchsorted(a, grid, right=True).double() / len(a)
    fb = torch.searchsorted(b, grid, right=True).double() / len(b)
    return float((fa - fb).abs().max())


def shape_fit(img: Tensor, measured: Dict[str, Tensor],
              classes: Sequence[str]) -> Tensor:
    """Soft IoU [n] of each image's silhouette with the ideal shape at its
    measured class and pose (NaN where no shape was found).

    The silhouette is what the factors were measured on: the HSV value
    inside the measured shape (its connected component grown by 1 px, so
    the anti-aliased rim and any blur next to the outline count). Faint
    haze elsewhere in the image is not part of the shape (haze above the
    measurer's threshold makes the image invalid instead).

    Args:
        img: [n, 3, H, W] in [-1, 1], shapes on black.
        measured: the output of ``measure_factors(img, classes=classes,
            silhouette=True)``.
        classes: the class names ``measured['label']`` indexes.
    """
    n, _, h, w = img.shape
    if h != w:
        raise ConfigError(f'shape fit needs square images, got {h}x{w}')
    fit = torch.full((n, ), float('nan'))
    found = (measured['label'] >= 0).nonzero().flatten()
    if len(found) == 0:
        return fit
    pose = torch.stack([measured[k][found] for k in
                        ('x', 'y', 'scale', 'rotation')], 1).double()
    factors = torch.cat([pose, torch.zeros(len(found), 1,
                                           dtype=torch.float64)], 1)
    ideal = render_shapes(measured['label'][found].numpy(), factors.numpy(),
                          h, shapes=tuple(classes))
    b = torch.from_numpy(ideal.max(3)).double() / 255.0
    a = measured['silhouette'][found].double()
    inter = torch.minimum(a, b).sum((1, 2))
    union = torch.maximum(a, b).sum((1, 2)).clamp_min(1e-12)
    fit[found] = (inter / union).float()
    return fit


class _Measured:
    """Measured labels, factors and shape fits of the valid images of one
    stream, collected batch by batch."""

    def __init__(self):
        self.parts: List[Dict[str, Tensor]] = []
        self.seen = 0

    def add(self, img: Tensor, options: dict, classes: Sequence[str]
            ) -> None:
        img = img.cpu()
        m = measure_factors(img, silhouette=True, **options)
        fit = shape_fit(img, m, classes)
        keep = m['valid']
        part = {k: m[k][keep] for k in FACTORS + ('label', )}
        part['fit'] = fit[keep]
        self.parts.append(part)
        self.seen += img.shape[0]

    def get(self, key: str) -> Tensor:
        if not self.parts:
            return torch.zeros(0)
        return torch.cat([p[key] for p in self.parts])


@METRICS.register_module()
class ShapesFidelity(GenerativeMetric):
    """Class histogram distance, shape fit and factor-marginal KS of
    generated Shapes images against real ones (module docstring).

    Args:
        measure: ``measure_factors`` options (default: the classes and
            scale range of the training set when known).
        num_samples, num_real: see GenerativeMetric.
        prefix: if set, outputs are ``<prefix>_<name>``.
    """
    needs_real = True
    needs_fake = True

    def __init__(self, measure: Optional[dict] = None,
                 num_samples: Optional[int] = None,
                 num_real: Optional[int] = None,
                 prefix: Optional[str] = None):
        super().__init__(num_samples=num_samples, num_real=num_real,
                         prefix=prefix)
        self.measure = check_measure(measure)
        self.options = measure_options(self.measure, None)

    @property
    def default_prefix(self) -> str:
        return 'fidelity'

    def _key(self, what: str) -> str:
        return f'{self.prefix}_{what}' if self.prefix else what

    @property
    def rules(self) -> Dict[str, str]:
        rules = {self._key('class_distance'): 'less',
                 self._key('shape_fit'): 'greater',
                 self._key('shape_fit_p10'): 'greater'}
        rules.update({self._key(f'ks_{f}'): 'less' for f in FACTORS})
        rules[self._key('ks_max')] = 'less'
        return rules

    @property
    def classes(self) -> tuple:
        return tuple(self.options.get('classes', SHAPES))

    def prepare(self, G, dataset_meta=None) -> None:
        options = measure_options(self.measure, dataset_meta)
        if self.real_count and options != self.options:
            raise ConfigError('ShapesFidelity: the measure options changed '
                              'after real images were fed; reset() first')
        self.options = options

    def reset_real(self) -> None:
        super().reset_real()
        self.real = _Measured()

    def reset_fake(self) -> None:
        super().reset_fake()
        self.fake = _Measured()

    def process_real(self, img: Tensor) -> None:
        self.real.add(img, self.options, self.classes)

    def process_fake(self, img: Tensor) -> None:
        self.fake.add(img, self.options, self.classes)

    def summary(self) -> Dict[str, float]:
        if not self.real.seen or not self.fake.seen:
            raise ConfigError('ShapesFidelity got no real or no generated '
                              'images')
        if not len(self.real.get('label')):
            raise ConfigError('ShapesFidelity: no real image was measured '
                              'valid; are the measure options (classes, '
                              'scale_range) those of the dataset?')
        out = {self._key('class_distance'): class_distance(
            self.fake.get('label'), self.real.get('label'),
            len(self.classes))}
        fit = self.fake.get('fit').double()
        has = len(fit) > 0
        out[self._key('shape_fit')] = float(fit.median()) if has else 0.0
        out[self._key('shape_fit_p10')] = float(
            fit.quantile(0.1)) if has else 0.0
        ks = {f: ks_distance(self.fake.get(f), self.real.get(f))
              for f in FACTORS}
        out.update({self._key(f'ks_{f}'): v for f, v in ks.items()})
        out[self._key('ks_max')] = max(ks.values())
        return out

    def reference(self) -> Dict[str, float]:
        """``real_shape_fit``: the real images' median shape fit;
        ``class_distance_se``: the sampling error of the class distance
        (:func:`class_distance_se`; NaN before generated images)."""
        fit = self.real.get('fit')
        return {self._key('real_shape_fit'): float(
            fit.double().median()) if len(fit) else float('nan'),
            self._key('class_distance_se'): class_distance_se(
                self.fake.get('label'), self.real.get('label'),
                len(self.classes))}

    def report(self, results: Dict[str, float]) -> str:
        ref = self.reference()
        real = ref[self._key('real_shape_fit')]
        se = ref[self._key('class_distance_se')]
        return (f"Shapes fidelity: class distance "
                f"{results[self._key('class_distance')]:.3f} (sampling "
                f"error {se:.3f}), shape fit "
                f"{results[self._key('shape_fit')]:.3f} (median; real "
                f"images {real:.3f}), 10th percentile "
                f"{results[self._key('shape_fit_p10')]:.3f}, largest factor "
                f"KS {results[self._key('ks_max')]:.3f}")
