"""The ``val_evaluator`` of generative models: mmengine's Evaluator holding
:class:`~mmlatent.evaluation.metric.GenerativeMetric` objects, driven by
:class:`~mmlatent.engine.val_loop.GenerativeValLoop` through
:func:`~mmlatent.evaluation.evaluator.evaluate_generator` (the one driver
of metrics, also used by ``tools/evaluate.py``)."""
from typing import Dict, Iterable, List, Optional, Union

from mmengine.evaluator import Evaluator
from torch import nn

from ..registry import EVALUATOR
from ..utils.errors import ConfigError
from .evaluator import build_metric, check_unique_keys, evaluate_generator

LOOP_HINT = ("val_cfg = dict(type='GenerativeValLoop') runs it (the "
             'LatentRunner sets it when val_cfg has no type)')


@EVALUATOR.register_module()
class GenerativeEvaluator(Evaluator):
    """Generative metrics evaluated together on the same generated images.

    Args:
        metrics: metric configs (``METRICS``) or objects, e.g.
            ``[dict(type='ShapesValidity'), dict(type='ShapesFidelity')]``.

    Real-image statistics are kept between evaluations (``keep_real``),
    so a run processes its real images once. A missing feature network
    fails when the evaluator is built, before the first iteration.
    """

    def __init__(self, metrics: Union[dict, List]):
        super().__init__([])
        if isinstance(metrics, dict):
            metrics = [metrics]
        if not metrics:
            raise ConfigError('val_evaluator needs at least one metric, e.g. '
                              "metrics=[dict(type='ShapesValidity')]")
        self.metrics = [build_metric(m) for m in metrics]
        check_unique_keys(self.metrics)
        for m in self.metrics:  # a missing feature network fails now
            getattr(m, 'extractor', None)

    @property
    def rules(self) -> Dict[str, str]:
        """``{output name: 'less' | 'greater'}`` of all metrics."""
        return {k: r for m in self.metrics for k, r in m.rules.items()}

    @property
    def needs_real(self) -> bool:
        return any(m.needs_real for m in self.metrics)

    def evaluate_generator(self, G: nn.Module, *,
                           real: Optional[Iterable] = None,
                           num_samples: int, batch_size: int, seed: int,
                           keep_real: bool = False) -> Dict[str, float]:
        """:func:`evaluate_generator` of ``G`` with these metrics and the
        dataset's metainfo (``dataset_meta``, set by the loop)."""
        return evaluate_generator(
            G, self.metrics, real=real, num_samples=num_samples,
            batch_size=batch_size, seed=seed, dataset_meta=self.dataset_meta,
            keep_real=keep_real)

    def reference(self) -> Dict[str, float]:
        """Figures of the real images (no better-is rule), e.g.
        ``real_shape_fit``, from the last evaluation."""
        out = {}
        for m in self.metrics:
            out.update(m.reference())
        return out

    def reports(self, results: Dict[str, float]) -> List[str]:
        """The metrics' human-readable summary lines of ``results``."""
        lines = [m.report(results) for m in self.metrics]
        return [line for line in lines if line]

    def process(self, data_samples, data_batch=None):
        raise ConfigError(f'GenerativeEvaluator draws its own samples; '
                          f'{LOOP_HINT}')

    def evaluate(self, size: int) -> dict:
        raise ConfigError(f'GenerativeEvaluator draws its own samples; '
                          f'{LOOP_HINT}')


def generative_evaluator_cfg(evaluator) -> Union[dict, Evaluator]:
    """``val_evaluator`` as a GenerativeEvaluator config: a metric list or a
    ``dict(metrics=...)`` without type becomes one (as mmagic turns them
    into its GenEvaluator); built evaluators and typed dicts stay."""
    if isinstance(evaluator, (list, tuple)):
        return dict(type='GenerativeEvaluator', metrics=list(evaluator))
    if isinstance(evaluator, dict) and 'type' not in evaluator:
        return dict(evaluator, type='GenerativeEvaluator')
    if isinstance(evaluator, dict) and 'metrics' not in evaluator:
        return dict(type='GenerativeEvaluator', metrics=[evaluator])
    return evaluator
