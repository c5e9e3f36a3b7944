"""Codes and measured factors of generated Shapes images, the data of the
disentanglement metrics (:mod:`mmlatent.evaluation.disentanglement`)."""
import logging
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor, nn

from ..datasets.measure import measure_factors
from ..latent.directions import direction_matrix
from ..latent.spaces import default_synthesis_kwargs
from ..utils.errors import ConfigError, ShapeError
from .metric import GenerativeMetric
from .validity import check_measure, measure_options

logger = logging.getLogger(__name__)
FACTORS = ('label', 'x', 'y', 'scale', 'rotation', 'hue')
CODES = ('z', 'w', 'c')
MIN_VALID = 50


class FactorMetric(GenerativeMetric):
    """Collects (codes, measured factors) of valid generated images.

    Args:
        codes: ``'z'``, ``'w'`` (``mapping(z, c)`` of the first layer) or
            ``'c'`` (conditioning codes, e.g. InfoGAN's).
        directions: None, or directions [k, d] in the space ``codes``
            (``'z'`` or ``'w'``): a tensor or a ``.pt`` file (a tensor, a
            SeFa cache or a latent file); the codes become the coordinates
            ``latent @ directions.T``.
        num_directions: use only the first k directions.
        factors: measured factors to score against (subset of
            ``label, x, y, scale, rotation, hue``).
        measure: ``measure_factors`` options (default: the training set's
            classes and scale range when known).
        num_samples, prefix: see GenerativeMetric.
    """
    needs_generator = True

    def __init__(self, codes: str = 'z',
                 directions: Union[None, str, Tensor] = None,
                 num_directions: Optional[int] = None,
                 factors: Sequence[str] = FACTORS,
                 measure: Optional[dict] = None,
                 num_samples: Optional[int] = None,
                 prefix: Optional[str] = None):
        super().__init__(num_samples=num_samples, prefix=prefix)
        if codes not in CODES:
            raise ConfigError(f"codes='{codes}' is not one of {CODES}")
        if directions is not None and codes == 'c':
            raise ConfigError("directions need codes='z' or 'w' (the space "
                              "they live in), not 'c'")
        bad = [f for f in factors if f not in FACTORS]
        if bad or not factors:
            raise ConfigError(f'factors={tuple(factors)!r} must be names '
                              f'from {FACTORS}')
        self.codes, self.factors = codes, tuple(factors)
        self.directions = None if directions is None else \
            direction_matrix(directions)
        if self.directions is not None and num_directions:
            self.directions = self.directions[:num_directions]
        self.measure = check_measure(measure)
        self.options = dict(self.measure or {})

    def reset_fake(self) -> None:
        super().reset_fake()
        self.code_parts, self.factor_parts = [], []

    def prepare(self, G: nn.Module, dataset_meta=None) -> None:
        self.options = measure_options(self.measure, dataset_meta)
        if self.codes == 'c' and G.c_dim == 0:
            raise ConfigError("codes='c' but the generator has no "
                              "condition; use codes='z'")
        size = G.z_dim if self.codes == 'z' else G.w_dim
        if self.directions is not None and \
                self.directions.shape[1] != size:
            raise ShapeError(
                f'directions have shape {tuple(self.directions.shape)}, '
                f"expected [k, {size}] for codes='{self.codes}'")

    def _codes(self, G: nn.Module, z: Tensor, c: Optional[Tensor],
               ws: Tensor) -> Tensor:
        code = {'z': z, 'w': ws[:, 0], 'c': c}[self.codes]
        if self.directions is not None:
            code = code @ self.directions.to(code).t()
        return code

    def process_generator(self, G: nn.Module, n: int, gen) -> None:
        with torch.no_grad():
            z, c = G.sample_z(n, gen), G.sample_c(n, gen)
            ws = G.mapping(z, c)
            img = G.synthesis(ws, **default_synthesis_kwargs(G))
            codes = self._codes(G, z, c, ws).double().cpu().numpy()
        m = measure_factors(img.cpu(), **self.options)
        valid = m['valid'].numpy()
        self.code_parts.append(codes[valid])
        self.factor_parts.append(np.stack(
            [m[f].double().numpy()[valid] for f in self.factors], 1))

    def collected(self) -> Tuple[Optional[np.ndarray],
                                 Optional[np.ndarray]]:
        """(codes [n, J], factors [n, K]) of the valid images, or
        (None, None) with a warning when fewer than MIN_VALID are."""
        codes = np.concatenate(self.code_parts) if self.code_parts else \
            np.zeros((0, 0))
        if len(codes) < MIN_VALID:
            logger.warning(
                f'{self.name}: only {len(codes)} of {self.fake_count} '
                f'generated images are valid Shapes images (at least '
                f'{MIN_VALID} needed); the value is NaN')
            return None, None
        return codes, np.concatenate(self.factor_parts)
