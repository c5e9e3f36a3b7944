"""Stand-in NVIDIA networks (stylegan2-ada-pytorch / stylegan3 layout)
pickled through ``torch_utils.persistence``'s reduce protocol, and a
reference forward written from NVIDIA's semantics.

Layout (from NVIDIA's ``training/networks.py``): class names, attribute
names, parameters and buffers of ``Generator`` / ``MappingNetwork`` /
``SynthesisNetwork`` / ``SynthesisBlock`` / ``SynthesisLayer`` /
``ToRGBLayer`` / ``FullyConnectedLayer`` and ``Discriminator`` /
``DiscriminatorBlock`` / ``Conv2dLayer`` / ``DiscriminatorEpilogue`` /
``MinibatchStdLayer``. Reference semantics: ``modulated_conv2d`` with noise
added after demodulation, ``conv2d_resample`` up / down paths, ``bias_act``
with ``conv_clamp``, ``MappingNetwork`` with label embedding and
truncation, minibatch std in the epilogue.
"""
import math
import os
import pickle
import sys
import types
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RES, Z, W, N_MAP = 16, 8, 8, 2
CH = {4: 16, 8: 16, 16: 8}  # min(128 // res, 16)
SQRT2 = math.sqrt(2)
EVIL_SRC = "import os\nos.system('touch {marker}')\n"  # never to be run


def _reconstruct_persistent_obj(meta):  # pickled by reference only
    raise AssertionError('the converter must not call NVIDIA code')


class EasyDict(dict):
    pass


@contextmanager
def nvidia_modules():
    """Register ``torch_utils.persistence`` and ``dnnlib.util`` so pickle
    can reference them by name while the stand-ins are dumped."""
    fakes = {'torch_utils': types.ModuleType('torch_utils'),
             'torch_utils.persistence': types.ModuleType('p'),
             'dnnlib': types.ModuleType('dnnlib'),
             'dnnlib.util': types.ModuleType('u')}
    fakes['torch_utils.persistence']._reconstruct_persistent_obj = \
        _reconstruct_persistent_obj
    fakes['dnnlib.util'].EasyDict = EasyDict
    _reconstruct_persistent_obj.__module__ = 'torch_utils.persistence'
    EasyDict.__module__, EasyDict.__qualname__ = 'dnnlib.util', 'EasyDict'
    sys.modules.update(fakes)
    try:
        yield
    finally:
        for k in fakes:
            sys.modules.pop(k)


class Stub(nn.Module):
    """A module pickled as NVIDIA's persistent class ``nv_class``."""

    def __init__(self, nv_class, src='', **attrs):
        super().__init__()
        self.nv_class, self.src = nv_class, src
        self._init_args, self._init_kwargs = (), EasyDict(attrs)
        for k, v in attrs.items():
            setattr(self, k, v)

    def __reduce__(self):
        state = {k: v for k, v in self.__dict__.items()
                 if k not in ('nv_class', 'src')}
        meta = dict(type='class', version=6, module_src=self.src,
                    class_name=self.nv_class, state=state)
        return _reconstruct_persistent_obj, (meta, ), None


# -- stand-in networks in NVIDIA's layout ----------------------------------
def fir():
    f = torch.tensor([1., 3., 3., 1.])
    f = f.ger(f)
    return f / f.sum()


def fc(gen, i, o, act='linear', lr=1.0, bias_init=0.0):
    m = Stub('FullyConnectedLayer', activation=act)
    m.weight = nn.Parameter(torch.randn(o, i, generator=gen) / lr)
    m.bias = nn.Parameter(bias_init + 0.1 * torch.randn(o, generator=gen))
    m.weight_gain, m.bias_gain = np.float64(lr / np.sqrt(i)), lr
    return m


def synthesis_layer(gen, i, o, res, up, clamp):
    m = Stub('SynthesisLayer', resolution=res, up=up, use_noise=True,
             activation='lrelu', conv_clamp=clamp, padding=1)
    m.act_gain = np.float64(np.sqrt(2))
    m.register_buffer('resample_filter', fir())
    m.affine = fc(gen, W, i, bias_init=1.0)
    m.weight = nn.Parameter(torch.randn(o, i, 3, 3, generator=gen))
    m.register_buffer('noise_const', torch.randn(res, res, generator=gen))
    m.noise_strength = nn.Parameter(0.3 * torch.randn([], generator=gen))
    m.bias = nn.Parameter(0.1 * torch.randn(o, generator=gen))
    return m


def torgb_layer(gen, i, clamp):
    m = Stub('ToRGBLayer', conv_clamp=clamp)
    m.affine = fc(gen, W, i, bias_init=1.0)
    m.weight = nn.Parameter(torch.randn(3, i, 1, 1, generator=gen))
    m.bias = nn.Parameter(0.1 * torch.randn(3, generator=gen))
    m.weight_gain = np.float64(1 / np.sqrt(i))
    return m


