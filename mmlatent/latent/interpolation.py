"""Interpolation between latent codes and batched rendering of many codes.

Vectors live on the last dimension: z codes [N, z_dim], w codes [N, w_dim]
and W+ codes [N, num_ws, w_dim] (each layer's w is interpolated on its own
great circle by ``slerp``). Interpolation weights ``t`` broadcast against
the codes with a trailing singleton for the vector dimension, e.g. a
scalar, [N, 1] or [T, 1, 1].
"""
import math
from typing import Dict, Iterator, Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..utils.errors import ConfigError, ShapeError
from .spaces import check_latent, default_synthesis_kwargs, frozen, \
    model_device, resolve_space, ws_of

MODES = ('lerp', 'slerp')
Weight = Union[float, Tensor]
_TINY = 1e-30


def _weight(t: Weight, like: Tensor) -> Tensor:
    return torch.as_tensor(t, dtype=like.dtype, device=like.device)


def _exact_ends(a: Tensor, b: Tensor, t: Tensor, out: Tensor) -> Tensor:
    """``a`` where t == 0 and ``b`` where t == 1, bit for bit."""
    return torch.where(t == 0, a, torch.where(t == 1, b, out))


def lerp(a: Tensor, b: Tensor, t: Weight) -> Tensor:
    """``(1 - t) a + t b``; exactly ``a`` at t=0 and ``b`` at t=1."""
    t = _weight(t, a)
    return _exact_ends(a, b, t, torch.lerp(a, b, t))


def _perpendicular(u: Tensor) -> Tensor:
    """A unit vector orthogonal to the unit vector ``u`` (last dim)."""
    k = u.abs().argmin(-1)
    e = F.one_hot(k, u.shape[-1]).to(u)
    p = e - u.gather(-1, k[..., None]) * u
    return p / p.norm(dim=-1, keepdim=True).clamp_min(_TINY)


def slerp(a: Tensor, b: Tensor, t: Weight, *, eps: float = 1e-5) -> Tensor:
    """Spherical interpolation of the vectors on the last dimension.

    The direction moves at constant speed on the great circle from
    ``a/|a|`` to ``b/|b|`` and the norm goes linearly from |a| to |b|, so
    codes of equal norm keep it. Exactly ``a`` at t=0 and ``b`` at t=1.
    Safe for (anti)parallel pairs: parallel (or zero) vectors fall back to
    ``lerp``; antiparallel ones turn through an arbitrary perpendicular.
    """
    t = _weight(t, a)
    na, nb = a.norm(dim=-1, keepdim=True), b.norm(dim=-1, keepdim=True)
    ua, ub = a / na.clamp_min(_TINY), b / nb.clamp_min(_TINY)
    cos = (ua * ub).sum(-1, keepdim=True).clamp(-1, 1)
    r = ub - cos * ua
    sin = r.norm(dim=-1, keepdim=True)
    omega = torch.atan2(sin, cos)
    degenerate = sin <= eps
    v = torch.where(degenerate, _perpendicular(ua), r / sin.clamp_min(_TINY))
    out = (torch.cos(t * omega) * ua + torch.sin(t * omega) * v) * \
        torch.lerp(na, nb, t)
    use_lerp = (degenerate & (cos > 0)) | (na <= _TINY) | (nb <= _TINY)
    out = torch.where(use_lerp, torch.lerp(a, b, t), out)
    return _exact_ends(a, b, t, out)


def _mix(mode: str):
    if mode not in MODES:
        raise ConfigError(f"mode='{mode}' is not one of {MODES}; use lerp "
                          'for w codes, slerp for Gaussian z codes')
    return lerp if mode == 'lerp' else slerp


def interpolation_weights(interval: int) -> Tensor:
    """``interval`` weights from 0 to 1, both endpoints included: [T]."""
    if not isinstance(interval, int) or interval < 2:
        raise ConfigError(f'interval={interval} must be an integer >= 2 '
                          '(points per segment, endpoints included)')
    t = torch.linspace(0, 1, interval)
    t[0], t[-1] = 0, 1
    return t


def _check_pair(a: Tensor, b: Tensor) -> None:
    if a.shape != b.shape:
        raise ShapeError(f'endpoints have shapes {tuple(a.shape)} and '
                         f'{tuple(b.shape)}; give codes of the same shape')


