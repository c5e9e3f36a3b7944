from .dcgan import DCGANDiscriminator, WGANGPCritic
from .infogan import InfoGANDiscriminator
from .q_heads import HarmonicsCatHead, ImageCatHead, PoseJitterCatHead
from .stylegan2 import StyleGAN2Discriminator

__all__ = ['DCGANDiscriminator', 'InfoGANDiscriminator', 'WGANGPCritic',
           'StyleGAN2Discriminator', 'ImageCatHead', 'PoseJitterCatHead',
           'HarmonicsCatHead']
