"""The command line of ``tools/train.py``, without torch: the tool parses
it (and answers ``--help`` and usage errors) before it imports
:mod:`mmlatent.apis.train`."""
import argparse
from typing import List, Optional

from mmengine.config import DictAction

from ..utils.choices import VIS_BACKENDS
from ..utils.errors import ConfigError


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` (``KEY=VALUE`` pairs, lists and tuples in
    brackets), with a one-line usage error for a value its parser cannot
    read (e.g. ``dict(...)`` inside a list, which recurses without end)."""

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            super().__call__(parser, namespace, values, option_string)
        except (RecursionError, AssertionError, ValueError) as e:
            pair = next((v for v in values if '=' not in v), None)
            if pair is not None:
                raise ConfigError(f"{option_string} '{pair}' is not "
                                  'KEY=VALUE, e.g. train_cfg.max_iters=100'
                                  ) from None
            bad = next((v for v in values if '(' in v or '[' in v),
                       values[0])
            raise ConfigError(
                f"{option_string} cannot read '{bad}' "
                f'({type(e).__name__}); give numbers, strings and lists '
                'only, and put dicts (e.g. a param_scheduler) in a config '
                "file that inherits this one: _base_ = ['CONFIG']"
            ) from None


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='tools/train.py', description='Train a GAN from a config file. '
        'Multi-process: torchrun --nproc_per_node N tools/train.py CONFIG '
        '--launcher pytorch (gloo on CPU, NCCL on GPUs).')
    p.add_argument('config', help='config file, e.g. configs/dcgan/'
                   'dcgan_continuity_shapes-32x32.py')
    p.add_argument('--work-dir', help='folder for logs, sample grids and '
                   'checkpoints (default: work_dirs/<config name>)')
    p.add_argument('--resume', nargs='?', const='auto', default=None,
                   metavar='CKPT', help='resume from CKPT, or from the latest '
                   'checkpoint of the work dir when CKPT is omitted')
    p.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                   metavar='KEY=VALUE', help='override config entries, e.g. '
                   'train_cfg.max_iters=100 model.continuity.loss_weight=10')
    p.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                   help='pytorch: torch.distributed via torchrun')
    p.add_argument('--seed', type=int, help='random seed (default: config)')
    p.add_argument('--overwrite', action='store_true',
                   help='delete the checkpoints, sample grids and logs of an '
                   'earlier run in the work dir (a new run refuses to mix '
                   'with them otherwise; --resume continues them)')
    p.add_argument('--vis-backend', nargs='+', choices=sorted(VIS_BACKENDS),
                   metavar='NAME', help='send scalars and sample grids to '
                   'these visualizer backends too: tensorboard, wandb '
                   '(local vis_data/ is always written)')
    p.add_argument('--progress', action='store_true',
                   help='show a progress bar with the time left on stderr')
    p.add_argument('--local_rank', '--local-rank', type=int, default=0,
                   help=argparse.SUPPRESS)
    return p.parse_args(argv)
