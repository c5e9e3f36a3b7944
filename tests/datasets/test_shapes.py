"""ShapesDataset / TwoShapesDataset: determinism, format, ranges, errors."""
import numpy as np
import pytest
import torch
from scipy import stats
from torch.utils.data import DataLoader

from mmlatent.datasets.shapes import (ShapesDataset, TwoShapesDataset,
                                      centre_margin, render_shapes)
from mmlatent.registry import DATASETS
from mmlatent.utils.errors import ConfigError


def test_same_seed_and_index_give_the_same_item_in_any_order():
    a, b = ShapesDataset(seed=3), ShapesDataset(seed=3)
    first = [a[i] for i in range(5)]
    for i in reversed(range(5)):
        item = b[i]
        assert torch.equal(item['img'], first[i]['img'])
        assert torch.equal(item['factors'], first[i]['factors'])
        assert item['label'] == first[i]['label']


def test_items_are_the_same_in_worker_processes():
    ds = ShapesDataset(num_samples=8, seed=1)
    loader = DataLoader(ds, batch_size=4, num_workers=2)
    imgs = torch.cat([batch['img'] for batch in loader])
    assert torch.equal(imgs, torch.stack([ds[i]['img'] for i in range(8)]))


def test_seeds_and_indices_give_different_items():
    a, b = ShapesDataset(seed=0), ShapesDataset(seed=1)
    assert not torch.equal(a[0]['factors'], b[0]['factors'])
    assert not torch.equal(a[0]['img'], b[0]['img'])
    assert not torch.equal(a[0]['img'], a[1]['img'])


@pytest.mark.parametrize('resolution', [32, 64, 128])
def test_item_format(resolution):
    ds = ShapesDataset(resolution=resolution, num_samples=10)
    item = ds[7]
    img = item['img']
    assert img.shape == (3, resolution, resolution)
    assert img.dtype == torch.float32
    assert img.min() == -1.0 and img.max() == 1.0   # black bg, full value
    assert isinstance(item['label'], int) and 0 <= item['label'] < 3
    assert item['factors'].shape == (5, ) and item['factors'].dtype == \
        torch.float32
    assert len(ds) == 10


def test_factors_stay_in_their_ranges_and_shapes_inside_the_image():
    ds = ShapesDataset(resolution=32, scale_range=(0.3, 0.45),
                       hue_range=(0.2, 0.6))
    labels, factors = zip(*(ds.factors_of(i) for i in range(300)))
    f = np.stack(factors)
    x, y, scale, rotation, hue = f.T
    margin = centre_margin(scale, 32)
    assert set(labels) == {0, 1, 2}
    assert ((scale >= 0.3) & (scale <= 0.45)).all()
    assert ((x >= margin) & (x <= 1 - margin)).all()
    assert ((y >= margin) & (y <= 1 - margin)).all()
    assert ((rotation >= 0) & (rotation < 1)).all()
    assert ((hue >= 0.2) & (hue <= 0.6)).all()
    # a shape cut by the border would lose area: all keep scale ** 2
    imgs = render_shapes(np.array(labels), f, 32)
    area = imgs.max(3).sum((1, 2)) / 255.0 / 32 ** 2
    np.testing.assert_allclose(area, scale ** 2, rtol=0.02)


def test_render_shapes_draws_the_defined_geometry():
    # centred red square of scale 0.5 at rotation 0: pixels 8..23 exactly
    img = render_shapes([0], [[0.5, 0.5, 0.5, 0.0, 0.0]], 32)[0]
    assert (img[8:24, 8:24, 0] >= 245).all()
    img[8:24, 8:24, 0] = 0
    assert img.max() <= 8     # AA rim: < 3% of a pixel
    # a square's rotation is periodic in 90 deg: rotation 0.999 ~ 0
    near = render_shapes([0, 0, 0], [[0.5, 0.5, 0.4, r, 0.3] for r in
                                     (0.0, 0.999, 0.5)], 64).astype(int)
    assert np.abs(near[0] - near[1]).max() <= 16   # corners move 0.03 px
    assert np.abs(near[0] - near[2]).max() > 100


def test_every_class_has_the_area_of_its_scale():
    f = [[0.5, 0.5, 0.4, 0.3, 0.0]] * 3
    imgs = render_shapes(['square', 'ellipse', 'triangle'], f, 128)
    area = imgs[..., 0].sum((1, 2)) / 255.0 / 128 ** 2
    np.testing.assert_allclose(area, 0.16, rtol=0.01)


