"""The latent tools on the real StyleGAN2 generator (tiny configuration)."""
import pytest
import torch
from torch.autograd.functional import jacobian as autograd_jacobian

from mmlatent.latent import (check_compatible, generator_jacobian,
                             load_latents, load_or_compute, noise_shapes,
                             project, render)

stylegan2 = pytest.importorskip('mmlatent.models.generators.stylegan2')


@pytest.fixture
def G():
    torch.manual_seed(0)
    return stylegan2.StyleGAN2Generator(
        resolution=8, z_dim=8, w_dim=8, mapping_layers=2, channel_base=64,
        channel_max=8).eval()


def test_noise_shapes_and_render(G):
    assert noise_shapes(G) == [(4, 4), (8, 8), (8, 8)]
    z = torch.randn(3, 8)
    with torch.no_grad():
        ref = G(z, noise_mode='const')
    assert torch.allclose(render(G, z, batch_size=2), ref, atol=1e-5)


def test_w_jacobian(G):
    w = G.mapping(torch.randn(1, 8)).detach()[:, 0]
    J = generator_jacobian(G, w, space='w')

    def one(v):
        return G.synthesis(v[None], noise_mode='const')[0]

    ref = autograd_jacobian(one, w[0]).reshape(-1, 8)
    assert torch.allclose(J[0], ref, atol=1e-4, rtol=1e-4)


def test_projection_with_noise_and_sefa(G, tmp_path):
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        target = G(G.sample_z(1, g), noise_mode='const').clamp(-1, 1)
    result = project(G, target, steps=40, mse_weight=1.0, w_avg_samples=100,
                     generator=g)
    assert [tuple(v.shape[2:]) for v in result.noise] == noise_shapes(G)
    assert result.history[-5:].mean() < result.history[:5].mean()
    check_compatible(load_latents(result.save(str(tmp_path / 'p.pt'))), G)
    V, eig = load_or_compute(G, [0, 1], str(tmp_path / 'sefa.pt'))
    assert V.shape == (8, 8) and (eig[:-1] >= eig[1:]).all()
