"""StyleGAN2 generator (Karras et al. 2020, config F) with the latent
interface: mapping ``z -> ws`` and skip-architecture synthesis
``ws -> img`` with modulated convolutions and per-layer noise.

Layer / ``ws`` indexing (NVIDIA and rosinality): the 4x4 block has conv
``0`` and toRGB ``1``; the block at ``4 * 2**k`` px has the up-sampling
conv ``2k - 1``, the conv ``2k`` and toRGB ``2k + 1``. Conv layer ``i``
consumes ``ws[:, i]`` and noise map ``i``; ``num_ws = 2 log2(res) - 2``.

Channels at feature size ``res``: ``min(channel_base // res,
channel_max)`` (NVIDIA). rosinality's table with channel multiplier ``m``
is ``channel_base = 16384 * m, channel_max = 512``.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ConfigError, ShapeError
from ..layers import check_resolution
from ..stylegan2_layers import (NOISE_MODES, EqualLinear, ModulatedConv,
                                ToRGB, make_fir, stylegan2_channels,
                                upsample2d)
from ..winograd import set_winograd
from .base import BaseGenerator

NoiseList = Optional[Sequence[Optional[Tensor]]]
TORGB_CHOICES = ('none', 'first', 'last', 'all')


class MappingNetwork(nn.Module):
    """``w = MLP([normalize_2nd_moment(z) | normalize_2nd_moment(embed(c))])``:
    ``num_layers`` EqualLinear layers with ``bias_lrelu`` and learning-rate
    multiplier; the condition ``c`` (when ``c_dim > 0``) is embedded by a
    linear layer to ``embed_features`` (NVIDIA's conditional mapping)."""

    def __init__(self, z_dim: int, w_dim: int, num_layers: int = 8,
                 lr_multiplier: float = 0.01, c_dim: int = 0,
                 embed_features: Optional[int] = None):
        super().__init__()
        embed = (embed_features or w_dim) if c_dim else 0
        self.embed = EqualLinear(c_dim, embed) if c_dim else None
        dims = [z_dim + embed] + [w_dim] * num_layers
        self.fcs = nn.ModuleList(
            EqualLinear(i, o, lr_multiplier=lr_multiplier,
                        activation='lrelu') for i, o in zip(dims, dims[1:]))

    def forward(self, z: Tensor, c: Optional[Tensor] = None) -> Tensor:
        """``z`` [N, z_dim] (and ``c`` [N, c_dim]) -> ``w`` [N, w_dim]."""
        x = normalize_2nd_moment(z)
        if self.embed is not None:
            y = normalize_2nd_moment(self.embed(c.to(z)))
            x = torch.cat([x, y], 1)
        for fc in self.fcs:
            x = fc(x)
        return x


def normalize_2nd_moment(x: Tensor) -> Tensor:
    """``x`` [N, D] scaled to unit mean square per row."""
    return x * (x.square().mean(1, keepdim=True) + 1e-8).rsqrt()


class SynthesisBlock(nn.Module):
    """One resolution: [up-sampling conv0], conv1, toRGB; the image skip
    is FIR-up-sampled and summed with this block's toRGB output."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int,
                 resolution: int, img_channels: int, fused: bool = False,
                 conv_clamp: Optional[float] = None):
        super().__init__()
        self.resolution = resolution
        self.conv0 = None if resolution == 4 else ModulatedConv(
            in_channels, out_channels, w_dim, resolution, up=True,
            fused=fused, conv_clamp=conv_clamp)
        self.conv1 = ModulatedConv(out_channels, out_channels, w_dim,
                                   resolution, fused=fused,
                                   conv_clamp=conv_clamp)
        self.torgb = ToRGB(out_channels, img_channels, w_dim, fused=fused,
                           conv_clamp=conv_clamp)
        self.register_buffer('fir', make_fir(), persistent=False)

    @property
    def convs(self) -> List[ModulatedConv]:
        return [c for c in (self.conv0, self.conv1) if c is not None]

    def forward(self, x: Tensor, img: Optional[Tensor], ws: Tensor,
                noise_mode: str, noise: Sequence[Optional[Tensor]]
                ) -> Tuple[Tensor, Tensor]:
        """``ws`` [N, len(convs) + 1, w_dim]; ``noise`` one per conv."""
        for i, conv in enumerate(self.convs):
            x = conv(x, ws[:, i], noise_mode, noise[i])
        y = self.torgb(x, ws[:, -1])
        img = y if img is None else upsample2d(img, self.fir) + y
        return x, img


class SynthesisNetwork(nn.Module):
    """Learned constant [C4, 4, 4] and one SynthesisBlock per resolution."""

    def __init__(self, w_dim: int, resolution: int, img_channels: int,
                 channel_base: int, channel_max: int, fused: bool = False,
                 conv_clamp: Optional[float] = None):
        super().__init__()
        res = [4 << i for i in range(check_resolution(resolution) + 1)]
        ch = [stylegan2_channels(r, channel_base, channel_max) for r in res]
        self.const = nn.Parameter(torch.randn(ch[0], 4, 4))
        self.blocks = nn.ModuleList(
            SynthesisBlock(c_in, c_out, w_dim, r, img_channels, fused,
                           conv_clamp)
            for r, c_in, c_out in zip(res, ch[:1] + ch[:-1], ch))

    @property
    def convs(self) -> List[ModulatedConv]:
        """All modulated convs in ``ws`` / noise order."""
        return [c for b in self.blocks for c in b.convs]

    def forward(self, ws: Tensor, noise_mode: str,
                noise: Sequence[Optional[Tensor]]) -> Tensor:
        """``ws`` [N, num_ws, w_dim] -> img [N, C, res, res]."""
        x = self.const[None].expand(ws.shape[0], -1, -1, -1)
        img, i = None, 0
        for block in self.blocks:
            k = len(block.convs)
            x, img = block(x, img, ws[:, i:i + k + 1], noise_mode,
                           noise[i:i + k])
            i += k
        return img


@MODELS.register_module()
class StyleGAN2Generator(BaseGenerator):
    """StyleGAN2 generator (skip architecture, no tanh: images are
    roughly in [-1, 1]).

    Args:
        resolution: output size, a power of two from 8 to 1024.
        z_dim, w_dim: sizes of ``z`` and ``w``.
        mapping_layers: depth of the mapping MLP.
        channel_base, channel_max: channels ``min(channel_base // res,
            channel_max)`` at feature size ``res`` (config F: 32768, 512).
        out_channels: image channels.
        lr_multiplier: learning-rate multiplier of the mapping network.
        w_avg_beta: decay of the running mean ``w_avg`` of ``w`` (updated
            by every ``mapping`` call in training mode).
        prior: ``normal`` (or ``uniform``) prior of ``z``.
        fused_modconv: one grouped convolution per layer instead of
            input/output scaling (same result; speed differs by device).
        c_dim: size of the condition ``c`` (one-hot class labels, NVIDIA's
            conditional StyleGAN2); 0: unconditional.
        embed_features: size of the embedded ``c`` fed to the mapping
            network with ``z`` (None: ``w_dim``).
        conv_clamp: clamp every synthesis layer's output to +-conv_clamp
            (NVIDIA's stylegan2-ada configs use 256); None: no clamping.
        winograd: run the large 3x3 convolutions by Winograd's algorithm
            on the CPU (:mod:`mmlatent.models.winograd`; faster, same
            result to float rounding); False: always ``F.conv2d``.
    """
    has_w_space = True

    def __init__(self, resolution: int = 256, z_dim: int = 512,
                 w_dim: int = 512, mapping_layers: int = 8,
                 channel_base: int = 32768, channel_max: int = 512,
                 out_channels: int = 3, lr_multiplier: float = 0.01,
                 w_avg_beta: float = 0.995, prior: str = 'normal',
                 fused_modconv: bool = False, c_dim: int = 0,
                 embed_features: Optional[int] = None,
                 conv_clamp: Optional[float] = None, winograd: bool = True):
        num_ws = 2 * (check_resolution(resolution) + 2) - 2
        super().__init__(z_dim, w_dim, num_ws, resolution=resolution,
                         out_channels=out_channels, prior=prior,
                         cat_dims=(c_dim, ) if c_dim > 1 else (),
                         con_dim=1 if c_dim == 1 else 0)
        if mapping_layers < 1 or min(channel_base, channel_max) < 1:
            raise ConfigError(
                f'mapping_layers={mapping_layers}, channel_base='
                f'{channel_base} and channel_max={channel_max} must be >= 1')
        self.channel_base, self.channel_max = channel_base, channel_max
        self.w_avg_beta = w_avg_beta
        self.mapping_net = MappingNetwork(z_dim, w_dim, mapping_layers,
                                          lr_multiplier, c_dim,
                                          embed_features)
        self.synthesis_net = SynthesisNetwork(
            w_dim, resolution, out_channels, channel_base, channel_max,
            fused_modconv, conv_clamp)
        set_winograd(self, winograd)
        self.register_buffer('w_avg', torch.zeros(w_dim))

    # -- mapping ----------------------------------------------------------
    def mapping(self, z: Tensor, c: Optional[Tensor] = None,
                truncation_psi: float = 1.0,
                truncation_cutoff: Optional[int] = None,
                update_w_avg: bool = True) -> Tensor:
        """``ws`` [N, num_ws, w_dim] from ``z`` [N, z_dim]; in training mode
        (and ``update_w_avg``) ``w_avg`` tracks the batch mean of ``w``.
        Truncation: ``w_avg + psi * (w - w_avg)`` on the first
        ``truncation_cutoff`` layers (all when None)."""
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ShapeError(f'z has shape {tuple(z.shape)}, expected '
                             f'(N, {self.z_dim})')
        c = self.check_c(c, z.shape[0])
        w = self.mapping_net(z, c)
        if self.training and update_w_avg:
            self.w_avg.copy_(w.detach().mean(0).lerp(self.w_avg,
                                                     self.w_avg_beta))
        ws = w[:, None].expand(-1, self.num_ws, -1)
        if truncation_psi != 1:
            ws = self.truncate(ws, truncation_psi, truncation_cutoff)
        return ws

    def truncate(self, ws: Tensor, psi: float,
                 cutoff: Optional[int] = None) -> Tensor:
        """Move ``ws`` [N, num_ws, w_dim] towards ``w_avg`` by ``psi`` on
        the layers below ``cutoff``."""
        cutoff = self.num_ws if cutoff is None else cutoff
        layer = torch.arange(self.num_ws, device=ws.device)[None, :, None]
        trunc = self.w_avg.lerp(ws, psi)
        return torch.where(layer < cutoff, trunc, ws)

    # -- synthesis --------------------------------------------------------
    def to_ws(self, ws: Tensor) -> Tensor:
        """``ws`` [N, num_ws, w_dim] from W ([N, w_dim] or [N, 1, w_dim],
        broadcast to every layer) or W+ ([N, num_ws, w_dim])."""
        given = tuple(ws.shape)
        if ws.dim() == 2:
            ws = ws[:, None]
        ok = ws.dim() == 3 and ws.shape[1] in (1, self.num_ws) \
            and ws.shape[2] == self.w_dim
        if not ok:
            raise ShapeError(
                f'ws has shape {given}, expected (N, {self.w_dim}), '
                f'(N, 1, {self.w_dim}) or (N, {self.num_ws}, {self.w_dim})')
        return ws.expand(-1, self.num_ws, -1)

    def synthesis(self, ws: Tensor, noise_mode: str = 'random',
                  noise: NoiseList = None) -> Tensor:
        """``img`` [N, C, res, res] from W or W+ codes (see :meth:`to_ws`).

        ``noise_mode``: ``random`` (fresh N(0, 1) maps), ``const`` (the
        fixed buffers of :meth:`noise_buffers`) or ``none``. ``noise``: one
        map [N or 1, 1, r, r] (or None: use the mode) per conv layer.
        """
        if noise_mode not in NOISE_MODES:
            raise ConfigError(f"noise_mode='{noise_mode}' is not one of "
                              f'{NOISE_MODES}')
        ws = self.to_ws(ws)
        noise = self._check_noise(noise)
        return self.synthesis_net(ws, noise_mode, noise)

    def _check_noise(self, noise: NoiseList) -> List[Optional[Tensor]]:
        convs = self.synthesis_net.convs
        if noise is None:
            return [None] * len(convs)
        if len(noise) != len(convs):
            raise ShapeError(f'noise has {len(noise)} maps, expected '
                             f'{len(convs)} (one per conv layer)')
        for i, (n, conv) in enumerate(zip(noise, convs)):
            if n is not None and (n.dim() != 4 or n.shape[1] != 1 or tuple(
                    n.shape[2:]) != (conv.resolution, ) * 2):
                raise ShapeError(
                    f'noise[{i}] has shape {tuple(n.shape)}, expected '
                    f'(N, 1, {conv.resolution}, {conv.resolution})')
        return list(noise)

    # -- the full generator -----------------------------------------------
    def forward(self, z: Tensor, c: Optional[Tensor] = None,
                truncation_psi: float = 1.0,
                truncation_cutoff: Optional[int] = None,
                noise_mode: str = 'random', return_ws: bool = False,
                style_mixing_prob: float = 0.0,
                noise: NoiseList = None
                ) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        """``img`` [N, C, res, res] (and the ``ws`` [N, num_ws, w_dim] it
        was made from, when ``return_ws``: differentiate through them).

        ``style_mixing_prob``: probability that the layers from a random
        crossover index on take ``ws`` of a second ``z`` (the training step
        passes its own; 0 by default). ``noise_mode`` / ``noise``: see
        :meth:`synthesis`.
        """
        ws = self.mapping(z, c, truncation_psi, truncation_cutoff)
        if style_mixing_prob > 0:
            ws = self.mix_styles(ws, style_mixing_prob, c, truncation_psi,
                                 truncation_cutoff)
        img = self.synthesis(ws, noise_mode, noise)
        return (img, ws) if return_ws else img

    def mix_styles(self, ws: Tensor, prob: float, c: Optional[Tensor] = None,
                   truncation_psi: float = 1.0,
                   truncation_cutoff: Optional[int] = None) -> Tensor:
        """With probability ``prob`` (one draw per batch) replace
        ``ws[:, k:]`` by the ``ws`` of a fresh ``z``, ``k`` uniform in
        [1, num_ws - 1] (style mixing regularisation)."""
        dev = ws.device
        if torch.rand([], device=dev) >= prob:
            return ws
        k = int(torch.randint(1, self.num_ws, [], device=dev))
        ws2 = self.mapping(self.sample_z(ws.shape[0]), c, truncation_psi,
                           truncation_cutoff, update_w_avg=False)
        return torch.cat([ws[:, :k], ws2[:, k:]], 1)

    # -- noise ------------------------------------------------------------
    def noise_buffers(self) -> List[Tensor]:
        """The fixed noise maps [r, r] of ``noise_mode='const'``, one per
        conv layer (the buffers themselves, e.g. for projection)."""
        return [conv.noise_const for conv in self.synthesis_net.convs]

    def noise_shapes(self) -> List[Tuple[int, int]]:
        """(H, W) of each conv layer's noise map, in ``ws`` order."""
        return [(c.resolution, c.resolution)
                for c in self.synthesis_net.convs]

    def make_noise(self, n: int, generator: Optional[torch.Generator] = None
                   ) -> List[Tensor]:
        """Fresh N(0, 1) noise maps [n, 1, r, r], one per conv layer."""
        return [torch.randn(n, 1, c.resolution, c.resolution,
                            generator=generator, device=self.device)
                for c in self.synthesis_net.convs]

    # -- latent directions --------------------------------------------------
    def layer_affines(self) -> List[Tuple[int, str, EqualLinear]]:
        """``(ws index, 'conv' or 'torgb', affine)`` of every layer."""
        out, i = [], 0
        for block in self.synthesis_net.blocks:
            for conv in block.convs:
                out.append((i, 'conv', conv.affine))
                i += 1
            out.append((i, 'torgb', block.torgb.affine))
        return out

    def direction_weights(self, layers: Optional[Sequence[int]] = None, *,
                          include_torgb: bool = False,
                          torgb: str = 'none') -> Tensor:
        """The style-modulation weights (gain included) of the layers that
        consume ``ws[:, i]`` for ``i`` in ``layers`` (None: all), stacked
        [sum of their in-channels, w_dim]: the matrix SeFa factorises.

        toRGB affines: ``torgb='none'`` (convs only, MMGeneration),
        ``'first'`` (the 4x4 toRGB, rosinality's
        closed_form_factorization.py), ``'last'`` (the output toRGB,
        genforce's SeFa) or ``'all'`` (``include_torgb=True``)."""
        torgb = 'all' if include_torgb else torgb
        if torgb not in TORGB_CHOICES:
            raise ConfigError(f"torgb='{torgb}' is not one of "
                              f'{TORGB_CHOICES}')
        chosen = range(self.num_ws) if layers is None else list(layers)
        bad = [i for i in chosen if not 0 <= int(i) < self.num_ws]
        if bad:
            raise ConfigError(f'layers {bad} out of range: this generator '
                              f'has ws indices 0..{self.num_ws - 1}')
        rgb = {'none': set(), 'first': {1}, 'last': {self.num_ws - 1},
               'all': set(range(self.num_ws))}[torgb]
        chosen = set(map(int, chosen))
        mats = [a.effective_weight() for i, kind, a in self.layer_affines()
                if i in chosen and (kind == 'conv' or i in rgb)]
        if not mats:
            raise ConfigError(f'layers={sorted(chosen)} select no conv layer '
                              '(the last index feeds toRGB only); pass '
                              'include_torgb=True or other layers')
        return torch.cat(mats, 0)
