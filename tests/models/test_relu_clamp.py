"""The certification-friendly output: clamp(x, -1, 1) made of ReLUs."""
import pytest
import torch

from mmlatent.models.generators import DCGANGenerator, WGANGPGenerator
from mmlatent.models.layers import ReLUClamp
from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError


def test_relu_clamp_is_clamp():
    x = torch.linspace(-3, 3, 61).view(1, 1, 61, 1)
    assert torch.allclose(ReLUClamp()(x), x.clamp(-1, 1), atol=1e-6)


def test_generators_offer_the_relu_clamp_output_and_default_to_tanh():
    G = MODELS.build(dict(type='DCGANGenerator', resolution=8, z_dim=4,
                          base_channels=4, output='relu_clamp'))
    assert isinstance(G.net[-1], ReLUClamp)
    assert isinstance(DCGANGenerator(resolution=8, z_dim=4,
                                     base_channels=4).net[-1], torch.nn.Tanh)
    W = WGANGPGenerator(resolution=8, z_dim=4, base_channels=4,
                        output='relu_clamp')
    assert isinstance(W.net[-1], ReLUClamp)
    with torch.no_grad():
        img = G(G.sample_z(16) * 100)
    assert img.min() >= -1 and img.max() <= 1
    with pytest.raises(ConfigError, match="output='sigmoid'.*relu_clamp"):
        DCGANGenerator(resolution=8, output='sigmoid')
