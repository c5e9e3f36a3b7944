"""Winograd (NNPACK) 3x3 convolutions: same values and gradients as
``F.conv2d``, a fixed rule for where they run, and a fallback elsewhere."""
import pytest
import torch
import torch.nn.functional as F

from mmlatent.models import winograd
from mmlatent.models.winograd import (conv2d_same, set_winograd,
                                      winograd_applies)

pytestmark = pytest.mark.skipif(not winograd.nnpack_ready(),
                                reason='this torch has no NNPACK')


@pytest.fixture(autouse=True)
def measured_cpu(monkeypatch):
    """Test the Winograd path on any CPU, not only the measured kinds."""
    monkeypatch.setattr(torch.backends.cpu, 'get_cpu_capability',
                        lambda: winograd.MEASURED_CPUS[0])


def test_unmeasured_cpu_keeps_conv2d(monkeypatch):
    monkeypatch.setattr(torch.backends.cpu, 'get_cpu_capability',
                        lambda: 'AVX512')
    x, w = _layer()
    assert not winograd_applies(x, w)
    assert conv2d_same(x, w).grad_fn.name() != 'WinogradConvBackward'


def _close(a, b, tol=1e-4):
    """Equal to ``tol`` relative to the largest magnitude."""
    a, b = a.detach(), b.detach()
    return float((a - b).abs().max()) <= tol * float(b.abs().max())


def _layer(n=32, c=128, o=128, s=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, s, s, generator=g, requires_grad=True)
    w = torch.randn(o, c, 3, 3, generator=g, requires_grad=True)
    return x, w


def test_rule_takes_large_float32_layers_only():
    x, w = _layer()
    assert winograd_applies(x, w)
    small_channels = torch.zeros(64, 128, 3, 3)
    assert not winograd_applies(x, small_channels)      # 64 x 128 < 128^2
    assert not winograd_applies(x[:, :, :8, :8], w)     # 8 px
    assert not winograd_applies(x[:8], w)               # 8 x 16 x 16 px
    assert not winograd_applies(x[:16], w)              # 16 x 128^2 x 16^2
    assert not winograd_applies(x.double(), w.double())
    assert not winograd_applies(x, torch.zeros(128, 128, 5, 5))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert not winograd_applies(x, w)


def test_values_and_gradients_match_conv2d():
    x, w = _layer(o=160)
    y = conv2d_same(x, w)
    assert y.grad_fn.name() == 'WinogradConvBackward'
    ref = F.conv2d(x, w, padding=1)
    assert _close(y, ref)
    target = torch.randn_like(ref)
    gx, gw = torch.autograd.grad((y * target).sum(), [x, w])
    rx, rw = torch.autograd.grad((ref * target).sum(), [x, w])
    assert _close(gx, rx) and _close(gw, rw)


def test_second_order_gradient_matches_conv2d():
    """An R1-style penalty: the gradient of |dL/dx|^2 with respect to the
    weight goes through the backward pass itself."""
    def penalty_grad(conv):
        x, w = _layer(seed=1)
        gx, = torch.autograd.grad(conv(x, w).square().sum(), x,
                                  create_graph=True)
        return torch.autograd.grad(gx.square().sum(), w)[0]

    assert _close(penalty_grad(conv2d_same),
                  penalty_grad(lambda x, w: F.conv2d(x, w, padding=1)))


def test_torch_func_transforms_fall_back():
    x, w = _layer()
    x, w = x.detach(), w.detach()
    dx = torch.randn_like(x)
    _, out = torch.func.jvp(lambda v: conv2d_same(v, w), (x, ), (dx, ))
    assert torch.allclose(out, F.conv2d(dx, w, padding=1), atol=1e-4)


def test_switch_off_gives_conv2d(monkeypatch):
    calls = []
    monkeypatch.setattr(winograd, '_nnpack',
                        lambda *a: calls.append(1) or F.conv2d(*a, padding=1))
    x, w = _layer()
    assert torch.equal(conv2d_same(x, w, winograd=False),
                       F.conv2d(x, w, padding=1))
    assert not calls
    conv2d_same(x, w)
    assert calls


def test_stylegan2_uses_it_and_keeps_its_output(monkeypatch):
    from mmlatent.models.discriminators import StyleGAN2Discriminator
    from mmlatent.models.generators import StyleGAN2Generator
    torch.manual_seed(0)
    G = StyleGAN2Generator(resolution=32, z_dim=32, w_dim=32,
                           mapping_layers=2, channel_base=4096,
                           channel_max=128)
    D = StyleGAN2Discriminator(resolution=32, channel_base=4096,
                               channel_max=128)
    z = torch.randn(32, 32)
    calls = []
    nnpack = winograd._nnpack
    monkeypatch.setattr(winograd, '_nnpack',
                        lambda *a: calls.append(1) or nnpack(*a))
    img = G(z, noise_mode='const')
    score = D(img)
    # the stride-1 3x3 convs at 16 and 32 px: two in G, two in D
    assert len(calls) == 4
    set_winograd(G, False)
    set_winograd(D, False)
    calls.clear()
    ref = G(z, noise_mode='const')
    assert not calls
    assert _close(img, ref) and _close(score, D(ref), 1e-3)
    off = StyleGAN2Generator(resolution=32, z_dim=32, w_dim=32,
                             mapping_layers=2, channel_base=4096,
                             channel_max=128, winograd=False)
    assert not any(getattr(m, 'winograd', False) for m in off.modules())
