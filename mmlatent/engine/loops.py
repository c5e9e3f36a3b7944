"""An iteration-based training loop whose resume skips data cheaply."""
import itertools
import logging
from typing import Optional

from mmengine.dataset import InfiniteSampler
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator

from ..registry import LOOPS


def skip_sampler(dataloader, num_batches: int) -> bool:
    """Restart an InfiniteSampler's index stream and drop the indices of
    the first ``num_batches`` batches without loading their data. Returns
    False (nothing done) for any other sampler or a custom batch sampler."""
    sampler = getattr(dataloader, 'sampler', None)
    batch_size = getattr(dataloader, 'batch_size', None)
    if not isinstance(sampler, InfiniteSampler) or not batch_size:
        return False
    sampler.indices = sampler._indices_of_rank()  # the stream from its start
    skipped = itertools.islice(sampler.indices, num_batches * batch_size)
    for _ in skipped:
        pass
    return True


@LOOPS.register_module()
class LatentTrainLoop(IterBasedTrainLoop):
    """mmengine's IterBasedTrainLoop, but a resume at iteration ``i``
    skips the first ``i`` batches by advancing the InfiniteSampler's index
    stream (milliseconds) instead of loading and dropping ``i`` batches
    (minutes for procedurally rendered data). The batches that follow are
    the same, so a resumed run still reproduces an uninterrupted one.
    Other samplers fall back to mmengine's way.

    ``val_interval`` (iterations between evaluations of the ``val_cfg``
    loop) defaults to None: evaluate once, at the end of training.
    """

    def __init__(self, runner, dataloader, max_iters: int,
                 val_begin: int = 1, val_interval: Optional[int] = None,
                 dynamic_intervals=None):
        super().__init__(runner, dataloader, max_iters, val_begin=val_begin,
                         val_interval=val_interval or max_iters,
                         dynamic_intervals=dynamic_intervals)

    def run(self):
        if self._iter == 0 or not skip_sampler(self.dataloader, self._iter):
            return super().run()
        # mmengine's run() without its loading advance
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        print_log(f'Resuming at iteration {self._iter}: skipped the sampler '
                  'indices of the batches already trained without loading '
                  'them', logger='current', level=logging.INFO)
        # a fresh iterator: workers may have prefetched the old stream
        self.dataloader_iterator = _InfiniteDataloaderIterator(
            self.dataloader)
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            self.run_iter(next(self.dataloader_iterator))
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._iter >= self.val_begin
                    and (self._iter % self.val_interval == 0
                         or self._iter == self._max_iters)):
                self.runner.val_loop.run()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model
