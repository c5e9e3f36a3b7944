"""Evaluate the generator of a checkpoint with named metrics.

    python tools/evaluate.py CKPT --metrics fid kid pr ppl mig dci \
        continuity validity [--num-samples N] [--real-data CONFIG|FOLDER] \
        [--features inception|pixel|shapes:PATH] [--sample-model ema|orig] \
        [--device cpu|cuda] [--seed N] [--out FILE.json]

Prints a table and writes JSON; see --help for every option.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.evaluate_args import parse_args  # noqa: E402

if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.apis.evaluate import main  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402

if __name__ == '__main__':
    run_cli(main)
