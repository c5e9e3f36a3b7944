"""A discriminator on autoencoder codes (the l-GAN's critic)."""
from typing import Optional

import torch
from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ShapeError
from ..layers import check_condition, code_mlp


@MODELS.register_module()
class CodeDiscriminator(nn.Module):
    """An MLP ``code_dim -> width -> ... -> 1`` with LeakyReLU(0.2), no
    normalisation (pair it with R1), scoring codes [n, code_dim].

    Args:
        code_dim: size of the codes.
        width, depth: hidden width and number of linear layers.
        c_dim: size of a condition ``c`` scored with the code (its input
            is ``[w | c]``); 0 for none.
    """

    def __init__(self, code_dim: int = 16, width: int = 256,
                 depth: int = 4, c_dim: int = 0):
        super().__init__()
        self.code_dim, self.c_dim = code_dim, c_dim
        self.net = code_mlp(code_dim + c_dim, 1, width, depth)

    def forward(self, w: Tensor, c: Optional[Tensor] = None) -> Tensor:
        """Raw score [n] of the codes ``w`` [n, code_dim] (with their
        conditions ``c`` [n, c_dim] when ``c_dim`` > 0)."""
        if w.dim() != 2 or w.shape[1] != self.code_dim:
            raise ShapeError(f'codes have shape {tuple(w.shape)}, expected '
                             f'(N, {self.code_dim})')
        if self.c_dim:
            check_condition(c, w.shape[0], self.c_dim,
                            'the code discriminator')
            w = torch.cat([w, c.to(w)], 1)
        return self.net(w).flatten()
