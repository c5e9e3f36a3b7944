"""Validity (and, optionally, fidelity) of generated Shapes images,
printed at the end of training."""
import json
import os.path as osp
from typing import Dict, Optional

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from ..evaluation import (ShapesFidelity, ShapesValidity, evaluate_generator,
                          real_images)
from ..registry import HOOKS
from ..utils.model import unwrap
from ..models.ema import pick_generator


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


def generated_fidelity(G, dataset, num_samples: int, *, seed: int = 0
                       ) -> Dict[str, float]:
    """Validity and :class:`~mmlatent.evaluation.ShapesFidelity` figures
    (class distance, shape fit, factor KS) of ``num_samples`` images of
    ``G`` against as many images of ``dataset``, and the real images' own
    median shape fit (``real_shape_fit``)."""
    fid = ShapesFidelity()
    out = evaluate_generator(
        G, [ShapesValidity(), fid], real=real_images(dataset, num_samples,
                                                     seed=seed),
        num_samples=num_samples, seed=seed, dataset_meta=dataset.metainfo)
    out['real_shape_fit'] = float(fid.real.get('fit').double().median())
    return out


@HOOKS.register_module()
class ShapesValidityHook(Hook):
    """At the end of training (and every ``interval`` iterations if set),
    logs the share of generated images that pass the Shapes validity check
    and writes it to ``<work_dir>/validity.json``.

    With ``fidelity=True`` it also measures the samples against images of
    the training set (:func:`generated_fidelity`): class histogram
    distance, median shape fit beside the real images' and the largest
    factor KS, logged on one line and added to the JSON file.
    """
    priority = 'LOW'

    def __init__(self, num_samples: int = 1000, interval: Optional[int] = None,
                 sample_model: str = 'ema', seed: int = 0,
                 fidelity: bool = False):
        self.num_samples, self.interval = num_samples, interval
        self.sample_model, self.seed = sample_model, seed
        self.fidelity = fidelity

    def _fidelity(self, runner, G) -> Dict[str, float]:
        dataset = runner.train_dataloader.dataset
        out = generated_fidelity(G, dataset, self.num_samples,
                                 seed=self.seed)
        runner.logger.info(
            f"Shapes fidelity: class distance {out['class_distance']:.3f}, "
            f"shape fit {out['shape_fit']:.3f} (median; real images "
            f"{out['real_shape_fit']:.3f}), 10th percentile "
            f"{out['shape_fit_p10']:.3f}, largest factor KS "
            f"{out['ks_max']:.3f} (iteration {runner.iter})")
        for key in ('class_distance', 'shape_fit', 'ks_max'):
            runner.message_hub.update_scalar(f'train/{key}', out[key])
        return out

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
        record = dict(validity=rate, num_samples=self.num_samples,
                      generator=name, iter=runner.iter)
        if self.fidelity:
            fid = self._fidelity(runner, G)
            record.update({k: v for k, v in fid.items() if k != 'validity'})
        with open(osp.join(runner.work_dir, 'validity.json'), 'w') as f:
            json.dump(record, f)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self.interval and self.every_n_train_iters(runner, self.interval):
            self._report(runner)

    def after_train(self, runner) -> None:
        self._report(runner)
