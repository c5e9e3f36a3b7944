"""Every leaf config builds: model, dataset (or its one-line data error)
and a forward pass of the generator."""
import glob
import os.path as osp

import pytest
import torch

from helpers import ROOT
from mmlatent.registry import DATASETS, MODELS
from mmlatent.training import load_config, validate_config
from mmlatent.utils.errors import DataError

LEAVES = sorted(
    osp.relpath(p, osp.join(ROOT, 'configs'))
    for p in glob.glob(osp.join(ROOT, 'configs', '*', '*.py'))
    if '_base_' not in p)
NAME = r'^[a-z0-9]+_[a-z0-9-]+_[a-z]+(_[a-z]+)?-\d+x\d+\.py$'


def test_there_are_leaf_configs_for_every_family():
    families = {osp.dirname(p) for p in LEAVES}
    assert {'dcgan', 'wgangp', 'cgan', 'infogan', 'stylegan2'} <= families


@pytest.mark.parametrize('rel', LEAVES)
def test_config_builds(rel):
    import re
    assert re.match(NAME, osp.basename(rel)), rel
    cfg = load_config(osp.join(ROOT, 'configs', rel))
    validate_config(cfg)
    model = MODELS.build(cfg.model)
    G = model.generator.eval()
    res = G.resolution
    data_cfg = cfg.train_dataloader.dataset
    while 'dataset' in data_cfg:  # a wrapper such as PartiallyLabelled...
        data_cfg = data_cfg.dataset
    assert res == data_cfg.resolution
    try:
        ds = DATASETS.build(cfg.train_dataloader.dataset)
    except DataError as e:  # a user folder that is not there
        assert 'does not exist' in str(e)
        ds = None
    if ds is not None:
        item = ds[0]
        assert item['img'].shape == (G.out_channels, res, res)
    if res <= 128:
        with torch.no_grad():
            img = G(G.sample_z(2), G.sample_c(2))
        assert img.shape == (2, G.out_channels, res, res)
