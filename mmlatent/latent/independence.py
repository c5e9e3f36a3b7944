"""Independent mutations: orthogonal latent directions from the Jacobian.

Global directions are the right singular vectors of ``J = dG/dz`` (or of
the mean of ``J^T J`` over several points): orthonormal directions sorted
by how much they change the image. Local directions change a chosen image
region while leaving the rest unchanged (LowRankGAN, Zhu et al. 2021):
the principal directions of the region's rows ``J_r`` restricted to the
(relaxed) null space of the background rows ``J_bg``.

Rows of ``J`` are the flattened pixels of ``[C, H, W]`` images (channel
major), so an [H, W] region mask is broadcast over the channels.
"""
import logging
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from ..utils.errors import ConfigError, ShapeError
from .interpolation import render
from .spaces import check_latent, default_synthesis_kwargs, repeat_c, \
    resolve_space

logger = logging.getLogger(__name__)
_TINY = 1e-30


def _as_points(J: Tensor) -> Tensor:
    if J.dim() not in (2, 3):
        raise ShapeError(f'J has shape {tuple(J.shape)}, expected [out, d] '
                         'or [N, out, d]')
    return J[None] if J.dim() == 2 else J


def _gram(J: Tensor) -> Tensor:
    """Sum over points of J^T J in float64: [d, d]."""
    J = J.double()
    return torch.einsum('nod,noe->de', J, J)


def _eig_desc(M: Tensor) -> Tuple[Tensor, Tensor]:
    """Eigenvalues (>= 0, descending) and eigenvectors as rows."""
    values, vectors = torch.linalg.eigh(M)
    order = values.argsort(descending=True)
    return values[order].clamp_min(0), vectors[:, order].t()


def global_directions(J: Tensor) -> Tuple[Tensor, Tensor]:
    """Orthonormal directions sorted by the change they cause.

    Args:
        J: [out, d] at one point or [N, out, d] at N points.

    Returns:
        V [d, d] (rows orthonormal: right singular vectors of J, or
        eigenvectors of the mean of J_n^T J_n over the points) and the
        singular values [d] (root of the mean eigenvalues), descending.
    """
    J = _as_points(J)
    return global_directions_from_gram(_gram(J) / J.shape[0],
                                       dtype=J.dtype)


def global_directions_from_gram(gram: Tensor, *,
                                dtype: torch.dtype = torch.float32
                                ) -> Tuple[Tensor, Tensor]:
    """:func:`global_directions` from the (mean) ``J^T J`` [d, d]."""
    values, V = _eig_desc(gram.double())
    return V.to(dtype), values.sqrt().to(dtype)


