"""Quality of controllable generation on Shapes, printed as a table.

1. A DCGAN on Shapes 32 px: the main config with a 16-d z
   (configs/control/dcgan_continuity-z16_shapes-32x32.py). InterFaceGAN
   boundaries for x and scale in z space from --num-samples scored
   samples (validation accuracy, target >= 95%), and an edit along the x
   boundary over [-d, d] (--distance): the mean measured x must rise at
   every step, and the mean y and scale must move by less than 10% of the
   x change (first to last step; the largest deviation of the mean path
   is printed too).
2. The same DCGAN on the Shapes variant whose scale and x are correlated
   (configs/control/dcgan_continuity-z16_shapes_corr-32x32.py): editing
   along the scale boundary conditioned on the x boundary must cut the x
   change of the unconditioned edit by at least half.
3. An InfoGAN on Shapes whose categorical code is anchored to clusters
   of the real images found without labels
   (configs/infogan/infogan_dcgan-clusters_shapes-32x32.py, 24,000
   iterations): the categorical code must match the measured shape class
   with >= 90% accuracy after Hungarian matching. For reference, the
   paper's InfoGAN on Shapes (configs/infogan/infogan_dcgan_shapes-32x32.py)
   is measured the same way.
4. For reference, an InfoGAN on the bundled digits
   (configs/infogan/infogan_dcgan_digits-32x32.py, the paper's MNIST
   setting): its 10-way code against the digit read by a logistic
   regression fitted on the digits (mmlatent.control.digit_classifier).
5. For reference, the semi-supervised InfoGAN on Shapes with 10% of the
   labels (configs/infogan/ssinfogan_dcgan_shapes-32x32.py, 56,000
   iterations, about 60 min): its code against the measured class, after
   Hungarian matching.
6. The conditional GAN (AC-GAN style) on Shapes
   (configs/cgan/cgan_dcgan_shapes-32x32.py): how often the measured
   class is the requested one (no matching; target >= 95%), and on the
   bundled digits (configs/cgan/cgan_dcgan_digits-32x32.py): how often the
   digit classifier reads the requested digit (target >= 95%).

Generators are trained here for --iters iterations (each config's own
schedule when omitted) or taken from --ckpt / --corr-ckpt / --infogan-ckpt
/ --infogan-paper-ckpt / --digits-ckpt / --ssinfogan-ckpt / --cgan-ckpt
/ --cgan-digits-ckpt.

    python benchmarks/control_quality.py                  # full
    python benchmarks/control_quality.py --quick          # smoke run
    python benchmarks/control_quality.py --ckpt A.pth --corr-ckpt B.pth \\
        --infogan-ckpt C.pth
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

import torch  # noqa: E402

from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.errors import MMLatentError  # noqa: E402

CONFIGS = dict(
    dcgan='control/dcgan_continuity-z16_shapes-32x32.py',
    corr='control/dcgan_continuity-z16_shapes_corr-32x32.py',
    infogan='infogan/infogan_dcgan-clusters_shapes-32x32.py',
    infogan_paper='infogan/infogan_dcgan_shapes-32x32.py',
    digits='infogan/infogan_dcgan_digits-32x32.py',
    ssinfogan='infogan/ssinfogan_dcgan_shapes-32x32.py',
    cgan='cgan/cgan_dcgan_shapes-32x32.py',
    cgan_digits='cgan/cgan_dcgan_digits-32x32.py')


def train(name: str, work_dir: str, iters) -> str:
    """Train config ``name`` in-process; returns the final checkpoint."""
    from mmlatent.training import build_runner, load_config, prepare_config
    path = osp.join(ROOT, 'configs', CONFIGS[name])
    cfg = load_config(path)
    iters = iters or cfg.train_cfg.max_iters
    cfg.merge_from_dict({
        'train_cfg.max_iters': iters,
        'default_hooks.checkpoint.interval': iters,
        'default_hooks.logger.interval': max(1, iters // 10)})
    cfg.custom_hooks = [dict(type='IterationSeedHook')]
    cfg.val_evaluator = None        # no end-of-training evaluation
    cfg.log_level = 'WARNING'
    folder = osp.join(work_dir, name)
    cfg = prepare_config(cfg, config_path=path, work_dir=folder)
    cfg.experiment_name = f'control_quality_{name}_{os.getpid()}'
    start = time.time()
    build_runner(cfg).train()
    print(f'trained {name} for {iters} iterations in '
          f'{time.time() - start:.0f} s', flush=True)
    return osp.join(folder, f'iter_{iters}.pth')


def generator(ckpt: str):
    from mmlatent.models.loading import load_generator
    loaded = load_generator(ckpt)
    print(f'{osp.basename(ckpt)}: {loaded.message}', flush=True)
    return loaded.G


def boundaries(G, num: int, seed: int, attributes=('x', 'scale')) -> dict:
    """{attribute: Boundary} in z space from ``num`` scored samples."""
    from mmlatent.control import build_scorer, sample_scored, train_boundary
    from mmlatent.latent import start_codes
    gen = torch.Generator().manual_seed(seed)
    s = sample_scored(G, [build_scorer('shapes')],
                      start_codes(G, num, generator=gen))
    valid = float(s.scores['valid'].mean())
    print(f'{valid:.1%} of {num} samples are valid Shapes images',
          flush=True)
    return {a: train_boundary(s.z, s.scores[a], ratio=0.02, split=0.7,
                              space='z', attribute=a,
                              generator=torch.Generator().manual_seed(seed))
            for a in attributes}


def edit_paths(G, b, num: int, distance: float, steps: int,
               seed: int) -> dict:
    """{attribute: summary row} of edits of ``num`` prior samples along
    ``b`` over [-distance, distance] (see path_summary)."""
    from mmlatent.control import (build_scorer, edit_latents, path_summary,
                                  score_images)
    from mmlatent.latent import render
    z = G.sample_z(num, torch.Generator().manual_seed(seed + 1))
    d = torch.linspace(-distance, distance, steps).tolist()
    img = render(G, edit_latents(z, b, d).flatten(0, 1), space='z',
                 batch_size=250)
    scores = score_images([build_scorer('shapes')], img)
    rows = path_summary({k: scores[k].view(num, steps) for k in
                         ('x', 'y', 'scale')}, d)
    return {r['attribute']: r for r in rows}


def deviation(row: dict) -> float:
    """Largest distance of the mean path from its start."""
    return max(abs(v - row['mean'][0]) for v in row['mean'])


def quality_dcgan(G, args) -> list:
    bs = boundaries(G, args.num_samples, args.seed)
    rows = [('boundary validation accuracy, x', bs['x'].accuracy[
        'validation'], '>= 95%', bs['x'].accuracy['validation'] >= 0.95),
        ('boundary validation accuracy, scale', bs['scale'].accuracy[
            'validation'], '>= 95%',
         bs['scale'].accuracy['validation'] >= 0.95)]
    p = edit_paths(G, bs['x'], args.num_edit, args.distance, args.steps,
                   args.seed)
    dx = abs(p['x']['change'])
    rows.append((f"x edit [-{args.distance:g}, {args.distance:g}]: mean x "
                 f"{p['x']['mean'][0]:.3f} -> {p['x']['mean'][-1]:.3f}, "
                 'monotonic steps', p['x']['monotonic'], '100%',
                 p['x']['monotonic'] == 1.0))
    for a in ('y', 'scale'):
        rel = abs(p[a]['change']) / dx
        rows.append((f'x edit: change of {a} / change of x, absolute '
                     f'(largest deviation {deviation(p[a]) / dx:.1%})', rel,
                     '< 10%', rel < 0.10))
    return rows


def quality_conditional(G, args) -> list:
    from mmlatent.control import condition_boundary
    bs = boundaries(G, args.num_samples, args.seed)
    cond = condition_boundary(bs['scale'], [bs['x']])
    plain = edit_paths(G, bs['scale'], args.num_edit, args.distance,
                       args.steps, args.seed)
    condp = edit_paths(G, cond, args.num_edit, args.distance, args.steps,
                       args.seed)
    dx0, dx1 = abs(plain['x']['change']), abs(condp['x']['change'])
    cut = 1 - dx1 / dx0 if dx0 else float('nan')
    return [
        ('corr. Shapes: scale edit, change of x (unconditioned)',
         plain['x']['change'], '', None),
        ('corr. Shapes: scale edit, change of scale (unconditioned)',
         plain['scale']['change'], '', None),
        ('corr. Shapes: scale-given-x edit, change of x', condp['x']['change'],
         '', None),
        ('corr. Shapes: scale-given-x edit, change of scale',
         condp['scale']['change'], '', None),
        ('corr. Shapes: x side-effect cut by conditioning', cut, '>= 50%',
         cut >= 0.5)]


def code_accuracy(G, args, **kwargs) -> dict:
    """categorical_code_accuracy of ``G`` on num_samples / 5 samples."""
    from mmlatent.control import categorical_code_accuracy
    return categorical_code_accuracy(
        G, num_samples=args.num_samples // 5 or 1,
        generator=torch.Generator().manual_seed(args.seed), **kwargs)


def code_vs_class_row(G, args, what: str,
                      target: str = 'none (chance: 33%)',
                      threshold: Optional[float] = None) -> list:
    """One table row: ``what``'s categorical code against the measured
    shape class (Hungarian); pass/fail only when ``threshold`` is given."""
    out = code_accuracy(G, args)
    passed = None if threshold is None else out['accuracy'] >= threshold
    return [(f"{what}: categorical code vs shape class (Hungarian, "
             f"{out['num_valid']} valid samples)", out['accuracy'], target,
             passed)]


def quality_infogan(G, args) -> list:
    return code_vs_class_row(
        G, args, 'InfoGAN, code anchored to clusters found without labels',
        '>= 90%', 0.9)


def quality_infogan_paper(G, args) -> list:
    return code_vs_class_row(G, args,
                             "for reference: the paper's InfoGAN")


def quality_ssinfogan(G, args) -> list:
    return code_vs_class_row(
        G, args, 'for reference: semi-supervised InfoGAN, 10% of the labels')


def conditional_row(G, args, what: str, **kwargs) -> list:
    """How often ``G`` draws the requested class (no matching)."""
    from mmlatent.control import conditional_accuracy
    out = conditional_accuracy(
        G, num_samples=args.num_samples // 5 or 1,
        generator=torch.Generator().manual_seed(args.seed), **kwargs)
    return [(f"{what} ({out['num_valid']} valid samples)", out['accuracy'],
             '>= 95%', out['accuracy'] >= 0.95)]


def quality_cgan(G, args) -> list:
    """Share of valid samples whose measured class is the requested one
    (classes in the dataset's order, no matching)."""
    return conditional_row(G, args, 'conditional GAN on Shapes, measured '
                           'class = requested class')


def quality_cgan_digits(G, args) -> list:
    from mmlatent.control import digit_classifier
    classify, heldout = digit_classifier(G.resolution)
    return conditional_row(
        G, args, 'conditional GAN on digits, digit read = requested digit '
        f'(the reader is {heldout:.1%} right on held-out real digits)',
        classify=classify)


def quality_digits(G, args) -> list:
    from mmlatent.control import digit_classifier
    classify, heldout = digit_classifier(G.resolution)
    out = code_accuracy(G, args, classify=classify)
    return [(f'InfoGAN on digits: categorical code vs digit (Hungarian; '
             f'the digit classifier is {heldout:.1%} right on held-out '
             'real digits)', out['accuracy'],
             'none (the paper on MNIST: 95%)', None)]


def fmt(value: float, target: str) -> str:
    if '%' in target or value != value:
        return f'{value:.1%}'
    return f'{value:+.4f}'


def print_table(rows: list) -> None:
    print('\n| measure | value | target | pass |\n|---|---|---|---|')
    for name, value, target, passed in rows:
        mark = '' if passed is None else ('yes' if passed else 'NO')
        print(f'| {name} | {fmt(value, target)} | {target} | {mark} |')


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--iters', type=int,
                   help='training iterations of every generator (default: '
                   "each config's schedule)")
    p.add_argument('--num-samples', type=int, default=50000,
                   help='scored samples per boundary (default: 50000)')
    p.add_argument('--num-edit', type=int, default=500,
                   help='codes edited per path measurement (default: 500)')
    p.add_argument('--distance', type=float, default=2.0,
                   help='edits run over [-d, d] (default: 2)')
    p.add_argument('--steps', type=int, default=9,
                   help='points per edit path (default: 9)')
    p.add_argument('--quick', action='store_true',
                   help='smoke run: 150 iterations, 2000 samples, 50 edits')
    p.add_argument('--ckpt', help='DCGAN checkpoint on Shapes')
    p.add_argument('--corr-ckpt', help='DCGAN on correlated Shapes')
    p.add_argument('--infogan-ckpt',
                   help='InfoGAN anchored to clusters, on Shapes')
    p.add_argument('--infogan-paper-ckpt',
                   help="the paper's InfoGAN on Shapes")
    p.add_argument('--digits-ckpt', help='InfoGAN on the bundled digits')
    p.add_argument('--ssinfogan-ckpt',
                   help='semi-supervised InfoGAN on Shapes')
    p.add_argument('--cgan-ckpt', help='conditional GAN on Shapes')
    p.add_argument('--cgan-digits-ckpt',
                   help='conditional GAN on the bundled digits')
    p.add_argument('--skip', nargs='+', default=[],
                   choices=list(CONFIGS),
                   help='parts to leave out')
    p.add_argument('--work-dir', help='where generators are trained '
                   '(default: a temporary folder)')
    p.add_argument('--threads', type=int,
                   help='torch CPU threads (1 is fastest on a busy machine)')
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    if args.quick:
        args.iters = args.iters or 150
        args.num_samples, args.num_edit = 2000, 50
    check_checkpoints(args)
    return args


