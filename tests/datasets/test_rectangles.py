"""GCert's rectangle data and its minimal-area-rectangle measurement."""
import numpy as np
import pytest
import torch

from mmlatent.datasets import (RectangleDataset, measure_rectangles,
                               render_rectangles)
from mmlatent.registry import DATASETS
from mmlatent.utils.errors import ConfigError


def test_rectangle_factors_are_recovered_by_the_rectangle_fit():
    ds = DATASETS.build(dict(type='RectangleDataset', num_samples=200,
                             seed=3))
    items = [ds[i] for i in range(200)]
    img = torch.stack([it['img'] for it in items])
    truth = torch.stack([it['factors'] for it in items]).numpy()
    assert img.shape == (200, 1, 32, 32)
    assert img.min() == -1 and img.max() == 1
    m = measure_rectangles(img)
    assert m['valid'].all()
    # within half a pixel in position; sides to the pixel (the fit sees
    # the thresholded mask); scale unbiased
    assert np.abs(m['x'] - truth[:, 0]).max() < 0.5 / 32
    assert np.abs(m['y'] - truth[:, 1]).max() < 0.5 / 32
    assert np.abs(m['width'] - 10 * truth[:, 2]).max() <= 1
    assert np.abs(m['height'] - 6 * truth[:, 2]).max() <= 1
    assert abs(np.mean(m['scale'] / truth[:, 2] - 1)) < 0.02
    assert np.corrcoef(m['scale'], truth[:, 2])[0, 1] > 0.98
    # the factors span the stated ranges: +-8 px, scale 0.5-1.5
    assert np.abs(truth[:, :2] - 0.5).max() <= 8 / 32
    assert np.abs(truth[:, :2] - 0.5).max() > 7 / 32
    assert 0.5 <= truth[:, 2].min() < 0.55 and 1.45 < truth[:, 2].max() <= 1.5


def test_rectangles_are_deterministic_and_the_area_is_exact():
    ds = RectangleDataset(num_samples=10, seed=1, channels=3)
    assert torch.equal(ds[4]['img'], RectangleDataset(
        num_samples=10, seed=1, channels=3)[4]['img'])
    x, y, s = ds[4]['factors'].tolist()
    area = ((ds[4]['img'][0] + 1) / 2).sum().item()
    assert area == pytest.approx(10 * 6 * s**2, rel=1e-5)


def test_two_rectangles_or_a_blob_are_not_valid():
    two = render_rectangles(np.array([[0.3, 0.3, 0.6], [0.7, 0.7, 0.6]]),
                            32, (10, 6)).max(0)
    disc = np.hypot(*np.mgrid[-16:16, -16:16] + 0.5) < 6
    img = torch.from_numpy(np.stack([two, disc]).astype(np.float32))
    m = measure_rectangles(img[:, None] * 2 - 1)
    assert m['valid'].tolist() == [False, False]
    assert m['fill'][1] == pytest.approx(np.pi / 4, abs=0.08)
    with pytest.raises(ConfigError, match='does not fit 32 px'):
        RectangleDataset(shift=12)
