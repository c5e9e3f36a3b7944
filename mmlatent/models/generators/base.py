"""The latent interface every mmlatent generator implements (DESIGN.md §3).

=====================  ======================================================
``z_dim``              size of the prior sample ``z``
``w_dim``, ``num_ws``  size and count of the per-layer codes ``ws``
``c_dim``              size of the conditioning input ``c`` (0 if none)
``sample_z(n)``        ``z`` [n, z_dim] from the prior (normal or U(-1, 1))
``sample_c(n)``        ``c`` [n, c_dim] from the code prior (or the bank of
                       training conditions, ``c_bank``), or None
``mapping(z, c)``      ``ws`` [n, num_ws, w_dim]
``synthesis(ws)``      ``img`` [n, C, H, W] in [-1, 1]
``forward(z, c)``      ``synthesis(mapping(z, c))``
``direction_weights``  the matrix SeFa factorises, [k, w_dim]
=====================  ======================================================
"""
from typing import Optional, Sequence

import torch
from torch import Tensor, nn

from ...utils.errors import ConfigError, ShapeError
from .code_bank import CodeBank
from .codes import CodeSpec

PRIORS = ('normal', 'uniform')


class BaseGenerator(nn.Module):
    """Holds the latent sizes, the prior and the code layout.

    ``c_bank`` > 0 keeps the last ``c_bank`` training conditions
    (:class:`CodeBank`, filled by models whose conditions are not drawn
    from the layout's prior, e.g. text embeddings); ``sample_c`` then draws
    from them once any are recorded."""

    #: True for generators with a learned mapping network and a W space.
    has_w_space = False
    #: what ``w`` is for a generator without a W space (tools' notes)
    w_meaning = 'its input w = [z | c]'
    #: True when ``w`` is the network input ``[z | c]`` (no mapping), so an
    #: edited ``w`` still splits into a z code and a condition.
    w_is_input = False

    def __init__(self, z_dim: int, w_dim: int, num_ws: int, *,
                 resolution: int, out_channels: int = 3,
                 prior: str = 'normal', cat_dims: Sequence[int] = (),
                 con_dim: int = 0, c_bank: int = 0):
        super().__init__()
        if prior not in PRIORS:
            raise ConfigError(f"prior='{prior}' is not one of {PRIORS}")
        self.z_dim, self.w_dim, self.num_ws = int(z_dim), int(w_dim), num_ws
        self.resolution, self.out_channels = resolution, out_channels
        self.prior = prior
        self.codes = CodeSpec(cat_dims, con_dim)
        self.c_bank = CodeBank(c_bank, self.codes.c_dim) if c_bank else None

    @property
    def c_dim(self) -> int:
        return self.codes.c_dim

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def sample_z(self, n: int,
                 generator: Optional[torch.Generator] = None) -> Tensor:
        """``z`` [n, z_dim] from the prior, on the generator's device."""
        shape, dev = (n, self.z_dim), self.device
        if self.prior == 'normal':
            return torch.randn(shape, generator=generator, device=dev)
        return torch.rand(shape, generator=generator, device=dev) * 2 - 1

    def sample_c(self, n: int, generator: Optional[torch.Generator] = None
                 ) -> Optional[Tensor]:
        """``c`` [n, c_dim] from the bank of training conditions when it
        holds any, else from the code prior; None if ``c_dim == 0``."""
        if self.c_bank is not None and self.c_bank.filled:
            return self.c_bank.sample(n, generator)
        return self.codes.sample(n, generator, self.device)

    def make_c(self, labels=None, con: Optional[Tensor] = None, *,
               n: Optional[int] = None) -> Optional[Tensor]:
        """``c`` from integer labels and continuous codes (see CodeSpec)."""
        return self.codes.make(labels, con, n=n, device=self.device)

    def check_c(self, c: Optional[Tensor], n: int) -> Optional[Tensor]:
        """Validate ``c`` for a batch of ``n``."""
        if self.c_dim == 0:
            if c is not None and c.numel() > 0:
                raise ConfigError('this generator takes no condition c; '
                                  'drop --label / the code argument')
            return None
        if c is None:
            raise ConfigError(f'this generator needs a condition c of size '
                              f'{self.c_dim}; give a label or codes')
        if c.shape != (n, self.c_dim):
            raise ShapeError(f'c has shape {tuple(c.shape)}, expected '
                             f'({n}, {self.c_dim})')
        return c

    def z_and_c(self, z: Tensor, c: Optional[Tensor],
                options: dict) -> Tensor:
        """``[z | c]`` [n, z_dim + c_dim], after checking ``z``, ``c`` and
        that ``mapping`` got no ``options``."""
        if options:
            raise ConfigError(f'{type(self).__name__}.mapping takes no '
                              f'options, got {sorted(options)}')
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ShapeError(f'z has shape {tuple(z.shape)}, expected '
                             f'(N, {self.z_dim})')
        c = self.check_c(c, z.shape[0])
        return z if c is None else torch.cat([z, c.to(z)], 1)

    def mapping(self, z: Tensor, c: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        raise NotImplementedError

    def synthesis(self, ws: Tensor, **kwargs) -> Tensor:
        raise NotImplementedError

    def forward(self, z: Tensor, c: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """``img = synthesis(mapping(z, c))``; kwargs go to ``synthesis``."""
        return self.synthesis(self.mapping(z, c), **kwargs)

    def direction_weights(self, layers: Optional[Sequence[int]] = None
                          ) -> Tensor:
        raise NotImplementedError


class VectorInputGenerator(BaseGenerator):
    """A generator whose network input is the vector ``w = [z | c]``.

    It has no learned mapping: ``mapping`` concatenates ``z`` and ``c`` and
    ``num_ws == 1``, ``w_dim == z_dim + c_dim``.  Editing ``w`` therefore
    moves the codes too (class-to-class interpolation); latent tools that
    must hold ``c`` fixed work in z space.
    """
    w_is_input = True

    def __init__(self, z_dim: int, **kwargs):
        super().__init__(z_dim, z_dim, 1, **kwargs)
        self.w_dim = self.z_dim + self.c_dim

    def mapping(self, z: Tensor, c: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """``ws`` = [z | c] as [n, 1, z_dim + c_dim]."""
        return self.z_and_c(z, c, kwargs)[:, None]

    def to_w(self, ws: Tensor) -> Tensor:
        """[n, w_dim] from ``ws`` given as [n, w_dim] or [n, 1, w_dim]."""
        return one_w(ws, self.w_dim, type(self).__name__)


def one_w(ws: Tensor, w_dim: int, owner: str) -> Tensor:
    """[n, w_dim] from ``ws`` given as [n, w_dim] or [n, 1, w_dim]: the
    input of a generator (``owner``) with one ``w`` per image."""
    if ws.dim() == 3 and ws.shape[1] == 1:
        ws = ws[:, 0]
    if ws.dim() != 2 or ws.shape[1] != w_dim:
        raise ShapeError(f'ws has shape {tuple(ws.shape)}, expected (N, 1, '
                         f'{w_dim}); {owner} has one w per image (no W+ '
                         'space)')
    return ws


def one_input_layer(layers: Optional[Sequence[int]], owner: str) -> None:
    """Check the ``layers`` of ``direction_weights`` for a generator
    (``owner``) whose ``w`` enters one layer: only 0 or none."""
    if layers not in (None, [], [0], (0, )):
        raise ConfigError(f'layers={layers}: {owner} has one input layer; '
                          'use layers 0 or none')
