"""MIG and DCI against known factors."""
import numpy as np
import pytest
import torch

from mmlatent.evaluation import DCI, MIG, dci, evaluate_generator, mig
from mmlatent.utils.errors import ConfigError, ShapeError

KINDS = ('discrete', 'linear', 'linear', 'circular')


@pytest.fixture(scope='module')
def factors():
    rng = np.random.default_rng(0)
    n = 600
    return np.stack([rng.integers(0, 3, n), rng.random(n), rng.random(n),
                     rng.random(n)], 1)


def test_mig_and_dci_are_high_when_codes_equal_the_factors(factors):
    assert mig(factors, factors, kinds=KINDS)['mig'] > 0.85
    for model in ('gbt', 'lasso'):
        out = dci(factors, factors, kinds=KINDS, model=model)
        assert out['disentanglement'] > 0.85, model
        assert out['completeness'] > 0.85, model
        assert out['informativeness'] > 0.7, model


def test_mig_and_dci_are_low_for_random_codes(factors):
    codes = np.random.default_rng(1).random(factors.shape)
    assert mig(codes, factors, kinds=KINDS)['mig'] < 0.05
    out = dci(codes, factors, kinds=KINDS)
    assert out['disentanglement'] < 0.2 and out['completeness'] < 0.2
    assert out['informativeness'] < 0.2
    R = out['R']
    assert R.shape == (4, 4) and (R >= 0).all()


def test_mixed_codes_score_between(factors):
    rot = np.linalg.qr(np.random.default_rng(2).normal(size=(4, 4)))[0]
    codes = factors @ rot
    assert 0.05 < mig(codes, factors, kinds=KINDS)['mig'] < 0.85
    assert dci(codes, factors, kinds=KINDS)['disentanglement'] < 0.85


def test_metrics_on_generated_images(shapes_G):
    """A generator drawing Shapes from its z: its z codes are
    disentangled, coordinates along random orthonormal directions not."""
    rand = torch.linalg.qr(torch.randn(8, 8, generator=torch.Generator()
                                       .manual_seed(0)))[0]
    metrics = [MIG(), DCI(n_estimators=30),
               MIG(directions=rand, prefix='mig_random'),
               DCI(directions=rand, n_estimators=30, prefix='dci_random')]
    out = evaluate_generator(shapes_G, metrics, num_samples=300)
    assert out['mig'] > 0.5 and out['mig_random'] < 0.2
    assert out['dci_disentanglement'] > 0.8
    assert out['dci_random_disentanglement'] < 0.5
    assert out['dci_informativeness'] > 0.9


def test_too_few_valid_images_give_nan(affine_G):
    out = evaluate_generator(affine_G, [MIG()], num_samples=20)
    assert np.isnan(out['mig'])


def test_bad_options_are_named(shapes_G):
    with pytest.raises(ConfigError, match='factors'):
        MIG(factors=('colour', ))
    with pytest.raises(ConfigError, match="codes='c'"):
        evaluate_generator(shapes_G, [MIG(codes='c')], num_samples=10)
    with pytest.raises(ShapeError, match=r'\[k, 8\]'):
        evaluate_generator(shapes_G, [MIG(directions=torch.eye(5))],
                           num_samples=10)
    with pytest.raises(ConfigError, match='lasso'):
        DCI(model='forest')
