from . import discriminators, gans, generators, losses
from .base_gan import UnconditionalGAN
from .ema import GeneratorEMA

__all__ = ['discriminators', 'gans', 'generators', 'losses',
           'UnconditionalGAN', 'GeneratorEMA']
