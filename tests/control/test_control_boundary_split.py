"""InterFaceGAN training as genforce's: the class split follows --seed and
treats both classes alike, --invalid-value drops samples, NaN handling,
the SVC solver, boundaries through the origin, the few-samples warning."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmlatent.control import accuracy_warning, split_classes, train_boundary
from mmlatent.utils.errors import ConfigError


def synthetic(n=2000, dim=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, dim, generator=g)
    normal = F.normalize(torch.randn(dim, generator=g), dim=0)
    return z, z @ normal + 0.5, normal


def test_split_follows_seed_and_treats_classes_alike():
    s = np.random.default_rng(0).normal(size=1000)
    order = np.argsort(-s)
    top, bottom = order[:100], order[-100:]        # bottom: most negative last
    splits = []
    for seed in (0, 1):
        train, val, rest = split_classes(s, 100, 0.7,
                                         torch.Generator().manual_seed(seed))
        pos_t, neg_t = set(train[:70]), set(train[70:])
        assert pos_t | set(val[:30]) == set(top)
        assert neg_t | set(val[30:]) == set(bottom)
        assert len(rest) == 800 and not set(rest) & (set(top) | set(bottom))
        # the old bug: training = the most extreme positives and the least
        # extreme negatives; now each class is shuffled before splitting
        assert pos_t != set(top[:70]) and neg_t != set(bottom[:70])
        assert neg_t != set(bottom[30:])
        # both classes are split alike: training draws from the whole class
        rank_pos = np.mean([np.where(top == i)[0][0] for i in pos_t])
        rank_neg = np.mean([np.where(bottom == i)[0][0] for i in neg_t])
        assert 35 < rank_pos < 65 and 35 < rank_neg < 65
        splits.append((pos_t, neg_t))
    assert splits[0][0] != splits[1][0] and splits[0][1] != splits[1][1]


def test_invalid_value_drops_and_nan_value_replaces():
    z, scores, _ = synthetic()
    scores = scores.clone()
    scores[:50] = -7.0                      # genforce's invalid value
    scores[50:80] = float('nan')
    b = train_boundary(z, scores, ratio=0.05, invalid_value=-7.0)
    assert b.meta['num_samples'] == 1920
    assert (b.meta['dropped_invalid'], b.meta['dropped_nan']) == (50, 30)
    b = train_boundary(z, scores, ratio=0.05, nan_value=-7.0,
                       invalid_value=-7.0)  # NaN -> -7 -> dropped too
    assert b.meta['num_samples'] == 1920
    assert (b.meta['dropped_invalid'], b.meta['dropped_nan']) == (80, 0)
    b = train_boundary(z, scores, ratio=0.05, nan_value=0.0)
    assert b.meta['num_samples'] == 2000


def test_svc_solver_and_boundary_through_origin():
    z, scores, normal = synthetic(n=3000)
    z = z + 2 * normal             # the classes now sit around n . z = 2
    fitted = train_boundary(z, scores, ratio=0.05, solver='svc')
    assert float(fitted.normal @ normal) > 0.98
    assert fitted.meta['solver'] == 'svc'
    assert abs(fitted.offset + 2) < 0.3
    origin = train_boundary(z, scores, ratio=0.05, solver='svc',
                            through_origin=True)
    assert origin.offset == 0.0 and origin.meta['offset'] == 'origin'
    assert torch.allclose(origin.normal, fitted.normal)
    lin = train_boundary(z, scores, ratio=0.05)
    assert float(lin.normal @ fitted.normal) > 0.98
    with pytest.raises(ConfigError, match="--solver 'x'"):
        train_boundary(z, scores, ratio=0.05, solver='x')


def test_few_samples_warn():
    z, scores, _ = synthetic(n=200)
    b = train_boundary(z, scores, ratio=0.02)          # 4 per class
    assert b.meta['num_validation_per_class'] == 1
    assert accuracy_warning(b).startswith('warning: only 1 validation '
                                          'sample(s) per class')
    b = train_boundary(z, scores, ratio=0.25)          # 50 per class
    assert accuracy_warning(b) == ''
