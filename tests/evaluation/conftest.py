"""Generators with known answers for the evaluation tests."""
from typing import Optional

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from mmlatent.datasets.shapes import render_shapes
from mmlatent.utils.image import from_uint8
from mmlatent.models.generators import BaseGenerator


class AffineGenerator(BaseGenerator):
    """``img = reshape(A w + b)`` with w = z (normal prior), images
    3 x 4 x 4: path length and continuity have closed forms."""

    def __init__(self, z_dim: int = 5, seed: int = 0,
                 prior: str = 'normal'):
        super().__init__(z_dim, z_dim, 1, resolution=4, prior=prior)
        g = torch.Generator().manual_seed(seed)
        self.register_buffer('A', torch.randn(48, z_dim, generator=g) * .1)
        self.register_buffer('b', torch.randn(48, generator=g) * .1)
        self.dummy = nn.Parameter(torch.zeros(()))

    def mapping(self, z: Tensor, c: Optional[Tensor] = None) -> Tensor:
        return z[:, None]

    def synthesis(self, ws: Tensor, **kwargs) -> Tensor:
        return (ws[:, 0] @ self.A.t() + self.b).view(-1, 3, 4, 4)


class ShapesRenderGenerator(BaseGenerator):
    """Draws one Shapes image per z in U(-1, 1)^z_dim: z[0] -> class,
    z[1..5] -> x, y, scale, rotation, hue; further coordinates are ignored.
    Its z codes are therefore perfectly disentangled."""

    def __init__(self, z_dim: int = 8, resolution: int = 32):
        super().__init__(z_dim, z_dim, 1, resolution=resolution,
                         prior='uniform')
        self.dummy = nn.Parameter(torch.zeros(()))

    def mapping(self, z: Tensor, c: Optional[Tensor] = None) -> Tensor:
        return z[:, None]

    def factors(self, z: np.ndarray):
        u = (z + 1) / 2
        label = np.minimum((u[:, 0] * 3).astype(int), 2)
        scale = 0.25 + 0.1 * u[:, 3]
        x, y = 0.32 + 0.36 * u[:, 1], 0.32 + 0.36 * u[:, 2]
        return label, np.stack([x, y, scale, u[:, 4] * 0.999,
                                u[:, 5] * 0.999], 1)

    def synthesis(self, ws: Tensor, **kwargs) -> Tensor:
        z = ws[:, 0].detach().double().cpu().numpy()
        label, factors = self.factors(z)
        img = render_shapes(label, factors, self.resolution)
        return from_uint8(img).to(ws.device)


@pytest.fixture
def affine_G() -> AffineGenerator:
    return AffineGenerator().eval()


@pytest.fixture
def shapes_G() -> ShapesRenderGenerator:
    return ShapesRenderGenerator().eval()


@pytest.fixture(autouse=True)
def one_thread():
    """Small tensors run fastest on one thread on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class BlockGenerator(BaseGenerator):
    """``img = reshape(M z)``, 3 x 8 x 8: z coords 0-1 move only the
    top-left 4 x 4 block, 2-3 the block (strongly) and the background, 4-5
    only the background."""

    def __init__(self):
        super().__init__(6, 6, 1, resolution=8)
        g = torch.Generator().manual_seed(0)
        region = torch.zeros(8, 8, dtype=torch.bool)
        region[:4, :4] = True
        rows = region.flatten().repeat(3)
        M = torch.randn(3 * 64, 6, generator=g) * 0.1
        M[rows, 2:4] *= 3
        M[rows, 4:] = 0
        M[~rows, :2] = 0
        self.register_buffer('M', M)
        self.dummy = nn.Parameter(torch.zeros(()))

    def mapping(self, z: Tensor, c: Optional[Tensor] = None) -> Tensor:
        return z[:, None]

    def synthesis(self, ws: Tensor, **kwargs) -> Tensor:
        return (ws[:, 0] @ self.M.t()).view(-1, 3, 8, 8)


@pytest.fixture
def block_G() -> BlockGenerator:
    return BlockGenerator().eval()
