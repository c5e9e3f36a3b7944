"""Latent codes as tools and apps handle them: drawn from the prior,
converted between spaces and rendered (latent files read and write them:
:mod:`mmlatent.latent.io`).

A :class:`Codes` bundles N codes of one space with what renders them: the
condition ``c`` of z codes and, for style generators, per-code noise maps.
Conversions go one way, ``z -> w -> w+``: a ``w`` code is the same w for
every layer and a ``w+`` code whose layers are all equal is a ``w`` code;
w codes cannot be mapped back to z. For a generator without a learned W
space (DCGAN, WGAN-GP, conditional, InfoGAN) ``w`` is its input vector
``[z | c]`` and there is no ``w+``.
"""
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor, nn

from ..utils.errors import ConfigError
from .interpolation import render
from .spaces import SPACES, broadcast_w, check_space, const_noise, \
    default_synthesis_kwargs

_ORDER = {space: i for i, space in enumerate(SPACES)}


@dataclass
class Codes:
    """N latent codes of one space.

    latent: [N, z_dim] (``z``), [N, w_dim] (``w``) or [N, num_ws, w_dim]
        (``w+``).
    c: [N, c_dim] condition of z codes (None for w codes and
        unconditional generators).
    noise: per-code noise maps [N, 1, H, W] in ``noise_shapes(G)`` order,
        or None (then ``noise_mode='const'`` is used).
    """
    latent: Tensor
    space: str
    c: Optional[Tensor] = None
    noise: Optional[List[Tensor]] = None

    def __len__(self) -> int:
        return self.latent.shape[0]

    def __getitem__(self, part) -> 'Codes':
        """Codes ``part`` (a slice or index tensor) of this batch."""
        if isinstance(part, int):
            part = slice(part, part + 1)
        return Codes(self.latent[part], self.space,
                     None if self.c is None else self.c[part],
                     None if self.noise is None else
                     [v[part] for v in self.noise])

    def to(self, device) -> 'Codes':
        """These codes (latent, ``c`` and noise maps) on ``device``."""
        return Codes(self.latent.to(device), self.space,
                     None if self.c is None else self.c.to(device),
                     None if self.noise is None else
                     [v.to(device) for v in self.noise])

    def synthesis_kwargs(self, G: nn.Module,
                         extra: Optional[Dict] = None) -> Dict:
        """``G.synthesis`` options: ``extra`` (default: fixed noise for
        style generators) plus these codes' noise maps."""
        kwargs = default_synthesis_kwargs(G, extra)
        if self.noise is not None:
            kwargs['noise'] = self.noise
        return kwargs


def require_w_space(G: nn.Module, what: str) -> None:
    """One-line ConfigError unless ``G`` has a learned W space."""
    if not G.has_w_space:
        raise ConfigError(
            f'{what} needs a generator with a learned W space (a style '
            f'generator such as StyleGAN2); {type(G).__name__} has none '
            f'({G.w_meaning})')


def sample_codes(G: nn.Module, n: int, *, space: str = 'z',
                 c: Optional[Tensor] = None,
                 generator: Optional[torch.Generator] = None,
                 mapping_kwargs: Optional[Dict] = None) -> Codes:
    """``n`` codes from the prior: z, or ``mapping(z, c)`` as w (W+ when
    ``mapping_kwargs`` make the layers differ, e.g. a truncation cutoff)
    or w+. ``c`` [n, c_dim] conditions the codes."""
    check_space(space)
    z = G.sample_z(n, generator)
    codes = Codes(z, 'z', c)
    return to_space(codes, G, space, mapping_kwargs=mapping_kwargs)


def compact(codes: Codes) -> Codes:
    """``w+`` codes whose layers are all equal as ``w`` codes."""
    if codes.space != 'w+':
        return codes
    first = codes.latent[:, :1]
    if not torch.equal(codes.latent, first.expand_as(codes.latent)):
        return codes
    return replace(codes, latent=first[:, 0].contiguous(), space='w')


def to_space(codes: Codes, G: nn.Module, space: str, *,
             mapping_kwargs: Optional[Dict] = None) -> Codes:
    """``codes`` in ``space``; ``w`` may come back as ``w+`` when the
    mapped layers differ (truncation cutoff). One-line ConfigError for
    w -> z and for W+ codes with distinct layers asked for as ``w``."""
    check_space(space)
    if codes.space == space:
        return codes
    if _ORDER[space] < _ORDER[codes.space]:
        if codes.space == 'w+' and space == 'w':
            out = compact(codes)
            if out.space == 'w':
                return out
            raise ConfigError(
                'the codes are W+ (one w per layer, layers differ); use the '
                'W+ space (e.g. --space w+) or codes of one w')
        raise ConfigError(
            f"'{codes.space}' codes cannot be mapped back to z; use "
            f"--space {codes.space.rstrip('+')} with them")
    latent = codes.latent
    with torch.no_grad():
        if codes.space == 'z':
            latent = G.mapping(latent, codes.c, **(mapping_kwargs or {}))
        else:  # w -> w+
            latent = broadcast_w(G, latent).contiguous()
    out = Codes(latent, 'w+', None, codes.noise)
    return compact(out) if space == 'w' else out


def highest_space(spaces: Sequence[str]) -> str:
    """The last of ``spaces`` in the order ``z -> w -> w+``: the one that
    codes of all of them can be converted to."""
    return max(spaces, key=_ORDER.get)


def cat_codes(parts: Sequence[Codes], G: nn.Module, *,
              generator: Optional[torch.Generator] = None) -> Codes:
    """Codes of one space stacked; when only some parts hold noise maps,
    the others get the fixed noise (see :func:`spaces.const_noise`)."""
    parts = [p for p in parts if len(p)]
    spaces = {p.space for p in parts}
    if len(spaces) != 1:
        raise ConfigError(f'cannot stack codes of spaces {sorted(spaces)}; '
                          'convert them to one space first')
    with_c = [p.c is not None for p in parts]
    if any(with_c) and not all(with_c):
        raise ConfigError('some z codes have a condition c and others none; '
                          'use codes of one generator')
    noise = None
    if any(p.noise is not None for p in parts):
        maps = [p.noise or const_noise(G, len(p), generator) for p in parts]
        noise = [torch.cat(level) for level in zip(*maps)]
    return Codes(torch.cat([p.latent for p in parts]), parts[0].space,
                 torch.cat([p.c for p in parts]) if all(with_c) else None,
                 noise)


def render_codes(G: nn.Module, codes: Codes, *, batch_size: int = 16,
                 synthesis_kwargs: Optional[Dict] = None,
                 mapping_kwargs: Optional[Dict] = None,
                 progress: bool = False) -> Tensor:
    """Images of ``codes`` [N, C, H, W] on the CPU, in batches, without
    gradients (see :func:`interpolation.render`)."""
    return render(G, codes.latent, space=codes.space, c=codes.c,
                  batch_size=batch_size,
                  synthesis_kwargs=codes.synthesis_kwargs(G,
                                                          synthesis_kwargs),
                  mapping_kwargs=mapping_kwargs, progress=progress)
