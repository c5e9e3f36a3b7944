"""The FID Inception: read only from the torch hub cache."""
import os

import pytest
import torch

from mmlatent.evaluation import (FrechetDistance, InceptionV3,
                                 KernelDistance, evaluate_generator,
                                 inception_path)
from mmlatent.evaluation.features import INCEPTION_FILE, \
    fid_inception_network
from mmlatent.utils.errors import CheckpointError
from mmlatent.utils.perceptual import MissingWeightsError


@pytest.fixture(scope='module')
def torch_home(tmp_path_factory):
    """A TORCH_HOME whose hub cache holds randomly initialised weights."""
    pytest.importorskip('pytorch_fid')
    home = tmp_path_factory.mktemp('torch_home')
    folder = home / 'hub' / 'checkpoints'
    folder.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(fid_inception_network().state_dict(),
               str(folder / INCEPTION_FILE))
    return str(home)


def test_missing_weights_message_names_the_file(monkeypatch, tmp_path,
                                                affine_G):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    path = os.path.join(str(tmp_path), 'hub', 'checkpoints', INCEPTION_FILE)
    assert inception_path() == path
    with pytest.raises(MissingWeightsError) as e:
        InceptionV3()
    message = str(e.value)
    assert f"'{path}'" in message and 'pytorch-fid/releases' in message
    assert '\n' not in message
    with pytest.raises(MissingWeightsError, match=INCEPTION_FILE):
        evaluate_generator(affine_G, [FrechetDistance()], real=[],
                           num_samples=2)


def test_inception_loads_local_weights_and_gives_2048_features(
        monkeypatch, torch_home):
    monkeypatch.setenv('TORCH_HOME', torch_home)
    net = InceptionV3()
    img = torch.rand(2, 3, 32, 32) * 2 - 1
    feats = net(img)
    assert feats.shape == (2, 2048) and torch.isfinite(feats).all()
    assert net(img) is feats                  # memoised for shared use
    assert not net.training and not any(p.requires_grad
                                        for p in net.parameters())
    fid, kid = FrechetDistance(), KernelDistance()
    assert fid.extractor is kid.extractor     # one network for both


def test_a_wrong_weight_file_is_a_checkpoint_error(monkeypatch, tmp_path):
    pytest.importorskip('pytorch_fid')
    folder = tmp_path / 'hub' / 'checkpoints'
    folder.mkdir(parents=True)
    torch.save({'conv.weight': torch.zeros(1)}, str(folder / INCEPTION_FILE))
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    with pytest.raises(CheckpointError, match='not the FID Inception'):
        InceptionV3()
