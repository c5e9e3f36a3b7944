"""InterFaceGAN boundaries (Shen et al. 2020): a hyperplane in latent space
that separates images with and without an attribute; its unit normal is
the editing direction.

The boundary file (``.pt``, written atomically, read with
``torch.load(weights_only=True)``)::

    {
      'format':     'mmlatent.boundary/1',
      'space':      'z' | 'w',           the space of the codes it splits
      'normal':     Tensor [dim] float32, unit length
      'offset':     float,  signed distance of a code v: n . v + offset
      'attribute':  str,    the score it separates (high side: n . v > -b)
      'conditions': [str],  attributes projected out (conditional boundary)
      'accuracy':   {'validation': float, 'remaining': float}
      'meta':       {name: str | int | float | bool}  provenance
    }

A ``'w'`` boundary applies to w codes and to each layer of W+ codes.
"""
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor, nn

from ..latent.sefa import layer_mask
from ..latent.spaces import latent_size
from ..utils.choices import BOUNDARY_SOLVERS, EDIT_MODES
from ..utils.checkpoint import atomic_save, load_format_file
from ..utils.errors import ConfigError, MMLatentError

FORMAT = 'mmlatent.boundary/1'
BOUNDARY_SPACES = ('z', 'w')
_META_TYPES = (str, int, float, bool)


class BoundaryFileError(MMLatentError, ValueError):
    """A boundary file cannot be read or holds malformed content."""


@dataclass
class Boundary:
    """A hyperplane ``{v : n . v + offset = 0}`` in ``space``."""
    normal: Tensor
    offset: float
    space: str
    attribute: str = ''
    conditions: List[str] = field(default_factory=list)
    accuracy: Dict[str, float] = field(default_factory=dict)
    meta: Dict[str, Any] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return self.normal.shape[0]

    def distance(self, latent: Tensor) -> Tensor:
        """Signed distance ``n . v + offset`` of codes [..., dim]."""
        return latent @ self.normal.to(latent) + self.offset


def _check(b: Boundary, where: str) -> Boundary:
    if b.space not in BOUNDARY_SPACES:
        raise BoundaryFileError(
            f"{where}: space '{b.space}' is not one of {BOUNDARY_SPACES}; "
            'train boundaries on z or w codes')
    if not torch.is_tensor(b.normal) or b.normal.dim() != 1:
        shape = tuple(b.normal.shape) if torch.is_tensor(b.normal) else \
            type(b.normal).__name__
        raise BoundaryFileError(f'{where}: normal has shape {shape}, '
                                'expected a vector [dim]')
    if not abs(float(b.normal.norm()) - 1) < 1e-3:
        raise BoundaryFileError(f'{where}: normal has length '
                                f'{float(b.normal.norm()):.4g}, expected 1')
    bad = {k: type(v).__name__ for k, v in b.meta.items()
           if not isinstance(v, _META_TYPES)}
    if bad:
        raise BoundaryFileError(f'{where}: meta entries {bad} are not '
                                'str/int/float/bool')
    return b


def save_boundary(path: str, b: Boundary) -> str:
    """Write ``b`` atomically in the boundary format; returns ``path``."""
    _check(b, f"save_boundary('{path}')")
    atomic_save(dict(format=FORMAT, space=b.space,
                     normal=b.normal.detach().float().cpu().contiguous(),
                     offset=float(b.offset), attribute=str(b.attribute),
                     conditions=[str(c) for c in b.conditions],
                     accuracy={k: float(v) for k, v in b.accuracy.items()},
                     meta=dict(b.meta)), path)
    return path


def load_boundary(path: str) -> Boundary:
    """Read a boundary file (``weights_only=True``) and validate it."""
    data = load_format_file(path, FORMAT, kind='boundary',
                            saver='save_boundary',
                            missing='write one with apps/train_boundary.py',
                            writer='apps/train_boundary.py',
                            error=BoundaryFileError)
    b = Boundary(data.get('normal'), float(data.get('offset', 0.0)),
                 data.get('space'), data.get('attribute', ''),
                 list(data.get('conditions', [])),
                 dict(data.get('accuracy', {})), dict(data.get('meta', {})))
    return _check(b, f"boundary file '{path}'")


