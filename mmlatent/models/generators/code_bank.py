"""An empirical prior for the condition ``c``: a ring buffer of the
conditions G was trained on, from which ``sample_c`` draws.

A text-conditioned G is trained on the text embeddings of captions; its
layout prior (uniform continuous codes, :class:`CodeSpec`) is not a text
embedding, so sampling it would feed G noise. With a bank the model
records each training batch's conditions, the bank is saved with G (it is
a pair of buffers), and every consumer of ``G.sample_c`` (evaluation, the
sample apps, the explorer) draws conditions from the data's distribution.
"""
from typing import Optional

import torch
from torch import Tensor, nn

from ...utils.errors import ConfigError, ShapeError


class CodeBank(nn.Module):
    """The last ``size`` conditions ``c`` [size, c_dim] G was trained on.

    Args:
        size: rows kept (the oldest are overwritten first).
        c_dim: size of one condition.
    """

    def __init__(self, size: int, c_dim: int):
        super().__init__()
        if size < 1 or c_dim < 1:
            raise ConfigError(f'c_bank={size} needs a conditional generator '
                              f'(c_dim={c_dim}) and size >= 1; set c_bank=0 '
                              'or give the generator con_dim / cat_dims')
        self.register_buffer('codes', torch.zeros(size, c_dim))
        self.register_buffer('count', torch.tensor(0, dtype=torch.long))

    @property
    def filled(self) -> int:
        """Rows recorded so far (at most ``size``)."""
        return min(int(self.count), self.codes.shape[0])

    @torch.no_grad()
    def record(self, c: Tensor) -> None:
        """Write the rows of ``c`` [n, c_dim] over the oldest ones."""
        size, dim = self.codes.shape
        if c.dim() != 2 or c.shape[1] != dim:
            raise ShapeError(f'c has shape {tuple(c.shape)}, expected '
                             f'(n, {dim})')
        c = c.detach()[-size:]
        rows = (int(self.count) + torch.arange(c.shape[0])) % size
        self.codes[rows.to(self.codes.device)] = c.to(self.codes)
        self.count += c.shape[0]

    def sample(self, n: int, generator: Optional[torch.Generator] = None
               ) -> Tensor:
        """``n`` recorded rows drawn uniformly with replacement."""
        if not self.filled:
            raise ConfigError('the condition bank is empty: the generator '
                              'has not been trained yet')
        idx = torch.randint(self.filled, (n, ), generator=generator,
                            device=self.codes.device)
        return self.codes[idx].clone()
