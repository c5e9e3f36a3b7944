"""Shapes fidelity: class histogram distance, shape fit and factor KS."""
import pytest
import torch
import torch.nn.functional as F
from scipy import stats

from mmlatent.datasets.shapes import ShapesDataset, render_discs
from mmlatent.evaluation import (ShapesFidelity, class_distance,
                                 class_distance_se, evaluate_generator,
                                 evaluate_images, ks_distance,
                                 metric_configs, real_images)
from mmlatent.utils.errors import ConfigError
from mmlatent.utils.image import from_uint8


def _shapes(seed: int, n: int = 300):
    ds = ShapesDataset(32, num_samples=n, seed=seed)
    items = [ds[i] for i in range(n)]
    return (torch.stack([it['img'] for it in items]),
            torch.tensor([it['label'] for it in items]),
            torch.stack([it['factors'] for it in items]))


@pytest.fixture(scope='module')
def real_sets():
    return _shapes(1), _shapes(2)


def _discs(factors: torch.Tensor, res: int = 32) -> torch.Tensor:
    """Anti-aliased discs with the area, centre and hue of each shape."""
    return from_uint8(render_discs(factors.double().numpy(), res))


def _fidelity(real, fake):
    return evaluate_images([ShapesFidelity()], real=[real], fake=[fake],
                           num_samples=len(real))


def test_class_distance_and_ks_closed_forms():
    a = torch.tensor([0, 1, 2, 0, 1, 2])
    assert class_distance(a, a, 3) == 0
    assert class_distance(torch.tensor([0, 1]), a, 3) == pytest.approx(1 / 3)
    assert class_distance(torch.tensor([2, 2]), torch.tensor([0, 1]), 3) == 1
    x = torch.rand(200, generator=torch.Generator().manual_seed(0))
    y = torch.rand(150, generator=torch.Generator().manual_seed(1)) + 0.2
    assert ks_distance(x, y) == pytest.approx(
        stats.ks_2samp(x.numpy(), y.numpy()).statistic)
    assert ks_distance(x, x) == 0 and ks_distance(x, x + 2) == 1
    assert ks_distance(x, torch.zeros(0)) == 1


def _labels(counts):
    return torch.cat([torch.full((n, ), k) for k, n in enumerate(counts)])


def test_class_distance_se_closed_forms():
    # two classes: the distance is |p - q| of two binomial frequencies.
    # Far apart, |p - q| is p - q: sd sqrt(p(1-p)/n + q(1-q)/m)
    far = class_distance_se(_labels([1400, 600]), _labels([600, 1400]), 2)
    assert far == pytest.approx((2 * 0.21 / 2000)**0.5, rel=0.05)
    # equal halves: |N(0, s^2)| has sd s * sqrt(1 - 2 / pi)
    s = (2 * 0.25 / 2000)**0.5
    same = class_distance_se(_labels([1000, 1000]), _labels([1000, 1000]),
                             2)
    assert same == pytest.approx(s * (1 - 2 / torch.pi)**0.5, rel=0.05)
    # four times the samples, half the error; the same input, the same
    # answer; nothing to compare, NaN
    big = class_distance_se(_labels([5600, 2400]), _labels([2400, 5600]), 2)
    assert big == pytest.approx(far / 2, rel=0.07)
    assert class_distance_se(_labels([1400, 600]), _labels([600, 1400]),
                             2) == far
    assert torch.isnan(torch.tensor(class_distance_se(
        torch.zeros(0), _labels([3, 3]), 2)))


def test_the_report_gives_the_class_distance_sampling_error(real_sets):
    (a, _, _), (b, _, _) = real_sets
    metric = ShapesFidelity()
    out = evaluate_images([metric], real=[a], fake=[b], num_samples=len(a))
    se = metric.reference()['class_distance_se']
    # 300 images each of three classes: about 0.03 (a third of the 0.08
    # two real sets of this size may differ by)
    assert 0.015 < se < 0.045
    assert (f"class distance {out['class_distance']:.3f} (sampling error "
            f"{se:.3f})") in metric.report(out)


