"""Jacobians of generators with respect to their latent codes.

Forward mode (``torch.func.jvp``) vmapped over basis directions: one
vectorised pass per chunk of ``chunk_size`` input directions gives the
columns ``J e_j`` at all N points at once. This costs about one batched
forward pass of ``chunk_size`` images per chunk and needs memory for
``chunk_size * N`` images' activations, so the Jacobian of a generator
with a 128-d latent costs a small multiple of a forward pass of 128 images.

The function must treat the N points independently. Generators therefore
run in eval mode (BatchNorm uses its running statistics; training mode is
restored afterwards) and their random noise must be fixed: style
generators get ``noise_mode='const'`` unless ``synthesis_kwargs`` says
otherwise.
"""
import warnings
from typing import Callable, Dict, Optional

import torch
from torch import Tensor, nn
from torch.func import jvp, vmap

from ..utils.errors import ConfigError, ShapeError
from .spaces import check_latent, default_synthesis_kwargs, frozen, \
    model_device, resolve_space, ws_of


def _check_chunk(chunk_size: Optional[int], d: int) -> int:
    if chunk_size is None:
        return d
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ConfigError(f'chunk_size={chunk_size} must be a positive '
                          'integer (input directions per pass) or None')
    return min(chunk_size, d)


def _columns(f: Callable[[Tensor], Tensor], x: Tensor,
             basis: Tensor) -> Tensor:
    """``J e`` for each row ``e`` of ``basis`` [k, d]: [k, N, out]."""
    def column(e: Tensor) -> Tensor:
        return jvp(f, (x, ), (e.expand_as(x), ))[1].flatten(1)

    try:
        return vmap(column)(basis)
    except RuntimeError as e:
        if 'random' not in str(e).lower():
            raise
        raise ConfigError(
            'the generator draws random numbers inside the Jacobian; fix its '
            "noise, e.g. synthesis_kwargs={'noise_mode': 'const'}") from e


def jacobian(f: Callable[[Tensor], Tensor], x: Tensor, *,
             chunk_size: Optional[int] = None) -> Tensor:
    """Jacobian of a batched function at each point.

    Args:
        f: maps x [N, d] to [N, ...]; row n of the output must depend on
            row n of the input only.
        x: [N, d] points.
        chunk_size: input directions per vectorised pass (None: all d);
            bounds memory to ``chunk_size * N`` evaluations.

    Returns:
        J [N, out, d] with ``out = prod(f(x).shape[1:])``, no gradient.
    """
    if x.dim() != 2:
        raise ShapeError(f'x has shape {tuple(x.shape)}, expected [N, d]; '
                         'flatten the latent dimensions first')
    d = x.shape[1]
    chunk = _check_chunk(chunk_size, d)
    eye = torch.eye(d, dtype=x.dtype, device=x.device)
    x = x.detach()
    with torch.no_grad(), warnings.catch_warnings():
        # torch registers its jvp decompositions with torch.jit.script on
        # first use, which warns that TorchScript is deprecated
        warnings.filterwarnings('ignore', message='.*torch.jit.script',
                                category=FutureWarning)
        parts = [_columns(f, x, eye[start:start + chunk])
                 for start in range(0, d, chunk)]
    return torch.cat(parts).permute(1, 2, 0)


def generator_jacobian(G: nn.Module, latent: Tensor, *, space: str = 'z',
                       c: Optional[Tensor] = None,
                       synthesis_kwargs: Optional[Dict] = None,
                       chunk_size: Optional[int] = None) -> Tensor:
    """J of the image with respect to the latent, at each of N codes.

    Args:
        G: generator with the latent interface (run in eval mode).
        latent: z [N, z_dim] (``space='z'``, ``c`` [N, c_dim] held fixed),
            w [N, w_dim] (``space='w'``, the same w fed to every layer) or
            W+ [N, num_ws, w_dim] (``space='w'`` or ``'w+'``, flattened to
            num_ws * w_dim inputs, layer-major).
        synthesis_kwargs: passed to ``G.synthesis``; None fixes the noise
            of style generators (``noise_mode='const'``).
        chunk_size: see :func:`jacobian`.

    Returns:
        J [N, C * H * W, d] with d = z_dim, w_dim or num_ws * w_dim.
    """
    space = resolve_space(latent, space)
    check_latent(G, latent, space)
    kwargs = default_synthesis_kwargs(G, synthesis_kwargs)
    device = model_device(G)
    x = latent.to(device).flatten(1)
    c = None if c is None else c.to(device)

    def f(x: Tensor) -> Tensor:
        code = x.view(-1, *latent.shape[1:])
        return G.synthesis(ws_of(G, code, space=space, c=c), **kwargs)

    with frozen(G):
        return jacobian(f, x, chunk_size=chunk_size)
