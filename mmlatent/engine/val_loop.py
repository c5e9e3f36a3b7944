"""The generative validation loop (``val_cfg``): evaluates the generator
with the ``val_evaluator``'s metrics against real images of
``val_dataloader``'s dataset, as mmagic's GenValLoop does."""
import json
import os.path as osp
from typing import Dict, Optional

from mmengine.dist import broadcast_object_list, get_world_size, \
    is_main_process
from mmengine.runner import BaseLoop
from torch.utils.data import DataLoader

from ..evaluation.evaluator import jsonable, real_subset
from ..evaluation.gen_evaluator import (GenerativeEvaluator,
                                        generative_evaluator_cfg)
from ..evaluation.metric import positive_int
from ..models.ema import pick_generator
from ..models.sample_model import check_sample_model
from ..registry import LOOPS
from ..utils.checkpoint import atomic_write_bytes
from ..utils.errors import ConfigError
from ..utils.rng import preserved_rng


def check_out_json(out_json: Optional[str]) -> Optional[str]:
    """``out_json`` must be None or a path that may hold ``{iter}``."""
    if out_json is None:
        return None
    try:
        out_json.format(iter=0)
    except (AttributeError, IndexError, KeyError, ValueError) as e:
        raise ConfigError(
            f'out_json={out_json!r} must be a path relative to the work '
            "dir, with {iter} as its only field, e.g. "
            "'eval/iter_{iter}.json'") from e
    return out_json


@LOOPS.register_module()
class GenerativeValLoop(BaseLoop):
    """Evaluates the generator (``evaluate_generator``: one RNG per metric,
    the same generated images and features shared by all metrics).

    Args:
        runner, dataloader, evaluator: given by the runner (``val_dataloader``
            and ``val_evaluator``; a metric list becomes a
            :class:`GenerativeEvaluator`).
        num_samples: generated samples (and real images) per metric.
        batch_size: samples per generator call and real images per batch.
        seed: seed of the generated samples and of the real subset (the same
            at every evaluation, so figures are comparable).
        sample_model: ``ema`` (the EMA generator once it holds averaged
            weights, else the original) or ``orig``.
        out_json: the JSON file of each evaluation, relative to the work dir
            (``{iter}`` is replaced), or None.

    The real images are a fixed subset of ``num_samples`` items of the
    dataset, processed once per run. Global RNG states are restored after
    each evaluation, so training draws the same numbers with or without
    it. In a multi-process run the evaluation is computed on rank 0 and
    its figures are broadcast to every rank (the metrics keep statistics
    of the whole sample, which are not split across processes), so the
    hooks of every rank (e.g. ``CheckpointHook(save_best=...)``) see the
    same figures.
    """

    def __init__(self, runner, dataloader, evaluator, *,
                 num_samples: int = 1000, batch_size: int = 100,
                 seed: int = 0, sample_model: str = 'ema',
                 out_json: Optional[str] = 'eval/iter_{iter}.json'):
        super().__init__(runner, dataloader)
        self.num_samples = positive_int('num_samples', num_samples)
        self.batch_size = positive_int('batch_size', batch_size)
        self.seed = seed
        self.sample_model = check_sample_model(sample_model)
        self.out_json = check_out_json(out_json)
        self.evaluator = runner.build_evaluator(
            generative_evaluator_cfg(evaluator))
        if not isinstance(self.evaluator, GenerativeEvaluator):
            raise ConfigError(
                f'GenerativeValLoop needs generative metrics; val_evaluator '
                f'built a {type(self.evaluator).__name__}; give a list of '
                "metrics, e.g. [dict(type='ShapesValidity')]")
        self.dataset = self.dataloader.dataset
        self.evaluator.dataset_meta = getattr(self.dataset, 'metainfo', None)
        self.dataloader = self._real_loader(self.dataloader)
        self._has_real = False

    def _real_loader(self, loader) -> DataLoader:
        """Batches of the fixed real subset (in the order of
        ``real_images``), with the given loader's workers and collate."""
        idx = real_subset(len(self.dataset), self.num_samples, self.seed)
        return DataLoader(self.dataset, batch_size=self.batch_size,
                          sampler=idx, num_workers=loader.num_workers,
                          collate_fn=loader.collate_fn)

    def run(self) -> Dict[str, float]:
        """Evaluate; the figures go to ``after_val_epoch`` hooks (log,
        ``val/<name>`` scalars, best checkpoint) and are returned."""
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        with preserved_rng():
            figures = [self._evaluate() if is_main_process() else None]
        broadcast_object_list(figures)
        self.runner.call_hook('after_val_epoch', metrics=figures[0])
        self.runner.call_hook('after_val')
        return figures[0]

    def _evaluate(self) -> Dict[str, float]:
        """Compute, log and write the figures (rank 0)."""
        runner, it = self.runner, self.runner.iter
        G, name = pick_generator(runner.model, self.sample_model)
        keep_real = self._has_real or not self.evaluator.needs_real
        results = self.evaluator.evaluate_generator(
            G, real=None if keep_real else self.dataloader,
            num_samples=self.num_samples, batch_size=self.batch_size,
            seed=self.seed, keep_real=keep_real)
        self._has_real = True
        world = get_world_size()
        where = f', on rank 0 for all {world} processes' if world > 1 else ''
        runner.logger.info(f'Evaluation at iteration {it}: the {name} '
                           f'generator, {self.num_samples} samples, seed '
                           f'{self.seed}{where}')
        for line in self.evaluator.reports(results):
            runner.logger.info(line)
        self._write(dict(iter=it, generator=name,
                         num_samples=self.num_samples, seed=self.seed,
                         **results, **self.evaluator.reference()), it)
        return results

    def _write(self, record: dict, it: int) -> None:
        if self.out_json is None:
            return
        path = osp.join(self.runner.work_dir, self.out_json.format(iter=it))
        atomic_write_bytes(json.dumps(jsonable(record), indent=1).encode(),
                           path)