def test_real_images_fit_their_shapes_and_the_real_histogram(real_sets):
    (a, _, _), (b, _, _) = real_sets
    out = _fidelity(a, b)
    assert out['class_distance'] < 0.08
    assert out['shape_fit'] > 0.99 and out['shape_fit_p10'] > 0.98
    assert out['ks_max'] < 0.15
    assert out['ks_max'] == max(out[f'ks_{f}'] for f in
                                ('x', 'y', 'scale', 'rotation', 'hue'))


def test_discs_and_blurred_shapes_get_a_low_shape_fit(real_sets):
    (a, _, _), (b, _, fb) = real_sets
    real_fit = _fidelity(a, b)['shape_fit']
    discs = _fidelity(a, _discs(fb))
    assert discs['shape_fit'] < 0.9 * real_fit
    assert discs['class_distance'] > 0.3     # discs read as one class
    blurred = F.avg_pool2d((b + 1) / 2, 3, 1, 1, count_include_pad=False)
    assert _fidelity(a, blurred * 2 - 1)['shape_fit'] < 0.9 * real_fit


def test_a_set_missing_one_class_has_class_distance_a_third(real_sets):
    (a, _, _), (b, lb, _) = real_sets
    out = _fidelity(a, b[lb != 0])
    assert out['class_distance'] == pytest.approx(1 / 3, abs=0.06)
    assert out['shape_fit'] > 0.99


def test_no_valid_sample_gets_the_worst_values(real_sets):
    (a, _, _), _ = real_sets
    out = _fidelity(a, -torch.ones(20, 3, 32, 32))
    assert out['class_distance'] == 1 and out['shape_fit'] == 0
    assert out['ks_max'] == 1


def test_streams_in_batches_and_names_outputs(real_sets):
    (a, _, _), (b, _, _) = real_sets
    whole = _fidelity(a, b)
    m = ShapesFidelity(prefix='fid32')
    m.prepare(None, dict(classes=('square', 'ellipse', 'triangle'),
                         scale_range=(0.25, 0.5)))
    for part_a, part_b in zip(a.split(70), b.split(70)):
        m.feed_real(part_a)
        m.feed_fake(part_b)
    out = m.summary()
    assert out == {f'fid32_{k}': v for k, v in whole.items()}
    assert m.rules['fid32_shape_fit'] == 'greater'
    assert m.rules['fid32_ks_max'] == 'less'
    assert metric_configs(['fidelity']) == [dict(type='ShapesFidelity')]


def test_generator_with_narrow_scales_fails_the_scale_marginal(shapes_G):
    """ShapesRenderGenerator draws scales only up to 0.35 (the data: 0.5):
    its classes and shapes are right, its scale marginal is not."""
    ds = ShapesDataset(32, num_samples=300, seed=3)
    out = evaluate_generator(shapes_G, [ShapesFidelity()],
                             real=real_images(ds, 300), num_samples=300,
                             dataset_meta=ds.metainfo)
    assert out['class_distance'] < 0.1 and out['shape_fit'] > 0.97
    assert out['ks_scale'] > 0.4 and out['ks_max'] == out['ks_scale']


def test_errors_name_the_problem(real_sets):
    (a, _, _), _ = real_sets
    with pytest.raises(ConfigError, match='unknown measure option'):
        ShapesFidelity(measure=dict(threshold=0.5))
    with pytest.raises(ConfigError, match='no real or no generated'):
        ShapesFidelity().summary()
    with pytest.raises(ConfigError, match='image metrics only'):
        evaluate_images([dict(type='ContinuityMetric')], real=[a],
                        fake=[a])


def test_faint_haze_off_the_shape_is_not_part_of_the_silhouette(real_sets):
    (a, _, _), (b, _, _) = real_sets
    real_fit = _fidelity(a, b)['shape_fit']
    hazy = ((b + 1) / 2).clamp_min(0.04) * 2 - 1    # ~10/255 everywhere
    # only the 1-px rim grown around the shape keeps some haze
    assert real_fit - 0.03 < _fidelity(a, hazy)['shape_fit'] < real_fit
