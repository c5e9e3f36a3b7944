"""Metrics computed during training, with the best checkpoint kept."""
import json
import math
import os
import os.path as osp
from typing import List, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from ..registry import HOOKS
from ..utils.errors import ConfigError
from ..utils.model import unwrap
from ..models.ema import check_sample_model, pick_generator


@HOOKS.register_module()
class GenerativeEvalHook(Hook):
    """Every ``interval`` iterations and at the end of training, evaluates
    the generator with ``metrics`` against real images of the training set,
    logs the figures (``eval/<name>`` scalars and a log line), writes
    ``<work_dir>/<out_dir>/iter_<k>.json`` and, with ``save_best``, keeps
    ``<work_dir>/best_<save_best>.pth`` of the best value so far.

    Args:
        metrics: metric configs (``METRICS``), e.g.
            ``[dict(type='FrechetDistance'), dict(type='ShapesValidity')]``.
        interval: iterations between evaluations.
        num_samples: generated samples (and real images) per metric.
        batch_size: samples per generator call.
        save_best: an output name (e.g. ``'fid'``, ``'validity'``) or None.
        rule: ``'less'`` / ``'greater'`` is better; None: the metric's own.
        sample_model: ``ema`` (EMA once averaged, else the original) or
            ``orig``.
        seed: seed of the generated samples and of the real subset (the
            same at every evaluation, so figures are comparable).
        out_dir: folder of the JSON files, relative to the work dir.

    The real images (a fixed random subset of the training set) are
    processed once and their statistics reused. The best value survives
    ``--resume`` through the message hub (``eval_best_<name>``).
    """
    priority = 'LOW'

    def __init__(self, metrics: List[dict], interval: int = 1000,
                 num_samples: int = 1000, batch_size: int = 100,
                 save_best: Optional[str] = None, rule: Optional[str] = None,
                 sample_model: str = 'ema', seed: int = 0,
                 out_dir: str = 'eval'):
        from ..evaluation.evaluator import build_metric, check_unique_keys
        from ..evaluation.metric import check_rule
        if not metrics:
            raise ConfigError('GenerativeEvalHook needs at least one metric')
        if not isinstance(interval, int) or interval < 1:
            raise ConfigError(f'interval={interval!r} must be a positive '
                              'integer')
        check_sample_model(sample_model)
        self.metrics = [build_metric(m) for m in metrics]
        check_unique_keys(self.metrics)
        for m in self.metrics:      # a missing feature network fails now
            getattr(m, 'extractor', None)
        self.rules = {k: r for m in self.metrics for k, r in m.rules.items()}
        if save_best is not None and save_best not in self.rules:
            raise ConfigError(f"save_best='{save_best}' is not an output of "
                              f"the metrics; choose from "
                              f"{', '.join(self.rules)}")
        self.rule = check_rule(rule) if rule is not None else \
            self.rules.get(save_best)
        self.interval, self.num_samples = interval, num_samples
        self.batch_size, self.save_best = batch_size, save_best
        self.sample_model, self.seed, self.out_dir = (sample_model, seed,
                                                      out_dir)
        self._last_iter = None
        self._has_real = False

    # -- evaluation -------------------------------------------------------
    def _real(self, runner):
        from ..evaluation.evaluator import real_images
        if self._has_real or not any(m.needs_real for m in self.metrics):
            return None
        dataset = runner.train_dataloader.dataset
        return real_images(dataset, self.num_samples,
                           batch_size=self.batch_size, seed=self.seed)

    def evaluate(self, runner, it: int) -> dict:
        """Compute, log, write and (maybe) keep the best checkpoint;
        ``it`` is the number of completed iterations."""
        from ..evaluation.evaluator import evaluate_generator, jsonable
        G, name = pick_generator(unwrap(runner.model), self.sample_model)
        meta = getattr(runner.train_dataloader.dataset, 'metainfo', None)
        results = evaluate_generator(
            G, self.metrics, real=self._real(runner),
            num_samples=self.num_samples, batch_size=self.batch_size,
            seed=self.seed, dataset_meta=meta, keep_real=self._has_real)
        self._has_real = True
        for key, value in results.items():
            runner.message_hub.update_scalar(f'eval/{key}', value)
        text = ', '.join(f'{k}: {v:.4g}' for k, v in results.items())
        runner.logger.info(f'Evaluation at iteration {it} ({name} '
                           f'generator, {self.num_samples} samples): {text}')
        folder = osp.join(runner.work_dir, self.out_dir)
        os.makedirs(folder, exist_ok=True)
        with open(osp.join(folder, f'iter_{it}.json'), 'w') as f:
            json.dump(dict(iter=it, generator=name,
                           num_samples=self.num_samples,
                           metrics=jsonable(results)), f, indent=1)
        self._keep_best(runner, results, it)
        return results

    def _improved(self, value: float, best: Optional[float]) -> bool:
        if value is None or math.isnan(value):
            return False
        if best is None:
            return True
        return value < best if self.rule == 'less' else value > best

    def _keep_best(self, runner, results: dict, it: int) -> None:
        if self.save_best is None:
            return
        key = f'eval_best_{self.save_best}'
        best = runner.message_hub.get_info(key)
        value = results[self.save_best]
        if not self._improved(value, best):
            return
        runner.message_hub.update_info(key, float(value))
        runner.message_hub.update_info(f'{key}_iter', it)
        filename = f'best_{self.save_best}.pth'
        runner.save_checkpoint(
            runner.work_dir, filename, save_optimizer=False,
            save_param_scheduler=False, by_epoch=False,
            meta=dict(iter=it, best_metric=self.save_best,
                      best_score=float(value)))
        runner.logger.info(f'{self.save_best} improved to {value:.4g}: '
                           f'saved {filename}')

    # -- runner events ------------------------------------------------------
    def _run(self, runner, it: int) -> None:
        if not is_main_process() or self._last_iter == it:
            return
        self._last_iter = it
        self.evaluate(runner, it)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        # runner.iter counts the iterations before this one
        if self.every_n_train_iters(runner, self.interval):
            self._run(runner, runner.iter + 1)

    def after_train(self, runner) -> None:
        self._run(runner, runner.iter)