def check_checkpoints(args: argparse.Namespace) -> None:
    """Stop before any training when a given checkpoint is missing (the
    parts run in turn: a late one would be found only after the others
    were trained and measured)."""
    for key, path in vars(args).items():
        if key.endswith('ckpt') and path and not osp.isfile(path):
            flag = '--' + key.replace('_', '-')
            raise FileNotFoundError(f'{flag} {path}: no such file; give a '
                                    'checkpoint, or leave the option out '
                                    'to train that part here')


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    work = args.work_dir or tempfile.mkdtemp(prefix='control_quality_')
    parts = [('dcgan', args.ckpt, quality_dcgan),
             ('corr', args.corr_ckpt, quality_conditional),
             ('infogan', args.infogan_ckpt, quality_infogan),
             ('infogan_paper', args.infogan_paper_ckpt,
              quality_infogan_paper),
             ('digits', args.digits_ckpt, quality_digits),
             ('ssinfogan', args.ssinfogan_ckpt, quality_ssinfogan),
             ('cgan', args.cgan_ckpt, quality_cgan),
             ('cgan_digits', args.cgan_digits_ckpt, quality_cgan_digits)]
    rows = []
    for name, ckpt, measure in parts:
        if name in args.skip:
            continue
        ckpt = ckpt or train(name, work, args.iters)
        start = time.time()
        try:
            rows += measure(generator(ckpt), args)
        except MMLatentError as e:       # e.g. no valid samples to fit
            print(f'{name}: cannot measure: {e}', flush=True)
            rows.append((f'{name}: not measured ({e})', float('nan'), '',
                         False))
        print(f'measured {name} in {time.time() - start:.0f} s', flush=True)
    print_table(rows)


if __name__ == '__main__':
    run_cli(main)
