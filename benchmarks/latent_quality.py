"""Does the continuity regulariser do what it is for? A paired dose sweep.

    python benchmarks/latent_quality.py [--settings shapes digits rectangles]
        [--doses 0 1 10 100 1000] [--seeds 0 1 2]
        [--protocol finetune|scratch] [--base-iters N] [--ft-steps 150]
        [--iters N] [--num-samples 500] [--segments 4]
        [--pieces-dtype float64|float32] [--fidelity TYPE ...] [--quick] [--work-dir DIR] [--threads N]
        [--out results.json]

Settings (``SETTINGS``): ``shapes`` (the main DCGAN job on Shapes, tanh
output), ``digits`` (GCert's pairing: WGAN-GP on the bundled digits) and
``rectangles`` (GCert's ablation data: one white rectangle, DCGAN with a
ReLU-clamped output, so it is piecewise linear end to end).

Doses are in GCert's units: the penalty (``form='residual'``) is added with
weight ``dose`` at every generator step (``interval=1``). Runs are paired:
for every seed, every dose starts from the same state with the same seed,
and dose 0 is the baseline.

* ``--protocol finetune`` (default): one base run per setting without the
  term (``--base-iters``, seed 0), then for every (dose, seed) a fine-tune
  of ``--ft-steps`` generator steps from it (fresh optimisers, EMA
  continued from the base's EMA, averaging from the first step).
* ``--protocol scratch``: every (dose, seed) trains from scratch for
  ``--iters`` iterations.

Both the plain and the EMA generator of every run are scored on held-out
segments (the same latents for every run): the normalised penalty and the
spread, the raw penalty, the chord deviation, the exact linear pieces per
segment (``--segments``), the factor trajectories (shapes, rectangles), the
ghosting ratio, and fidelity: validity (Shapes or rectangle fit), the
Fréchet distance of 8x8 pixel features, plus any metric types named by
``--fidelity`` (the fidelity metrics of another issue when registered).

Prints, per setting and generator, mean +- sd over seeds per dose, the
paired change against dose 0 (mean +- sd of the per-seed relative change)
and the verdict of the goal: linear pieces -20% or more and normalised
penalty -30% or more for every seed, with fidelity within 10%. Runs and
their scores are cached in the work dir. ``--quick`` is a smoke run (the
figures mean nothing).
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

from mmlatent.datasets import measure_rectangles  # noqa: E402
from mmlatent.evaluation import (ChordDeviation,  # noqa: E402
                                 ContinuityMetric, FactorTrajectories,
                                 FrechetDistance, Ghosting, LinearPieces,
                                 NormalisedContinuity, ShapesValidity,
                                 evaluate_generator, real_images)
from mmlatent.models.loading import load_generator  # noqa: E402
from mmlatent.registry import DATASETS, METRICS  # noqa: E402
from mmlatent.training import (build_runner, load_config,  # noqa: E402
                               prepare_config)
from mmlatent.utils.cli import run_cli  # noqa: E402

SETTINGS = {
    'shapes': dict(config='dcgan/dcgan_continuity_shapes-32x32.py',
                   base_iters=2000, validity='shapes', factors=True),
    'digits': dict(config='wgangp/wgangp_small_digits-32x32.py',
                   base_iters=5000, validity=None, factors=False),
    'rectangles': dict(config='dcgan/dcgan_relu-clamp_rectangles-32x32.py',
                       base_iters=2000, validity='rectangles', factors=True),
}
#: (key, better) of the figures in the tables, in order.
KEYS = [('continuity_norm', 'less'), ('continuity_spread', None),
        ('continuity', 'less'), ('chord_max', 'less'), ('chord_mean', 'less'),
        ('pieces', 'less'), ('traj_r2_x', 'greater'),
        ('traj_r2_scale', 'greater'), ('traj_monotone', 'greater'),
        ('ghost_ratio', 'greater'), ('ghost_mid', 'greater'),
        ('validity', 'greater'),
        ('fd_pixel', 'less')]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--settings', nargs='+', default=list(SETTINGS),
                   choices=list(SETTINGS))
    p.add_argument('--doses', type=float, nargs='+',
                   default=[0, 1, 10, 100, 1000])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--protocol', default='finetune',
                   choices=['finetune', 'scratch'])
    p.add_argument('--base-iters', type=int,
                   help='iterations of the base run (default per setting)')
    p.add_argument('--ft-steps', type=int, default=150,
                   help='generator steps of a fine-tune')
    p.add_argument('--iters', type=int, default=2000,
                   help='iterations of a scratch run')
    p.add_argument('--num-samples', type=int, default=500)
    p.add_argument('--segments', type=int, default=4,
                   help='segments for the exact piece count')
    p.add_argument('--pieces-dtype', default='float64',
                   choices=['float64', 'float32'],
                   help='float32: 2.5x faster, 0.2%% fewer changes found')
    p.add_argument('--fidelity', nargs='*', default=[],
                   help='extra registered metric types to report')
    p.add_argument('--quick', action='store_true')
    p.add_argument('--work-dir', default='work_dirs/latent_quality')
    p.add_argument('--threads', type=int, help='torch threads')
    p.add_argument('--out', help='write all figures as JSON')
    args = p.parse_args()
    if 0 not in args.doses:
        p.error('--doses must include 0 (the paired baseline)')
    if args.quick:
        args.doses, args.seeds = [0, 1000], args.seeds[:2]
        args.base_iters, args.ft_steps, args.iters = 40, 10, 40
        args.num_samples, args.segments = 64, 1
    return args


def log(msg: str) -> None:
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', file=sys.stderr,
          flush=True)


def config_path(setting: str) -> str:
    return osp.join(ROOT, 'configs', SETTINGS[setting]['config'])


def train(setting: str, work_dir: str, iters: int, seed: int, dose: float,
          load_from: str = None) -> str:
    """Train (or reuse) one run; returns its final checkpoint."""
    ckpt = osp.join(work_dir, f'iter_{iters}.pth')
    if osp.isfile(ckpt):
        return ckpt
    opts = {'model.continuity.loss_weight': dose,
            'model.continuity.interval': 1,
            'model.continuity.form': 'residual',
            'train_cfg.max_iters': iters,
            'default_hooks.checkpoint.interval': iters,
            'default_hooks.logger.interval': max(1, iters // 4),
            'custom_hooks': [dict(type='IterationSeedHook')],
            'val_evaluator': None}         # no end-of-training evaluation
    if load_from:
        opts['model.ema.start_iter'] = 0    # keep averaging the base's EMA
    path = config_path(setting)
    cfg = prepare_config(load_config(path, opts), config_path=path,
                         work_dir=work_dir, seed=seed)
    cfg.load_from, cfg.resume = load_from, False
    cfg.experiment_name = f'latent_quality_{osp.basename(work_dir)}_' \
        f'{os.getpid()}'
    cfg.log_level = 'WARNING'       # mmengine's log stays in the work dir
    start = time.time()
    build_runner(cfg).train()
    log(f'{setting} {osp.basename(work_dir)}: {iters} iterations in '
        f'{time.time() - start:.0f}s')
    return ckpt


def n_critic(setting: str) -> int:
    return int(load_config(config_path(setting)).model.get(
        'discriminator_steps', 1))


def run_checkpoints(args, setting: str) -> dict:
    """{(dose, seed): checkpoint} of every run of ``setting``."""
    root = osp.join(args.work_dir, args.protocol, setting)
    out = {}
    if args.protocol == 'finetune':
        base_iters = args.base_iters or SETTINGS[setting]['base_iters']
        base = train(setting, osp.join(root, 'base'), base_iters, 0, 0.0)
        iters = args.ft_steps * n_critic(setting)
        for seed in args.seeds:
            for dose in args.doses:
                out[dose, seed] = train(
                    setting, osp.join(root, f'd{dose:g}_s{seed}'), iters,
                    seed, dose, load_from=base)
    else:
        for seed in args.seeds:
            for dose in args.doses:
                out[dose, seed] = train(
                    setting, osp.join(root, f'd{dose:g}_s{seed}'),
                    args.iters, seed, dose)
    return out


def rectangle_validity(G, n: int, seed: int, meta: dict) -> float:
    """Share of ``n`` samples with one rectangle (measure_rectangles)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        img = G(G.sample_z(n, gen), G.sample_c(n, gen))
    return float(measure_rectangles(img, base_size=meta['base_size'])[
        'valid'].mean())


