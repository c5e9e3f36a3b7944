"""Classifier guidance raises the score of a known differentiable scorer,
keeps codes near the prior, and refuses non-differentiable scorers."""
import pytest
import torch
from torch import nn

from mmlatent.control import ModuleScorer, build_scorer, guide
from mmlatent.models.generators import BaseGenerator
from mmlatent.utils.errors import ConfigError


class Bright(nn.Module):
    """Mean brightness (continuous) and sigmoid(4 * brightness) (binary)."""
    attributes = dict(bright='continuous', bright_p='binary')

    def forward(self, img):
        m = img.mean((1, 2, 3))
        return dict(bright=m, bright_p=torch.sigmoid(4 * m))


class TanhLinearG(BaseGenerator):
    """``img = tanh(M z)`` as [N, 3, 4, 4]: brightness depends on z."""

    def __init__(self, prior='normal'):
        super().__init__(6, 6, 1, resolution=4, prior=prior)
        g = torch.Generator().manual_seed(0)
        self.M = nn.Parameter(torch.randn(48, 6, generator=g) * 0.5)

    def mapping(self, z, c=None):
        return z[:, None]

    def synthesis(self, ws, **kwargs):
        return torch.tanh(ws[:, 0] @ self.M.t()).view(-1, 3, 4, 4)


def make_G(prior='normal'):
    return TanhLinearG(prior).eval()


@pytest.fixture
def scorer():
    return build_scorer(ModuleScorer(Bright()))


def test_guidance_raises_a_known_score(scorer):
    G = make_G()
    z = G.sample_z(5, torch.Generator().manual_seed(1))
    res = guide(G, scorer, z, attribute='bright', target=1.0, steps=15,
                step_size=0.2)
    assert res.latents.shape == (16, 5, 6) and res.scores.shape == (16, 5)
    assert torch.equal(res.latents[0], z)
    assert (res.scores[-1] > res.scores[0] + 0.05).all()
    # the recorded scores are those of the recorded codes
    with torch.no_grad():
        again = scorer(G(res.latents[-1]))['bright']
    assert torch.allclose(again, res.scores[-1], atol=1e-5)
    # 'sphere' (auto for a normal prior) keeps each code's norm
    assert torch.allclose(res.latents.norm(dim=2), z.norm(dim=1).expand(
        16, -1), atol=1e-4)


def test_guidance_lowers_towards_a_low_target_and_stops(scorer):
    G = make_G()
    z = G.sample_z(4, torch.Generator().manual_seed(2))
    res = guide(G, scorer, z, attribute='bright', target=-1.0, steps=10,
                step_size=0.2, constraint='none')
    assert (res.scores[-1] < res.scores[0]).all()
    steps = (res.latents[1:] - res.latents[:-1]).norm(dim=2)
    assert torch.allclose(steps[steps > 0], torch.tensor(0.2), atol=1e-4)
    # a target already met: nothing moves
    start = res.scores[0]
    done = guide(G, scorer, z, attribute='bright', target=float(
        start.mean()), steps=3, tolerance=10.0)
    assert torch.equal(done.latents[-1], z) and done.reached().all()


def test_binary_attribute_and_clamp(scorer):
    G = make_G('uniform')
    z = G.sample_z(4, torch.Generator().manual_seed(3))
    res = guide(G, scorer, z, attribute='bright_p', target=1.0, steps=10,
                step_size=0.3)
    assert res.tolerance == 0.5
    assert (res.scores[-1] >= res.scores[0]).all()
    assert res.latents.abs().max() <= 1.0


def test_w_space_with_penalty(scorer):
    G = make_G()
    w = G.mapping(G.sample_z(3, torch.Generator().manual_seed(4)))[:, 0]
    res = guide(G, scorer, w, attribute='bright', target=1.0, space='w',
                steps=5, step_size=0.2, prior_weight=1.0)
    assert res.space == 'w' and (res.scores[-1] > res.scores[0]).all()
    with pytest.raises(ConfigError, match="constraint 'sphere' bounds z"):
        guide(G, scorer, w, attribute='bright', target=1, space='w',
              constraint='sphere')


def test_non_differentiable_scorer_is_refused():
    G = make_G()
    z = G.sample_z(2)
    with pytest.raises(ConfigError, match="scorer 'shapes' is not "
                       'differentiable') as e:
        guide(G, build_scorer('shapes'), z, attribute='x', target=0.8)
    assert '\n' not in str(e.value)
    with pytest.raises(ConfigError, match="unknown attribute 'x'"):
        guide(G, build_scorer(ModuleScorer(Bright())), z, attribute='x',
              target=0.8)
