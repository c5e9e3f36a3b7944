from .hooks import IterationSeedHook, iteration_seed
from .loops import LatentTrainLoop
from .optim import GANOptimWrapperConstructor
from .runner import LatentRunner

__all__ = ['IterationSeedHook', 'iteration_seed',
           'GANOptimWrapperConstructor', 'LatentRunner', 'LatentTrainLoop']
