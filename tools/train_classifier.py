"""Train a small CNN attribute classifier for scoring and guidance.

    python tools/train_classifier.py --data shapes --output cls_shapes.pth
    python tools/train_classifier.py --data path/to/folder --resolution 64

The file it writes is a scorer: --scorer classifier:cls_shapes.pth (or
just the path) in apps/generate_latents.py, apps/edit_with_boundary.py and
apps/classifier_guidance.py.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.errors import ConfigError  # noqa: E402


EPILOG = """data:
  shapes   procedural Shapes: regresses the factors of --regression
           (default x y scale) and classifies the shape; outputs x, y,
           scale, is_square, is_ellipse, is_triangle
  FOLDER   an image folder with one subfolder per class; outputs
           is_<class> (softmax probabilities)

output: --output, a classifier file (state dict + config text, written
atomically, read with torch.load(weights_only=True)); its held-out
figures (mae_<factor>, accuracy) are printed and stored in it.
"""


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='tools/train_classifier.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Train a small CNN attribute classifier (AttributeCNN) '
        'on Shapes factors or on a labelled image folder.')
    p.add_argument('--data', default='shapes',
                   help="'shapes' or an image folder (default: shapes)")
    p.add_argument('--resolution', type=int, default=32,
                   help='input size in pixels (default: 32)')
    p.add_argument('--regression', nargs='*', default=None, metavar='F',
                   help='Shapes factors to regress (default: x y scale; '
                   'none for an image folder)')
    p.add_argument('--num-samples', type=int, default=20000,
                   help='Shapes images to draw from (default: 20000)')
    p.add_argument('--scale-x-correlation', type=float, default=0.0,
                   help='Shapes variant with correlated scale and x')
    p.add_argument('--iters', type=int, default=800,
                   help='training iterations (default: 800, ~1 min on a '
                   'CPU at 32 px)')
    p.add_argument('--batch-size', type=int, default=64,
                   help='batch size (default: 64)')
    p.add_argument('--lr', type=float, default=1e-3,
                   help='Adam learning rate, cosine-decayed (default: 1e-3)')
    p.add_argument('--base-channels', type=int, default=32,
                   help='width of the first conv layer (default: 32)')
    p.add_argument('--seed', type=int, default=0, help='random seed')
    p.add_argument('--output', '-o', default='work_dirs/classifier.pth',
                   help='classifier file (default: work_dirs/classifier.pth)')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

import torch  # noqa: E402

from mmlatent.control.classifier import (classifier_config,  # noqa: E402
                                         classifier_data, save_classifier,
                                         train_classifier)
from mmlatent.registry import MODELS  # noqa: E402
from mmlatent.apis.app import progress  # noqa: E402


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.iters < 1 or args.batch_size < 1:
        raise ConfigError(f'--iters {args.iters} and --batch-size '
                          f'{args.batch_size} must be positive')
    dataset = classifier_data(args.data, resolution=args.resolution,
                              num_samples=args.num_samples, seed=args.seed,
                              scale_x_correlation=args.scale_x_correlation)
    regression = args.regression
    if regression is None:
        regression = ['x', 'y', 'scale'] if args.data == 'shapes' else []
    cfg = classifier_config(dataset, regression=regression,
                            base_channels=args.base_channels)
    torch.manual_seed(args.seed)
    model = MODELS.build(cfg['model'])
    metrics = train_classifier(
        model, dataset, iters=args.iters, batch_size=args.batch_size,
        lr=args.lr, generator=torch.Generator().manual_seed(args.seed),
        progress=lambda it: progress(it, desc='training'))
    save_classifier(args.output, model, cfg, metrics)
    print('held-out: ' + ', '.join(f'{k} {v:.4f}' for k, v in
                                   metrics.items()))
    print(f'wrote {args.output}; use it as --scorer {args.output}')


if __name__ == '__main__':
    run_cli(main)
