"""Metrics of generated images along held-out latent segments
``z(t) = lerp(z1, z2, t)`` (z1, z2 from the prior, ``c`` fixed along a
segment, constant noise for style generators): what the continuity
regulariser is for.

* :class:`NormalisedContinuity`: the held-out penalty divided by the spread
  ``mean((G(z2) - G(z1))^2)`` (the raw penalty grows with the spread, so it
  rewards collapse), and the spread itself;
* :class:`ChordDeviation`: the distance of ``G(z(t))`` from the pixel chord
  ``lerp(G(z1), G(z2), t)``, relative to the chord length;
* :class:`LinearPieces`: activation-pattern changes along the segment,
  counted exactly (:func:`~mmlatent.latent.pieces.linear_pieces`).
"""
from typing import Dict, Optional, Tuple

import torch
from torch import Tensor, nn

from ..latent.pieces import linear_pieces
from ..latent.spaces import default_synthesis_kwargs
from ..models.losses.continuity import continuity_residual
from ..registry import METRICS
from ..utils.errors import ConfigError
from .metric import GenerativeMetric, positive_int


def draw_segments(G: nn.Module, n: int,
                  generator: Optional[torch.Generator] = None
                  ) -> Tuple[Tensor, Tensor, Optional[Tensor]]:
    """``z1, z2`` [n, z_dim] from the prior and ``c`` [n, c_dim] (or
    None) from the code prior."""
    z1, z2 = G.sample_z(n, generator), G.sample_z(n, generator)
    return z1, z2, G.sample_c(n, generator)


def images_along(G: nn.Module, z1: Tensor, z2: Tensor, c: Optional[Tensor],
                 t: Tensor) -> Tensor:
    """``G(lerp(z1, z2, t_k), c)`` for every segment and every ``t`` [k]:
    [n, k, C, H, W] (no gradients)."""
    n, k = z1.shape[0], t.numel()
    t = t.to(z1).view(1, k, 1)
    z = torch.lerp(z1[:, None], z2[:, None], t).reshape(n * k, -1)
    cc = None if c is None else c.repeat_interleave(k, 0)
    with torch.no_grad():
        img = G(z, cc, **default_synthesis_kwargs(G))
    return img.view(n, k, *img.shape[1:])


class SegmentMetric(GenerativeMetric):
    """A generator metric that accumulates per-segment values."""
    needs_generator = True

    def reset_fake(self) -> None:
        super().reset_fake()
        self.values: Dict[str, list] = {}

    def add(self, **values: Tensor) -> None:
        for key, v in values.items():
            self.values.setdefault(key, []).append(v.detach().double().cpu())

    def cat(self, key: str) -> Tensor:
        if not self.values.get(key):
            raise ConfigError(f'the {self.name} metric got no samples')
        return torch.cat(self.values[key])


@METRICS.register_module()
class NormalisedContinuity(SegmentMetric):
    """``continuity_norm`` = sum of the held-out continuity penalty (residual
    form, gamma ~ U(0, 1)) over pairs / sum of ``mean((G(z2) - G(z1))^2)``,
    and ``continuity_spread`` = the mean of the latter (0 for a collapsed
    generator)."""

    @property
    def default_prefix(self) -> str:
        return 'continuity'

    @property
    def rules(self) -> Dict[str, str]:
        return {f'{self.name}_norm': 'less', f'{self.name}_spread': 'greater'}

    def process_generator(self, G: nn.Module, n: int, gen) -> None:
        z1, z2, c = draw_segments(G, n, gen)
        gamma = torch.rand(n, generator=gen, device=z1.device)
        z = torch.stack([z1, z2, torch.lerp(z1, z2, gamma[:, None])], 1)
        cc = None if c is None else c.repeat_interleave(3, 0)
        with torch.no_grad():
            img = G(z.flatten(0, 1), cc, **default_synthesis_kwargs(G))
        img = img.view(n, 3, *img.shape[1:])
        img1, img2, mid = img.unbind(1)
        resid = continuity_residual(img1, img2, mid, gamma)
        self.add(penalty=resid.square().flatten(1).mean(1),
                 spread=(img2 - img1).square().flatten(1).mean(1))

    def summary(self) -> Dict[str, float]:
        penalty, spread = self.cat('penalty'), self.cat('spread')
        norm = penalty.sum() / spread.sum().clamp_min(1e-12)
        return {f'{self.name}_norm': float(norm),
                f'{self.name}_spread': float(spread.mean())}