def check_boundary(b: Boundary, G: nn.Module) -> Boundary:
    """One-line ConfigError unless ``b`` fits ``G``'s ``b.space``."""
    size = latent_size(G, b.space)[-1]
    if b.dim != size:
        raise ConfigError(
            f"the boundary of '{b.attribute}' is a '{b.space}' boundary of "
            f'size {b.dim} but {type(G).__name__} has {b.space} codes of '
            f'size {size}; train the boundary on latents of this generator')
    return b


# -- training -----------------------------------------------------------------
#: SVM solvers: scikit-learn LinearSVC (default) or SVC(kernel='linear')
#: (genforce's InterFaceGAN).
SOLVERS = BOUNDARY_SOLVERS
#: fewer validation samples per class than this make the accuracy moot.
MIN_VALIDATION_PER_CLASS = 10


def _clean(codes: Tensor, scores: Tensor, invalid_value: Optional[float],
           nan_value: Optional[float]
           ) -> Tuple[np.ndarray, np.ndarray, Dict[str, int]]:
    """Codes and scores as float64 arrays: NaN scores replaced by
    ``nan_value`` (dropped when None), then samples scoring exactly
    ``invalid_value`` dropped (genforce's ``invalid_value``)."""
    if codes.dim() != 2 or scores.shape != (codes.shape[0], ):
        raise ConfigError(f'codes {tuple(codes.shape)} and scores '
                          f'{tuple(scores.shape)} do not fit; expected '
                          '[N, dim] and [N]')
    x = codes.detach().double().cpu().numpy()
    s = scores.detach().double().cpu().numpy()
    bad = ~np.isfinite(s)
    if nan_value is not None:
        s = np.where(bad, float(nan_value), s)
        bad = np.zeros_like(bad)
    keep = ~bad if invalid_value is None else \
        ~bad & (s != float(invalid_value))
    dropped = dict(dropped_nan=int(bad.sum()),
                   dropped_invalid=int((~keep).sum() - bad.sum()))
    return x[keep], s[keep], dropped


def _split(n_class: int, split: float) -> int:
    n_train = int(round(n_class * split))
    return min(max(n_train, 1), n_class - 1)


