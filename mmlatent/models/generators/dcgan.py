"""DCGAN generator (Radford et al. 2016) with the latent interface."""
from typing import Optional, Sequence

from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ConfigError
from ..gemm_conv import GemmConvTranspose2d
from ..layers import AddCoords, check_resolution, dcgan_init, norm_layer, \
    output_layer, pyramid_channels
from .base import VectorInputGenerator, one_input_layer

UPSAMPLES = ('deconv', 'nearest')


def up_block(c_in: int, c_out: int, upsample: str, coords: bool,
             bias: bool) -> list:
    """2x upsampling layers: ``deconv`` a ConvTranspose2d(4x4, stride 2;
    its weight gradient by GEMM where that pays, ``gemm_conv``),
    ``nearest`` nearest-neighbour 2x then Conv2d(3x3) (no checkerboard,
    Odena et al. 2016); ``coords`` first appends CoordConv's x, y maps."""
    extra = 2 if coords else 0
    if upsample == 'deconv':
        conv = [GemmConvTranspose2d(c_in + extra, c_out, bias=bias)]
        return ([AddCoords()] if coords else []) + conv
    if upsample == 'nearest':
        conv = [nn.Conv2d(c_in + extra, c_out, 3, 1, 1, bias=bias)]
        return [nn.Upsample(scale_factor=2.0, mode='nearest')] + \
            ([AddCoords()] if coords else []) + conv
    raise ConfigError(f"upsample='{upsample}' is not one of {UPSAMPLES}")


@MODELS.register_module()
class DCGANGenerator(VectorInputGenerator):
    """``w = [z | c]`` (1x1) -> 4x4 -> ... -> ``resolution`` by 2x
    upsampling blocks (stride-2 ConvTranspose2d(4x4) by default) with
    ``norm`` and ReLU, tanh output (or a ReLU clamp to [-1, 1]).

    Args:
        resolution: output size, a power of two from 8 to 1024.
        z_dim: size of the noise ``z``.
        out_channels: image channels (3 RGB, 1 gray).
        base_channels: width of the last hidden layer; widths double
            towards 4x4 up to ``max_channels``.
        norm: ``bn``, ``in`` or ``none`` in the hidden layers.
        prior: ``normal`` or ``uniform`` (U(-1, 1)) prior of ``z``.
        cat_dims, con_dim: layout of the condition ``c`` (see CodeSpec).
        c_bank: keep this many training conditions for ``sample_c``
            (:class:`CodeBank`; the text-conditioned GAN's captions).
        init_std: std of the DCGAN weight initialisation.
        output: ``tanh`` or ``relu_clamp`` (``clamp(x, -1, 1)`` made of
            ReLUs: with ``norm`` bn (eval mode) or none the whole generator
            is then piecewise linear, as GCert's certified generators).
        upsample: ``deconv`` (DCGAN) or ``nearest`` (nearest 2x + 3x3
            conv, no checkerboard artefacts; 2.25x the multiply-adds).
        coords: feed every upsampling block CoordConv's x, y maps, so
            the generator knows where it draws (sharper outlines at the
            right place; see configs/dcgan/README.md).
    """

    def __init__(self, resolution: int = 32, z_dim: int = 100,
                 out_channels: int = 3, base_channels: int = 64,
                 max_channels: int = 512, norm: str = 'bn',
                 prior: str = 'normal', cat_dims: Sequence[int] = (),
                 con_dim: int = 0, init_std: float = 0.02,
                 output: str = 'tanh', upsample: str = 'deconv',
                 coords: bool = False, c_bank: int = 0):
        super().__init__(z_dim, resolution=resolution,
                         out_channels=out_channels, prior=prior,
                         cat_dims=cat_dims, con_dim=con_dim, c_bank=c_bank)
        num_up = check_resolution(resolution)
        ch = [pyramid_channels(base_channels, max_channels, resolution,
                               4 << i) for i in range(num_up)]
        layers = [nn.ConvTranspose2d(self.w_dim, ch[0], 4, 1, 0, bias=False),
                  norm_layer(norm, ch[0]), nn.ReLU(True)]
        for c_in, c_out in zip(ch[:-1], ch[1:]):
            layers += up_block(c_in, c_out, upsample, coords, False) + [
                norm_layer(norm, c_out), nn.ReLU(True)]
        layers += up_block(ch[-1], out_channels, upsample, coords, True) + [
            output_layer(output)]
        self.net = nn.Sequential(*layers)
        dcgan_init(self, init_std)

    def synthesis(self, ws: Tensor, **kwargs) -> Tensor:
        """``img`` [n, C, H, W] in [-1, 1] from ``ws`` [n, 1, w_dim]."""
        if kwargs:
            raise ConfigError(f'{type(self).__name__}.synthesis takes no '
                              f'options, got {sorted(kwargs)}')
        w = self.to_w(ws)
        return self.net(w[:, :, None, None])

    def direction_weights(self, layers: Optional[Sequence[int]] = None
                          ) -> Tensor:
        """The first ConvTranspose2d weight as [C*4*4, w_dim]: the linear map
        from ``w`` to the 4x4 features, which SeFa factorises."""
        one_input_layer(layers, type(self).__name__)
        weight = self.net[0].weight  # [w_dim, C, 4, 4]
        return weight.flatten(1).t()


@MODELS.register_module()
class WGANGPGenerator(DCGANGenerator):
    """The generator of the WGAN-GP tutorial: ConvTranspose2d blocks with
    BatchNorm and ReLU from a 200-d noise up to 128 px."""

    def __init__(self, resolution: int = 128, z_dim: int = 200,
                 out_channels: int = 3, base_channels: int = 64,
                 max_channels: int = 1024, norm: str = 'bn',
                 prior: str = 'normal', cat_dims: Sequence[int] = (),
                 con_dim: int = 0, init_std: float = 0.02,
                 output: str = 'tanh'):
        super().__init__(resolution, z_dim, out_channels, base_channels,
                         max_channels, norm, prior, cat_dims, con_dim,
                         init_std, output)
