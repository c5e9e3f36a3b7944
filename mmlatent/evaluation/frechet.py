"""Fréchet distance (FID, Heusel et al. 2017) and kernel distance (KID,
Bińkowski et al. 2018) between real and generated images in the feature
space of any registered extractor.

With ``extractor=dict(type='InceptionV3')`` (the default) the outputs are
``fid`` and ``kid`` (comparable with published figures); with another
extractor ``fd_<name>`` and ``kd_<name>`` (e.g. ``fd_shapes``).

* FID streams: it keeps the count, the sum and the sum of outer products
  of the features in float64, so memory does not grow with the samples.
  ``d^2 = |mu_r - mu_g|^2 + tr(S_r + S_g - 2 (S_r S_g)^(1/2))``, with the
  trace of the root computed from the eigenvalues of the symmetric matrix
  ``S_r^(1/2) S_g S_r^(1/2)`` (stable, no complex parts).
* KID keeps the features and reports the unbiased MMD^2 with the kernel
  ``k(x, y) = (x.y / d + 1)^3``, averaged over ``num_subsets`` random
  subsets of ``subset_size`` (as StyleGAN2-ADA), and its standard
  deviation over the subsets (``kid_std``).
"""
from typing import Dict, Optional

import numpy as np
import torch
from torch import Tensor

from ..registry import FEATURE_EXTRACTORS, METRICS
from ..utils.errors import ConfigError
from .features import build_extractor
from .metric import GenerativeMetric, positive_int

INCEPTION = dict(type='InceptionV3')


class FeatureStats:
    """Streaming mean and covariance of features (float64)."""

    def __init__(self):
        self.n, self.total, self.outer = 0, None, None

    def update(self, feats: Tensor) -> None:
        f = feats.double()
        if self.total is None:
            self.total = torch.zeros(f.shape[1], dtype=torch.float64)
            self.outer = torch.zeros(f.shape[1], f.shape[1],
                                     dtype=torch.float64)
        self.n += f.shape[0]
        self.total += f.sum(0)
        self.outer += f.t() @ f

    def mean_cov(self):
        """(mu [d], sigma [d, d]) as numpy float64 (unbiased covariance)."""
        if self.n < 2:
            raise ConfigError(f'{self.n} feature vector(s) collected; the '
                              'Fréchet distance needs at least 2 real and 2 '
                              'generated samples')
        mu = self.total / self.n
        cov = (self.outer - self.n * torch.outer(mu, mu)) / (self.n - 1)
        return mu.numpy(), cov.numpy()


def _sqrt_psd(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray) -> float:
    """Fréchet distance of two Gaussians (float64, >= 0)."""
    root1 = _sqrt_psd(sigma1)
    m = root1 @ sigma2 @ root1
    eig = np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)
    d2 = np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2) \
        - 2 * np.sqrt(eig).sum()
    return float(max(d2, 0.0))


def kernel_distance(real: np.ndarray, fake: np.ndarray, *,
                    num_subsets: int = 100, subset_size: int = 1000,
                    seed: int = 0) -> Dict[str, float]:
    """Unbiased polynomial-kernel MMD^2 of features [n, d] and [m, d]:
    ``{'mean', 'std'}`` over subsets of ``min(subset_size, n, m)``."""
    real, fake = real.astype(np.float64), fake.astype(np.float64)
    d = real.shape[1]
    size = min(subset_size, len(real), len(fake))
    if size < 2:
        raise ConfigError(f'KID needs at least 2 real and 2 generated '
                          f'samples, got {len(real)} and {len(fake)}')
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(num_subsets):
        x = fake[rng.choice(len(fake), size, replace=False)]
        y = real[rng.choice(len(real), size, replace=False)]
        a = (x @ x.T / d + 1) ** 3 + (y @ y.T / d + 1) ** 3
        b = (x @ y.T / d + 1) ** 3
        values.append(((a.sum() - np.diag(a).sum()) / (size - 1)
                       - b.sum() * 2 / size) / size)
    return dict(mean=float(np.mean(values)), std=float(np.std(values)))


