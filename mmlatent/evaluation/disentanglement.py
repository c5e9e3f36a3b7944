"""Disentanglement against known factors: MIG and DCI.

Generated images are measured with
:func:`~mmlatent.datasets.measure.measure_factors` (class ``label``, ``x``,
``y``, ``scale``, ``rotation``, ``hue``); images it does not find valid are
left out. The codes they are compared with are the latent codes (``z``,
``w`` or the conditioning ``c``) or the coordinates of the latent along a
set of directions (``codes[:, i] = latent . v_i``, e.g. SeFa or Jacobian
directions).

* MIG (Chen et al. 2018): codes and factors are discretised into ``bins``
  equal-width bins (``rotation`` and ``hue`` are periodic: bins of [0, 1);
  ``label`` is already discrete); for each factor the gap between the
  largest and second largest mutual information with a code, divided by the
  factor's entropy, averaged over the factors. In [0, 1], higher is better.
* DCI (Eastwood & Williams 2018): per factor a regressor predicts it from
  the standardised codes; its importances form ``R [codes, factors]``.
  ``model='gbt'`` (default, as Locatello et al. 2019): scikit-learn
  ``GradientBoostingRegressor`` (``GradientBoostingClassifier`` for
  ``label``) with ``n_estimators`` trees of depth 3, importances
  ``feature_importances_``; ``model='lasso'``: ``Lasso(alpha)`` on
  standardised targets (one-hot for ``label``), importances ``|coef|``.
  Periodic factors are predicted as (cos, sin) and their importances
  summed. Disentanglement: ``1 - entropy`` (base #factors) of each code's
  row, weighted by the code's share of importance; completeness: mean
  ``1 - entropy`` (base #codes) of each factor's column; informativeness:
  mean held-out score (R^2, averaged over cos/sin, for continuous factors;
  accuracy for ``label``), on the last third of the samples.
"""
import math
from typing import Dict, Sequence, Tuple

import numpy as np

from ..registry import METRICS
from ..utils.errors import ConfigError
from .factors import FactorMetric

DISCRETE = ('label', )
CIRCULAR = ('rotation', 'hue')
REGRESSORS = ('gbt', 'lasso')


def discretize(x: np.ndarray, bins: int, kind: str = 'linear'
               ) -> np.ndarray:
    """Bin indices of [n] values: ``discrete`` (as ints, relabelled
    0..k-1), ``circular`` (bins of [0, 1)) or ``linear`` (equal width
    between min and max)."""
    if kind == 'discrete':
        return np.unique(x, return_inverse=True)[1].ravel()
    if kind == 'circular':
        return np.floor(np.mod(x, 1.0) * bins).astype(np.int64) % bins
    lo, hi = float(x.min()), float(x.max())
    if hi <= lo:
        return np.zeros(len(x), np.int64)
    return np.clip(np.floor((x - lo) / (hi - lo) * bins), 0,
                   bins - 1).astype(np.int64)


def entropy(labels: np.ndarray) -> float:
    """Entropy (nats) of integer labels."""
    p = np.bincount(labels) / len(labels)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def mutual_info(a: np.ndarray, b: np.ndarray) -> float:
    """Mutual information (nats) of two integer label arrays."""
    nb = int(b.max()) + 1
    joint = np.bincount(a * nb + b, minlength=(int(a.max()) + 1) * nb)
    joint = joint.reshape(-1, nb) / len(a)
    pa, pb = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    nz = joint > 0
    return float((joint[nz] * np.log(joint[nz] / (pa @ pb)[nz])).sum())


def factor_kinds(names: Sequence[str]) -> Tuple[str, ...]:
    return tuple('discrete' if n in DISCRETE else 'circular'
                 if n in CIRCULAR else 'linear' for n in names)


def mig(codes: np.ndarray, factors: np.ndarray, *, bins: int = 20,
        kinds: Sequence[str] = ()) -> Dict[str, object]:
    """MIG of codes [n, J] against factors [n, K].

    ``kinds[k]`` is ``linear`` (default), ``circular`` or ``discrete``.
    Returns ``{'mig': float, 'per_factor': [K], 'mi': [J, K]}``; factors
    with zero entropy count as NaN and are left out of the mean.
    """
    n, J = codes.shape
    K = factors.shape[1]
    kinds = tuple(kinds) or ('linear', ) * K
    c = [discretize(codes[:, j], bins) for j in range(J)]
    f = [discretize(factors[:, k], bins, kinds[k]) for k in range(K)]
    mi = np.array([[mutual_info(c[j], f[k]) for k in range(K)]
                   for j in range(J)])
    gaps = []
    for k in range(K):
        h = entropy(f[k])
        top = np.sort(mi[:, k])[::-1]
        second = top[1] if J > 1 else 0.0
        gaps.append((top[0] - second) / h if h > 0 else math.nan)
    gaps = np.array(gaps)
    value = float(np.nanmean(gaps)) if np.isfinite(gaps).any() else math.nan
    return dict(mig=value, per_factor=gaps, mi=mi)


def _targets(x: np.ndarray, kind: str) -> np.ndarray:
    if kind == 'circular':
        a = 2 * np.pi * x
        return np.stack([np.cos(a), np.sin(a)], 1)
    return x[:, None]


