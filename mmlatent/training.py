"""Building a Runner from a config file and command-line options; the logic
behind ``tools/train.py``."""
import os
import os.path as osp
from typing import List, Optional

import torch
from mmengine.config import Config, DictAction  # noqa: F401 (re-export)

from .registry import RUNNERS
from .utils.errors import ConfigError


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and merge ``--cfg-options``; one-line errors."""
    if not osp.isfile(path):
        raise ConfigError(f"config file '{path}' does not exist; pass a path "
                          'such as configs/dcgan/'
                          'dcgan_continuity_shapes-32x32.py')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def prepare_config(cfg: Config, *, config_path: str,
                   work_dir: Optional[str] = None,
                   resume: Optional[str] = None, launcher: str = 'none',
                   seed: Optional[int] = None) -> Config:
    """Fill in the work dir, resume, launcher and seed options."""
    cfg.work_dir = work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(config_path))[0])
    cfg.launcher = launcher
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif resume:
        if not osp.isfile(resume):
            raise ConfigError(f"--resume checkpoint '{resume}' does not "
                              'exist; give a .pth under the work dir or '
                              'plain --resume for the latest one')
        cfg.resume, cfg.load_from = True, resume
    if seed is not None:
        cfg.randomness = dict(cfg.get('randomness', {}), seed=seed)
    if launcher != 'none' and not torch.cuda.is_available():
        cfg.env_cfg.dist_cfg = dict(cfg.env_cfg.get('dist_cfg', {}),
                                    backend='gloo')
    return cfg


def set_cpu_threads() -> int:
    """Share the CPU cores among the processes of this machine."""
    local = int(os.environ.get('LOCAL_WORLD_SIZE', '1'))
    cores = len(os.sched_getaffinity(0)) if hasattr(
        os, 'sched_getaffinity') else os.cpu_count() or 1
    threads = max(1, cores // local)
    torch.set_num_threads(threads)
    return threads


def build_runner(cfg: Config):
    """The runner named by ``runner_type`` (LatentRunner by default)."""
    import mmlatent.engine  # noqa: F401 (registers the runner)
    cfg.setdefault('runner_type', 'LatentRunner')
    return RUNNERS.build(cfg)



__all__: List[str] = ['load_config', 'prepare_config', 'set_cpu_threads',
                      'build_runner', 'DictAction']