class FeatureMetric(GenerativeMetric):
    """Base of metrics comparing real and generated images in a feature
    space: builds (and shares) the extractor, names outputs by it."""
    needs_real = True
    needs_fake = True
    #: output name with Inception features, and the stem for the others
    inception_name = 'fid'
    stem = 'fd'

    def __init__(self, extractor: Optional[dict] = None,
                 num_samples: Optional[int] = None,
                 num_real: Optional[int] = None,
                 prefix: Optional[str] = None):
        super().__init__(num_samples=num_samples, num_real=num_real,
                         prefix=prefix)
        cfg = INCEPTION if extractor is None else extractor
        if not isinstance(cfg, dict) or not isinstance(cfg.get('type'), str):
            raise ConfigError(f'extractor={extractor!r} must be a dict with '
                              "a type, e.g. dict(type='ShapesFeatureNet', "
                              "checkpoint='...')")
        self.extractor_cfg = dict(cfg)
        self._extractor = None

    @property
    def extractor(self):
        if self._extractor is None:
            self._extractor = build_extractor(self.extractor_cfg)
        return self._extractor

    @property
    def feature_name(self) -> str:
        FEATURE_EXTRACTORS.import_from_location()
        cls = FEATURE_EXTRACTORS.get(self.extractor_cfg['type'])
        return getattr(cls, 'short_name', self.extractor_cfg['type'].lower())

    @property
    def default_prefix(self) -> str:
        name = self.feature_name
        return self.inception_name if name == 'inception' else \
            f'{self.stem}_{name}'

    def to(self, device) -> 'FeatureMetric':
        self.extractor.to(device)
        return self

    def features(self, img: Tensor) -> Tensor:
        return self.extractor(img)


@METRICS.register_module()
class FrechetDistance(FeatureMetric):
    """FID (``fid``) or Fréchet distance ``fd_<features>``; lower is
    better. Args: see :class:`FeatureMetric` (``extractor`` config,
    ``num_samples``, ``num_real``, ``prefix``)."""

    def reset_real(self) -> None:
        super().reset_real()
        self.real_stats = FeatureStats()

    def reset_fake(self) -> None:
        super().reset_fake()
        self.fake_stats = FeatureStats()

    @property
    def rules(self) -> Dict[str, str]:
        return {self.name: 'less'}

    def process_real(self, img: Tensor) -> None:
        self.real_stats.update(self.features(img))

    def process_fake(self, img: Tensor) -> None:
        self.fake_stats.update(self.features(img))

    def summary(self) -> Dict[str, float]:
        mu1, s1 = self.real_stats.mean_cov()
        mu2, s2 = self.fake_stats.mean_cov()
        return {self.name: frechet_distance(mu1, s1, mu2, s2)}


@METRICS.register_module()
class KernelDistance(FeatureMetric):
    """KID (``kid``, ``kid_std``) or ``kd_<features>``; lower is better.

    Args:
        num_subsets: random subsets averaged (100 as StyleGAN2-ADA).
        subset_size: samples per subset (capped by the sample counts).
        seed: seed of the subset choice.
        extractor, num_samples, num_real, prefix: see FeatureMetric.
    """
    inception_name = 'kid'
    stem = 'kd'

    def __init__(self, extractor: Optional[dict] = None,
                 num_subsets: int = 100, subset_size: int = 1000,
                 seed: int = 0, num_samples: Optional[int] = None,
                 num_real: Optional[int] = None,
                 prefix: Optional[str] = None):
        super().__init__(extractor, num_samples, num_real, prefix)
        self.num_subsets = positive_int('num_subsets', num_subsets)
        self.subset_size = positive_int('subset_size', subset_size)
        self.seed = seed

    def reset_real(self) -> None:
        super().reset_real()
        self.real_feats = []

    def reset_fake(self) -> None:
        super().reset_fake()
        self.fake_feats = []

    @property
    def rules(self) -> Dict[str, str]:
        return {self.name: 'less', f'{self.name}_std': 'less'}

    def process_real(self, img: Tensor) -> None:
        self.real_feats.append(self.features(img))

    def process_fake(self, img: Tensor) -> None:
        self.fake_feats.append(self.features(img))

    def summary(self) -> Dict[str, float]:
        if not self.real_feats or not self.fake_feats:
            raise ConfigError('KID got no real or no generated samples')
        kd = kernel_distance(torch.cat(self.real_feats).numpy(),
                             torch.cat(self.fake_feats).numpy(),
                             num_subsets=self.num_subsets,
                             subset_size=self.subset_size, seed=self.seed)
        return {self.name: kd['mean'], f'{self.name}_std': kd['std']}
