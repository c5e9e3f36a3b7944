"""Jacobian directions at many latent points, and the directions file.

``kind``: ``global`` (right singular vectors of J, see
:func:`~mmlatent.latent.independence.global_directions`) or ``local``
(a region's directions within the background's null space, see
:func:`~mmlatent.latent.independence.local_directions`).
``mode``: ``point`` (each point gets its own directions, from its own J)
or ``mean`` (one set for all points, from J^T J summed over them).

Jacobians are taken one point at a time (forward mode, chunked; see
:func:`~mmlatent.latent.jacobian.generator_jacobian`) and reduced to
d x d Gram matrices, so memory holds one J [C * H * W, d] at a time.

The directions file is a ``.pt`` dict, readable with
``torch.load(path, weights_only=True)``::

    {
      'format':     'mmlatent.directions/1',
      'kind':       'global' | 'local',
      'mode':       'point' | 'mean',
      'space':      'z' | 'w' | 'w+'   (the space of the directions),
      'directions': [Tensor [k_i, d], ...]  one per point ('point') or one
                                            ('mean'); rows orthonormal,
                                            d the flattened latent size
      'values':     [Tensor [k_i], ...]  singular values (global) or
                                         region gains |J_r v| (local)
      'outside_energy': [Tensor [k_i], ...]  local only: predicted
                                         |J_bg v|^2 / |J v|^2
      'region':     Tensor [H, W] bool   local only
      'meta':       {name: str | int | float | bool}
    }
"""
import contextlib
import logging
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Union

import torch
from torch import Tensor, nn

from ..utils.choices import DIRECTION_KINDS, DIRECTION_MODES
from ..utils.checkpoint import atomic_save, load_format_file
from ..utils.errors import ConfigError
from . import independence
from .codes import Codes
from .independence import (global_directions_from_gram,
                           local_directions_from_grams, split_rows)
from .io import LatentFileError
from .jacobian import generator_jacobian

FORMAT = 'mmlatent.directions/1'
KINDS, MODES = DIRECTION_KINDS, DIRECTION_MODES


@dataclass
class DirectionSet:
    """Directions of one or many points (see the module docstring)."""
    directions: List[Tensor]
    values: List[Tensor]
    kind: str
    mode: str
    space: str
    outside: Optional[List[Tensor]] = None
    region: Optional[Tensor] = None
    messages: List[str] = field(default_factory=list)

    def of_point(self, i: int) -> Tensor:
        """Directions [k, d] used at point ``i``."""
        return self.directions[i if self.mode == 'point' else 0]

    def index_of_point(self, i: int) -> int:
        return i if self.mode == 'point' else 0


class _Grams:
    """Running sums of J^T J (global) or of the region and background
    Grams (local), in float64."""

    def __init__(self, region: Optional[Tensor]):
        self.region, self.total, self.rows = region, 0, [0, 0]
        self.points = 0

    def add(self, J: Tensor) -> None:
        self.points += 1
        if self.region is None:
            self.total = self.total + _gram(J)
            return
        J_r, J_bg = split_rows(J, self.region)
        self.total = self.total + torch.stack([_gram(J_r), _gram(J_bg)])
        self.rows[0] += J_r.shape[1]
        self.rows[1] += J_bg.shape[1]


def _gram(J: Tensor) -> Tensor:
    J = J.double().flatten(0, 1)
    return J.t() @ J


def _reduce(grams: _Grams, *, relax: float, num: Optional[int],
            dtype: torch.dtype):
    """(directions, values, outside or None, message) of the Grams."""
    if grams.region is None:
        V, s = global_directions_from_gram(grams.total / grams.points,
                                           dtype=dtype)
        return V[:num], s[:num], None, ''
    with _quiet():  # the message is returned in the DirectionSet
        found = local_directions_from_grams(
            grams.total[0], grams.total[1], region_rows=grams.rows[0],
            background_rows=grams.rows[1], relax=relax, num=num,
            dtype=dtype)
    return (found.directions, found.region_gain, found.outside_energy,
            found.message)


@contextlib.contextmanager
def _quiet():
    """Hold back the warnings logged by independence.py."""
    log = logging.getLogger(independence.__name__)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _check(mode: str, num: Optional[int]) -> None:
    if mode not in MODES:
        raise ConfigError(f"mode='{mode}' is not one of {MODES}")
    if num is not None and (not isinstance(num, int) or num < 1):
        raise ConfigError(f'num={num} must be a positive integer or None')


def _points(n: int, progress: bool):
    if not progress:
        return range(n)
    from tqdm import tqdm
    return tqdm(range(n), unit='point', desc='jacobian')