def interpolate(a: Tensor, b: Tensor, *, steps: int,
                mode: str = 'lerp') -> Tensor:
    """``steps`` codes from ``a`` to ``b`` (both included): [steps, *a.shape].

    ``a`` and ``b`` may be batches ([N, d] or W+ [N, num_ws, w_dim]).
    """
    _check_pair(a, b)
    t = interpolation_weights(steps).to(a).view(-1, *[1] * a.dim())
    return _mix(mode)(a[None], b[None], t)


def path_through(points: Tensor, *, interval: int,
                 mode: str = 'lerp') -> Tensor:
    """A path through ``points`` [K, ...] with ``interval`` frames per
    segment (endpoints included) and no repeated junction frames:
    [(K - 1) * (interval - 1) + 1, ...]; frame ``k * (interval - 1)`` is
    exactly ``points[k]``."""
    if points.dim() < 2 or points.shape[0] < 2:
        raise ShapeError(f'points have shape {tuple(points.shape)}; give '
                         'at least 2 codes as [K, ...]')
    t = interpolation_weights(interval).to(points)
    t = t.view(1, -1, *[1] * (points.dim() - 1))
    frames = _mix(mode)(points[:-1, None], points[1:, None], t)
    return torch.cat([frames[:, :-1].flatten(0, 1), points[-1:]])


def batch_ranges(n: int, batch_size: int,
                 progress: bool = False) -> Iterator[slice]:
    """Slices covering ``range(n)`` in ``ceil(n / batch_size)`` batches of
    near-equal size (they differ by at most one; with a tqdm bar if
    asked). A 28-image SeFa grid at batch 16 runs as 14 + 14, whose app
    took 0.94 of the time of 16 + 12 on a CPU (docs/speed.md)."""
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f'batch_size={batch_size} must be an integer >= 1')
    count = math.ceil(n / batch_size)
    size, extra = divmod(n, count) if count else (0, 0)
    starts = [i * size + min(i, extra) for i in range(count + 1)]
    pairs = zip(starts, starts[1:])
    if progress:
        from tqdm import tqdm
        pairs = tqdm(pairs, total=count, unit='batch')
    for start, stop in pairs:
        yield slice(start, stop)


def _batch_kwargs(kwargs: Dict, part: slice, n: int) -> Dict:
    """Slice per-code noise maps ([n, 1, H, W] each) to the batch."""
    noise = kwargs.get('noise')
    if noise is None or not all(v.shape[0] == n for v in noise):
        return kwargs
    return {**kwargs, 'noise': [v[part] for v in noise]}


def render(G: nn.Module, latents: Tensor, *, space: str = 'z',
           c: Optional[Tensor] = None, batch_size: int = 16,
           synthesis_kwargs: Optional[Dict] = None,
           mapping_kwargs: Optional[Dict] = None,
           progress: bool = False) -> Tensor:
    """Images of many codes, in batches, without gradients: [M, C, H, W] on
    the CPU.

    ``latents``: z [M, z_dim] (mapping then synthesis, with ``c`` [M, c_dim]
    for conditional generators), w [M, w_dim] or W+ [M, num_ws, w_dim]
    (synthesis only). ``synthesis_kwargs`` default to fixed noise for style
    generators (``noise_mode='const'``); noise maps given as [M, 1, H, W]
    are sliced per batch. ``mapping_kwargs`` (e.g. ``truncation_psi``) go
    to ``G.mapping`` of z codes. G runs in eval mode (restored afterwards).
    """
    space = resolve_space(latents, space)
    check_latent(G, latents, space)
    kwargs = default_synthesis_kwargs(G, synthesis_kwargs)
    device, n, images = model_device(G), latents.shape[0], []
    with torch.no_grad(), frozen(G):
        for part in batch_ranges(n, batch_size, progress):
            cc = None if c is None else c[part].to(device)
            ws = ws_of(G, latents[part].to(device), space=space, c=cc,
                       mapping_kwargs=mapping_kwargs)
            img = G.synthesis(ws, **_batch_kwargs(kwargs, part, n))
            images.append(img.cpu())
    return torch.cat(images)
