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

from mmlatent.control import (build_scorer,  # noqa: E402
                              check_guidance_scorer, guide)
from mmlatent.latent import render, save_latents, start_codes  # noqa
from mmlatent.latent.spaces import repeat_c  # noqa: E402
from mmlatent.apis.app import (load_app_generator, out_dir,  # noqa: E402
                               progress, rng)
from mmlatent.utils.image import save_rows  # noqa: E402
from mmlatent.utils.outputs import safe_name  # noqa: E402


def _attribute(scorer, given: Optional[str]) -> str:
    if given:
        return scorer.check_attribute(given)
    if len(scorer.attributes) != 1:
        raise ConfigError(
            f'scorer {scorer.name} gives several attributes '
            f"({', '.join(scorer.attributes)}); pick one with --attribute")
    return next(iter(scorer.attributes))


def _start(args, G):
    codes = start_codes(G.eval(), args.num, space=args.space,
                        label=args.label, con=args.con, generator=rng(args))
    return codes.latent, codes.c


def _verify(args, G, res, steps, c):
    """Images of the recorded steps [num, S, ...] and the verifier's
    scores [num, S] (None without --verify)."""
    codes = res.latents[steps].transpose(0, 1).flatten(0, 1)
    img = render(G, codes, space=res.space, c=repeat_c(c, len(steps)))
    if not args.verify:
        return img, None
    verifier = build_scorer(args.verify, args.device)
    attr = verifier.check_attribute(args.verify_attribute or res.attribute)
    return img, verifier(img)[attr].float().cpu().view(args.num, len(steps))


def _write_csv(path, steps, res, verify):
    """Every step's guiding score; the verifier's at the recorded steps."""
    column = {step: j for j, step in enumerate(steps)}
    with open(path, 'w', newline='') as f:
        out = csv.writer(f)
        out.writerow(['step', 'sample', 'guide', 'verify'])
        for step in range(res.scores.shape[0]):
            for i in range(res.scores.shape[1]):
                v = '' if verify is None or step not in column else \
                    f'{float(verify[i, column[step]]):.6g}'
                out.writerow([step, i, f'{float(res.scores[step, i]):.6g}',
                              v])


def _report(args, scorer, res, verify) -> None:
    ok = res.reached()
    n = len(ok)
    goal = f'{res.attribute} = {res.target:g} +- {res.tolerance:g}'
    print(f'guiding scorer {scorer.name}: {int(ok.sum())}/{n} reached '
          f'{goal} (mean score {float(res.scores[0].mean()):.4f} -> '
          f'{float(res.scores[-1].mean()):.4f})')
    if verify is not None:
        vok = res.reached(verify[:, -1])
        fooled = int((ok & ~vok).sum())
        print(f'verifying scorer {args.verify}: {int(vok.sum())}/{n} reached'
              f' {goal} (mean {float(verify[:, 0].nanmean()):.4f} -> '
              f'{float(verify[:, -1].nanmean()):.4f}); {fooled} fooled the '
              'guiding scorer without the verifier agreeing')


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
    attribute = _attribute(scorer, args.attribute)
    check_guidance_scorer(scorer, attribute)
    name = f'guidance_{safe_name(attribute)}'
    folder = out_dir(args.out_dir, outputs=outputs(name),
                     overwrite=args.overwrite)
    G = load_app_generator(args).G
    start, c = _start(args, G)
    res = guide(G, scorer, start, attribute=attribute, target=args.target,
                space=args.space, c=c, steps=args.steps,
                step_size=args.step_size, constraint=args.constraint,
                prior_weight=args.prior_weight, tolerance=args.tolerance,
                progress=lambda it: progress(it, desc='guidance'))
    steps = sorted(set(range(0, args.steps + 1, args.save_every)) |
                   {args.steps})
    img, verify = _verify(args, G, res, steps, c)
    save_rows(osp.join(folder, f'{name}.png'),
              img.view(args.num, len(steps), *img.shape[1:]))
    _write_csv(osp.join(folder, f'{name}.csv'), steps, res, verify)
    scores = {f'guide_{attribute}': res.scores[-1]}
    if verify is not None:
        scores[f'verify_{attribute}'] = verify[:, -1]
    save_latents(osp.join(folder, f'{name}_latents.pt'), res.latents[-1],
                 space=args.space, c=c, scores=scores,
                 meta=dict(target=args.target, scorer=args.scorer))
    _report(args, scorer, res, verify)
    print(f'wrote {folder}/{name}.png, {name}.csv, {name}_latents.pt')


if __name__ == '__main__':
    run_cli(main)