def jacobian_directions(G: nn.Module, codes: Codes, *,
                        region: Optional[Tensor] = None, mode: str = 'point',
                        relax: float = 0.0, num: Optional[int] = None,
                        chunk_size: Optional[int] = 16,
                        synthesis_kwargs: Optional[Dict] = None,
                        progress: bool = False) -> DirectionSet:
    """Global (``region`` None) or local directions at each of ``codes``.

    Args:
        codes: N points in z (``c`` held fixed), w or w+.
        region: [H, W] bool mask at G's resolution for local directions.
        mode: ``point`` or ``mean`` (see the module docstring).
        relax: background null-space relaxation (local; see
            :func:`~mmlatent.latent.independence.local_directions`).
        num: keep at most this many directions per set (None: all).
        chunk_size: input directions per forward-mode pass.

    Returns:
        A DirectionSet; local sets that found nothing are empty ([0, d])
        and say why in ``messages``.
    """
    _check(mode, num)
    sets, grams = [], _Grams(region)
    for i in _points(len(codes), progress):
        point = codes[i]
        J = generator_jacobian(
            G, point.latent, space=point.space, c=point.c,
            synthesis_kwargs=point.synthesis_kwargs(G, synthesis_kwargs),
            chunk_size=chunk_size)
        if mode == 'point':
            grams = _Grams(region)
        grams.add(J)
        if mode == 'point':
            sets.append(_reduce(grams, relax=relax, num=num, dtype=J.dtype))
    if mode == 'mean':
        sets.append(_reduce(grams, relax=relax, num=num,
                            dtype=codes.latent.dtype))
    V, values, outside, messages = (list(x) for x in zip(*sets))
    kind = 'global' if region is None else 'local'
    return DirectionSet(V, values, kind, mode, codes.space,
                        outside if kind == 'local' else None,
                        None if region is None else region.bool().cpu(),
                        [m for m in messages if m])


def _cpu(ts: Optional[List[Tensor]]) -> Optional[List[Tensor]]:
    return None if ts is None else [t.detach().cpu().contiguous()
                                    for t in ts]


def save_directions(path: str, ds: DirectionSet, *,
                    meta: Optional[Dict] = None) -> str:
    """Write a directions file atomically; returns ``path``."""
    data = {'format': FORMAT, 'kind': ds.kind, 'mode': ds.mode,
            'space': ds.space, 'directions': _cpu(ds.directions),
            'values': _cpu(ds.values), 'meta': dict(meta or {})}
    if ds.kind == 'local':
        data['outside_energy'] = _cpu(ds.outside)
        data['region'] = ds.region.bool().cpu()
    atomic_save(data, path)
    return path


def load_directions(path: str) -> DirectionSet:
    """Read a directions file with ``weights_only=True``."""
    data = load_format_file(
        path, FORMAT, kind='directions', saver='save_directions',
        missing='give a directions.pt written by apps/mutate.py',
        writer='apps/mutate.py or save_directions', error=LatentFileError)
    return DirectionSet(data['directions'], data['values'], data['kind'],
                        data['mode'], data['space'],
                        data.get('outside_energy'), data.get('region'))


def direction_matrix(spec: Union[str, Tensor]) -> Tensor:
    """Directions [k, d] (float32, rows normalised) from a tensor or a
    ``.pt`` file: a directions file of one direction set (global, or local
    of one point; read by :func:`load_directions`), a SeFa cache or any
    dict with ``directions`` [k, d], a latent file (``latent`` [k, d]) or a
    tensor."""
    data = spec
    if isinstance(spec, str):
        if not osp.isfile(spec):
            raise ConfigError(f"directions file '{spec}' does not exist")
        data = torch.load(spec, map_location='cpu', weights_only=True)
        if isinstance(data, dict) and data.get('format') == FORMAT:
            data = _one_set(load_directions(spec), spec)
        elif isinstance(data, dict):
            data = data.get('directions', data.get('latent'))
    if not torch.is_tensor(data) or data.dim() != 2 or len(data) == 0:
        got = tuple(data.shape) if torch.is_tensor(data) else type(data)
        raise ConfigError(f'directions are {got}; expected a tensor [k, d] '
                          "(or a .pt file with 'directions' [k, d])")
    v = data.detach().float().cpu()
    return v / v.norm(dim=1, keepdim=True).clamp_min(1e-12)


def _one_set(ds: DirectionSet, path: str) -> Tensor:
    if len(ds.directions) != 1:
        raise ConfigError(
            f"'{path}' holds the directions of {len(ds.directions)} points; "
            'use a directions file of one point or of global directions')
    return ds.directions[0]