def test_index_out_of_range_raises_index_error():
    ds = ShapesDataset(num_samples=4)
    assert torch.equal(ds[-1]['img'], ds[3]['img'])
    with pytest.raises(IndexError):
        ds[4]
    with pytest.raises(IndexError):
        ds[-5]


@pytest.mark.parametrize('kwargs, named', [
    (dict(resolution=8), 'resolution=8'),
    (dict(num_samples=0), 'num_samples=0'),
    (dict(seed=-1), 'seed=-1'),
    (dict(shapes=('square', 'circle')), 'circle'),
    (dict(shapes=()), 'shapes=()'),
    (dict(scale_range=(0.5, 0.25)), 'scale_range=(0.5, 0.25)'),
    (dict(scale_range=(0.3, 0.9)), 'scale_range=(0.3, 0.9)'),
    (dict(hue_range=(0.5, 2.0)), 'hue_range=(0.5, 2.0)'),
    (dict(scale_x_correlation=1.5), 'scale_x_correlation=1.5'),
])
def test_bad_parameters_are_named(kwargs, named):
    with pytest.raises(ConfigError, match=named.replace('(', r'\(').replace(
            ')', r'\)')):
        ShapesDataset(**kwargs)


def test_metainfo_and_registry():
    ds = DATASETS.build(dict(type='ShapesDataset', resolution=64,
                             shapes=('triangle', 'square')))
    meta = ds.metainfo
    assert meta['classes'] == ('triangle', 'square')
    assert meta['factor_names'] == ('x', 'y', 'scale', 'rotation', 'hue')
    assert meta['resolution'] == 64
    assert {ds[i]['label'] for i in range(30)} == {0, 1}
    with pytest.raises(ConfigError, match='resolutoin'):
        DATASETS.build(dict(type='ShapesDataset', resolutoin=64))


def test_two_shapes_stay_in_their_halves():
    ds = TwoShapesDataset(resolution=32, num_samples=100)
    regions = ds.metainfo['regions']
    assert regions == ((0, 0, 16, 32), (16, 0, 32, 32))
    item = ds[0]
    assert item['img'].shape == (3, 32, 32)
    assert item['label'].shape == (2, ) and item['factors'].shape == (2, 5)
    labels, factors = zip(*(ds.factors_of(i) for i in range(100)))
    labels, factors = np.stack(labels), np.stack(factors)
    for k, (x0, _, x1, _) in enumerate(regions):
        cover = render_shapes(labels[:, k], factors[:, k], 32).max(3)
        inside = cover[:, :, x0:x1].sum((1, 2))
        assert (inside == cover.sum((1, 2))).all()   # nothing outside
        assert (inside > 0).all()
    # objects differ independently: not the same class or hue every time
    assert (labels[:, 0] != labels[:, 1]).any()
    assert np.abs(factors[:, 0, 4] - factors[:, 1, 4]).mean() > 0.2


def test_two_shapes_needs_an_even_resolution_and_room():
    with pytest.raises(ConfigError, match='resolution=33'):
        TwoShapesDataset(resolution=33)
    with pytest.raises(ConfigError, match='scale_range'):
        TwoShapesDataset(scale_range=(0.2, 0.4))


def test_scale_x_copula_correlation_and_uniform_marginals():
    ds = ShapesDataset(num_samples=2000, scale_x_correlation=0.8, seed=0)
    f = np.stack([ds.factors_of(i)[1] for i in range(2000)])
    x, y, scale = f[:, 0], f[:, 1], f[:, 2]
    margin = centre_margin(scale, 32)
    u_scale = (scale - 0.25) / 0.25
    u_x = (x - margin) / (1 - 2 * margin)    # x's position in its range
    # measured: 0.797 between the uniforms, 0.75 between scale and x
    assert abs(np.corrcoef(u_scale, u_x)[0, 1] - 0.8) < 0.04
    assert 0.65 < np.corrcoef(scale, x)[0, 1] < 0.85
    assert abs(np.corrcoef(scale, y)[0, 1]) < 0.06
    for u in (u_scale, u_x):
        assert stats.kstest(u, 'uniform').pvalue > 1e-3
    indep = ShapesDataset(num_samples=2000, seed=0)
    f0 = np.stack([indep.factors_of(i)[1] for i in range(2000)])
    assert abs(np.corrcoef(f0[:, 2], f0[:, 0])[0, 1]) < 0.06
