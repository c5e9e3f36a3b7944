from .base import BaseGenerator, VectorInputGenerator
from .codes import CodeSpec
from .dcgan import DCGANGenerator, WGANGPGenerator

__all__ = ['BaseGenerator', 'VectorInputGenerator', 'CodeSpec',
           'DCGANGenerator', 'WGANGPGenerator']
