"""Closed-form factorisation of latent semantics (SeFa, Shen & Zhou 2021).

The first map applied to a latent code is affine, ``y = A w + b`` with
``A`` [k, w_dim] (``G.direction_weights(layers)``: the first layer of a
DCGAN, the style modulations of the chosen layers of a style generator).
The unit directions ``n`` that change ``y`` most maximise ``|A n|^2``:
the eigenvectors of ``A^T A``, i.e. the right singular vectors of ``A``,
with eigenvalues the squared singular values.

Which weights form ``A`` differs between the reference tools
(:data:`VARIANTS`; ``mmgen`` is the default):

* ``mmgen`` (MMGeneration ``apps/modified_sefa.py``): the style
  modulations of all (chosen) convolutions, no toRGB, not normalised;
* ``rosinality`` (``closed_form_factorization.py``): the convolutions and
  the first (4x4) toRGB, not the other toRGBs, not normalised; all layers;
* ``genforce`` (genforce/sefa ``factorize_weight``): the chosen layers,
  where the last ws index is the output toRGB, rows normalised to unit
  norm.

Edit order (:data:`EDIT_ORDERS`): mmlatent truncates the sampled code and
then adds ``d * v`` (``truncate-edit``); rosinality's ``apply_factor.py``
adds ``d * v`` to w and then truncates (``edit-truncate``), which equals
``truncate-edit`` with ``psi * d``.
"""
import hashlib
import os.path as osp
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor, nn

from ..utils.choices import EDIT_ORDERS
from ..utils.checkpoint import atomic_save
from ..utils.errors import ConfigError
from .annotate import annotated_grid
from .codes import Codes, render_codes

CACHE_FORMAT = 'mmlatent.sefa/1'
#: variant -> (toRGB affines stacked, rows normalised, layers selectable)
VARIANTS = {'mmgen': ('none', False, True),
            'rosinality': ('first', False, False),
            'genforce': ('last', True, True)}


def variant_weights(G: nn.Module, layers: Optional[Sequence[int]] = None,
                    variant: str = 'mmgen') -> Tuple[Tensor, bool]:
    """``(A, normalize)`` of SeFa ``variant`` (see :data:`VARIANTS`)."""
    if variant not in VARIANTS:
        raise ConfigError(f"--variant '{variant}' is not one of "
                          f'{tuple(VARIANTS)}')
    torgb, normalize, selectable = VARIANTS[variant]
    if layers is not None and not selectable:
        raise ConfigError(f'--variant {variant} factorises every layer (as '
                          "rosinality's closed_form_factorization.py); drop "
                          '-l or use --variant mmgen / genforce')
    if torgb != 'none' and G.num_ws > 1:  # a style generator's toRGBs
        return G.direction_weights(layers, torgb=torgb), normalize
    return G.direction_weights(layers), normalize


def sefa_directions(A: Tensor, *, normalize: bool = False
                    ) -> Tuple[Tensor, Tensor]:
    """Directions of largest change of ``A w``.

    Args:
        A: [k, w_dim] weight matrix.
        normalize: scale each row of ``A`` to unit norm first (the
            original SeFa code does this for StyleGAN style weights).

    Returns:
        directions [w_dim, w_dim], rows orthonormal (eigenvectors of A^T A),
        and eigenvalues [w_dim] >= 0, both sorted by eigenvalue, largest
        first. Computed in float64, returned in A's dtype.
    """
    if A.dim() != 2:
        raise ConfigError(f'SeFa weights have shape {tuple(A.shape)}, '
                          'expected a matrix [k, w_dim]')
    A64 = A.detach().double()
    if normalize:
        A64 = A64 / A64.norm(dim=1, keepdim=True).clamp_min(1e-12)
    eigenvalues, vectors = torch.linalg.eigh(A64.t() @ A64)
    order = eigenvalues.argsort(descending=True)
    directions = vectors[:, order].t().contiguous()
    return directions.to(A.dtype), eigenvalues[order].clamp_min(0).to(
        A.dtype)


def _fingerprint(A: Tensor) -> str:
    data = A.detach().to('cpu', torch.float64).contiguous().numpy()
    return hashlib.sha1(data.tobytes()).hexdigest()


def _layer_list(layers: Optional[Sequence[int]]) -> Optional[list]:
    return None if layers is None else [int(i) for i in layers]


def _read_cache(path: str, key: dict) -> Optional[Tuple[Tensor, Tensor]]:
    if not osp.isfile(path):
        return None
    try:
        data = torch.load(path, map_location='cpu', weights_only=True)
    except Exception:  # an unreadable cache is recomputed, not fatal
        return None
    if not isinstance(data, dict) or data.get('format') != CACHE_FORMAT or \
            any(data.get(k) != v for k, v in key.items()):
        return None
    return data['directions'], data['eigenvalues']


def _write_cache(path: str, key: dict, directions: Tensor,
                 eigenvalues: Tensor) -> None:
    data = dict(key, format=CACHE_FORMAT, directions=directions.cpu(),
                eigenvalues=eigenvalues.cpu())
    atomic_save(data, path)


