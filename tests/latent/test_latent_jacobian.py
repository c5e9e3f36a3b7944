import pytest
import torch
from torch.autograd.functional import jacobian as autograd_jacobian

from mmlatent.latent import generator_jacobian, jacobian
from mmlatent.utils.errors import ConfigError


def finite_differences(f, x, eps=1e-6):
    """Central differences of f: [d] -> [...] as [out, d] (float64)."""
    d = x.shape[0]
    steps = torch.eye(d, dtype=x.dtype) * eps
    cols = [(f(x + s) - f(x - s)).flatten() / (2 * eps) for s in steps]
    return torch.stack(cols, 1)


def test_jacobian_of_batched_function_and_chunks():
    W = torch.randn(5, 3)
    x = torch.randn(4, 3)

    def f(x):
        return torch.tanh(x @ W.t()).view(-1, 5, 1)

    J = jacobian(f, x)
    assert J.shape == (4, 5, 3)
    for n in range(4):
        ref = autograd_jacobian(lambda v: torch.tanh(W @ v), x[n])
        assert torch.allclose(J[n], ref, atol=1e-6)
    assert torch.allclose(jacobian(f, x, chunk_size=2), J)
    with pytest.raises(ConfigError, match='chunk_size=0'):
        jacobian(f, x, chunk_size=0)


def test_dcgan_z_jacobian_matches_autograd_and_fd(dcgan_G):
    G = dcgan_G.double()
    z = torch.randn(2, 6, dtype=torch.float64)
    J = generator_jacobian(G, z, chunk_size=4)
    assert J.shape == (2, 3 * 8 * 8, 6)

    def one(v):
        return G(v[None])[0]

    with torch.no_grad():
        fd = finite_differences(one, z[1])
    assert torch.allclose(J[1], fd, atol=1e-7)
    ref = autograd_jacobian(one, z[0]).reshape(-1, 6)
    assert torch.allclose(J[0], ref, atol=1e-10)


def test_batchnorm_runs_in_eval_mode_and_mode_is_restored(dcgan_G):
    z = torch.randn(3, 6)
    J_eval = generator_jacobian(dcgan_G, z)
    dcgan_G.train()
    J = generator_jacobian(dcgan_G, z)
    assert dcgan_G.training and torch.allclose(J, J_eval)
    # each point's Jacobian depends on that point only
    assert torch.allclose(generator_jacobian(dcgan_G, z[1:2])[0], J[1],
                          atol=1e-6)


def test_style_w_jacobian_matches_autograd_and_fd(style_G):
    G = style_G.double()
    w = G.mapping(torch.randn(2, 8, dtype=torch.float64)).detach()[:, 0]
    J = generator_jacobian(G, w, space='w')
    assert J.shape == (2, 3 * 64, 8)

    def one(v):
        ws = v.view(1, 1, -1).expand(1, G.num_ws, -1)
        return G.synthesis(ws, noise_mode='const')[0]

    ref = autograd_jacobian(one, w[0]).reshape(-1, 8)
    assert torch.allclose(J[0], ref, atol=1e-10)
    with torch.no_grad():
        assert torch.allclose(J[1], finite_differences(one, w[1]), atol=1e-7)


def test_style_wplus_jacobian(style_G):
    ws = style_G.mapping(torch.randn(1, 8)).detach()
    J = generator_jacobian(style_G, ws, space='w+', chunk_size=5)
    assert J.shape == (1, 3 * 64, 4 * 8)

    def one(v):
        return style_G.synthesis(v.view(1, 4, 8), noise_mode='const')[0]

    ref = autograd_jacobian(one, ws.flatten()).reshape(-1, 32)
    assert torch.allclose(J[0], ref, atol=1e-5)
    # summing the per-layer blocks gives the w-space Jacobian
    Jw = generator_jacobian(style_G, ws[:, 0], space='w')
    assert torch.allclose(J.view(1, -1, 4, 8).sum(2), Jw, atol=1e-5)


def test_random_noise_is_refused(style_G):
    w = torch.randn(1, 8)
    with pytest.raises(ConfigError, match="noise_mode': 'const'"):
        generator_jacobian(style_G, w, space='w',
                           synthesis_kwargs={'noise_mode': 'random'})
