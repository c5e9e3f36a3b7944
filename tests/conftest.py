"""pytest setup: import path for ``helpers``, CPU threads, shared tiny
checkpoints of every model family (built once per session)."""
import os
import os.path as osp
import sys

import pytest
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from helpers import FAMILY_CONFIGS, tiny_checkpoint  # noqa: E402

#: CPU cores the suite uses: pytest-xdist workers (``-n auto``) and torch
#: threads share them
SUITE_CORES = max(1, min(2, os.cpu_count() or 1))


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto`` (pytest.ini): one worker per core, at most two."""
    return SUITE_CORES


# each xdist worker gets its share of the cores (2 threads when serial)
torch.set_num_threads(max(1, SUITE_CORES // int(
    os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))))


@pytest.fixture(scope='session')
def tiny_ckpts(tmp_path_factory):
    """``{family: checkpoint path}`` from 2-iteration training runs of
    dcgan, wgangp, cgan, infogan, stylegan2 and lgan (built lazily,
    once)."""
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
