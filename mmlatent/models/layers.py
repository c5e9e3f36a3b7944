"""Small building blocks shared by the convolutional networks."""
import math

import torch
from torch import Tensor, nn

from ..utils.errors import ConfigError, ShapeError

NORMS = ('bn', 'in', 'none')


def norm_layer(norm: str, channels: int) -> nn.Module:
    """``bn`` BatchNorm2d, ``in`` affine InstanceNorm2d, ``none`` identity."""
    if norm == 'bn':
        return nn.BatchNorm2d(channels)
    if norm == 'in':
        return nn.InstanceNorm2d(channels, affine=True)
    if norm == 'none':
        return nn.Identity()
    raise ConfigError(f"norm='{norm}' is not one of {NORMS}")


def check_resolution(resolution: int, low: int = 8, high: int = 1024) -> int:
    """Number of 2x steps from 4 px; the resolution must be a power of 2."""
    log2 = math.log2(resolution) if resolution > 0 else 0.5
    if log2 != int(log2) or not low <= resolution <= high:
        raise ConfigError(f'resolution={resolution} must be a power of two '
                          f'between {low} and {high}')
    return int(log2) - 2


def pyramid_channels(base_channels: int, max_channels: int, resolution: int,
                     res: int) -> int:
    """DCGAN width at feature size ``res``: doubles per halving of ``res``."""
    return min(max_channels, base_channels * resolution // (2 * res))


def dcgan_init(module: nn.Module, std: float = 0.02) -> None:
    """DCGAN initialisation: conv/linear N(0, std), norm scale N(1, std)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)) and m.affine:
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)


class ReLUClamp(nn.Module):
    """``clamp(x, -1, 1)`` written with ReLUs, ``-1 + relu(x + 1) -
    relu(x - 1)``, so a generator ending in it is piecewise linear end to
    end (GCert's certified generators). The two shifted copies go through
    one ReLU module as a channel concatenation, so activation-pattern
    counters see both units of every output."""

    def __init__(self):
        super().__init__()
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        upper, lower = self.relu(torch.cat([x + 1, x - 1], 1)).chunk(2, 1)
        return upper - lower - 1


OUTPUTS = ('tanh', 'relu_clamp')


def output_layer(output: str) -> nn.Module:
    """The output nonlinearity: ``tanh`` or ``relu_clamp`` (ReLUClamp)."""
    if output == 'tanh':
        return nn.Tanh()
    if output == 'relu_clamp':
        return ReLUClamp()
    raise ConfigError(f"output='{output}' is not one of {OUTPUTS}; "
                      "'relu_clamp' makes the generator piecewise linear")


def conv_trunk(resolution: int, in_channels: int, base_channels: int,
               max_channels: int, hidden: int) -> nn.Sequential:
    """Per halving a 3x3 conv and a stride-2 3x3 conv (LeakyReLU) down to
    4x4, then a linear layer to ``hidden`` features."""
    if resolution < 4 or resolution & (resolution - 1):
        raise ConfigError(f'resolution={resolution!r} must be a power of '
                          'two >= 4, e.g. 32')
    layers, ch, res = [], in_channels, resolution
    while res > 4:
        out = min(max_channels, base_channels * resolution // res)
        layers += [nn.Conv2d(ch, out, 3, 1, 1), nn.LeakyReLU(0.2),
                   nn.Conv2d(out, out, 3, 2, 1), nn.LeakyReLU(0.2)]
        ch, res = out, res // 2
    return nn.Sequential(*layers, nn.Flatten(),
                         nn.Linear(ch * res * res, hidden), nn.LeakyReLU(0.2))


def code_mlp(d_in: int, d_out: int, width: int, depth: int) -> nn.Sequential:
    """``depth`` linear layers ``d_in -> width -> ... -> d_out`` with
    LeakyReLU(0.2) between them."""
    if depth < 1 or width < 1:
        raise ConfigError(f'an MLP needs depth >= 1 and width >= 1, got '
                          f'depth={depth}, width={width}')
    dims = [d_in] + [width] * (depth - 1) + [d_out]
    layers = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers[:-1])


class AddCoords(nn.Module):
    """CoordConv's input (Liu et al. 2018): appends two constant channels,
    the pixel's x and y in ``[-1, 1]``, so the next convolution knows where
    it draws. The channels are constants, so a piecewise-linear generator
    stays piecewise linear."""

    def forward(self, x: Tensor) -> Tensor:
        n, _, h, w = x.shape
        ys = torch.linspace(-1, 1, h, device=x.device, dtype=x.dtype)
        xs = torch.linspace(-1, 1, w, device=x.device, dtype=x.dtype)
        grid = torch.stack([xs.expand(h, w), ys[:, None].expand(h, w)])
        out = torch.cat([x, grid.expand(n, 2, h, w)], 1)
        if x.is_contiguous(memory_format=torch.channels_last):
            out = out.contiguous(memory_format=torch.channels_last)
        return out


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Spectral normalisation (Miyato et al. 2018) of every convolution and
    linear layer of ``module``, in place; returns ``module``."""
    for m in list(module.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.utils.parametrizations.spectral_norm(m)
    return module


def check_condition(c, n: int, c_dim: int, who: str) -> Tensor:
    """``c`` when it has shape (n, c_dim); else a ShapeError naming
    ``who`` (the network that needs it)."""
    if c is None or c.shape != (n, c_dim):
        raise ShapeError(f'{who} needs c of shape ({n}, {c_dim}), got '
                         f'{None if c is None else tuple(c.shape)}')
    return c
