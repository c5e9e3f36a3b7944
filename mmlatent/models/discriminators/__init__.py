from .acgan import ACGANDiscriminator
from .dcgan import DCGANDiscriminator, InfoGANDiscriminator, WGANGPCritic
from .stylegan2 import StyleGAN2Discriminator

__all__ = ['ACGANDiscriminator', 'DCGANDiscriminator', 'InfoGANDiscriminator', 'WGANGPCritic',
           'StyleGAN2Discriminator']
