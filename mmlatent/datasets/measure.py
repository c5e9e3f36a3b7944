"""Analytic measurement of Shapes factors from images (no trained network).

The foreground weight of a pixel is its HSV value (max over RGB), which for
Shapes images is the shape's coverage of the pixel.  Connected components of
``value > fg_threshold`` are labelled for the whole batch at once; the
largest one (grown by 1 px to keep the anti-aliased rim) is the shape.  On
its weights:

* ``x, y``: the weighted centroid (image moments) as a fraction of the width
  / height, pixel ``j`` centred at ``j + 0.5``;
* ``area``: the summed weight as a fraction of the image; ``scale =
  sqrt(area)`` (by construction the same for every class);
* class and rotation from the complex moments ``C_k = sum w (dx + i dy) ** k``
  (``dy`` pointing up) for k = 2, 3, 4: an ellipse has ``C_2``, a triangle
  ``C_3``, a square only ``C_4``; ``arg C_k`` of the class's ``k`` turns a
  full symmetry period, so ``rotation = (arg C_k - phase_k) / 2 pi mod 1``.
  Magnitudes and phases are calibrated on shapes drawn by
  :func:`~mmlatent.datasets.shapes.render_shapes` at rotation 0;
* ``hue``: the HSV hue of the summed colour of the shape.

Units are those of :class:`~mmlatent.datasets.shapes.ShapesDataset`.
"""
import functools
import math
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from ..utils.errors import ConfigError, DataError
from .shapes import SHAPES, render_shapes

_ORDERS = {'ellipse': 2, 'triangle': 3, 'square': 4}
_PLANE = np.zeros((3, 3, 3), bool)
_PLANE[1] = True                 # 8-connected in an image, never across
_CHUNK_PX = 1 << 21              # pixels measured at once (bounds memory)


def _as_rgb(images) -> np.ndarray:
    """float [N,3,H,W] in [-1,1] tensor or uint8 [N,H,W,3] array ->
    float32 [N, H, W, 3] in [0, 1]."""
    if isinstance(images, torch.Tensor) and images.is_floating_point():
        if images.ndim != 4 or images.shape[1] != 3:
            raise DataError(f'images of shape {tuple(images.shape)}: '
                            'expected [N, 3, H, W]; add a batch dimension '
                            'with img[None]')
        img = images.detach().float().cpu().permute(0, 2, 3, 1).numpy()
        return np.clip((img + 1.0) * 0.5, 0.0, 1.0)
    if isinstance(images, np.ndarray) and images.dtype == np.uint8:
        if images.ndim != 4 or images.shape[3] != 3:
            raise DataError(f'uint8 images of shape {images.shape}: '
                            'expected [N, H, W, 3]; add a batch dimension '
                            'with img[None]')
        return images.astype(np.float32) / 255.0
    raise DataError(f'images of type {type(images).__name__}: expected a '
                    'float tensor [N, 3, H, W] in [-1, 1] or a uint8 numpy '
                    'array [N, H, W, 3]')


