"""Sample latents of a generator, score their images, and save both.

    python apps/generate_latents.py CKPT --num 10000 --scorer shapes

The first step of InterFaceGAN: the scored latents train a boundary with
apps/train_boundary.py.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.args import (COMMON_EPILOG, add_common_args,  # noqa: E402
                                add_scorer_arg)
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.errors import ConfigError  # noqa: E402


EPILOG = """outputs (in --out-dir):
  latents_z.pt   latent file (mmlatent.latent/1), space 'z': z [N, z_dim],
                 the condition c [N, c_dim] of conditional generators, and
                 the scores {attribute: [N]} (NaN: the scorer could not
                 judge the image, e.g. an invalid Shapes image)
  latents_w.pt   the same samples as w codes [N, w_dim] (the first layer
                 of mapping(z, c); for non-style generators w = [z | c])
  samples.png    the first 64 images

""" + COMMON_EPILOG


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='apps/generate_latents.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Sample N latents (z and w) from the prior, score their '
        'images with the given scorers and write them as latent files.')
    add_common_args(p)
    p.add_argument('--num', '-n', type=int, required=True,
                   help='number of samples N')
    add_scorer_arg(p)
    p.add_argument('--batch-size', type=int, default=100,
                   help='images rendered at once (default: 100)')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.control import attribute_kinds, sample_scored  # noqa: E402
from mmlatent.control.sampling import score_summary  # noqa: E402
from mmlatent.latent import render, save_latents, start_codes  # noqa
from mmlatent.apis.app import (load_app_generator, out_dir,  # noqa: E402
                               progress, rng)
from mmlatent.apis.scorers import scorers_of  # noqa: E402
from mmlatent.utils.image import save_grid  # noqa: E402


#: Files this app writes in --out-dir (--overwrite deletes them first).
OUTPUTS = ('latents_z.pt', 'latents_w.pt', 'samples.png')


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.num < 1 or args.batch_size < 1:
        raise ConfigError(f'--num {args.num} and --batch-size '
                          f'{args.batch_size} must be positive')
    folder = out_dir(args.out_dir, outputs=OUTPUTS, overwrite=args.overwrite)
    loaded = load_app_generator(args)
    G, gen = loaded.G, rng(args)
    scorers = scorers_of(args.scorer, args.device)
    kinds = attribute_kinds(scorers)
    codes = start_codes(G, args.num, label=args.label, con=args.con,
                        generator=gen)
    samples = sample_scored(G, scorers, codes, batch_size=args.batch_size,
                            progress=lambda it: progress(it, desc='sampling'))
    meta = dict(checkpoint=osp.abspath(args.checkpoint), seed=args.seed,
                generator=type(G).__name__, sample_model=loaded.which,
                scorers=' '.join(args.scorer or []),
                attributes=' '.join(f'{k}:{v}' for k, v in kinds.items()))
    scores = samples.scores or None
    save_latents(osp.join(folder, 'latents_z.pt'), samples.z, space='z',
                 c=samples.c, scores=scores, meta=meta)
    save_latents(osp.join(folder, 'latents_w.pt'), samples.w, space='w',
                 scores=scores, meta=meta)
    k = min(64, args.num)
    save_grid(osp.join(folder, 'samples.png'),
              render(G, samples.w[:k], space='w'), 8)
    print(f'wrote {args.num} latents to {folder}/latents_z.pt and '
          'latents_w.pt')
    for line in score_summary(samples.scores, kinds):
        print(line)


if __name__ == '__main__':
    run_cli(main)
