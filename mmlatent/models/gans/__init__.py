from .conditional import ConditionalGAN
from .infogan import InfoGAN
from .wgan_gp import WGANGP

__all__ = ['ConditionalGAN', 'InfoGAN', 'WGANGP']
