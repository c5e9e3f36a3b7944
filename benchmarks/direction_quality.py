"""What the direction finders buy, measured on Shapes.

    python benchmarks/direction_quality.py [--seeds 0 1 2] [--iters 2000]
        [--num-samples 1000] [--sample-model ema|orig] [--quick]
        [--work-dir work_dirs/direction_quality] [--threads N]
        [--out results.json]

Trains the main DCGAN (``configs/dcgan/dcgan_continuity_shapes-32x32.py``,
its own continuity dose) for every seed, then on its generator:

1. the first ``--num-directions`` directions of SeFa, of the global
   Jacobian SVD (over 32 latents) and of a random orthonormal basis; the
   coordinates of z along them are scored with MIG and DCI (GBT) against
   the factors measured on the generated images;
2. local directions (LowRankGAN: the region's principal directions inside
   the relaxed null space of the background, relax 0.1) against the same
   directions unprojected, per latent, with the region = the generated
   object's bounding box grown by 2 px: the share of the image change
   outside the region for a step of 1.

Prints mean +- sd over seeds as markdown tables. Runs are cached in the
work dir. ``--quick`` is a smoke run (60 iterations, 2 seeds, few samples:
the figures mean nothing). The continuity regulariser has its own protocol
in ``latent_quality.py``.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmlatent.evaluation import (DCI, MIG, OutsideEnergy,  # noqa: E402
                                 evaluate_generator)
from mmlatent.latent import (generator_jacobian,  # noqa: E402
                             global_directions, load_or_compute)
from mmlatent.models.loading import load_generator  # noqa: E402
from mmlatent.training import (build_runner, load_config,  # noqa: E402
                               prepare_config)
from mmlatent.utils.choices import SAMPLE_MODELS  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402

CONFIG = osp.join(ROOT, 'configs', 'dcgan',
                  'dcgan_continuity_shapes-32x32.py')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--iters', type=int, default=2000)
    p.add_argument('--num-samples', type=int, default=1000)
    p.add_argument('--num-directions', type=int, default=10)
    p.add_argument('--local-points', type=int, default=32)
    p.add_argument('--quick', action='store_true')
    p.add_argument('--work-dir', default='work_dirs/direction_quality')
    p.add_argument('--sample-model', default='ema', choices=SAMPLE_MODELS,
                   help='generator to evaluate (ema: the EMA generator once '
                   'it holds averaged weights)')
    p.add_argument('--threads', type=int, help='torch threads')
    p.add_argument('--out', help='write all figures as JSON')
    args = p.parse_args()
    if args.quick:
        args.seeds, args.iters = args.seeds[:2], min(args.iters, 60)
        args.num_samples, args.local_points = 200, 4
    return args


def log(msg: str) -> None:
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', file=sys.stderr,
          flush=True)


def train_gan(args, seed: int) -> str:
    """Train (or reuse) one run; returns its final checkpoint."""
    work_dir = osp.join(args.work_dir, f's{seed}')
    ckpt = osp.join(work_dir, f'iter_{args.iters}.pth')
    if osp.isfile(ckpt):
        return ckpt
    opts = {'train_cfg.max_iters': args.iters,
            'default_hooks.checkpoint.interval': args.iters,
            'default_hooks.logger.interval': max(1, args.iters // 4),
            'custom_hooks': [dict(type='IterationSeedHook')],
            'val_evaluator': None}         # no end-of-training evaluation
    cfg = prepare_config(load_config(CONFIG, opts), config_path=CONFIG,
                         work_dir=work_dir, seed=seed)
    cfg.experiment_name = f'direction_quality_s{seed}_{os.getpid()}'
    cfg.log_level = 'WARNING'       # mmengine's log stays in the work dir
    start = time.time()
    build_runner(cfg).train()
    log(f'trained seed {seed} in '
        f'{time.time() - start:.0f}s')
    return ckpt


def direction_sets(G, k: int, seed: int) -> dict:
    """First k directions in z (= w for DCGAN) of each finder: [k, z_dim]."""
    gen = torch.Generator().manual_seed(seed)
    sefa, _ = load_or_compute(G)
    J = generator_jacobian(G, G.sample_z(32, gen), space='z', chunk_size=16)
    jac, _ = global_directions(J)
    rand = torch.linalg.qr(torch.randn(G.z_dim, G.z_dim, generator=gen))[0]
    return dict(sefa=sefa[:k], jacobian=jac[:k], random=rand.t()[:k])


def direction_figures(args, G, dataset, seed) -> dict:
    out = {}
    n = max(args.num_samples, 2000) if not args.quick else 300
    for name, V in direction_sets(G, args.num_directions, seed).items():
        metrics = [MIG(directions=V), DCI(directions=V)]
        out[name] = evaluate_generator(G, metrics, num_samples=n, seed=seed,
                                       dataset_meta=dataset.metainfo)
    return out


def local_figures(args, G, seed) -> dict:
    metrics = [OutsideEnergy(region='shape', directions=kind, relax=0.1,
                             num_directions=3, delta=1.0)
               for kind in ('local', 'unprojected')]
    return evaluate_generator(G, metrics, num_samples=args.local_points,
                              batch_size=8, seed=seed)


def mean_sd(values) -> str:
    v = np.array([x for x in values if x is not None and np.isfinite(x)])
    if len(v) == 0:
        return 'n/a'
    sd = v.std(ddof=1) if len(v) > 1 else 0.0
    return f'{v.mean():.3g} ± {sd:.2g}'


def table(header, rows) -> str:
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows]
    return '\n'.join(lines)


def report(results: dict, args) -> str:
    dirs, local = results['directions'], results['local']
    out = []
    dkeys = ['mig', 'dci_disentanglement', 'dci_completeness',
             'dci_informativeness']
    rows = [[name] + [mean_sd([r[name][k] for r in dirs]) for k in dkeys]
            for name in ('sefa', 'jacobian', 'random')]
    out += [f'First {args.num_directions} directions (main job, '
            f'{args.iters} iterations) against the measured factors:', '',
            table(['directions', 'MIG', 'DCI disentanglement',
                   'DCI completeness', 'DCI informativeness'], rows), '']
    rows = [[kind, mean_sd([r[f'outside_energy_{kind}'] for r in local])]
            for kind in ('local', 'unprojected')]
    out += ['Change energy outside the object box (3 directions per '
            f'latent, {args.local_points} latents, step 1):', '',
            table(['directions', 'outside energy'], rows)]
    return '\n'.join(out)


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    os.makedirs(args.work_dir, exist_ok=True)
    from mmlatent.datasets import ShapesDataset
    dataset = ShapesDataset(resolution=32, num_samples=50000, seed=0)
    results = dict(directions=[], local=[], generator={})
    for seed in args.seeds:
        loaded = load_generator(train_gan(args, seed),
                                sample_model=args.sample_model)
        results['generator'][f's{seed}'] = loaded.which
        results['directions'].append(
            direction_figures(args, loaded.G, dataset, seed))
        results['local'].append(local_figures(args, loaded.G, seed))
        log(f'directions seed {seed}: {results["directions"][-1]}'
            f' {results["local"][-1]}')
    text = report(results, args)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(results, table=text, args=vars(args)), f,
                      indent=1, default=str)


if __name__ == '__main__':
    run_cli(main)
