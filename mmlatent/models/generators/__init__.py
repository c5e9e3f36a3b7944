from .base import BaseGenerator, VectorInputGenerator
from .codes import CodeSpec
from .dcgan import DCGANGenerator, WGANGPGenerator
from .latent_code import LatentCodeGenerator
from .stylegan2 import StyleGAN2Generator
from .stylegan2_decoder import StyleGAN2Decoder

__all__ = ['BaseGenerator', 'VectorInputGenerator', 'CodeSpec',
           'DCGANGenerator', 'WGANGPGenerator', 'LatentCodeGenerator',
           'StyleGAN2Generator', 'StyleGAN2Decoder']
