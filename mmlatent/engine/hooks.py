"""Runner hooks that are part of mmlatent's training engine."""
import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from ..registry import HOOKS


def iteration_seed(seed: int, rank: int, it: int) -> int:
    """A 63-bit seed that depends on (run seed, process rank, iteration)."""
    ss = np.random.SeedSequence([seed & 0xFFFFFFFF, rank, it])
    return int(ss.generate_state(2, np.uint64)[0] >> np.uint64(1))


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Reseeds torch, numpy and Python's RNGs before every training
    iteration from (seed, rank, iteration).

    The random draws of iteration ``i`` then depend only on ``i``, so a
    run resumed from a checkpoint continues exactly as an uninterrupted run
    would, on every process, with no RNG state stored in the checkpoint.
    Each process draws different latents.
    """
    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        s = iteration_seed(runner.seed, get_rank(), runner.iter)
        random.seed(s)
        np.random.seed(s % 2**32)
        torch.manual_seed(s)
