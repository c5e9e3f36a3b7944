"""StyleGAN2 discriminator (residual architecture, Karras et al. 2020)."""
from typing import Optional

from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ConfigError
from ..layers import check_resolution
from ..stylegan2_layers import (EqualConv2d, EqualLinear, MinibatchStd,
                                stylegan2_channels)
from ..winograd import set_winograd

SQRT_HALF = 0.5**0.5


class DiscriminatorBlock(nn.Module):
    """``(conv1(conv0(x)) + skip(x)) / sqrt(2)``: conv0 3x3 in -> in,
    conv1 3x3 in -> out with FIR 2x down-sampling, skip 1x1 down, no bias.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 conv_clamp: Optional[float] = None):
        super().__init__()
        self.conv0 = EqualConv2d(in_channels, in_channels, 3,
                                 activation='lrelu', conv_clamp=conv_clamp)
        self.conv1 = EqualConv2d(in_channels, out_channels, 3, down=True,
                                 activation='lrelu', conv_clamp=conv_clamp)
        self.skip = EqualConv2d(in_channels, out_channels, 1, bias=False,
                                down=True)

    def forward(self, x: Tensor) -> Tensor:
        """[N, in, H, W] -> [N, out, H/2, W/2]."""
        return (self.conv1(self.conv0(x)) + self.skip(x)) * SQRT_HALF


@MODELS.register_module()
class StyleGAN2Discriminator(nn.Module):
    """fromRGB (1x1) at full resolution, one residual block per halving
    down to 4x4, then minibatch std, a 3x3 conv, a hidden fully connected
    layer and the raw score.

    Args:
        resolution: input size, a power of two from 8 to 1024.
        in_channels: image channels.
        channel_base, channel_max: channels ``min(channel_base // res,
            channel_max)`` at feature size ``res`` (as the generator).
        mbstd_group_size: samples per minibatch-std group (0 disables).
        mbstd_num_channels: std feature maps appended (channel groups).
        conv_clamp: clamp the outputs of the fromRGB and 3x3 convolutions
            to +-conv_clamp (NVIDIA's stylegan2-ada configs: 256); None: no
            clamping.
        winograd: run the large 3x3 convolutions by Winograd's algorithm
            on the CPU (:mod:`mmlatent.models.winograd`); False: always
            ``F.conv2d``.
    """

    def __init__(self, resolution: int = 256, in_channels: int = 3,
                 channel_base: int = 32768, channel_max: int = 512,
                 mbstd_group_size: int = 4, mbstd_num_channels: int = 1,
                 conv_clamp: Optional[float] = None, winograd: bool = True):
        super().__init__()
        num_down = check_resolution(resolution)
        ch = [stylegan2_channels(resolution >> i, channel_base, channel_max)
              for i in range(num_down + 1)]
        if mbstd_group_size and ch[-1] % mbstd_num_channels:
            raise ConfigError(
                f'mbstd_num_channels={mbstd_num_channels} must divide the '
                f'{ch[-1]} channels at 4x4')
        self.resolution = resolution
        self.from_rgb = EqualConv2d(in_channels, ch[0], 1,
                                    activation='lrelu', conv_clamp=conv_clamp)
        self.blocks = nn.ModuleList(
            DiscriminatorBlock(c_in, c_out, conv_clamp)
            for c_in, c_out in zip(ch[:-1], ch[1:]))
        extra = mbstd_num_channels if mbstd_group_size else 0
        self.mbstd = MinibatchStd(mbstd_group_size, mbstd_num_channels) \
            if mbstd_group_size else nn.Identity()
        self.conv = EqualConv2d(ch[-1] + extra, ch[-1], 3,
                                activation='lrelu', conv_clamp=conv_clamp)
        self.fc = EqualLinear(ch[-1] * 16, ch[-1], activation='lrelu')
        self.out = EqualLinear(ch[-1], 1)
        set_winograd(self, winograd)

    def forward(self, img: Tensor, c: Optional[Tensor] = None) -> Tensor:
        """Raw score [N] of ``img`` [N, C, res, res] (a logit)."""
        if c is not None and c.numel():
            raise ConfigError('StyleGAN2Discriminator is unconditional; '
                              'it takes no condition c')
        if img.shape[-1] != self.resolution:
            raise ConfigError(f'images are {img.shape[-1]} px, the '
                              f'discriminator expects {self.resolution} px')
        x = self.from_rgb(img)
        for block in self.blocks:
            x = block(x)
        x = self.conv(self.mbstd(x))
        return self.out(self.fc(x.flatten(1))).flatten()
