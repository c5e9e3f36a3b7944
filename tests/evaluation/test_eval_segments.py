"""Metrics along latent segments: normalised penalty, chord deviation,
linear pieces, factor trajectories and ghosting."""
from typing import Optional

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from mmlatent.datasets.shapes import render_shapes
from mmlatent.evaluation import (ChordDeviation, FactorTrajectories,
                                 Ghosting, LinearPieces,
                                 NormalisedContinuity, evaluate_generator)
from mmlatent.evaluation.trajectories import monotone, r_squared
from mmlatent.models.generators import BaseGenerator, DCGANGenerator
from mmlatent.registry import METRICS
from mmlatent.utils.image import from_uint8


class SegmentGenerator(BaseGenerator):
    """z_dim 1; draws alternate z = -1 (z1) and z = +1 (z2), so every
    segment is [-1, 1]. ``img = f(z)`` for a given ``f``."""

    def __init__(self, f):
        super().__init__(1, 1, 1, resolution=32)
        self.f = f
        self.dummy = nn.Parameter(torch.zeros(()))
        self.calls = 0

    def sample_z(self, n: int, generator=None) -> Tensor:
        self.calls += 1
        return torch.full((n, 1), -1.0 if self.calls % 2 else 1.0)

    def mapping(self, z: Tensor, c: Optional[Tensor] = None) -> Tensor:
        return z[:, None]

    def synthesis(self, ws: Tensor, **kwargs) -> Tensor:
        return self.f(ws[:, 0, 0])


def two_shapes():
    factors = np.array([[0.3, 0.3, 0.3, 0, 0.2], [0.7, 0.7, 0.3, 0, 0.6]])
    return from_uint8(render_shapes(np.array([0, 1]), factors, 32))


def test_chord_deviation_of_an_affine_generator_is_zero(affine_G):
    out = evaluate_generator(affine_G, [ChordDeviation()], num_samples=50)
    assert out['chord_max'] == pytest.approx(0, abs=1e-6)
    assert out['chord_mean'] == pytest.approx(0, abs=1e-6)


def test_chord_deviation_of_a_hinge_is_closed_form():
    # G(z(t)) = relu(2t - 1) e, chord t e: deviation min(t, 1 - t)
    e = torch.randn(1, 3, 32, 32)
    G = SegmentGenerator(lambda z: torch.relu(z).view(-1, 1, 1, 1) * e)
    out = evaluate_generator(G, [ChordDeviation(steps=15)], num_samples=4)
    t = np.arange(1, 16) / 16
    assert out['chord_max'] == pytest.approx(0.5)
    assert out['chord_mean'] == pytest.approx(np.minimum(t, 1 - t).mean())


def test_normalised_continuity_ignores_the_spread():
    a = torch.randn(3 * 32 * 32) * 2

    def G(scale):
        g = SegmentGenerator(None)
        g.f = lambda z: scale * torch.tanh(z[:, None] * a).view(
            -1, 3, 32, 32)
        return g
    metric = METRICS.build(dict(type='NormalisedContinuity'))
    one = evaluate_generator(G(1.0), [metric], num_samples=20)
    three = evaluate_generator(G(3.0), [metric], num_samples=20)
    assert one['continuity_norm'] > 1e-3
    assert three['continuity_norm'] == pytest.approx(one['continuity_norm'])
    assert three['continuity_spread'] == pytest.approx(
        9 * one['continuity_spread'])


def test_normalised_continuity_of_affine_generator(affine_G):
    out = evaluate_generator(affine_G, [NormalisedContinuity()],
                             num_samples=2000)
    assert out['continuity_norm'] == pytest.approx(0, abs=1e-10)
    # E|A (z2 - z1)|^2 / 48 = 2 tr(A^T A) / 48 for z ~ N(0, I)
    expected = 2 * affine_G.A.square().sum().item() / 48
    assert out['continuity_spread'] == pytest.approx(expected, rel=0.1)


def test_linear_pieces_metric_counts_units_and_pieces():
    torch.manual_seed(0)
    G = DCGANGenerator(resolution=8, z_dim=4, base_channels=4,
                       output='relu_clamp').eval()
    out = evaluate_generator(G, [LinearPieces(num_samples=3)])
    # 4 x 4 x 4 hidden units, 2 x 3 x 8 x 8 output clamp units
    assert out['pieces'] > 0
    assert out['pieces_per_unit'] == pytest.approx(out['pieces'] / 448)


def test_ghosting_of_a_cross_fade_is_one_half(shapes_G):
    a, b = two_shapes()
    fade = SegmentGenerator(
        lambda z: torch.lerp(a, b, ((z + 1) / 2).view(-1, 1, 1, 1)))
    out = evaluate_generator(fade, [Ghosting()], num_samples=4)
    # 0.5 inside the shapes; halved anti-aliased rims drop below the
    # foreground threshold, which lifts the midpoint mean a little
    assert 0.5 <= out['ghost_ratio'] < 0.6
    out = evaluate_generator(shapes_G, [Ghosting()], num_samples=50)
    assert out['ghost_ratio'] == pytest.approx(1, abs=0.1)


def test_trajectories_of_a_factor_generator_are_straight(shapes_G):
    # x, y, scale are affine in z; the class may switch along a segment
    out = evaluate_generator(shapes_G, [FactorTrajectories()],
                             num_samples=40)
    assert out['traj_valid'] > 0.8
    for f in ('x', 'y', 'scale'):
        assert out[f'traj_r2_{f}'] > 0.9
    assert out['traj_monotone'] > 0.9


def test_r_squared_and_monotone_closed_forms():
    t = np.linspace(0, 1, 11)
    step = (t >= 0.5).astype(float)          # 5 low, 6 high
    # R² of a step = corr(t, step)^2
    assert r_squared(np.stack([2 * t + 1, step]), t) == pytest.approx(
        [1.0, np.corrcoef(t, step)[0, 1]**2])
    assert np.isnan(r_squared(np.ones((1, 11)), t)[0])
    bump = np.sin(np.pi * t)
    assert monotone(np.stack([t, -t, bump, step]), 0.01).tolist() == [
        True, True, False, True]


def test_chord_deviation_skips_segments_without_a_chord():
    # both ends empty (a clamped generator's black frames): no chord
    G = SegmentGenerator(lambda z: (torch.relu(1 - z.abs()) - 1).view(
        -1, 1, 1, 1).expand(-1, 3, 32, 32))
    out = evaluate_generator(G, [ChordDeviation()], num_samples=4)
    assert np.isnan(out['chord_max']) and np.isnan(out['chord_mean'])
