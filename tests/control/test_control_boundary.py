"""InterFaceGAN boundaries: training recovers a known normal, conditional
normals are orthogonal to their conditions, edit distances are exact,
boundary files round-trip and are checked against the generator."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmlatent.control import (Boundary, BoundaryFileError, check_boundary,
                              condition_boundary, edit_latents,
                              load_boundary, project_normal, save_boundary,
                              train_boundary)
from mmlatent.models.generators import DCGANGenerator
from mmlatent.utils.errors import ConfigError


def unit(dim, seed):
    g = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(dim, generator=g), dim=0)


def synthetic(n=4000, dim=16, seed=0):
    """z ~ N(0, I) and scores = n . z + 0.5: separable by the true normal."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, dim, generator=g)
    normal = unit(dim, seed + 1)
    return z, z @ normal + 0.5, normal


def test_boundary_recovers_true_normal():
    z, scores, normal = synthetic()
    b = train_boundary(z, scores, ratio=0.05, split=0.7, space='z',
                       attribute='a')
    assert float(b.normal @ normal) >= 0.99
    assert abs(float(b.normal.norm()) - 1) < 1e-5
    assert b.accuracy['validation'] == 1.0
    assert b.accuracy['remaining'] > 0.8
    # the attribute grows along the normal
    assert float(scores[b.distance(z) > 0].mean()) > \
        float(scores[b.distance(z) < 0].mean())
    assert b.meta['num_per_class'] == 200


def test_nan_scores_dropped_or_replaced():
    z, scores, normal = synthetic(n=2000)
    scores = scores.clone()
    scores[:100] = float('nan')
    b = train_boundary(z, scores, ratio=0.05)
    assert b.meta['num_samples'] == 1900
    b = train_boundary(z, scores, ratio=0.05, nan_value=-100.0)
    assert b.meta['num_samples'] == 2000
    # the invalid samples are now the bottom class
    assert b.meta['num_per_class'] == 100


def test_training_errors_name_the_problem():
    z, scores, _ = synthetic(n=50)
    with pytest.raises(ConfigError, match='leaves 1 per class'):
        train_boundary(z, scores, ratio=0.02)
    with pytest.raises(ConfigError, match='0 < ratio <= 0.5'):
        train_boundary(z, scores, ratio=0.7)
    with pytest.raises(ConfigError, match='do not separate'):
        train_boundary(z, torch.ones(50), ratio=0.2)


@pytest.mark.parametrize('k', [1, 2, 3])
def test_projected_normal_is_orthogonal_to_conditions(k):
    normal = unit(12, 0)
    conds = torch.stack([unit(12, i + 1) for i in range(k)])
    p = project_normal(normal, conds)
    assert abs(float(p.norm()) - 1) < 1e-6
    assert (conds @ p).abs().max() < 1e-6
    # what is left is the component of the normal outside their span
    assert float(p @ normal) > 0


def test_conditioning_on_dependent_or_parallel_conditions():
    normal, a, b = unit(8, 0), unit(8, 1), unit(8, 2)
    # a repeated condition is handled by least squares
    p = project_normal(normal, torch.stack([a, a, b]))
    assert abs(float(p @ a)) < 1e-6 and abs(float(p @ b)) < 1e-6
    with pytest.raises(ConfigError, match='span of the condition'):
        project_normal(normal, torch.stack([normal, a]))


def test_condition_boundary_keeps_condition_distances():
    primal = Boundary(unit(10, 0), 0.7, 'z', 'scale')
    cond = Boundary(unit(10, 1), -0.3, 'z', 'x')
    b = condition_boundary(primal, [cond])
    assert b.conditions == ['x'] and b.attribute == 'scale'
    z = torch.randn(5, 10)
    edited = edit_latents(z, b, [-2.0, 3.0])
    assert torch.allclose(cond.distance(edited),
                          cond.distance(z)[:, None].expand(-1, 2), atol=1e-5)
    # the new hyperplane passes through the primal's point nearest 0
    p0 = -primal.offset * primal.normal
    assert abs(float(b.distance(p0[None]))) < 1e-5
    with pytest.raises(ConfigError, match="'w' boundary of size 10"):
        condition_boundary(primal, [Boundary(unit(10, 2), 0, 'w', 'y')])


