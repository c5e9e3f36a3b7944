"""The logic behind ``tools/evaluate.py``: evaluate a checkpoint's
generator with named metrics, print a table, write JSON.

Outside the evaluation package so that parsing (``--help``) does not import
it (and torch); the metrics are imported once the arguments are parsed."""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import List, Optional

from .utils.args import METRIC_NAMES
from .utils.errors import ConfigError

EPILOG = f"""metrics: {', '.join(METRIC_NAMES)}
  fid, kid        Inception (FID network; weights from the torch hub cache)
  fd, kd, pr      Fréchet / kernel distance, precision and recall in the
                  --features space
  ppl             perceptual path length (--ppl-space/-sampling/-distance)
  mig, dci        disentanglement of --codes (or coordinates along
                  --directions) against the measured Shapes factors
  continuity      held-out continuity penalty
  validity        share of valid Shapes images
  orthogonality   of --directions
  outside_energy  change outside --region along local directions (or
                  --directions)
  continuity_norm held-out penalty / spread, and the spread
  chord           distance from the pixel chord / chord length
  pieces          exact activation-pattern changes along segments
  trajectories    R² and monotonicity of measured x, y, scale along t
  ghosting        shape brightness at the midpoint / at the ends
example:
  python tools/evaluate.py work_dirs/dcgan/iter_2000.pth --metrics fd ppl \\
      continuity validity --features shapes:work_dirs/shapes_net.pth \\
      --ppl-distance pixel --out eval.json
"""


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='tools/evaluate.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Evaluate the generator of a checkpoint.')
    p.add_argument('checkpoint', metavar='CKPT', help='checkpoint (.pth)')
    p.add_argument('--metrics', nargs='+', required=True, metavar='NAME',
                   help='metric names (see below)')
    p.add_argument('--num-samples', type=int, default=1000,
                   help='generated samples and real images per metric '
                   '(default 1000; published FIDs use 50000)')
    p.add_argument('--batch-size', type=int, default=100)
    p.add_argument('--real-data', metavar='CONFIG_OR_FOLDER',
                   help="a config (its train dataset) or an image folder; "
                   "default: the checkpoint's training set")
    p.add_argument('--features', default='inception',
                   help='feature space of fd, kd, pr: inception, pixel, '
                   'shapes:PATH or shapes:random (default inception)')
    p.add_argument('--ppl-space', default='z', choices=['z', 'w'])
    p.add_argument('--ppl-sampling', default='end', choices=['end', 'full'])
    p.add_argument('--ppl-distance', default='lpips',
                   choices=['lpips', 'lpips_alex', 'pixel'])
    p.add_argument('--codes', default='z', choices=['z', 'w', 'c'],
                   help='codes of mig / dci (default z)')
    p.add_argument('--directions', metavar='FILE',
                   help='.pt file of directions [k, d] for mig, dci, '
                   'orthogonality, outside_energy')
    p.add_argument('--num-directions', type=int, metavar='K')
    p.add_argument('--region', default='shape',
                   help="outside_energy region: 'shape' (object box), a "
                   "preset or 'cx,cy,h,w' pixels")
    p.add_argument('--config', help='config overriding the checkpoint one')
    p.add_argument('--sample-model', default='ema', choices=['ema', 'orig'])
    p.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', metavar='FILE.json', help='write results here')
    return p.parse_args(argv)


def real_dataset(spec: Optional[str], cfg, resolution: int):
    """The real images: an image folder, a config's train dataset, or the
    checkpoint config's."""
    from .datasets import ImageFolderDataset
    from .registry import DATASETS
    from .training import load_config
    if spec is not None and osp.isdir(spec):
        return ImageFolderDataset(spec, resolution=resolution, labels='none')
    if spec is not None and not osp.isfile(spec):
        raise ConfigError(f"--real-data '{spec}' is neither a config file "
                          'nor an image folder')
    source = cfg if spec is None else load_config(spec)
    ds_cfg = source.get('train_dataloader', {}).get('dataset')
    if not ds_cfg:
        raise ConfigError('no train_dataloader.dataset to take real images '
                          'from; pass --real-data CONFIG_OR_FOLDER')
    return DATASETS.build(ds_cfg)


def run(args: argparse.Namespace) -> dict:
    """Evaluate and return the JSON record."""
    from .evaluation.evaluator import (build_metric, evaluate_generator,
                                       jsonable, real_images)
    from .evaluation.presets import metric_configs
    from .utils.app import load_app_generator, show_progress
    metrics = [build_metric(c) for c in metric_configs(
        args.metrics, features=args.features, ppl_space=args.ppl_space,
        ppl_sampling=args.ppl_sampling, ppl_distance=args.ppl_distance,
        codes=args.codes, directions=args.directions,
        num_directions=args.num_directions, region=args.region)]
    loaded = load_app_generator(args)
    real, meta = None, loaded.meta.get('dataset_meta')
    if any(m.needs_real for m in metrics):
        dataset = real_dataset(args.real_data, loaded.cfg,
                               loaded.G.resolution)
        meta = meta or getattr(dataset, 'metainfo', None)
        real = real_images(dataset, args.num_samples,
                           batch_size=args.batch_size, seed=args.seed)
    start = time.time()
    results = evaluate_generator(
        loaded.G, metrics, real=real, num_samples=args.num_samples,
        batch_size=args.batch_size, seed=args.seed, dataset_meta=meta,
        progress=show_progress())
    return dict(checkpoint=args.checkpoint, generator=loaded.which,
                iter=loaded.meta.get('iter'), num_samples=args.num_samples,
                seed=args.seed, seconds=round(time.time() - start, 1),
                metrics=jsonable(results))


def main(argv: Optional[List[str]] = None) -> None:
    """``tools/evaluate.py``: parse, evaluate, print, write."""
    args = parse_args(argv)
    from .evaluation.evaluator import format_table
    for name in ('num_samples', 'batch_size'):
        if getattr(args, name) < 1:
            raise ConfigError(f"--{name.replace('_', '-')} must be >= 1")
    record = run(args)
    print(format_table({k: (float('nan') if v is None else v)
                        for k, v in record['metrics'].items()}))
    if args.out:
        folder = osp.dirname(osp.abspath(args.out))
        os.makedirs(folder, exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(record, f, indent=1)
        print(f'wrote {args.out}', file=sys.stderr)
