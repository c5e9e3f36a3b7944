"""pytest setup: import path for ``helpers``, CPU threads, shared tiny
checkpoints of every model family (built once per session)."""
import os
import os.path as osp
import sys

import pytest
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from helpers import FAMILY_CONFIGS, tiny_checkpoint  # noqa: E402

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(scope='session')
def tiny_ckpts(tmp_path_factory):
    """``{family: checkpoint path}`` from 2-iteration training runs of
    dcgan, wgangp, cgan, infogan and stylegan2 (built lazily, once)."""
    cache = {}

    class Checkpoints(dict):
        def __missing__(self, family):
            if family not in FAMILY_CONFIGS:
                raise KeyError(family)
            folder = tmp_path_factory.mktemp(f'ckpt_{family}')
            cache[family] = tiny_checkpoint(family, folder)
            self[family] = cache[family]
            return cache[family]

    return Checkpoints()
