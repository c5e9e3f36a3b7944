"""Procedural Shapes: one (or two) filled shapes on black, with known factors.

Conventions (shared with :mod:`mmlatent.datasets.measure`):

* Image coordinates are continuous: the image spans ``[0, 1] x [0, 1]`` in
  fractions of its side, pixel ``j`` covers ``[j, j + 1)`` in pixels, so its
  centre is at ``(j + 0.5) / resolution``.  ``y`` grows downwards.
* ``x, y``: the centre of the shape (its centroid; for the triangle also the
  circumcentre) as a fraction of the image width / height.
* ``scale``: ``sqrt(area) / resolution``, the side of the square that has the
  shape's area, as a fraction of the image side.  So a square of scale ``s``
  has side ``s``, the ellipse (axis ratio :data:`ELLIPSE_ASPECT`) a major
  axis of ``2 s sqrt(2 / pi) ~ 1.60 s`` and the equilateral triangle a side
  of ``2 s / 3 ** 0.25 ~ 1.52 s``: every class covers ``s ** 2`` of the image.
* ``rotation``: a fraction in ``[0, 1)`` of the shape's symmetry period
  (:data:`SYMMETRY_DEG`: square 90, triangle 120, ellipse 180 degrees),
  counter-clockwise as seen on screen.  At rotation 0 the square is axis
  aligned, the ellipse's major axis is horizontal and the triangle points up.
* ``hue``: HSV hue in ``[0, 1)`` at full saturation and value.

Rendering is supersampled (at least 256 px or 4x) with OpenCV's anti-aliased
polygon fill and box-filtered down with ``cv2.INTER_AREA``, so the coverage
of each pixel is accurate to ~1% and position is exact to ~0.02 px.
"""
import math
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ..registry import DATASETS
from ..utils.errors import ConfigError
from ..utils.image import from_uint8

SHAPES = ('square', 'ellipse', 'triangle')
FACTOR_NAMES = ('x', 'y', 'scale', 'rotation', 'hue')
SYMMETRY_DEG = {'square': 90.0, 'ellipse': 180.0, 'triangle': 120.0}
ELLIPSE_ASPECT = 0.5
ELLIPSE_VERTICES = 64
#: default bound of a dataset's cache of rendered items: it holds all 50000
#: items of the 32-px main job (~3.6 kB each), so from its second epoch on
#: nothing is drawn again
CACHE_BYTES = 256 * 2 ** 20
_ITEM_OVERHEAD = 512   # bytes of Python objects per cached item (390-530)
_SHIFT = 8        # fixed-point bits of the polygon vertices given to OpenCV
_INSET = 0.65     # supersampled px OpenCV's AA fill adds outside each edge
_FLIP_Y = np.array([1.0, -1.0])   # negates the second coordinate (exact)


def _regular_polygon(n: int, radius: float, phase: float) -> np.ndarray:
    """[n, 2] vertices (x right, y up) on a circle, the first at ``phase``."""
    a = phase + 2 * np.pi * np.arange(n) / n
    return radius * np.stack([np.cos(a), np.sin(a)], 1)


def unit_outline(name: str) -> np.ndarray:
    """[K, 2] outline of area 1 at rotation 0, centred at 0, y pointing up."""
    if name == 'square':
        return _regular_polygon(4, math.sqrt(0.5), np.pi / 4)
    if name == 'triangle':
        return _regular_polygon(3, 2 / 3 ** 0.75, np.pi / 2)
    if name == 'ellipse':
        k = ELLIPSE_VERTICES   # the inscribed K-gon is scaled to area 1
        a = math.sqrt(2 / (k * math.sin(2 * np.pi / k) * ELLIPSE_ASPECT))
        return _regular_polygon(k, a, 0.0) * [1.0, ELLIPSE_ASPECT]
    raise ConfigError(f"shape '{name}' is not one of {SHAPES}; "
                      'use those names')


_OUTLINES = {name: unit_outline(name) for name in SHAPES}
#: largest distance from the centre to the outline, in units of ``scale``
MAX_RADIUS = max(np.linalg.norm(p, axis=1).max() for p in _OUTLINES.values())


def centre_margin(scale, resolution: int, pad_px: float = 0.5):
    """Smallest distance (fraction of the side) from the centre of a shape
    of ``scale`` to the image border that keeps any class at any rotation
    inside, plus ``pad_px`` pixels.  The same for every class."""
    return MAX_RADIUS * np.asarray(scale) + pad_px / resolution


