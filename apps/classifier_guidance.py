"""Steer latents with the gradient of a differentiable scorer.

    python apps/classifier_guidance.py CKPT --scorer cls.pth \\
        --attribute x --target 0.8 --verify shapes
"""
import argparse
import csv
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.args import (COMMON_EPILOG, SCORER_HELP,  # noqa: E402
                                add_common_args)
from mmlatent.utils.choices import CONSTRAINTS  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.errors import ConfigError  # noqa: E402


EPILOG = """method: each step moves every code by exactly --step-size along the
normalised gradient of its loss, 0.5 (s - T)^2 for a continuous attribute or
the binary cross-entropy for a probability; a code stops once |s - T| <=
tolerance / 2. --constraint keeps codes near the prior:
  sphere   z keeps its starting norm (normal prior)
  clamp    z stays in [-1, 1] (uniform prior)
  penalty  adds --prior-weight * 0.5 |v - centre|^2 (centre 0 for z, w_avg
           for w)
  auto     sphere / clamp for z by the prior, penalty for w

success: the final score is within --tolerance of --target (default 0.5 for
binary attributes, i.e. the right side of 0.5, and 0.05 otherwise), judged
by the guiding scorer and, with --verify, by a second scorer (e.g. the
analytic 'shapes' measurer): codes that satisfy the guide but not the
verifier fooled the classifier without changing the image enough.

outputs (in --out-dir), <name> = guidance_<attribute>:
  <name>.png         one row per code, one column per recorded step (every
                     --save-every steps and the last)
  <name>.csv         step, sample, guiding score (every step), verifying
                     score (recorded steps, else empty)
  <name>_latents.pt  latent file of the final codes (space of --space) with
                     the final scores (guide_<attribute>, verify_<attribute>)

""" + COMMON_EPILOG


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='apps/classifier_guidance.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Gradient steps on z (or w) that drive an attribute of '
        'a differentiable scorer to a target value.')
    add_common_args(p)
    p.add_argument('--scorer', required=True, metavar='NAME',
                   help='the guiding, differentiable scorer: ' + SCORER_HELP)
    p.add_argument('--attribute', '-a',
                   help='attribute of the scorer to steer (default: its '
                   'only one)')
    p.add_argument('--target', '-t', type=float, required=True,
                   help='target value T (1 or 0 for a binary attribute)')
    p.add_argument('--verify', metavar='NAME',
                   help='second scorer that judges the result, e.g. shapes')
    p.add_argument('--verify-attribute',
                   help='its attribute (default: --attribute)')
    p.add_argument('--space', choices=['z', 'w'], default='z',
                   help='the codes to optimise (default: z)')
    p.add_argument('--num', '-n', type=int, default=8,
                   help='number of codes (default: 8)')
    p.add_argument('--steps', type=int, default=50,
                   help='gradient steps (default: 50)')
    p.add_argument('--step-size', type=float, default=0.1,
                   help='length of each step in latent space (default: 0.1)')
    p.add_argument('--constraint', choices=CONSTRAINTS, default='auto',
                   help='how codes stay near the prior (default: auto)')
    p.add_argument('--prior-weight', type=float, default=0.1,
                   help="weight of the 'penalty' constraint (default: 0.1)")
    p.add_argument('--tolerance', type=float,
                   help='success when |score - target| <= tolerance')
    p.add_argument('--save-every', type=int, default=5,
                   help='steps between recorded images (default: 5)')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.apis.app import (load_app_generator, out_dir,  # noqa: E402
                               progress, rng)
from mmlatent.control import (build_scorer,  # noqa: E402
                              check_guidance_scorer, guide)
from mmlatent.control.guidance_record import (csv_rows,  # noqa: E402
                                              final_scores, record_guidance,
                                              report_lines)
from mmlatent.control.scorers import single_attribute  # noqa: E402
from mmlatent.latent import save_latents, start_codes  # noqa: E402
from mmlatent.utils.image import save_rows  # noqa: E402
from mmlatent.utils.outputs import safe_name  # noqa: E402


def outputs(name: str) -> tuple:
    """The files a run named ``name`` (by the attribute) writes in
    --out-dir; an earlier run's are refused, or deleted by --overwrite."""
    return (f'{name}.png', f'{name}.csv', f'{name}_latents.pt')


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.num < 1 or args.save_every < 1:
        raise ConfigError(f'--num {args.num} and --save-every '
                          f'{args.save_every} must be positive')
    scorer = build_scorer(args.scorer, args.device)
    attribute = single_attribute(scorer, args.attribute)
    check_guidance_scorer(scorer, attribute)
    name = f'guidance_{safe_name(attribute)}'
    folder = out_dir(args.out_dir, outputs=outputs(name),
                     overwrite=args.overwrite)
    G = load_app_generator(args).G
    start = start_codes(G.eval(), args.num, space=args.space,
                        label=args.label, con=args.con, generator=rng(args))
    res = guide(G, scorer, start.latent, attribute=attribute,
                target=args.target, space=args.space, c=start.c,
                steps=args.steps, step_size=args.step_size,
                constraint=args.constraint, prior_weight=args.prior_weight,
                tolerance=args.tolerance,
                progress=lambda it: progress(it, desc='guidance'))
    verifier = build_scorer(args.verify, args.device) if args.verify \
        else None
    record = record_guidance(G, res, start.c, save_every=args.save_every,
                             verifier=verifier,
                             verify_attribute=args.verify_attribute)
    save_rows(osp.join(folder, f'{name}.png'), record.img)
    with open(osp.join(folder, f'{name}.csv'), 'w', newline='') as f:
        csv.writer(f).writerows(csv_rows(res, record))
    save_latents(osp.join(folder, f'{name}_latents.pt'), res.latents[-1],
                 space=args.space, c=start.c,
                 scores=final_scores(res, record),
                 meta=dict(target=args.target, scorer=args.scorer))
    for line in report_lines(res, record, guide_name=scorer.name,
                             verify_name=args.verify):
        print(line)
    print(f'wrote {folder}/{name}.png, {name}.csv, {name}_latents.pt')


if __name__ == '__main__':
    run_cli(main)
