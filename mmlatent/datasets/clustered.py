"""Labels from clustering the images themselves, without annotations."""
from typing import List, Sequence, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from ..registry import DATASETS
from ..utils.errors import ConfigError
from ..utils.silhouette import outline_harmonics
from .batched import items_of


def outline_features(img: torch.Tensor) -> np.ndarray:
    """[N, 8] ``utils.silhouette.outline_harmonics`` of images [N, C, H, W]
    (in [-1, 1]), as float64 numpy."""
    with torch.no_grad():
        return outline_harmonics(img).double().numpy()


@DATASETS.register_module()
class ClusteredDataset(Dataset):
    """``dataset`` whose items' ``label`` is their cluster: k-means with
    ``num_clusters`` clusters fitted on the outline harmonics
    (:func:`outline_features`) of ``num_fit`` of its images, chosen with
    ``seed``; each item gets the cluster of the nearest centre (worked out
    on its first access and kept: the wrapped items must not change).

    No annotation is read, so training on these labels stays
    unsupervised. On Shapes the clusters are the shape classes (the
    outline harmonics are blind to position, size, turn and colour);
    ``metainfo['cluster_sizes']`` gives the share of the fitted images in
    each cluster.

    Args:
        dataset: a dataset or its config; its items need an ``img``.
        num_clusters: how many clusters (labels 0 .. num_clusters - 1).
        num_fit: how many images k-means is fitted on.
        seed: seed of the fitted subset and of k-means.
    """

    def __init__(self, dataset: Union[dict, Dataset], num_clusters: int,
                 num_fit: int = 2000, seed: int = 0):
        from sklearn.cluster import KMeans
        self.dataset = (DATASETS.build(dataset) if isinstance(dataset, dict)
                        else dataset)
        n = len(self.dataset)
        if not isinstance(num_clusters, int) or num_clusters < 2:
            raise ConfigError(f'num_clusters={num_clusters!r} must be an '
                              'integer >= 2')
        if not isinstance(num_fit, int) or not num_clusters <= num_fit:
            raise ConfigError(f'num_fit={num_fit!r} must be an integer of at '
                              f'least num_clusters={num_clusters}')
        pick = np.random.default_rng(seed).permutation(n)[:num_fit]
        img = torch.stack([item['img'] for item in
                           items_of(self.dataset, pick.tolist())])
        self.kmeans = KMeans(num_clusters, n_init=10, random_state=seed)
        fitted = self.kmeans.fit_predict(outline_features(img))
        self.cluster_sizes = np.bincount(fitted, minlength=num_clusters) \
            / len(pick)
        self._labels = np.full(n, -1)  # filled on first access

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's metainfo and the cluster shares."""
        info = dict(getattr(self.dataset, 'metainfo', {}))
        info['cluster_sizes'] = self.cluster_sizes.round(4).tolist()
        return info

    def __len__(self) -> int:
        return len(self.dataset)

    @property
    def centres(self) -> np.ndarray:
        """[num_clusters, 8] cluster centres in outline-harmonics space."""
        return self.kmeans.cluster_centers_

    def cluster_of(self, img: torch.Tensor) -> np.ndarray:
        """[N] index of the nearest cluster centre of images [N, C, H, W]."""
        return self.kmeans.predict(outline_features(img))

    def __getitems__(self, indices: Sequence[int]) -> List[dict]:
        """The items of ``indices`` with their cluster as ``label``
        (torch's DataLoader calls this with each batch): drawn from the
        wrapped dataset in one call, the new ones clustered in one
        ``predict``."""
        indices = [int(i) for i in indices]
        items = [dict(item) for item in items_of(self.dataset, indices)]
        # the wrapped dataset has checked the range; -1 is the last item
        rows = np.asarray(indices, dtype=np.int64) % len(self)
        new = [k for k, row in enumerate(rows) if self._labels[row] < 0]
        if new:
            img = torch.stack([items[k]['img'] for k in new])
            self._labels[rows[new]] = self.cluster_of(img)
        for item, row in zip(items, rows):
            item['label'] = int(self._labels[row])
        return items

    def __getitem__(self, index: int) -> dict:
        """Item ``index`` with its cluster as ``label``."""
        return self.__getitems__([index])[0]
