"""Latent spaces (``z``, ``w``, ``w+``) and noise inputs, as the latent tools
see them through the latent interface (DESIGN.md §3).

=======  ==========================  =====================================
space    latent shape                images
=======  ==========================  =====================================
``z``    [N, z_dim]                  ``synthesis(mapping(z, c))``
``w``    [N, w_dim]                  ``synthesis(w broadcast to num_ws)``
``w+``   [N, num_ws, w_dim]          ``synthesis(ws)``
=======  ==========================  =====================================

Noise inputs (style generators) are reached only through
``G.noise_shapes() -> [(H, W), ...]`` (or ``G.make_noise(n, generator)``
-> [[n, 1, H, W], ...]) and ``G.synthesis(ws, noise=[...],
noise_mode=...)``, where given maps take precedence over ``noise_mode``; a
generator with neither method has no noise input.
"""
import contextlib
from typing import Dict, Iterator, List, Optional, Tuple

import torch
from torch import Tensor, nn

from ..utils.errors import ConfigError, ShapeError

SPACES = ('z', 'w', 'w+')


def check_space(space: str) -> str:
    """Return ``space`` if it is one of ``z``, ``w``, ``w+``."""
    if space not in SPACES:
        raise ConfigError(f"space='{space}' is not one of {SPACES}; "
                          "use 'z' for prior samples, 'w'/'w+' for codes")
    return space


def resolve_space(latent: Tensor, space: str) -> str:
    """``'w'`` given as [N, num_ws, w_dim] means ``'w+'``."""
    check_space(space)
    return 'w+' if space == 'w' and latent.dim() == 3 else space


def latent_size(G: nn.Module, space: str) -> Tuple[int, ...]:
    """Shape of one latent of ``space`` for ``G`` (without the batch)."""
    check_space(space)
    if space == 'z':
        return (G.z_dim, )
    return (G.w_dim, ) if space == 'w' else (G.num_ws, G.w_dim)


def check_latent(G: nn.Module, latent: Tensor, space: str) -> None:
    """Raise ConfigError unless ``latent`` is [N, *latent_size(G, space)]."""
    size = latent_size(G, space)
    if not torch.is_tensor(latent) or tuple(latent.shape[1:]) != size \
            or latent.dim() != len(size) + 1:
        got = tuple(latent.shape) if torch.is_tensor(latent) else \
            type(latent).__name__
        raise ShapeError(
            f"a '{space}' latent has shape {got}, expected (N, "
            f"{', '.join(map(str, size))}) for {type(G).__name__}; pass "
            'codes of that space or change space=')


def broadcast_w(G: nn.Module, w: Tensor) -> Tensor:
    """``ws`` [N, num_ws, w_dim] from ``w`` [N, w_dim] (same w per layer)."""
    return w[:, None, :].expand(-1, G.num_ws, -1)


def ws_of(G: nn.Module, latent: Tensor, *, space: str,
          c: Optional[Tensor] = None,
          mapping_kwargs: Optional[Dict] = None) -> Tensor:
    """``ws`` [N, num_ws, w_dim] for a latent of ``space`` (differentiable).

    ``c`` and ``mapping_kwargs`` (e.g. ``truncation_psi``) are used only in
    z space (``mapping(z, c, **mapping_kwargs)``); w codes already hold
    them.
    """
    space = resolve_space(latent, space)
    check_latent(G, latent, space)
    if space == 'z':
        return G.mapping(latent, c, **(mapping_kwargs or {}))
    return broadcast_w(G, latent) if space == 'w' else latent


def repeat_c(c: Optional[Tensor], repeats: int) -> Optional[Tensor]:
    """``c`` [N, c_dim] -> [N * repeats, c_dim] (each row ``repeats``
    times, in order), or None."""
    return None if c is None else c.repeat_interleave(repeats, 0)


def noise_shapes(G: nn.Module) -> List[Tuple[int, int]]:
    """(H, W) of each noise input of ``G`` in synthesis order; [] if none.

    Read from ``G.noise_shapes()`` or, failing that, from the maps of
    ``G.make_noise(1, generator)`` (drawn from a private generator, so the
    global random state is untouched).
    """
    if hasattr(G, 'noise_shapes'):
        return [tuple(s) for s in G.noise_shapes()]
    if hasattr(G, 'make_noise'):
        rng = torch.Generator(device=model_device(G))
        return [tuple(v.shape[2:]) for v in G.make_noise(1, generator=rng)]
    return []


def const_noise(G: nn.Module, n: int,
                generator: Optional[torch.Generator] = None
                ) -> Optional[List[Tensor]]:
    """Per-code noise maps [n, 1, H, W] (``noise_shapes(G)`` order) that
    render like ``noise_mode='const'``: copies of ``G.noise_buffers()``
    when G has them, else maps drawn from ``generator``; None for a
    generator without noise inputs."""
    shapes = noise_shapes(G)
    if not shapes:
        return None
    if hasattr(G, 'noise_buffers'):
        return [v.detach().reshape(1, 1, *v.shape[-2:]).expand(
            n, -1, -1, -1).clone() for v in G.noise_buffers()]
    device = model_device(G)
    return [torch.randn(n, 1, h, w, generator=generator, device=device)
            for h, w in shapes]


def default_synthesis_kwargs(G: nn.Module,
                             synthesis_kwargs: Optional[Dict] = None
                             ) -> Dict:
    """``synthesis_kwargs`` or, when None, fixed noise for style generators
    (``noise_mode='const'``) and nothing for the others."""
    if synthesis_kwargs is not None:
        return dict(synthesis_kwargs)
    return {'noise_mode': 'const'} if G.has_w_space else {}


def model_device(G: nn.Module) -> torch.device:
    """Device of the first parameter or buffer of ``G`` (CPU if none)."""
    for t in list(G.parameters()) + list(G.buffers()):
        return t.device
    return torch.device('cpu')


@contextlib.contextmanager
def frozen(G: nn.Module) -> Iterator[nn.Module]:
    """Eval mode and ``requires_grad=False`` on G's parameters while inside;
    both restored on exit. Eval mode makes BatchNorm use its running
    statistics, so every image depends on its own latent only."""
    training = G.training
    flags = [(p, p.requires_grad) for p in G.parameters()]
    G.eval()
    for p, _ in flags:
        p.requires_grad_(False)
    try:
        yield G
    finally:
        G.train(training)
        for p, flag in flags:
            p.requires_grad_(flag)


def _channels_last(net: nn.Module) -> bool:
    return any(p.dim() == 4 and not p.is_contiguous()
               and p.is_contiguous(memory_format=torch.channels_last)
               for p in net.parameters())


@contextlib.contextmanager
def contiguous_while(net: nn.Module) -> Iterator[nn.Module]:
    """``net``'s 4-d tensors in the contiguous format while inside; a
    channels-last network gets its format back on exit. For optimising an
    input through a frozen network one image at a time (the projector):
    with channels-last weights, each backward pass copied every 512 x 512
    weight to the contiguous format, and a StyleGAN2-64 projector step
    took 0.309 s against 0.273 s (2 threads; at batch 4 they were equal;
    docs/speed.md)."""
    if not _channels_last(net):
        yield net
        return
    net.to(memory_format=torch.contiguous_format)
    try:
        yield net
    finally:
        net.to(memory_format=torch.channels_last)
