"""Convert a StyleGAN2 checkpoint of another toolbox into mmlatent's format.

    python tools/convert_checkpoint.py SRC DST --format rosinality|mmgen|nvidia
        [--resolution R] [--lr-multiplier 0.01] [--w-avg-samples 10000]

rosinality: stylegan2-pytorch ``.pt`` files (``g_ema``, and ``g`` / ``d``
when present, ``latent_avg``). mmgen: MMGeneration 0.x and MMagic 1.x
StyleGAN2 ``.pth`` files (``state_dict`` with ``generator.`` /
``generator_ema.`` (MMagic: ``generator_ema.module.``) / ``discriminator.``
entries). nvidia: stylegan2-ada-pytorch / stylegan3
network pickles (``network-snapshot-*.pkl``, ``ffhq.pkl``; StyleGAN2 only),
read without running code from the file. The architecture is read from the
weights (and, for nvidia, from the pickled modules' attributes). The way
back to rosinality: tools/export_checkpoint.py. See docs/formats.md.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.utils.choices import CONVERT_FORMATS  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src', help='source checkpoint (.pt / .pth)')
    p.add_argument('dst', help='output mmlatent checkpoint (.pth)')
    p.add_argument('--format', required=True, choices=CONVERT_FORMATS,
                   help='layout of SRC')
    p.add_argument('--resolution', type=int,
                   help='expected output size; an error if the weights '
                   'are for another one')
    p.add_argument('--lr-multiplier', type=float, default=0.01,
                   help='learning-rate multiplier the source mapping '
                   'network was trained with (not stored in rosinality / '
                   'mmgen weights; nvidia pickles store it)')
    p.add_argument('--w-avg-samples', type=int, default=10000,
                   help='z samples to estimate w_avg when the source has '
                   'no latent_avg')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.converters import convert_checkpoint  # noqa: E402


def main() -> None:
    args = parse_args()
    meta = convert_checkpoint(args.src, args.dst, args.format,
                              resolution=args.resolution,
                              lr_multiplier=args.lr_multiplier,
                              w_avg_samples=args.w_avg_samples)
    print(f'wrote {args.dst}')
    for key in ('generator', 'generator_ema', 'discriminator', 'w_avg'):
        print(f'  {key}: {meta[key]}')


if __name__ == '__main__':
    run_cli(main)