def load_or_compute(G: nn.Module, layers: Optional[Sequence[int]] = None,
                    cache_path: Optional[str] = None, *,
                    normalize: bool = False,
                    variant: str = 'mmgen') -> Tuple[Tensor, Tensor]:
    """SeFa directions and eigenvalues of ``G.direction_weights(layers)``.

    With ``cache_path`` the result is read from / written to a
    ``weights_only``-safe ``.pt`` file holding the directions, eigenvalues,
    layers, weight shape, ``normalize`` and a hash of the weights; it is
    recomputed when any of these differ (other layers, other checkpoint).
    """
    directions, eigenvalues, _ = cached_directions(
        G, layers, cache_path, normalize=normalize, variant=variant)
    return directions, eigenvalues


def cached_directions(G: nn.Module, layers: Optional[Sequence[int]] = None,
                      cache_path: Optional[str] = None, *,
                      normalize: bool = False, variant: str = 'mmgen'
                      ) -> Tuple[Tensor, Tensor, str]:
    """:func:`load_or_compute` that also says where the result came from:
    ``'read'`` (a matching cache), ``'computed'`` (no cache path),
    ``'cached'`` (computed and written) or ``'not cached: <why>'`` (the
    cache could not be written, e.g. a read-only folder)."""
    with torch.no_grad():
        A, implied = variant_weights(G, layers, variant)
    normalize = bool(normalize or implied)
    key = {'layers': _layer_list(layers), 'shape': list(A.shape),
           'normalize': normalize, 'weights_sha1': _fingerprint(A)}
    cached = _read_cache(cache_path, key) if cache_path else None
    if cached is not None:
        return cached[0].to(A.device), cached[1].to(A.device), 'read'
    directions, eigenvalues = sefa_directions(A, normalize=normalize)
    status = 'computed'
    if cache_path:
        try:
            _write_cache(cache_path, key, directions, eigenvalues)
            status = 'cached'
        except OSError as e:
            status = f'not cached: {e.strerror or e}'
    return directions, eigenvalues, status


def default_cache_path(checkpoint: str, *, which: str,
                       layers: Optional[Sequence[int]] = None,
                       normalize: bool = False,
                       variant: str = 'mmgen') -> str:
    """``<checkpoint stem>_sefa-<ema|orig>-<layers>[-norm][-<variant>].pt``
    next to the checkpoint, e.g. ``iter_2_sefa-ema-all.pt`` (the variant
    is named unless it is the default ``mmgen``)."""
    stem = osp.splitext(checkpoint)[0]
    part = 'all' if layers is None else '_'.join(str(int(i))
                                                 for i in layers)
    tail = '' if variant == 'mmgen' else f'-{variant}'
    return f"{stem}_sefa-{which}-{part}{'-norm' if normalize else ''}" \
        f'{tail}.pt'


def degree_range(degrees: Sequence[float], step: float) -> Tensor:
    """Edit strengths from ``[-d, d]`` (one value) or ``[d0, d1]`` (two) in
    steps of ``step``, with 0 (the unedited code) always included: [D]."""
    degrees = [float(d) for d in degrees]
    if len(degrees) not in (1, 2):
        raise ConfigError(f'degrees {degrees}: give one value d (range '
                          '[-d, d]) or two values d0 d1 (range [d0, d1])')
    lo, hi = (-abs(degrees[0]), abs(degrees[0])) if len(degrees) == 1 \
        else degrees
    if hi < lo:
        raise ConfigError(f'degree range [{lo}, {hi}] is empty; give d0 <= '
                          'd1')
    if not step > 0:
        raise ConfigError(f'degree step {step} must be > 0')
    count = int(round((hi - lo) / step)) + 1
    if count > 201:
        raise ConfigError(f'[{lo}, {hi}] in steps of {step} gives {count} '
                          'columns; use a larger --degree-step (<= 201 '
                          'columns)')
    values = torch.tensor([lo + k * step for k in range(count)],
                          dtype=torch.float64)
    values = values[values <= hi + 1e-9 * max(1.0, abs(hi))]
    values[values.abs() < 1e-9 * max(1.0, step)] = 0
    if not (values == 0).any():
        values = torch.cat([values, values.new_zeros(1)]).sort().values
    return values.float()


def select_directions(directions: Tensor,
                      indices: Union[int, Sequence[int]]) -> Tensor:
    """Rows ``indices`` of ``directions`` [D, w_dim]: [len(indices), w_dim]
    (or [w_dim] for one int); an index out of range is a ConfigError."""
    single = isinstance(indices, int)
    idx = [indices] if single else [int(i) for i in indices]
    num = directions.shape[0]
    bad = [i for i in idx if not -num <= i < num]
    if bad:
        raise ConfigError(f'direction index {bad[0]} is out of range: there '
                          f'are {num} directions (0..{num - 1})')
    rows = directions[idx]
    return rows[0] if single else rows