def nv_generator(seed, c_dim=0, clamp=None, src=''):
    gen = torch.Generator().manual_seed(seed)
    mapping = Stub('MappingNetwork', src, z_dim=Z, c_dim=c_dim, w_dim=W,
                   num_ws=2 * int(math.log2(RES)) - 2, num_layers=N_MAP,
                   w_avg_beta=0.995)
    if c_dim:
        mapping.embed = fc(gen, c_dim, W)
    for i in range(N_MAP):
        setattr(mapping, f'fc{i}', fc(gen, (Z + W if c_dim else Z)
                                      if i == 0 else W, W, 'lrelu', 0.01))
    mapping.register_buffer('w_avg', torch.randn(W, generator=gen))
    synthesis = Stub('SynthesisNetwork', src, w_dim=W, img_resolution=RES,
                     block_resolutions=sorted(CH))
    for r in sorted(CH):
        b = Stub('SynthesisBlock', src, in_channels=CH.get(r // 2, 0),
                 resolution=r, architecture='skip', use_fp16=False,
                 is_last=r == RES)
        b.register_buffer('resample_filter', fir())
        if r == 4:
            b.const = nn.Parameter(torch.randn(CH[4], 4, 4, generator=gen))
        else:
            b.conv0 = synthesis_layer(gen, CH[r // 2], CH[r], r, 2, clamp)
        b.conv1 = synthesis_layer(gen, CH[r], CH[r], r, 1, clamp)
        b.torgb = torgb_layer(gen, CH[r], clamp)
        setattr(synthesis, f'b{r}', b)
    G = Stub('Generator', src, z_dim=Z, c_dim=c_dim, w_dim=W,
             img_resolution=RES, img_channels=3,
             mapping_kwargs=EasyDict(num_layers=N_MAP),
             synthesis_kwargs=EasyDict(channel_base=128, channel_max=16))
    G.synthesis, G.mapping = synthesis, mapping
    return G


def conv_layer(gen, i, o, k, act='lrelu', down=1, bias=True, clamp=None):
    m = Stub('Conv2dLayer', activation=act, up=1, down=down,
             conv_clamp=clamp, padding=k // 2)
    m.weight_gain = np.float64(1 / np.sqrt(i * k * k))
    m.act_gain = np.float64(np.sqrt(2) if act == 'lrelu' else 1)
    m.register_buffer('resample_filter', fir())
    m.weight = nn.Parameter(torch.randn(o, i, k, k, generator=gen))
    m.bias = nn.Parameter(0.1 * torch.randn(o, generator=gen)) if bias \
        else None
    return m


def nv_discriminator(seed, c_dim=0, clamp=None):
    gen = torch.Generator().manual_seed(seed)
    D = Stub('Discriminator', c_dim=c_dim, img_resolution=RES)
    for r in sorted(CH, reverse=True)[:-1]:
        b = Stub('DiscriminatorBlock', in_channels=0 if r == RES else CH[r],
                 resolution=r, architecture='resnet', use_fp16=False)
        b.register_buffer('resample_filter', fir())
        if r == RES:
            b.fromrgb = conv_layer(gen, 3, CH[r], 1, clamp=clamp)
        b.conv0 = conv_layer(gen, CH[r], CH[r], 3, clamp=clamp)
        b.conv1 = conv_layer(gen, CH[r], CH[r // 2], 3, down=2, clamp=clamp)
        b.skip = conv_layer(gen, CH[r], CH[r // 2], 1, 'linear', 2, False)
        setattr(D, f'b{r}', b)
    if c_dim:
        D.mapping = Stub('MappingNetwork', z_dim=0, c_dim=c_dim)
        D.mapping.embed = fc(gen, c_dim, CH[4])
    ep = Stub('DiscriminatorEpilogue', in_channels=CH[4], resolution=4,
              cmap_dim=CH[4] if c_dim else 0, architecture='resnet')
    ep.mbstd = Stub('MinibatchStdLayer', group_size=4, num_channels=1)
    ep.conv = conv_layer(gen, CH[4] + 1, CH[4], 3, clamp=clamp)
    ep.fc = fc(gen, CH[4] * 16, CH[4], 'lrelu')
    ep.out = fc(gen, CH[4], CH[4] if c_dim else 1)
    D.b4 = ep
    return D


def dump(obj, path, protocol=3):
    with nvidia_modules(), open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=protocol)
    return str(path)


# -- reference forward (NVIDIA semantics) -----------------------------------
def upfirdn(x, f, up=1, down=1, pad=(0, 0), gain=1.0):
    n, c, h, w = x.shape
    if up > 1:
        z = x.new_zeros(n, c, h * up, w * up)
        z[:, :, ::up, ::up] = x
        x = z
    x = F.pad(x, [pad[0], pad[1], pad[0], pad[1]])
    k = (f * gain).flip([0, 1])[None, None].repeat(c, 1, 1, 1)
    return F.conv2d(x, k, groups=c)[:, :, ::down, ::down]


def bias_act(x, b, act, gain, clamp):
    x = x + b.view(1, -1, *[1] * (x.dim() - 2))
    if act == 'lrelu':
        x = F.leaky_relu(x, 0.2)
    x = x * gain
    return x if clamp is None else x.clamp(-clamp, clamp)


def ref_fc(m, x):
    x = x @ (m.weight * float(m.weight_gain)).t()
    return bias_act(x, m.bias * m.bias_gain, m.activation,
                    SQRT2 if m.activation == 'lrelu' else 1, None)


def norm2(x):
    return x * (x.square().mean(1, keepdim=True) + 1e-8).rsqrt()


def ref_mapping(m, z, c, psi=1.0, cutoff=None):
    x = norm2(z)
    if m.c_dim:
        x = torch.cat([x, norm2(ref_fc(m.embed, c))], 1)
    for i in range(N_MAP):
        x = ref_fc(getattr(m, f'fc{i}'), x)
    x = x[:, None].repeat(1, m.num_ws, 1)
    cut = m.num_ws if cutoff is None else cutoff
    x[:, :cut] = m.w_avg.lerp(x[:, :cut], psi)
    return x


def ref_modconv(x, weight, styles, noise, up, demodulate=True):
    wt = weight[None] * styles[:, None, :, None, None]
    dcoefs = (wt.square().sum([2, 3, 4]) + 1e-8).rsqrt()
    x = x * styles[:, :, None, None]
    if up == 2:
        x = F.conv_transpose2d(x, weight.transpose(0, 1), stride=2)
        x = upfirdn(x, fir(), pad=(1, 1), gain=4)
    else:
        x = F.conv2d(x, weight, padding=weight.shape[-1] // 2)
    if demodulate:
        x = x * dcoefs[:, :, None, None]
    return x if noise is None else x + noise


def ref_layer(m, x, w, noise):
    x = ref_modconv(x, m.weight, ref_fc(m.affine, w),
                    noise * m.noise_strength, m.up)
    return bias_act(x, m.bias, 'lrelu', SQRT2, m.conv_clamp)


def ref_synthesis(s, ws, noise):
    """``noise``: one map per conv layer (before noise_strength)."""
    x = img = None
    i = 0
    for r in sorted(CH):
        b = getattr(s, f'b{r}')
        if r == 4:
            x = b.const[None].repeat(ws.shape[0], 1, 1, 1)
            x = ref_layer(b.conv1, x, ws[:, 0], noise[0])
        else:
            x = ref_layer(b.conv0, x, ws[:, i], noise[i])
            x = ref_layer(b.conv1, x, ws[:, i + 1], noise[i + 1])
        i += 1 if r == 4 else 2
        t = b.torgb
        y = ref_modconv(x, t.weight, ref_fc(t.affine, ws[:, i]) *
                        float(t.weight_gain), None, 1, demodulate=False)
        y = bias_act(y, t.bias, 'linear', 1, t.conv_clamp)
        img = y if img is None else upfirdn(img, fir(), 2, 1, (2, 1), 4) + y
    return img


def ref_conv(m, x, gain=1.0):
    w = m.weight * float(m.weight_gain)
    if m.down == 2 and w.shape[-1] == 1:
        x = F.conv2d(upfirdn(x, fir(), down=2, pad=(1, 1)), w)
    elif m.down == 2:
        x = F.conv2d(upfirdn(x, fir(), pad=(2, 2)), w, stride=2)
    else:
        x = F.conv2d(x, w, padding=w.shape[-1] // 2)
    b = m.bias if m.bias is not None else torch.zeros(w.shape[0])
    clamp = None if m.conv_clamp is None else m.conv_clamp * gain
    return bias_act(x, b, m.activation, float(m.act_gain) * gain, clamp)


def ref_discriminator(D, img):
    x = None
    for r in sorted(CH, reverse=True)[:-1]:
        b = getattr(D, f'b{r}')
        if r == RES:
            x = ref_conv(b.fromrgb, img)
        y = ref_conv(b.skip, x, math.sqrt(0.5))
        x = y + ref_conv(b.conv1, ref_conv(b.conv0, x), math.sqrt(0.5))
    n, c, h, w = x.shape
    y = x.reshape(4, -1, 1, c, h, w)
    y = ((y - y.mean(0)).square().mean(0) + 1e-8).sqrt().mean([2, 3, 4])
    x = torch.cat([x, y.reshape(-1, 1, 1, 1).repeat(4, 1, h, w)], 1)
    x = ref_conv(D.b4.conv, x)
    return ref_fc(D.b4.out, ref_fc(D.b4.fc, x.flatten(1)))[:, 0]
