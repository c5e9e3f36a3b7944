"""Improved precision and recall."""
import pytest
import torch

from mmlatent.evaluation import PrecisionRecall, precision_recall
from mmlatent.utils.errors import ConfigError


def _points(n, d=8, seed=0, shift=0.0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(
        seed)) + shift


def test_a_set_against_itself_has_precision_and_recall_one():
    x = _points(300)
    assert precision_recall(x, x, k=3, chunk_size=64) == dict(
        precision=1.0, recall=1.0)


def test_far_sets_have_zero_and_a_narrow_set_low_recall():
    x = _points(300)
    far = precision_recall(x, _points(300, seed=1, shift=100.0))
    assert far == dict(precision=0.0, recall=0.0)
    narrow = precision_recall(x, 0.05 * _points(300, seed=2))
    assert narrow['precision'] > 0.9 and narrow['recall'] < 0.3


def test_metric_streams_and_names():
    m = PrecisionRecall(extractor=dict(type='PixelFeatures', size=2), k=3)
    assert m.keys == ('precision_pixel', 'recall_pixel')
    img = _points(120, d=12).view(120, 3, 2, 2)
    for part in img.split(50):
        m.feed_real(part)
        m.feed_fake(part)
    assert m.summary() == dict(precision_pixel=1.0, recall_pixel=1.0)
    assert PrecisionRecall().keys == ('precision', 'recall')


def test_too_few_samples_is_a_config_error():
    with pytest.raises(ConfigError, match='k=3'):
        precision_recall(_points(3), _points(3))