def layer_mask(num_ws: int, layers: Optional[Sequence[int]],
                like: Tensor) -> Tensor:
    if layers is None:
        return torch.ones(num_ws, dtype=like.dtype, device=like.device)
    bad = [i for i in layers if not 0 <= int(i) < num_ws]
    if bad:
        raise ConfigError(f'layer {bad[0]} is out of range: ws has {num_ws} '
                          f'layers (0..{num_ws - 1})')
    mask = torch.zeros(num_ws, dtype=like.dtype, device=like.device)
    mask[[int(i) for i in layers]] = 1
    return mask


def edit_ws(ws: Tensor, direction: Tensor, degrees: Union[Sequence[float],
                                                          Tensor], *,
            layers: Optional[Sequence[int]] = None) -> Tensor:
    """``ws + degree * direction`` on the chosen layers only.

    Args:
        ws: [N, num_ws, w_dim] codes.
        direction: [w_dim] (usually a unit SeFa direction).
        degrees: D step sizes.
        layers: indices into ``num_ws`` to edit (None: all).

    Returns:
        [N, D, num_ws, w_dim]; layers not chosen equal ``ws``.
    """
    if ws.dim() != 3 or direction.shape != (ws.shape[2], ):
        raise ConfigError(f'ws {tuple(ws.shape)} and direction '
                          f'{tuple(direction.shape)} do not fit; expected '
                          '[N, num_ws, w_dim] and [w_dim]')
    degrees = torch.as_tensor(degrees, dtype=ws.dtype, device=ws.device)
    mask = layer_mask(ws.shape[1], layers, ws)
    step = degrees.view(1, -1, 1, 1) * mask.view(1, 1, -1, 1) * \
        direction.to(ws).view(1, 1, 1, -1)
    return ws[:, None] + step


def apply_edit(G: nn.Module, ws: Tensor, direction: Tensor,
               degrees: Union[Sequence[float], Tensor], *,
               layers: Optional[Sequence[int]] = None,
               truncation_psi: Optional[float] = None,
               order: str = 'truncate-edit') -> Tensor:
    """Edited codes [N, D, num_ws, w_dim] from untruncated ``ws``.

    ``order='truncate-edit'`` (mmlatent): ``trunc(w) + d * v``;
    ``'edit-truncate'`` (rosinality's apply_factor.py): ``trunc(w + d *
    v)`` = ``trunc(w) + psi * d * v``. Without ``truncation_psi`` both are
    :func:`edit_ws`."""
    if order not in EDIT_ORDERS:
        raise ConfigError(f"--edit-order '{order}' is not one of "
                          f'{EDIT_ORDERS}')
    if truncation_psi is None:
        return edit_ws(ws, direction, degrees, layers=layers)
    if order == 'truncate-edit':
        return edit_ws(G.truncate(ws, truncation_psi), direction, degrees,
                       layers=layers)
    edited = edit_ws(ws, direction, degrees, layers=layers)
    return G.truncate(edited.flatten(0, 1), truncation_psi).view(
        edited.shape)


def render_edits(G: nn.Module, codes: Codes, ws: Tensor, *,
                 batch_size: int = 16) -> Tensor:
    """Images [N, D, C, H, W] of ``ws`` [N, D, num_ws, w_dim], D edits of
    each of the N ``codes`` (e.g. :func:`apply_edit`), which keep the
    codes' noise maps.

    The edits are W+ codes already, so only ``G.synthesis`` runs (no
    mapping), on all N * D codes in batches of ``batch_size``, without
    gradients.
    """
    n, d = ws.shape[:2]
    if ws.dim() != 4 or n != len(codes):
        raise ConfigError(f'edited ws have shape {tuple(ws.shape)}, '
                          f'expected [{len(codes)}, D, num_ws, w_dim] for '
                          f'{len(codes)} codes')
    noise = None if codes.noise is None else \
        [v.repeat_interleave(d, 0) for v in codes.noise]
    edited = Codes(ws.flatten(0, 1), 'w+', None, noise)
    images = render_codes(G, edited, batch_size=batch_size)
    return images.view(n, d, *images.shape[1:])


def sefa_grid(G: nn.Module, codes: Codes, direction: Tensor,
              degrees: Tensor, *, layers: Optional[Sequence[int]] = None,
              truncation_psi: Optional[float] = None,
              order: str = 'truncate-edit',
              batch_size: int = 16) -> np.ndarray:
    """The uint8 grid of ``codes`` (W+) edited along ``direction`` by each
    of ``degrees`` (:func:`apply_edit`, :func:`render_edits`): one row per
    code, one column per degree, the degree-0 column (the unedited codes)
    framed."""
    ws = apply_edit(G, codes.latent, direction, degrees, layers=layers,
                    truncation_psi=truncation_psi, order=order)
    images = render_edits(G, codes, ws, batch_size=batch_size)
    zero = int((torch.as_tensor(degrees) == 0).nonzero()[0])
    return annotated_grid(images, mark_columns=[zero])
