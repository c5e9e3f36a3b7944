"""A fixed labelled subset of a dataset, for semi-supervised training."""
from typing import List, Optional, Sequence, Union

import numpy as np
from torch.utils.data import Dataset

from ..registry import DATASETS
from ..utils.errors import ConfigError
from .batched import items_of

UNLABELLED = -1


@DATASETS.register_module()
class PartiallyLabelledDataset(Dataset):
    """``dataset`` with the labels of all but a fixed random subset of its
    items replaced by ``-1`` (unknown), as in semi-supervised InfoGAN
    (Spurr et al. 2017): the model sees the images of every item and the
    labels of ``num_labelled`` of them (or ``fraction`` of all items).

    The subset is ``np.random.default_rng(seed).permutation(len)[:k]``, so
    the same items stay labelled across runs, ranks and resumes.

    Args:
        dataset: a dataset or its config; its items need a ``label``.
        fraction: share of items that keep their label, in (0, 1].
        num_labelled: how many items keep their label (instead of
            ``fraction``).
        seed: seed of the subset.
    """

    def __init__(self, dataset: Union[dict, Dataset],
                 fraction: Optional[float] = None,
                 num_labelled: Optional[int] = None, seed: int = 0):
        self.dataset = (DATASETS.build(dataset) if isinstance(dataset, dict)
                        else dataset)
        n = len(self.dataset)
        self.num_labelled = self._count(fraction, num_labelled, n)
        keep = np.random.default_rng(seed).permutation(n)[:self.num_labelled]
        self.labelled = np.zeros(n, bool)
        self.labelled[keep] = True

    @staticmethod
    def _count(fraction, num_labelled, n: int) -> int:
        if (fraction is None) == (num_labelled is None):
            raise ConfigError('PartiallyLabelledDataset needs exactly one of '
                              f'fraction={fraction!r} and '
                              f'num_labelled={num_labelled!r}')
        if fraction is not None:
            if not 0.0 < fraction <= 1.0:
                raise ConfigError(f'fraction={fraction!r} must be in (0, 1]')
            return max(1, round(fraction * n))
        if not isinstance(num_labelled, int) or not 0 < num_labelled <= n:
            raise ConfigError(f'num_labelled={num_labelled!r} must be an '
                              f'integer in [1, {n}] (the dataset size)')
        return num_labelled

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's metainfo and the labelled count."""
        info = dict(getattr(self.dataset, 'metainfo', {}))
        info['num_labelled'] = self.num_labelled
        return info

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitems__(self, indices: Sequence[int]) -> List[dict]:
        """The items of ``indices``, drawn from the wrapped dataset in one
        call (torch's DataLoader calls this with each batch), with the
        labels outside the subset replaced by ``-1``."""
        indices = [int(i) for i in indices]
        items = [dict(item) for item in items_of(self.dataset, indices)]
        for item, index in zip(items, indices):
            if 'label' not in item:
                raise ConfigError(f'{type(self.dataset).__name__} items have '
                                  "no 'label' to keep; wrap a labelled "
                                  'dataset')
            if not self.labelled[index]:
                item['label'] = UNLABELLED
        return items

    def __getitem__(self, index: int) -> dict:
        """Item ``index``; its label is ``-1`` outside the subset."""
        return self.__getitems__([index])[0]
