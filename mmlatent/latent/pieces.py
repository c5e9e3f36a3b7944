"""Linear pieces of a piecewise-linear generator along latent segments.

A generator built from affine layers (linear, convolutions, batch-norm in
eval mode) and ReLU / LeakyReLU units is a continuous piecewise-linear
function of ``z``; along the segment ``z(t) = lerp(z1, z2, t)``, t in
[0, 1], every pre-activation is piecewise linear in t. The number of
**activation-pattern changes** along the segment (the number of linear
pieces minus one) is what an exact line certifier such as ExactLine
(Sotoudeh & Thakur 2019) must enumerate.

The count is exact and follows ExactLine's layer-by-layer refinement: the
segment enters the network as its two end points; at each ReLU/LeakyReLU
module the rows of its input are points ``t_0 < t_1 < ...`` of the segment
between which everything before the module is affine, so each unit's
pre-activation is linear between consecutive points and its zero crossings
are found in closed form (``t = t_i + (t_{i+1} - t_i) a_i / (a_i -
a_{i+1})``). The crossings become new rows, interpolated exactly, before
the unit is applied. A forward pre-hook on each unit does this, so any
generator whose forward uses only the allowed modules is handled without
knowing its layout. Values are computed in float64; a pre-activation within
``tol`` times the layer's largest magnitude of zero counts as zero (no
sign), so the breakpoint a unit creates is not found again.
:func:`piece_slopes` checks the result with ``torch.func.jvp``.
"""
import copy
from typing import Callable, List, Optional, Tuple

import torch
from torch import Tensor, nn

from ..utils.errors import ConfigError

#: Per-sample affine leaf modules (batch-norm only in eval mode).
AFFINE = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d,
          nn.ConvTranspose2d, nn.BatchNorm1d, nn.BatchNorm2d, nn.Identity,
          nn.Flatten, nn.Unflatten, nn.Dropout, nn.Upsample)
#: Units whose sign pattern makes the pieces.
UNITS = (nn.ReLU, nn.LeakyReLU)
#: Monotone element-wise outputs: allowed after the last unit only.
MONOTONE = (nn.Tanh, nn.Sigmoid, nn.Hardtanh)


def check_piecewise_linear(G: nn.Module) -> None:
    """Raise ConfigError naming the first leaf module that is not affine, a
    ReLU/LeakyReLU unit or a monotone output. (Code in the ``forward`` of
    container modules is trusted to be affine, as DCGAN's reshapes are.)"""
    for name, m in G.named_modules():
        if list(m.children()) or isinstance(m, AFFINE + UNITS + MONOTONE):
            continue
        raise ConfigError(
            f"module '{name}' ({type(m).__name__}) is not affine or a "
            'ReLU/LeakyReLU unit, so linear pieces cannot be counted '
            'exactly; use a generator of Linear/Conv/BatchNorm (eval)/ReLU '
            "layers (e.g. DCGANGenerator with output='relu_clamp')")


class _Done(Exception):
    """Raised once the last unit has been refined (nothing after it can
    change the count)."""


class _Refiner:
    """State of the walk: the ``t`` and segment of every row, and the
    breakpoints added per segment."""

    def __init__(self, num_segments: int, tol: float, num_units: int):
        self.t = torch.tensor([0.0, 1.0], dtype=torch.float64).repeat(
            num_segments)
        self.seg = torch.arange(num_segments).repeat_interleave(2)
        self.added = torch.zeros(num_segments, dtype=torch.long)
        self.tol, self.units_left = tol, num_units
        self.after_monotone = False

    def crossings(self, a: Tensor) -> Tuple[Tensor, Tensor]:
        """Rows (interval index) and fractions of the zero crossings of the
        pre-activations ``a`` [R, F], one per distinct t."""
        tol = self.tol * float(a.abs().max().clamp_min(1e-300))
        s = torch.where(a.abs() <= tol, torch.zeros_like(a), a.sign())
        same = self.seg[:-1] == self.seg[1:]
        cross = (s[:-1] * s[1:] < 0) & same[:, None]
        i, u = cross.nonzero(as_tuple=True)
        frac = (a[i, u] / (a[i, u] - a[i + 1, u])).double()
        key, _ = torch.sort(i.double() * 2 + frac)
        keep = torch.ones_like(key, dtype=torch.bool)
        keep[1:] = key[1:] - key[:-1] > 1e-12
        key = key[keep]
        i = torch.div(key, 2, rounding_mode='floor').long()
        return i, key - 2 * i

    def refine(self, x: Tensor) -> Tensor:
        """``x`` [R, ...] with a row added at every zero crossing, rows
        sorted by (segment, t)."""
        if self.after_monotone:
            raise ConfigError('a ReLU/LeakyReLU unit follows a tanh/sigmoid '
                              'layer, so the generator is not piecewise '
                              'linear; linear pieces cannot be counted')
        a = x.reshape(x.shape[0], -1)
        i, frac = self.crossings(a)
        order = self.insert(i, frac)
        self.units_left -= 1
        if self.units_left == 0:      # the last unit: no rows needed
            raise _Done
        new = a[i] + frac[:, None].to(a) * (a[i + 1] - a[i])
        return torch.cat([a, new])[order].reshape(-1, *x.shape[1:])

    def insert(self, i: Tensor, frac: Tensor) -> Tensor:
        """Add the points ``t_i + frac (t_{i+1} - t_i)``; returns the order
        that sorts old + new rows by (segment, t)."""
        t_new = self.t[i] + frac * (self.t[i + 1] - self.t[i])
        seg_new = self.seg[i]
        self.added += torch.bincount(seg_new, minlength=len(self.added))
        t = torch.cat([self.t, t_new])
        seg = torch.cat([self.seg, seg_new])
        order = torch.argsort(seg.double() * 2 + t)
        self.t, self.seg = t[order], seg[order]
        return order


