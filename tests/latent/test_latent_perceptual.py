import os

import pytest
import torch
import torchvision

from mmlatent.utils.errors import CheckpointError, ConfigError, MMLatentError
from mmlatent.utils.perceptual import (MissingWeightsError, backbone_path,
                                       build_perceptual, lpips_distance)


@pytest.fixture(scope='module')
def torch_home(tmp_path_factory):
    """A TORCH_HOME whose hub cache holds a random VGG16 state dict under
    torchvision's file name (stands in for the ImageNet weights)."""
    home = tmp_path_factory.mktemp('torch_home')
    folder = home / 'hub' / 'checkpoints'
    folder.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(torchvision.models.vgg16().state_dict(),
               folder / 'vgg16-397923af.pth')
    return str(home)


def test_lpips_loads_cached_backbone(torch_home, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', torch_home)
    dist = lpips_distance('vgg')
    state = torch.load(backbone_path('vgg'), weights_only=True)
    assert torch.equal(dist.model.net.slice1[0].weight,
                       state['features.0.weight'])
    assert torch.equal(dist.model.net.slice5._modules['28'].bias,
                       state['features.28.bias'])
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2, 3, 32, 32, generator=g) * 2 - 1
    assert torch.allclose(dist(x, x), torch.zeros(2), atol=1e-7)
    noise = torch.randn(x.shape, generator=g)
    d = [dist(x, (x + s * noise).clamp(-1, 1)) for s in (0.05, 0.2, 0.8)]
    assert (d[0] > 0).all() and (d[0] < d[1]).all() and (d[1] < d[2]).all()
    dist.train()
    assert not dist.model.training


def test_lpips_resizes_and_takes_gray(torch_home, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', torch_home)
    dist = build_perceptual('vgg')
    a, b = torch.zeros(1, 1, 300, 300), torch.ones(1, 1, 300, 300) * 0.5
    assert dist(a, b).shape == (1, )
    a.requires_grad_(True)
    dist(a, b).sum().backward()
    assert a.grad is not None and a.grad.abs().sum() > 0


def test_missing_weights_message_names_path(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    path = os.path.join(str(tmp_path), 'hub', 'checkpoints',
                        'alexnet-owt-7be5be79.pth')
    with pytest.raises(MissingWeightsError) as info:
        build_perceptual('alex')
    message = str(info.value)
    assert isinstance(info.value, MMLatentError) and '\n' not in message
    assert path in message
    assert "torchvision.models.alexnet(weights='IMAGENET1K_V1')" in message
    assert "perceptual='random'" in message


def test_wrong_file_and_choices(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    folder = tmp_path / 'hub' / 'checkpoints'
    folder.mkdir(parents=True)
    torch.save({'features.0.weight': torch.zeros(2)},
               folder / 'vgg16-397923af.pth')
    with pytest.raises(CheckpointError, match='not a torchvision vgg16'):
        build_perceptual('vgg')
    with pytest.raises(ConfigError, match="perceptual='squeeze'"):
        build_perceptual('squeeze')
    assert build_perceptual('none') is None


def test_random_backbone_offline():
    dist = build_perceptual('random')
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    assert dist(x, x).item() == pytest.approx(0, abs=1e-7)
    again = build_perceptual('random')
    y = torch.rand(1, 3, 16, 16) * 2 - 1
    assert torch.equal(dist(x, y), again(x, y))
