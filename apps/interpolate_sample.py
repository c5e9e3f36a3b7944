"""Interpolate between latent codes of a trained generator and render the
frames: a numbered sequence (and a GIF / MP4) or a grid with a row per
pair of endpoints.

    python apps/interpolate_sample.py CKPT [--show-mode sequence|group]
        [--endpoint N] [--interval K] [--space z|w] [--interp-mode lerp|slerp]
        [--proj-latent FILE ...] [--export-video] [--sample-cfg k=v ...]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.args import (COMMON_EPILOG, add_batch_size_arg,  # noqa: E402
                                add_common_args, files_epilog, parse_kv,
                                positive, set_out_dir_default)
from mmlatent.utils.choices import SHOW_MODES  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402

FILES = [
    ('frame_00000.png ...', 'sequence mode: the frames, numbered along the '
     'path; frame k*(K-1) is endpoint k'),
    ('interpolation_group.png', 'group mode: one row per pair of endpoints '
     '(0, 1), (2, 3), ..., K columns'),
    ('interpolation.gif/.mp4', '--export-video: the frames as a looping GIF '
     'and an H.264 MP4 (group mode: frame t shows every pair at step t)'),
    ('endpoints.pt', 'latent file of the endpoints used (space z, w or w+; '
     'condition c; noise maps)'),
]
#: Files this app writes in --out-dir (--overwrite deletes them first).
OUTPUTS = ('frame_*.png', 'interpolation_group.png', 'interpolation.gif',
           'interpolation.mp4', 'endpoints.pt')
EPILOG = f"""spaces:
  z   interpolate the prior samples z (and the condition c, linearly);
      frames are G(z, c)
  w   interpolate w = mapping(z, c) (per layer for W+ codes, e.g. from
      the projector). For generators without a learned W space (DCGAN,
      WGAN-GP, conditional, InfoGAN) w is the network input [z | c]: the
      same as z for unconditional models; for conditional ones the codes
      move with z. The app prints a note then.
--proj-latent FILE ...: the endpoints start with the codes of these latent
  files (e.g. <stem>-project.pt of the projector, endpoints.pt of an
  earlier run); the rest are drawn from --seed. --space defaults to the
  files' space (w codes cannot go back to z); with --endpoint N smaller
  than their count, the first N codes are used.
--sample-cfg (style generators): truncation_psi=0.7, truncation_cutoff=K
  (applied when mapping z), noise_mode=const|random|none (default const).

{files_epilog(FILES)}
{COMMON_EPILOG}"""


def parse_args(argv):
    p = argparse.ArgumentParser(
        description='Interpolate between latent codes and render frames.',
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    set_out_dir_default(p, 'outputs/interpolation')
    p.add_argument('--show-mode', default='sequence', choices=SHOW_MODES,
                   help='sequence: one path through all endpoints, '
                   'numbered frames; group: one grid row per pair')
    p.add_argument('--endpoint', type=positive(name='--endpoint'),
                   help='number of endpoints (default: 4, or the codes of '
                   '--proj-latent and at least 2); even in group mode')
    p.add_argument('--interval', type=positive(name='--interval'),
                   default=10, help='frames per segment, both endpoints '
                   'included (default: 10)')
    p.add_argument('--space', choices=['z', 'w'],
                   help='space to interpolate in (default: z, or the '
                   'space of --proj-latent); see "spaces" below')
    p.add_argument('--interp-mode', choices=['lerp', 'slerp'],
                   help='lerp or slerp (default: slerp in z, lerp in w)')
    p.add_argument('--proj-latent', nargs='+', metavar='FILE',
                   help='latent file(s) whose codes are the first endpoints')
    p.add_argument('--export-video', action='store_true',
                   help='also write interpolation.gif and .mp4')
    p.add_argument('--fps', type=positive(float, name='--fps'), default=10,
                   help='frames per second of the video (default: 10)')
    p.add_argument('--sample-cfg', nargs='+', metavar='KEY=VALUE',
                   help='sampling options of style generators, e.g. '
                   'truncation_psi=0.7')
    add_batch_size_arg(p)
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.apis.app import (load_app_generator, out_dir,  # noqa: E402
                               seed_all, show_progress)
from mmlatent.latent.frames import (interpolation_endpoints,  # noqa: E402
                                    interpolation_frames, sampling_kwargs)
from mmlatent.latent.io import load_codes, save_codes  # noqa: E402
from mmlatent.latent.paths import check_endpoints  # noqa: E402
from mmlatent.latent.video import write_video  # noqa: E402
from mmlatent.utils.image import write_image  # noqa: E402


def write_outputs(frames, args, folder):
    """The frames or the group grid, and the videos; what was written."""
    for name, image in frames.images.items():
        write_image(osp.join(folder, name), image)
    what = f'{len(frames.images)} frames frame_*.png' if \
        args.show_mode == 'sequence' else \
        f'interpolation_group.png ({frames.rows} rows)'
    if args.export_video:
        names = write_video(osp.join(folder, 'interpolation'), frames.video,
                            fps=args.fps)
        what += ', ' + ', '.join(osp.basename(n) for n in names)
    return what


def main(argv=None):
    args = parse_args(argv)
    if args.endpoint:
        check_endpoints(args.endpoint, args.show_mode)
    gen = seed_all(args)
    loaded = load_app_generator(args)
    G = loaded.G
    mapping_kwargs, synthesis_kwargs = sampling_kwargs(
        G, parse_kv(args.sample_cfg))
    files = load_codes(args.proj_latent, G) if args.proj_latent else None
    ends = interpolation_endpoints(
        G, files=files, num=args.endpoint, space=args.space,
        show_mode=args.show_mode, label=args.label, con=args.con,
        generator=gen, mapping_kwargs=mapping_kwargs,
        note=lambda text: print(f'note: {text}', file=sys.stderr))
    folder = out_dir(args.out_dir, outputs=OUTPUTS, overwrite=args.overwrite)
    frames = interpolation_frames(
        G, ends, interval=args.interval, mode=args.interp_mode,
        show_mode=args.show_mode, batch_size=args.batch_size,
        mapping_kwargs=mapping_kwargs, synthesis_kwargs=synthesis_kwargs,
        progress=show_progress())
    what = write_outputs(frames, args, folder)
    save_codes(osp.join(folder, 'endpoints.pt'), ends.codes,
               meta={'app': 'interpolate_sample', 'space': ends.space,
                     'interp_mode': frames.mode, 'generator': loaded.which,
                     'seed': args.seed})
    print(f'{len(ends.codes)} endpoints in {ends.space} ({frames.mode}, '
          f'{args.show_mode}): wrote {what} and endpoints.pt to {folder}')


if __name__ == '__main__':
    run_cli(main)
