"""DCGAN discriminator and WGAN-GP critic."""
from typing import Optional

import torch
from torch import Tensor, nn

from ...registry import MODELS
from ..gemm_conv import GemmConv2d
from ..layers import apply_spectral_norm, check_condition, \
    check_resolution, dcgan_init, norm_layer, pyramid_channels


@MODELS.register_module()
class DCGANDiscriminator(nn.Module):
    """Stride-2 Conv(4x4) blocks with ``norm`` (none on the first) and
    LeakyReLU(0.2) down to 4x4, then a 4x4 conv to one raw score.

    Args:
        resolution: input size, a power of two from 8 to 1024.
        in_channels: image channels.
        base_channels: width of the first layer, doubling per block up to
            ``max_channels``.
        norm: ``bn``, ``in`` or ``none``.
        c_dim: size of a condition ``c`` given as extra constant input
            channels (conditional GAN); 0 for none.
        spectral_norm: spectral normalisation of every convolution
            (Miyato et al. 2018): D judges each sample on its own (unlike
            ``bn``) and stays Lipschitz, so G does not collapse.
    """

    def __init__(self, resolution: int = 32, in_channels: int = 3,
                 base_channels: int = 64, max_channels: int = 512,
                 norm: str = 'bn', c_dim: int = 0, init_std: float = 0.02,
                 spectral_norm: bool = False):
        super().__init__()
        num_down = check_resolution(resolution)
        ch = [pyramid_channels(base_channels, max_channels, resolution,
                               resolution >> (i + 1)) for i in range(num_down)]
        self.resolution, self.c_dim = resolution, c_dim
        layers = [nn.Conv2d(in_channels + c_dim, ch[0], 4, 2, 1),
                  nn.LeakyReLU(0.2, True)]
        for c_in, c_out in zip(ch[:-1], ch[1:]):
            layers += [GemmConv2d(c_in, c_out, bias=norm == 'none'),
                       norm_layer(norm, c_out), nn.LeakyReLU(0.2, True)]
        self.trunk = nn.Sequential(*layers)
        self.feature_channels = ch[-1]
        self.head = nn.Conv2d(ch[-1], 1, 4, 1, 0)
        dcgan_init(self, init_std)
        if spectral_norm:
            apply_spectral_norm(self)

    def features(self, img: Tensor, c: Optional[Tensor] = None) -> Tensor:
        """Trunk features [n, feature_channels, 4, 4]."""
        if self.c_dim:
            check_condition(c, img.shape[0], self.c_dim, 'the discriminator')
            maps = c[:, :, None, None].expand(-1, -1, *img.shape[2:])
            img = torch.cat([img, maps.to(img)], 1)
        return self.trunk(img)

    def forward(self, img: Tensor, c: Optional[Tensor] = None) -> Tensor:
        """Raw score [n] (a logit, or a critic value for WGAN)."""
        return self.head(self.features(img, c)).flatten()


@MODELS.register_module()
class WGANGPCritic(DCGANDiscriminator):
    """The WGAN-GP tutorial's critic: stride-2 4x4 convs with affine
    InstanceNorm (no batch norm, which would break the per-sample gradient
    penalty) and LeakyReLU(0.2), ending in one score."""

    def __init__(self, resolution: int = 128, in_channels: int = 3,
                 base_channels: int = 64, max_channels: int = 1024,
                 norm: str = 'in', c_dim: int = 0, init_std: float = 0.02):
        super().__init__(resolution, in_channels, base_channels,
                         max_channels, norm, c_dim, init_std)
