"""What the page asks to see: a :class:`View` parsed from a request's JSON.

A view names the base code (a seed, or a stored code), the sampling
options (truncation, the condition ``c`` of conditional and InfoGAN
generators), the latent space, the W+ layer range, slider values and an
interpolation target. Every value is checked here; a bad one raises
:class:`RequestError` with one line naming it and the fix.
"""
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ..latent.spaces import SPACES
from ..utils.errors import MMLatentError

MAX_SEED = 2 ** 31 - 1


class RequestError(MMLatentError, ValueError):
    """A request the explorer cannot serve; ``status`` is the HTTP code."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class View:
    """One image to render (see the module docstring).

    base: ``'seed'`` (the code drawn from ``seed``) or a stored code's id.
    psi: truncation (style generators: towards ``w_avg``; others: z
        scaled towards the prior mean 0); 1 means none.
    labels / con: the condition of conditional and InfoGAN generators
        (None: drawn from the seed).
    space: ``z``, ``w`` or ``w+``: where Jacobian directions are taken
        and in which space the code is saved.
    layers: (first, last) W+ layers the w sliders move (space ``w+``).
    sliders: direction id -> strength.
    target / t: interpolate towards code ``target`` (an id or
        ``'seed:N'``) by ``t`` in [0, 1].
    """
    base: str = 'seed'
    seed: int = 0
    psi: float = 1.0
    labels: Optional[List[int]] = None
    con: Optional[List[float]] = None
    space: str = 'z'
    layers: Optional[Tuple[int, int]] = None
    sliders: Dict[str, float] = field(default_factory=dict)
    target: Optional[str] = None
    t: float = 0.0


KEYS = ('base', 'seed', 'psi', 'labels', 'con', 'space', 'layers',
        'sliders', 'target', 't')


def number(value: Any, name: str, lo: float = -math.inf,
           hi: float = math.inf) -> float:
    """``value`` as a finite float in [lo, hi], else RequestError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or not lo <= value <= hi:
        raise RequestError(f'{name}={value!r} must be a number in '
                           f'[{lo:g}, {hi:g}]')
    return float(value)


def integer(value: Any, name: str, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi], else RequestError."""
    if isinstance(value, bool) or not isinstance(value, int) or \
            not lo <= value <= hi:
        raise RequestError(f'{name}={value!r} must be an integer in '
                           f'[{lo}, {hi}]')
    return value


def text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise RequestError(f'{name}={value!r} must be a non-empty string '
                           '(at most 200 characters)')
    return value


def _list(value: Any, name: str) -> list:
    if not isinstance(value, list):
        raise RequestError(f'{name}={value!r} must be a list')
    return value


def _sliders(value: Any) -> Dict[str, float]:
    if not isinstance(value, dict):
        raise RequestError(f'sliders={value!r} must be an object of '
                           'direction id -> number')
    return {text(k, 'slider id'): number(v, f'sliders[{k!r}]', -1e3, 1e3)
            for k, v in value.items()}


def _layers(value: Any) -> Optional[Tuple[int, int]]:
    if value is None:
        return None
    pair = _list(value, 'layers')
    if len(pair) != 2:
        raise RequestError(f'layers={value!r} must be [first, last]')
    lo, hi = (integer(v, 'layers', 0, 10 ** 4) for v in pair)
    if hi < lo:
        raise RequestError(f'layers={value!r}: first must be <= last')
    return lo, hi


def parse_view(data: Any) -> View:
    """A :class:`View` from a request's JSON object (absent keys take the
    defaults); unknown keys and bad values raise RequestError."""
    if not isinstance(data, dict):
        raise RequestError('the request body must be a JSON object')
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise RequestError(f'unknown key {unknown[0]!r}; the keys are '
                           f'{", ".join(KEYS)}')
    view = View()
    if 'base' in data:
        view.base = text(data['base'], 'base')
    if 'seed' in data:
        view.seed = integer(data['seed'], 'seed', 0, MAX_SEED)
    if 'psi' in data:
        view.psi = number(data['psi'], 'psi', 0, 2)
    if data.get('labels') is not None:
        view.labels = [integer(v, 'labels', 0, 10 ** 6)
                       for v in _list(data['labels'], 'labels')]
    if data.get('con') is not None:
        view.con = [number(v, 'con', -1, 1)
                    for v in _list(data['con'], 'con')]
    if 'space' in data:
        view.space = data['space']
        if view.space not in SPACES:
            raise RequestError(f'space={view.space!r} is not one of '
                               f'{", ".join(SPACES)}')
    view.layers = _layers(data.get('layers'))
    view.sliders = _sliders(data.get('sliders', {}))
    if data.get('target') is not None:
        view.target = text(data['target'], 'target')
    if 't' in data:
        view.t = number(data['t'], 't', 0, 1)
    return view


def parse_box(data: Any, resolution: int) -> Tuple[float, float, float,
                                                   float]:
    """``(cx, cy, h, w)`` in pixels from ``{'x0', 'y0', 'x1', 'y1'}`` (image
    pixels, corners in any order)."""
    if not isinstance(data, dict) or set(data) != {'x0', 'y0', 'x1', 'y1'}:
        raise RequestError(f'box={data!r} must be an object with x0, y0, '
                           'x1, y1 (image pixels)')
    x0, y0, x1, y1 = (number(data[k], f'box.{k}', 0, resolution)
                      for k in ('x0', 'y0', 'x1', 'y1'))
    w, h = abs(x1 - x0), abs(y1 - y0)
    if w < 1 or h < 1:
        raise RequestError(f'box {w:g} x {h:g} px is smaller than a pixel; '
                           'drag a larger box')
    return (x0 + x1) / 2, (y0 + y1) / 2, h, w