def _fit_gbt(X, y, kind, n_estimators, seed, split):
    from sklearn.ensemble import (GradientBoostingClassifier,
                                  GradientBoostingRegressor)
    importance, scores = np.zeros(X.shape[1]), []
    for t in range(y.shape[1]):
        cls = GradientBoostingClassifier if kind == 'discrete' else \
            GradientBoostingRegressor
        m = cls(n_estimators=n_estimators, max_depth=3, random_state=seed)
        target = y[:, t].astype(np.int64) if kind == 'discrete' else y[:, t]
        m.fit(X[:split], target[:split])
        importance += m.feature_importances_
        scores.append(m.score(X[split:], target[split:]))
    return importance, float(np.mean(scores))


def _fit_lasso(X, y, kind, alpha, split):
    from sklearn.linear_model import Lasso
    if kind == 'discrete':
        classes = np.unique(y[:, 0])
        y = (y[:, :1] == classes[None]).astype(np.float64)
    mu, sd = y[:split].mean(0), y[:split].std(0) + 1e-12
    m = Lasso(alpha=alpha, max_iter=5000).fit(X[:split], (y[:split] - mu)
                                              / sd)
    coef = np.abs(np.atleast_2d(m.coef_)).sum(0)
    pred = m.predict(X[split:]).reshape(len(X) - split, -1) * sd + mu
    if kind == 'discrete':
        score = float((pred.argmax(1) == y[split:].argmax(1)).mean())
    else:
        resid = ((y[split:] - pred) ** 2).sum(0)
        total = ((y[split:] - y[split:].mean(0)) ** 2).sum(0) + 1e-12
        score = float(np.mean(1 - resid / total))
    return coef, score


def _one_minus_entropy(p: np.ndarray, base: int) -> np.ndarray:
    """``1 - H(p) / log(base)`` for each row of non-negative weights."""
    p = p / np.maximum(p.sum(1, keepdims=True), 1e-12)
    logp = np.log(np.where(p > 0, p, 1.0))
    return 1 + (p * logp).sum(1) / math.log(base) if base > 1 else \
        np.ones(len(p))


def dci(codes: np.ndarray, factors: np.ndarray, *, kinds: Sequence[str] = (),
        model: str = 'gbt', n_estimators: int = 50, alpha: float = 0.01,
        seed: int = 0) -> Dict[str, object]:
    """DCI of codes [n, J] against factors [n, K] (see the module doc).

    Returns ``{'disentanglement', 'completeness', 'informativeness'}``
    (floats) and the importance matrix ``'R'`` [J, K].
    """
    if model not in REGRESSORS:
        raise ConfigError(
            f"DCI model='{model}' is not one of {REGRESSORS}")
    n, J = codes.shape
    K = factors.shape[1]
    kinds = tuple(kinds) or ('linear', ) * K
    split = (2 * n) // 3
    X = (codes - codes[:split].mean(0)) / (codes[:split].std(0) + 1e-12)
    R, scores = np.zeros((J, K)), []
    for k in range(K):
        y = _targets(factors[:, k], kinds[k])
        if model == 'gbt':
            R[:, k], s = _fit_gbt(X, y, kinds[k], n_estimators, seed, split)
        else:
            R[:, k], s = _fit_lasso(X, y, kinds[k], alpha, split)
        scores.append(s)
    R = np.abs(R)
    rho = R.sum(1) / max(R.sum(), 1e-12)
    d = float((rho * _one_minus_entropy(R, K)).sum())
    c = float(np.mean(_one_minus_entropy(R.T, J)))
    return dict(disentanglement=d, completeness=c,
                informativeness=float(np.mean(scores)), R=R)


@METRICS.register_module()
class MIG(FactorMetric):
    """``mig`` (higher is better). Args: ``bins`` (20), and the codes /
    factors options of :class:`~mmlatent.evaluation.factors.FactorMetric`.
    """

    def __init__(self, bins: int = 20, **kwargs):
        super().__init__(**kwargs)
        self.bins = bins

    @property
    def default_prefix(self) -> str:
        return 'mig'

    @property
    def rules(self) -> Dict[str, str]:
        return {self.name: 'greater'}

    def summary(self) -> Dict[str, float]:
        codes, factors = self.collected()
        if codes is None:
            return {self.name: math.nan}
        return {self.name: mig(codes, factors, bins=self.bins,
                               kinds=factor_kinds(self.factors))['mig']}


@METRICS.register_module()
class DCI(FactorMetric):
    """``dci_disentanglement``, ``dci_completeness``,
    ``dci_informativeness`` (higher is better).

    Args:
        model: ``'gbt'`` (gradient-boosted trees) or ``'lasso'``.
        n_estimators: trees per GBT model (50).
        alpha: Lasso's L1 weight.
        seed: seed of the GBT models.
        other options: see :class:`~mmlatent.evaluation.factors.FactorMetric`.
    """

    def __init__(self, model: str = 'gbt', n_estimators: int = 50,
                 alpha: float = 0.01, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if model not in REGRESSORS:
            raise ConfigError(
            f"DCI model='{model}' is not one of {REGRESSORS}")
        self.model, self.n_estimators = model, n_estimators
        self.alpha, self.seed = alpha, seed

    @property
    def default_prefix(self) -> str:
        return 'dci'

    @property
    def rules(self) -> Dict[str, str]:
        return {f'{self.name}_{k}': 'greater' for k in
                ('disentanglement', 'completeness', 'informativeness')}

    def summary(self) -> Dict[str, float]:
        codes, factors = self.collected()
        if codes is None:
            return {k: math.nan for k in self.rules}
        out = dci(codes, factors, kinds=factor_kinds(self.factors),
                  model=self.model, n_estimators=self.n_estimators,
                  alpha=self.alpha, seed=self.seed)
        return {f'{self.name}_{k}': out[k] for k in
                ('disentanglement', 'completeness', 'informativeness')}
