from .dcgan import DCGANDiscriminator, InfoGANDiscriminator, WGANGPCritic
from .stylegan2 import StyleGAN2Discriminator

__all__ = ['DCGANDiscriminator', 'InfoGANDiscriminator', 'WGANGPCritic',
           'StyleGAN2Discriminator']
