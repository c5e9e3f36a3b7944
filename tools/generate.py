"""Generate one image per seed (NVIDIA gen_images.py convention).

    python tools/generate.py CKPT --seeds 0-99 --out-dir DIR
        [--truncation PSI] [--truncation-cutoff K] [--class K]
        [--noise-mode const|random|none]
        [--format mmlatent|nvidia|rosinality|mmgen]
        [--sample-model ema|orig] [--batch-size 16] [--device cpu|cuda]

Writes DIR/seed<SEED:04d>.png for each seed. Seed s draws z from
numpy.random.RandomState(s), as NVIDIA's gen_images.py, so a network read
with --format nvidia gives NVIDIA's image for the same seed, class,
truncation and noise mode. --format reads a foreign StyleGAN2 file
directly (converted in memory, nothing written). See docs/formats.md.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.args import add_sample_model_arg  # noqa: E402
from mmlatent.utils.choices import INPUT_FORMATS, NOISE_MODES  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    p.add_argument('checkpoint', metavar='CKPT',
                   help='checkpoint (mmlatent, or see --format)')
    p.add_argument('--seeds', required=True,
                   help='seeds, e.g. 0-99 or 1,5,9 or 0-3,10')
    p.add_argument('--out-dir', '--outdir', '-o', required=True,
                   help='output folder (created)')
    p.add_argument('--truncation', '--trunc', type=float, default=1.0,
                   metavar='PSI', help='truncation psi (default: 1)')
    p.add_argument('--truncation-cutoff', type=int, metavar='K',
                   help='truncate only the first K ws layers (default: all)')
    p.add_argument('--class', dest='class_idx', type=int, metavar='K',
                   help='class of conditional generators')
    p.add_argument('--noise-mode', default='const', choices=NOISE_MODES,
                   help='noise of style generators (default: const)')
    p.add_argument('--format', default='mmlatent', choices=INPUT_FORMATS,
                   help='layout of CKPT (default: mmlatent)')
    p.add_argument('--config', help='config overriding the stored one '
                   '(mmlatent checkpoints)')
    add_sample_model_arg(p)
    p.add_argument('--batch-size', type=int, default=16,
                   help='images per batch (default: 16)')
    p.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    p.add_argument('--overwrite', action='store_true',
                   help='delete the seed*.png of an earlier run in --out-dir '
                   'first (refused without it)')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.apis import (init_generator, parse_seeds,  # noqa: E402
                           sample_conditional, sample_images)
from mmlatent.apis.app import check_device, out_dir  # noqa: E402
from mmlatent.utils.image import to_uint8, write_image  # noqa: E402


#: Files this tool writes in --out-dir (--overwrite deletes them first).
OUTPUTS = ('seed*.png', )


def main(argv=None) -> None:
    args = parse_args(argv)
    seeds = parse_seeds(args.seeds)
    loaded = init_generator(args.checkpoint, format=args.format,
                            config=args.config,
                            sample_model=args.sample_model,
                            device=check_device(args.device))
    print(f'{osp.basename(args.checkpoint)}: {loaded.message}',
          file=sys.stderr)
    G = loaded.G
    kwargs = dict(seeds=seeds, truncation_psi=args.truncation,
                  truncation_cutoff=args.truncation_cutoff,
                  noise_mode=args.noise_mode, batch_size=args.batch_size)
    if args.class_idx is not None:
        images = sample_conditional(G, args.class_idx, **kwargs)
    else:
        images = sample_images(G, **kwargs)
    folder = out_dir(args.out_dir, outputs=OUTPUTS, overwrite=args.overwrite)
    for seed, img in zip(seeds, to_uint8(images)):
        write_image(osp.join(folder, f'seed{seed:04d}.png'), img)
    print(f'wrote {len(seeds)} images to {folder}')


if __name__ == '__main__':
    run_cli(main)
