from .checkpoint_hook import AtomicCheckpointHook
from .hooks import IterationSeedHook, iteration_seed
from .logger_hook import EarlyLoggerHook
from .loops import LatentTrainLoop
from .optim import GANOptimWrapperConstructor
from .phase_scheduler import PhaseLinearLR
from .progress import ProgressBarHook
from .runner import LatentRunner
from .self_sync import SelfSyncWrapper, SyncedOptimWrapper
from .val_loop import GenerativeValLoop

__all__ = ['AtomicCheckpointHook', 'EarlyLoggerHook', 'IterationSeedHook',
           'iteration_seed', 'GANOptimWrapperConstructor', 'GenerativeValLoop',
           'LatentRunner', 'LatentTrainLoop', 'PhaseLinearLR',
           'ProgressBarHook', 'SelfSyncWrapper', 'SyncedOptimWrapper']
