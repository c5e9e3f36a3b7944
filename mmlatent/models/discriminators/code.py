"""A discriminator on autoencoder codes (the l-GAN's critic)."""
from typing import Optional

import torch
from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ConfigError, ShapeError
from ..layers import check_condition, code_mlp

CONDITIONINGS = ('concat', 'projection')


@MODELS.register_module()
class CodeDiscriminator(nn.Module):
    """An MLP ``code_dim -> width -> ... -> 1`` with LeakyReLU(0.2), no
    normalisation (pair it with R1), scoring codes [n, code_dim].

    Args:
        code_dim: size of the codes.
        width, depth: hidden width and number of linear layers.
        c_dim: size of a condition ``c`` scored with the code; 0 for none.
        conditioning: how ``c`` enters: ``concat`` (the input is
            ``[w | c]``) or ``projection`` (Miyato & Koyama 2018: the
            score is ``head(phi(w)) + <embed(c), phi(w)>``, ``phi`` the
            MLP's hidden layers, ``embed`` a linear map of ``c``), which
            makes a score that ignores ``c`` harder to fall back on.
    """

    def __init__(self, code_dim: int = 16, width: int = 256,
                 depth: int = 4, c_dim: int = 0,
                 conditioning: str = 'concat'):
        super().__init__()
        if conditioning not in CONDITIONINGS:
            raise ConfigError(f"conditioning='{conditioning}' is not one of "
                              f'{CONDITIONINGS}')
        self.code_dim, self.c_dim = code_dim, c_dim
        self.conditioning = conditioning
        if self.projects:
            if depth < 2:
                raise ConfigError(
                    f'projection conditioning needs depth >= 2 (hidden '
                    f'features to project on), got depth={depth}')
            self.net = nn.Sequential(
                code_mlp(code_dim, width, width, depth - 1),
                nn.LeakyReLU(0.2))
            self.head = nn.Linear(width, 1)
            self.embed = nn.Linear(c_dim, width, bias=False)
        else:
            self.net = code_mlp(code_dim + c_dim, 1, width, depth)

    @property
    def projects(self) -> bool:
        """Whether ``c`` enters by projection (needs ``c_dim`` > 0)."""
        return self.conditioning == 'projection' and self.c_dim > 0

    def forward(self, w: Tensor, c: Optional[Tensor] = None) -> Tensor:
        """Raw score [n] of the codes ``w`` [n, code_dim] (with their
        conditions ``c`` [n, c_dim] when ``c_dim`` > 0)."""
        if w.dim() != 2 or w.shape[1] != self.code_dim:
            raise ShapeError(f'codes have shape {tuple(w.shape)}, expected '
                             f'(N, {self.code_dim})')
        if not self.c_dim:
            return self.net(w).flatten()
        check_condition(c, w.shape[0], self.c_dim, 'the code discriminator')
        c = c.to(w)
        if not self.projects:
            return self.net(torch.cat([w, c], 1)).flatten()
        h = self.net(w)
        return (self.head(h) + (self.embed(c) * h).sum(1,
                                                       keepdim=True)).flatten()