def _hooked_copy(G: nn.Module, refiner: _Refiner,
                 dtype: torch.dtype) -> nn.Module:
    """An eval-mode ``dtype`` copy of ``G`` with the refining hooks (each
    unit module must be applied once per forward)."""
    H = copy.deepcopy(G).to(dtype).eval()
    for m in H.modules():
        if isinstance(m, UNITS):
            m.register_forward_pre_hook(
                lambda mod, args: (refiner.refine(args[0]), ))
        elif isinstance(m, MONOTONE):
            m.register_forward_hook(
                lambda mod, args, out: setattr(refiner, 'after_monotone',
                                               True))
    return H


def linear_pieces(G: nn.Module, z1: Tensor, z2: Tensor,
                  c: Optional[Tensor] = None, *,
                  tol: float = 1e-9, dtype: torch.dtype = torch.float64,
                  **synthesis_kwargs
                  ) -> Tuple[Tensor, List[Tensor]]:
    """Activation-pattern changes of ``G`` along ``lerp(z1, z2, t)``.

    Args:
        G: a generator ``G(z, c, **synthesis_kwargs)`` of affine layers and
            ReLU/LeakyReLU units (batch-norm is used in eval mode).
        z1, z2: segment end points [S, z_dim]; ``c`` [S, c_dim] is held
            fixed along each segment.
        tol: relative zero tolerance of a pre-activation.
        dtype: of the computation (float64: exact up to rounding far below
            any real gap between breakpoints).

    Returns:
        counts [S] (long): pattern changes per segment (pieces - 1);
        breakpoints: per segment, the sorted t in (0, 1) where they happen.
    """
    if z1.shape != z2.shape or z1.dim() != 2:
        raise ConfigError(f'segment ends of shapes {tuple(z1.shape)} and '
                          f'{tuple(z2.shape)}; expected two [S, z_dim]')
    check_piecewise_linear(G)
    S = z1.shape[0]
    refiner = _Refiner(S, tol, sum(isinstance(m, UNITS)
                                   for m in G.modules()))
    H = _hooked_copy(G, refiner, dtype)
    z = torch.stack([z1, z2], 1).reshape(2 * S, -1).to(dtype)
    cc = None if c is None else c.to(dtype).repeat_interleave(2, 0)
    with torch.no_grad():
        try:
            H(z, cc, **synthesis_kwargs)
        except _Done:
            pass
    inner = (refiner.t > 0) & (refiner.t < 1)
    breaks = [refiner.t[inner & (refiner.seg == s)] for s in range(S)]
    return refiner.added.clone(), breaks


def piece_slopes(G: Callable[[Tensor], Tensor], z1: Tensor, z2: Tensor,
                 t: Tensor) -> Tensor:
    """``d G(lerp(z1, z2, t)) / dt`` at the points ``t`` [k] of one segment
    (``z1``, ``z2`` [z_dim]), by forward-mode AD: [k, ...]."""
    from torch.func import jvp
    z = torch.lerp(z1[None], z2[None], t[:, None].to(z1))
    dz = (z2 - z1)[None].expand_as(z)
    return jvp(G, (z, ), (dz, ))[1]
