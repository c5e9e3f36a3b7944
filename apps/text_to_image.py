"""Images for a text prompt from a trained generator.

    python apps/text_to_image.py CKPT --prompt 'a red triangle on the left' \\
        --scorer text:work_dirs/text_image.pth [--method guide|rerank]
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.args import COMMON_EPILOG, add_common_args  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.errors import ConfigError  # noqa: E402


METHODS = ('conditional', 'guide', 'rerank')
EPILOG = """methods:
  guide        (any generator) Adam steps on z lowering -log s + --pull *
               0.5 |z - z0|^2, s the guiding scorer's probability of the
               prompt; --steps steps, --lr
  rerank       (any generator) --factor * --num prior samples, the --num
               with the highest prompt score kept
  conditional  sampling of a text-conditioned GAN (not yet available)

verification: --verify (default shapes, the analytic measurer) judges the
final images: reached = the verifier finds every attribute the prompt
names; fooled = the guide's score >= 0.5 but the verifier disagrees;
unnamed = share of the attributes the prompt leaves out that changed
(guide). Generator passes are counted for both methods.

outputs (in --out-dir), <name> = text_<prompt>_<method>:
  <name>.png         guide: one row per code, columns every --save-every
                     steps and the last; rerank: the kept samples
  <name>_latents.pt  latent file of the final z codes with the scores
                     (guide, verify); apps/interpolate_sample.py
                     --proj-latent A.pt B.pt morphs between two prompts

""" + COMMON_EPILOG


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='apps/text_to_image.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Generate images for a prompt: guide the latent codes '
        'of any generator toward it, or sample and rerank.')
    add_common_args(p)
    p.add_argument('--prompt', '-p', required=True,
                   help="what to draw, e.g. 'a red triangle on the left'")
    p.add_argument('--method', choices=METHODS, default='guide',
                   help='guide (default), rerank or conditional')
    p.add_argument('--scorer', required=True, metavar='SPEC',
                   help='the guiding / ranking scorer, e.g. text:PATH '
                   '(tools/train_text_image.py)')
    p.add_argument('--verify', default='shapes', metavar='SPEC',
                   help="second scorer that judges the result (default: "
                   "shapes; 'none' to skip)")
    p.add_argument('--num', '-n', type=int, default=8,
                   help='number of images (default: 8)')
    p.add_argument('--steps', type=int, default=100,
                   help='guide: optimisation steps (default: 100)')
    p.add_argument('--lr', type=float, default=0.05,
                   help='guide: Adam learning rate (default: 0.05)')
    p.add_argument('--pull', type=float, default=0.05,
                   help='guide: weight of the pull toward the start code '
                   '(default: 0.05)')
    p.add_argument('--factor', type=int, default=64,
                   help='rerank: samples drawn per kept one (default: 64)')
    p.add_argument('--save-every', type=int, default=20,
                   help='guide: steps between grid columns (default: 20)')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.apis.app import (condition, load_app_generator,  # noqa: E402
                               out_dir, progress, rng)
from mmlatent.control import build_scorer  # noqa: E402
from mmlatent.control.prompt import (images_for_prompt,  # noqa: E402
                                     prompt_grid, prompt_report,
                                     verify_prompt)
from mmlatent.latent import save_latents  # noqa: E402
from mmlatent.utils.image import save_rows  # noqa: E402
from mmlatent.utils.outputs import safe_name  # noqa: E402


def outputs(name: str) -> tuple:
    """The files a run named ``name`` (prompt and method) writes in
    --out-dir; an earlier run's are refused, or deleted by --overwrite."""
    return (f'{name}.png', f'{name}_latents.pt')


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.num < 1 or args.save_every < 1:
        raise ConfigError(f'--num {args.num} and --save-every '
                          f'{args.save_every} must be positive')
    if args.method == 'conditional':
        raise ConfigError('--method conditional needs a text-conditioned '
                          'GAN, which mmlatent does not train yet; use '
                          '--method guide or rerank')
    scorer = build_scorer(args.scorer, args.device)
    verifier = None if args.verify == 'none' else build_scorer(
        args.verify, args.device)
    if not args.prompt.strip():
        raise ConfigError("--prompt is empty; give one, e.g. --prompt "
                          "'a red triangle on the left'")
    scorer.check_attribute(args.prompt)
    if verifier is not None:
        verifier.check_attribute(args.prompt)
    G = load_app_generator(args).G
    name = f'text_{safe_name(args.prompt)}_{args.method}'
    folder = out_dir(args.out_dir, outputs=outputs(name),
                     overwrite=args.overwrite)
    gen = rng(args)
    res = images_for_prompt(
        G, scorer, args.prompt, args.num, method=args.method,
        c=condition(G, args.num, args, gen), generator=gen,
        steps=args.steps, lr=args.lr, pull=args.pull, factor=args.factor,
        progress=lambda it: progress(it, desc='guide'))
    check = None if verifier is None else verify_prompt(
        G, res, args.prompt, verifier)
    save_rows(osp.join(folder, f'{name}.png'),
              prompt_grid(G, res, method=args.method,
                          save_every=args.save_every))
    scores = {'guide': res.scores[-1]}
    if check is not None:
        scores['verify'] = check['verify']
    save_latents(osp.join(folder, f'{name}_latents.pt'), res.z, space='z',
                 c=res.c, scores=scores,
                 meta=dict(prompt=args.prompt, method=args.method,
                           scorer=args.scorer, passes=res.passes))
    for line in prompt_report(args.prompt, args.method, res, check,
                              args.verify):
        print(line)
    print(f'wrote {folder}/{name}.png, {name}_latents.pt')


if __name__ == '__main__':
    run_cli(main)