def hue_to_rgb(hue: np.ndarray) -> np.ndarray:
    """[N] HSV hues in [0, 1) at full saturation and value -> [N, 3] RGB."""
    h6 = (np.asarray(hue, np.float64) % 1.0)[:, None] * 6.0
    k = (np.array([5.0, 3.0, 1.0]) + h6) % 6.0
    return 1.0 - np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)


def _inset(poly: np.ndarray, dist: float) -> np.ndarray:
    """Move every edge of convex [..., K, 2] polygons inwards by ``dist``."""
    k = poly.shape[-2]
    nxt, prv = np.arange(1, k + 1) % k, np.arange(-1, k - 1) % k
    edge = poly[..., nxt, :] - poly
    normal = edge[..., ::-1] * _FLIP_Y       # (edge_y, -edge_x)
    normal /= np.sqrt(np.sum(normal * normal, -1, keepdims=True))
    twice_area = np.sum(poly[..., 0] * poly[..., nxt, 1]
                        - poly[..., nxt, 0] * poly[..., 1], -1)
    normal *= np.sign(twice_area)[..., None, None]  # outward either way
    prev = normal[..., prv, :]
    cos = np.sum(normal * prev, -1, keepdims=True)
    return poly - dist * (normal + prev) / (1 + cos)


def _outline_px(name: str, factors: np.ndarray, resolution: int,
                supersample: int) -> np.ndarray:
    """[N, K, 2] outlines of N shapes of class ``name`` with [N, 5]
    ``factors`` in supersampled OpenCV pixels (centres at integers)."""
    angle = np.deg2rad(factors[:, 3] * SYMMETRY_DEG[name])
    turn = np.empty((len(angle), 2, 2))
    for t, a in zip(turn, angle):     # libm's cos and sin, as for one shape
        t[0, 0] = t[1, 1] = math.cos(a)
        t[0, 1] = math.sin(a)
        t[1, 0] = -t[0, 1]
    p = _OUTLINES[name] @ turn * factors[:, 2, None, None]
    p = p * _FLIP_Y + factors[:, None, :2]     # y points down
    return _inset(p * resolution * supersample, _INSET) - 0.5


def _coverage(names: Sequence[str], factors: np.ndarray,
              resolution: int) -> np.ndarray:
    """[K, H, W] float32 pixel coverage in [0, 1] of K shapes."""
    ss = max(4, math.ceil(256 / resolution))
    canvas = np.zeros((resolution * ss, resolution * ss), np.uint8)
    out = np.empty((len(names), resolution, resolution), np.float32)
    groups: Dict[str, List[int]] = {}
    for k, name in enumerate(names):
        groups.setdefault(name, []).append(k)
    for name, idx in groups.items():
        pts = np.round(_outline_px(name, factors[idx], resolution, ss)
                       * 2 ** _SHIFT).astype(np.int32)
        for k, poly in zip(idx, pts):
            canvas[:] = 0
            cv2.fillPoly(canvas, [poly], 255, cv2.LINE_AA, _SHIFT)
            out[k] = cv2.resize(canvas, (resolution, resolution),
                                interpolation=cv2.INTER_AREA)
    return out / 255.0


def render_shapes(classes, factors, resolution: int,
                  shapes: Sequence[str] = SHAPES) -> np.ndarray:
    """Draw shapes with given factors on black.

    Args:
        classes: [N] or [N, K] class indices into ``shapes`` (or names).
        factors: [N, 5] or [N, K, 5] ``(x, y, scale, rotation, hue)``.
        resolution: image side in pixels.
        shapes: the class names that the indices refer to.

    Returns:
        uint8 [N, H, W, 3] RGB; K objects of one image are added up.
    """
    factors = np.asarray(factors, np.float64)
    classes = np.asarray(classes)
    if factors.ndim == 2:
        factors, classes = factors[:, None], classes[:, None]
    n, k = factors.shape[:2]
    assert factors.shape == (n, k, 5) and classes.shape == (n, k), \
        f'classes {classes.shape} and factors {factors.shape} do not match'
    names = [c if isinstance(c, str) else shapes[int(c)]
             for c in classes.reshape(-1)]
    cover = _coverage(names, factors.reshape(-1, 5), resolution)
    rgb = hue_to_rgb(factors[..., 4].reshape(-1)).astype(np.float32)
    img = cover.reshape(n, k, resolution, resolution, 1) * rgb.reshape(
        n, k, 1, 1, 3)
    img = np.clip(img.sum(1), 0.0, 1.0)
    return np.round(img * 255.0).astype(np.uint8)


