"""Perceptual path length and the continuity metric."""
import pytest
import torch

from mmlatent.evaluation import (ContinuityMetric, PerceptualPathLength,
                                 evaluate_generator)
from mmlatent.models.generators import DCGANGenerator
from mmlatent.utils.errors import ConfigError
from mmlatent.utils.perceptual import MissingWeightsError


def _ppl(G, n, seed=0, **kwargs):
    m = PerceptualPathLength(distance='pixel', trim=None, **kwargs)
    m.feed_generator(G, n, torch.Generator().manual_seed(seed))
    return m.summary()[m.name]


def test_ppl_of_an_affine_generator_is_its_closed_form(affine_G):
    G = affine_G
    P = 48                         # pixel values per image
    # along any straight path the change is A (z1 - z0) eps, so each pair
    # gives |A (z1 - z0)|^2 / P, whatever t is
    gen = torch.Generator().manual_seed(0)
    z0, z1 = G.sample_z(500, gen), G.sample_z(500, gen)
    per_pair = ((z1 - z0) @ G.A.t()).double().pow(2).sum(1) / P
    for space in ('z', 'w'):
        for sampling in ('end', 'full'):
            value = _ppl(G, 500, space=space, sampling=sampling,
                         mode='lerp')
            assert value == pytest.approx(float(per_pair.mean()), rel=1e-2)
    # and in expectation over the normal prior: 2 tr(A^T A) / P
    expected = 2 * float(G.A.double().pow(2).sum()) / P
    assert _ppl(G, 4000, seed=1, space='w') == pytest.approx(expected,
                                                             rel=0.05)


def test_ppl_names_the_choices_and_trims(affine_G):
    assert PerceptualPathLength().keys == ('ppl_z_end_lpips', )
    m = PerceptualPathLength(space='w', sampling='full', distance='pixel')
    assert m.keys == ('ppl_w_full_pixel', )
    out = evaluate_generator(affine_G, [m], num_samples=200, batch_size=64)
    assert set(out) == {'ppl_w_full_pixel'} and out['ppl_w_full_pixel'] > 0
    with pytest.raises(ConfigError, match='distance'):
        PerceptualPathLength(distance='l2')


def test_ppl_with_lpips_needs_the_cached_backbone(monkeypatch, tmp_path):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    with pytest.raises(MissingWeightsError, match=str(tmp_path)):
        PerceptualPathLength(distance='lpips').to('cpu')


def test_continuity_metric_is_zero_for_affine_and_positive_otherwise(
        affine_G):
    out = evaluate_generator(affine_G, [ContinuityMetric()],
                             num_samples=100, batch_size=40)
    assert out == {'continuity': pytest.approx(0, abs=1e-10)}
    torch.manual_seed(0)
    G = DCGANGenerator(resolution=8, z_dim=6, base_channels=4, init_std=0.5)
    first = evaluate_generator(G, [ContinuityMetric()], num_samples=64)
    again = evaluate_generator(G, [ContinuityMetric()], num_samples=64)
    assert first['continuity'] > 1e-6 and first == again    # held out
    assert G.training                     # train mode is restored