def score(args, setting: str, G, dataset) -> dict:
    """Every figure of one generator (held-out latents: seed 1234)."""
    spec, n, seed = SETTINGS[setting], args.num_samples, 1234
    metrics = [NormalisedContinuity(), ContinuityMetric(),
               ChordDeviation(), Ghosting(),
               LinearPieces(num_samples=args.segments,
                            dtype=args.pieces_dtype),
               FrechetDistance(extractor=dict(type='PixelFeatures'))]
    if spec['factors']:
        metrics.append(FactorTrajectories(num_samples=max(16, n // 4)))
    if spec['validity'] == 'shapes':
        metrics.append(ShapesValidity())
    metrics += [METRICS.build(dict(type=t)) for t in args.fidelity]
    meta = dataset.metainfo
    figures = evaluate_generator(
        G, metrics, real=real_images(dataset, n, seed=seed), num_samples=n,
        seed=seed, dataset_meta=meta)
    if spec['validity'] == 'rectangles':
        figures['validity'] = rectangle_validity(G, n, seed, meta)
    return figures


def scored(args, setting: str, ckpt: str, which: str, dataset) -> dict:
    """Cached scores of the ``which`` (orig / ema) generator of a run."""
    path = osp.join(osp.dirname(ckpt), f'scores_{which}_n{args.num_samples}'
                    f'_s{args.segments}_{args.pieces_dtype}'
                    f"{''.join('_' + t for t in args.fidelity)}.json")
    if osp.isfile(path):
        with open(path) as f:
            return json.load(f)
    loaded = load_generator(ckpt, sample_model=which)
    start = time.time()
    figures = dict(score(args, setting, loaded.G, dataset),
                   generator=loaded.which)
    log(f'{setting} {osp.basename(osp.dirname(ckpt))} {which}: scored in '
        f'{time.time() - start:.0f}s: {figures}')
    with open(path, 'w') as f:
        json.dump(figures, f, indent=1)
    return figures


def mean_sd(values, pct: bool = False) -> str:
    v = np.array([x for x in values if x is not None and np.isfinite(x)])
    if len(v) == 0:
        return 'n/a'
    sd = v.std(ddof=1) if len(v) > 1 else 0.0
    if pct:
        return f'{100 * v.mean():+.0f}% ± {100 * sd:.0f}'
    return f'{v.mean():.3g} ± {sd:.2g}'


def paired_change(runs: dict, key: str, dose: float, seeds) -> list:
    """Per seed: (figure at dose - figure at 0) / |figure at 0|."""
    out = []
    for s in seeds:
        base, value = runs[0.0, s].get(key), runs[dose, s].get(key)
        if base is None or value is None or not base:
            continue
        out.append((value - base) / abs(base))
    return out


def table(header, rows) -> str:
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    return '\n'.join(lines + ['| ' + ' | '.join(r) + ' |' for r in rows])


def verdict(runs: dict, dose: float, seeds) -> str:
    """The goal at one dose (see the module doc)."""
    pieces = paired_change(runs, 'pieces', dose, seeds)
    norm = paired_change(runs, 'continuity_norm', dose, seeds)
    fid = paired_change(runs, 'fd_pixel', dose, seeds)
    val = paired_change(runs, 'validity', dose, seeds)
    ok = (pieces and max(pieces) <= -0.2 and norm and max(norm) <= -0.3
          and max(fid, default=0) <= 0.1 and min(val, default=0) >= -0.1)
    return 'reached' if ok else 'not reached'


def setting_report(args, setting: str, runs: dict, which: str) -> str:
    keys = [k for k, _ in KEYS if any(k in r for r in runs.values())]
    rows = [[f'{d:g}'] + [mean_sd([runs[d, s].get(k) for s in args.seeds])
                          for k in keys] for d in args.doses]
    out = [f'**{setting}**, {which} generator: mean ± sd over seeds '
           f'{args.seeds}', '', table(['dose'] + keys, rows), '']
    rows = [[f'{d:g}'] + [mean_sd(paired_change(runs, k, d, args.seeds),
                                  pct=True) for k in keys]
            + [verdict(runs, d, args.seeds)]
            for d in args.doses if d != 0]
    out += [f'**{setting}**, {which} generator: paired change against '
            'dose 0 (mean ± sd over seeds)', '',
            table(['dose'] + keys + ['goal'], rows), '']
    return '\n'.join(out)


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    os.makedirs(args.work_dir, exist_ok=True)
    start, results, text = time.time(), {}, []
    for setting in args.settings:
        cfg = load_config(config_path(setting))
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
        ckpts = run_checkpoints(args, setting)
        for which in ('orig', 'ema'):
            runs = {key: scored(args, setting, ckpt, which, dataset)
                    for key, ckpt in ckpts.items()}
            results[f'{setting}/{which}'] = {
                f'd{d:g}_s{s}': r for (d, s), r in runs.items()}
            text.append(setting_report(args, setting, runs, which))
    text.append(f'Protocol {args.protocol}; wall time '
                f'{(time.time() - start) / 60:.1f} min.')
    print('\n'.join(text))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(results=results, table='\n'.join(text),
                           args=vars(args)), f, indent=1, default=str)


if __name__ == '__main__':
    run_cli(main)
