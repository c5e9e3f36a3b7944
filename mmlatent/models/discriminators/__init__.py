from .acgan import ACGANDiscriminator
from .dcgan import DCGANDiscriminator, InfoGANDiscriminator, WGANGPCritic
from .dcgan_mbstd import DCGANMbstdDiscriminator
from .stylegan2 import StyleGAN2Discriminator

__all__ = ['ACGANDiscriminator', 'DCGANDiscriminator',
           'DCGANMbstdDiscriminator', 'InfoGANDiscriminator', 'WGANGPCritic',
           'StyleGAN2Discriminator']
