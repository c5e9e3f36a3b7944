from .base import BaseGenerator, VectorInputGenerator
from .codes import CodeSpec
from .dcgan import DCGANGenerator, WGANGPGenerator
from .latent_code import LatentCodeGenerator
from .stylegan2 import StyleGAN2Generator

__all__ = ['BaseGenerator', 'VectorInputGenerator', 'CodeSpec',
           'DCGANGenerator', 'WGANGPGenerator', 'LatentCodeGenerator',
           'StyleGAN2Generator']
