"""Shapes validity: the share of generated images in which
:func:`~mmlatent.datasets.measure.measure_factors` finds exactly one
plausible shape (higher is better)."""
from typing import Dict, Optional

from torch import Tensor, nn

from ..datasets.measure import measure_factors
from ..registry import METRICS
from ..utils.errors import ConfigError
from .metric import GenerativeMetric


def measure_options(measure: Optional[dict],
                    dataset_meta: Optional[dict]) -> dict:
    """Options of ``measure_factors``: ``classes`` and ``scale_range`` from
    the dataset's metainfo unless ``measure`` sets them."""
    opts = dict(measure or {})
    meta = dataset_meta or {}
    for key in ('classes', 'scale_range'):
        if key not in opts and meta.get(key):
            opts[key] = tuple(meta[key])
    return opts


def check_measure(measure: Optional[dict]) -> Optional[dict]:
    import inspect
    if measure is None:
        return None
    if not isinstance(measure, dict):
        raise ConfigError(f'measure={measure!r} must be a dict of '
                          'measure_factors options')
    allowed = set(inspect.signature(measure_factors).parameters) - {
        'images'}
    bad = sorted(set(measure) - allowed)
    if bad:
        raise ConfigError(f"unknown measure option '{bad[0]}'; valid: "
                          f"{', '.join(sorted(allowed))}")
    return dict(measure)


@METRICS.register_module()
class ShapesValidity(GenerativeMetric):
    """``validity``: fraction of valid generated Shapes images.

    Args:
        measure: ``measure_factors`` options (default: the classes and
            scale range of the training set when known).
        num_samples, prefix: see GenerativeMetric.
    """
    needs_fake = True

    def __init__(self, measure: Optional[dict] = None,
                 num_samples: Optional[int] = None,
                 prefix: Optional[str] = None):
        super().__init__(num_samples=num_samples, prefix=prefix)
        self.measure = check_measure(measure)
        self.options = dict(self.measure or {})

    @property
    def default_prefix(self) -> str:
        return 'validity'

    @property
    def rules(self) -> Dict[str, str]:
        return {self.name: 'greater'}

    def prepare(self, G: nn.Module, dataset_meta=None) -> None:
        self.options = measure_options(self.measure, dataset_meta)

    def reset_fake(self) -> None:
        super().reset_fake()
        self.valid = self.seen = 0

    def process_fake(self, img: Tensor) -> None:
        self.valid += int(measure_factors(img.cpu(), **self.options)[
            'valid'].sum())
        self.seen += img.shape[0]

    def summary(self) -> Dict[str, float]:
        if not self.seen:
            raise ConfigError('the validity metric got no samples')
        return {self.name: self.valid / self.seen}

    def report(self, results: Dict[str, float]) -> str:
        return (f'Shapes validity: {results[self.name]:.1%} of {self.seen} '
                'samples pass measure_factors')
