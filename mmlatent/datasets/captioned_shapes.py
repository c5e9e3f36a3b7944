"""Shapes images with captions made from their factors."""
from typing import List, Sequence, Tuple

import numpy as np
import torch

from ..registry import DATASETS
from ..utils.errors import ConfigError
from .captions import (TRAIN_TEMPLATES, attribute_values, parse_prompt,
                       random_caption, to_indices)
from .shapes import CACHE_BYTES, SHAPES, ShapesDataset


@DATASETS.register_module()
class CaptionedShapesDataset(ShapesDataset):
    """:class:`ShapesDataset` whose items also carry a caption.

    The caption of item ``i`` is drawn by
    :func:`~mmlatent.datasets.captions.random_caption` from
    ``np.random.default_rng([seed, i, 1])`` (deterministic), with
    ``drop_prob``, ``keyword_prob`` and ``synonym_prob``; sizes are binned
    at the middle of ``scale_range``.

    Items: those of ShapesDataset plus ``caption`` (str), ``values``
    int64 [5] (every attribute's value index, see
    :data:`~mmlatent.datasets.captions.ATTRIBUTES`) and ``named`` int64 [5]
    (the values the caption names, -1 for the others).

    ``exclude``: prompts (e.g. ``['red triangle']``) whose combination of
    values no item has: an item that has every value one of them names is
    drawn again from the item's own random stream, so the other items are
    those of the dataset without ``exclude`` (to test a text GAN on a
    combination it never saw).
    """

    def __init__(self, resolution: int = 32, num_samples: int = 50000,
                 seed: int = 0, shapes: Sequence[str] = SHAPES,
                 scale_range: Tuple[float, float] = (0.25, 0.5),
                 hue_range: Tuple[float, float] = (0.0, 1.0),
                 drop_prob: float = 0.3, keyword_prob: float = 0.3,
                 synonym_prob: float = 0.5,
                 exclude: Sequence[str] = (),
                 cache_bytes: int = CACHE_BYTES) -> None:
        super().__init__(resolution=resolution, num_samples=num_samples,
                         seed=seed, shapes=shapes, scale_range=scale_range,
                         hue_range=hue_range, cache_bytes=cache_bytes)
        for name, p in (('drop_prob', drop_prob),
                        ('keyword_prob', keyword_prob),
                        ('synonym_prob', synonym_prob)):
            if not 0.0 <= p <= 1.0:
                raise ConfigError(f'{name}={p!r} must be a probability in '
                                  '[0, 1]')
        if isinstance(exclude, str):
            raise ConfigError(f'exclude={exclude!r} must be a list of '
                              f'prompts, e.g. exclude=[{exclude!r}]')
        self.exclude = [str(p) for p in exclude]
        self._excluded = [to_indices(parse_prompt(p)) for p in self.exclude]
        self.caption_options = dict(
            drop_prob=drop_prob, keyword_prob=keyword_prob,
            synonym_prob=synonym_prob, templates=TRAIN_TEMPLATES)

    def values_of(self, index: int) -> np.ndarray:
        """int64 [5] attribute value indices of item ``index``."""
        return self._values(*self.factors_of(index))

    def _values(self, label: int, factors: np.ndarray) -> np.ndarray:
        return attribute_values([label], factors[None], classes=self.shapes,
                                scale_threshold=sum(self.scale_range) / 2)[0]

    def factors_of(self, index: int) -> Tuple[int, np.ndarray]:
        """(label, factors) of item ``index``, drawn again while they
        have a combination of values ``exclude`` names."""
        rng = self._rng(index)
        for _ in range(1000):
            label, factors = self._sample(rng)
            if not self._excluded or not self._is_excluded(
                    self._values(label, factors)):
                return label, factors
        raise ConfigError(f'exclude={self.exclude} leaves (almost) no '
                          'image to draw; exclude a combination, not a '
                          'whole class')

    def _is_excluded(self, values: np.ndarray) -> bool:
        return any(bool(np.all((named < 0) | (named == values)))
                   for named in self._excluded)

    def __getitems__(self, indices: Sequence[int]) -> List[dict]:
        """ShapesDataset's items of ``indices`` with their captions."""
        return [self._captioned(index, item) for index, item in
                zip(indices, super().__getitems__(indices))]

    def _captioned(self, index: int, item: dict) -> dict:
        """``item`` of ``index`` with its caption, values and named."""
        values = self.values_of(index)
        rng = np.random.default_rng([self.seed, index % len(self), 1])
        caption, named = random_caption(values, rng, **self.caption_options)
        return dict(item, caption=caption, values=torch.from_numpy(values),
                    named=torch.from_numpy(named))
