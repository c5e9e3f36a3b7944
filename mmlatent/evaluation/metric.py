"""The streaming interface every generator metric implements.

A metric sees up to three streams, fed batch by batch by
:func:`~mmlatent.evaluation.evaluator.evaluate_generator` (the one place
that drives metrics, used by the validation loop, ``tools/evaluate.py`` and
the benchmarks):

* ``feed_real(img)``: real images [n, C, H, W] in [-1, 1]
  (when ``needs_real``);
* ``feed_fake(img)``: images of the generator from its prior
  (when ``needs_fake``); all such metrics get the same images;
* ``feed_generator(G, n, generator)``: metrics that need the generator
  itself (path length, continuity, disentanglement) draw their own ``n``
  samples with the ``torch.Generator`` they are given.

``summary()`` returns ``{name: float}``; :attr:`rules` tells for each name
whether ``less`` or ``greater`` is better. Real-image state survives
:meth:`reset_fake`, so a hook computes real statistics once.
"""
from typing import Dict, Optional, Tuple

import torch
from torch import Tensor, nn

from ..utils.errors import ConfigError

RULES = ('less', 'greater')


def check_images(img: Tensor, where: str) -> Tensor:
    """``img`` must be a float batch [n, C, H, W]; returned detached (the
    same object when it needs no gradient, so extractors can memoise)."""
    if not torch.is_tensor(img) or img.dim() != 4 or \
            not img.is_floating_point():
        got = tuple(img.shape) if torch.is_tensor(img) else type(img)
        raise ConfigError(f'{where} got images {got}; expected a float '
                          'tensor [N, C, H, W] in [-1, 1]')
    return img.detach() if img.requires_grad else img


def positive_int(name: str, value, allow_none: bool = False):
    """Validate a positive integer option (None allowed if asked)."""
    if value is None and allow_none:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f'{name}={value!r} must be a positive integer')
    return value


class GenerativeMetric:
    """Base class: streaming state, output names and better-is rules.

    Args:
        num_samples: generated samples this metric uses (None: the number
            the caller asks for).
        num_real: real images it uses (None: as many as ``num_samples``).
        prefix: overrides the first part of the output names (e.g. two PPL
            variants in one run).
    """
    needs_real = False
    needs_fake = False
    needs_generator = False

    def __init__(self, num_samples: Optional[int] = None,
                 num_real: Optional[int] = None,
                 prefix: Optional[str] = None):
        self.num_samples = positive_int('num_samples', num_samples, True)
        self.num_real = positive_int('num_real', num_real, True)
        if prefix is not None and (not isinstance(prefix, str) or
                                   not prefix):
            raise ConfigError(f'prefix={prefix!r} must be a non-empty str')
        self.prefix = prefix
        self.real_count = self.fake_count = 0
        self.reset()

    # -- names -------------------------------------------------------------
    @property
    def default_prefix(self) -> str:
        return type(self).__name__.lower()

    @property
    def name(self) -> str:
        """The first part of the output names."""
        return self.prefix or self.default_prefix

    @property
    def rules(self) -> Dict[str, str]:
        """``{output name: 'less' | 'greater'}`` (which way is better)."""
        raise NotImplementedError

    @property
    def keys(self) -> Tuple[str, ...]:
        return tuple(self.rules)

    # -- state ---------------------------------------------------------
    def reset(self) -> None:
        """Forget everything (real and generated)."""
        self.reset_real()
        self.reset_fake()

    def reset_real(self) -> None:
        """Forget the real images (subclasses clear their real state)."""
        self.real_count = 0

    def reset_fake(self) -> None:
        """Forget generated samples; keeps real statistics."""
        self.fake_count = 0

    def prepare(self, G: nn.Module, dataset_meta: Optional[dict] = None
                ) -> None:
        """Called once before samples of ``G`` are fed; ``dataset_meta``
        is the training set's metainfo (classes, scale range) if known."""

    def to(self, device) -> 'GenerativeMetric':
        """Move networks the metric holds to ``device``."""
        return self

    # -- streams ----------------------------------------------------------
    def wants_real(self, default: int) -> int:
        """How many more real images this metric wants."""
        if not self.needs_real:
            return 0
        target = self.num_real or self.num_samples or default
        return max(0, target - self.real_count)

    def wants_fake(self, default: int) -> int:
        """How many more generated samples this metric wants."""
        if not (self.needs_fake or self.needs_generator):
            return 0
        return max(0, (self.num_samples or default) - self.fake_count)

    def feed_real(self, img: Tensor) -> None:
        self.real_count += img.shape[0]
        self.process_real(check_images(img, f'{self.name}.feed_real'))

    def feed_fake(self, img: Tensor) -> None:
        self.fake_count += img.shape[0]
        self.process_fake(check_images(img, f'{self.name}.feed_fake'))

    def feed_generator(self, G: nn.Module, n: int,
                       generator: Optional[torch.Generator] = None) -> None:
        """Draw ``n`` samples of ``G`` (eval mode, no gradients needed)
        and update the state."""
        self.fake_count += n
        self.process_generator(G, n, generator)

    def process_real(self, img: Tensor) -> None:
        raise NotImplementedError

    def process_fake(self, img: Tensor) -> None:
        raise NotImplementedError

    def process_generator(self, G: nn.Module, n: int,
                          generator: Optional[torch.Generator]) -> None:
        raise NotImplementedError

    def summary(self) -> Dict[str, float]:
        raise NotImplementedError

    def reference(self) -> Dict[str, float]:
        """Figures of the real images that put the outputs in context (no
        better-is rule; e.g. ShapesFidelity's ``real_shape_fit``)."""
        return {}

    def report(self, results: Dict[str, float]) -> Optional[str]:
        """A human-readable summary line of this metric's ``results`` (the
        validation loop logs it), or None."""
        return None

    def __repr__(self) -> str:
        return f'{type(self).__name__}({", ".join(self.keys)})'


def check_rule(rule: str) -> str:
    if rule not in RULES:
        raise ConfigError(f"rule='{rule}' is not one of {RULES}")
    return rule
