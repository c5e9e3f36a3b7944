import pytest
import torch

from mmlatent.latent import (interpolate, interpolation_weights, lerp,
                             path_through, render, slerp)
from mmlatent.utils.errors import ConfigError, ShapeError


@pytest.mark.parametrize('mode', ['lerp', 'slerp'])
def test_endpoints_exact(mode):
    a, b = torch.randn(5, 7), torch.randn(5, 7)
    out = interpolate(a, b, steps=6, mode=mode)
    assert out.shape == (6, 5, 7)
    assert torch.equal(out[0], a) and torch.equal(out[-1], b)


def test_slerp_keeps_norm_and_moves_at_constant_angle():
    a = torch.randn(4, 16)
    b = torch.randn(4, 16)
    b = b / b.norm(dim=1, keepdim=True) * a.norm(dim=1, keepdim=True)
    out = interpolate(a, b, steps=9, mode='slerp')
    assert torch.allclose(out.norm(dim=-1), a.norm(dim=-1).expand(9, -1),
                          rtol=1e-5)
    cos = torch.nn.functional.cosine_similarity(out[1:], out[:-1], dim=-1)
    assert torch.allclose(cos, cos[0].expand_as(cos), atol=1e-5)


def test_slerp_per_layer_for_wplus():
    a, b = torch.randn(3, 4, 8), torch.randn(3, 4, 8)
    out = slerp(a, b, torch.tensor(0.3))
    for layer in range(4):
        assert torch.allclose(out[:, layer],
                              slerp(a[:, layer], b[:, layer], 0.3))
    # whole-code slerp of the flattened vector differs from the per-layer one
    flat = slerp(a.flatten(1), b.flatten(1), 0.3).view(3, 4, 8)
    assert not torch.allclose(flat, out)


def test_slerp_parallel_and_antiparallel_safe():
    a = torch.randn(2, 8)
    for b in (a * 1.0, a * 2.0, -a, torch.zeros_like(a)):
        out = interpolate(a, b, steps=5, mode='slerp')
        assert torch.isfinite(out).all()
        assert torch.equal(out[0], a) and torch.equal(out[-1], b)
    out = interpolate(a, -a, steps=5, mode='slerp')
    assert torch.allclose(out.norm(dim=-1), a.norm(dim=-1).expand(5, -1))
    assert torch.allclose((out[2] * a).sum(-1), torch.zeros(2), atol=1e-4)


def test_lerp_matches_formula():
    a, b = torch.randn(3), torch.randn(3)
    assert torch.allclose(lerp(a, b, 0.25), 0.75 * a + 0.25 * b)


def test_weights_and_path():
    t = interpolation_weights(5)
    assert t.tolist() == [0, 0.25, 0.5, 0.75, 1]
    points = torch.randn(4, 2, 3)
    path = path_through(points, interval=5, mode='slerp')
    assert path.shape == (3 * 4 + 1, 2, 3)
    for k in range(4):
        assert torch.equal(path[k * 4], points[k])
    assert (path[1:] - path[:-1]).abs().sum((1, 2)).min() > 0
    with pytest.raises(ConfigError, match='interval=1'):
        interpolation_weights(1)
    with pytest.raises(ConfigError, match="mode='cubic'"):
        path_through(points, interval=3, mode='cubic')


def test_render_batches_match_one_pass(style_G, dcgan_G):
    z = torch.randn(7, 8)
    imgs = render(style_G, z, space='z', batch_size=3)
    with torch.no_grad():
        ref = style_G(z, noise_mode='const')
    assert imgs.shape == (7, 3, 8, 8) and torch.allclose(imgs, ref,
                                                         atol=1e-6)
    ws = style_G.mapping(z).detach()
    assert torch.allclose(render(style_G, ws[:, 0], space='w',
                                 batch_size=2), ref, atol=1e-6)
    noise = [torch.randn(7, 1, *s) for s in style_G.noise_shapes()]
    by_batch = render(style_G, ws, space='w+', batch_size=4,
                      synthesis_kwargs={'noise': noise})
    with torch.no_grad():
        assert torch.allclose(by_batch, style_G.synthesis(ws, noise=noise),
                              atol=1e-6)
    dcgan_G.train()
    out = render(dcgan_G, torch.randn(5, 6), batch_size=2, progress=True)
    assert out.shape == (5, 3, 8, 8) and dcgan_G.training


def test_render_rejects_wrong_size(style_G):
    with pytest.raises(ShapeError, match=r"'z' latent has shape \(2, 5\)"):
        render(style_G, torch.randn(2, 5), space='z')


def test_batch_ranges_are_near_equal_and_cover_the_range():
    """ceil(n / batch_size) batches whose sizes differ by at most one."""
    from mmlatent.latent.interpolation import batch_ranges
    for n, b, sizes in [(28, 16, [14, 14]), (17, 16, [9, 8]),
                        (16, 16, [16]), (3, 10, [3]), (0, 4, []),
                        (100, 16, [15, 15, 14, 14, 14, 14, 14])]:
        parts = list(batch_ranges(n, b))
        assert [p.stop - p.start for p in parts] == sizes
        assert [i for p in parts for i in range(p.start, p.stop)] == \
            list(range(n))
