"""StyleGAN2 building blocks in plain PyTorch (no custom C++/CUDA ops).

Conventions (Karras et al. 2020, and rosinality's / MMGeneration's ports):

* Equalised learning rate: parameters are stored N(0, 1) / ``lr_multiplier``
  and scaled at run time by ``lr_multiplier / sqrt(fan_in)``; biases are
  stored raw and scaled by ``lr_multiplier``.
* ``bias_lrelu``: ``leaky_relu(x + b, 0.2) * sqrt(2)`` (the fused op).
* FIR resampling with the separable [1, 3, 3, 1] filter, written with
  ``F.pad`` and depthwise ``F.conv2d`` (:func:`upfirdn2d`).
* Up-sampling modulated convolution: stride-2 ``conv_transpose2d`` of the
  stored weight, then the FIR filter (gain 4, pad 1): rosinality's layout.
"""
import math
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .winograd import conv2d_same

SQRT2 = math.sqrt(2.0)
FIR_TAPS = (1, 3, 3, 1)
NOISE_MODES = ('random', 'const', 'none')


# -- functional ops --------------------------------------------------------
def stylegan2_channels(res: int, channel_base: int, channel_max: int) -> int:
    """Feature channels at size ``res``: ``min(channel_base // res, max)``."""
    return min(channel_base // res, channel_max)


def make_fir(taps: Sequence[float] = FIR_TAPS) -> Tensor:
    """The separable 2-D FIR filter [k, k] of ``taps``, summing to 1."""
    t = torch.as_tensor(taps, dtype=torch.float32)
    f = t[:, None] * t[None, :]
    return f / f.sum()


def bias_lrelu(x: Tensor, bias: Optional[Tensor] = None,
               slope: float = 0.2, gain: float = SQRT2) -> Tensor:
    """``leaky_relu(x + bias, slope) * gain``; ``bias`` [C] on dim 1."""
    if bias is not None:
        x = x + bias.view(1, -1, *[1] * (x.dim() - 2))
    return F.leaky_relu(x, slope) * gain


def clamp(x: Tensor, limit: Optional[float]) -> Tensor:
    """``x`` clamped to [-limit, limit] (NVIDIA's ``conv_clamp``; None:
    unchanged)."""
    return x if limit is None else x.clamp(-limit, limit)


def upfirdn2d(x: Tensor, fir: Tensor, up: int = 1, down: int = 1,
              pad: Tuple[int, int] = (0, 0), gain: float = 1.0) -> Tensor:
    """Zero-insert ``up``x, pad ``pad`` on every side, filter with ``fir``
    [k, k] (a true convolution), keep every ``down``-th sample.

    ``x`` [N, C, H, W] -> [N, C, (H*up + p0 + p1 - k + 1) / down, ...].
    """
    n, c, h, w = x.shape
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    x = F.pad(x, [pad[0], pad[1], pad[0], pad[1]])
    weight = (fir.flip([0, 1]) * gain).to(x)[None, None]
    weight = weight.expand(c, 1, *fir.shape)
    return F.conv2d(x, weight, stride=down, groups=c)


def upsample2d(x: Tensor, fir: Tensor) -> Tensor:
    """2x FIR up-sampling, [N, C, H, W] -> [N, C, 2H, 2W]."""
    p = fir.shape[0] - 2
    return upfirdn2d(x, fir, up=2, pad=((p + 1) // 2 + 1, p // 2), gain=4)


def modulated_conv2d(x: Tensor, weight: Tensor, styles: Tensor, *,
                     demodulate: bool = True, up: bool = False,
                     fir: Optional[Tensor] = None,
                     fused: bool = False, winograd: bool = True) -> Tensor:
    """Convolve ``x`` [N, I, H, W] with ``weight`` [O, I, k, k] (already
    gain-scaled) modulated by ``styles`` [N, I] per sample and, when
    ``demodulate``, normalised to unit output norm per (sample, O).

    ``up``: stride-2 transposed convolution then the FIR filter ``fir``
    (output 2H x 2W). ``fused``: one grouped convolution with per-sample
    weights; otherwise scale ``x`` / the output (same result).
    ``winograd``: let :func:`~mmlatent.models.winograd.conv2d_same` use
    Winograd's algorithm where it is faster (not with ``fused``).
    """
    n = x.shape[0]
    dcoefs = None
    if demodulate:
        w2 = weight.square().sum([2, 3])  # [O, I]
        dcoefs = (styles.square() @ w2.t() + 1e-8).rsqrt()  # [N, O]
    if fused:
        return _grouped_modconv(x, weight, styles, dcoefs, up, fir)
    x = x * styles.view(n, -1, 1, 1)
    x = _conv(x, weight, up, fir, groups=1, winograd=winograd)
    return x if dcoefs is None else x * dcoefs.view(n, -1, 1, 1)


def _grouped_modconv(x: Tensor, weight: Tensor, styles: Tensor,
                     dcoefs: Optional[Tensor], up: bool,
                     fir: Optional[Tensor]) -> Tensor:
    """:func:`modulated_conv2d` as one convolution with ``N`` groups."""
    n, i, h, w = x.shape
    o, _, k, _ = weight.shape
    wt = weight[None] * styles.view(n, 1, i, 1, 1)  # [N, O, I, k, k]
    if dcoefs is not None:
        wt = wt * dcoefs.view(n, o, 1, 1, 1)
    out = _conv(x.reshape(1, n * i, h, w), wt.reshape(n * o, i, k, k), up,
                fir, groups=n)
    return out.reshape(n, o, *out.shape[2:])


def _conv(x: Tensor, weight: Tensor, up: bool, fir: Optional[Tensor],
          groups: int, winograd: bool = False) -> Tensor:
    """Same-size conv, or 2x up: ``conv_transpose2d`` + FIR (gain 4)."""
    k = weight.shape[-1]
    if not up and groups == 1:
        return conv2d_same(x, weight, winograd)
    if not up:
        return F.conv2d(x, weight, padding=k // 2, groups=groups)
    o_g, i_g = weight.shape[0] // groups, weight.shape[1]
    wt = weight.reshape(groups, o_g, i_g, k, k).transpose(1, 2)
    wt = wt.reshape(groups * i_g, o_g, k, k)
    x = F.conv_transpose2d(x, wt, stride=2, groups=groups)
    p = (fir.shape[0] - 2) - (k - 1)
    return upfirdn2d(x, fir, pad=((p + 1) // 2 + 1, p // 2 + 1), gain=4)


# -- equalised-lr layers ---------------------------------------------------
class EqualLinear(nn.Module):
    """Fully connected layer with equalised lr: ``y = act(x @ (W * g).T +
    b * lr_multiplier)``, ``g = lr_multiplier / sqrt(in_features)``.

    ``weight`` [out, in], ``bias`` [out] (initialised to ``bias_init``).
    """

    def __init__(self, in_features: int, out_features: int,
                 bias: bool = True, bias_init: float = 0.0,
                 lr_multiplier: float = 1.0, activation: str = 'linear'):
        super().__init__()
        self.weight = nn.Parameter(
            torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full([out_features], float(
            bias_init))) if bias else None
        self.lr_multiplier = lr_multiplier
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.activation = activation

    def effective_weight(self) -> Tensor:
        """The weight the layer applies, [out, in]."""
        return self.weight * self.weight_gain

    def forward(self, x: Tensor) -> Tensor:
        """[N, in] -> [N, out]."""
        b = None if self.bias is None else self.bias * self.lr_multiplier
        if self.activation == 'lrelu':
            return bias_lrelu(F.linear(x, self.effective_weight()), b)
        return F.linear(x, self.effective_weight(), b)


class EqualConv2d(nn.Module):
    """Conv2d with equalised lr, optional FIR 2x down-sampling before a
    stride-2 convolution (``down=True``) and optional ``bias_lrelu``.

    ``weight`` [out, in, k, k], ``bias`` [out] or None.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int, bias: bool = True, down: bool = False,
                 activation: str = 'linear',
                 fir_taps: Sequence[float] = FIR_TAPS,
                 conv_clamp: Optional[float] = None):
        super().__init__()
        self.conv_clamp = conv_clamp
        self.weight = nn.Parameter(torch.randn(
            out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)
        self.down, self.activation = down, activation
        self.winograd = True  # see mmlatent.models.winograd
        self.register_buffer('fir', make_fir(fir_taps), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        """[N, in, H, W] -> [N, out, H, W] (or H/2, W/2 when ``down``)."""
        w = self.weight * self.weight_gain
        k = w.shape[-1]
        if self.down:
            p = (self.fir.shape[0] - 2) + (k - 1)
            x = upfirdn2d(x, self.fir, pad=((p + 1) // 2, p // 2))
            x = F.conv2d(x, w, stride=2)
        else:
            x = conv2d_same(x, w, self.winograd)
        if self.activation == 'lrelu':
            return clamp(bias_lrelu(x, self.bias), self.conv_clamp)
        x = x if self.bias is None else x + self.bias.view(1, -1, 1, 1)
        return clamp(x, self.conv_clamp)


# -- synthesis layers ------------------------------------------------------
class ModulatedConv(nn.Module):
    """One synthesis layer: modulated (and demodulated) k x k conv,
    optional 2x up-sampling, per-pixel noise, bias, ``bias_lrelu``.

    Parameters: ``affine`` (EqualLinear w_dim -> in, bias 1), ``weight``
    [out, in, k, k], ``bias`` [out], ``noise_strength`` []; buffer
    ``noise_const`` [res, res] (the fixed noise of ``noise_mode='const'``).
    """

    def __init__(self, in_channels: int, out_channels: int, w_dim: int,
                 resolution: int, kernel_size: int = 3, up: bool = False,
                 fused: bool = False, fir_taps: Sequence[float] = FIR_TAPS,
                 conv_clamp: Optional[float] = None):
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(
            out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.noise_strength = nn.Parameter(torch.zeros([]))
        self.register_buffer('noise_const',
                             torch.randn(resolution, resolution))
        self.register_buffer('fir', make_fir(fir_taps), persistent=False)
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)
        self.resolution, self.up, self.fused = resolution, up, fused
        self.winograd = True  # see mmlatent.models.winograd

    def forward(self, x: Tensor, w: Tensor, noise_mode: str = 'random',
                noise: Optional[Tensor] = None) -> Tensor:
        """``x`` [N, in, r', r'] (r' = r/2 if up), ``w`` [N, w_dim] ->
        [N, out, r, r]; ``noise`` [N or 1, 1, r, r] overrides the mode."""
        styles = self.affine(w)
        x = modulated_conv2d(x, self.weight * self.weight_gain, styles,
                             up=self.up, fir=self.fir, fused=self.fused,
                             winograd=self.winograd)
        if noise is None and noise_mode == 'random':
            noise = torch.randn(x.shape[0], 1, *x.shape[2:], device=x.device,
                                dtype=x.dtype)
        elif noise is None and noise_mode == 'const':
            noise = self.noise_const
        if noise is not None:
            x = x + noise * self.noise_strength
        return clamp(bias_lrelu(x, self.bias), self.conv_clamp)


class ToRGB(nn.Module):
    """Modulated 1x1 conv without demodulation, plus bias: features ->
    image [N, img_channels, r, r]."""

    def __init__(self, in_channels: int, img_channels: int, w_dim: int,
                 fused: bool = False, conv_clamp: Optional[float] = None):
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(img_channels, in_channels,
                                               1, 1))
        self.bias = nn.Parameter(torch.zeros(img_channels))
        self.weight_gain = 1 / math.sqrt(in_channels)
        self.fused = fused

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        styles = self.affine(w)
        x = modulated_conv2d(x, self.weight * self.weight_gain, styles,
                             demodulate=False, fused=self.fused)
        return clamp(x + self.bias.view(1, -1, 1, 1), self.conv_clamp)


class MinibatchStd(nn.Module):
    """Appends ``num_channels`` maps of the feature std over groups of
    ``group_size`` samples (sample i is grouped with i + k * N / G).

    When N is not divisible by ``group_size`` the largest divisor of N
    below it is used (the reference implementations require divisibility).
    """

    def __init__(self, group_size: int = 4, num_channels: int = 1):
        super().__init__()
        self.group_size, self.num_channels = group_size, num_channels

    def forward(self, x: Tensor) -> Tensor:
        """[N, C, H, W] -> [N, C + num_channels, H, W]."""
        n, c, h, w = x.shape
        g = max(d for d in range(1, min(self.group_size, n) + 1)
                if n % d == 0)
        f = self.num_channels
        y = x.reshape(g, -1, f, c // f, h, w)
        y = (y.var(0, unbiased=False) + 1e-8).sqrt()  # [M, F, C/F, H, W]
        y = y.mean([2, 3, 4]).reshape(-1, f, 1, 1)  # [M, F, 1, 1]
        return torch.cat([x, y.repeat(g, 1, h, w)], 1)
