from .acgan import ACGANDiscriminator
from .code import CodeDiscriminator
from .dcgan import DCGANDiscriminator, WGANGPCritic
from .dcgan_mbstd import DCGANMbstdDiscriminator
from .infogan import InfoGANDiscriminator
from .q_heads import HarmonicsCatHead, ImageCatHead, PoseJitterCatHead
from .stylegan2 import StyleGAN2Discriminator
from .text_matching import TextMatchingDiscriminator

__all__ = ['ACGANDiscriminator', 'CodeDiscriminator', 'DCGANDiscriminator',
           'DCGANMbstdDiscriminator', 'InfoGANDiscriminator', 'WGANGPCritic',
           'StyleGAN2Discriminator', 'TextMatchingDiscriminator',
           'ImageCatHead', 'PoseJitterCatHead',
           'HarmonicsCatHead']
