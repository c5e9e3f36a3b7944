"""Batched Shapes rendering and the item cache: the pixels are those of a
plain one-shape-at-a-time rendering, and cached items equal fresh ones."""
import math
import pickle

import cv2
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from mmlatent.datasets import CaptionedShapesDataset
from mmlatent.datasets.shapes import (SHAPES, SYMMETRY_DEG, ShapesDataset,
                                      TwoShapesDataset, centre_margin,
                                      hue_to_rgb, render_shapes, unit_outline)
from mmlatent.utils.errors import ConfigError
from mmlatent.utils.image import from_uint8


def _reference_coverage(name, factors, resolution):
    """uint8 [H, W] coverage of one shape, drawn on its own: rotate and
    scale the unit outline, move each edge 0.65 supersampled px inwards
    (OpenCV's anti-aliased fill adds that much), fill, box-filter down."""
    x, y, scale, rotation, _ = factors
    ss = max(4, math.ceil(256 / resolution))
    angle = np.deg2rad(rotation * SYMMETRY_DEG[name])
    c, s = math.cos(angle), math.sin(angle)
    p = unit_outline(name) @ np.array([[c, s], [-s, c]]) * scale
    p = np.stack([x + p[:, 0], y - p[:, 1]], 1) * resolution * ss
    edge = np.roll(p, -1, 0) - p
    normal = np.stack([edge[:, 1], -edge[:, 0]], 1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    normal *= np.sign(np.sum(p[:, 0] * np.roll(p[:, 1], -1)
                             - np.roll(p[:, 0], -1) * p[:, 1]))
    prev = np.roll(normal, 1, 0)
    cos = np.sum(normal * prev, 1, keepdims=True)
    p = p - 0.65 * (normal + prev) / (1 + cos) - 0.5
    canvas = np.zeros((resolution * ss, resolution * ss), np.uint8)
    cv2.fillPoly(canvas, [np.round(p * 256).astype(np.int32)], 255,
                 cv2.LINE_AA, 8)
    return cv2.resize(canvas, (resolution, resolution),
                      interpolation=cv2.INTER_AREA)


def _reference_image(names, factors, resolution):
    """uint8 [H, W, 3] of the shapes ``names`` with [K, 5] ``factors``."""
    img = np.zeros((resolution, resolution, 3), np.float32)
    for name, f in zip(names, factors):
        cover = _reference_coverage(name, f, resolution) / np.float32(255)
        img += cover[..., None] * hue_to_rgb(f[4:]).astype(np.float32)
    return np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)


def _random_factors(rng, n, resolution):
    """[n, 5] factors over the whole allowed range, incl. the smallest and
    largest scale and the rotations 0, 1/4, 1/2 and just under 1."""
    scale = rng.uniform(1.5 / resolution, ShapesDataset.max_scale(resolution),
                        n)
    scale[:4] = 1.5 / resolution, ShapesDataset.max_scale(resolution), \
        0.05, 0.5
    rotation = rng.random(n)
    rotation[-4:] = 0.0, 0.25, 0.5, 1 - 1e-9
    m = centre_margin(scale, resolution)
    x, y = (m + (1 - 2 * m) * rng.random(n) for _ in range(2))
    return np.stack([x, y, scale, rotation, rng.random(n)], 1)


@pytest.mark.parametrize('resolution', [16, 32, 48, 128])
def test_batched_rendering_has_the_pixels_of_one_shape_at_a_time(resolution):
    rng = np.random.default_rng(resolution)
    n = 60 if resolution == 128 else 300
    classes = rng.integers(3, size=n)
    factors = _random_factors(rng, n, resolution)
    imgs = render_shapes(classes, factors, resolution)
    for label, f, img in zip(classes, factors, imgs):
        ref = _reference_image([SHAPES[label]], f[None], resolution)
        assert np.array_equal(img, ref), (SHAPES[label], f)


def test_batched_rendering_of_two_shapes_per_image():
    rng = np.random.default_rng(1)
    classes = rng.integers(3, size=(100, 2))
    factors = np.stack([_random_factors(rng, 100, 64) * [0.5, 1, 0.5, 1, 1]
                        for _ in range(2)], 1)
    imgs = render_shapes(classes, factors, 64)
    for labels, f, img in zip(classes, factors, imgs):
        ref = _reference_image([SHAPES[k] for k in labels], f, 64)
        assert np.array_equal(img, ref)


