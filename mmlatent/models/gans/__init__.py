from .conditional import ConditionalGAN
from .infogan import InfoGAN
from .latent_gan import LatentGAN
from .stylegan2 import StyleGAN2
from .text_conditional import TextConditionalGAN
from .text_latent_gan import TextLatentGAN
from .wgan_gp import WGANGP

__all__ = ['ConditionalGAN', 'InfoGAN', 'LatentGAN', 'StyleGAN2',
           'TextConditionalGAN', 'TextLatentGAN', 'WGANGP']