@METRICS.register_module()
class ChordDeviation(SegmentMetric):
    """``chord_max`` / ``chord_mean``: per segment, the largest / mean over
    ``steps`` interior points ``t = k / (steps + 1)`` of
    ``|G(z(t)) - lerp(G(z1), G(z2), t)| / |G(z2) - G(z1)|`` (L2 over
    pixels), averaged over segments whose chord is at least
    ``min_length`` long (identical end images, e.g. two empty frames of a
    clamped generator, have no chord to leave). 0 for an affine generator;
    a cross-fade has 0 too, so read it with the ghosting metric."""

    def __init__(self, steps: int = 15, min_length: float = 1e-3,
                 num_samples: Optional[int] = None,
                 prefix: Optional[str] = None):
        super().__init__(num_samples=num_samples, prefix=prefix)
        self.steps = positive_int('steps', steps)
        self.min_length = float(min_length)

    @property
    def default_prefix(self) -> str:
        return 'chord'

    @property
    def rules(self) -> Dict[str, str]:
        return {f'{self.name}_max': 'less', f'{self.name}_mean': 'less'}

    def process_generator(self, G: nn.Module, n: int, gen) -> None:
        z1, z2, c = draw_segments(G, n, gen)
        t = torch.linspace(0, 1, self.steps + 2, dtype=torch.float64)
        img = images_along(G, z1, z2, c, t).flatten(2).double()
        ends, inner = img[:, [0, -1]], img[:, 1:-1]
        chord = torch.lerp(ends[:, :1], ends[:, 1:], t[1:-1, None].to(img))
        length = (ends[:, 1] - ends[:, 0]).norm(dim=1)
        dev = (inner - chord).norm(dim=2) / length[:, None]
        dev[length < self.min_length] = torch.nan   # no chord to leave
        self.add(max=dev.amax(1), mean=dev.mean(1))

    def summary(self) -> Dict[str, float]:
        return {f'{self.name}_max': float(self.cat('max').nanmean()),
                f'{self.name}_mean': float(self.cat('mean').nanmean())}


@METRICS.register_module()
class LinearPieces(SegmentMetric):
    """``pieces``: mean number of activation-pattern changes of the
    generator's ReLU/LeakyReLU units (batch-norm in eval mode) along a
    segment, counted exactly; also ``pieces_per_unit`` (the same divided by
    the number of units, comparable across widths). The generator must be
    piecewise linear up to a monotone output (tanh); with
    ``output='relu_clamp'`` the count covers the whole network.

    Args:
        num_samples: segments (default 8: a segment of the 32 px DCGAN
            takes seconds).
        dtype: ``float64`` (default, exact) or ``float32`` (about 2.5x
            faster on a CPU; on the 32 px DCGAN it found 0.2% fewer
            changes with ``tol=1e-7``).
        tol: relative zero tolerance (default 1e-9 in float64, 1e-7 in
            float32).
    """

    def __init__(self, num_samples: Optional[int] = 8,
                 dtype: str = 'float64', tol: Optional[float] = None,
                 prefix: Optional[str] = None):
        super().__init__(num_samples=num_samples, prefix=prefix)
        if dtype not in ('float64', 'float32'):
            raise ConfigError(f"LinearPieces dtype='{dtype}' is not one of "
                              "('float64', 'float32')")
        self.dtype = getattr(torch, dtype)
        self.tol = tol if tol is not None else \
            (1e-9 if dtype == 'float64' else 1e-7)

    @property
    def default_prefix(self) -> str:
        return 'pieces'

    @property
    def rules(self) -> Dict[str, str]:
        return {self.name: 'less', f'{self.name}_per_unit': 'less'}

    def prepare(self, G: nn.Module, dataset_meta=None) -> None:
        self.units = self.count_units(G)

    @staticmethod
    def count_units(G: nn.Module) -> int:
        """Units of ``G``: the output elements of its ReLU/LeakyReLU
        modules for one sample (found by one forward pass)."""
        sizes = []
        hooks = [m.register_forward_hook(
            lambda mod, args, out: sizes.append(out[0].numel()))
            for m in G.modules() if isinstance(m, (nn.ReLU, nn.LeakyReLU))]
        try:
            with torch.no_grad():
                G(G.sample_z(1), G.sample_c(1), **default_synthesis_kwargs(G))
        finally:
            for h in hooks:
                h.remove()
        return max(1, sum(sizes))

    def process_generator(self, G: nn.Module, n: int, gen) -> None:
        for _ in range(n):     # one segment at a time bounds the memory
            z1, z2, c = draw_segments(G, 1, gen)
            counts, _ = linear_pieces(G, z1, z2, c, tol=self.tol,
                                      dtype=self.dtype,
                                      **default_synthesis_kwargs(G))
            self.add(count=counts)

    def summary(self) -> Dict[str, float]:
        count = self.cat('count').mean()
        return {self.name: float(count),
                f'{self.name}_per_unit': float(count / self.units)}
