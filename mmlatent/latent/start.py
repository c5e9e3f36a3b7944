"""The codes an app starts from: the codes of latent files, or codes drawn
from a seed (and classes) in the requested space."""
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from ..utils.errors import ConfigError
from .codes import Codes, cat_codes, to_space


def sample_condition(G: nn.Module, n: int, *,
                     label: Optional[Sequence[int]] = None,
                     con: Optional[Sequence[float]] = None,
                     generator: Optional[torch.Generator] = None
                     ) -> Optional[Tensor]:
    """``c`` [n, c_dim] drawn from G's code prior, with the categorical
    codes set to ``label`` (one class per categorical code) and the
    continuous ones to ``con`` where given; None for unconditional
    generators."""
    if G.c_dim == 0:
        if label or con:
            raise ConfigError('--label / --con given but the generator is '
                              'unconditional; drop them')
        return None
    codes = G.codes
    c = G.sample_c(n, generator)
    cat = sum(codes.cat_dims)
    if label is not None:
        if len(label) != len(codes.cat_dims):
            raise ConfigError(f'--label takes {len(codes.cat_dims)} value(s) '
                              f'(categorical codes of sizes {codes.cat_dims})'
                              f', got {len(label)}')
        labels = torch.tensor(label, device=c.device)[None].expand(n, -1)
        c[:, :cat] = G.make_c(labels, n=n)[:, :cat]
    if con is not None:
        if len(con) != codes.con_dim:
            raise ConfigError(f'--con takes {codes.con_dim} value(s), got '
                              f'{len(con)}')
        c[:, cat:] = torch.tensor(con, device=c.device)
    return c


def seed_z(G: nn.Module, seeds: Sequence[int]) -> Tensor:
    """``z`` [len(seeds), z_dim]: row i from ``RandomState(seeds[i])``
    (normal prior: ``randn``; uniform prior: ``uniform(-1, 1)``)."""
    rows = [np.random.RandomState(int(s)).randn(1, G.z_dim)
            if G.prior == 'normal' else
            np.random.RandomState(int(s)).uniform(-1, 1, (1, G.z_dim))
            for s in seeds]
    return torch.from_numpy(np.concatenate(rows)).float()


def start_codes(G: nn.Module, num: Optional[int] = None, *,
                space: Optional[str] = None, files: Optional[Codes] = None,
                fill: bool = False,
                label: Optional[Sequence[int]] = None,
                con: Optional[Sequence[float]] = None,
                generator: Optional[torch.Generator] = None,
                seeds: Optional[Sequence[int]] = None,
                mapping_kwargs: Optional[Dict] = None) -> Codes:
    """The codes to start from, in ``space`` (default: the space of
    ``files``, else ``z``).

    With ``files`` (e.g. :func:`~mmlatent.latent.io.load_codes`): their
    first ``num`` codes (all when ``num`` is None), and with ``fill`` as
    many drawn codes after them as make ``num``. Without: ``num`` codes
    drawn from the prior, z first, then ``c`` (:func:`sample_condition`
    with ``label`` / ``con``), both from ``generator``; or with ``seeds``
    one z per seed (:func:`seed_z`, NVIDIA's convention) and ``num =
    len(seeds)``. ``mapping_kwargs`` (e.g. truncation) apply wherever z is
    mapped to w.
    """
    if seeds is not None:
        if files is not None:
            raise ConfigError('give either latent files or seeds')
        num = len(seeds)
    if files is None and (num is None or num < 1):
        raise ConfigError(f'num={num} codes to draw; give a positive number')
    space = space or (files.space if files is not None else 'z')
    parts = [] if files is None else [
        to_space(files[:num], G, space, mapping_kwargs=mapping_kwargs)]
    wanted = num if files is None or (fill and num) else 0
    missing = wanted - sum(map(len, parts))
    if missing > 0:
        z = G.sample_z(missing, generator) if seeds is None else \
            seed_z(G, seeds).to(G.device)
        c = sample_condition(G, missing, label=label, con=con,
                             generator=generator)
        parts.append(to_space(Codes(z, 'z', c), G, space,
                              mapping_kwargs=mapping_kwargs))
    return parts[0] if len(parts) == 1 else cat_codes(parts, G,
                                                      generator=generator)
