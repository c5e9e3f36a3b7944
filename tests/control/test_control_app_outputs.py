"""The small library halves of the control apps: the boundary of a latent
file (mmlatent.control.boundary_fit, apps/train_boundary.py), the score
summary of apps/generate_latents.py and the class pairs of
apps/conditional_sample.py."""
import math
import os.path as osp

import pytest
import torch
import torch.nn.functional as F

from mmlatent.control import Boundary, train_boundary
from mmlatent.control.boundary_fit import (boundary_report,
                                           conditioned_report,
                                           default_boundary_path,
                                           latent_scores, provenance)
from mmlatent.control.sampling import score_summary
from mmlatent.control.traversal import class_pairs
from mmlatent.latent.io import LatentFile
from mmlatent.utils.errors import ConfigError


def latent_file(space='z', scores=None):
    return LatentFile(torch.randn(4, 3), space, scores=scores,
                      meta=dict(checkpoint='c.pth', generator='G', seed=1))


def test_latent_scores_and_their_errors():
    x = torch.arange(4.0)
    assert torch.equal(latent_scores(latent_file(scores={'x': x}), 'l.pt',
                                     'x'), x)
    with pytest.raises(ConfigError, match="'l.pt' holds 'w\\+' codes"):
        latent_scores(latent_file('w+', {'x': x}), 'l.pt', 'x')
    with pytest.raises(ConfigError, match="'l.pt' holds no scores"):
        latent_scores(latent_file(), 'l.pt', 'x')
    with pytest.raises(ConfigError, match="unknown attribute 'xx'.*l.pt has "
                       'scores for x'):
        latent_scores(latent_file(scores={'x': x}), 'l.pt', 'xx')


def test_default_path_and_provenance():
    assert default_boundary_path('out/latents_z.pt', 'is square', 'z') == \
        osp.abspath('out/boundary_is_square_z.pt')
    assert default_boundary_path('l.pt', 'scale', 'w', ['x', 'y']) == \
        osp.abspath('boundary_scale_w_cond_x_y.pt')
    assert provenance(latent_file(), 'l.pt') == dict(
        latents=osp.abspath('l.pt'), checkpoint='c.pth', generator='G')


def test_report_lines_match_the_boundary():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(2000, 4, generator=g)
    b = train_boundary(z, z[:, 0], ratio=0.05, space='z', attribute='x')
    lines = boundary_report(b)
    assert lines[0] == (f"boundary of 'x' in z space from 2000 samples "
                        f"(0 with NaN scores and 0 with the invalid value "
                        f"dropped), {b.meta['num_per_class']} per class")
    assert lines[1] == f"validation accuracy: {b.accuracy['validation']:.2%}"
    assert lines[-1] == ('accuracy on the remaining samples: '
                         f"{b.accuracy['remaining']:.2%}")
    b.accuracy['remaining'] = math.nan
    assert boundary_report(b)[-1].endswith('n/a (none left)')
    c = Boundary(F.normalize(torch.tensor([1.0, 1, 0, 0]), dim=0), 0.0, 'z',
                 attribute='y')
    line = conditioned_report(b, b.normal, [c])
    assert line == (f'conditioned on y: cosine to the unconditioned normal '
                    f'{float(b.normal @ b.normal):.4f}; to the conditions '
                    f'y {float(b.normal @ c.normal):+.1e}')


def test_score_summary():
    s = torch.tensor([1.0, float('nan'), 3.0])
    assert score_summary({'x': s, 'v': torch.full((2, ), float('nan'))},
                         {'x': 'continuous', 'v': 'binary'}) == [
        '  x              continuous mean 2.0000  NaN 1',
        '  v              binary     mean nan  NaN 2']


def test_class_pairs():
    assert class_pairs(3) == [(0, 1), (1, 2), (2, 0)]
    assert class_pairs(3, 2, 0) == [(2, 0)]
    with pytest.raises(ConfigError, match='both --source and --target'):
        class_pairs(3, 1)
    with pytest.raises(ConfigError, match='class 3 is out of range; the '
                       r'code has 3 classes \(0..2\)'):
        class_pairs(3, 0, 3)
