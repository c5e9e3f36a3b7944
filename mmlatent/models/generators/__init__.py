from .base import BaseGenerator, VectorInputGenerator
from .codes import CodeSpec
from .dcgan import DCGANGenerator, WGANGPGenerator
from .stylegan2 import StyleGAN2Generator

__all__ = ['BaseGenerator', 'VectorInputGenerator', 'CodeSpec',
           'DCGANGenerator', 'WGANGPGenerator', 'StyleGAN2Generator']