def _row_mask(mask: Tensor, out: int) -> Tensor:
    """[H, W] pixel mask -> [out] row mask (broadcast over channels)."""
    mask = torch.as_tensor(mask, dtype=torch.bool)
    hw = mask.numel()
    if mask.dim() != 2 or out % hw:
        raise ShapeError(f'region mask has shape {tuple(mask.shape)} but J '
                         f'has {out} rows (C * H * W); make the mask [H, W] '
                         "at the generator's resolution")
    return mask.reshape(1, hw).expand(out // hw, hw).flatten()


def split_rows(J: Tensor, mask: Tensor) -> Tuple[Tensor, Tensor]:
    """Region and background rows of J ([N, out, d] or [out, d])."""
    J3 = _as_points(J)
    rows = _row_mask(mask, J3.shape[1]).to(J3.device)
    return J3[:, rows], J3[:, ~rows]


@dataclass
class LocalDirections:
    """Result of :func:`local_directions`.

    directions: [k, d] orthonormal rows (k may be 0).
    outside_energy: [k] ``|J_bg v|^2 / |J v|^2`` per direction.
    region_gain: [k] ``|J_r v|`` (root of the summed squares over points).
    null_dim: dimension of the (relaxed) background null space.
    message: what was found, or why nothing was.
    """
    directions: Tensor
    outside_energy: Tensor
    region_gain: Tensor
    null_dim: int
    message: str


def _nothing(d: int, like: Tensor, null_dim: int,
             message: str) -> LocalDirections:
    logger.warning(message)
    empty = like.new_zeros(0)
    return LocalDirections(like.new_zeros(0, d), empty, empty, null_dim,
                           message)


def _null_space(G_bg: Tensor, rows: int, relax: float,
                dtype: torch.dtype) -> Tuple[Tensor, float]:
    """Rows spanning {v: |J_bg v| <= threshold}, and the threshold."""
    values, V = _eig_desc(G_bg)
    s = values.sqrt()
    tol = float(s[0]) * max(rows, G_bg.shape[0]) * torch.finfo(dtype).eps
    threshold = max(relax * float(s[0]), tol)
    return V[s <= threshold], threshold


def _more(relax: float) -> float:
    """A larger relax to suggest."""
    return 0.05 if relax < 0.05 else min(1.0, round(2 * relax, 3))


def _check_relax(relax: float, num: Optional[int]) -> None:
    if not 0 <= relax <= 1:
        raise ConfigError(f'relax={relax} must be in [0, 1] (fraction of the '
                          'largest background singular value)')
    if num is not None and (not isinstance(num, int) or num < 1):
        raise ConfigError(f'num={num} must be a positive integer or None')


def local_directions(J: Tensor, region_mask: Tensor, *, relax: float = 0.0,
                     num: Optional[int] = None) -> LocalDirections:
    """Directions that change the region and (almost) nothing else.

    Args:
        J: [out, d] at one point, or [N, out, d] (rows of all points used).
        region_mask: [H, W] bool, True inside the region.
        relax: the background null space is spanned by the right singular
            vectors of J_bg with singular value <= relax * the largest
            (0: the numerical null space, tolerance
            ``s_max * max(rows, d) * eps``); larger values widen it and let
            the background change a little.
        num: keep at most this many directions (None: all).

    Returns:
        LocalDirections sorted by region gain, largest first. An empty
        region, a background without null space, or a null space that does
        not move the region gives no directions and says so in ``message``
        (also logged as a warning); nothing is NaN.
    """
    _check_relax(relax, num)
    J3 = _as_points(J)
    J_r, J_bg = split_rows(J3, region_mask)
    return local_directions_from_grams(
        _gram(J_r), _gram(J_bg), region_rows=J_r.shape[1] * J3.shape[0],
        background_rows=J_bg.shape[1] * J3.shape[0], relax=relax, num=num,
        dtype=J3.dtype)


def local_directions_from_grams(G_r: Tensor, G_bg: Tensor, *,
                                region_rows: int, background_rows: int,
                                relax: float = 0.0,
                                num: Optional[int] = None,
                                dtype: torch.dtype = torch.float32
                                ) -> LocalDirections:
    """:func:`local_directions` from ``G_r = J_r^T J_r`` and
    ``G_bg = J_bg^T J_bg`` [d, d] (summed over points, float64), so that
    Jacobians at many points need not be held at once. ``region_rows`` /
    ``background_rows``: how many rows of J went into each (the numerical
    tolerance depends on them); ``dtype``: of the returned tensors."""
    _check_relax(relax, num)
    d = G_r.shape[0]
    like = G_r.new_zeros(0, dtype=dtype)
    if region_rows == 0:
        return _nothing(d, like, 0, 'region is empty: no pixel is '
                        'selected; give a region inside the image')
    null, threshold = _null_space(G_bg.double(), max(background_rows, 1),
                                  relax, dtype)
    if null.shape[0] == 0:
        return _nothing(d, like, 0, (
            f'background has full rank {d} (no singular value <= '
            f'{threshold:.3g}): no direction leaves it unchanged; raise '
            f'relax (now {relax}, e.g. {_more(relax)}) to allow small '
            'changes'))
    found = _in_null_space(null, G_r.double(), G_bg.double(), num)
    if found is None:
        return _nothing(d, like, null.shape[0], (
            f'the {null.shape[0]}-d null space of the background does not '
            f'change the region; raise relax (now {relax}) or grow the '
            'region'))
    V, fraction, gain = (t.to(dtype) for t in found)
    message = (f'{V.shape[0]} local directions from a {null.shape[0]}-d '
               f'background null space (relax={relax})')
    return LocalDirections(V, fraction, gain, null.shape[0], message)


def _in_null_space(null: Tensor, G_r: Tensor, G_bg: Tensor,
                   num: Optional[int]
                   ) -> Optional[Tuple[Tensor, Tensor, Tensor]]:
    """Principal directions of the region within the span of ``null``
    [m, d] rows: (V [k, d], outside energy [k], region gain [k]), or None
    if no direction of that span changes the region."""
    gains, U = _eig_desc(null @ G_r @ null.t())
    keep = gains > gains[0] * 1e-10 if gains[0] > 0 else gains > 0
    V = (U[keep] @ null)[:num]
    if V.shape[0] == 0:
        return None
    bg = torch.einsum('kd,de,ke->k', V, G_bg, V)
    total = bg + torch.einsum('kd,de,ke->k', V, G_r, V)
    return V, bg / total.clamp_min(_TINY), gains[keep][:num].sqrt()


def _repeat_noise(kwargs: Dict, n: int, repeats: int) -> Dict:
    """Per-code noise maps [n, 1, H, W] repeated for each mutation."""
    noise = kwargs.get('noise')
    if noise is None or not all(v is not None and v.shape[0] == n
                                for v in noise):
        return kwargs
    return {**kwargs, 'noise': [v.repeat_interleave(repeats, 0)
                                for v in noise]}


def mutate(G: nn.Module, latent: Tensor, directions: Tensor,
           deltas: Union[Sequence[float], Tensor], *, space: str = 'z',
           c: Optional[Tensor] = None,
           synthesis_kwargs: Optional[Dict] = None,
           batch_size: int = 16) -> Tensor:
    """Images of ``latent + delta * v`` for every direction and delta.

    Args:
        latent: [N, z_dim] (``space='z'``, ``c`` [N, c_dim] held fixed),
            [N, w_dim] (``'w'``) or [N, num_ws, w_dim] (``'w+'``).
        directions: [k, d] with d the flattened latent size (as in
            :func:`~mmlatent.latent.jacobian.generator_jacobian`).
        deltas: D step sizes.
        synthesis_kwargs: passed to ``G.synthesis`` (default: fixed noise);
            per-code noise maps [N, 1, H, W] follow their code.

    Returns:
        [N, k, D, C, H, W] on the CPU, rendered in batches without
        gradients (see :func:`~mmlatent.latent.interpolation.render`).
    """
    space = resolve_space(latent, space)
    check_latent(G, latent, space)
    n, d = latent.shape[0], latent[0].numel()
    if directions.dim() != 2 or directions.shape[1] != d:
        raise ShapeError(f'directions have shape {tuple(directions.shape)}'
                         f', expected [k, {d}] for {space} codes of shape '
                         f'{tuple(latent.shape)}')
    deltas = torch.as_tensor(deltas, dtype=latent.dtype,
                             device=latent.device).flatten()
    k, D = directions.shape[0], deltas.shape[0]
    codes = latent.flatten(1)[:, None, None] + deltas.view(1, 1, D, 1) * \
        directions.to(latent)[None, :, None]
    codes = codes.reshape(n * k * D, *latent.shape[1:])
    kwargs = _repeat_noise(default_synthesis_kwargs(G, synthesis_kwargs), n,
                           k * D)
    images = render(G, codes, space=space, c=repeat_c(c, k * D),
                    batch_size=batch_size, synthesis_kwargs=kwargs)
    return images.view(n, k, D, *images.shape[1:])


def outside_energy(images_orig: Tensor, images_mut: Tensor,
                   region_mask: Tensor) -> Tensor:
    """Fraction of the squared change outside the region.

    Args:
        images_orig: [N, C, H, W].
        images_mut: [N, ..., C, H, W] (e.g. the output of :func:`mutate`).
        region_mask: [H, W] bool.

    Returns:
        [N, ...] in [0, 1]; 0 where the image did not change.
    """
    n, extra = images_orig.shape[0], images_mut.dim() - 4
    orig = images_orig.reshape(n, *[1] * extra, *images_orig.shape[1:])
    diff2 = (images_mut - orig.to(images_mut)).square().sum(-3)
    outside = ~torch.as_tensor(region_mask, dtype=torch.bool,
                               device=diff2.device)
    total = diff2.sum((-2, -1))
    bg = (diff2 * outside).sum((-2, -1))
    return torch.where(total > 0, bg / total.clamp_min(_TINY),
                       torch.zeros_like(total))
