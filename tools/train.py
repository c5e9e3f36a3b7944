"""Train a GAN from a config file.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]]
        [--cfg-options key=value ...] [--launcher none|pytorch] [--seed N]

Multi-process (CPU with gloo, or GPUs with NCCL):
    torchrun --nproc_per_node 2 tools/train.py CONFIG --launcher pytorch
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.training import (DictAction, build_runner,  # noqa: E402
                               load_config, prepare_config, set_cpu_threads)
from mmlatent.utils.cli import run_cli  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[1],
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config', help='config file, e.g. configs/dcgan/'
                   'dcgan_continuity_shapes-32x32.py')
    p.add_argument('--work-dir', help='folder for logs, sample grids and '
                   'checkpoints (default: work_dirs/<config name>)')
    p.add_argument('--resume', nargs='?', const='auto', default=None,
                   metavar='CKPT', help='resume from CKPT, or from the latest '
                   'checkpoint of the work dir when CKPT is omitted')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   metavar='KEY=VALUE', help='override config entries, e.g. '
                   'train_cfg.max_iters=100 model.continuity.loss_weight=10')
    p.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                   help='pytorch: torch.distributed via torchrun')
    p.add_argument('--seed', type=int, help='random seed (default: config)')
    p.add_argument('--local_rank', '--local-rank', type=int, default=0,
                   help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    cfg = prepare_config(cfg, config_path=args.config,
                         work_dir=args.work_dir, resume=args.resume,
                         launcher=args.launcher, seed=args.seed)
    set_cpu_threads()
    build_runner(cfg).train()


if __name__ == '__main__':
    run_cli(main)
