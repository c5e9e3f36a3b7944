"""measure_factors recovers the factors of Shapes images analytically."""
import cv2
import numpy as np
import pytest
import torch

from mmlatent.datasets.measure import measure_factors, validity_rate
from mmlatent.datasets.shapes import (SYMMETRY_DEG, ShapesDataset,
                                      TwoShapesDataset, render_shapes)
from mmlatent.utils.errors import ConfigError, DataError

RES = 32


def _batch(ds, n):
    items = [ds[i] for i in range(n)]
    return (torch.stack([d['img'] for d in items]),
            torch.as_tensor(np.array([d['label'] for d in items])),
            torch.stack([d['factors'] for d in items]))


@pytest.fixture(scope='module')
def real():
    ds = ShapesDataset(resolution=RES, num_samples=1000, seed=123)
    img, label, factors = _batch(ds, 1000)
    return img, label, factors, measure_factors(img)


def _circular(a, b, period=1.0):
    return ((a - b + 0.5 * period) % period - 0.5 * period).abs()


def test_output_format(real):
    img, _, _, m = real
    for key in ('x', 'y', 'scale', 'rotation', 'hue', 'area'):
        assert m[key].shape == (1000, ) and m[key].dtype == torch.float32
    assert m['label'].dtype == torch.int64 and m['valid'].dtype == torch.bool
    assert (m['num_components'] == 1).all()


def test_position_and_scale(real):
    _, _, f, m = real
    err_px = torch.hypot(m['x'] - f[:, 0], m['y'] - f[:, 1]) * RES
    # measured at 32 px: mean 0.013 px, max 0.06 px
    assert err_px.mean() < 0.05 and err_px.max() < 0.25
    rel = (m['scale'] / f[:, 2] - 1).abs()
    # measured: mean 0.1%, max 0.6%
    assert rel.mean() < 0.005 and rel.max() < 0.02
    np.testing.assert_allclose(m['area'], m['scale'] ** 2, rtol=1e-5)


def test_rotation_modulo_the_symmetry_period(real):
    _, label, f, m = real
    period = torch.tensor([SYMMETRY_DEG[s] for s in ShapesDataset().shapes])
    err_deg = _circular(m['rotation'], f[:, 3]) * period[label]
    # measured at 32 px (scale >= 0.25): mean 0.07 deg, 95% < 0.2 deg
    assert err_deg.mean() < 0.5 and err_deg.quantile(0.95) < 1.0


def test_hue_class_and_validity(real):
    _, label, f, m = real
    # measured: hue error mean 1.3e-4, max 3e-4 (uint8 rounding)
    assert _circular(m['hue'], f[:, 4]).max() < 0.005
    # measured: 100% class accuracy and 100% valid
    assert (m['label'] == label).float().mean() >= 0.97
    assert m['valid'].float().mean() >= 0.99


def test_uint8_input_matches_float_input(real):
    img, _, _, m = real
    u8 = ((img[:50] + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    m8 = measure_factors(u8)
    for key in ('x', 'y', 'scale', 'hue'):
        torch.testing.assert_close(m8[key], m[key][:50], atol=1e-4, rtol=0)
    assert torch.equal(m8['label'], m['label'][:50])


def test_blurry_and_slightly_noisy_shapes_stay_valid(real):
    img, label, f, _ = real
    u8 = ((img[:200] + 1) * 127.5).round().byte().permute(0, 2, 3, 1)
    blurred = np.stack([cv2.GaussianBlur(x, (0, 0), 1.0) for x in
                        u8.numpy()])
    noisy = torch.from_numpy(blurred).permute(0, 3, 1, 2) / 127.5 - 1
    noisy = (noisy + 0.1 * torch.randn(noisy.shape,
                                       generator=torch.Generator().
                                       manual_seed(0))).clamp(-1, 1)
    m = measure_factors(noisy)
    assert m['valid'].float().mean() >= 0.98
    assert (m['label'] == label[:200]).float().mean() >= 0.95
    err_px = torch.hypot(m['x'] - f[:200, 0], m['y'] - f[:200, 1]) * RES
    assert err_px.mean() < 0.2


def test_blank_noise_and_two_shapes_are_invalid():
    blank = measure_factors(-torch.ones(3, 3, RES, RES))
    assert not blank['valid'].any()
    assert (blank['num_components'] == 0).all()
    assert (blank['label'] == -1).all() and blank['x'].isnan().all()
    noise = torch.rand(100, 3, RES, RES,
                       generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert validity_rate(noise) == 0.0
    two = TwoShapesDataset(resolution=RES, num_samples=100,
                           scale_range=(0.2, 0.25))
    img = torch.stack([two[i]['img'] for i in range(100)])
    m = measure_factors(img)
    assert not m['valid'].any() and (m['num_components'] == 2).all()


def test_regions_measure_one_object_of_two_shapes():
    two = TwoShapesDataset(resolution=64, num_samples=50)
    img, _, f = _batch(two, 50)
    for k, region in enumerate(two.metainfo['regions']):
        m = measure_factors(img, region=region, scale_range=two.scale_range)
        assert m['valid'].all()
        err_px = torch.hypot(m['x'] - f[:, k, 0], m['y'] - f[:, k, 1]) * 64
        assert err_px.max() < 0.25


def test_labels_follow_the_given_class_order():
    classes = ('triangle', 'square')
    ds = ShapesDataset(num_samples=60, shapes=classes, seed=4)
    img, label, _ = _batch(ds, 60)
    m = measure_factors(img, classes=ds.metainfo['classes'])
    assert torch.equal(m['label'], label)


def test_area_outside_the_scale_range_is_invalid():
    f = [[0.5, 0.5, s, 0.1, 0.4] for s in (0.1, 0.3, 0.5)]
    imgs = render_shapes([0, 1, 2], f, RES)
    assert measure_factors(imgs)['valid'].tolist() == [False, True, True]
    narrow = measure_factors(imgs, scale_range=(0.08, 0.12))
    assert narrow['valid'].tolist() == [True, False, False]


def test_bad_inputs_are_explained():
    with pytest.raises(DataError, match=r'\[N, 3, H, W\]'):
        measure_factors(torch.zeros(3, RES, RES))
    with pytest.raises(DataError, match='uint8'):
        measure_factors(np.zeros((2, RES, RES, 3), np.float64))
    with pytest.raises(ConfigError, match='circle'):
        measure_factors(torch.zeros(1, 3, RES, RES), classes=('circle', ))
