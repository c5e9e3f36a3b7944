"""Fréchet and kernel distances."""
import numpy as np
import pytest
import torch

from mmlatent.evaluation import (FrechetDistance, KernelDistance,
                                 frechet_distance, kernel_distance)
from mmlatent.evaluation.frechet import FeatureStats
from mmlatent.utils.errors import ConfigError


def _gaussian(n, d, seed, shift=0.0):
    """n samples of one fixed correlated Gaussian (drawn with ``seed``)."""
    mix = torch.randn(d, d, generator=torch.Generator().manual_seed(
        1234)) / d ** 0.5
    return torch.randn(n, d, generator=torch.Generator().manual_seed(
        seed)) @ mix + shift


def test_frechet_closed_form_for_diagonal_gaussians():
    mu1, mu2 = np.array([0., 1.]), np.array([1., 1.])
    s1, s2 = np.diag([1., 4.]), np.diag([9., 1.])
    # |mu1 - mu2|^2 + sum (sqrt a - sqrt b)^2 = 1 + 4 + 1
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(6.0)


def test_streaming_stats_equal_batch_statistics():
    x = _gaussian(300, 6, 0)
    stats = FeatureStats()
    for part in x.split(70):
        stats.update(part)
    mu, cov = stats.mean_cov()
    np.testing.assert_allclose(mu, x.double().mean(0).numpy(), atol=1e-12)
    np.testing.assert_allclose(cov, np.cov(x.double().numpy().T),
                               atol=1e-10)


def _fid(real, fake, metric=None):
    m = metric or FrechetDistance(extractor=dict(type='PixelFeatures',
                                                 size=2))
    m.reset()
    m.feed_real(real)
    m.feed_fake(fake)
    return m.summary()


def _images(n, seed, shift=0.0):
    return _gaussian(n, 12, seed, shift).view(n, 3, 2, 2)


def test_fid_of_a_set_against_itself_is_zero_and_grows_with_a_shift():
    real = _images(400, 0)
    assert _fid(real, real)['fd_pixel'] == pytest.approx(0, abs=1e-8)
    values = [_fid(real, _images(400, 0, s))['fd_pixel']
              for s in (0.1, 0.3, 1.0)]
    assert 0 < values[0] < values[1] < values[2]
    # a pure shift of every feature by s adds 12 s^2
    assert values[2] == pytest.approx(12.0, rel=1e-6)


def test_kid_of_a_set_against_itself_is_about_zero_and_grows():
    real = _gaussian(400, 16, 0).numpy()
    other = _gaussian(400, 16, 7).numpy()

    def kid(x):
        return kernel_distance(real, x, num_subsets=20,
                               subset_size=200)['mean']

    # the unbiased estimator is O(1/m) around 0 for equal distributions
    assert abs(kid(real)) < 0.05 and abs(kid(other)) < 0.05
    assert 0.2 < kid(other + 0.3) < kid(other + 1.0)


def test_kernel_distance_metric_names_and_streams():
    m = KernelDistance(extractor=dict(type='PixelFeatures', size=2),
                       num_subsets=5, subset_size=50)
    assert m.keys == ('kd_pixel', 'kd_pixel_std')
    real = _images(100, 0)
    for part in real.split(30):
        m.feed_real(part)
    m.feed_fake(real + 1)
    out = m.summary()
    assert out['kd_pixel'] > 0.1 and out['kd_pixel_std'] >= 0
    m.reset_fake()            # real features are kept
    m.feed_fake(real)
    same = kernel_distance(real.flatten(1).numpy(), real.flatten(1).numpy(),
                           num_subsets=5, subset_size=50)
    assert m.summary()['kd_pixel'] == pytest.approx(same['mean'])
    assert abs(same['mean']) < out['kd_pixel'] / 5


def test_inception_named_outputs_and_bad_extractor():
    assert FrechetDistance().keys == ('fid', )
    assert KernelDistance().keys == ('kid', 'kid_std')
    with pytest.raises(ConfigError, match='extractor'):
        FrechetDistance(extractor='inception')


def test_metrics_sharing_an_extractor_compute_features_once(affine_G):
    from mmlatent.evaluation import PixelFeatures, evaluate_generator
    calls = []

    class Counting(PixelFeatures):
        def extract(self, img):
            calls.append(img.shape[0])
            return super().extract(img)

    net = Counting(size=2)
    metrics = [FrechetDistance(extractor=dict(type='PixelFeatures')),
               KernelDistance(extractor=dict(type='PixelFeatures'),
                              num_subsets=2, subset_size=10)]
    for m in metrics:
        m._extractor = net
    real = [_images(30, 0).view(30, 3, 2, 2)]
    evaluate_generator(affine_G, metrics, real=real, num_samples=30,
                       batch_size=30)
    assert calls == [30, 30]             # one real and one generated batch