def render_discs(factors, resolution: int) -> np.ndarray:
    """Anti-aliased discs with the area, centre and hue of each shape: the
    blob that a fidelity metric (or a discriminator) must tell apart from
    the data (``docs/fidelity.md``).

    Args:
        factors: [N, 5] ``(x, y, scale, rotation, hue)``; rotation unused.
        resolution: image side in pixels.

    Returns:
        uint8 [N, H, W, 3] RGB.
    """
    factors = np.asarray(factors, np.float64)
    ss, out = 8, []
    k = resolution * ss * 16   # 4 fractional bits
    for x, y, s, _, _ in factors:
        canvas = np.zeros((resolution * ss, resolution * ss), np.uint8)
        cv2.circle(canvas, (int(x * k - 8), int(y * k - 8)),
                   int(s / math.sqrt(math.pi) * k), 255, -1, cv2.LINE_AA, 4)
        out.append(cv2.resize(canvas, (resolution, resolution),
                              interpolation=cv2.INTER_AREA))
    cover = np.stack(out)[..., None] / 255.0
    rgb = hue_to_rgb(factors[:, 4])[:, None, None]
    return np.round(cover * rgb * 255).astype(np.uint8)


def _check_range(name: str, value, low: float, high: float) -> tuple:
    """Return ``value`` as a (lo, hi) tuple with low <= lo <= hi <= high."""
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ConfigError(f'{name}={value!r} must be a pair (low, high) '
                          f'of numbers in [{low:g}, {high:.4g}]')
    if not low <= lo <= hi <= high:
        raise ConfigError(f'{name}={value!r} must satisfy {low:g} <= low <= '
                          f'high <= {high:.4g}; narrow the range')
    return lo, hi


def _check_common(resolution, num_samples, seed, shapes, hue_range) -> tuple:
    """Validate the parameters the two datasets share; return shapes."""
    if not isinstance(seed, int) or seed < 0:
        raise ConfigError(f'seed={seed!r} must be a non-negative int')
    if not isinstance(resolution, int) or not 16 <= resolution <= 1024:
        raise ConfigError(f'resolution={resolution!r} must be an int in '
                          '[16, 1024], e.g. 32, 64 or 128')
    if not isinstance(num_samples, int) or num_samples < 1:
        raise ConfigError(f'num_samples={num_samples!r} must be a positive '
                          'int')
    shapes = (shapes,) if isinstance(shapes, str) else tuple(shapes)
    bad = [s for s in shapes if s not in SHAPES]
    if bad or not shapes or len(set(shapes)) != len(shapes):
        raise ConfigError(f'shapes={shapes!r} must be distinct names from '
                          f'{SHAPES}, e.g. {SHAPES}')
    _check_range('hue_range', hue_range, 0.0, 1.0)
    return shapes


