import math

import pytest
import torch

from mmlatent.latent import load_latents, project, to_ws
from mmlatent.latent.projection import (learning_rate, noise_regularization,
                                        normalize_noise)
from mmlatent.utils.errors import ConfigError, ShapeError


def mse(a, b):
    return (a - b).square().mean((1, 2, 3))


def test_projection_recovers_style_image(tmp_path, style_G):
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        target = style_G(style_G.sample_z(2, g), noise_mode='const')
        start = style_G.synthesis(
            style_G.w_avg.view(1, 1, -1).expand(2, 4, -1), noise_mode='const')
    result = project(style_G, target, steps=150, mse_weight=1.0,
                     w_avg_samples=500, generator=g)
    assert result.space == 'w' and result.latent.shape == (2, 8)
    assert [tuple(v.shape) for v in result.noise] == [(2, 1, 4, 4)] * 2 + \
        [(2, 1, 8, 8)] * 2
    assert (result.losses['mse'] < 0.1 * mse(start, target)).all()
    assert result.history.shape == (150, 2)
    assert (result.history[-10:].mean(0) < result.history[:10].mean(0)).all()
    lf = load_latents(result.save(str(tmp_path / 'proj.pt'),
                                  meta={'steps': 150}))
    assert lf.space == 'w' and lf.meta == {'steps': 150}
    with torch.no_grad():
        img = style_G.synthesis(to_ws(lf, style_G), noise=lf.noise)
    assert torch.allclose(mse(img, target), result.losses['mse'], atol=1e-6)


def test_projection_in_z_for_dcgan(dcgan_G):
    g = torch.Generator().manual_seed(0)
    z_true = dcgan_G.sample_z(3, g)
    with torch.no_grad():
        target = dcgan_G(z_true)
        start = dcgan_G(torch.zeros(3, 6))
    dcgan_G.train()
    result = project(dcgan_G, target, steps=200, mse_weight=1.0,
                     perceptual=lambda a, b: mse(a, b) * 0,
                     initial_lr=0.2, w_avg_samples=200, generator=g,
                     keep_history=True)
    assert dcgan_G.training
    assert all(p.requires_grad for p in dcgan_G.parameters())
    assert result.space == 'z' and result.noise is None
    assert result.latent_history.shape == (200, 3, 6)
    assert set(result.losses) == {'mse', 'perceptual', 'total'}
    assert (result.losses['mse'] < 0.05 * mse(start, target)).all()
    assert (result.latent - z_true).norm(dim=1).max() < 0.05


def test_projection_wplus_shape(style_G):
    g = torch.Generator().manual_seed(0)
    target = torch.rand(1, 3, 8, 8) * 2 - 1
    result = project(style_G, target, steps=3, space='w+', mse_weight=1.0,
                     w_avg_samples=10, generator=g, progress=True)
    assert result.latent.shape == (1, 4, 8)


def test_projection_errors(style_G, dcgan_G):
    g = torch.Generator()
    target = torch.zeros(1, 3, 8, 8)
    with pytest.raises(ConfigError, match='nothing to minimise'):
        project(style_G, target, steps=2, generator=g)
    with pytest.raises(ConfigError, match=r'values in \[255, 255\]'):
        project(style_G, target + 255, steps=2, mse_weight=1, generator=g)
    with pytest.raises(ShapeError, match=r'G makes \(1, 3, 8, 8\)'):
        project(style_G, torch.zeros(1, 3, 16, 16), steps=2, mse_weight=1,
                w_avg_samples=10, generator=g)
    with pytest.raises(ConfigError, match="space='w\\+' needs"):
        project(dcgan_G, target, steps=2, space='w+', mse_weight=1,
                generator=g)


def test_schedule_and_noise_helpers():
    lr = [learning_rate(t, initial_lr=0.1, lr_rampdown=0.25, lr_rampup=0.05)
          for t in (0.0, 0.025, 0.5, 0.875, 0.999)]
    assert lr[0] == 0 and math.isclose(lr[1], 0.05) and lr[2] == 0.1
    assert math.isclose(lr[3], 0.05) and lr[4] < 1e-4
    g = torch.Generator().manual_seed(0)
    white = [torch.randn(2, 1, 32, 32, generator=g)]
    smooth = [white[0].cumsum(3)]
    normalize_noise(smooth)
    assert torch.allclose(smooth[0].mean((1, 2, 3)), torch.zeros(2),
                          atol=1e-5)
    assert torch.allclose(smooth[0].square().mean((1, 2, 3)), torch.ones(2))
    assert (noise_regularization(smooth) > 10 * noise_regularization(
        white)).all()


def test_projection_callback_sees_every_step(dcgan_G):
    g = torch.Generator().manual_seed(0)
    target = torch.rand(2, *dcgan_G(dcgan_G.sample_z(1, g)).shape[1:]) * 2 - 1
    seen = []
    result = project(dcgan_G, target, steps=5, mse_weight=1.0,
                     w_avg_samples=50, generator=g,
                     callback=lambda *a: seen.append(a))
    assert [(s, n) for s, n, _ in seen] == [(k, 5) for k in range(1, 6)]
    assert [loss for *_, loss in seen] == pytest.approx(
        result.history.mean(1).tolist())


def test_projection_runs_a_channels_last_G_contiguous_and_gives_it_back():
    """The projector optimises through a contiguous G (channels-last
    weights were re-copied in every backward pass) and leaves G's format
    as it was; the codes are those of a contiguous G."""
    import mmlatent.models  # noqa: F401 (registers)
    from mmlatent.registry import MODELS
    torch.manual_seed(0)
    G = MODELS.build(dict(type='StyleGAN2Generator', resolution=8, z_dim=16,
                          w_dim=16, mapping_layers=2, channel_base=64,
                          channel_max=16)).eval()
    convs = [p for p in G.parameters() if p.dim() == 4 and p.shape[-1] > 1]
    target = torch.rand(1, 3, 8, 8) * 2 - 1
    results, seen = {}, []
    synthesis = G.synthesis

    def record(*a, **k):
        seen.append(all(p.is_contiguous() for p in convs))
        return synthesis(*a, **k)
    G.synthesis = record
    for fmt in (torch.contiguous_format, torch.channels_last):
        G.to(memory_format=fmt)
        results[fmt] = project(G, target, steps=3, mse_weight=1.0,
                               w_avg_samples=50,
                               generator=torch.Generator().manual_seed(0))
    assert seen and all(seen)
    assert all(p.is_contiguous(memory_format=torch.channels_last)
               and not p.is_contiguous() for p in convs)
    assert torch.equal(results[torch.contiguous_format].codes.latent,
                       results[torch.channels_last].codes.latent)
