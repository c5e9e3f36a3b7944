"""Checkpoint conversion from rosinality's stylegan2-pytorch and from
MMGeneration 0.x.

No pretrained weights are available offline, so the tests draw random
weights in each documented layout, run a reference forward written here
from rosinality's ``model.py`` semantics (EqualLinear, ModulatedConv2d with
grouped convolution, StyledConv, ToRGB, ConstantInput, NoiseInjection,
native ``upfirdn2d``, Discriminator with ResBlocks and minibatch std), and
compare it with the converted mmlatent networks.
"""
import argparse
import math
import os
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from mmlatent.models.gans.stylegan2 import StyleGAN2  # noqa: F401
from mmlatent.registry import MODELS
from mmlatent.converters import convert_checkpoint
from mmlatent.utils.errors import CheckpointError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RES, DIM, N_MLP, LR_MLP = 32, 16, 2, 0.01
CH = {4: 16, 8: 16, 16: 8, 32: 4}  # = min(128 // res, 16)
D_CH = {32: 8, 16: 8, 8: 8, 4: 8}  # = min(256 // res, 8)


@pytest.fixture(autouse=True)
def one_thread():
    """Small convolutions run fastest (and steadily on a busy machine) on
    one thread."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


# -- reference ops (rosinality semantics) -----------------------------------
def ref_kernel():
    k = torch.tensor([1., 3., 3., 1.])
    k = k[None, :] * k[:, None]
    return k / k.sum()


def ref_upfirdn2d(inp, kernel, up=1, down=1, pad=(0, 0)):
    """Native upfirdn2d: zero-insert, pad, flipped-kernel conv, decimate."""
    _, ch, h, w = inp.shape
    p0, p1 = pad
    x = inp.reshape(-1, h, 1, w, 1, 1)
    x = F.pad(x, [0, 0, 0, up - 1, 0, 0, 0, up - 1])
    x = x.view(-1, h * up, w * up, 1)
    x = F.pad(x, [0, 0, p0, p1, p0, p1])
    x = x.permute(0, 3, 1, 2)
    kh, kw = kernel.shape
    x = F.conv2d(x, torch.flip(kernel, [0, 1]).view(1, 1, kh, kw))
    x = x[:, :, ::down, ::down]
    return x.reshape(-1, ch, x.shape[2], x.shape[3])


def ref_lrelu(x, bias):
    bias = bias.view(1, -1, *[1] * (x.dim() - 2))
    return F.leaky_relu(x + bias, 0.2) * math.sqrt(2)


def ref_linear(x, weight, bias, lr_mul=1.0, act=False):
    out = F.linear(x, weight * (lr_mul / math.sqrt(weight.shape[1])))
    return ref_lrelu(out, bias * lr_mul) if act else out + bias * lr_mul


def ref_modconv(sd, p, x, style, demodulate=True, upsample=False):
    weight = sd[f'{p}.conv.weight']  # [1, O, I, k, k]
    _, o, i, k, _ = weight.shape
    n, _, h, w = x.shape
    s = ref_linear(style, sd[f'{p}.conv.modulation.weight'],
                   sd[f'{p}.conv.modulation.bias']).view(n, 1, i, 1, 1)
    wt = weight / math.sqrt(i * k * k) * s
    if demodulate:
        wt = wt * torch.rsqrt(wt.pow(2).sum([2, 3, 4]) + 1e-8).view(
            n, o, 1, 1, 1)
    if upsample:
        wt = wt.transpose(1, 2).reshape(n * i, o, k, k)
        out = F.conv_transpose2d(x.reshape(1, n * i, h, w), wt, stride=2,
                                 groups=n)
        out = out.view(n, o, *out.shape[2:])
        return ref_upfirdn2d(out, ref_kernel() * 4, pad=(1, 1))
    out = F.conv2d(x.reshape(1, n * i, h, w), wt.reshape(n * o, i, k, k),
                   padding=k // 2, groups=n)
    return out.view(n, o, h, w)


def ref_styled(sd, p, x, style, noise, upsample=False):
    out = ref_modconv(sd, p, x, style, upsample=upsample)
    out = out + sd[f'{p}.noise.weight'] * noise
    return ref_lrelu(out, sd[f'{p}.activate.bias'])


def ref_to_rgb(sd, p, x, style, skip=None):
    out = ref_modconv(sd, p, x, style, demodulate=False) + sd[f'{p}.bias']
    if skip is not None:
        out = out + ref_upfirdn2d(skip, ref_kernel() * 4, up=2, pad=(2, 1))
    return out


def ref_mapping(sd, z):
    x = z * torch.rsqrt(z.pow(2).mean(1, keepdim=True) + 1e-8)
    for i in range(1, N_MLP + 1):
        x = ref_linear(x, sd[f'style.{i}.weight'], sd[f'style.{i}.bias'],
                       LR_MLP, act=True)
    return x


def ref_synthesis(sd, latent, noise):
    """rosinality ``Generator.forward`` from ``latent`` [N, n_latent, d]."""
    out = sd['input.input'].repeat(latent.shape[0], 1, 1, 1)
    out = ref_styled(sd, 'conv1', out, latent[:, 0], noise[0])
    skip = ref_to_rgb(sd, 'to_rgb1', out, latent[:, 1])
    i = 1
    for b in range(len(CH) - 1):
        out = ref_styled(sd, f'convs.{2 * b}', out, latent[:, i], noise[i],
                         upsample=True)
        out = ref_styled(sd, f'convs.{2 * b + 1}', out, latent[:, i + 1],
                         noise[i + 1])
        skip = ref_to_rgb(sd, f'to_rgbs.{b}', out, latent[:, i + 2], skip)
        i += 2
    return skip


def ref_conv_layer(sd, p, x, down=False, act=True):
    """rosinality ConvLayer: [Blur], EqualConv2d, [FusedLeakyReLU]."""
    i = 1 if down else 0
    weight = sd[f'{p}.{i}.weight']
    k = weight.shape[-1]
    if down:
        q = 2 + (k - 1)
        x = ref_upfirdn2d(x, sd[f'{p}.0.kernel'], pad=((q + 1) // 2, q // 2))
    scale = 1 / math.sqrt(weight[0].numel())
    x = F.conv2d(x, weight * scale, stride=2 if down else 1,
                 padding=0 if down else k // 2)
    return ref_lrelu(x, sd[f'{p}.{i + 1}.bias']) if act else x


def ref_discriminator(sd, img):
    out = ref_conv_layer(sd, 'convs.0', img)
    for i in range(1, len(D_CH)):
        h = ref_conv_layer(sd, f'convs.{i}.conv1', out)
        h = ref_conv_layer(sd, f'convs.{i}.conv2', h, down=True)
        s = ref_conv_layer(sd, f'convs.{i}.skip', out, down=True, act=False)
        out = (h + s) / math.sqrt(2)
    n, c, h, w = out.shape
    g = min(n, 4)
    std = out.view(g, -1, 1, c, h, w)
    std = torch.sqrt(std.var(0, unbiased=False) + 1e-8)
    std = std.mean([2, 3, 4], keepdim=True).squeeze(2).repeat(g, 1, h, w)
    out = ref_conv_layer(sd, 'final_conv', torch.cat([out, std], 1))
    out = ref_linear(out.view(n, -1), sd['final_linear.0.weight'],
                     sd['final_linear.0.bias'], act=True)
    return ref_linear(out, sd['final_linear.1.weight'],
                      sd['final_linear.1.bias'])


# -- random weights in the documented layouts -------------------------------
def _modconv(sd, p, c_in, c_out, k, gen, rgb=False):
    sd[f'{p}.conv.weight'] = torch.randn(1, c_out, c_in, k, k, generator=gen)
    sd[f'{p}.conv.modulation.weight'] = torch.randn(c_in, DIM, generator=gen)
    sd[f'{p}.conv.modulation.bias'] = 1 + 0.2 * torch.randn(c_in,
                                                            generator=gen)
    if rgb:
        sd[f'{p}.bias'] = 0.1 * torch.randn(1, 3, 1, 1, generator=gen)
    else:
        sd[f'{p}.noise.weight'] = 0.3 * torch.randn(1, generator=gen)
        sd[f'{p}.activate.bias'] = 0.1 * torch.randn(c_out, generator=gen)


def rosinality_generator(seed):
    gen = torch.Generator().manual_seed(seed)
    sd = {}
    for i in range(1, N_MLP + 1):
        sd[f'style.{i}.weight'] = torch.randn(DIM, DIM, generator=gen) / LR_MLP
        sd[f'style.{i}.bias'] = 0.1 * torch.randn(DIM, generator=gen)
    sd['input.input'] = torch.randn(1, CH[4], 4, 4, generator=gen)
    _modconv(sd, 'conv1', CH[4], CH[4], 3, gen)
    _modconv(sd, 'to_rgb1', CH[4], 3, 1, gen, rgb=True)
    res = sorted(CH)
    for b, (r_in, r) in enumerate(zip(res, res[1:])):
        _modconv(sd, f'convs.{2 * b}', CH[r_in], CH[r], 3, gen)
        sd[f'convs.{2 * b}.conv.blur.kernel'] = ref_kernel() * 4
        _modconv(sd, f'convs.{2 * b + 1}', CH[r], CH[r], 3, gen)
        _modconv(sd, f'to_rgbs.{b}', CH[r], 3, 1, gen, rgb=True)
        sd[f'to_rgbs.{b}.upsample.kernel'] = ref_kernel() * 4
    for j, r in enumerate(noise_sizes()):
        sd[f'noises.noise_{j}'] = torch.randn(1, 1, r, r, generator=gen)
    return sd


def noise_sizes():
    return [4] + [r for r in sorted(CH)[1:] for _ in range(2)]


def rosinality_discriminator(seed):
    gen = torch.Generator().manual_seed(seed)
    rnd = lambda *s: torch.randn(*s, generator=gen)  # noqa: E731
    res = sorted(D_CH, reverse=True)
    sd = {'convs.0.0.weight': rnd(D_CH[RES], 3, 1, 1),
          'convs.0.1.bias': 0.1 * rnd(D_CH[RES])}
    for i, (r, r_out) in enumerate(zip(res, res[1:]), 1):
        c, c_out = D_CH[r], D_CH[r_out]
        sd.update({
            f'convs.{i}.conv1.0.weight': rnd(c, c, 3, 3),
            f'convs.{i}.conv1.1.bias': 0.1 * rnd(c),
            f'convs.{i}.conv2.0.kernel': ref_kernel(),
            f'convs.{i}.conv2.1.weight': rnd(c_out, c, 3, 3),
            f'convs.{i}.conv2.2.bias': 0.1 * rnd(c_out),
            f'convs.{i}.skip.0.kernel': ref_kernel(),
            f'convs.{i}.skip.1.weight': rnd(c_out, c, 1, 1)})
    c4 = D_CH[4]
    sd.update({'final_conv.0.weight': rnd(c4, c4 + 1, 3, 3),
               'final_conv.1.bias': 0.1 * rnd(c4),
               'final_linear.0.weight': rnd(c4, c4 * 16),
               'final_linear.0.bias': 0.1 * rnd(c4),
               'final_linear.1.weight': rnd(1, c4),
               'final_linear.1.bias': 0.1 * rnd(1)})
    return sd


MMGEN_SUFFIXES = [  # rosinality suffix -> MMGeneration suffix
    ('.conv.modulation.weight', '.conv.style_modulation.linear.weight_orig'),
    ('.conv.modulation.bias', '.conv.style_modulation.bias'),
    ('.conv.weight', '.conv.weight_orig'),
    ('.noise.weight', '.noise_injector.weight')]


def mmgen_generator_key(key):
    """MMGeneration StyleGANv2Generator name of a rosinality key."""
    if key.startswith('style.'):
        _, i, p = key.split('.')
        return f'style_mapping.{i}.linear.{p}_orig' if p == 'weight' \
            else f'style_mapping.{i}.bias'
    if key == 'input.input':
        return 'constant_input.input'
    if key.startswith('noises.noise_'):
        return 'injected_noise_' + key.rsplit('_', 1)[1]
    for old, new in MMGEN_SUFFIXES:
        if key.endswith(old):
            return key[:-len(old)] + new
    return key


def mmgen_discriminator_key(key):
    """MMGeneration StyleGAN2Discriminator name (EqualizedLRConvModule
    holds ``conv.weight_orig``, EqualLinearActModule ``linear.weight_orig``).
    """
    if key.startswith('final_linear') and key.endswith('.weight'):
        return key[:-len('weight')] + 'linear.weight_orig'
    if key.endswith('.weight'):
        return key[:-len('weight')] + 'conv.weight_orig'
    return key


# -- helpers --------------------------------------------------------------
def load_converted(path):
    ckpt = torch.load(path, weights_only=True)
    cfg = Config.fromstring(ckpt['meta']['cfg'], '.py')
    model = MODELS.build(cfg.model)
    model.load_state_dict(ckpt['state_dict'])
    return model.eval(), ckpt


def check_generator(G, sd, seed=0):
    """Converted G reproduces the reference image and mapping."""
    gen = torch.Generator().manual_seed(seed)
    ws = torch.randn(3, G.num_ws, DIM, generator=gen)
    noise = [torch.randn(3, 1, r, r, generator=gen) for r in noise_sizes()]
    with torch.no_grad():
        ref = ref_synthesis(sd, ws, noise)
        img = G.synthesis(ws, noise=noise)
        z = torch.randn(3, DIM, generator=gen)
        w_ref, w = ref_mapping(sd, z), G.mapping(z)
    assert img.shape == (3, 3, RES, RES)
    assert (img - ref).abs().max() < 1e-4
    assert (w - w_ref[:, None]).abs().max() < 1e-4
    # const noise = the source's noise buffers
    const = [sd[f'noises.noise_{j}'] for j in range(len(noise_sizes()))]
    with torch.no_grad():
        ref = ref_synthesis(sd, ws, const)
        img = G.synthesis(ws, noise_mode='const')
    assert (img - ref).abs().max() < 1e-4


def save(obj, path):
    torch.save(obj, path)
    return str(path)


# -- tests ----------------------------------------------------------------
def test_rosinality_round_trip(tmp_path):
    g, g_ema, d = rosinality_generator(0), rosinality_generator(1), \
        rosinality_discriminator(2)
    avg = torch.randn(DIM)
    src = save(dict(g=g, g_ema=g_ema, d=d, latent_avg=avg,
                    args=argparse.Namespace(size=RES)), tmp_path / 'r.pt')
    meta = convert_checkpoint(src, str(tmp_path / 'out.pth'), 'rosinality',
                              resolution=RES)
    assert meta['w_avg'] == 'latent_avg of the source'
    model, ckpt = load_converted(tmp_path / 'out.pth')
    assert int(ckpt['state_dict']['generator_ema.steps']) == 2
    assert model.generator_ema.is_averaged
    check_generator(model.generator, g)
    check_generator(model.generator_ema.module, g_ema)
    assert torch.equal(model.generator_ema.module.w_avg, avg)
    img = torch.randn(4, 3, RES, RES)
    with torch.no_grad():
        ref, out = ref_discriminator(d, img), model.discriminator(img)
    assert out.shape == (4, )
    assert (out - ref[:, 0]).abs().max() < 1e-4
    assert [f for f in os.listdir(tmp_path) if 'partial' in f] == []


def test_mmgen_round_trip(tmp_path):
    g, g_ema, d = rosinality_generator(3), rosinality_generator(4), \
        rosinality_discriminator(5)
    sd = {f'generator.{mmgen_generator_key(k)}': v for k, v in g.items()}
    sd.update({f'generator_ema.{mmgen_generator_key(k)}': v
               for k, v in g_ema.items()})
    sd.update({f'discriminator.{mmgen_discriminator_key(k)}': v
               for k, v in d.items()})
    src = save(dict(state_dict=sd, meta=dict(iter=100)), tmp_path / 'm.pth')
    meta = convert_checkpoint(src, str(tmp_path / 'out.pth'), 'mmgen',
                              w_avg_samples=2000)
    assert meta['w_avg'].startswith('estimated')
    model, _ = load_converted(tmp_path / 'out.pth')
    check_generator(model.generator, g)
    check_generator(model.generator_ema.module, g_ema)
    gen = torch.Generator().manual_seed(0)
    z = torch.cat([torch.randn(1000, DIM, generator=gen) for _ in range(2)])
    expected = ref_mapping(g_ema, z).mean(0)
    assert (model.generator_ema.module.w_avg - expected).abs().max() < 1e-4
    img = torch.randn(2, 3, RES, RES)
    with torch.no_grad():
        ref, out = ref_discriminator(d, img), model.discriminator(img)
    assert (out - ref[:, 0]).abs().max() < 1e-4


def test_mmagic_layout(tmp_path):
    """MMagic 1.x keeps the EMA generator in mmengine's averaged-model
    wrapper (``generator_ema.module.*`` and ``generator_ema.steps``)."""
    g, g_ema = rosinality_generator(3), rosinality_generator(4)
    sd = {f'generator.{mmgen_generator_key(k)}': v for k, v in g.items()}
    sd.update({f'generator_ema.module.{mmgen_generator_key(k)}': v
               for k, v in g_ema.items()})
    sd['generator_ema.steps'] = torch.tensor(100)
    src = save(dict(state_dict=sd), tmp_path / 'm.pth')
    meta = convert_checkpoint(src, str(tmp_path / 'out.pth'), 'mmgen',
                              w_avg_samples=1000)
    assert meta['generator_ema'] == 'g_ema'
    model, _ = load_converted(tmp_path / 'out.pth')
    assert model.channels_last  # as the StyleGAN2 configs (docs/speed.md)
    check_generator(model.generator, g)
    check_generator(model.generator_ema.module, g_ema)


def test_generator_only_sources(tmp_path):
    """Only g_ema (official weights): D random, EMA marked averaged; only g:
    the EMA is a plain copy (apps then use G)."""
    g = rosinality_generator(6)
    src = save(dict(g_ema=g), tmp_path / 'a.pt')
    meta = convert_checkpoint(src, str(tmp_path / 'a.pth'), 'rosinality',
                              w_avg_samples=1000)
    assert 'randomly initialised' in meta['discriminator']
    model, _ = load_converted(tmp_path / 'a.pth')
    assert model.generator_ema.is_averaged
    check_generator(model.generator, g)
    sd = {f'generator.{mmgen_generator_key(k)}': v for k, v in g.items()}
    src = save(dict(state_dict=sd), tmp_path / 'b.pth')
    meta = convert_checkpoint(src, str(tmp_path / 'b.pth'), 'mmgen',
                              w_avg_samples=1000)
    model, _ = load_converted(tmp_path / 'b.pth')
    assert not model.generator_ema.is_averaged
    check_generator(model.generator_ema.module, g)


def test_mismatched_keys_are_listed(tmp_path):
    g = rosinality_generator(0)
    del g['convs.1.noise.weight']
    g['convs.1.extra.weight'] = torch.zeros(1)
    src = save(dict(g_ema=g, latent_avg=torch.zeros(DIM)), tmp_path / 'x.pt')
    with pytest.raises(CheckpointError) as e:
        convert_checkpoint(src, str(tmp_path / 'x.pth'), 'rosinality')
    msg = str(e.value)
    assert 'missing: convs.1.noise.weight' in msg
    assert 'unexpected: convs.1.extra.weight' in msg
    assert '\n' not in msg and not (tmp_path / 'x.pth').exists()


def test_wrong_shape_and_filter_are_named(tmp_path):
    g = rosinality_generator(0)
    g['conv1.activate.bias'] = torch.zeros(CH[4] + 1)
    g['to_rgbs.0.upsample.kernel'] = torch.ones(4, 4)
    src = save(dict(g_ema=g, latent_avg=torch.zeros(DIM)), tmp_path / 'x.pt')
    with pytest.raises(CheckpointError, match='wrong shape: conv1.activate'
                       r'.bias \(17,\) \(expected \(16,\)\).*to_rgbs.0.up'):
        convert_checkpoint(src, str(tmp_path / 'x.pth'), 'rosinality')


def test_wrong_format_and_resolution(tmp_path):
    src = save(dict(g_ema=rosinality_generator(0)), tmp_path / 'x.pt')
    with pytest.raises(CheckpointError, match='no mmgen generator'):
        convert_checkpoint(src, str(tmp_path / 'x.pth'), 'mmgen')
    with pytest.raises(CheckpointError, match='--resolution 64'):
        convert_checkpoint(src, str(tmp_path / 'x.pth'), 'rosinality',
                           resolution=64)


def test_cli(tmp_path):
    src = save(dict(g_ema=rosinality_generator(0),
                    latent_avg=torch.zeros(DIM)), tmp_path / 'x.pt')
    tool = os.path.join(ROOT, 'tools', 'convert_checkpoint.py')
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, tool, src, str(tmp_path / 'y.pth'), *a],
        capture_output=True, text=True, cwd=ROOT)
    ok = run('--format', 'rosinality')
    assert ok.returncode == 0, ok.stderr
    assert 'discriminator: none in the source' in ok.stdout
    assert torch.load(tmp_path / 'y.pth', weights_only=True)['meta']
    bad = run('--format', 'rosinality', '--resolution', '64')
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith('error: --resolution 64')
