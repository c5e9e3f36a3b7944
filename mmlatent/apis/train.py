"""The command ``tools/train.py`` (console command ``mmlatent-train``):
parse, check the config, prepare the work dir, train."""
import os.path as osp
from typing import List, Optional

from ..engine.work_dir import kept_checkpoint_note, prepare_work_dir
from ..training import (add_import_paths, build_runner, check_config,
                        close_distributed, init_cpu_distributed,
                        is_rank_zero, load_config, prepare_config,
                        set_cpu_threads, set_malloc, set_vis_backends)
from ..utils.cli import on_interrupt
from .train_args import parse_args


def main(argv: Optional[List[str]] = None) -> None:
    """``tools/train.py``: parse, check, prepare the work dir, train."""
    args = parse_args(argv)
    add_import_paths(args.config)
    cfg = load_config(args.config, args.cfg_options)
    cfg = prepare_config(cfg, config_path=args.config,
                         work_dir=args.work_dir, resume=args.resume,
                         launcher=args.launcher, seed=args.seed)
    set_vis_backends(cfg, args.vis_backend)
    if args.progress:
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='ProgressBarHook')]
    check_config(cfg)
    if is_rank_zero():
        prepare_work_dir(cfg.work_dir, resume=bool(cfg.get('resume')),
                         overwrite=args.overwrite,
                         config_name=osp.basename(args.config))
    on_interrupt(lambda: kept_checkpoint_note(cfg.work_dir))
    env_cfg = cfg.get('env_cfg') or {}
    set_cpu_threads(verbose=is_rank_zero(),
                    configured=env_cfg.get('num_threads'))
    set_malloc(env_cfg.get('keep_freed_memory'))
    init_cpu_distributed(cfg)
    build_runner(cfg).train()
    close_distributed()
