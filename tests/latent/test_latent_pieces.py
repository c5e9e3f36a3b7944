"""Exact linear-piece counting along latent segments."""
from typing import Optional

import pytest
import torch
from torch import Tensor, nn

from mmlatent.latent.pieces import linear_pieces, piece_slopes
from mmlatent.models.generators import DCGANGenerator
from mmlatent.utils.errors import ConfigError


class OneHiddenLayer(nn.Module):
    """``G(z) = V relu(W z + b)``: unit k switches where ``w_k . z(t) + b_k
    = 0``, i.e. at ``t_k = -(w_k . z1 + b_k) / (w_k . (z2 - z1))``."""

    def __init__(self, W: Tensor, b: Tensor, V: Tensor,
                 unit: Optional[nn.Module] = None):
        super().__init__()
        self.hidden = nn.Linear(W.shape[1], W.shape[0])
        self.hidden.weight.data, self.hidden.bias.data = W, b
        self.unit = unit or nn.ReLU()
        self.out = nn.Linear(W.shape[0], V.shape[0], bias=False)
        self.out.weight.data = V

    def forward(self, z: Tensor, c: Optional[Tensor] = None) -> Tensor:
        return self.out(self.unit(self.hidden(z)))


def closed_form_breaks(W, b, z1, z2):
    t = -(z1 @ W.t() + b) / ((z2 - z1) @ W.t())
    return torch.sort(t[(t > 0) & (t < 1)]).values


@pytest.mark.parametrize('unit', [nn.ReLU(), nn.LeakyReLU(0.2)])
def test_breakpoints_of_one_hidden_layer_net_are_closed_form(unit):
    g = torch.Generator().manual_seed(0)
    W, b = torch.randn(40, 3, generator=g), torch.randn(40, generator=g)
    G = OneHiddenLayer(W, b, torch.randn(5, 40, generator=g), unit)
    z1, z2 = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    counts, breaks = linear_pieces(G, z1, z2)
    for s in range(4):
        expected = closed_form_breaks(W.double(), b.double(), z1[s].double(),
                                      z2[s].double())
        assert counts[s] == len(expected) > 0
        assert torch.allclose(breaks[s], expected, atol=1e-10)


def test_coincident_crossings_count_once_and_no_crossing_counts_zero():
    W = torch.tensor([[1.0], [2.0], [-1.0]])       # all switch at z = 0
    b = torch.zeros(3)
    G = OneHiddenLayer(W, b, torch.ones(1, 3))
    counts, breaks = linear_pieces(G, torch.tensor([[-1.0], [1.0]]),
                                   torch.tensor([[3.0], [2.0]]))
    assert counts.tolist() == [1, 0]
    assert breaks[0].tolist() == [0.25] and len(breaks[1]) == 0


def test_pieces_of_a_relu_clamp_dcgan_are_linear():
    """Between consecutive breakpoints G is affine: the forward-mode slope
    at each piece's midpoint equals the piece's chord slope."""
    torch.manual_seed(0)
    G = DCGANGenerator(resolution=8, z_dim=4, out_channels=1,
                       base_channels=4, output='relu_clamp').double().eval()
    with torch.no_grad():              # non-trivial eval-mode batch-norm
        for m in G.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.01)
                m.running_var.uniform_(0.5, 2)
    z1, z2 = G.sample_z(1).double(), G.sample_z(1).double()
    counts, (breaks, ) = linear_pieces(G, z1, z2)
    assert counts[0] == len(breaks) > 10
    t = torch.cat([torch.zeros(1).double(), breaks, torch.ones(1).double()])
    with torch.no_grad():
        img = G(torch.lerp(z1, z2, t[:, None]))
    chord = (img[1:] - img[:-1]) / (t[1:] - t[:-1]).view(-1, 1, 1, 1)
    slope = piece_slopes(G, z1[0], z2[0], (t[1:] + t[:-1]) / 2)
    assert torch.allclose(slope, chord, atol=1e-6 * chord.abs().max())
    # a finer split finds nothing new: the count is not an undercount
    mid = (t[1:] + t[:-1]) / 2
    sub, _ = linear_pieces(G, torch.lerp(z1, z2, mid[:1, None]),
                           torch.lerp(z1, z2, mid[1:2, None]))
    assert sub.tolist() == [1]


def test_non_piecewise_linear_generator_is_refused():
    G = DCGANGenerator(resolution=8, z_dim=4, base_channels=4, norm='in')
    with pytest.raises(ConfigError, match='InstanceNorm2d.*not affine'):
        linear_pieces(G, G.sample_z(1), G.sample_z(1))


def test_parameter_free_nonlinearity_is_refused():
    G = OneHiddenLayer(torch.randn(4, 2), torch.randn(4), torch.randn(1, 4),
                       unit=nn.GELU())
    with pytest.raises(ConfigError, match="'unit' \\(GELU\\)"):
        linear_pieces(G, torch.randn(1, 2), torch.randn(1, 2))
