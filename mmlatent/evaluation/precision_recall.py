"""Improved precision and recall (Kynkäänniemi et al. 2019).

Each set of features defines a manifold: the union of balls around its
points whose radius is the distance to the point's k-th nearest neighbour
in the same set (the point itself not counted). Precision is the share of
generated samples inside the real manifold, recall the share of real
samples inside the generated one. Distances are computed in float64 in
chunks of rows, so memory stays at ``chunk_size x n`` values.

Outputs ``precision`` and ``recall`` with Inception features (the
extractor NVIDIA's implementation uses is VGG16; Inception is this
project's default so that one network serves FID, KID and PR), else
``precision_<features>`` and ``recall_<features>``; higher is better.
"""
from typing import Dict, Optional

import torch
from torch import Tensor

from ..registry import METRICS
from ..utils.errors import ConfigError
from .frechet import FeatureMetric
from .metric import positive_int


def _sq_dist(a: Tensor, b: Tensor) -> Tensor:
    """Squared Euclidean distances [len(a), len(b)] in float64."""
    d = (a * a).sum(1, keepdim=True) + (b * b).sum(1)[None] - 2 * a @ b.t()
    return d.clamp_min_(0)


def manifold_radii(feats: Tensor, k: int = 3,
                   chunk_size: int = 1000) -> Tensor:
    """Squared distance of each point [n, d] to its k-th nearest other
    point: [n] (float64)."""
    f = feats.double()
    if len(f) <= k:
        raise ConfigError(f'precision/recall with k={k} needs more than k '
                          f'samples per set, got {len(f)}')
    parts = [_sq_dist(f[i:i + chunk_size], f).kthvalue(k + 1, dim=1).values
             for i in range(0, len(f), chunk_size)]
    return torch.cat(parts)


def coverage(manifold: Tensor, radii: Tensor, probes: Tensor,
             chunk_size: int = 1000) -> float:
    """Share of ``probes`` [m, d] inside the union of balls around
    ``manifold`` [n, d] with squared radii ``radii`` [n]."""
    m, p = manifold.double(), probes.double()
    inside = [(_sq_dist(p[i:i + chunk_size], m) <= radii[None]).any(1)
              for i in range(0, len(p), chunk_size)]
    return float(torch.cat(inside).double().mean())


def precision_recall(real: Tensor, fake: Tensor, *, k: int = 3,
                     chunk_size: int = 1000) -> Dict[str, float]:
    """``{'precision', 'recall'}`` of fake against real features."""
    r_real = manifold_radii(real, k, chunk_size)
    r_fake = manifold_radii(fake, k, chunk_size)
    return dict(precision=coverage(real, r_real, fake, chunk_size),
                recall=coverage(fake, r_fake, real, chunk_size))


@METRICS.register_module()
class PrecisionRecall(FeatureMetric):
    """Improved precision and recall with a k-NN manifold.

    Args:
        k: neighbourhood size (3 as in the paper).
        chunk_size: rows of the distance matrix computed at once.
        extractor, num_samples, num_real, prefix: see FeatureMetric
            (``prefix`` replaces ``precision``/``recall`` by
            ``<prefix>_precision``/``<prefix>_recall``).
    """

    def __init__(self, extractor: Optional[dict] = None, k: int = 3,
                 chunk_size: int = 1000, num_samples: Optional[int] = None,
                 num_real: Optional[int] = None,
                 prefix: Optional[str] = None):
        super().__init__(extractor, num_samples, num_real, prefix)
        self.k = positive_int('k', k)
        self.chunk_size = positive_int('chunk_size', chunk_size)

    def _key(self, what: str) -> str:
        if self.prefix:
            return f'{self.prefix}_{what}'
        name = self.feature_name
        return what if name == 'inception' else f'{what}_{name}'

    @property
    def default_prefix(self) -> str:
        return 'pr'

    @property
    def rules(self) -> Dict[str, str]:
        return {self._key('precision'): 'greater',
                self._key('recall'): 'greater'}

    def reset_real(self) -> None:
        super().reset_real()
        self.real_feats = []

    def reset_fake(self) -> None:
        super().reset_fake()
        self.fake_feats = []

    def process_real(self, img: Tensor) -> None:
        self.real_feats.append(self.features(img))

    def process_fake(self, img: Tensor) -> None:
        self.fake_feats.append(self.features(img))

    def summary(self) -> Dict[str, float]:
        if not self.real_feats or not self.fake_feats:
            raise ConfigError('precision/recall got no real or no '
                              'generated samples')
        pr = precision_recall(torch.cat(self.real_feats),
                              torch.cat(self.fake_feats), k=self.k,
                              chunk_size=self.chunk_size)
        return {self._key('precision'): pr['precision'],
                self._key('recall'): pr['recall']}
