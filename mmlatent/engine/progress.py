"""A progress bar for training."""
import sys

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from tqdm import tqdm

from ..registry import HOOKS


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """A tqdm bar on stderr over the training iterations, with the rate
    and the time left (``tools/train.py --progress`` adds it). It starts at
    the resumed iteration."""
    priority = 'LOWEST'

    def __init__(self, desc: str = 'training'):
        self.desc, self.bar = desc, None

    def before_train(self, runner) -> None:
        if is_main_process():
            self.bar = tqdm(total=runner.max_iters, initial=runner.iter,
                            desc=self.desc, unit='it', file=sys.stderr,
                            dynamic_ncols=True)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def after_train(self, runner) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