def _components(fg: np.ndarray, min_px: float) -> Tuple[np.ndarray, ...]:
    """Label [N, H, W] masks in one call.

    Returns (labels [N, H, W], main label per image [N] (0: none),
    pixel count of the main component [N], number of components of at
    least ``min_px`` pixels [N]).
    """
    from scipy import ndimage  # heavy: imported where used
    n = fg.shape[0]
    labels, count = ndimage.label(fg, structure=_PLANE)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    img_of = np.array([s[0].start for s in ndimage.find_objects(labels)],
                      dtype=np.int64)
    big = sizes >= min_px
    num = np.bincount(img_of[big], minlength=n)
    key = np.zeros(n, np.int64)         # size * (count + 1) + label, max
    np.maximum.at(key, img_of[big], sizes[big] * (count + 1)
                  + np.arange(1, count + 1)[big])
    main = key % (count + 1)
    return labels, main, np.where(main > 0, key // (count + 1), 0), num


def _moments(w: np.ndarray) -> Dict[str, np.ndarray]:
    """Weighted moments of [N, H, W] weights: mass, centroid in pixels and
    scale-free complex moments ``c_k = C_k / mass ** (1 + k / 2)``."""
    _, h, wd = w.shape
    cols = np.arange(wd) + 0.5
    rows = np.arange(h) + 0.5
    mass = w.sum((1, 2))
    safe = np.maximum(mass, 1e-12)
    cx = (w.sum(1) * cols).sum(1) / safe
    cy = (w.sum(2) * rows).sum(1) / safe
    z = (cols[None, None, :] - cx[:, None, None]) \
        - 1j * (rows[None, :, None] - cy[:, None, None])
    z2 = z * z
    out = dict(mass=mass, cx=cx, cy=cy)
    for k, zk in ((2, z2), (3, z2 * z), (4, z2 * z2)):
        out[f'c{k}'] = (w * zk).sum((1, 2)) / safe ** (1 + k / 2)
    return out


def _hue(rgb: np.ndarray) -> np.ndarray:
    """HSV hue in [0, 1) of [N, 3] colours (0 where there is no chroma)."""
    r, g, b = rgb.T
    hi, lo = rgb.max(1), rgb.min(1)
    chroma = np.maximum(hi - lo, 1e-12)
    h = np.where(hi == r, (g - b) / chroma,
                 np.where(hi == g, 2.0 + (b - r) / chroma,
                          4.0 + (r - g) / chroma))
    return (h / 6.0) % 1.0


@functools.lru_cache(maxsize=16)
def _reference(resolution: int) -> Tuple[np.ndarray, np.ndarray]:
    """Calibrate on centred shapes at rotation 0 drawn by render_shapes.

    Returns (|c_2|, |c_3|, |c_4| per class [3, 3], phase of c_k of each
    class's own order [3]), classes in :data:`SHAPES` order.
    """
    factors = np.tile([0.5, 0.5, 0.375, 0.0, 0.0], (len(SHAPES), 1))
    imgs = render_shapes(np.arange(len(SHAPES)), factors, resolution)
    mom = _moments(imgs.max(3).astype(np.float64) / 255.0)
    mags = np.abs(np.stack([mom['c2'], mom['c3'], mom['c4']], 1))
    phase = np.array([np.angle(mom[f'c{_ORDERS[s]}'][i])
                      for i, s in enumerate(SHAPES)])
    return mags, phase


def _classify(mom: Dict[str, np.ndarray], classes: Sequence[str],
              resolution: int) -> Tuple[np.ndarray, np.ndarray]:
    """Nearest reference in normalised (|c2|, |c3|, |c4|); returns
    (index into ``classes`` [N], rotation in [0, 1) [N])."""
    mags, phase = _reference(resolution)
    unit = np.array([mags[SHAPES.index(s), _ORDERS[s] - 2]
                     for s in ('ellipse', 'triangle', 'square')])
    feats = np.abs(np.stack([mom['c2'], mom['c3'], mom['c4']], 1)) / unit
    refs = np.stack([mags[SHAPES.index(c)] / unit for c in classes])
    label = ((feats[:, None] - refs[None]) ** 2).sum(2).argmin(1)
    names = [SHAPES.index(c) for c in classes]
    rotation = np.zeros(len(label))
    for j, c in enumerate(classes):
        sel = label == j
        ck = mom[f'c{_ORDERS[c]}'][sel]
        rotation[sel] = ((np.angle(ck) - phase[names[j]]) / (2 * np.pi)) % 1
    return label, rotation % 1.0


def _measure_chunk(rgb: np.ndarray, classes: Sequence[str],
                   opts: dict) -> Dict[str, np.ndarray]:
    """Measure a [n, H, W, 3] float chunk; see :func:`measure_factors`."""
    n, h, w, _ = rgb.shape
    value = rgb.max(3)
    fg = value > opts['fg_threshold']
    labels, main, main_px, num = _components(
        fg, opts['min_component_area'] * h * w)
    inside = (labels == main[:, None, None]) & (main[:, None, None] > 0)
    from scipy import ndimage  # heavy: imported where used
    inside = ndimage.binary_dilation(inside, structure=_PLANE)
    weight = value * inside
    mom = _moments(weight.astype(np.float64))
    label, rotation = _classify(mom, classes, h)
    area = mom['mass'] / (h * w)
    outside = (fg & ~inside).sum((1, 2)) / np.maximum(main_px, 1)
    lo, hi = opts['scale_range']
    m = opts['scale_margin']
    valid = ((num == 1) & (area >= (lo * (1 - m)) ** 2)
             & (area <= (hi * (1 + m)) ** 2)
             & (outside <= opts['max_outside_fraction']))
    found = main > 0
    nan = np.where(found, 1.0, np.nan)
    colour = (rgb * inside[..., None]).sum((1, 2))
    return dict(x=mom['cx'] / w * nan, y=mom['cy'] / h * nan,
                scale=np.sqrt(area) * nan, rotation=rotation * nan,
                hue=_hue(colour) * nan, label=np.where(found, label, -1),
                area=area, valid=valid, num_components=num,
                silhouette=weight.astype(np.float32))


def _check_options(classes, region, opts: dict) -> Tuple[str, ...]:
    """Validate the keyword options; return the classes as a tuple."""
    classes = tuple(classes)
    if not classes or any(c not in SHAPES for c in classes):
        raise ConfigError(f'classes={classes!r} must be names from {SHAPES};'
                          " pass dataset.metainfo['classes']")
    lo, hi = opts['scale_range']
    if not 0 < lo <= hi:
        raise ConfigError(f"scale_range={opts['scale_range']!r} must be "
                          "(low, high) with 0 < low <= high; pass "
                          "dataset.metainfo['scale_range']")
    if region is not None and len(region) != 4:
        raise ConfigError(f'region={region!r} must be a pixel box '
                          '(x0, y0, x1, y1)')
    return classes


def measure_factors(images,
                    *,
                    classes: Sequence[str] = SHAPES,
                    scale_range: Tuple[float, float] = (0.25, 0.5),
                    scale_margin: float = 0.25,
                    fg_threshold: float = 0.3,
                    min_component_area: float = 0.004,
                    max_outside_fraction: float = 0.05,
                    region: Optional[Tuple[int, int, int, int]] = None,
                    silhouette: bool = False
                    ) -> Dict[str, torch.Tensor]:
    """Measure the Shapes factors of a batch of images.

    Args:
        images: float tensor [N, 3, H, W] in [-1, 1] or uint8 numpy
            [N, H, W, 3], shapes on a black background.
        classes: class names in the dataset's order (``label`` indexes it).
        scale_range: the dataset's scale range; with ``scale_margin`` (a
            relative tolerance) it bounds a plausible ``area``.
        fg_threshold: value (max of RGB, in [0, 1]) above which a pixel is
            foreground.
        min_component_area: components smaller than this fraction of the
            image are specks and do not count as shapes.
        max_outside_fraction: most foreground pixels outside the shape, as
            a fraction of the shape's pixels, of a valid image.
        region: optional pixel box ``(x0, y0, x1, y1)``, end exclusive;
            pixels outside it are ignored (e.g. one half of a
            TwoShapesDataset image).  Units stay fractions of the image.
        silhouette: also return ``silhouette`` [N, H, W]: the weights the
            factors were measured on (HSV value inside the shape, 0
            elsewhere).

    Returns:
        dict of [N] tensors: float ``x, y, scale, rotation, hue`` (NaN where
        no shape was found), ``area``; int64 ``label`` (-1: none),
        ``num_components``; bool ``valid`` (exactly one shape of plausible
        area and little else).
    """
    opts = dict(scale_range=tuple(scale_range), scale_margin=scale_margin,
                fg_threshold=fg_threshold,
                min_component_area=min_component_area,
                max_outside_fraction=max_outside_fraction)
    classes = _check_options(classes, region, opts)
    rgb = _as_rgb(images)
    if region is not None:
        x0, y0, x1, y1 = region
        keep = np.zeros(rgb.shape[1:3], np.float32)
        keep[y0:y1, x0:x1] = 1.0
        rgb = rgb * keep[None, :, :, None]
    step = max(1, _CHUNK_PX // max(1, rgb.shape[1] * rgb.shape[2]))
    parts = [_measure_chunk(rgb[i:i + step], classes, opts)
             for i in range(0, len(rgb), step)]
    keys = ('x', 'y', 'scale', 'rotation', 'hue', 'area', 'label',
            'num_components', 'valid') + (('silhouette', ) if silhouette
                                          else ())
    out = {k: np.concatenate([p[k] for p in parts]) if parts else
           np.zeros((0, ) + rgb.shape[1:3] * (k == 'silhouette'))
           for k in keys}
    res = {k: torch.from_numpy(out[k].astype(np.float32)) for k in
           ('x', 'y', 'scale', 'rotation', 'hue', 'area')}
    res.update(label=torch.from_numpy(out['label'].astype(np.int64)),
               num_components=torch.from_numpy(
                   out['num_components'].astype(np.int64)),
               valid=torch.from_numpy(out['valid'].astype(bool)))
    if silhouette:
        res['silhouette'] = torch.from_numpy(out['silhouette'])
    return res


def validity_rate(images, **kwargs) -> float:
    """Fraction of ``images`` that :func:`measure_factors` finds valid."""
    valid = measure_factors(images, **kwargs)['valid']
    return float(valid.float().mean()) if len(valid) else math.nan
