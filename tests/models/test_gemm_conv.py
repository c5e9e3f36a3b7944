"""Stride-2 4x4 (transposed) convolutions with every pass one GEMM:
PyTorch's values and gradients (first and second order), a fixed
rule for where they run, the same parameters as ``nn`` layers, and
DCGAN-64's 4-px layers taking the road."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmlatent.models import gemm_conv
from mmlatent.models.gemm_conv import (GemmConv2d, GemmConvTranspose2d,
                                       gemm_applies, set_gemm_conv)
from mmlatent.registry import MODELS


@pytest.fixture(autouse=True)
def measured_cpu(monkeypatch):
    """Test the GEMM path on any CPU, not only the measured kinds."""
    monkeypatch.setattr(torch.backends.cpu, 'get_cpu_capability',
                        lambda: gemm_conv.MEASURED_CPUS[0])


def _close(a, b, tol=1e-4):
    """Equal to ``tol`` relative to the largest magnitude."""
    a, b = a.detach(), b.detach()
    return float((a - b).abs().max()) <= tol * float(b.abs().max())


def _layer(transposed: bool, n=3, c_in=512, c_out=512, seed=0):
    """A layer whose small map is 4 px, its input and an output gradient."""
    torch.manual_seed(seed)
    layer = (GemmConvTranspose2d if transposed else GemmConv2d)(c_in, c_out)
    side = 4 if transposed else 8
    x = torch.randn(n, c_in, side, side, requires_grad=True)
    return layer, x


def _plain(layer: nn.Module, transposed: bool):
    op = F.conv_transpose2d if transposed else F.conv2d
    return lambda x: op(x, layer.weight, layer.bias, 2, 1)


def test_rule_takes_large_layers_with_a_small_map_only():
    w = torch.zeros(512, 512, 4, 4)
    assert gemm_applies(torch.zeros(2, 512, 8, 8), w, transposed=False)
    assert gemm_applies(torch.zeros(2, 512, 4, 4), w, transposed=True)
    # the 8 px layers broke even: left to PyTorch
    assert not gemm_applies(torch.zeros(2, 512, 16, 16), w, False)
    assert not gemm_applies(torch.zeros(2, 512, 8, 8), w, transposed=True)
    assert not gemm_applies(torch.zeros(2, 512, 8, 8),
                            torch.zeros(256, 512, 4, 4), False)
    assert not gemm_applies(torch.zeros(2, 512, 7, 7), w, False)  # odd
    assert not gemm_applies(torch.zeros(2, 512, 8, 8).double(), w.double(),
                            False)
    assert not gemm_applies(torch.zeros(2, 512, 8, 8),
                            torch.zeros(512, 512, 3, 3), False)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert not gemm_applies(torch.zeros(2, 512, 8, 8), w, False)


def test_unmeasured_cpu_keeps_pytorch(monkeypatch):
    monkeypatch.setattr(torch.backends.cpu, 'get_cpu_capability',
                        lambda: 'DEFAULT')
    layer, x = _layer(False)
    assert layer(x).grad_fn.name() != 'GemmConvBackward'


def test_patches_are_unfold_and_fold():
    """The patch rows are F.unfold's columns, and scattering them back is
    F.fold (both stride 2, padding 1, 4x4)."""
    from mmlatent.models.gemm_conv import _columns, _from_columns
    x = torch.randn(2, 3, 6, 8)
    want = F.unfold(x, 4, padding=1, stride=2).transpose(1, 2)
    assert torch.equal(_columns(x), want.reshape(-1, 48))
    assert torch.equal(
        _columns(x.contiguous(memory_format=torch.channels_last)),
        want.reshape(-1, 48))
    # taps first: kernel row, kernel column, channel (a channels-last
    # weight's order)
    taps_first = want.reshape(-1, 3, 16).transpose(1, 2).reshape(-1, 48)
    assert torch.equal(_columns(x, taps_first=True), taps_first)
    cols = torch.randn(2 * 3 * 4, 5 * 16)
    folded = F.fold(cols.view(2, 12, 80).transpose(1, 2), (6, 8), 4,
                    padding=1, stride=2)
    assert torch.allclose(_from_columns(cols, 2, 3, 4), folded, atol=1e-6)
    cols_tf = cols.view(-1, 5, 16).transpose(1, 2).reshape(-1, 80)
    assert torch.allclose(_from_columns(cols_tf, 2, 3, 4, taps_first=True),
                          folded, atol=1e-6)


@pytest.mark.parametrize('transposed', [False, True])
def test_channels_last_weight_is_read_and_graded_in_place(transposed):
    """A channels-last weight (a model with ``channels_last=True``) is
    read as a matrix without a copy, and its gradient comes back
    channels-last, so that neither pass copies the 512 x 1024 weight."""
    from mmlatent.models.gemm_conv import _matrix, _taps_first
    layer, x = _layer(transposed, c_in=512, c_out=1024)
    ref = _plain(layer, transposed)
    g = torch.randn_like(ref(x))
    want = torch.autograd.grad(ref(x), [x, layer.weight], g)
    layer.to(memory_format=torch.channels_last)
    w = layer.weight
    assert _taps_first(w) and _matrix(w, True).data_ptr() == w.data_ptr()
    y = layer(x.contiguous(memory_format=torch.channels_last))
    assert y.grad_fn.name() == 'GemmConvBackward'
    assert _close(y, ref(x), 1e-5)
    y.backward(g)
    assert _close(x.grad, want[0]) and _close(w.grad, want[1])
    assert w.grad.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize('transposed', [False, True])
def test_values_and_gradients_match_pytorch(transposed):
    layer, x = _layer(transposed)
    y = layer(x)
    assert y.grad_fn.name() == 'GemmConvBackward'
    ref = _plain(layer, transposed)(x)
    # every pass is a GEMM now: as close to a float64 reference as
    # PyTorch's kernels, and to them within rounding
    op = F.conv_transpose2d if transposed else F.conv2d
    exact = op(x.double(), layer.weight.double(), layer.bias.double(), 2, 1)
    assert _close(y, ref, 1e-5)
    assert (y - exact).abs().max() <= 1.5 * (ref - exact).abs().max()
    assert y.is_contiguous()
    with torch.no_grad():   # sampling takes the GEMM too
        assert torch.equal(layer(x), y)
        cl = layer(x.contiguous(memory_format=torch.channels_last))
        assert cl.is_contiguous(memory_format=torch.channels_last)
        assert _close(cl, ref, 1e-5)
    g = torch.randn_like(y)
    params = [x, layer.weight, layer.bias]
    got = torch.autograd.grad(y, params, g)
    want = torch.autograd.grad(ref, params, g)
    for a, b in zip(got, want):
        assert a.shape == b.shape and _close(a, b)


@pytest.mark.parametrize('channels_last', [False, True])
@pytest.mark.parametrize('transposed', [False, True])
def test_second_order_gradients_match_pytorch(transposed, channels_last):
    """An R1-style penalty (the squared input gradient) differentiated
    with respect to the weight, also a channels-last one."""
    layer, x = _layer(transposed, c_in=512, c_out=512)
    if channels_last:
        layer.to(memory_format=torch.channels_last)

    def penalty(forward):
        out = forward(x).square().sum()
        gx, = torch.autograd.grad(out, x, create_graph=True)
        return torch.autograd.grad(gx.square().sum(), layer.weight)[0]

    assert _close(penalty(layer), penalty(_plain(layer, transposed)))


def test_switch_and_parameters_of_nn_layers():
    layer, x = _layer(False)
    twin = nn.Conv2d(512, 512, 4, 2, 1)
    assert layer.state_dict().keys() == twin.state_dict().keys()
    twin.load_state_dict(layer.state_dict())
    assert set_gemm_conv(layer, False) is layer
    y = layer(x)
    assert y.grad_fn.name() != 'GemmConvBackward'
    assert torch.equal(y, twin(x))


def test_dcgan64_takes_the_road_at_its_4px_layers():
    """MMagic's DCGAN-64 widths: the 4 <-> 8 px block of G and of D, and
    no other; a training-style backward matches PyTorch's.

    The whole-network gradients are compared by their relative L2 norm,
    not tensor by tensor: a rounding difference upstream can flip a
    (leaky) ReLU whose input is near 0, which changes a few gradient
    entries by O(1) whichever kernel rounds. On an AVX-512 CPU, 4 of 16
    random inits showed such flips (relative L2 up to 1.6e-2; 1.4e-6
    otherwise), where a wrong kernel gives O(1)."""
    torch.manual_seed(0)
    G = MODELS.build(dict(type='DCGANGenerator', resolution=64, z_dim=100,
                          base_channels=128, max_channels=1024))
    D = MODELS.build(dict(type='DCGANDiscriminator', resolution=64,
                          base_channels=128, max_channels=1024))
    taken = []
    for net in (G, D):
        for name, m in net.named_modules():
            if isinstance(m, (GemmConv2d, GemmConvTranspose2d)):
                m.register_forward_hook(
                    lambda m, i, o, name=name: taken.append(name)
                    if o.grad_fn.name() == 'GemmConvBackward'
                    else None)
    z = torch.randn(2, 100)

    def grads():
        torch.manual_seed(1)
        D(G(z)).sum().backward()
        out = [p.grad.clone() for p in (*G.parameters(), *D.parameters())]
        G.zero_grad(), D.zero_grad()
        return out

    fast = grads()
    assert len(taken) == 2            # G's 4 -> 8 px block, D's 8 -> 4 px
    taken.clear()
    set_gemm_conv(G, False), set_gemm_conv(D, False)
    plain = grads()
    assert not taken
    diff = torch.cat([(a - b).flatten() for a, b in zip(fast, plain)])
    ref = torch.cat([b.flatten() for b in plain])
    assert float(diff.norm() / ref.norm()) < 5e-2
