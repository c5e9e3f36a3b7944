"""Train the Shapes feature network for offline Fréchet / kernel distances
and precision/recall (``--features shapes:PATH`` of tools/evaluate.py,
``dict(type='ShapesFeatureNet', checkpoint=PATH)`` in configs).

    python tools/train_feature_net.py --out work_dirs/shapes_net.pth \
        [--steps 2000] [--num-images 20000] [--seed 0]

About 2 minutes on one CPU core; prints held-out class accuracy and factor
errors.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.utils.cli import run_cli  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog='tools/train_feature_net.py',
                                description=__doc__.split('\n\n')[0])
    p.add_argument('--out', required=True, help='checkpoint to write')
    p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--num-images', type=int, default=20000)
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--feature-dim', type=int, default=128)
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.evaluation.shapes_net import (save_shapes_net,  # noqa: E402
                                            train_shapes_net)
from mmlatent.training import set_cpu_threads  # noqa: E402


def main() -> None:
    args = parse_args()
    set_cpu_threads()
    net = train_shapes_net(num_images=args.num_images, steps=args.steps,
                           batch_size=args.batch_size,
                           feature_dim=args.feature_dim, seed=args.seed,
                           log=lambda s: print(s, file=sys.stderr))
    save_shapes_net(net, args.out)
    print(f'wrote {args.out}: held-out {net.scores}')


if __name__ == '__main__':
    run_cli(main)