def split_classes(scores: np.ndarray, n_class: int, split: float,
                  generator: torch.Generator
                  ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices ``(train, validation, rest)``: the top and bottom
    ``n_class`` scores are the classes (positives first in ``train`` and
    ``validation``); each class is shuffled with ``generator`` *after* it is
    selected, then split ``split`` : ``1 - split`` alike."""
    order = np.argsort(-scores, kind='stable')
    k = _split(n_class, split)
    pos = order[:n_class][torch.randperm(n_class, generator=generator)
                          .numpy()]
    neg = order[len(scores) - n_class:][torch.randperm(
        n_class, generator=generator).numpy()]
    return (np.concatenate([pos[:k], neg[:k]]),
            np.concatenate([pos[k:], neg[k:]]),
            order[n_class:len(scores) - n_class])


def _fit(x: np.ndarray, label: np.ndarray, solver: str,
         C: float) -> Tuple[np.ndarray, float]:
    from sklearn.svm import SVC, LinearSVC
    if solver not in SOLVERS:
        raise ConfigError(f"--solver '{solver}' is not one of {SOLVERS}")
    svm = LinearSVC(C=C, dual='auto', max_iter=20000, random_state=0) \
        if solver == 'linear-svc' else SVC(kernel='linear', C=C)
    svm.fit(x, label)
    return svm.coef_.reshape(-1), float(svm.intercept_[0])


def train_boundary(codes: Tensor, scores: Tensor, *, ratio: float = 0.02,
                   split: float = 0.7, invalid_value: Optional[float] = None,
                   nan_value: Optional[float] = None, C: float = 1.0,
                   solver: str = 'linear-svc', through_origin: bool = False,
                   space: str = 'z', attribute: str = '',
                   generator: Optional[torch.Generator] = None) -> Boundary:
    """Fit a linear SVM on the top and bottom ``ratio`` of ``codes`` [N, dim]
    by ``scores`` [N] (InterFaceGAN).

    Each class is shuffled (``generator``) and split ``split`` : ``1 -
    split`` into training and validation (:func:`split_classes`). NaN
    scores are replaced by ``nan_value`` or, when it is None, dropped;
    samples scoring exactly ``invalid_value`` are dropped (genforce).
    ``solver``: ``linear-svc`` (LinearSVC) or ``svc`` (genforce's
    ``SVC(kernel='linear')``). ``through_origin``: offset 0 (genforce keeps
    only the normal) instead of the fitted one. Returns a Boundary with the
    unit normal, the offset, and ``accuracy['validation']`` (held-out
    extremes) and ``accuracy['remaining']`` (the middle samples, labelled by
    whether their score lies above ``(max + min) / 2``; NaN if none), both
    judged by that hyperplane.
    """
    if not 0 < ratio <= 0.5 or not 0 < split < 1:
        raise ConfigError(f'ratio={ratio} and split={split} must satisfy '
                          '0 < ratio <= 0.5 and 0 < split < 1')
    x, s, dropped = _clean(codes, scores, invalid_value, nan_value)
    n_class = int(len(s) * ratio)
    if n_class < 2:
        raise ConfigError(
            f'ratio={ratio} of {len(s)} usable samples leaves {n_class} per '
            'class; need at least 2: generate more latents or raise --ratio')
    generator = generator or torch.Generator().manual_seed(0)
    ranked = np.sort(s)
    if ranked[-n_class] <= ranked[n_class - 1]:
        raise ConfigError(
            f"the scores of '{attribute or 'the attribute'}' do not separate"
            f' the top and bottom {ratio:g} of the samples (all equal?); '
            'check the attribute or lower --ratio')
    train, val, rest = split_classes(s, n_class, split, generator)
    k = len(train) // 2
    label = np.zeros(len(s), np.int64)
    label[np.concatenate([train[:k], val[:n_class - k]])] = 1
    coef, bias = _fit(x[train], label[train], solver, C)
    norm = float(np.linalg.norm(coef))
    if norm == 0:
        raise ConfigError('the SVM found no direction (zero normal); '
                          'generate more latents or raise --ratio')
    offset = 0.0 if through_origin else bias / norm
    above = (x @ (coef / norm) + offset) > 0
    accuracy = dict(validation=float((above[val] == label[val]).mean()))
    mid = (s.max() + s.min()) / 2
    accuracy['remaining'] = float((above[rest] == (s[rest] > mid)).mean()) \
        if len(rest) else float('nan')
    meta = dict(num_samples=int(len(s)), num_per_class=n_class,
                num_train_per_class=k, num_validation_per_class=n_class - k,
                ratio=float(ratio), split=float(split), solver=solver,
                offset='origin' if through_origin else 'fitted', **dropped)
    return Boundary(torch.from_numpy(coef / norm).float(), offset,
                    space, attribute, [], accuracy, meta)


def accuracy_warning(b: Boundary) -> str:
    """A warning when the validation accuracy of ``b`` rests on too few
    samples to mean anything ('' otherwise)."""
    n_val = int(b.meta.get('num_validation_per_class', 0))
    if n_val >= MIN_VALIDATION_PER_CLASS:
        return ''
    return (f'warning: only {n_val} validation sample(s) per class '
            f"({b.meta.get('num_per_class')} selected per class): one error "
            f'moves the validation accuracy by {50 / max(n_val, 1):.0f} '
            'points, so it says little; generate more latents or raise '
            f'--ratio (>= {MIN_VALIDATION_PER_CLASS} validation samples '
            'per class)')


# -- conditional boundaries ---------------------------------------------------
def project_normal(normal: Tensor, conditions: Tensor) -> Tensor:
    """``normal`` [dim] with the span of ``conditions`` [K, dim] removed
    (least squares, any K), renormalised to unit length."""
    if conditions.dim() != 2 or conditions.shape[1] != normal.shape[0]:
        raise ConfigError(f'condition normals {tuple(conditions.shape)} do '
                          f'not fit the normal {tuple(normal.shape)}')
    n = normal.double()
    A = conditions.double().t()                      # [dim, K]
    coef = torch.linalg.lstsq(A, n[:, None], driver='gelsd').solution
    r = n - (A @ coef)[:, 0]
    if float(r.norm()) < 1e-6 * float(n.norm()):
        raise ConfigError('the normal lies in the span of the condition '
                          'boundaries; nothing is left after projecting '
                          'them out: drop a condition')
    return (r / r.norm()).to(normal.dtype)


def condition_boundary(primal: Boundary,
                       conditions: Sequence[Boundary]) -> Boundary:
    """The primal boundary with the condition boundaries' normals
    projected out (InterFaceGAN's conditional manipulation): moving along
    the result leaves every condition's signed distance unchanged.

    The new hyperplane passes through the point of the primal one closest
    to the origin, ``-offset * n``, so ``offset' = offset * (n' . n)``.
    """
    if not conditions:
        return primal
    for c in conditions:
        if (c.space, c.dim) != (primal.space, primal.dim):
            raise ConfigError(
                f"condition '{c.attribute}' is a '{c.space}' boundary of "
                f"size {c.dim} but '{primal.attribute}' is a "
                f"'{primal.space}' boundary of size {primal.dim}; train "
                'both on the same latents')
    normal = project_normal(primal.normal,
                            torch.stack([c.normal for c in conditions]))
    offset = primal.offset * float(normal.double() @ primal.normal.double())
    return replace(primal, normal=normal, offset=offset,
                   conditions=list(primal.conditions) +
                   [c.attribute for c in conditions],
                   meta=dict(primal.meta))


# -- editing ------------------------------------------------------------------
def edit_latents(latent: Tensor, boundary: Boundary,
                 distances: Union[Sequence[float], Tensor], *,
                 mode: str = 'relative',
                 layers: Optional[Sequence[int]] = None) -> Tensor:
    """Move codes along the boundary normal ``n``.

    ``relative``: ``v + d n`` (the signed distance grows by exactly ``d``).
    ``absolute``: ``v + (d - (n . v + offset)) n``, which puts ``v`` at
    signed distance exactly ``d`` from the hyperplane.

    Args:
        latent: [N, dim] codes, or W+ codes [N, num_ws, dim] (each
            layer's w is moved; ``layers`` picks which, None: all).
        distances: D values of ``d``.

    Returns:
        [N, D, dim] or [N, D, num_ws, dim]; layers not chosen are copied.
    """
    if mode not in EDIT_MODES:
        raise ConfigError(f"mode='{mode}' is not one of {EDIT_MODES}")
    if latent.shape[-1] != boundary.dim or latent.dim() not in (2, 3):
        raise ConfigError(f'codes {tuple(latent.shape)} do not fit a '
                          f'boundary of size {boundary.dim}; expected '
                          f'[N, {boundary.dim}] or [N, num_ws, '
                          f'{boundary.dim}]')
    if layers is not None and latent.dim() != 3:
        raise ConfigError('layers= needs W+ codes [N, num_ws, w_dim]')
    n = boundary.normal.to(latent)
    d = torch.as_tensor(distances, dtype=latent.dtype, device=latent.device)
    v = latent[:, None]                                     # [N, 1, ...]
    shape = (1, -1) + (1, ) * (latent.dim() - 1)
    step = d.view(shape)
    if mode == 'absolute':
        step = step - boundary.distance(v)[..., None]
    if latent.dim() == 3:
        mask = layer_mask(latent.shape[1], layers, latent)
        step = step * mask.view(1, 1, -1, 1)
    return v + step * n