def test_edit_distances_are_exact():
    b = Boundary(unit(6, 0), 0.4, 'z', 'a')
    z = torch.randn(4, 6)
    d = [-3.0, -0.5, 0.0, 2.0]
    rel = edit_latents(z, b, d, mode='relative')
    assert rel.shape == (4, 4, 6)
    assert torch.allclose(b.distance(rel) - b.distance(z)[:, None],
                          torch.tensor(d).expand(4, -1), atol=1e-5)
    # the move is along the normal only
    assert torch.allclose(rel - z[:, None], torch.tensor(d)[None, :, None] *
                          b.normal, atol=1e-6)
    ab = edit_latents(z, b, d, mode='absolute')
    assert torch.allclose(b.distance(ab), torch.tensor(d).expand(4, -1),
                          atol=1e-5)
    with pytest.raises(ConfigError, match="mode='sideways'"):
        edit_latents(z, b, d, mode='sideways')


def test_edit_w_plus_layers():
    b = Boundary(unit(6, 0), -0.2, 'w', 'a')
    ws = torch.randn(3, 5, 6)
    out = edit_latents(ws, b, [1.0, -2.0], mode='absolute', layers=[1, 3])
    assert out.shape == (3, 2, 5, 6)
    assert torch.equal(out[:, :, [0, 2, 4]],
                       ws[:, None, [0, 2, 4]].expand(-1, 2, -1, -1))
    assert torch.allclose(b.distance(out[:, :, [1, 3]]),
                          torch.tensor([1.0, -2.0])[None, :, None].expand(
                              3, -1, 2), atol=1e-5)
    with pytest.raises(ConfigError, match='layer 5 is out of range'):
        edit_latents(ws, b, [1.0], layers=[5])


def test_boundary_file_round_trip(tmp_path):
    b = Boundary(unit(6, 0), 0.25, 'w', 'x', ['y'],
                 dict(validation=0.97, remaining=0.8), dict(seed=1))
    path = save_boundary(str(tmp_path / 'b.pt'), b)
    data = torch.load(path, weights_only=True)
    assert data['format'] == 'mmlatent.boundary/1' and data['space'] == 'w'
    back = load_boundary(path)
    assert torch.equal(back.normal, b.normal) and back.offset == 0.25
    assert (back.attribute, back.conditions, back.accuracy, back.meta) == (
        'x', ['y'], b.accuracy, b.meta)


def test_bad_boundary_files(tmp_path):
    with pytest.raises(BoundaryFileError, match='does not exist'):
        load_boundary(str(tmp_path / 'none.pt'))
    bad = tmp_path / 'bad.pt'
    torch.save(dict(format='mmlatent.latent/1'), bad)
    with pytest.raises(BoundaryFileError, match="expected 'mmlatent.bound"):
        load_boundary(str(bad))
    with pytest.raises(BoundaryFileError, match="space 'w\\+' is not one"):
        save_boundary(str(bad), Boundary(unit(4, 0), 0, 'w+', 'x'))
    with pytest.raises(BoundaryFileError, match='has length 2'):
        save_boundary(str(bad), Boundary(2 * unit(4, 0), 0, 'z', 'x'))


def test_check_boundary_against_generator():
    G = DCGANGenerator(resolution=8, z_dim=6, base_channels=4,
                       cat_dims=[3])
    check_boundary(Boundary(unit(6, 0), 0, 'z', 'x'), G)
    check_boundary(Boundary(unit(9, 0), 0, 'w', 'x'), G)   # w = [z | c]
    with pytest.raises(ConfigError, match="'z' boundary of size 9 but "
                       'DCGANGenerator has z codes of size 6') as e:
        check_boundary(Boundary(unit(9, 0), 0, 'z', 'x'), G)
    assert '\n' not in str(e.value) and not math.isnan(0)
