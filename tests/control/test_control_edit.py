"""Edits along a boundary (mmlatent.control.edit, the library half of
apps/edit_with_boundary.py): exact signed distances, images of the edited
codes, conditions and noise travelling along, the summary of the scores."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmlatent.control import Boundary, ModuleScorer, build_scorer
from mmlatent.control.edit import (boundary_codes, check_layers,
                                   edit_along_boundary, edit_summary)
from mmlatent.latent.codes import Codes
from mmlatent.latent.interpolation import render
from mmlatent.models.generators import DCGANGenerator
from mmlatent.utils.errors import ConfigError

DISTANCES = [-2.0, 0.5, 3.0]


class Bright(nn.Module):
    attributes = dict(bright='continuous')

    def forward(self, img):
        return dict(bright=img.mean((1, 2, 3)))


def make_G(**kw):
    torch.manual_seed(0)
    return DCGANGenerator(resolution=8, z_dim=6, base_channels=4,
                          init_std=0.2, **kw).eval()


def z_boundary(dim=6, offset=0.3):
    normal = F.normalize(torch.arange(1.0, dim + 1), dim=0)
    return Boundary(normal, offset, 'z', attribute='bright')


@pytest.mark.parametrize('mode', ['relative', 'absolute'])
def test_edits_reach_their_distances(mode):
    G, b = make_G(), z_boundary()
    codes = boundary_codes(G, b, w_plus=False, num=4,
                           generator=torch.Generator().manual_seed(1))
    assert codes.space == 'z' and len(codes) == 4
    edit = edit_along_boundary(G, codes, b, DISTANCES, mode=mode)
    assert edit.latent.shape == (12, 6) and edit.space == 'z'
    assert edit.rows.shape == (4, 3, 3, 8, 8)
    got = b.distance(edit.latent).view(4, 3)
    start = b.distance(codes.latent)[:, None] if mode == 'relative' else 0
    assert torch.allclose(got, start + torch.tensor(DISTANCES), atol=1e-5)
    assert torch.allclose(edit.img, render(G, edit.latent), atol=1e-6)


def test_condition_and_noise_follow_their_code():
    G = make_G(cat_dims=[3])
    b = z_boundary()
    c = G.make_c(torch.tensor([0, 2]))
    codes = Codes(torch.randn(2, 6), 'z', c)
    edit = edit_along_boundary(G, codes, b, DISTANCES)
    assert torch.equal(edit.c, c.repeat_interleave(3, 0))
    assert edit.noise is None
    assert torch.allclose(edit.img, render(G, edit.latent, c=edit.c),
                          atol=1e-6)


def test_summary_rows_match_the_scores():
    G, b = make_G(), z_boundary()
    codes = boundary_codes(G, b, w_plus=False, num=3,
                           generator=torch.Generator().manual_seed(2))
    edit = edit_along_boundary(G, codes, b, DISTANCES)
    summary = edit_summary([build_scorer(ModuleScorer(Bright()))], edit)
    bright = summary['scores']['bright']
    assert torch.allclose(bright, edit.img.mean((1, 2, 3)), atol=1e-6)
    (row, ) = summary['rows']
    mean = bright.view(3, 3).double().mean(0)
    assert row['attribute'] == 'bright' and row['valid'] == 3
    assert row['mean'] == pytest.approx(mean.tolist())
    assert row['change'] == pytest.approx(float(mean[-1] - mean[0]))


def test_layers_need_a_style_generator_and_a_w_boundary():
    G, b = make_G(), z_boundary()
    check_layers(G, b, None)
    with pytest.raises(ConfigError, match='no W\\+ space'):
        check_layers(G, b, [0])
    with pytest.raises(ConfigError, match="lives in 'z' but"):
        boundary_codes(G, b, w_plus=False, path='x.pt',
                       files=Codes(torch.randn(2, 6), 'w'))
