import logging

import pytest
import torch

from mmlatent.latent import (PRESET_REGIONS, generator_jacobian,
                             global_directions, local_directions, mutate,
                             outside_energy, parse_region, region_mask,
                             split_rows)
from mmlatent.utils.errors import ConfigError, ShapeError


def test_global_directions_orthonormal_sorted(dcgan_G):
    J = generator_jacobian(dcgan_G, torch.randn(3, 6))
    V, S = global_directions(J[0])
    assert torch.allclose(V @ V.t(), torch.eye(6), atol=1e-5)
    assert (S[:-1] >= S[1:]).all()
    assert torch.allclose(S, torch.linalg.svdvals(J[0]), rtol=1e-4)
    V3, S3 = global_directions(J)
    assert V3.shape == (6, 6) and (S3[:-1] >= S3[1:]).all()
    mean_gram = torch.einsum('nod,noe->de', J, J) / 3
    assert torch.allclose(V3 @ mean_gram @ V3.t(), torch.diag(S3 ** 2),
                          atol=1e-5)


def test_local_direction_leaves_background_unchanged(linear_G):
    mask = linear_G.region_mask()
    z = torch.randn(1, 6)
    J = generator_jacobian(linear_G, z)
    found = local_directions(J, mask)
    assert found.null_dim == 2 and found.directions.shape == (2, 6)
    V = found.directions
    assert torch.allclose(V @ V.t(), torch.eye(2), atol=1e-6)
    assert V[:, 2:].abs().max() < 1e-6
    assert found.outside_energy.max() < 1e-10
    # the unprojected principal direction of the region leaks outside
    J_r, _ = split_rows(J, mask)
    V_r, _ = global_directions(J_r)
    imgs = mutate(linear_G, z, torch.cat([V[:1], V_r[:1]]), [1.0, -2.0],
                  space='z')
    assert imgs.shape == (1, 2, 2, 2, 8, 8)
    orig = linear_G(z)
    frac = outside_energy(orig, imgs, mask)
    assert frac.shape == (1, 2, 2)
    assert frac[0, 0].max() < 1e-10 and frac[0, 1].min() > 0.1


def test_relax_widens_null_space(linear_G):
    J = generator_jacobian(linear_G, torch.randn(1, 6))
    mask = linear_G.region_mask()
    strict = local_directions(J, mask)
    loose = local_directions(J, mask, relax=1.0, num=3)
    assert loose.null_dim == 6 and loose.directions.shape == (3, 6)
    assert loose.region_gain[0] >= strict.region_gain[0]
    assert loose.outside_energy[0] > 0.01


def test_full_rank_background_and_empty_region(dcgan_G, caplog):
    J = generator_jacobian(dcgan_G, torch.randn(1, 6))
    mask = region_mask(8, 1, 1, 2, 2)
    with caplog.at_level(logging.WARNING):
        found = local_directions(J, mask)
    assert found.directions.shape == (0, 6)
    assert 'full rank 6' in found.message and 'relax' in found.message
    assert 'full rank' in caplog.text
    empty = local_directions(J, torch.zeros(8, 8, dtype=torch.bool))
    assert empty.directions.shape == (0, 6) and 'empty' in empty.message
    whole = local_directions(J, torch.ones(8, 8, dtype=torch.bool))
    assert whole.directions.shape == (6, 6)
    for r in (found, empty, whole):
        assert torch.isfinite(r.outside_energy).all()
        assert torch.isfinite(r.directions).all()
    assert torch.allclose(whole.outside_energy, torch.zeros(6))


def test_mutate_shapes_and_values(style_G):
    w = torch.randn(2, 8)
    V = torch.eye(8)[:3]
    imgs = mutate(style_G, w, V, [0.0, 1.0], space='w', batch_size=5)
    assert imgs.shape == (2, 3, 2, 3, 8, 8)
    with torch.no_grad():
        ws = (w + V[1])[:, None].expand(-1, 4, -1)
        ref = style_G.synthesis(ws, noise_mode='const')
    assert torch.allclose(imgs[:, 1, 1], ref, atol=1e-6)
    assert torch.allclose(imgs[:, 0, 0], imgs[:, 2, 0])
    with pytest.raises(ShapeError, match=r'expected \[k, 8\]'):
        mutate(style_G, w, torch.eye(6), [1.0], space='w')


def test_regions():
    mask = region_mask(8, 2, 2, 2, 4)
    assert mask.sum() == 8 and mask[1:3, 0:4].all()
    clipped = region_mask(8, 0, 0, 4, 4)
    assert clipped.sum() == 4
    with pytest.raises(ConfigError, match='selects no pixel'):
        region_mask(8, 20, 20, 2, 2)
    eyes = parse_region('eyes', 64)
    assert eyes.shape == (64, 64) and eyes[30, 32]
    assert torch.equal(parse_region(' 2,2,2,4', 8), mask)
    for name in PRESET_REGIONS:
        assert parse_region(name, 256).any()
        assert parse_region(name, 32).any()
    with pytest.raises(ConfigError, match='nor a preset.*left_eye.*mouth'):
        parse_region('forehead', 64)
    with pytest.raises(ShapeError, match=r'mask has shape \(4, 4\)'):
        split_rows(torch.zeros(1, 3 * 49, 2), torch.ones(4, 4))
