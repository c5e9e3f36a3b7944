"""Tiny generators with the latent interface for the latent-tool tests."""
from typing import List, Optional, Sequence

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmlatent.models.generators import BaseGenerator, DCGANGenerator


class FakeStyleGenerator(BaseGenerator):
    """A miniature style generator: mapping MLP, ``w_avg`` buffer, one w per
    layer modulating the features, optional per-layer noise maps."""

    has_w_space = True

    def __init__(self, z_dim: int = 8, w_dim: int = 8, num_ws: int = 4,
                 resolution: int = 8, channels: int = 6,
                 cat_dims: Sequence[int] = ()):
        super().__init__(z_dim, w_dim, num_ws, resolution=resolution,
                         out_channels=3, cat_dims=cat_dims)
        self.mapping_net = nn.Sequential(
            nn.Linear(z_dim + self.c_dim, w_dim), nn.LeakyReLU(0.2),
            nn.Linear(w_dim, w_dim))
        self.const = nn.Parameter(torch.randn(channels, 4, 4))
        self.affines = nn.ModuleList(
            nn.Linear(w_dim, channels) for _ in range(num_ws))
        self.convs = nn.ModuleList(
            nn.Conv2d(channels, channels, 3, padding=1)
            for _ in range(num_ws))
        self.noise_strength = nn.Parameter(torch.full((num_ws, ), 0.1))
        self.to_rgb = nn.Conv2d(channels, 3, 1)
        self._init_weights()
        for i, (h, w) in enumerate(self.noise_shapes()):
            self.register_buffer(f'noise_const{i}', torch.randn(1, 1, h, w))
        with torch.no_grad():
            self.register_buffer('w_avg', self.mapping(
                torch.randn(2000, z_dim), self.sample_c(2000))[:, 0].mean(0))

    def _init_weights(self) -> None:
        """Unit-gain weights, so that images depend strongly on ws."""
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                fan_in = m.weight[0].numel()
                nn.init.normal_(m.weight, 0, (2 / fan_in) ** 0.5)
                nn.init.zeros_(m.bias)
        for affine in self.affines:
            nn.init.ones_(affine.bias)
        self.to_rgb.weight.data *= 0.15

    def noise_shapes(self) -> List[tuple]:
        half = self.num_ws // 2
        return [(4, 4)] * half + [(8, 8)] * (self.num_ws - half)

    def mapping(self, z: Tensor, c: Optional[Tensor] = None) -> Tensor:
        c = self.check_c(c, z.shape[0])
        x = z if c is None else torch.cat([z, c], 1)
        w = self.mapping_net(x)
        return w[:, None].repeat(1, self.num_ws, 1)

    def _noise(self, i: int, x: Tensor, noise_mode: str,
               noise: Optional[List[Tensor]]) -> Tensor:
        if noise is not None:
            return noise[i]
        if noise_mode == 'random':
            return torch.randn_like(x[:, :1])
        if noise_mode == 'const':
            return getattr(self, f'noise_const{i}')
        return x.new_zeros(1, 1, *x.shape[2:])

    def synthesis(self, ws: Tensor, noise_mode: str = 'random',
                  noise: Optional[List[Tensor]] = None) -> Tensor:
        assert ws.shape[1:] == (self.num_ws, self.w_dim), ws.shape
        x = self.const[None].expand(ws.shape[0], -1, -1, -1)
        for i in range(self.num_ws):
            if i == self.num_ws // 2:
                x = F.interpolate(x, scale_factor=2, mode='nearest')
            style = self.affines[i](ws[:, i])[:, :, None, None]
            x = self.convs[i](x * style)
            x = x + self.noise_strength[i] * self._noise(i, x, noise_mode,
                                                         noise)
            x = F.leaky_relu(x, 0.2)
        return torch.tanh(self.to_rgb(x))

    def direction_weights(self, layers: Optional[Sequence[int]] = None
                          ) -> Tensor:
        layers = range(self.num_ws) if layers is None else layers
        return torch.cat([self.affines[i].weight for i in layers])


class LinearGenerator(BaseGenerator):
    """``img = reshape(M z)``: z coords 0-1 drive only the top-left 4x4
    block, coords 2-3 drive the block and the background, 4-5 only the
    background. Images are 2 x 8 x 8."""

    def __init__(self, seed: int = 0):
        super().__init__(6, 6, 1, resolution=8, out_channels=2)
        g = torch.Generator().manual_seed(seed)
        region = self.region_mask().flatten().repeat(2)
        M = torch.randn(2 * 64, 6, generator=g)
        M[region, 2:4] *= 3
        M[region, 4:] = 0
        M[~region, :2] = 0
        self.register_buffer('M', M)

    @staticmethod
    def region_mask() -> Tensor:
        mask = torch.zeros(8, 8, dtype=torch.bool)
        mask[:4, :4] = True
        return mask

    def mapping(self, z: Tensor, c: Optional[Tensor] = None) -> Tensor:
        return z[:, None]

    def synthesis(self, ws: Tensor, **kwargs) -> Tensor:
        return (ws[:, 0] @ self.M.t()).view(-1, 2, 8, 8)


@pytest.fixture
def style_G() -> FakeStyleGenerator:
    torch.manual_seed(0)
    return FakeStyleGenerator().eval()


@pytest.fixture
def make_style_G():
    def make(**kwargs) -> FakeStyleGenerator:
        torch.manual_seed(0)
        return FakeStyleGenerator(**kwargs).eval()
    return make


@pytest.fixture
def dcgan_G() -> DCGANGenerator:
    torch.manual_seed(0)
    return DCGANGenerator(resolution=8, z_dim=6, base_channels=4,
                          init_std=0.2).eval()


@pytest.fixture
def make_dcgan_G():
    def make(**kwargs) -> DCGANGenerator:
        torch.manual_seed(0)
        args = dict(resolution=8, z_dim=6, base_channels=4, init_std=0.2)
        return DCGANGenerator(**{**args, **kwargs}).eval()
    return make


@pytest.fixture
def linear_G() -> LinearGenerator:
    return LinearGenerator()


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest on one thread, and oneDNN's worker threads
    slow down badly when the cores are shared with other processes."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
