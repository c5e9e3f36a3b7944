"""Shared helpers: tiny configs and in-process training runs."""
import itertools
import os
import os.path as osp
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
_run_ids = itertools.count()

#: --cfg-options that shrink any config to a few fast iterations.
TINY = {
    'train_cfg.max_iters': 4,
    'default_hooks.logger.interval': 1,
    'default_hooks.checkpoint.interval': 2,
    'train_dataloader.batch_size': 8,
    'train_dataloader.num_workers': 0,
    'train_dataloader.persistent_workers': False,
}


def config_path(rel: str) -> str:
    return osp.join(ROOT, 'configs', rel)


def make_cfg(rel: str, work_dir: str, **options):
    """Load a config with TINY and ``options`` merged, ready for a run."""
    from mmlatent.training import load_config, prepare_config
    opts = dict(TINY)
    opts.update({k.replace('__', '.'): v for k, v in options.items()})
    path = config_path(rel)
    cfg = load_config(path, opts)
    cfg = prepare_config(cfg, config_path=path, work_dir=str(work_dir))
    cfg.experiment_name = f'test_{os.getpid()}_{next(_run_ids)}'
    return cfg


def train(cfg):
    """Build and run a runner in-process; returns the runner."""
    from mmlatent.training import build_runner
    runner = build_runner(cfg)
    runner.train()
    return runner


@pytest.fixture
def tiny_train():
    return train
