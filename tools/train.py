"""Train a GAN from a config file.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]]
        [--cfg-options key=value ...] [--launcher none|pytorch] [--seed N]

Multi-process (CPU with gloo, or GPUs with NCCL):
    torchrun --nproc_per_node 2 tools/train.py CONFIG --launcher pytorch
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.train_args import parse_args  # noqa: E402

if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.apis.train import main  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402

if __name__ == '__main__':
    run_cli(main)
