"""DCGAN options of the Shapes recipes: CoordConv maps, nearest upsampling,
spectral normalisation."""
import pytest
import torch

from mmlatent.models.discriminators import DCGANDiscriminator
from mmlatent.models.generators import DCGANGenerator
from mmlatent.models.layers import AddCoords
from mmlatent.utils.errors import ConfigError


def test_add_coords_appends_x_and_y_in_minus_one_one():
    x = torch.zeros(2, 3, 4, 5)
    out = AddCoords()(x)
    assert out.shape == (2, 5, 4, 5)
    assert torch.equal(out[:, :3], x)
    assert torch.allclose(out[0, 3, 0], torch.linspace(-1, 1, 5))  # x
    assert torch.allclose(out[0, 4, :, 0], torch.linspace(-1, 1, 4))  # y
    assert torch.equal(out[0, 3], out[0, 3, :1].expand(4, 5))  # x along rows


def test_add_coords_keeps_channels_last():
    x = torch.randn(2, 3, 4, 4).contiguous(memory_format=torch.channels_last)
    assert AddCoords()(x).is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize('upsample', ['deconv', 'nearest'])
@pytest.mark.parametrize('coords', [False, True])
def test_generator_options_keep_the_output_shape(upsample, coords):
    G = DCGANGenerator(32, z_dim=8, base_channels=8, upsample=upsample,
                       coords=coords)
    img = G(G.sample_z(3))
    assert img.shape == (3, 3, 32, 32)
    assert img.abs().max() <= 1
    has = any(isinstance(m, AddCoords) for m in G.modules())
    assert has == coords


def test_nearest_generator_is_still_sefa_compatible():
    G = DCGANGenerator(16, z_dim=8, base_channels=8, upsample='nearest',
                       coords=True)
    assert G.direction_weights().shape == (G.net[0].weight[0].numel(), 8)


def test_unknown_upsample_is_one_clear_error():
    with pytest.raises(ConfigError, match="upsample='bilinear'.*deconv"):
        DCGANGenerator(16, upsample='bilinear')


def test_spectral_norm_makes_each_layer_1_lipschitz():
    torch.manual_seed(0)
    D = DCGANDiscriminator(16, base_channels=8, norm='none',
                           spectral_norm=True)
    x = torch.randn(4, 3, 16, 16)
    for _ in range(30):  # power iterations run in training mode
        D(x)
    D.eval()
    convs = [m for m in D.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 3  # two stride-2 convs and the head
    for m in convs:
        with torch.no_grad():
            sigma = torch.linalg.matrix_norm(m.weight.flatten(1), ord=2)
        sigma = float(sigma)
        assert sigma == pytest.approx(1.0, abs=0.02)
    plain = DCGANDiscriminator(16, base_channels=8, norm='none')
    assert not any(hasattr(m, 'parametrizations') for m in plain.modules())
