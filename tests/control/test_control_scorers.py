"""Scorers: the registry by name, the Shapes measurer as a scorer, user
modules and classifier files."""
import math

import pytest
import torch
from torch import nn

from mmlatent.control import (BINARY, CONTINUOUS, ModuleScorer,
                              ShapesScorer, attribute_kinds, build_scorer,
                              load_classifier, parse_scorer, save_classifier,
                              score_images)
from mmlatent.datasets import ShapesDataset
from mmlatent.registry import MODELS, SCORERS
from mmlatent.utils.errors import CheckpointError, ConfigError


def shapes_batch(n=6):
    ds = ShapesDataset(resolution=32, num_samples=n, seed=3)
    items = [ds[i] for i in range(n)]
    return (torch.stack([it['img'] for it in items]),
            torch.stack([it['factors'] for it in items]),
            torch.tensor([it['label'] for it in items]))


def test_registry_builds_scorers_by_name():
    assert SCORERS.get('shapes') is ShapesScorer
    assert isinstance(build_scorer('shapes'), ShapesScorer)
    assert isinstance(build_scorer(dict(type='ShapesScorer')), ShapesScorer)
    s = build_scorer('shapes:scale_threshold=0.3,x_threshold=0.4')
    assert s.thresholds == dict(x=0.4, y=0.5, scale=0.3)


def test_parse_scorer_specs(tmp_path):
    assert parse_scorer('shapes') == dict(type='shapes')
    assert parse_scorer('classifier:a/b.pth') == dict(
        type='classifier', checkpoint='a/b.pth')
    f = tmp_path / 'c.pth'
    f.write_bytes(b'')
    assert parse_scorer(str(f)) == dict(type='classifier',
                                        checkpoint=str(f))
    with pytest.raises(ConfigError, match="'bad' is not key=value"):
        parse_scorer('shapes:x_threshold=1,bad')


def test_unknown_scorer_and_attribute_are_one_line():
    with pytest.raises(ConfigError, match="unknown scorer 'shape' \\(did "
                       "you mean 'shapes'\\?\\)") as e:
        build_scorer('shape')
    assert '\n' not in str(e.value)
    with pytest.raises(ConfigError, match="unknown attribute 'xx'"):
        build_scorer('shapes').check_attribute('xx')
    with pytest.raises(ConfigError, match="unknown key 'treshold'"):
        build_scorer('shapes:treshold=1')


def test_shapes_scorer_measures_factors_and_nans_invalid():
    img, factors, labels = shapes_batch()
    blank = -torch.ones(1, 3, 32, 32)            # no shape: invalid
    scorer = build_scorer('shapes')
    out = scorer(torch.cat([img, blank]))
    assert set(out) == set(scorer.attributes)
    assert scorer.attributes['x'] == CONTINUOUS
    assert scorer.attributes['is_square'] == BINARY
    assert not scorer.differentiable
    assert torch.allclose(out['x'][:-1], factors[:, 0], atol=0.01)
    assert torch.allclose(out['scale'][:-1], factors[:, 2], atol=0.02)
    assert torch.equal(out['x_binary'][:-1], (factors[:, 0] > 0.5).float())
    names = ('square', 'ellipse', 'triangle')
    for k, name in enumerate(names):
        assert torch.equal(out[f'is_{name}'][:-1], (labels == k).float())
    assert out['valid'].tolist() == [1.0] * len(img) + [0.0]
    assert all(math.isnan(v[-1]) for k, v in out.items() if k != 'valid')


class Brightness(nn.Module):
    """A user module returning a tensor [N, 2]: mean brightness and mean
    of the red channel."""

    def forward(self, img):
        return torch.stack([img.mean((1, 2, 3)), img[:, 0].mean((1, 2))], 1)


def test_module_scorer_names_tensor_outputs_and_resizes():
    s = ModuleScorer(Brightness(), outputs=['bright', 'red'],
                     binary=['red'], resolution=16)
    assert s.differentiable
    assert s.attributes == dict(bright=CONTINUOUS, red=BINARY)
    img = torch.rand(3, 3, 32, 32) * 2 - 1
    out = s(img)
    assert torch.allclose(out['bright'], img.mean((1, 2, 3)), atol=5e-3)
    bad = ModuleScorer(Brightness(), outputs=['only_one'])
    with pytest.raises(ConfigError, match='returned 2 values per image'):
        bad(img)


def test_score_images_prefixes_repeated_names(shapes_classifier):
    scorers = [build_scorer('shapes'), build_scorer(shapes_classifier)]
    kinds = attribute_kinds(scorers)
    assert 'x' in kinds and 'classifier:cls.pth.x' in kinds
    out = score_images(scorers, shapes_batch(2)[0])
    assert set(out) == set(kinds)
    assert all(v.shape == (2, ) and not v.requires_grad
               for v in out.values())


@MODELS.register_module(force=True)
class UserTinyNet(nn.Module):
    """A user classifier registered by its own module."""

    def __init__(self, width: int = 4):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3, 2, 1)
        self.fc = nn.Linear(width, 2)

    def forward(self, img):
        return self.fc(self.conv(img).mean((2, 3))).softmax(1)


def test_user_classifier_round_trip(tmp_path):
    torch.manual_seed(0)
    net = UserTinyNet(width=5)
    path = save_classifier(str(tmp_path / 'user.pth'), net, dict(
        model=dict(type='UserTinyNet', width=5), outputs=['cat', 'dog'],
        binary=['cat', 'dog'], resolution=16))
    data = torch.load(path, weights_only=True)
    assert data['meta']['format'] == 'mmlatent.classifier/1'
    loaded = load_classifier(path)
    assert loaded.outputs == ['cat', 'dog'] and loaded.resolution == 16
    scorer = build_scorer(f'classifier:{path}')
    assert scorer.differentiable and scorer.attributes == dict(
        cat=BINARY, dog=BINARY)
    img = torch.rand(2, 3, 32, 32) * 2 - 1
    small = torch.nn.functional.interpolate(img, size=(16, 16),
                                            mode='bilinear', antialias=True)
    assert torch.allclose(scorer(img)['cat'], net(small)[:, 0], atol=1e-6)


def test_bad_classifier_files(tmp_path, shapes_classifier):
    with pytest.raises(CheckpointError, match='does not exist'):
        build_scorer(f'classifier:{tmp_path}/missing.pth')
    other = tmp_path / 'other.pth'
    torch.save(dict(state_dict={}, meta={}), other)
    with pytest.raises(CheckpointError, match='is not a classifier file'):
        build_scorer(str(other))
    data = torch.load(shapes_classifier, weights_only=True)
    data['state_dict'].popitem()
    torch.save(data, other)
    with pytest.raises(CheckpointError, match='does not match its model'):
        build_scorer(str(other))