@DATASETS.register_module()
class ShapesDataset(Dataset):
    """One filled shape per image; see the module docstring for the factors.

    Factors are drawn from ``np.random.default_rng([seed, index])``: the
    class, scale, rotation and hue uniformly, and ``x, y`` uniformly in
    ``[m, 1 - m]`` with ``m = centre_margin(scale, resolution)`` (the range
    shrinks with the scale, the same for every class).  With
    ``scale_x_correlation = r`` the uniform variates of scale and of x (the
    position of x inside its range) come from a Gaussian copula whose
    parameter ``2 sin(pi r / 6)`` gives them Pearson (= Spearman)
    correlation ``r``; the correlation of the factors ``scale`` and ``x``
    is a little smaller because x's range shrinks with scale (0.74 for
    r = 0.8 and the default scale range).

    Items: ``img`` float32 [3, H, W] in [-1, 1], ``label`` int (index into
    ``shapes``), ``factors`` float32 [5] = (x, y, scale, rotation, hue).
    A batch of indices is drawn in one go by :meth:`__getitems__` (torch's
    DataLoader calls it), and up to ``cache_bytes`` of drawn items are kept
    (the uint8 image and the factors, not the float tensors), so that a
    later epoch reads them instead of drawing them again; 0 turns the cache
    off.  Each DataLoader worker fills a cache of its own.
    """
    _objects = 1   # shapes per image

    def __init__(self,
                 resolution: int = 32,
                 num_samples: int = 50000,
                 seed: int = 0,
                 shapes: Sequence[str] = SHAPES,
                 scale_range: Tuple[float, float] = (0.25, 0.5),
                 hue_range: Tuple[float, float] = (0.0, 1.0),
                 scale_x_correlation: float = 0.0,
                 cache_bytes: int = CACHE_BYTES) -> None:
        self.shapes = _check_common(resolution, num_samples, seed, shapes,
                                    hue_range)
        self.resolution, self.num_samples, self.seed = (resolution,
                                                        num_samples, seed)
        self.scale_range = _check_range(
            'scale_range', scale_range, 1e-3, self.max_scale(resolution))
        self.hue_range = tuple(float(h) for h in hue_range)
        if not (isinstance(scale_x_correlation, (int, float))
                and -1.0 <= scale_x_correlation <= 1.0):
            raise ConfigError(f'scale_x_correlation={scale_x_correlation!r} '
                              'must be in [-1, 1]; 0 means independent')
        self.scale_x_correlation = float(scale_x_correlation)
        if not isinstance(cache_bytes, int) or cache_bytes < 0:
            raise ConfigError(f'cache_bytes={cache_bytes!r} must be a '
                              'non-negative int; 0 turns the cache off')
        self.cache_bytes = cache_bytes
        self._cache: Dict[int, tuple] = {}

    @staticmethod
    def max_scale(resolution: int) -> float:
        """Largest scale that fits any class at any rotation."""
        return float((1.0 - 1.0 / resolution) / (2 * MAX_RADIUS))

    @property
    def metainfo(self) -> Dict:
        """Class names, factor names, resolution and factor ranges."""
        return dict(classes=self.shapes, factor_names=FACTOR_NAMES,
                    resolution=self.resolution, scale_range=self.scale_range,
                    hue_range=self.hue_range)

    def __len__(self) -> int:
        return self.num_samples

    def __getstate__(self) -> dict:
        """Pickle without the cache (a worker fills its own)."""
        return dict(self.__dict__, _cache={})

    def _index(self, index: int) -> int:
        """``index`` in ``[0, len)``; negative ones count from the end."""
        if not -self.num_samples <= index < self.num_samples:
            raise IndexError(f'index {index} out of range for '
                             f'{type(self).__name__} of length '
                             f'{self.num_samples}')
        return int(index) % self.num_samples

    def _rng(self, index: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self._index(index)])

    def _uniforms(self, rng: np.random.Generator) -> Tuple[float, float]:
        """(u_scale, u_x) uniform on [0, 1] with the copula correlation."""
        rho = 2.0 * math.sin(math.pi * self.scale_x_correlation / 6.0)
        from scipy.special import ndtr  # heavy: imported where used
        z = rng.standard_normal(2)
        return (float(ndtr(z[0])),
                float(ndtr(rho * z[0] + math.sqrt(1 - rho * rho) * z[1])))

    def _sample(self, rng: np.random.Generator, x_lim=(0.0, 1.0)):
        """(label, [5] factors) of one object with its centre's x in
        ``x_lim`` (fractions of the side), which bounds the whole shape."""
        label = int(rng.integers(len(self.shapes)))
        u_s, u_x = self._uniforms(rng)
        u_y, rotation, u_h = rng.random(3)
        lo, hi = self.scale_range
        scale = lo + (hi - lo) * u_s
        margin = centre_margin(scale, self.resolution)
        x0, x1 = x_lim[0] + margin, x_lim[1] - margin
        h0, h1 = self.hue_range
        hue = h0 + (h1 - h0) * u_h
        return label, np.array([x0 + (x1 - x0) * u_x,
                                margin + (1 - 2 * margin) * u_y, scale,
                                rotation, hue % 1.0])

    def factors_of(self, index: int) -> Tuple[int, np.ndarray]:
        """(label, float64 [5] factors) of item ``index`` without drawing."""
        return self._sample(self._rng(index))

    def _render(self, indices: List[int]) -> Dict[int, tuple]:
        """{index: (label, float64 factors, uint8 [H, W, 3] image)} of
        ``indices`` in ``[0, len)``, rendered together."""
        if not indices:
            return {}
        labels, factors = zip(*(self.factors_of(i) for i in indices))
        imgs = render_shapes(np.array(labels), np.stack(factors),
                             self.resolution, self.shapes)
        return dict(zip(indices, zip(labels, factors, imgs)))

    def _drawn(self, indices: List[int]) -> List[tuple]:
        """:meth:`_render`'s tuples of ``indices``, from the cache where
        it has them; new ones fill the cache up to ``cache_bytes``."""
        # membership tests only: ``set - dict.keys()`` walks the whole
        # cache, which made each cached item cost as much as drawing it
        new = self._render(sorted({i for i in indices
                                   if i not in self._cache}))
        per_item = (self.resolution ** 2 * 3 + self._objects * 6 * 8
                    + _ITEM_OVERHEAD)
        room = max(self.cache_bytes // per_item - len(self._cache), 0)
        self._cache.update(list(new.items())[:room])
        return [new[i] if i in new else self._cache[i] for i in indices]

    def _item(self, label, factors: torch.Tensor, img: torch.Tensor) -> dict:
        """The item dict of one image."""
        return dict(img=img, label=int(label), factors=factors)

    def __getitems__(self, indices: Sequence[int]) -> List[dict]:
        """The items of ``indices`` (torch's DataLoader calls this with
        each batch); the missing ones are rendered together."""
        labels, factors, imgs = zip(*self._drawn([self._index(i)
                                                  for i in indices]))
        factors = torch.from_numpy(np.stack(factors)).float()
        return [self._item(*item) for item in
                zip(labels, factors, from_uint8(np.stack(imgs)))]

    def __getitem__(self, index: int) -> dict:
        """Item ``index``: see the class docstring."""
        return self.__getitems__([index])[0]


@DATASETS.register_module()
class TwoShapesDataset(ShapesDataset):
    """Two shapes per image: object 0 inside the left half, object 1 inside
    the right half, each with its own independent factors (same units as
    :class:`ShapesDataset`, ``x, y`` are fractions of the whole image).

    A gap of at least 2 px separates the objects.  Items: ``img`` float32
    [3, H, W], ``label`` int64 [2], ``factors`` float32 [2, 5].
    ``metainfo['regions']`` holds each object's pixel box
    ``(x0, y0, x1, y1)``, end exclusive.
    """
    _objects = 2

    def __init__(self,
                 resolution: int = 64,
                 num_samples: int = 50000,
                 seed: int = 0,
                 shapes: Sequence[str] = SHAPES,
                 scale_range: Tuple[float, float] = (0.15, 0.25),
                 hue_range: Tuple[float, float] = (0.0, 1.0),
                 cache_bytes: int = CACHE_BYTES) -> None:
        if isinstance(resolution, int) and resolution % 2:
            raise ConfigError(f'resolution={resolution} must be even for '
                              'TwoShapesDataset (two equal halves)')
        super().__init__(resolution=resolution, num_samples=num_samples,
                         seed=seed, shapes=shapes, scale_range=scale_range,
                         hue_range=hue_range, cache_bytes=cache_bytes)

    @staticmethod
    def max_scale(resolution: int) -> float:
        """Largest scale that fits a half with a 1 px gap to the midline."""
        return float((0.5 - 1.5 / resolution) / (2 * MAX_RADIUS))

    @property
    def metainfo(self) -> Dict:
        """As :class:`ShapesDataset`, plus ``regions`` ([2] pixel boxes)."""
        r, half = self.resolution, self.resolution // 2
        return dict(super().metainfo, num_objects=2,
                    regions=((0, 0, half, r), (half, 0, r, r)))

    def factors_of(self, index: int) -> Tuple[np.ndarray, np.ndarray]:
        """(int64 [2] labels, float64 [2, 5] factors) of item ``index``."""
        rng, gap = self._rng(index), 0.5 / self.resolution
        left = self._sample(rng, (0.0, 0.5 - gap))
        right = self._sample(rng, (0.5 + gap, 1.0))
        return (np.array([left[0], right[0]]),
                np.stack([left[1], right[1]]))

    def _item(self, label, factors: torch.Tensor, img: torch.Tensor) -> dict:
        return dict(img=img, label=torch.tensor(label), factors=factors)

