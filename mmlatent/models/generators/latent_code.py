"""A generator in two stages: a mapping MLP from ``z`` to the code ``w``
of an autoencoder, and the autoencoder's decoder (a DCGAN generator or
StyleGAN2's synthesis network) from ``w`` to the image (the l-GAN of
Achlioptas et al. 2018)."""
from typing import Optional, Sequence

import torch
from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ConfigError
from ..layers import code_mlp
from .base import BaseGenerator, one_w

#: the decoders, each with the name of its input-size argument
DECODERS = {'DCGANGenerator': 'z_dim', 'StyleGAN2Decoder': 'code_dim'}


def build_decoder(options: Optional[dict], resolution: int, code_dim: int,
                  out_channels: int) -> nn.Module:
    """The decoder of ``options`` (``type`` one of :data:`DECODERS`,
    DCGANGenerator by default) from ``code_dim`` numbers to images; its
    input size, resolution and channels are the generator's."""
    dec = dict(options or {})
    kind = dec.pop('type', 'DCGANGenerator')
    if kind not in DECODERS:
        raise ConfigError(f"decoder.type='{kind}' is not one of "
                          f'{tuple(DECODERS)}')
    size = DECODERS[kind]
    for key in (size, 'resolution', 'out_channels'):
        if key in dec:
            raise ConfigError(
                f"decoder.{key} is set by LatentCodeGenerator (use its "
                f"code_dim / resolution / out_channels); drop '{key}'")
    return MODELS.build(dict(type=kind, resolution=resolution,
                             out_channels=out_channels, **{size: code_dim},
                             **dec))


@MODELS.register_module()
class LatentCodeGenerator(BaseGenerator):
    """``z`` [n, z_dim] -> ``mapping_net`` (MLP) -> ``w`` [n, code_dim], the
    code of an autoencoder -> ``decoder`` (a DCGAN generator whose input
    is ``w``, or a :class:`StyleGAN2Decoder`) -> image.

    ``w`` is a learned space (the autoencoder's code space), but one ``w``
    per image with no per-layer styles, so the latent tools treat this
    generator as a vector-input one (``has_w_space`` False: no W+, no
    truncation); ``mapping`` returns ``ws`` [n, 1, code_dim] and
    ``synthesis`` decodes it.  ``w`` is the autoencoder's code
    standardised by the buffers ``w_mean`` and ``w_std`` (set from the
    encoder's codes while the autoencoder trains), so it has about unit
    scale in every direction: the decoder sees ``w_mean + w_std * w``.

    Args:
        resolution, out_channels: image size and channels.
        z_dim: size of the noise ``z``.
        code_dim: size of the autoencoder's code ``w`` (``w_dim``).
        prior: ``normal`` or ``uniform`` prior of ``z``.
        mapping_width, mapping_depth: the mapping MLP's hidden width and
            number of linear layers.
        decoder: options of the decoder: ``type`` ``DCGANGenerator``
            (default; ``base_channels``, ``norm``, ...) or
            ``StyleGAN2Decoder`` (``w_dim``, ``channel_max``, ...); its
            input size is ``code_dim``, its resolution and channels the
            generator's.
        cat_dims, con_dim: layout of a condition ``c`` (e.g. the class
            one-hot of a conditional l-GAN), fed to the mapping with ``z``.
        c_bank: training conditions kept for ``sample_c`` (e.g. the text
            embeddings of a text l-GAN's captions); 0 for none.
    """

    w_meaning = "the autoencoder's code w = mapping(z, c)"

    def __init__(self, resolution: int = 32, z_dim: int = 64,
                 code_dim: int = 16, out_channels: int = 3,
                 prior: str = 'normal', mapping_width: int = 256,
                 mapping_depth: int = 4, decoder: Optional[dict] = None,
                 cat_dims: Sequence[int] = (), con_dim: int = 0,
                 c_bank: int = 0):
        super().__init__(z_dim, code_dim, 1, resolution=resolution,
                         out_channels=out_channels, prior=prior,
                         cat_dims=cat_dims, con_dim=con_dim, c_bank=c_bank)
        self.mapping_net = code_mlp(z_dim + self.c_dim, code_dim,
                                    mapping_width, mapping_depth)
        self.decoder = build_decoder(decoder, resolution, code_dim,
                                     out_channels)
        self.register_buffer('w_mean', torch.zeros(code_dim))
        self.register_buffer('w_std', torch.ones(code_dim))

    def mapping(self, z: Tensor, c: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """``ws`` [n, 1, code_dim] = ``mapping_net([z | c])``."""
        return self.mapping_net(self.z_and_c(z, c, kwargs))[:, None]

    def synthesis(self, ws: Tensor, **kwargs) -> Tensor:
        """``img`` [n, C, H, W] in [-1, 1]: the decoder of the codes
        ``w_mean + w_std * ws``, ``ws`` [n, 1, code_dim] or [n, code_dim]."""
        if kwargs:
            raise ConfigError(f'{type(self).__name__}.synthesis takes no '
                              f'options, got {sorted(kwargs)}')
        w = one_w(ws, self.w_dim, type(self).__name__)
        return self.decoder(self.w_mean + self.w_std * w)

    def standardise(self, code: Tensor) -> Tensor:
        """``w`` of the encoder's raw codes [n, code_dim]."""
        return (code - self.w_mean) / self.w_std

    def direction_weights(self, layers: Optional[Sequence[int]] = None
                          ) -> Tensor:
        """The linear map from ``w`` to the decoder's first features (the
        decoder's ``direction_weights`` times ``w_std``: [C*4*4, code_dim]
        for a DCGAN decoder, [hidden, code_dim] for a StyleGAN2 one), which
        SeFa factorises."""
        return self.decoder.direction_weights(layers) * self.w_std
