"""Validity of generated Shapes images, printed at the end of training."""
import json
import os.path as osp
from typing import Optional

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from ..registry import HOOKS
from ..utils.model import unwrap
from .sample_grid import pick_generator


@torch.no_grad()
def generated_validity(G, num_samples: int, *, batch_size: int = 250,
                       seed: int = 0) -> float:
    """Fraction of ``num_samples`` images of ``G`` (eval mode) that pass
    ``measure_factors``' validity check (exactly one plausible shape)."""
    from ..datasets.measure import measure_factors
    gen = torch.Generator(device=G.device).manual_seed(seed)
    was_training = G.training
    G.eval()
    valid = 0
    try:
        for start in range(0, num_samples, batch_size):
            n = min(batch_size, num_samples - start)
            img = G(G.sample_z(n, gen), G.sample_c(n, gen))
            valid += int(measure_factors(img.cpu())['valid'].sum())
    finally:
        G.train(was_training)
    return valid / num_samples


@HOOKS.register_module()
class ShapesValidityHook(Hook):
    """At the end of training (and every ``interval`` iterations if set),
    logs the share of generated images that pass the Shapes validity check
    and writes it to ``<work_dir>/validity.json``."""
    priority = 'LOW'

    def __init__(self, num_samples: int = 1000, interval: Optional[int] = None,
                 sample_model: str = 'auto', seed: int = 0):
        self.num_samples, self.interval = num_samples, interval
        self.sample_model, self.seed = sample_model, seed

    def _report(self, runner) -> None:
        if not is_main_process():
            return
        G, name = pick_generator(unwrap(runner.model), self.sample_model)
        rate = generated_validity(G, self.num_samples, seed=self.seed)
        runner.logger.info(
            f'Shapes validity: {rate:.1%} of {self.num_samples} samples of '
            f'the {name} generator pass measure_factors (iteration '
            f'{runner.iter})')
        runner.message_hub.update_scalar('train/validity', rate)
        with open(osp.join(runner.work_dir, 'validity.json'), 'w') as f:
            json.dump(dict(validity=rate, num_samples=self.num_samples,
                           generator=name, iter=runner.iter), f)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self.interval and self.every_n_train_iters(runner, self.interval):
            self._report(runner)

    def after_train(self, runner) -> None:
        self._report(runner)