def _items_equal(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], torch.Tensor):
            assert a[key].dtype == b[key].dtype and torch.equal(a[key], b[key])
        else:
            assert type(a[key]) is type(b[key]) and a[key] == b[key]


@pytest.mark.parametrize('cls', [ShapesDataset, TwoShapesDataset])
def test_dataset_items_are_the_reference_rendering_of_their_factors(cls):
    ds = cls(resolution=32, num_samples=200, seed=4, cache_bytes=0)
    items = ds.__getitems__(list(range(200)))
    for i, item in enumerate(items):
        labels, factors = ds.factors_of(i)
        names = [SHAPES[k] for k in np.atleast_1d(labels)]
        ref = _reference_image(names, factors.reshape(-1, 5), 32)
        assert torch.equal(item['img'], from_uint8(ref[None])[0])
        assert torch.equal(item['factors'],
                           torch.from_numpy(factors).float())
        _items_equal(item, ds[i])


def test_cached_items_equal_fresh_ones_in_any_order():
    fresh = ShapesDataset(num_samples=100, seed=2, cache_bytes=0)
    cached = ShapesDataset(num_samples=100, seed=2)
    order = np.random.default_rng(0).permutation(100).tolist()
    for _ in range(2):          # the first pass fills, the second reads
        for b in range(0, 100, 16):
            batch = order[b:b + 16]
            for i, item in zip(batch, cached.__getitems__(batch)):
                _items_equal(item, fresh[i])
    assert len(cached._cache) == 100 and not fresh._cache
    # duplicate and negative indices in one batch
    got = cached.__getitems__([3, -1, 3, 99])
    for i, item in zip([3, 99, 3, 99], got):
        _items_equal(item, fresh[i])
    with pytest.raises(IndexError, match='index 100'):
        cached.__getitems__([0, 100])


def test_a_cached_item_costs_the_same_in_a_small_and_a_full_cache():
    """Reading one cached item looks it up; it does not walk the cache
    (``set - dict.keys()`` did: 1.7 ms an item with 50,000 cached, as
    much as drawing it, through the item-by-item wrappers)."""
    import time
    small = ShapesDataset(num_samples=50000, seed=1)
    full = ShapesDataset(num_samples=50000, seed=1)
    for ds in (small, full):
        ds.__getitems__(list(range(200)))
    entry = full._cache[0]
    full._cache.update({i: entry for i in range(200, 50000)})

    def read(ds):
        start = time.perf_counter()
        for i in range(200):
            ds[i]
        return time.perf_counter() - start
    t_small = min(read(small) for _ in range(3))
    t_full = min(read(full) for _ in range(3))
    assert t_full < 3 * t_small + 0.02, (t_small, t_full)


def test_cache_stays_within_its_bytes():
    per_item = 32 * 32 * 3 + 6 * 8 + 512
    ds = ShapesDataset(num_samples=100, cache_bytes=10 * per_item)
    fresh = ShapesDataset(num_samples=100, cache_bytes=0)
    for b in range(0, 100, 32):
        ds.__getitems__(list(range(b, min(b + 32, 100))))
    assert len(ds._cache) == 10
    for i in (5, 50):       # in the cache and not
        _items_equal(ds[i], fresh[i])


def test_cache_is_left_out_of_pickles_and_workers_fill_their_own():
    ds = ShapesDataset(num_samples=64, seed=1)
    first = [ds[i] for i in range(64)]
    clone = pickle.loads(pickle.dumps(ds))
    assert len(ds._cache) == 64 and not clone._cache
    assert len(pickle.dumps(ds)) < 4096
    loader = DataLoader(ds, batch_size=16, num_workers=2)
    imgs = torch.cat([batch['img'] for batch in loader])
    assert torch.equal(imgs, torch.stack([item['img'] for item in first]))


def test_bad_cache_bytes_is_named():
    with pytest.raises(ConfigError, match='cache_bytes=-1'):
        ShapesDataset(cache_bytes=-1)


def test_captioned_batches_keep_their_captions():
    ds = CaptionedShapesDataset(num_samples=16, seed=3)
    batch = next(iter(DataLoader(ds, batch_size=8)))
    assert list(batch['caption']) == [ds[i]['caption'] for i in range(8)]
    assert torch.equal(batch['named'],
                       torch.stack([ds[i]['named'] for i in range(8)]))
