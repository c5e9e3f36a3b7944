"""The command ``tools/evaluate.py`` (console command ``mmlatent-evaluate``):
evaluate a checkpoint's generator with named metrics, print a table, write
JSON. Its parser is :mod:`mmlatent.apis.evaluate_args` (no torch)."""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import List, Optional

from ..datasets import ImageFolderDataset
from ..evaluation.evaluator import (build_metric, evaluate_generator,
                                    format_table, jsonable, real_images)
from ..evaluation.presets import metric_configs
from ..registry import DATASETS
from ..training import load_config
from ..utils.errors import ConfigError
from .app import load_app_generator, show_progress
from .evaluate_args import parse_args


def real_dataset(spec: Optional[str], cfg, resolution: int):
    """The real images: an image folder, a config's train dataset, or the
    checkpoint config's."""
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
