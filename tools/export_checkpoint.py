"""Export an mmlatent StyleGAN2 checkpoint to rosinality's stylegan2-pytorch.

    python tools/export_checkpoint.py CKPT DST.pt [--no-d] [--drop-conv-clamp]

Writes ``g_ema`` (the EMA generator, or the generator when the checkpoint
holds no averaged EMA), ``g`` (when it differs), ``d`` (unless --no-d) and
``latent_avg``: rosinality's generate.py, projector.py,
closed_form_factorization.py, GANSpace and StyleCLIP read it. Converting it
back (tools/convert_checkpoint.py --format rosinality) gives identical
weights. See docs/formats.md.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.converters import export_rosinality  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('checkpoint', metavar='CKPT', help='mmlatent checkpoint')
    p.add_argument('dst', help='output rosinality .pt file')
    p.add_argument('--config', help='config overriding the stored one')
    p.add_argument('--no-d', action='store_true',
                   help='leave the discriminator out')
    p.add_argument('--drop-conv-clamp', action='store_true',
                   help='export a generator with conv_clamp (NVIDIA '
                   'stylegan2-ada) although rosinality does not clamp')
    return p.parse_args(argv)


def main() -> None:
    args = parse_args()
    written = export_rosinality(args.checkpoint, args.dst,
                                with_d=not args.no_d,
                                drop_conv_clamp=args.drop_conv_clamp,
                                config=args.config)
    print(f'wrote {args.dst}')
    for key, what in written.items():
        print(f'  {key}: {what}')


if __name__ == '__main__':
    run_cli(main)
