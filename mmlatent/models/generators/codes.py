"""Conditioning codes ``c`` of non-style generators.

``c`` is the concatenation of one one-hot block per categorical code
(``cat_dims``) and ``con_dim`` continuous codes in [-1, 1]:
``c = [onehot(k_0) | onehot(k_1) | ... | u_0 ... u_{con_dim-1}]``.
A conditional GAN has one categorical code (the class); InfoGAN has any
number of categorical and continuous codes.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from ...utils.errors import ConfigError


class CodeSpec:
    """Layout of ``c``: ``cat_dims`` one-hot blocks then ``con_dim`` reals."""

    def __init__(self, cat_dims: Sequence[int] = (), con_dim: int = 0):
        self.cat_dims = [int(k) for k in cat_dims]
        self.con_dim = int(con_dim)
        if any(k < 2 for k in self.cat_dims) or self.con_dim < 0:
            raise ConfigError(
                f'cat_dims={list(cat_dims)} and con_dim={con_dim} must be '
                '>= 2 categories per code and >= 0 continuous codes')

    @property
    def c_dim(self) -> int:
        return sum(self.cat_dims) + self.con_dim

    @property
    def num_classes(self) -> int:
        """Classes of the first categorical code (0 if there is none)."""
        return self.cat_dims[0] if self.cat_dims else 0

    def sample(self, n: int, generator: Optional[torch.Generator] = None,
               device='cpu') -> Optional[Tensor]:
        """Draw ``c`` [n, c_dim]: uniform categories, continuous U(-1, 1)."""
        if self.c_dim == 0:
            return None
        labels = torch.stack([
            torch.randint(k, (n, ), generator=generator, device=device)
            for k in self.cat_dims
        ], 1) if self.cat_dims else None
        con = (torch.rand(n, self.con_dim, generator=generator, device=device)
               * 2 - 1) if self.con_dim else None
        return self.make(labels, con, n=n, device=device)

    def make(self, labels: Optional[Tensor] = None,
             con: Optional[Tensor] = None, *, n: Optional[int] = None,
             device='cpu') -> Optional[Tensor]:
        """Build ``c`` from integer labels [n] or [n, len(cat_dims)] and
        continuous codes [n, con_dim] (zeros where not given)."""
        if self.c_dim == 0:
            return None
        n = n or (labels.shape[0] if labels is not None else con.shape[0])
        blocks = []
        if self.cat_dims:
            labels = self._check_labels(labels, n, device)
            blocks += [F.one_hot(labels[:, i], k).float()
                       for i, k in enumerate(self.cat_dims)]
        if self.con_dim:
            con = torch.zeros(n, self.con_dim, device=device) \
                if con is None else con.float()
            blocks.append(con.to(blocks[0].device) if blocks else con)
        return torch.cat(blocks, 1)

    def _check_labels(self, labels: Optional[Tensor], n: int,
                      device) -> Tensor:
        if labels is None:
            return torch.zeros(n, len(self.cat_dims), dtype=torch.long,
                               device=device)
        labels = torch.as_tensor(labels, device=device).long()
        if labels.dim() == 1:
            labels = labels[:, None].expand(-1, len(self.cat_dims))
        bad = [(i, int(labels[:, i].max())) for i, k in
               enumerate(self.cat_dims) if labels[:, i].max() >= k
               or labels[:, i].min() < 0]
        if bad:
            i, v = bad[0]
            raise ConfigError(f'label {v} is out of range for categorical '
                              f'code {i} with {self.cat_dims[i]} classes; '
                              f'use 0..{self.cat_dims[i] - 1}')
        return labels

    def split(self, c: Tensor) -> Tuple[List[Tensor], Optional[Tensor]]:
        """Split ``c`` into the one-hot blocks and the continuous codes."""
        blocks = list(c.split(self.cat_dims + [self.con_dim], 1))
        con = blocks.pop() if self.con_dim else None
        return blocks[:len(self.cat_dims)], con

    def labels(self, c: Tensor) -> Tensor:
        """Integer labels [n, len(cat_dims)] of ``c``."""
        return torch.stack([b.argmax(1) for b in self.split(c)[0]], 1)

    def sweep(self, c: Tensor, code: str, index: int,
              values: Optional[Sequence[float]] = None) -> Tensor:
        """Copies of ``c`` [n, c_dim] with one code set to each value:
        [len(values), n, c_dim]. ``code`` is ``'cat'`` (values = category
        indices, default all) or ``'con'`` (values default to 8 points
        from -1 to 1); ``index`` selects which code of that kind."""
        if code == 'cat':
            k = self.cat_dims[index]
            start = sum(self.cat_dims[:index])
            values = torch.arange(k) if values is None else \
                torch.as_tensor(values).long()
            block = F.one_hot(values, k).to(c)[:, None, :]
        else:
            k, start = 1, sum(self.cat_dims) + index
            values = torch.linspace(-1, 1, 8) if values is None else \
                torch.as_tensor(values, dtype=torch.float)
            block = values.to(c)[:, None, None]
        out = c[None].repeat(len(values), 1, 1)
        out[:, :, start:start + k] = block
        return out
