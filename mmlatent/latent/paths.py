"""Interpolation paths between :class:`~mmlatent.latent.codes.Codes`.

Two layouts (as MMGeneration's ``interpolate_sample``):

* ``sequence``: one path through all K endpoints, ``interval`` frames per
  segment with both ends included and junction frames not repeated:
  ``(K - 1) * (interval - 1) + 1`` codes; code ``k * (interval - 1)`` is
  exactly endpoint ``k``.
* ``group``: endpoints paired as (0, 1), (2, 3), ...; ``interval`` codes
  per pair, row-major: [K / 2 * interval]; code ``r * interval`` is exactly
  endpoint ``2 r`` and code ``r * interval + interval - 1`` endpoint
  ``2 r + 1``.

The codes move by ``mode`` (``lerp`` or ``slerp``, per layer for W+); the
condition ``c`` of z codes and the noise maps move linearly.
"""
from typing import Callable, Optional

import torch
from torch import Tensor

from ..utils.choices import SHOW_MODES
from ..utils.errors import ConfigError
from .codes import Codes
from .interpolation import interpolate, path_through


def default_mode(space: str) -> str:
    """``slerp`` for Gaussian z codes, ``lerp`` for w codes (NVIDIA)."""
    return 'slerp' if space == 'z' else 'lerp'


def _group(x: Tensor, *, interval: int, mode: str) -> Tensor:
    a, b = x[0::2], x[1::2]
    steps = interpolate(a, b, steps=interval, mode=mode)  # [T, P, ...]
    return steps.transpose(0, 1).flatten(0, 1)


def _sequence(x: Tensor, *, interval: int, mode: str) -> Tensor:
    return path_through(x, interval=interval, mode=mode)


def _apply(codes: Codes, fn: Callable, interval: int, mode: str) -> Codes:
    def move(x: Optional[Tensor], how: str) -> Optional[Tensor]:
        return None if x is None else fn(x, interval=interval, mode=how)

    noise = None if codes.noise is None else \
        [move(v, 'lerp') for v in codes.noise]
    return Codes(move(codes.latent, mode), codes.space,
                 move(codes.c, 'lerp'), noise)


def check_endpoints(num: int, show_mode: str) -> None:
    """One-line ConfigError for a bad endpoint count or show mode."""
    if show_mode not in SHOW_MODES:
        raise ConfigError(f"show mode '{show_mode}' is not one of "
                          f'{SHOW_MODES}')
    if num < 2:
        raise ConfigError(f'{num} endpoint(s) given; interpolation needs at '
                          'least 2 (--endpoint)')
    if show_mode == 'group' and num % 2:
        raise ConfigError(f'group mode pairs the endpoints (0, 1), (2, 3), '
                          f'...; {num} is odd, give an even --endpoint')


def interpolation_path(endpoints: Codes, *, interval: int,
                       mode: Optional[str] = None,
                       show_mode: str = 'sequence') -> Codes:
    """The codes of a ``sequence`` or ``group`` interpolation (see the
    module docstring); ``mode`` None picks :func:`default_mode`."""
    check_endpoints(len(endpoints), show_mode)
    fn = _sequence if show_mode == 'sequence' else _group
    with torch.no_grad():
        return _apply(endpoints, fn, interval,
                      mode or default_mode(endpoints.space))


def endpoint_positions(num: int, *, interval: int,
                       show_mode: str = 'sequence') -> Tensor:
    """Indices of the frames that are exactly the endpoints, in endpoint
    order: [num]."""
    check_endpoints(num, show_mode)
    k = torch.arange(num)
    if show_mode == 'sequence':
        return k * (interval - 1)
    return (k // 2) * interval + (k % 2) * (interval - 1)
